"""What the owner's books say of an invoice beyond its balance (the export's status).

An export can say an invoice is disputed, was never sent, or was written off as
uncollectible. Such an invoice is still owed (it stays in the ledger with its balance)
but it is not chased: a disputed one is held like a dispute opened on a call, an
unsent one must be sent first, and an uncollectible one has been given up on.
"""

from __future__ import annotations

from typing import Iterable

from .models import Invoice

DISPUTED, UNSENT, UNCOLLECTIBLE = "disputed", "unsent", "uncollectible"
KINDS = (DISPUTED, UNSENT, UNCOLLECTIBLE)

#: How an invoice's row names it (short: it sits beside the invoice number).
LABEL = {DISPUTED: "disputed in books", UNSENT: "not sent yet", UNCOLLECTIBLE: "uncollectible"}
#: Why a client is not called today (the not-today list: short, the invoice numbers follow).
HELD = {DISPUTED: "disputed in your books", UNSENT: "not sent yet: send it first",
        UNCOLLECTIBLE: "uncollectible in your books"}
#: Why it is not asked for.
WHY = {
    DISPUTED: "disputed in your books: not asked for until the dispute is settled",
    UNSENT: "not sent yet: send it first",
    UNCOLLECTIBLE: "written off as uncollectible in your books: not chased",
}


def held(invoices: Iterable[Invoice]) -> list[Invoice]:
    """The invoices the books hold back from a call."""
    return [i for i in invoices if i.book_status in WHY]


def why_held(invoices: Iterable[Invoice]) -> str | None:
    """Why a client whose open invoices are all held by the books is not called, or None:
    'not sent yet: send it first (INV-0424)'; several kinds are joined."""
    by_kind: dict[str, list[str]] = {}
    for i in held(invoices):
        by_kind.setdefault(i.book_status, []).append(i.number or "balance")
    if not by_kind:
        return None
    return "; ".join(f"{HELD[k]} ({', '.join(by_kind[k])})" for k in KINDS if k in by_kind)


__all__ = ["DISPUTED", "UNSENT", "UNCOLLECTIBLE", "KINDS", "LABEL", "HELD", "WHY", "held", "why_held"]

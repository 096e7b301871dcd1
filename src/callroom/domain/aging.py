"""Days overdue, aging buckets and collection stages (DOMAIN.md sections 2 and 7)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from decimal import Decimal
from typing import Iterable

from .codes import Stage
from .models import Invoice
from .policy import Policy

BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


#: The terms callroom assumes when an invoice has no due date, no terms of its own, and the
#: owner has not said what their usual terms are (``Policy.usual_terms_days``).
ASSUMED_TERMS_DAYS = 30

_TERMS = re.compile(r"^(?:net|n)\s*-?\s*(\d{1,3})(?:\s*days?)?$|^(\d{1,3})\s*(?:days?|d)(?:\s*net)?$")
_ON_RECEIPT = frozenset({"due on receipt", "on receipt", "upon receipt", "due upon receipt", "receipt", "immediate",
                         "due immediately", "cod", "cash on delivery", "net 0", "net0"})


@lru_cache(maxsize=1024)
def terms_days(text: str) -> int | None:
    """The days to pay that payment terms say: 'Net 15' -> 15, 'N30' -> 30, '45 days' -> 45,
    'Due on receipt' -> 0; None when the text does not say ('EOM', '2/10 net 30', '')."""
    t = " ".join((text or "").strip().lower().replace(".", " ").split())
    if not t:
        return None
    if t in _ON_RECEIPT:
        return 0
    m = _TERMS.match(t)
    if m is None:
        return None
    return int(m.group(1) or m.group(2))


@dataclass(frozen=True)
class DueDate:
    """An invoice's due date and where it comes from: the export ('export'), the invoice's
    own terms ('terms'), the owner's usual terms ('yours', ``Policy.usual_terms_days``),
    or callroom's assumption ('assumed': :data:`ASSUMED_TERMS_DAYS`). ``day`` is None when
    neither a due date nor an issue date is known."""

    day: date | None
    basis: str
    days: int = 0  # the terms counted from the issue date, when worked out
    terms: str = ""  # the invoice's terms, as the export wrote them ('terms' only)

    @property
    def worked_out(self) -> bool:
        """The export gave no due date: this one is counted from the issue date."""
        return self.day is not None and self.basis != "export"

    @property
    def assumed(self) -> bool:
        """Counted from terms nobody stated (neither the export nor the owner)."""
        return self.basis == "assumed"

    def note(self) -> str:
        """What the date rests on, said wherever a figure counted from it is shown ('' for
        a due date the export gave): 'due date assumed: issued + 30 days; the export has none'."""
        if not self.worked_out:
            return ""
        if self.basis == "terms":
            return f"due date from its terms ({self.terms}): issued + {self.days} days"
        if self.basis == "yours":
            return f"due date from your usual terms: issued + {self.days} days; the export has none"
        return f"due date assumed: issued + {self.days} days; the export has none"


    def by(self) -> str:
        """The short form, beside a date: 'by assumed 30-day terms' ('' for the export's)."""
        if not self.worked_out:
            return ""
        if self.basis == "terms":
            return f"by its terms ({self.terms})"
        return f"by {'your' if self.basis == 'yours' else 'assumed'} {self.days}-day terms"


#: Said beside an assumed due date: how the owner says what their terms are.
SET_TERMS = "set yours: callroom settings --terms DAYS"


def due_notes(invoices: Iterable[Invoice], policy: Policy) -> list[str]:
    """What the worked-out due dates among ``invoices`` rest on, each said once, in order."""
    out: list[str] = []
    for inv in invoices:
        if inv.due is None:
            note = due_info(inv, policy).note()
            if note and note not in out:
                out.append(note)
    return out


def due_info(inv: Invoice, policy: Policy) -> DueDate:
    """The invoice's due date with what it rests on: the export's, else its issue date plus
    its own terms, the owner's usual terms or, failing both, the assumed 30 days."""
    if inv.due is not None:
        return DueDate(inv.due, "export")
    if inv.issued is None:
        return DueDate(None, "")
    own = terms_days(inv.terms)
    if own is not None:
        return DueDate(inv.issued + timedelta(days=own), "terms", own, inv.terms.strip())
    if policy.usual_terms_days is not None:
        return DueDate(inv.issued + timedelta(days=policy.usual_terms_days), "yours", policy.usual_terms_days)
    return DueDate(inv.issued + timedelta(days=ASSUMED_TERMS_DAYS), "assumed", ASSUMED_TERMS_DAYS)


def due_date(inv: Invoice, policy: Policy) -> date | None:
    """The invoice's due date, or its issue date plus terms when the export had none
    (:func:`due_info` says which)."""
    if inv.due is not None:
        return inv.due
    return due_info(inv, policy).day


def days_overdue(inv: Invoice, today: date, policy: Policy = Policy()) -> int:
    due = inv.due if inv.due is not None else due_info(inv, policy).day
    return 0 if due is None else (today - due).days


def bucket(days: int) -> str:
    if days <= 0:
        return "current"
    if days <= 30:
        return "1-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "90+"


def stage_for_days(days: int, policy: Policy = Policy()) -> Stage:
    if days <= 0:
        return Stage.NOT_DUE
    if days < policy.friendly_from:
        return Stage.COURTESY
    if days < policy.personal_from:
        return Stage.FRIENDLY
    if days < policy.escalation_from:
        return Stage.PERSONAL
    return Stage.ESCALATION


def aging_table(invoices: Iterable[Invoice], today: date, policy: Policy = Policy()) -> dict[str, dict[str, Decimal]]:
    """{currency: {bucket: open balance}} over open invoices whose balance is known."""
    out: dict[str, dict[str, Decimal]] = {}
    for inv in invoices:
        if not inv.is_open or inv.balance is None:
            continue
        row = out.setdefault(inv.currency, {b: Decimal(0) for b in BUCKETS})
        row[bucket(days_overdue(inv, today, policy))] += inv.balance
    return out


def add_business_days(start: date, n: int) -> date:
    d = start
    while n > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d

"""The dry-run view of a parsed file: exactly the objects of the samples' expected JSON."""

from __future__ import annotations

from collections.abc import Iterable

from .parse import ImportedInvoice, ParsedFile

KEYS = ("client", "invoice", "issued", "due", "currency", "balance", "email", "phone")


def invoice_json(inv: ImportedInvoice) -> dict:
    return {
        "client": inv.client,
        "invoice": inv.invoice,
        "issued": inv.issued.isoformat() if inv.issued else None,
        "due": inv.due.isoformat() if inv.due else None,
        "currency": inv.currency,
        "balance": None if inv.balance is None else str(inv.balance),
        "email": inv.email or None,
        "phone": inv.phone or None,
    }


def to_expected_json(parsed: ParsedFile | Iterable[ParsedFile]) -> list[dict]:
    """``[{"client","invoice","issued","due","currency","balance","email","phone"}, …]``
    (balance as decimal text or null), in file order; several files give one list."""
    files = [parsed] if isinstance(parsed, ParsedFile) else list(parsed)
    return [invoice_json(inv) for pf in files for inv in pf.invoices]


__all__ = ["to_expected_json", "invoice_json", "KEYS"]

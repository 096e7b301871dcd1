"""Days overdue, aging buckets and collection stages (DOMAIN.md sections 2 and 7)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Iterable

from .codes import Stage
from .models import Invoice
from .policy import Policy

BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


def due_date(inv: Invoice, policy: Policy) -> date | None:
    """The invoice's due date, or its issue date plus the default terms when the export had none."""
    if inv.due is not None:
        return inv.due
    if inv.issued is not None:
        return inv.issued + timedelta(days=policy.default_terms_days)
    return None


def days_overdue(inv: Invoice, today: date, policy: Policy = Policy()) -> int:
    due = due_date(inv, policy)
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

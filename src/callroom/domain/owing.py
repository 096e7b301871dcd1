"""What a client owes, kept apart: overdue, not yet due, and held by an open dispute.

Everything that shows or asks for money (the script, the call screen's totals, the
defaults of a promise or a plan, what a promise covers) reads this, so an invoice that
falls due next month is never chased as if it were late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable, Sequence

from babel.dates import format_date

from .aging import days_overdue, due_date, due_info
from .models import Invoice
from .money import Totals, format_money
from .policy import Policy
from .queue import ClientStanding


def totals(invoices: Iterable[Invoice]) -> Totals:
    """The known balances of ``invoices`` per currency (unknown balances left out)."""
    t = Totals()
    for i in invoices:
        if i.balance is not None:
            t[i.currency] = t.get(i.currency, Decimal(0)) + i.balance
    return t


@dataclass(frozen=True)
class Owing:
    overdue: tuple[Invoice, ...]  # chased and past due, oldest due first
    not_due: tuple[Invoice, ...]  # chased, due today or later (or no date known), soonest first
    disputed: tuple[Invoice, ...]  # held back by an open dispute

    @property
    def overdue_totals(self) -> Totals:
        return totals(self.overdue)

    @property
    def not_due_totals(self) -> Totals:
        return totals(self.not_due)

    @property
    def disputed_totals(self) -> Totals:
        return totals(self.disputed)

    @property
    def all_open(self) -> tuple[Invoice, ...]:
        return self.overdue + self.not_due + self.disputed

    def main_currency(self) -> str:
        """The currency with most overdue; with nothing overdue, with most owed; '' with nothing open."""
        for t in (self.overdue_totals, totals(self.all_open)):
            if t:
                return max(sorted(t), key=lambda c: t[c])
        return self.all_open[0].currency if self.all_open else ""


def owing(st: ClientStanding, today: date, policy: Policy = Policy()) -> Owing:
    chased = {i.number for i in st.chase}
    late: list[Invoice] = []
    ahead: list[Invoice] = []
    held: list[Invoice] = []
    for inv in st.file.open_invoices:
        if inv.number not in chased:
            held.append(inv)
        elif days_overdue(inv, today, policy) > 0:
            late.append(inv)
        else:
            ahead.append(inv)

    def by_due(i: Invoice):
        return (due_date(i, policy) or date.max, i.number)

    return Owing(tuple(sorted(late, key=by_due)), tuple(sorted(ahead, key=by_due)), tuple(sorted(held, key=by_due)))


def short_day(d: date, today: date | None = None, locale: str = "en_US") -> str:
    """'Mon 14 Dec', with the year when it is not ``today``'s."""
    if today is not None and d.year != today.year:
        return format_date(d, "EEE d MMM y", locale=locale)
    return format_date(d, "EEE d MMM", locale=locale)


def listed(invoices: Sequence[Invoice], today: date, policy: Policy = Policy(), locale: str = "en_US") -> str:
    """'0052 (€650.00, due Thu 17 Dec)', one per invoice, comma separated; a due date the
    export did not give says what it rests on ('due Sat 11 Apr by assumed 30-day terms')."""
    out = []
    for i in invoices:
        bits = [format_money(i.balance, i.currency, locale) if i.balance is not None else "balance unknown"]
        due = due_info(i, policy)
        if due.day is not None:
            bits.append(f"due {short_day(due.day, today, locale)}" + (f" {due.by()}" if due.worked_out else ""))
        out.append(f"{i.number} ({', '.join(bits)})")
    return ", ".join(out)

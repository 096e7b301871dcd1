"""What a case file holds (DOMAIN.md section 9: what a lawyer, an agency or a court asks
for): both parties, what is owed, the statement of account, every contact with what
was said and promised, promises kept and broken, disputes, the letters sent as
numbered exhibits, and the escalation route chosen.

Everything comes from the ledger as it is: no figure is estimated here except the
interest (only when the owner set a rate, and labelled as a calculation) and the
route's costs (labelled as estimates when the route was chosen). The rows are plain
values; ``documents.casefile`` renders them as a PDF and as CSV files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any, Iterable

from .aging import days_overdue
from .codes import Result
from .escalation import InterestLine, StepState, book_for, interest, states
from .history import CHANNEL_LABELS, KIND_LABELS
from .models import Client, ClientFile, Written
from .money import Totals
from .policy import Policy
from .profile import Profile
from .promises import judge

_ZERO = Decimal(0)


class NothingOwed(ValueError):
    """The client owes nothing: there is no case to make (nothing is written)."""


def _iso(d: date | None) -> str:
    return d.isoformat() if d else ""


def _amt(a: Decimal | None) -> str:
    return "" if a is None else str(a)


@dataclass(frozen=True)
class StatementRow:
    number: str
    currency: str
    issued: date | None
    due: date | None
    amount: Decimal | None  # None: the export did not give it
    paid: Decimal | None  # amount less balance (what the invoice's own figures show paid)
    balance: Decimal | None
    status: str  # open | paid | void
    days_overdue: int | None  # open invoices only; 0 or less: not yet due
    note: str = ""  # 'disputed', 'not yet due', 'paid 2026-10-02'

    def to_csv(self) -> dict[str, Any]:
        return {"invoice": self.number, "currency": self.currency, "issued": _iso(self.issued), "due": _iso(self.due),
                "amount": _amt(self.amount), "paid": _amt(self.paid), "balance": _amt(self.balance), "status": self.status,
                "days_overdue": "" if self.days_overdue is None else self.days_overdue, "note": self.note}


STATEMENT_COLUMNS = ("invoice", "currency", "issued", "due", "amount", "paid", "balance", "status", "days_overdue", "note")


@dataclass(frozen=True)
class PaymentRow:
    date: date
    amount: Decimal
    currency: str
    invoices: tuple[str, ...]
    source: str
    note: str


@dataclass(frozen=True)
class ContactRow:
    """One call or one written message, as the ledger holds it (notes and texts verbatim)."""

    at: datetime
    contact: str  # 'call' | 'written'
    result: str  # a call's result; a message's kind
    reason: str = ""
    outcome: str = ""
    agreed: str = ""  # what the call agreed, from its details ('3325.50 by 2026-11-17')
    next_action: date | None = None
    notes: str = ""  # the call's note, or the message's text, verbatim
    subject: str = ""
    channel: str = ""
    to: str = ""
    exhibit: int | None = None

    def to_csv(self) -> dict[str, Any]:
        return {"date": self.at.date().isoformat(), "time": self.at.strftime("%H:%M"), "contact": self.contact,
                "result": self.result, "reason": self.reason, "outcome": self.outcome, "agreed": self.agreed,
                "next_action": _iso(self.next_action), "notes": self.notes, "subject": self.subject, "channel": self.channel,
                "to": self.to, "exhibit": "" if self.exhibit is None else self.exhibit}


CONTACT_COLUMNS = ("date", "time", "contact", "result", "reason", "outcome", "agreed", "next_action", "notes", "subject",
                   "channel", "to", "exhibit")


@dataclass(frozen=True)
class PromiseRow:
    made_on: date
    due: date
    amount: Decimal
    currency: str
    invoices: tuple[str, ...]
    status: str  # Kept, Partly kept, Broken, Open, Replaced
    paid_by_due: Decimal
    paid_late: Decimal
    what: str  # 'promise' or 'instalment 2 of a plan'
    method: str = ""


@dataclass(frozen=True)
class DisputeRow:
    opened: date
    what: str
    invoices: tuple[str, ...]
    who: str
    get_back: date
    ended: str  # 'resolved on 2026-11-02', 'open: get back by 2026-11-27'


@dataclass(frozen=True)
class Exhibit:
    number: int
    written: Written
    name: str  # the file name in letters/ (the text as recorded)
    copy: str = ""  # the saved file copied beside it, when it is still there ('' otherwise)
    saved: str = ""  # where it was saved at the time (Written.file)

    @property
    def title(self) -> str:
        w = self.written
        return f"{KIND_LABELS.get(w.kind, w.kind)}, {w.at:%Y-%m-%d %H:%M} ({CHANNEL_LABELS.get(w.channel, w.channel)})"


@dataclass(frozen=True)
class CaseFile:
    creditor: Profile
    client: Client
    today: date
    owed: Totals  # everything open with a known balance
    overdue: Totals  # overdue, not disputed
    not_due: Totals
    disputed: Totals
    unknown: tuple[str, ...]  # open invoices whose balance the ledger does not know
    interest_rates: dict[str, Decimal]  # currency: percent a year, only where the owner set one
    interest: tuple[InterestLine, ...]
    steps: tuple[StepState, ...]
    statement: tuple[StatementRow, ...]
    payments: tuple[PaymentRow, ...]
    contacts: tuple[ContactRow, ...]
    skipped: int  # skips recorded (not calls: left out of the contact log)
    promises: tuple[PromiseRow, ...]
    disputes: tuple[DisputeRow, ...]
    exhibits: tuple[Exhibit, ...] = field(default=())

    @property
    def route(self) -> StepState | None:
        """The route chosen last (standing or not)."""
        return self.steps[-1] if self.steps else None

    def interest_total(self) -> Totals:
        t = Totals()
        for i in self.interest:
            t[i.currency] = t.get(i.currency, _ZERO) + i.amount
        return t


def _letter_name(n: int, w: Written) -> str:
    return f"{n:02d} {w.at:%Y-%m-%d} {w.kind}"


def exhibits(written: Iterable[Written], saved_exists=lambda path: False) -> tuple[Exhibit, ...]:
    """The written messages as numbered exhibits, oldest first; ``saved_exists(path)`` says
    whether the file a message was saved as is still there (to copy it beside the text)."""
    out = []
    for n, w in enumerate(sorted(written, key=lambda w: (w.at, w.id or 0)), 1):
        stem = _letter_name(n, w)
        ext = PurePath(w.file).suffix.lower() if w.file and saved_exists(w.file) else ""
        copy = f"{stem}{ext}" if ext and ext != ".txt" else ""
        out.append(Exhibit(n, w, f"{stem}.txt", copy, w.file))
    return tuple(out)


def _agreed(details: dict) -> str:
    d = {k: v for k, v in (details or {}).items() if k != "links"}
    if not d:
        return ""
    amt, cur = d.get("amount") or d.get("total"), d.get("currency")
    bits = []
    if amt:
        bits.append(f"{amt} {cur}".strip() if cur else str(amt))
    if d.get("count"):
        bits.append(f"{d['count']} × {d.get('frequency', '')}".strip())
    when = d.get("date") or d.get("first") or d.get("get_back")
    if when:
        bits.append(f"{'from' if d.get('first') else 'by'} {when}")
    if d.get("what"):
        bits.append(str(d["what"]))
    if d.get("skip_reason"):
        bits.append(f"skipped: {d['skip_reason']}")
    return " · ".join(bits)


def build(cf: ClientFile, profile: Profile, today: date, policy: Policy = Policy(), *,
          written: Iterable[Written] = (), saved_exists=lambda path: False) -> CaseFile:
    """The case file of one client as of ``today``. NothingOwed when nothing is open."""
    c = cf.client
    open_inv = [i for i in cf.open_invoices if i.balance is None or i.balance > 0]
    if not open_inv:
        raise NothingOwed(f"{c.name} owes nothing: no case file was written")
    disputed_numbers = {n for d in cf.disputes if d.is_open for n in (d.invoices or [i.number for i in cf.open_invoices])}
    owed, overdue, not_due, disputed = Totals(), Totals(), Totals(), Totals()
    unknown = []
    for inv in open_inv:
        if inv.balance is None:
            unknown.append(inv.number)
            continue
        owed[inv.currency] = owed.get(inv.currency, _ZERO) + inv.balance
        if inv.number in disputed_numbers:
            disputed[inv.currency] = disputed.get(inv.currency, _ZERO) + inv.balance
        elif days_overdue(inv, today, policy) > 0:
            overdue[inv.currency] = overdue.get(inv.currency, _ZERO) + inv.balance
        else:
            not_due[inv.currency] = not_due.get(inv.currency, _ZERO) + inv.balance

    rates = {cur: r for cur in sorted({i.currency for i in open_inv}) if (r := book_for(profile, cur).interest) is not None}
    interest_lines: list[InterestLine] = []
    for cur, rate in rates.items():
        interest_lines += interest([i for i in open_inv if i.currency == cur and i.number not in disputed_numbers], rate, today, policy)

    statement = []
    for inv in sorted(cf.invoices, key=lambda i: (i.issued or i.due or date.min, i.number)):
        days = days_overdue(inv, today, policy) if inv.is_open else None
        paid = inv.amount - inv.balance if inv.amount is not None and inv.balance is not None else None
        if inv.is_open:
            note = "disputed" if inv.number in disputed_numbers else ("not yet due" if days is not None and days <= 0 else "")
            if inv.balance is None:
                note = (note + "; " if note else "") + "balance not known"
        else:
            note = f"{inv.status} {_iso(inv.closed_on)}".strip()
        statement.append(StatementRow(inv.number, inv.currency, inv.issued, inv.due, inv.amount, paid, inv.balance,
                                      "open" if inv.is_open else inv.status, days, note))

    payments = tuple(PaymentRow(p.date, p.amount, p.currency, p.invoices, p.source, p.note)
                     for p in sorted(cf.payments, key=lambda p: (p.date, p.id or 0)) if p.date <= today)

    ex = exhibits(written, saved_exists)
    by_written = {e.written.id: e.number for e in ex}
    contacts: list[ContactRow] = []
    skipped = 0
    for call in cf.calls:
        if call.result is Result.SKIPPED:
            skipped += 1
            continue
        contacts.append(ContactRow(call.at, "call", call.result.label, call.reason.label if call.reason else "",
                                   call.outcome.label if call.outcome else "", _agreed(call.details), call.next_action,
                                   call.note))
    for e in ex:
        w = e.written
        contacts.append(ContactRow(w.at, "written", KIND_LABELS.get(w.kind, w.kind), notes=w.text, subject=w.subject,
                                   channel=CHANNEL_LABELS.get(w.channel, w.channel), to=w.to, exhibit=by_written.get(w.id)))
    contacts.sort(key=lambda r: (r.at, r.contact != "call"))

    promises = []
    for j in judge(cf.promises, [p for p in cf.payments if p.date <= today], today):
        p = j.promise
        what = f"instalment {p.instalment} of a plan" if p.plan_id else "promise"
        promises.append(PromiseRow(p.made_on, p.due, p.amount, p.currency, p.invoices, j.status.label, j.paid_by_due, j.paid_late,
                                   what, p.method))
    promises.sort(key=lambda r: (r.made_on, r.due))

    disputes = []
    for d in sorted(cf.disputes, key=lambda d: (d.opened, d.id or 0)):
        if d.resolved_on:
            ended = f"resolved on {d.resolved_on.isoformat()}"
        elif d.get_back < today:
            ended = f"open: get-back date {d.get_back.isoformat()} has passed"
        else:
            ended = f"open: get back by {d.get_back.isoformat()}"
        disputes.append(DisputeRow(d.opened, d.what, d.invoices, d.who, d.get_back, ended))

    return CaseFile(profile, c, today, owed, overdue, not_due, disputed, tuple(unknown), rates, tuple(interest_lines),
                    tuple(states(cf, today)), tuple(statement), payments, tuple(contacts), skipped, tuple(promises),
                    tuple(disputes), ex)


__all__ = ["CaseFile", "NothingOwed", "StatementRow", "PaymentRow", "ContactRow", "PromiseRow", "DisputeRow", "Exhibit",
           "STATEMENT_COLUMNS", "CONTACT_COLUMNS", "build", "exhibits"]

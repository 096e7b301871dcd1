"""Promise judgement (DOMAIN.md section 6): kept, partly kept, broken or still open, as of a day.

A promise is kept when payments covering its amount arrive by its date. Payments are
matched in date order to promises in due-date order, first only where they arrived
in time, then what is left as paid late; a payment counts for a promise only when it
is in the same currency, made on or after the day the promise was made (after it, for a
payment an import found: that money had arrived by the import), and either names none of
its invoices or names one of the promise's invoices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable

from .codes import PromiseStatus
from .models import Payment, Promise


@dataclass(frozen=True)
class Judged:
    promise: Promise
    status: PromiseStatus
    paid_by_due: Decimal  # what arrived on or before the due date for this promise
    paid_late: Decimal  # what arrived after the due date

    @property
    def is_broken(self) -> bool:
        return self.status in (PromiseStatus.BROKEN, PromiseStatus.PARTLY_KEPT)


def _applies(payment: Payment, promise: Promise) -> bool:
    if payment.currency != promise.currency or payment.date < promise.made_on:
        return False
    if payment.source == "import" and payment.date <= promise.made_on:
        # An import records money that had arrived by the day of the import: on the day a
        # promise was made, that money was already off the balance the promise was made on.
        return False
    if payment.invoices and promise.invoices:
        return bool(set(payment.invoices) & set(promise.invoices))
    return True


def judge(promises: Iterable[Promise], payments: Iterable[Payment], today: date) -> list[Judged]:
    """Judge every promise of one client. Deterministic; never mutates its inputs."""
    plist = sorted(promises, key=_promise_order)
    # One pass over ``payments`` (it may be a one-shot iterator); money left is tracked by
    # position, so two equal payment records stay two payments. One dated after ``today``
    # never counts: it is left out from the start.
    pays = [x for x in sorted(payments, key=_payment_order) if not x.date > today]
    by_due = [_ZERO] * len(plist)  # what each promise got in time, and late
    late = [_ZERO] * len(plist)
    if pays and plist:
        remaining = [p.amount for p in pays]
        # Money that arrived in time for a promise goes to it first; only what is left counts as
        # paid late. So a payment that keeps a new promise is never swallowed by an older broken
        # one for the same debt (which would break both).
        for on_time, book in ((True, by_due), (False, late)):
            for k, pr in enumerate(plist):
                if pr.cancelled:
                    continue
                need = pr.amount - by_due[k] - late[k]
                due = pr.due
                for n, pay in enumerate(pays):
                    if need <= _ZERO:
                        break
                    if remaining[n] <= _ZERO or (pay.date <= due) is not on_time or not _applies(pay, pr):
                        continue
                    take = min(remaining[n], need)
                    remaining[n] -= take
                    need -= take
                    book[k] = book[k] + take
    out: list[Judged] = []
    for k, pr in enumerate(plist):
        if pr.cancelled:
            out.append(Judged(pr, PromiseStatus.CANCELLED, _ZERO, _ZERO))
            continue
        paid, after = by_due[k], late[k]
        if paid >= pr.amount:
            status = PromiseStatus.KEPT
        elif today <= pr.due:
            status = PromiseStatus.OPEN
        elif paid > 0:
            status = PromiseStatus.PARTLY_KEPT
        else:
            status = PromiseStatus.BROKEN
        out.append(Judged(pr, status, paid, after))
    return out


_ZERO = Decimal(0)  # immutable: the same "nothing" for every promise


def _promise_order(p: Promise) -> tuple:
    return (p.due, p.made_on, p.id or 0)


def _payment_order(p: Payment) -> tuple:
    return (p.date, p.id or 0)


def broken(judged: Iterable[Judged]) -> list[Judged]:
    return [j for j in judged if j.is_broken]


def open_promises(judged: Iterable[Judged]) -> list[Judged]:
    return [j for j in judged if j.status is PromiseStatus.OPEN]

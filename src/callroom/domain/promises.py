"""Promise judgement (DOMAIN.md section 6): kept, partly kept, broken or still open, as of a day.

A promise is kept when payments covering its amount arrive by its date. Payments are
matched in date order to promises in due-date order, first only where they arrived
in time, then what is left as paid late; a payment counts for a promise only when it
is in the same currency, made on or after the day the promise was made, and either
names none of its invoices or names one of the promise's invoices.
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
    if payment.invoices and promise.invoices:
        return bool(set(payment.invoices) & set(promise.invoices))
    return True


def judge(promises: Iterable[Promise], payments: Iterable[Payment], today: date) -> list[Judged]:
    """Judge every promise of one client. Deterministic; never mutates its inputs."""
    plist = sorted(promises, key=lambda p: (p.due, p.made_on, p.id or 0))
    # One pass over ``payments`` (it may be a one-shot iterator); money left is tracked by
    # position, so two equal payment records stay two payments.
    pays = sorted(payments, key=lambda x: (x.date, x.id or 0))
    remaining = [p.amount for p in pays]
    by_due: dict[int, Decimal] = {}
    late: dict[int, Decimal] = {}
    live = [(k, pr) for k, pr in enumerate(plist) if not pr.cancelled]

    def allocate(on_time: bool) -> None:
        for k, pr in live:
            need = pr.amount - by_due.get(k, Decimal(0)) - late.get(k, Decimal(0))
            for n, pay in enumerate(pays):
                if need <= 0:
                    break
                if remaining[n] <= 0 or not _applies(pay, pr) or pay.date > today or (pay.date <= pr.due) != on_time:
                    continue
                take = min(remaining[n], need)
                remaining[n] -= take
                need -= take
                book = by_due if on_time else late
                book[k] = book.get(k, Decimal(0)) + take

    # Money that arrived in time for a promise goes to it first; only what is left counts as
    # paid late. So a payment that keeps a new promise is never swallowed by an older broken
    # one for the same debt (which would break both).
    allocate(on_time=True)
    allocate(on_time=False)
    out: list[Judged] = []
    for k, pr in enumerate(plist):
        if pr.cancelled:
            out.append(Judged(pr, PromiseStatus.CANCELLED, Decimal(0), Decimal(0)))
            continue
        paid, after = by_due.get(k, Decimal(0)), late.get(k, Decimal(0))
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


def broken(judged: Iterable[Judged]) -> list[Judged]:
    return [j for j in judged if j.is_broken]


def open_promises(judged: Iterable[Judged]) -> list[Judged]:
    return [j for j in judged if j.status is PromiseStatus.OPEN]

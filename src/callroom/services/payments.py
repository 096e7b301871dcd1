"""Payments received: stored at once, lowering the open balances they pay (named invoices
first, then the oldest due), and put back exactly when the call that recorded one is undone."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from ..domain.models import Call, Payment
from ..domain.payments import PaymentEntry, check_payment

if TYPE_CHECKING:
    from ..domain.clock import Clock
    from ..store.repo import Store


class PaymentsDesk:
    """Part of :class:`callroom.services.Desk`."""

    store: "Store"
    clock: "Clock"

    def check_payment(self, client_id: int, values: dict[str, str]) -> PaymentEntry:
        """A typed payment checked against the client's open invoices (DraftError names the
        field at fault); nothing is stored."""
        return check_payment(values, self.store.client_file(client_id), self.clock.today())

    def receive_payment(self, client_id: int, values: dict[str, str]) -> Payment:
        """Check a typed payment and store it (the app's `$` form and `callroom pay`):
        on disk, with the balances it lowered, when this returns."""
        e = self.check_payment(client_id, values)
        return self.record_payment(client_id, e.amount, e.currency, e.day, e.invoices, e.note)

    def record_payment(self, client_id: int, amount: Decimal, currency: str, day: date, invoices: tuple[str, ...] = (), note: str = "") -> Payment:
        """Store a payment received and apply it; returns it as stored (with what it lowered)."""
        with self.store.transaction():
            p = self.store.ledger.payments.add(Payment(None, client_id, day, amount, currency, invoices, "manual", note))
            self._apply_payment(p)
        return self.payment(p.id) if p.id is not None else p

    def payment(self, payment_id: int) -> Payment:
        return self.store.ledger.payments.get(payment_id)

    def _apply_payment(self, p: Payment) -> None:
        """Lower open balances by a payment: the named invoices first, then oldest due first.
        What it lowered is kept on the payment, so an undo restores exactly that."""
        left = p.amount
        invs = [i for i in self.store.ledger.open_invoices(p.client_id) if i.currency == p.currency and i.balance is not None]
        invs.sort(key=lambda i: (i.number not in p.invoices, i.due or date.min, i.number))
        applied: dict[str, str] = {}
        for inv in invs:
            if left <= 0:
                break
            take = min(left, inv.balance)  # type: ignore[type-var]
            left -= take
            nb = inv.balance - take  # type: ignore[operator]
            self.store.ledger.invoices.save(
                inv.with_(balance=nb, status="paid" if nb <= 0 else "open", closed_on=p.date if nb <= 0 else None)
            )
            applied[str(inv.id)] = str(take)
        if applied and p.id is not None:
            self.store.ledger.payments.save(replace(p, applied=applied))

    def _reverse_payment(self, call: Call) -> None:
        pay_id = call.details["links"]["payment"]
        try:
            p = self.store.ledger.payments.get(pay_id)
        except LookupError:
            return
        for inv_id, amt in p.applied.items():
            inv = self.store.ledger.invoices.get(int(inv_id))
            self.store.ledger.invoices.save(
                inv.with_(balance=(inv.balance or Decimal(0)) + Decimal(amt), status="open", closed_on=None)
            )

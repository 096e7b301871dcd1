"""A payment received, as typed (the app's `$` form, `callroom pay`): checked by one set of
rules, with what it will lower, before anything is stored.

A payment larger than everything open in its currency is refused, naming the balance,
unless a reason is given (fees, interest): money is never recorded against debts that
are not there by a slip of the keyboard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.numbers import get_currency_precision

from .drafts import DraftError, clean_text, parse_amount, parse_day
from .models import ClientFile, Invoice
from .money import Totals, format_money

FIELDS = ("amount", "currency", "date", "invoices", "note", "over")


@dataclass(frozen=True)
class PaymentEntry:
    """A checked payment, ready to store, with what it will do."""

    amount: Decimal
    currency: str
    day: date
    invoices: tuple[str, ...]  # as named (empty: oldest first)
    note: str  # as stored: with the reason it is more than owed, when it is
    applies: tuple[tuple[str, Decimal, bool], ...]  # (invoice number, amount taken, closes it)
    unapplied: Decimal  # more than the open balances
    warnings: tuple[str, ...]
    over: str = ""  # why it is more than owed ('' when it is not)


def owed_by_currency(cf: ClientFile) -> Totals:
    t = Totals()
    for i in cf.open_invoices:
        if i.balance is not None:
            t[i.currency] = t.get(i.currency, Decimal(0)) + i.balance
    return t


def currencies(cf: ClientFile, fallback: str = "USD") -> list[str]:
    """The client's currencies, the one with most owed first."""
    owed = owed_by_currency(cf)
    rest = sorted({i.currency for i in cf.invoices} - set(owed))
    return sorted(owed, key=lambda c: (-owed[c], c)) + rest or [fallback]


def defaults(cf: ClientFile, today: date, fallback: str = "USD") -> dict[str, str]:
    """Amount: everything owed in the client's main currency; date: today; invoices: oldest first."""
    cur = currencies(cf, fallback)[0]
    owed = owed_by_currency(cf).get(cur)
    return {"amount": str(owed) if owed else "", "currency": cur, "date": today.isoformat(), "invoices": "", "note": "", "over": ""}


def _named(text: str, cf: ClientFile, currency: str) -> tuple[str, ...]:
    wanted = [w.lstrip("#") for w in re.split(r"[\s,;]+", text.strip()) if w.strip("#")]
    by_number = {i.number.lower(): i for i in cf.invoices}
    out: list[str] = []
    open_ = ", ".join(i.number for i in cf.open_invoices if i.currency == currency) or "none"
    for w in wanted:
        inv = by_number.get(w.lower())
        if inv is None:
            raise DraftError("invoices", f"No invoice {w[:20]!r} for this client. Open in {currency}: {open_}.")
        if inv.currency != currency:
            raise DraftError("invoices", f"Invoice {inv.number} is in {inv.currency}, not {currency}.")
        if not inv.is_open:
            raise DraftError("invoices", f"Invoice {inv.number} is already {inv.status}. Open in {currency}: {open_}.")
        if inv.number not in out:
            out.append(inv.number)
    return tuple(out)


def allocate(amount: Decimal, currency: str, named: tuple[str, ...], invoices: list[Invoice]) -> tuple[list[tuple[str, Decimal, bool]], Decimal]:
    """What the payment lowers, in the order the payments service applies it: the named
    invoices first, then the oldest due first."""
    invs = [i for i in invoices if i.is_open and i.currency == currency and i.balance is not None]
    invs.sort(key=lambda i: (i.number not in named, i.due or date.min, i.number))
    left = amount
    out = []
    for inv in invs:
        if left <= 0:
            break
        take = min(left, inv.balance)  # type: ignore[type-var]
        left -= take
        out.append((inv.number, take, take >= inv.balance))  # type: ignore[operator]
    return out, left


def _currency_of(invoices: str, cf: ClientFile) -> str:
    """No currency given: that of the first invoice named, else the one with most owed."""
    first = next((w.lstrip("#") for w in re.split(r"[\s,;]+", invoices.strip()) if w.strip("#")), "")
    inv = next((i for i in cf.invoices if i.number.lower() == first.lower()), None) if first else None
    return inv.currency if inv is not None else currencies(cf)[0]


def check_payment(values: dict[str, str], cf: ClientFile, today: date) -> PaymentEntry:
    """Check a typed payment. Raises DraftError naming the field at fault; an amount above
    what is open in its currency is refused (field ``over``) unless ``over`` says why."""
    currency = (values.get("currency") or "").strip().upper() or _currency_of(values.get("invoices", ""), cf)
    if currency not in currencies(cf, currency or "USD"):
        raise DraftError("currency", f"{currency or 'No currency'}: choose one of {', '.join(currencies(cf))}.")
    amount = parse_amount(values.get("amount", ""))
    places = get_currency_precision(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise DraftError("amount", f"{currency} amounts are whole numbers." if places == 0 else f"Use at most {places} decimal places for {currency}.")
    day = parse_day(values.get("date", "") or today.isoformat(), "date", today, allow_past=True)
    if day > today:
        raise DraftError("date", f"{day.isoformat()} is in the future: record a payment once it has arrived (money still to come is a promise).")
    named = _named(values.get("invoices", ""), cf, currency)
    note = clean_text(values.get("note", ""), 500, "note")
    over = clean_text(values.get("over", ""), 200, "over")
    applies, left = allocate(amount, currency, named, list(cf.invoices))
    owed = owed_by_currency(cf).get(currency, Decimal(0))
    unknown = any(i.balance is None and i.currency == currency for i in cf.open_invoices)
    warnings: list[str] = []
    if left > 0 and not unknown:
        if not over:
            raise DraftError("over", f"{format_money(amount, currency)} is more than the {format_money(owed, currency)} owed in {currency} "
                                     "(every open invoice). Lower the amount, or say why it is more (fees, interest).")
        warnings.append(f"{format_money(left, currency)} more than owed ({over}): every open {currency} invoice closes.")
        note = "; ".join(x for x in (note, f"more than owed: {over}") if x)
    else:
        over = ""
        if left > 0:
            warnings.append(f"{format_money(left, currency)} of it lowers no known balance (an open {currency} invoice's balance is unknown).")
    return PaymentEntry(amount, currency, day, named, note, tuple(applies), left, tuple(warnings), over)

"""Small builders for the domain tests: every date is relative to a fixed TODAY, never the real clock."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from callroom.domain.codes import Outcome, Reason, Result
from callroom.domain.models import Call, Client, ClientFile, Dispute, Invoice, Payment, Plan, Promise
from callroom.domain.policy import Policy
from callroom.domain.queue import standing

TODAY = date(2026, 11, 23)  # a Monday
# 16:00 UTC on TODAY: 11:00 in New York (in hours), 08:00 in Los Angeles and 05:00 (Tuesday) in Auckland (out).
NOW = datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc)

NY_PHONE = "+1 212 555 0100"
LA_PHONE = "+1 415 555 0182"
NZ_PHONE = "+64 7 555 0147"
LONDON_PHONE = "+44 20 7946 0321"

_ids = itertools.count(1000)


def ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def ahead(n: int) -> date:
    return TODAY + timedelta(days=n)


def D(x) -> Decimal:
    return Decimal(str(x))


def client(
    id: int = 1,
    name: str = "Acme Ltd",
    *,
    contact: str = "Dana Whitfield",
    phone: str = NY_PHONE,
    region: str = "US",
    terms: str = "Net 30",
    instructions: str = "ACH to First Harbor Bank, account 4471",
) -> Client:
    return Client(id, name, contact=contact, phones=(phone,) if phone else (), terms=terms, instructions=instructions, region=region)


def invoice(
    number: str = "1001",
    balance="1000.00",
    *,
    overdue: int | None = 40,
    due: date | None = None,
    issued: date | None = None,
    currency: str = "USD",
    client_id: int = 1,
    status: str | None = None,
    id: int | None = None,
) -> Invoice:
    """An invoice ``overdue`` days past due (ignored when ``due`` or ``issued`` is given)."""
    if due is None and issued is None and overdue is not None:
        due = ago(overdue)
    bal = None if balance is None else D(balance)
    if status is None:
        status = "open" if bal is None or bal > 0 else "paid"
    return Invoice(id if id is not None else next(_ids), client_id, number, currency, bal, issued=issued, due=due, status=status)


def payment(day: date, amount, currency: str = "USD", invoices: tuple[str, ...] = (), *, client_id: int = 1, id: int | None = None) -> Payment:
    return Payment(id if id is not None else next(_ids), client_id, day, D(amount), currency, tuple(invoices))


def promise(
    made: date,
    due: date,
    amount,
    currency: str = "USD",
    invoices: tuple[str, ...] = (),
    *,
    client_id: int = 1,
    plan_id: int | None = None,
    instalment: int | None = None,
    cancelled: bool = False,
    id: int | None = None,
) -> Promise:
    return Promise(
        id if id is not None else next(_ids), client_id, made_on=made, due=due, amount=D(amount), currency=currency,
        invoices=tuple(invoices), plan_id=plan_id, instalment=instalment, cancelled=cancelled,
    )


def call(
    day: date,
    result: Result = Result.REACHED,
    *,
    reason: Reason | None = None,
    outcome: Outcome | None = None,
    next_action: date | None = None,
    hour: int = 10,
    client_id: int = 1,
) -> Call:
    return Call(next(_ids), client_id, datetime.combine(day, time(hour, 0)), result, reason, outcome, "", next_action)


def dispute(opened: date, get_back: date, invoices: tuple[str, ...] = (), *, resolved: date | None = None, client_id: int = 1) -> Dispute:
    return Dispute(next(_ids), client_id, opened=opened, what="Site visits billed twice", get_back=get_back, invoices=tuple(invoices), resolved_on=resolved)


def plan(made: date, first: date, total, count: int = 3, frequency: str = "monthly", currency: str = "USD", *, id: int = 77, client_id: int = 1) -> Plan:
    return Plan(id, client_id, made_on=made, total=D(total), currency=currency, count=count, frequency=frequency, first=first)


def cfile(c: Client | None = None, invoices=(), *, calls=(), promises=(), plans=(), disputes=(), payments=()) -> ClientFile:
    c = c or client()
    return ClientFile(c, tuple(invoices), tuple(calls), tuple(promises), tuple(plans), tuple(disputes), tuple(payments))


def stand(cf: ClientFile, today: date = TODAY, policy: Policy = Policy()):
    return standing(cf, today, policy)

"""Property tests over generated ledgers: money never appears from nowhere, order never depends on input order."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from babel.numbers import get_currency_precision
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callroom.domain.aging import aging_table
from callroom.domain.codes import Outcome, PromiseStatus, Reason, Result
from callroom.domain.drafts import Draft, defaults
from callroom.domain.drafts import build as build_draft
from callroom.domain.models import Call, Client, ClientFile, Dispute, Invoice, Payment, Promise
from callroom.domain.promises import judge
from callroom.domain.queue import build, standing
from callroom.domain.schedule import plan_amounts
from callroom.domain.script import compose

from domain_builders import LA_PHONE, LONDON_PHONE, NY_PHONE, NZ_PHONE, TODAY

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CURRENCIES = ["USD", "EUR", "JPY"]

days_back = st.integers(min_value=-30, max_value=200)
maybe_days_back = st.one_of(st.none(), days_back)


def money_amount(currency: str, lo: int = 0, hi: int = 500_000):
    places = get_currency_precision(currency)
    return st.integers(lo, hi).map(lambda n: Decimal(n).scaleb(-places))


# Strategies are built once: building them inside every draw is what makes generation slow.
CURRENCY = st.sampled_from(CURRENCIES)
BALANCE = {c: st.one_of(st.none(), money_amount(c)) for c in CURRENCIES}
AMOUNT = {c: money_amount(c, 1, 200_000) for c in CURRENCIES}
STATUS = st.sampled_from(["open", "open", "open", "paid", "void"])
RESULT = st.sampled_from(list(Result))
OUTCOME = st.sampled_from([None, *Outcome])
REASON = st.sampled_from([None, *Reason])
NAME = st.sampled_from(["Acme", "acme", "Birch & Co", "Cedar", "Dogwood"])
PHONE = st.sampled_from([NY_PHONE, LA_PHONE, NZ_PHONE, LONDON_PHONE, ""])
PICKS = st.lists(st.integers(0, 3), max_size=2, unique=True)  # which invoices a promise/payment/dispute names
SMALL = {n: st.integers(0, n) for n in (3, 4, 30, 40, 60)}
HOUR = st.integers(8, 17)
NEXT = st.one_of(st.none(), st.integers(-10, 20))
PAY_DAY = st.integers(-5, 60)


def named(draw, numbers):
    return tuple(numbers[i % len(numbers)] for i in draw(PICKS))


@st.composite
def invoices(draw, cid: int, n: int):
    out = []
    for k in range(n):
        cur = draw(CURRENCY)
        bal = draw(BALANCE[cur])
        status = draw(STATUS)
        if status == "paid":
            bal = Decimal(0)
        due_ago = draw(maybe_days_back)
        issued_ago = draw(maybe_days_back)
        out.append(Invoice(cid * 100 + k, cid, f"{cid}-{k}", cur, bal,
                           issued=None if issued_ago is None else TODAY - timedelta(days=issued_ago + 30),
                           due=None if due_ago is None else TODAY - timedelta(days=due_ago), status=status))
    return out


@st.composite
def client_files(draw, cid: int):
    name = draw(NAME)
    phone = draw(PHONE)
    invs = draw(invoices(cid, draw(SMALL[4])))
    numbers = [i.number for i in invs] or ["none"]
    calls = []
    for k in range(draw(SMALL[3])):
        result = draw(RESULT)
        outcome = draw(OUTCOME) if result is Result.REACHED else None
        reason = draw(REASON) if result is Result.REACHED else None
        day = TODAY - timedelta(days=draw(SMALL[60]))
        gap = draw(NEXT)
        nxt = None if gap is None else day + timedelta(days=gap)
        calls.append(Call(cid * 100 + k, cid, datetime.combine(day, time(draw(HOUR))), result, reason, outcome, "", nxt))
    promises = []
    for k in range(draw(SMALL[3])):
        cur = draw(CURRENCY)
        made = TODAY - timedelta(days=draw(SMALL[60]))
        due = made + timedelta(days=draw(SMALL[40]))
        promises.append(Promise(cid * 100 + k, cid, made, due, draw(AMOUNT[cur]), cur, named(draw, numbers), cancelled=draw(st.booleans())))
    payments = []
    for k in range(draw(SMALL[3])):
        cur = draw(CURRENCY)
        payments.append(Payment(cid * 100 + k, cid, TODAY - timedelta(days=draw(PAY_DAY)), draw(AMOUNT[cur]), cur, named(draw, numbers)))
    disputes = []
    if draw(st.booleans()):
        opened = TODAY - timedelta(days=draw(SMALL[30]))
        disputes.append(Dispute(cid, cid, opened, "something", opened + timedelta(days=draw(SMALL[40])), named(draw, numbers)))
    client = Client(cid, name, contact="Pat Doe", phones=(phone,) if phone else (), region="US")
    return ClientFile(client, tuple(invs), tuple(calls), tuple(promises), (), tuple(disputes), tuple(payments))


@st.composite
def ledgers(draw):
    n = draw(st.integers(1, 6))
    return [draw(client_files(cid)) for cid in range(1, n + 1)]


nows = st.integers(0, 23).map(lambda h: datetime.combine(TODAY, time(h), tzinfo=timezone.utc))


@SETTINGS
@given(ledgers(), nows)
def test_a_paid_invoice_never_appears_in_the_queue(files, now):
    q = build(files, now)
    queued = set(q.ids())
    for cf in files:
        cid = cf.client.id
        st_ = standing(cf, now.date())
        assert all(i.is_open for i in st_.chase)
        if not cf.open_invoices:
            assert cid not in queued
            assert [h.why for h in q.not_today if h.client_id == cid] == ["nothing open"]
    # nobody is called while everything they owe is held by an open dispute
    for e in q.entries:
        [cf] = [f for f in files if f.client.id == e.client_id]
        assert standing(cf, now.date()).chase, e
    # every client is either queued or held, exactly once
    listed = [e.client_id for e in q.entries] + [h.client_id for h in q.not_today]
    assert sorted(listed) == sorted(cf.client.id for cf in files)


@SETTINGS
@given(ledgers())
def test_the_total_owed_is_the_sum_of_open_balances_per_currency(files):
    for cf in files:
        expected: dict[str, Decimal] = defaultdict(Decimal)
        for inv in cf.invoices:
            if inv.status == "open" and inv.balance is not None and inv.balance > 0:
                expected[inv.currency] += inv.balance
        st_ = standing(cf, TODAY)
        assert dict(st_.owed) == dict(expected)
        # the aging table agrees, bucket by bucket, and never mixes currencies
        table = aging_table(cf.invoices, TODAY)
        assert {cur: sum(row.values()) for cur, row in table.items()} == dict(expected)
        # overdue is a part of what is owed, currency by currency
        assert all(cur in st_.owed and amt <= st_.owed[cur] for cur, amt in st_.overdue.items())


@SETTINGS
@given(st.sampled_from(["USD", "EUR", "JPY", "GBP", "KWD"]).flatmap(lambda c: st.tuples(st.just(c), money_amount(c, 1, 10**9))), st.integers(1, 24))
def test_plan_amounts_always_sum_to_the_total(cur_total, count):
    cur, total = cur_total
    amounts = plan_amounts(total, count, cur)
    assert len(amounts) == count
    assert sum(amounts) == total
    unit = Decimal(1).scaleb(-get_currency_precision(cur))
    assert all(a == a.quantize(unit) for a in amounts)  # every instalment is payable in the minor unit
    assert all(a >= 0 for a in amounts)
    assert len(set(amounts[:-1])) <= 1 and amounts[-1] >= amounts[0]
    assert amounts[-1] - amounts[0] < unit * count


@SETTINGS
@given(client_files(1), st.integers(-10, 60))
def test_judge_never_marks_more_promise_money_kept_than_was_paid(cf, shift):
    today = TODAY + timedelta(days=shift)
    judged = judge(cf.promises, cf.payments, today)
    assert sorted(j.promise.id for j in judged) == sorted(p.id for p in cf.promises)
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for p in cf.payments:
        if p.date <= today:
            paid[p.currency] += p.amount
    counted: dict[str, Decimal] = defaultdict(Decimal)
    for j in judged:
        pr = j.promise
        assert j.paid_by_due >= 0 and j.paid_late >= 0
        assert j.paid_by_due + j.paid_late <= pr.amount
        counted[pr.currency] += j.paid_by_due + j.paid_late
        if j.status is PromiseStatus.KEPT:
            assert j.paid_by_due == pr.amount
        if j.status is PromiseStatus.CANCELLED:
            assert pr.cancelled and j.paid_by_due == j.paid_late == 0
        if j.status is PromiseStatus.OPEN:
            assert today <= pr.due
        if j.status in (PromiseStatus.BROKEN, PromiseStatus.PARTLY_KEPT):
            assert today > pr.due and j.paid_by_due < pr.amount
    for cur, amt in counted.items():
        assert amt <= paid[cur]


@SETTINGS
@given(ledgers(), nows, st.randoms(use_true_random=False))
def test_queue_order_does_not_depend_on_input_order(files, now, rnd):
    first = build(files, now)
    shuffled = list(files)
    rnd.shuffle(shuffled)
    again = build(shuffled, now)
    assert again.ids() == first.ids()
    assert [(h.client_id, h.why) for h in again.not_today] == [(h.client_id, h.why) for h in first.not_today]
    assert [e.why for e in again.entries] == [e.why for e in first.entries]
    # in-hours clients always come before out-of-hours ones, and tiers rise within each
    keys = [(e.out_of_hours, e.tier) for e in first.entries]
    assert keys == sorted(keys)
    # every entry says why; every hold that names a day names today or later
    assert all(e.why for e in first.entries)
    assert all(h.until is None or h.until >= now.date() for h in first.not_today)


@SETTINGS
@given(ledgers())
def test_every_queued_client_gets_a_script_and_the_default_promise_is_valid(files):
    now = datetime.combine(TODAY, time(15), tzinfo=timezone.utc)
    for e in build(files, now).entries:
        [cf] = [f for f in files if f.client.id == e.client_id]
        st_ = standing(cf, TODAY)
        s = compose(st_, TODAY)
        opening = " ".join(s.listen)
        assert all(inv.number in opening for inv in st_.chase)
        form = defaults(Outcome.PROMISE, st_, TODAY)
        if form["amount"]:
            logged = build_draft(Draft(result=Result.REACHED, outcome=Outcome.PROMISE, **form), st_, now)
            [p] = logged.promises
            assert p.amount == Decimal(form["amount"]) and p.due > TODAY and logged.warnings == ()

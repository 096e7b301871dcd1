"""promises.judge over time (DOMAIN.md section 6)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from callroom.domain.codes import PromiseStatus as S
from callroom.domain.promises import broken, judge, open_promises
from callroom.domain.schedule import plan_amounts, plan_dates

from domain_builders import payment, promise

MADE = date(2026, 11, 1)
DUE = date(2026, 11, 10)


def one(pr, pays, today):
    [j] = judge([pr], pays, today)
    return j


def p500(**kw):
    return promise(MADE, DUE, "500.00", invoices=("1001",), **kw)


def test_kept_when_paid_in_full_on_the_date():
    j = one(p500(), [payment(DUE, "500.00", invoices=("1001",))], DUE + timedelta(days=1))
    assert j.status is S.KEPT
    assert (j.paid_by_due, j.paid_late) == (Decimal("500.00"), 0)
    assert not j.is_broken


def test_kept_as_soon_as_the_money_is_in_even_before_the_date():
    j = one(p500(), [payment(date(2026, 11, 4), "500.00")], date(2026, 11, 5))
    assert j.status is S.KEPT


def test_paid_late_is_broken_and_the_late_money_is_recorded():
    pr = p500()
    pays = [payment(DUE + timedelta(days=2), "500.00", invoices=("1001",))]
    # on the day after the date, before the money came: broken, nothing late yet
    j = one(pr, pays, DUE + timedelta(days=1))
    assert j.status is S.BROKEN and j.paid_late == 0
    # once the late money is in, it stays broken but the late payment is known
    j = one(pr, pays, DUE + timedelta(days=5))
    assert j.status is S.BROKEN
    assert (j.paid_by_due, j.paid_late) == (0, Decimal("500.00"))
    assert j.is_broken


def test_part_paid_by_the_date_is_partly_kept():
    pays = [payment(date(2026, 11, 8), "300.00")]
    assert one(p500(), pays, DUE).status is S.OPEN  # still time to pay the rest
    j = one(p500(), pays, DUE + timedelta(days=1))
    assert j.status is S.PARTLY_KEPT
    assert j.paid_by_due == Decimal("300.00")
    assert j.is_broken  # a part payment is not a kept promise


def test_part_by_the_date_and_rest_late():
    pays = [payment(date(2026, 11, 8), "300.00"), payment(date(2026, 11, 15), "400.00")]
    j = one(p500(), pays, date(2026, 11, 20))
    assert j.status is S.PARTLY_KEPT
    assert (j.paid_by_due, j.paid_late) == (Decimal("300.00"), Decimal("200.00"))  # only what was still needed


def test_payment_before_the_promise_was_made_does_not_count():
    j = one(p500(), [payment(MADE - timedelta(days=1), "500.00")], DUE + timedelta(days=1))
    assert j.status is S.BROKEN
    assert j.paid_by_due == 0


@pytest.mark.parametrize("day", [MADE, date(2026, 11, 6), DUE])
def test_payment_after_the_promise_was_made_and_by_the_date_counts(day):
    assert one(p500(), [payment(day, "500.00")], DUE + timedelta(days=1)).status is S.KEPT


def test_payment_to_another_invoice_does_not_count():
    j = one(p500(), [payment(date(2026, 11, 5), "500.00", invoices=("2002",))], DUE + timedelta(days=1))
    assert j.status is S.BROKEN
    assert j.paid_by_due == 0 and j.paid_late == 0


def test_payment_naming_one_of_the_promised_invoices_counts():
    pr = promise(MADE, DUE, "500.00", invoices=("1001", "1002"))
    assert one(pr, [payment(date(2026, 11, 5), "500.00", invoices=("1002", "3003"))], DUE).status is S.KEPT


def test_payment_in_another_currency_does_not_count():
    j = one(p500(), [payment(date(2026, 11, 5), "500.00", "EUR")], DUE + timedelta(days=1))
    assert j.status is S.BROKEN


def test_a_payment_dated_after_today_is_not_counted_yet():
    pays = [payment(date(2026, 11, 9), "500.00")]
    assert one(p500(), pays, date(2026, 11, 8)).status is S.OPEN
    assert one(p500(), pays, date(2026, 11, 9)).status is S.KEPT


def test_two_promises_share_one_payment_in_due_order():
    early = promise(MADE, date(2026, 11, 10), "300.00")
    later = promise(MADE, date(2026, 11, 20), "300.00")
    pays = [payment(date(2026, 11, 5), "500.00")]
    for order in ([early, later], [later, early]):  # input order does not matter
        a, b = judge(order, pays, date(2026, 11, 21))
        assert (a.promise, a.status, a.paid_by_due) == (early, S.KEPT, Decimal("300.00"))
        assert (b.promise, b.status, b.paid_by_due) == (later, S.PARTLY_KEPT, Decimal("200.00"))
    # before the second date it is still open
    _, b = judge([early, later], pays, date(2026, 11, 15))
    assert b.status is S.OPEN


def test_a_payment_that_keeps_a_new_promise_is_not_swallowed_by_the_broken_old_one():
    # 1 Nov: "500 by the 10th" - nothing came. 11 Nov: "500 by the 20th" - paid on the 18th.
    old = promise(MADE, DUE, "500.00", invoices=("1001",))
    new = promise(date(2026, 11, 11), date(2026, 11, 20), "500.00", invoices=("1001",))
    a, b = judge([old, new], [payment(date(2026, 11, 18), "500.00", invoices=("1001",))], date(2026, 11, 21))
    assert (a.promise, a.status, a.paid_late) == (old, S.BROKEN, 0)
    assert (b.promise, b.status, b.paid_by_due) == (new, S.KEPT, Decimal("500.00"))
    assert len(broken([a, b])) == 1  # one broken promise, not two (two would mean escalation review)


def test_late_money_left_over_after_the_promises_in_time_is_recorded_as_late():
    old = promise(MADE, DUE, "500.00")
    new = promise(date(2026, 11, 11), date(2026, 11, 20), "300.00")
    a, b = judge([old, new], [payment(date(2026, 11, 18), "700.00")], date(2026, 11, 21))
    assert (b.status, b.paid_by_due) == (S.KEPT, Decimal("300.00"))
    assert (a.status, a.paid_by_due, a.paid_late) == (S.BROKEN, 0, Decimal("400.00"))


def test_one_payment_is_never_counted_twice():
    a = promise(MADE, date(2026, 11, 10), "500.00")
    b = promise(MADE, date(2026, 11, 10), "500.00")
    res = judge([a, b], [payment(date(2026, 11, 5), "500.00")], date(2026, 11, 11))
    assert sorted(j.status.value for j in res) == ["broken", "kept"]
    assert sum(j.paid_by_due + j.paid_late for j in res) == Decimal("500.00")


def test_each_plan_instalment_is_judged():
    total, count = Decimal("1000.00"), 3
    amounts = plan_amounts(total, count, "USD")
    dates = plan_dates(date(2026, 9, 15), count, "monthly")
    made = date(2026, 9, 1)
    prs = [promise(made, d, a, plan_id=9, instalment=n + 1) for n, (d, a) in enumerate(zip(dates, amounts))]
    pays = [
        payment(date(2026, 9, 14), amounts[0]),  # first instalment on time
        payment(date(2026, 10, 15), "100.00"),  # second: only a part, on its date
    ]
    res = judge(prs, pays, date(2026, 10, 20))
    assert [j.promise.instalment for j in res] == [1, 2, 3]
    assert [j.status for j in res] == [S.KEPT, S.PARTLY_KEPT, S.OPEN]
    assert res[1].paid_by_due == Decimal("100.00")
    assert [j.promise.instalment for j in broken(res)] == [2]
    assert [j.promise.instalment for j in open_promises(res)] == [3]
    # a month later nothing more came: the third is broken too
    assert judge(prs, pays, date(2026, 11, 16))[2].status is S.BROKEN


def test_still_open_until_the_end_of_the_promised_day():
    for today in (MADE, date(2026, 11, 9), DUE):
        assert one(p500(), [], today).status is S.OPEN
    assert one(p500(), [], DUE + timedelta(days=1)).status is S.BROKEN


def test_cancelled_promise_is_never_broken_and_takes_no_money():
    cancelled = promise(MADE, date(2026, 11, 5), "500.00", cancelled=True)
    live = promise(MADE, date(2026, 11, 10), "500.00")
    res = judge([cancelled, live], [payment(date(2026, 11, 4), "500.00")], date(2026, 12, 1))
    assert [(j.promise, j.status) for j in res] == [(cancelled, S.CANCELLED), (live, S.KEPT)]
    assert not res[0].is_broken


def test_judge_accepts_one_shot_iterators():
    pays = [payment(date(2026, 11, 5), "500.00")]
    res = judge(iter([p500()]), (p for p in pays), DUE + timedelta(days=1))
    assert [j.status for j in res] == [S.KEPT]


def test_judge_does_not_change_its_inputs():
    prs = [p500()]
    pays = [payment(date(2026, 11, 5), "200.00")]
    before = (list(prs), list(pays))
    judge(prs, pays, DUE)
    judge(prs, pays, DUE)
    assert (prs, pays) == before
    assert judge(prs, pays, DUE) == judge(prs, pays, DUE)


def test_money_an_import_found_on_the_day_of_the_promise_does_not_count_for_it():
    """An import that morning lowered the balance by $1,000 (money that had already arrived);
    the promise made on the call that day was for what was left: the $1,000 is not part of it."""
    from dataclasses import replace

    pr = promise(MADE, DUE, "2325.50", invoices=("1041",))
    found = replace(payment(MADE, "1000.00", invoices=("1041",)), source="import")
    j = one(pr, [found], DUE + timedelta(days=1))
    assert (j.status, j.paid_by_due) == (S.BROKEN, Decimal(0))
    later = replace(payment(MADE + timedelta(days=1), "2325.50", invoices=("1041",)), source="import")
    assert one(pr, [found, later], DUE + timedelta(days=1)).status is S.KEPT  # the next import's money counts
    by_hand = payment(MADE, "2325.50", invoices=("1041",))  # entered with $ on the day: after the call
    assert one(pr, [by_hand], DUE).status is S.KEPT

"""Today's call queue: order, the 'not today' reasons, the why texts, stages and calling hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from callroom.domain.codes import Outcome, Reason, Result, Stage
from callroom.domain.policy import Policy
from callroom.domain.queue import build, standing

from domain_builders import (
    LA_PHONE, LONDON_PHONE, NOW, NZ_PHONE, NY_PHONE, TODAY, ago, ahead, call, cfile, client, dispute, invoice,
    payment, plan, promise, stand,
)


def entry(q, cid):
    [e] = [e for e in q.entries if e.client_id == cid]
    return e


def held(q, cid):
    [h] = [h for h in q.not_today if h.client_id == cid]
    return h


# --- the order --------------------------------------------------------------------------------

def order_files():
    follow_up = cfile(client(1, "Alder Works"), [invoice("A1", "200.00", overdue=10, client_id=1)],
                      calls=[call(ago(4), Result.VOICEMAIL, next_action=ago(1), client_id=1)])
    broken = cfile(client(2, "Birch & Co"), [invoice("B1", "500.00", overdue=25, client_id=2)],
                   calls=[call(ago(20), Result.REACHED, reason=Reason.CASH_FLOW, outcome=Outcome.PROMISE, client_id=2)],
                   promises=[promise(ago(20), ago(6), "500.00", invoices=("B1",), client_id=2)])
    big_personal = cfile(client(3, "Cedar Group"), [invoice("C1", "5000.00", overdue=45, client_id=3)])
    small_personal = cfile(client(4, "Dogwood Dental"), [invoice("D1", "100.00", overdue=60, client_id=4)])
    escalation = cfile(client(5, "Elm Street Bakery"), [invoice("E1", "50.00", overdue=120, client_id=5)])
    friendly = cfile(client(6, "Fir Logistics"), [invoice("F1", "10000.00", overdue=10, client_id=6)])
    return [friendly, small_personal, escalation, follow_up, big_personal, broken]


def test_order_follow_ups_then_broken_promises_then_by_score_then_friendly():
    q = build(order_files(), NOW)
    assert q.ids() == [1, 2, 5, 3, 4, 6]
    assert [e.tier for e in q.entries] == [1, 2, 3, 3, 3, 4]
    assert [e.tier_name for e in q.entries][:2] == ["Follow-up due", "Broken promise"]
    assert q.not_today == []


def test_why_texts_for_each_tier():
    q = build(order_files(), NOW)
    assert entry(q, 1).why == "try again after voicemail"
    assert entry(q, 2).why == "promise of 17 Nov broken ($500.00)"
    assert entry(q, 3).why == "45 days overdue, $5,000.00"
    assert entry(q, 5).why == "120 days overdue, $50.00 — escalation review"
    assert entry(q, 6).why == "10 days overdue, $10,000.00"
    assert entry(q, 5).stage is Stage.ESCALATION and entry(q, 3).stage is Stage.PERSONAL and entry(q, 6).stage is Stage.FRIENDLY


def test_within_a_tier_the_score_weighs_age_and_amount():
    # same age: the bigger balance first; same balance: the older first
    files = [
        cfile(client(1, "Small"), [invoice("S", "100.00", overdue=40, client_id=1)]),
        cfile(client(2, "Large"), [invoice("L", "90000.00", overdue=40, client_id=2)]),
        cfile(client(3, "Older"), [invoice("O", "100.00", overdue=60, client_id=3)]),
    ]
    assert build(files, NOW).ids() == [2, 3, 1]


@pytest.mark.parametrize(
    "result, outcome, next_action, why",
    [
        (Result.VOICEMAIL, None, ago(1), "try again after voicemail"),
        (Result.NO_ANSWER, None, TODAY, "try again after no answer"),
        (Result.GATEKEEPER, None, TODAY, "try again after gatekeeper"),
        (Result.REACHED, Outcome.PROMISE, ago(2), "promise check (paid by 20 Nov?)"),
        (Result.REACHED, Outcome.PLAN, ago(2), "payment plan instalment to check"),
        (Result.REACHED, Outcome.CALLBACK, TODAY, "callback agreed for 23 Nov"),
        (Result.REACHED, Outcome.DISPUTE, TODAY, "dispute: get back by 23 Nov"),
        (Result.REACHED, Outcome.CORRECT_INVOICE, ago(1), "corrected invoice: confirm it arrived"),
        (Result.REACHED, Outcome.ESCALATE, TODAY, "final notice deadline reached"),
    ],
)
def test_each_follow_up_comes_back_first_with_its_why(result, outcome, next_action, why):
    cf = cfile(client(1), [invoice("1001", "300.00", overdue=12)], calls=[call(ago(10), result, outcome=outcome, next_action=next_action)])
    plain = cfile(client(2, "Older Client"), [invoice("2001", "9000.00", overdue=80, client_id=2)])
    q = build([plain, cf], NOW)
    assert q.ids() == [1, 2]
    assert (entry(q, 1).tier, entry(q, 1).why) == (1, why)


def test_a_follow_up_due_brings_back_even_a_client_not_yet_at_the_minimum_age():
    cf = cfile(client(1), [invoice("1001", overdue=2)], calls=[call(ago(5), Result.VOICEMAIL, next_action=ago(1))])
    assert build([cf], NOW).entries[0].tier == 1


def test_a_kept_promise_with_nothing_else_due_is_not_reported_broken():
    cf = cfile(client(1), [invoice("1001", "300.00", overdue=40), invoice("1002", "200.00", overdue=40)],
               calls=[call(ago(10), Result.REACHED, outcome=Outcome.PROMISE, next_action=ago(2))],
               promises=[promise(ago(10), ago(3), "300.00", invoices=("1001",))],
               payments=[payment(ago(4), "300.00", invoices=("1001",))])
    q = build([cf], NOW)
    assert entry(q, 1).why == "promise check (paid by 20 Nov?)"
    assert stand(cf).broken_count == 0


def test_a_promise_the_payments_show_kept_needs_no_check_call():
    pr = promise(ago(10), ago(3), "300.00", invoices=("1001",))
    c = call(ago(10), Result.REACHED, outcome=Outcome.PROMISE, next_action=ago(2))
    c = replace(c, details={"links": {"promises": [pr.id]}})
    cf = cfile(client(1), [invoice("1001", "300.00", overdue=40), invoice("1002", "200.00", overdue=12)],
               calls=[c], promises=[pr], payments=[payment(ago(4), "300.00", invoices=("1001",))])
    q = build([cf], NOW)
    # judged like any client from here on (by age and amount), not called back to check a kept promise
    assert entry(q, 1).tier == 3 and entry(q, 1).why.endswith("days overdue, $500.00")
    # the same call whose promise is broken still comes back first
    broken = cfile(client(1), [invoice("1001", "300.00", overdue=40)], calls=[c], promises=[pr])
    assert entry(build([broken], NOW), 1).tier == 1


# --- not today ------------------------------------------------------------------------------

def test_promise_not_yet_due_is_held_until_its_date():
    cf = cfile(client(1), [invoice("1001", "500.00", overdue=40)],
               calls=[call(ago(2), Result.REACHED, outcome=Outcome.PROMISE, next_action=ahead(4))],
               promises=[promise(ago(2), ahead(3), "500.00", invoices=("1001",))])
    q = build([cf], NOW)
    assert q.entries == []
    h = held(q, 1)
    assert (h.why, h.until) == ("promise due 26 Nov", ahead(3))


def test_plan_instalment_not_yet_due_is_held():
    prs = [promise(ago(20), d, "100.00", plan_id=77, instalment=n) for n, d in enumerate([ago(12), ahead(18)], 1)]
    cf = cfile(client(1), [invoice("1001", "100.00", overdue=60)],
               calls=[call(ago(20), Result.REACHED, outcome=Outcome.PLAN, next_action=ahead(19))],
               promises=prs, plans=[plan(ago(20), ago(12), "200.00", 2)], payments=[payment(ago(13), "100.00")])
    q = build([cf], NOW)
    assert (held(q, 1).why, held(q, 1).until) == ("plan instalment due 11 Dec", ahead(18))


def test_a_disputed_invoice_is_not_chased_until_its_get_back_date():
    def cf_on(day):
        return cfile(client(1), [invoice("1001", "800.00", overdue=60)],
                     calls=[call(ago(3), Result.REACHED, reason=Reason.DISPUTE, outcome=Outcome.DISPUTE, next_action=ahead(4))],
                     disputes=[dispute(ago(3), ahead(4), ("1001",))])

    before = build([cf_on(TODAY)], NOW)
    assert before.entries == []
    assert (held(before, 1).why, held(before, 1).until) == ("dispute: get back by 27 Nov", ahead(4))
    assert stand(cf_on(TODAY)).chase == ()

    on_the_day = NOW + timedelta(days=4)
    q = build([cf_on(ahead(4))], on_the_day)
    assert (entry(q, 1).tier, entry(q, 1).why) == (1, "dispute: get back by 27 Nov")


def test_a_broken_promise_on_invoices_now_in_dispute_waits_for_the_get_back_date():
    cf = cfile(client(1), [invoice("1001", "800.00", overdue=60)],
               calls=[call(ago(20), Result.REACHED, outcome=Outcome.PROMISE, next_action=ago(4)),
                      call(ago(10), Result.REACHED, reason=Reason.DISPUTE, outcome=Outcome.DISPUTE, next_action=ahead(4))],
               promises=[promise(ago(20), ago(5), "800.00", invoices=("1001",))],
               disputes=[dispute(ago(10), ahead(4), ("1001",))])
    assert len(stand(cf).unhandled_broken) == 1
    q = build([cf], NOW)
    assert q.entries == []
    assert held(q, 1).why == "dispute: get back by 27 Nov"


def test_dispute_holds_only_the_invoices_it_names():
    cf = cfile(client(1), [invoice("1001", "800.00", overdue=60), invoice("1002", "300.00", overdue=12)],
               disputes=[dispute(ago(10), ahead(4), ("1001",))])
    st = stand(cf)
    assert [i.number for i in st.chase] == ["1002"]
    assert st.days == 12 and st.stage is Stage.FRIENDLY
    assert dict(st.owed) == {"USD": Decimal("1100.00")}  # all that is open
    assert dict(st.overdue) == {"USD": Decimal("300.00")}  # what is chased
    q = build([cf], NOW)
    assert entry(q, 1).why == "12 days overdue, $300.00"


def test_a_resolved_dispute_holds_nothing():
    cf = cfile(client(1), [invoice("1001", "800.00", overdue=60)], disputes=[dispute(ago(10), ahead(4), ("1001",), resolved=ago(1))])
    assert [i.number for i in stand(cf).chase] == ["1001"]


def test_next_action_in_the_future_holds_the_client():
    cf = cfile(client(1), [invoice("1001", overdue=40)], calls=[call(ago(1), Result.VOICEMAIL, next_action=ahead(2))])
    q = build([cf], NOW)
    assert (held(q, 1).why, held(q, 1).until) == ("next action 25 Nov (called 22 Nov)", ahead(2))


def test_callback_in_the_future_says_so():
    cf = cfile(client(1), [invoice("1001", overdue=40)],
               calls=[call(ago(1), Result.REACHED, outcome=Outcome.CALLBACK, next_action=ahead(3))])
    assert held(build([cf], NOW), 1).why == "callback agreed for 26 Nov"


def test_a_callback_at_a_time_of_day_says_when_in_the_why():
    def cf(day):
        c = replace(call(ago(1), Result.REACHED, outcome=Outcome.CALLBACK, next_action=day),
                    details={"date": day.isoformat(), "time": "15:00"})
        return cfile(client(1), [invoice("1001", overdue=40)], calls=[c])
    assert held(build([cf(ahead(3))], NOW), 1).why == "callback agreed for 26 Nov at 15:00"
    assert entry(build([cf(TODAY)], NOW), 1).why == "callback agreed for 23 Nov at 15:00"


def test_recently_called_client_is_held_for_the_hold_days():
    def cf(days_ago):
        return cfile(client(1), [invoice("1001", overdue=40)],
                     calls=[call(ago(days_ago), Result.REACHED, outcome=Outcome.NEW_TERMS, next_action=None)])

    q = build([cf(1)], NOW)
    assert (held(q, 1).why, held(q, 1).until) == ("called 22 Nov: hold until 25 Nov", ahead(2))
    assert build([cf(2)], NOW).entries == []
    assert build([cf(3)], NOW).ids() == [1]  # hold_days=3 has passed
    assert build([cf(1)], NOW, Policy(hold_days=1)).ids() == [1]


def test_a_skip_is_not_a_call_and_does_not_hold_the_client():
    cf = cfile(client(1), [invoice("1001", overdue=40)], calls=[call(ago(1), Result.SKIPPED, next_action=TODAY)])
    q = build([cf], NOW)
    assert q.ids() == [1]
    assert entry(q, 1).why == "40 days overdue, $1,000.00"


@pytest.mark.parametrize("overdue, why", [(-5, "not yet due"), (0, "not yet due"), (1, "only 1 day overdue"), (6, "only 6 days overdue")])
def test_too_recently_overdue(overdue, why):
    q = build([cfile(client(1), [invoice("1001", overdue=overdue)])], NOW)
    assert q.entries == []
    assert held(q, 1).why == why


def test_minimum_age_follows_the_policy():
    cf = cfile(client(1), [invoice("1001", "10.00", overdue=1)])
    q = build([cf], NOW, Policy(min_days_overdue=1))
    assert (entry(q, 1).tier, entry(q, 1).why, entry(q, 1).stage) == (4, "1 day overdue, $10.00", Stage.COURTESY)


def test_an_overdue_invoice_of_unknown_balance_is_never_called_nothing():
    cf = cfile(client(1), [invoice("M-1", None, overdue=25)])
    assert entry(build([cf], NOW), 1).why == "25 days overdue, balance unknown"


def test_nothing_open():
    cf = cfile(client(1), [invoice("1001", "0.00", overdue=50), invoice("1002", "300.00", overdue=50, status="void")])
    q = build([cf], NOW)
    assert q.entries == [] and held(q, 1).why == "nothing open"


def test_a_paid_invoice_never_counts_or_queues():
    cf = cfile(client(1), [invoice("1001", "0.00", overdue=200), invoice("1002", "250.00", overdue=10)])
    st = stand(cf)
    assert [i.number for i in st.chase] == ["1002"]
    assert st.days == 10 and st.stage is Stage.FRIENDLY
    assert dict(st.owed) == {"USD": Decimal("250.00")}


def test_not_today_list_is_sorted_by_date_then_name():
    files = [
        cfile(client(1, "Zeta"), [invoice("1", overdue=2, client_id=1)]),
        cfile(client(2, "Alpha"), [invoice("2", overdue=2, client_id=2)]),
        cfile(client(3, "Mid"), [invoice("3", overdue=40, client_id=3)], calls=[call(ago(1), Result.VOICEMAIL, next_action=ahead(2), client_id=3)]),
    ]
    assert [h.client_id for h in build(files, NOW).not_today] == [3, 2, 1]


# --- stages -----------------------------------------------------------------------------------

def test_two_broken_promises_move_a_client_to_escalation_review():
    prs = [promise(ago(40), ago(30), "100.00"), promise(ago(25), ago(15), "100.00")]
    talked = call(ago(10), Result.REACHED, next_action=None)  # both were talked about since
    cf = cfile(client(1), [invoice("1001", "400.00", overdue=40)], calls=[talked], promises=prs)
    st = stand(cf)
    assert st.broken_count == 2 and st.unhandled_broken == ()
    assert st.stage is Stage.ESCALATION
    q = build([cf], NOW)
    assert entry(q, 1).why == "40 days overdue, $400.00 — escalation review"

    one = cfile(client(1), [invoice("1001", "400.00", overdue=40)], calls=[talked], promises=prs[1:])
    assert stand(one).stage is Stage.PERSONAL
    assert stand(cf, policy=Policy(broken_to_escalate=3)).stage is Stage.PERSONAL


def test_promises_broken_on_debts_long_paid_count_for_nothing_now():
    # 2022: two promises on invoices A1 and A2 broken, and nobody called about them; both
    # invoices were paid later. Now a new invoice is 20 days overdue.
    old = [promise(ago(1500), ago(1490), "300.00", invoices=("A1",)), promise(ago(1400), ago(1390), "300.00", invoices=("A2",))]
    new = [invoice("B7", "800.00", overdue=20)]
    cf = cfile(client(1), new, promises=old)
    st = stand(cf)
    assert st.broken_count == 0 and st.unhandled_broken == ()
    assert st.stage is not Stage.ESCALATION
    e = entry(build([cf], NOW), 1)
    assert e.tier == 4 and "broken" not in e.why

    # The same two promises on the invoice still open: escalation review, broken promise first.
    current = [promise(ago(18), ago(12), "300.00", invoices=("B7",)), promise(ago(10), ago(5), "300.00", invoices=("B7",))]
    st = stand(cfile(client(1), new, promises=current))
    assert st.broken_count == 2 and st.stage is Stage.ESCALATION and len(st.unhandled_broken) == 2

    # One old, one current: one broken promise, not yet escalation.
    assert stand(cfile(client(1), new, promises=[old[0], current[1]])).broken_count == 1


def test_a_promise_naming_no_invoice_counts_when_made_since_the_oldest_open_invoice():
    inv = [invoice("C1", "500.00", issued=ago(60), due=ago(30)), invoice("C2", "200.00", issued=ago(20), due=ago(5))]
    before = promise(ago(61), ago(55), "100.00")  # made before C1 was issued: about an older debt
    since = promise(ago(45), ago(35), "100.00")   # made after: about what is open now
    assert stand(cfile(client(1), inv, promises=[before])).broken_count == 0
    assert stand(cfile(client(1), inv, promises=[since])).broken_count == 1
    # No issue date: the due date of the oldest open invoice is the line.
    undated = [invoice("C3", "500.00", due=ago(30))]
    assert stand(cfile(client(1), undated, promises=[since])).broken_count == 0
    assert stand(cfile(client(1), undated, promises=[promise(ago(29), ago(20), "100.00")])).broken_count == 1


def test_a_refusal_is_escalation_review_and_a_later_voicemail_does_not_undo_it():
    refused = call(ago(20), Result.REACHED, reason=Reason.WONT_PAY, outcome=Outcome.ESCALATE, next_action=ago(10))
    inv = [invoice("1001", "400.00", overdue=40)]
    assert stand(cfile(client(1), inv, calls=[refused])).stage is Stage.ESCALATION
    vm = call(ago(5), Result.VOICEMAIL, next_action=ago(3))
    skip = call(ago(4), Result.SKIPPED, next_action=ago(3))
    assert stand(cfile(client(1), inv, calls=[refused, vm, skip])).stage is Stage.ESCALATION
    # reaching them again and agreeing something ends it
    agreed = call(ago(4), Result.REACHED, reason=Reason.CASH_FLOW, outcome=Outcome.NEW_TERMS)
    assert stand(cfile(client(1), inv, calls=[refused, agreed])).stage is Stage.PERSONAL


def test_broken_promise_already_called_about_is_not_tier_two_again():
    pr = promise(ago(20), ago(10), "500.00")
    cf = cfile(client(1), [invoice("1001", "500.00", overdue=40)], promises=[pr],
               calls=[call(ago(20), Result.REACHED, outcome=Outcome.PROMISE), call(ago(5), Result.REACHED, next_action=None)])
    st = stand(cf)
    assert st.broken_count == 1 and st.unhandled_broken == ()
    assert entry(build([cf], NOW), 1).tier == 3


def test_a_skip_after_a_broken_promise_does_not_count_as_handling_it():
    pr = promise(ago(20), ago(10), "500.00")
    cf = cfile(client(1), [invoice("1001", "500.00", overdue=40)], promises=[pr],
               calls=[call(ago(20), Result.REACHED, outcome=Outcome.PROMISE), call(ago(5), Result.SKIPPED, next_action=ago(4))])
    assert len(stand(cf).unhandled_broken) == 1
    e = entry(build([cf], NOW), 1)
    assert (e.tier, e.why) == (1, "promise of 13 Nov broken ($500.00)")


# --- calling hours --------------------------------------------------------------------------

def test_nz_client_at_16_utc_is_out_of_hours_but_still_queued_after_those_in_hours():
    nz = cfile(client(1, "Aroha Early Learning", phone=NZ_PHONE, region="NZ"), [invoice("N1", "9000.00", overdue=120, client_id=1)])
    ny = cfile(client(2, "Brooklyn Bagels", phone=NY_PHONE), [invoice("Y1", "100.00", overdue=10, client_id=2)])
    q = build([nz, ny], NOW)
    assert q.ids() == [2, 1]  # the NZ client has the higher tier, but it is 05:00 there
    e = entry(q, 1)
    assert e.out_of_hours and e.tier == 3
    assert e.local.utcoffset() == timedelta(hours=13) and (e.local.hour, e.local.day) == (5, 24)
    assert not entry(q, 2).out_of_hours and entry(q, 2).local.hour == 11
    # at 21:00 UTC it is 10:00 on Tuesday in Auckland and 16:00 in New York: both in hours
    later = build([nz, ny], datetime(2026, 11, 23, 21, 0, tzinfo=timezone.utc))
    assert later.ids() == [1, 2] and not any(e.out_of_hours for e in later.entries)


def test_calling_hours_end_is_exclusive_and_policy_hours_apply():
    la = cfile(client(1, "Pacific", phone=LA_PHONE), [invoice("1", overdue=40)])
    at_nine = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert not build([la], at_nine).entries[0].out_of_hours
    assert build([la], at_nine - timedelta(minutes=1)).entries[0].out_of_hours
    at_five = datetime(2026, 11, 23, 17, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert build([la], at_five).entries[0].out_of_hours
    from datetime import time
    assert not build([la], at_five, Policy(call_end=time(18, 0))).entries[0].out_of_hours


def test_weekend_is_out_of_hours_unless_the_policy_allows_it():
    ldn = cfile(client(1, "Marlow", phone=LONDON_PHONE, region="GB"), [invoice("1", overdue=40, currency="GBP")])
    saturday_noon = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
    assert build([ldn], saturday_noon).entries[0].out_of_hours
    assert not build([ldn], saturday_noon, Policy(weekdays_only=False)).entries[0].out_of_hours


def test_a_number_without_a_zone_or_a_naive_now_is_never_marked_out_of_hours():
    nophone = cfile(client(1, "No Phone", phone=""), [invoice("1", overdue=40)])
    e = build([nophone], NOW).entries[0]
    assert e.local is None and not e.out_of_hours
    nz = cfile(client(2, "Kiwi", phone=NZ_PHONE, region="NZ"), [invoice("2", overdue=40, client_id=2)])
    e = build([nz], NOW.replace(tzinfo=None)).entries[0]
    assert e.local is None and not e.out_of_hours


# --- determinism ----------------------------------------------------------------------------

def test_clients_with_the_same_name_keep_a_fixed_order():
    a = cfile(client(7, "Acme"), [invoice("1", overdue=40, client_id=7)])
    b = cfile(client(3, "acme"), [invoice("2", overdue=40, client_id=3)])
    c = cfile(client(5, "Acme"), [invoice("3", overdue=40, client_id=5)])
    orders = {tuple(build(files, NOW).ids()) for files in ([a, b, c], [c, b, a], [b, a, c])}
    assert len(orders) == 1


def test_standing_of_a_client_with_two_currencies_keeps_them_apart():
    cf = cfile(client(1), [invoice("U", "100.00", overdue=40), invoice("E", "200.00", overdue=35, currency="EUR"),
                           invoice("E2", "50.00", overdue=-5, currency="EUR")])
    st = standing(cf, TODAY)
    assert dict(st.owed) == {"USD": Decimal("100.00"), "EUR": Decimal("250.00")}
    assert dict(st.overdue) == {"USD": Decimal("100.00"), "EUR": Decimal("200.00")}
    assert st.days == 40
    assert entry(build([cf], NOW), 1).why == "40 days overdue, €200.00 + $100.00"


def test_a_date_from_another_year_says_its_year():
    # Last contact a year ago: a callback agreed for 25 Nov 2025, never made.
    old = call(date(2025, 11, 20), Result.REACHED, outcome=Outcome.CALLBACK, next_action=date(2025, 11, 25))
    cf = cfile(client(1), [invoice("1001", "400.00", overdue=400)], calls=[old])
    assert entry(build([cf], NOW), 1).why == "callback agreed for 25 Nov 2025"
    recent = call(ago(5), Result.REACHED, outcome=Outcome.CALLBACK, next_action=ago(2))
    cf = cfile(client(1), [invoice("1001", "400.00", overdue=40)], calls=[recent])
    assert entry(build([cf], NOW), 1).why == f"callback agreed for {ago(2).day} Nov"
    # Held until next year: the year is said too.
    ahead_call = call(ago(1), Result.REACHED, outcome=Outcome.CALLBACK, next_action=date(2027, 1, 8))
    held = build([cfile(client(1), [invoice("1001", "400.00", overdue=40)], calls=[ahead_call])], NOW).not_today
    assert held[0].why == "callback agreed for 8 Jan 2027"


# What the owner's books say of an invoice (the export's status): kept owed, not chased (domain.books).

def _held_by_books(status: str):
    inv = replace(invoice("0000244", "734.50", overdue=120), book_status=status)
    return cfile(client(), [inv])


@pytest.mark.parametrize("status, why", [
    ("disputed", "disputed in your books (0000244)"),
    ("unsent", "not sent yet: send it first (0000244)"),
    ("uncollectible", "uncollectible in your books (0000244)"),
])
def test_an_invoice_the_books_hold_back_keeps_the_client_off_the_queue_and_says_why(status, why):
    q = build([_held_by_books(status)], NOW)
    assert q.entries == []  # not a collection call, nor escalation review (120 days overdue)
    (held,) = q.not_today
    assert held.why == why
    st = standing(_held_by_books(status), TODAY)
    assert st.chase == () and st.overdue == {} and st.owed == {"USD": Decimal("734.50")}


def test_an_unsent_invoice_beside_a_sent_one_is_owed_but_not_asked_for():
    sent = invoice("INV-0409", "1104.00", overdue=100, currency="NZD")
    unsent = replace(invoice("INV-0424", "1322.50", overdue=40, currency="NZD"), book_status="unsent")
    cf = cfile(client(), [sent, unsent])
    st = standing(cf, TODAY)
    assert [i.number for i in st.chase] == ["INV-0409"]
    assert st.overdue == {"NZD": Decimal("1104.00")} and st.owed == {"NZD": Decimal("2426.50")}
    (entry,) = build([cf], NOW).entries
    assert "NZ$1,104.00" in entry.why and "2,426.50" not in entry.why

"""Payment-plan schedules and next-action dates (DOMAIN.md section 5)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from callroom.domain.codes import Outcome, Result
from callroom.domain.policy import Policy
from callroom.domain.schedule import add_months, plan_amounts, plan_dates, suggest_next_action

MON = date(2026, 11, 23)
FRI = date(2026, 11, 27)


# --- plan dates -----------------------------------------------------------------------------

def test_weekly_and_fortnightly_plans():
    assert plan_dates(date(2026, 12, 28), 3, "weekly") == [date(2026, 12, 28), date(2027, 1, 4), date(2027, 1, 11)]
    assert plan_dates(date(2026, 12, 28), 3, "fortnightly") == [date(2026, 12, 28), date(2027, 1, 11), date(2027, 1, 25)]


def test_monthly_plan_clamps_to_month_end_and_keeps_the_day_after():
    assert plan_dates(date(2027, 1, 31), 4, "monthly") == [
        date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30),
    ]
    assert plan_dates(date(2028, 1, 31), 2, "monthly")[1] == date(2028, 2, 29)  # leap year


def test_monthly_plan_crosses_the_year():
    assert plan_dates(date(2026, 11, 15), 3, "monthly") == [date(2026, 11, 15), date(2026, 12, 15), date(2027, 1, 15)]
    assert add_months(date(2026, 12, 31), 2) == date(2027, 2, 28)


def test_unknown_frequency_is_refused():
    with pytest.raises(ValueError):
        plan_dates(MON, 3, "daily")


# --- plan amounts ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "total, count, currency, expected",
    [
        ("100.00", 3, "USD", ["33.33", "33.33", "33.34"]),
        ("6615.75", 3, "USD", ["2205.25", "2205.25", "2205.25"]),
        ("1000", 3, "JPY", ["333", "333", "334"]),
        ("10.00", 4, "EUR", ["2.50", "2.50", "2.50", "2.50"]),
        ("99.99", 1, "GBP", ["99.99"]),
    ],
)
def test_plan_amounts_split_in_the_minor_unit_and_sum_exactly(total, count, currency, expected):
    amounts = plan_amounts(Decimal(total), count, currency)
    assert [str(a) for a in amounts] == expected
    assert sum(amounts) == Decimal(total)


def test_plan_needs_one_instalment_at_least():
    with pytest.raises(ValueError):
        plan_amounts(Decimal("10"), 0, "USD")


# --- next action ----------------------------------------------------------------------------

@pytest.mark.parametrize("result", [Result.VOICEMAIL, Result.NO_ANSWER, Result.GATEKEEPER])
def test_no_contact_comes_back_two_business_days_later(result):
    assert suggest_next_action(result, None, MON) == date(2026, 11, 25)
    assert suggest_next_action(result, None, FRI) == date(2026, 12, 1)  # over the weekend
    assert suggest_next_action(result, None, MON, Policy(voicemail_business_days=5)) == date(2026, 11, 30)


def test_skipped_comes_back_tomorrow():
    assert suggest_next_action(Result.SKIPPED, None, MON) == date(2026, 11, 24)


def test_promise_is_checked_the_day_after_its_date():
    assert suggest_next_action(Result.REACHED, Outcome.PROMISE, MON, promise_date=date(2026, 12, 4)) == date(2026, 12, 5)


def test_plan_is_checked_the_day_after_its_first_instalment():
    assert suggest_next_action(Result.REACHED, Outcome.PLAN, MON, plan_first=date(2026, 12, 1)) == date(2026, 12, 2)


def test_dispute_comes_back_on_its_get_back_date():
    assert suggest_next_action(Result.REACHED, Outcome.DISPUTE, MON, get_back=date(2026, 12, 3)) == date(2026, 12, 3)


def test_callback_on_the_agreed_day():
    assert suggest_next_action(Result.REACHED, Outcome.CALLBACK, MON, callback=date(2026, 11, 26)) == date(2026, 11, 26)


def test_escalation_waits_for_the_final_notice_deadline():
    assert suggest_next_action(Result.REACHED, Outcome.ESCALATE, MON) == date(2026, 12, 3)
    assert suggest_next_action(Result.REACHED, Outcome.ESCALATE, MON, Policy(final_notice_days=14)) == date(2026, 12, 7)


def test_corrected_invoice_is_confirmed_a_business_week_later():
    assert suggest_next_action(Result.REACHED, Outcome.CORRECT_INVOICE, FRI) == date(2026, 12, 4)


@pytest.mark.parametrize("outcome", [None, Outcome.NEW_TERMS, Outcome.PAID])
def test_default_is_fifteen_days(outcome):
    assert suggest_next_action(Result.REACHED, outcome, MON) == date(2026, 12, 8)
    assert suggest_next_action(Result.REACHED, outcome, MON, Policy(refollow_days=30)) == date(2026, 12, 23)


@pytest.mark.parametrize("outcome", [Outcome.PROMISE, Outcome.PLAN, Outcome.DISPUTE, Outcome.CALLBACK])
def test_an_outcome_without_its_date_falls_back_to_the_default(outcome):
    assert suggest_next_action(Result.REACHED, outcome, MON) == date(2026, 12, 8)

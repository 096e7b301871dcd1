"""Next action dates (DOMAIN.md section 5) and payment-plan schedules."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from babel.numbers import get_currency_precision

from .aging import add_business_days
from .codes import Outcome, Result
from .policy import Policy

FREQUENCIES = ("weekly", "fortnightly", "monthly")


def add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def plan_dates(first: date, count: int, frequency: str) -> list[date]:
    if frequency not in FREQUENCIES:
        raise ValueError(f"frequency must be one of {', '.join(FREQUENCIES)}")
    if frequency == "monthly":
        return [add_months(first, i) for i in range(count)]
    step = 7 if frequency == "weekly" else 14
    return [first + timedelta(days=step * i) for i in range(count)]


def plan_amounts(total: Decimal, count: int, currency: str) -> list[Decimal]:
    """Split a total into equal instalments in the currency's minor unit; the last takes the remainder."""
    if count < 1:
        raise ValueError("a plan needs at least one instalment")
    q = Decimal(1).scaleb(-get_currency_precision(currency))
    each = (total / count).quantize(q, rounding=ROUND_DOWN)
    amounts = [each] * (count - 1)
    amounts.append(total - each * (count - 1))
    return amounts


def suggest_next_action(
    result: Result,
    outcome: Outcome | None,
    today: date,
    policy: Policy = Policy(),
    *,
    promise_date: date | None = None,
    plan_first: date | None = None,
    get_back: date | None = None,
    callback: date | None = None,
) -> date:
    """The day the client should come back to the queue after this call."""
    if result is not Result.REACHED:
        if result is Result.SKIPPED:
            return today + timedelta(days=1)
        return add_business_days(today, policy.voicemail_business_days)
    if outcome is Outcome.PROMISE and promise_date:
        return promise_date + timedelta(days=1)
    if outcome is Outcome.PLAN and plan_first:
        return plan_first + timedelta(days=1)
    if outcome is Outcome.DISPUTE and get_back:
        return get_back
    if outcome is Outcome.CALLBACK and callback:
        return callback
    if outcome is Outcome.ESCALATE:
        return today + timedelta(days=policy.final_notice_days)
    if outcome is Outcome.CORRECT_INVOICE:
        return add_business_days(today, 5)
    return today + timedelta(days=policy.refollow_days)

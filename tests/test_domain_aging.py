"""Days overdue, aging buckets, stages (DOMAIN.md sections 2 and 7) and business days."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from callroom.domain.aging import BUCKETS, add_business_days, aging_table, bucket, days_overdue, due_date, stage_for_days
from callroom.domain.codes import Stage
from callroom.domain.policy import Policy

from domain_builders import TODAY, ago, invoice


# --- days overdue ---------------------------------------------------------------------------

def test_days_overdue_counts_from_the_due_date():
    assert days_overdue(invoice(due=ago(45)), TODAY) == 45
    assert days_overdue(invoice(due=TODAY), TODAY) == 0
    assert days_overdue(invoice(due=TODAY + timedelta(days=5)), TODAY) == -5


def test_missing_due_date_uses_issue_date_plus_default_terms():
    inv = invoice(due=None, issued=ago(50), overdue=None)
    assert due_date(inv, Policy()) == ago(20)
    assert days_overdue(inv, TODAY) == 20
    # the assumed terms come from the policy
    assert days_overdue(inv, TODAY, Policy(usual_terms_days=14)) == 36


def test_an_explicit_due_date_wins_over_issued_plus_terms():
    inv = invoice(due=ago(3), issued=ago(100))
    assert days_overdue(inv, TODAY) == 3


def test_no_dates_at_all_is_never_overdue():
    inv = invoice(due=None, issued=None, overdue=None)
    assert due_date(inv, Policy()) is None
    assert days_overdue(inv, TODAY) == 0


# --- buckets --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "days, expected",
    [(-10, "current"), (0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"),
     (61, "61-90"), (90, "61-90"), (91, "90+"), (400, "90+")],
)
def test_bucket_boundaries(days, expected):
    assert bucket(days) == expected


# --- stages ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "days, expected",
    [(-3, Stage.NOT_DUE), (0, Stage.NOT_DUE), (1, Stage.COURTESY), (6, Stage.COURTESY), (7, Stage.FRIENDLY),
     (29, Stage.FRIENDLY), (30, Stage.PERSONAL), (89, Stage.PERSONAL), (90, Stage.ESCALATION), (365, Stage.ESCALATION)],
)
def test_stage_at_default_policy_boundaries(days, expected):
    assert stage_for_days(days) is expected


@pytest.mark.parametrize(
    "days, expected",
    [(9, Stage.COURTESY), (10, Stage.FRIENDLY), (44, Stage.FRIENDLY), (45, Stage.PERSONAL),
     (119, Stage.PERSONAL), (120, Stage.ESCALATION)],
)
def test_stage_follows_a_changed_policy(days, expected):
    policy = Policy(friendly_from=10, personal_from=45, escalation_from=120)
    assert stage_for_days(days, policy) is expected


def test_policy_validation_refuses_falling_stages_and_bad_hours():
    from datetime import time

    Policy().validate()
    with pytest.raises(ValueError):
        Policy(friendly_from=40, personal_from=30).validate()
    with pytest.raises(ValueError):
        Policy(friendly_from=0).validate()
    with pytest.raises(ValueError):
        Policy(call_start=time(17), call_end=time(9)).validate()
    with pytest.raises(ValueError):
        Policy(hold_days=-1).validate()


def test_policy_record_round_trip_keeps_hours_and_ignores_unknown_keys():
    from datetime import time

    p = Policy(friendly_from=10, call_start=time(8, 30), call_end=time(18, 0))
    rec = p.to_record()
    assert rec["call_start"] == "08:30"
    assert Policy.from_record({**rec, "no_such_setting": 1}) == p
    assert Policy.from_record(None) == Policy()


# --- the aging table --------------------------------------------------------------------------

def test_aging_table_keeps_each_currency_apart():
    invs = [
        invoice("U1", "100.00", overdue=0),
        invoice("U2", "200.00", overdue=15),
        invoice("U3", "300.00", overdue=45),
        invoice("U4", "400.00", overdue=75),
        invoice("U5", "500.00", overdue=120),
        invoice("U6", "50.00", overdue=20),
        invoice("E1", "1000.00", overdue=31, currency="EUR"),
        invoice("J1", "48000", overdue=91, currency="JPY"),
    ]
    table = aging_table(invs, TODAY)
    assert set(table) == {"USD", "EUR", "JPY"}
    assert table["USD"] == {
        "current": Decimal("100.00"), "1-30": Decimal("250.00"), "31-60": Decimal("300.00"),
        "61-90": Decimal("400.00"), "90+": Decimal("500.00"),
    }
    assert table["EUR"] == {b: (Decimal("1000.00") if b == "31-60" else 0) for b in BUCKETS}
    assert table["JPY"] == {b: (Decimal("48000") if b == "90+" else 0) for b in BUCKETS}


def test_aging_table_skips_paid_void_and_unknown_balances():
    invs = [
        invoice("P", "0.00", overdue=40),  # paid
        invoice("V", "90.00", overdue=40, status="void"),
        invoice("N", None, overdue=40),  # the export could not tell
        invoice("O", "10.00", overdue=40),
    ]
    table = aging_table(invs, TODAY)
    assert table == {"USD": {b: (Decimal("10.00") if b == "31-60" else 0) for b in BUCKETS}}


def test_aging_table_uses_issue_date_when_due_is_missing():
    inv = invoice("X", "70.00", due=None, issued=ago(100), overdue=None)  # due 70 days ago
    assert aging_table([inv], TODAY)["USD"]["61-90"] == Decimal("70.00")
    assert aging_table([inv], TODAY, Policy(usual_terms_days=60))["USD"]["31-60"] == Decimal("70.00")


# --- business days --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "start, n, expected",
    [
        (date(2026, 11, 23), 2, date(2026, 11, 25)),  # Mon -> Wed
        (date(2026, 11, 26), 2, date(2026, 11, 30)),  # Thu -> Mon
        (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Fri -> Mon
        (date(2026, 11, 27), 2, date(2026, 12, 1)),  # Fri -> Tue
        (date(2026, 11, 28), 1, date(2026, 11, 30)),  # Sat -> Mon
        (date(2026, 11, 29), 2, date(2026, 12, 1)),  # Sun -> Tue
        (date(2026, 11, 23), 5, date(2026, 11, 30)),  # a full week
        (date(2026, 11, 23), 0, date(2026, 11, 23)),
    ],
)
def test_add_business_days_skips_weekends(start, n, expected):
    assert add_business_days(start, n) == expected

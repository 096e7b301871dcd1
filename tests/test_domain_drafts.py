"""A call being logged: defaults, validation and the records a draft becomes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from callroom.domain.codes import Outcome, Reason, Result
from callroom.domain.drafts import MAX_NOTE, Draft, DraftError, build, clean_text, defaults, parse_amount, parse_day, suggested_next
from callroom.domain.policy import Policy

from domain_builders import NOW, TODAY, cfile, client, dispute, invoice, stand

WEEK = TODAY + timedelta(days=7)


def st_usd():
    return stand(cfile(client(1), [invoice("1001", "1000.00", overdue=40), invoice("1002", "250.00", overdue=-10)]))


def reached(outcome, **kw):
    return Draft(result=Result.REACHED, reason=Reason.CASH_FLOW, outcome=outcome, **kw)


def refused(d: Draft, field: str, st=None) -> DraftError:
    with pytest.raises(DraftError) as e:
        build(d, st or st_usd(), NOW)
    assert e.value.field == field
    return e.value


# --- defaults ----------------------------------------------------------------------------------

def test_defaults_promise_the_overdue_total_a_week_away():
    st = st_usd()
    assert defaults(Outcome.PROMISE, st, TODAY) == {"amount": "1000.00", "date": "2026-11-30"}
    assert defaults(Outcome.PROMISE, st, TODAY, Policy(promise_days=3))["date"] == "2026-11-26"
    assert defaults(Outcome.PAID, st, TODAY) == {"amount": "1000.00", "date": "2026-11-23"}
    assert defaults(Outcome.PLAN, st, TODAY) == {"amount": "1000.00", "count": "3", "frequency": "monthly", "date": "2026-11-30"}
    assert defaults(Outcome.DISPUTE, st, TODAY) == {"date": "2026-11-30", "what": ""}
    assert defaults(Outcome.CALLBACK, st, TODAY) == {"date": "2026-11-24"}
    assert defaults(Outcome.NEW_TERMS, st, TODAY) == {}


def test_defaults_fall_back_to_the_total_owed_when_nothing_is_overdue():
    st = stand(cfile(client(1), [invoice("1", "75.00", overdue=-3)]))
    assert defaults(Outcome.PROMISE, st, TODAY)["amount"] == "75.00"


def test_a_promise_with_the_defaults_becomes_a_promise_and_a_check_the_day_after():
    st = st_usd()
    d = reached(Outcome.PROMISE, method="ACH", note="will pay Friday", **defaults(Outcome.PROMISE, st, TODAY))
    logged = build(d, st, NOW, session_id=4, duration_s=95)
    [p] = logged.promises
    assert (p.client_id, p.made_on, p.due, p.amount, p.currency, p.method) == (1, TODAY, WEEK, Decimal("1000.00"), "USD", "ACH")
    assert p.invoices == ("1001", "1002")
    c = logged.call
    assert (c.result, c.reason, c.outcome, c.note) == (Result.REACHED, Reason.CASH_FLOW, Outcome.PROMISE, "will pay Friday")
    assert c.next_action == WEEK + timedelta(days=1)
    assert c.details == {"amount": "1000.00", "currency": "USD", "date": "2026-11-30"}
    assert (c.session_id, c.duration_s) == (4, 95)
    assert c.at == datetime(2026, 11, 23, 16, 0) and c.at.tzinfo is None
    assert (logged.plan, logged.dispute, logged.payment, logged.warnings) == (None, None, None, ())


def test_plan_instalments_are_promises_that_sum_to_the_total():
    d = reached(Outcome.PLAN, amount="1000.00", count="3", frequency="fortnightly", date="2026-12-01")
    logged = build(d, st_usd(), NOW)
    pl = logged.plan
    assert (pl.total, pl.count, pl.frequency, pl.first, pl.made_on) == (Decimal("1000.00"), 3, "fortnightly", date(2026, 12, 1), TODAY)
    assert [p.due for p in logged.promises] == [date(2026, 12, 1), date(2026, 12, 15), date(2026, 12, 29)]
    assert [str(p.amount) for p in logged.promises] == ["333.33", "333.33", "333.34"]
    assert sum(p.amount for p in logged.promises) == pl.total
    assert [p.instalment for p in logged.promises] == [1, 2, 3]
    assert logged.call.next_action == date(2026, 12, 2)
    assert logged.call.details["count"] == 3


def test_plan_too_small_to_split_is_refused():
    refused(reached(Outcome.PLAN, amount="0.02", count="3", date="+7"), "amount")


@pytest.mark.parametrize("count", ["1", "25", "0", "-3", "three", "2.5", ""])
def test_bad_instalment_counts_are_refused(count):
    refused(reached(Outcome.PLAN, amount="900", count=count, date="+7"), "count")


def test_bad_frequency_is_refused():
    refused(reached(Outcome.PLAN, amount="900", count="3", frequency="daily", date="+7"), "frequency")


def test_dispute_needs_what_and_a_get_back_date():
    logged = build(reached(Outcome.DISPUTE, what="  Site visits billed twice ", date="2026-11-27"), st_usd(), NOW)
    dsp = logged.dispute
    assert (dsp.what, dsp.get_back, dsp.opened, dsp.invoices) == ("Site visits billed twice", date(2026, 11, 27), TODAY, ("1001", "1002"))
    assert logged.call.next_action == date(2026, 11, 27)
    assert logged.call.details == {"what": "Site visits billed twice", "get_back": "2026-11-27"}
    refused(reached(Outcome.DISPUTE, what="", date="2026-11-27"), "what")
    refused(reached(Outcome.DISPUTE, what="\x1b[2J  ", date="2026-11-27"), "what")  # nothing left once cleaned
    refused(reached(Outcome.DISPUTE, what="Billed twice", date=""), "date")


def test_a_promise_names_only_the_invoices_not_in_dispute():
    st = stand(cfile(client(1), [invoice("A", "100.00", overdue=40), invoice("B", "900.00", overdue=40)], disputes=[dispute(TODAY - timedelta(days=1), WEEK, ("B",))]))
    logged = build(reached(Outcome.PROMISE, amount="100", date="+7"), st, NOW)
    assert logged.promises[0].invoices == ("A",)
    assert logged.warnings == ()


def test_callback_paid_escalate_and_no_outcome_next_actions():
    st = st_usd()
    assert build(reached(Outcome.CALLBACK, date="tomorrow"), st, NOW).call.next_action == date(2026, 11, 24)
    paid = build(reached(Outcome.PAID, amount="1000.00"), st, NOW)
    pay = paid.payment
    assert (pay.date, pay.amount, pay.currency, pay.source, pay.invoices) == (TODAY, Decimal("1000.00"), "USD", "call", ("1001", "1002"))
    assert paid.call.next_action == date(2026, 12, 8)
    assert build(reached(Outcome.ESCALATE), st, NOW).call.next_action == date(2026, 12, 3)
    assert build(reached(None), st, NOW).call.next_action == date(2026, 12, 8)


def test_voicemail_and_skip():
    st = st_usd()
    assert build(Draft(result=Result.VOICEMAIL), st, NOW).call.next_action == date(2026, 11, 25)
    skip = build(Draft(result=Result.SKIPPED, skip_reason="owner on holiday", note="try next week"), st, NOW)
    assert skip.call.note == "owner on holiday\ntry next week"
    assert skip.call.next_action == date(2026, 11, 24)


def test_a_typed_next_action_overrides_the_suggestion():
    assert build(Draft(result=Result.VOICEMAIL, next_action="+10"), st_usd(), NOW).call.next_action == date(2026, 12, 3)
    refused(Draft(result=Result.VOICEMAIL, next_action="2026-11-01"), "next_action")


def test_more_than_owed_is_allowed_with_a_warning():
    logged = build(reached(Outcome.PROMISE, amount="1500", date="+7"), st_usd(), NOW)
    assert logged.promises[0].amount == Decimal("1500")
    assert logged.warnings == ("1500 is more than the 1000.00 owed in USD.",)


# --- refusals ----------------------------------------------------------------------------------

def test_result_comes_first():
    refused(Draft(), "result")


@pytest.mark.parametrize("result", [Result.VOICEMAIL, Result.NO_ANSWER, Result.GATEKEEPER, Result.WRONG_NUMBER])
def test_an_outcome_needs_the_right_person_reached(result):
    e = refused(Draft(result=result, outcome=Outcome.PROMISE, amount="10", date="+7"), "outcome")
    assert result.label.lower() in str(e)


@pytest.mark.parametrize("why", ["", "   "])
def test_a_skip_needs_a_reason(why):
    refused(Draft(result=Result.SKIPPED, skip_reason=why), "skip_reason")


@pytest.mark.parametrize("amount", ["-5", "0", "0.00", "abc", "", "  ", "12.345", "NaN", "Infinity", "1e-5", "--3", "1e400", "1000000000000"])
def test_bad_amounts_are_refused(amount):
    refused(reached(Outcome.PROMISE, amount=amount, date="+7"), "amount")


@pytest.mark.parametrize("text, value", [("$1,200.50", "1200.50"), (" 75 ", "75"), ("£3 000", "3000"), ("1e3", "1000")])
def test_amounts_as_people_type_them(text, value):
    assert parse_amount(text) == Decimal(value)


def test_amounts_in_a_currency_without_cents_must_be_whole():
    st = stand(cfile(client(1), [invoice("J1", "48000", overdue=40, currency="JPY")]))
    refused(reached(Outcome.PROMISE, amount="100.50", date="+7"), "amount", st)
    refused(reached(Outcome.PLAN, amount="48000.5", count="3", date="+7"), "amount", st)
    logged = build(reached(Outcome.PLAN, amount="48000", count="7", date="+7"), st, NOW)
    assert [p.amount for p in logged.promises] == [Decimal(6857)] * 6 + [Decimal(6858)]


@pytest.mark.parametrize("text", ["2026-11-22", "2026-02-31", "2026-13-01", "soon", "+99999999", "+²", "-3", "31/12/2026"])
def test_bad_or_past_dates_are_refused(text):
    refused(reached(Outcome.PROMISE, amount="10", date=text), "date")


def test_date_forms():
    assert parse_day("today", "date", TODAY) == TODAY
    assert parse_day("Tomorrow", "date", TODAY) == date(2026, 11, 24)
    assert parse_day("+7", "date", TODAY) == WEEK
    assert parse_day(" 2026-12-01 ", "date", TODAY) == date(2026, 12, 1)
    assert parse_day("2026-11-01", "date", TODAY, allow_past=True) == date(2026, 11, 1)
    with pytest.raises(DraftError):
        parse_day("2026-11-01", "date", TODAY)


def test_suggested_next_follows_the_draft_as_it_stands():
    assert suggested_next(Draft(), TODAY) is None
    assert suggested_next(reached(Outcome.PROMISE, date="2026-12-04"), TODAY) == date(2026, 12, 5)
    assert suggested_next(reached(Outcome.PROMISE, date="not a date"), TODAY) == date(2026, 12, 8)


# --- clean_text ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "raw, clean",
    [
        ("plain note", "plain note"),
        ("\x1b[31mred\x1b[0m text", "red text"),
        ("\x1b[2J\x1b[Hcleared", "cleared"),
        ("\x1b]0;evil title\x07after", "after"),
        ("\x1b]8;;http://x.example\x1b\\link\x1b]8;;\x1b\\ end", "link end"),
        ("\x1b(Bcharset", "charset"),
        ("\x1bcreset", "reset"),
        ("bell\x07 nul\x00 del\x7f c1\x9b[1m", "bell nul del c1[1m"),
        ("line one\nline\ttwo\r\n", "line one\nline\ttwo"),
        ("  padded  ", "padded"),
        ("trailing escape \x1b", "trailing escape"),
        ("café – naïve ✓", "café – naïve ✓"),
    ],
)
def test_clean_text_drops_escape_sequences_and_control_characters(raw, clean):
    assert clean_text(raw) == clean


def test_clean_text_refuses_huge_notes():
    assert clean_text("x" * MAX_NOTE) == "x" * MAX_NOTE
    with pytest.raises(DraftError) as e:
        clean_text("x" * (MAX_NOTE + 1))
    assert e.value.field == "note"
    refused(Draft(result=Result.VOICEMAIL, note="y" * 100_000), "note")
    with pytest.raises(DraftError):
        clean_text("z" * 201, 200)


def test_a_too_long_short_field_names_itself_not_the_note():
    refused(reached(Outcome.DISPUTE, what="w" * 501, date="+7"), "what")
    refused(reached(Outcome.PROMISE, amount="10", date="+7", method="m" * 201), "method")
    refused(Draft(result=Result.SKIPPED, skip_reason="s" * 501), "skip_reason")


def test_paid_on_the_call_cannot_be_dated_in_the_future():
    e = refused(reached(Outcome.PAID, amount="1000.00", date="+3"), "date")
    assert "promise" in str(e)
    # yesterday is fine: a transfer the client made before the call
    paid = build(reached(Outcome.PAID, amount="10.00", date=(TODAY - timedelta(days=1)).isoformat()), st_usd(), NOW)
    assert paid.payment.date == TODAY - timedelta(days=1)

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
    assert defaults(Outcome.PROMISE, st, TODAY) == {"amount": "1000.00", "date": "2026-11-30", "invoices": "1001"}
    assert defaults(Outcome.PROMISE, st, TODAY, Policy(promise_days=3))["date"] == "2026-11-26"
    assert defaults(Outcome.PAID, st, TODAY) == {"amount": "1000.00", "date": "2026-11-23", "invoices": "1001"}
    assert defaults(Outcome.PLAN, st, TODAY) == {"amount": "1000.00", "count": "3", "frequency": "monthly", "date": "2026-11-30", "invoices": "1001"}
    assert defaults(Outcome.DISPUTE, st, TODAY, caller="Sam") == {"what": "", "invoices": "", "who": "Sam", "date": "2026-11-30"}
    assert defaults(Outcome.CALLBACK, st, TODAY) == {"date": "2026-11-24"}
    assert defaults(Outcome.NEW_TERMS, st, TODAY) == {}


def test_defaults_never_offer_an_invoice_not_yet_due():
    st = stand(cfile(client(1), [invoice("1", "75.00", overdue=-3)]))
    assert defaults(Outcome.PROMISE, st, TODAY) == {"amount": "", "date": "2026-11-30", "invoices": ""}
    assert defaults(Outcome.PLAN, st, TODAY)["amount"] == ""


def test_a_promise_with_the_defaults_becomes_a_promise_and_a_check_the_day_after():
    st = st_usd()
    d = reached(Outcome.PROMISE, method="ACH", note="will pay Friday", **defaults(Outcome.PROMISE, st, TODAY))
    logged = build(d, st, NOW, session_id=4, duration_s=95)
    [p] = logged.promises
    assert (p.client_id, p.made_on, p.due, p.amount, p.currency, p.method) == (1, TODAY, WEEK, Decimal("1000.00"), "USD", "ACH")
    assert p.invoices == ("1001",)  # 1002 is not yet due: not covered unless named
    c = logged.call
    assert (c.result, c.reason, c.outcome, c.note) == (Result.REACHED, Reason.CASH_FLOW, Outcome.PROMISE, "will pay Friday")
    assert c.next_action == WEEK + timedelta(days=1)
    assert c.details == {"amount": "1000.00", "currency": "USD", "date": "2026-11-30", "invoices": ["1001"]}
    assert (c.session_id, c.duration_s) == (4, 95)
    assert c.at == datetime(2026, 11, 23, 16, 0) and c.at.tzinfo is None
    assert (logged.plan, logged.dispute, logged.payment, logged.warnings) == (None, None, None, ())


def test_plan_instalments_are_promises_that_sum_to_the_total():
    d = reached(Outcome.PLAN, amount="1000.00", count="3", frequency="fortnightly", date="2026-12-01", invoices="1001")
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


def test_dispute_needs_what_which_invoices_who_and_a_get_back_date():
    logged = build(reached(Outcome.DISPUTE, what="  Site visits billed twice ", invoices="all", who="Sam", date="2026-11-27"),
                   st_usd(), NOW)
    dsp = logged.dispute
    assert (dsp.what, dsp.get_back, dsp.opened, dsp.invoices, dsp.who) == (
        "Site visits billed twice", date(2026, 11, 27), TODAY, ("1001", "1002"), "Sam")
    assert logged.call.next_action == date(2026, 11, 27)
    assert logged.call.details == {"what": "Site visits billed twice", "get_back": "2026-11-27", "invoices": ["1001", "1002"],
                                   "who": "Sam"}
    refused(reached(Outcome.DISPUTE, what="", invoices="1001", who="Sam", date="2026-11-27"), "what")
    refused(reached(Outcome.DISPUTE, what="\x1b[2J  ", invoices="1001", who="Sam", date="2026-11-27"), "what")  # nothing left once cleaned
    refused(reached(Outcome.DISPUTE, what="Billed twice", invoices="1001", who="Sam", date=""), "date")


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
    assert (pay.date, pay.amount, pay.currency, pay.source, pay.invoices) == (TODAY, Decimal("1000.00"), "USD", "call", ("1001",))
    assert paid.call.next_action is None  # nothing is left overdue: no follow-up about money (1002 is not yet due)
    assert build(reached(Outcome.PAID, amount="400.00"), st, NOW).call.next_action == date(2026, 12, 8)  # part paid
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


def test_more_than_owed_is_refused_naming_the_balance():
    e = refused(reached(Outcome.PROMISE, amount="1500", date="+7"), "over")
    assert str(e) == ("$1,500.00 is more than the $1,000.00 owed on 1001. Not yet due: 1002 ($250.00, due Thu 3 Dec); "
                      "name it in the invoices to include it. Lower the amount, or say why it is more (fees, interest).")
    e = refused(reached(Outcome.PLAN, amount="99999", count="3", date="+7"), "over")
    assert "$99,999.00 is more than the $1,000.00 owed on 1001." in str(e)
    # a payment is measured against everything open in its currency
    e = refused(reached(Outcome.PAID, amount="1250.01"), "over")
    assert str(e).startswith("$1,250.01 is more than the $1,250.00 owed in USD in all.")
    assert build(reached(Outcome.PAID, amount="1250.00"), st_usd(), NOW).payment.amount == Decimal("1250.00")


def test_more_than_owed_is_stored_with_the_reason_given():
    logged = build(reached(Outcome.PROMISE, amount="1040", date="+7", over="late fee $40"), st_usd(), NOW)
    assert logged.promises[0].amount == Decimal("1040")
    assert logged.call.details["over"] == "late fee $40"
    paid = build(reached(Outcome.PAID, amount="1300", over="  card fee\x1b[2J "), st_usd(), NOW)
    assert paid.call.details["over"] == "card fee"
    assert paid.payment.note == "Paid on the call; more than owed: card fee"
    # a reason given for an amount within the balance is not stored
    assert "over" not in build(reached(Outcome.PROMISE, amount="900", date="+7", over="fees"), st_usd(), NOW).call.details


def test_a_promise_covers_a_not_yet_due_invoice_only_when_named():
    st = st_usd()
    logged = build(reached(Outcome.PROMISE, amount="1250", date="+7", invoices="1001, #1002"), st, NOW)
    assert logged.promises[0].invoices == ("1001", "1002")
    assert logged.call.details["invoices"] == ["1001", "1002"]
    only_later = build(reached(Outcome.PROMISE, amount="250", date="+7", invoices="1002"), st, NOW)
    assert only_later.promises[0].invoices == ("1002",)
    refused(reached(Outcome.PROMISE, amount="300", date="+7", invoices="1002"), "over")  # 1002 owes 250
    e = refused(reached(Outcome.PROMISE, amount="100", date="+7", invoices="1001 9999"), "invoices")
    assert str(e) == "No open invoice '9999' for this client. Open: 1001, 1002."


def test_nothing_overdue_means_a_promise_must_name_what_it_covers():
    st = stand(cfile(client(1), [invoice("7", "75.00", overdue=-3)]))
    e = refused(reached(Outcome.PROMISE, amount="75", date="+7"), "invoices", st)
    assert str(e) == "Nothing is overdue to cover. Not yet due: 7 ($75.00, due Thu 26 Nov); name the invoice(s) it covers."
    assert build(reached(Outcome.PROMISE, amount="75", date="+7", invoices="7"), st, NOW).promises[0].invoices == ("7",)


def test_a_promise_stays_in_one_currency():
    st = stand(cfile(client(1), [invoice("U1", "100.00", overdue=40), invoice("E1", "900.00", overdue=50, currency="EUR")]))
    logged = build(reached(Outcome.PROMISE, amount="900", date="+7"), st, NOW)  # the main overdue currency
    assert (logged.promises[0].currency, logged.promises[0].invoices) == ("EUR", ("E1",))
    named = build(reached(Outcome.PROMISE, amount="100", date="+7", invoices="U1"), st, NOW)
    assert (named.promises[0].currency, named.promises[0].invoices) == ("USD", ("U1",))
    e = refused(reached(Outcome.PROMISE, amount="100", date="+7", invoices="U1, E1"), "invoices", st)
    assert "EUR and USD" in str(e)


def test_describe_says_what_will_be_stored():
    st = st_usd()
    assert build(reached(Outcome.PROMISE, amount="1000", date="+7", method="ACH"), st, NOW).describe(TODAY) == \
        "$1,000.00 by Mon 30 Nov (ACH) · covers 1001"
    plan = build(reached(Outcome.PLAN, amount="900", count="3", date="2026-12-14"), st, NOW)
    assert plan.describe(TODAY) == "$900.00 in 3 monthly instalments of $300.00 each, from Mon 14 Dec · covers 1001"
    odd = build(reached(Outcome.PLAN, amount="1000", count="3", date="+7"), st, NOW)
    assert odd.describe(TODAY).startswith("$1,000.00 in 3 monthly instalments of $333.33 (the last $333.34), from Mon 30 Nov")
    assert build(reached(Outcome.PAID, amount="1000"), st, NOW).describe(TODAY) == "$1,000.00 paid Mon 23 Nov · for 1001"
    assert build(reached(Outcome.CALLBACK, date="tomorrow 15:00"), st, NOW).describe(TODAY) == "call back Tue 24 Nov 15:00"
    assert build(reached(Outcome.DISPUTE, what="Billed twice on 1001", who="Sam", date="+4"), st, NOW).describe(TODAY) == \
        "Billed twice on 1001: get back by Fri 27 Nov, Sam looks into it · disputed: 1001"
    assert build(reached(Outcome.PROMISE, amount="1000", date="2027-01-04"), st, NOW).describe(TODAY).startswith("$1,000.00 by Mon 4 Jan 2027")
    over = build(reached(Outcome.PROMISE, amount="1040", date="+7", over="late fee"), st, NOW)
    assert over.describe(TODAY) == "$1,040.00 by Mon 30 Nov · covers 1001 · more than owed: late fee"


# --- callbacks at a time of day ----------------------------------------------------------------

@pytest.mark.parametrize("text, day, at", [
    ("tomorrow 15:00", date(2026, 11, 24), "15:00"),
    ("+2d 10:30", date(2026, 11, 25), "10:30"),
    ("+2 9.15", date(2026, 11, 25), "09:15"),
    ("2026-12-14 3pm", date(2026, 12, 14), "15:00"),
    ("tomorrow 3:30 pm", date(2026, 11, 24), "15:30"),
    ("17:45", TODAY, "17:45"),  # today, later than now (16:00)
    ("tomorrow", date(2026, 11, 24), None),
    ("+3d", date(2026, 11, 26), None),
])
def test_a_callback_takes_a_time_as_well_as_a_date(text, day, at):
    logged = build(reached(Outcome.CALLBACK, date=text), st_usd(), NOW)
    assert logged.call.details.get("date") == day.isoformat()
    assert logged.call.details.get("time") == at
    assert logged.call.next_action == day


@pytest.mark.parametrize("text", ["15:00", "today 9:00", "tomorrow 25:00", "tomorrow 10:75", "+2d 13pm"])
def test_a_callback_time_passed_or_impossible_is_refused(text):
    refused(reached(Outcome.CALLBACK, date=text), "date")


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

"""Records, codes, phones and the clock: the small pieces everything else stands on."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callroom.domain import phones
from callroom.domain.clock import Clock
from callroom.domain.codes import REASON_OFFERS, Outcome, Reason, Result, Stage
from callroom.domain.models import Call, Client, ClientFile, Invoice, Plan, Promise, normalise_name

from domain_builders import NZ_PHONE, TODAY


# --- records --------------------------------------------------------------------------------

def test_invoice_record_is_json_safe_and_round_trips_exactly():
    inv = Invoice(None, 3, "1001", "usd", Decimal("12905.25"), issued=date(2026, 7, 6), due=date(2026, 8, 5), amount=Decimal("13000.00"))
    rec = inv.to_record()
    assert rec["balance"] == "12905.25" and rec["due"] == "2026-08-05" and "id" not in rec
    back = Invoice.from_record(json.loads(json.dumps(rec)), id=9)
    assert back == inv.with_(id=9)
    assert isinstance(back.balance, Decimal)


def test_unknown_balance_stays_unknown():
    inv = Invoice.from_record({"client_id": 1, "number": "X", "currency": "USD", "balance": None})
    assert inv.balance is None and inv.owed is None and inv.is_open


def test_call_record_round_trips_enums_and_times():
    c = Call(None, 1, datetime(2026, 11, 23, 10, 5), Result.REACHED, Reason.CASH_FLOW, Outcome.PLAN, "n", date(2026, 12, 2), details={"count": 3})
    rec = json.loads(json.dumps(c.to_record()))
    assert rec["result"] == "reached" and rec["outcome"] == "plan"
    assert Call.from_record(rec, 4) == c.with_(id=4)


def test_promise_and_plan_round_trip():
    p = Promise(None, 1, date(2026, 11, 1), date(2026, 11, 10), Decimal("500.00"), "EUR", ("A", "B"), instalment=2)
    assert Promise.from_record(json.loads(json.dumps(p.to_record())), 1) == p.with_(id=1)
    pl = Plan(None, 1, date(2026, 11, 1), Decimal("900"), "JPY", 3, "monthly", date(2026, 12, 1), ("A",))
    assert Plan.from_record(json.loads(json.dumps(pl.to_record())), 2) == pl.with_(id=2)


def test_open_means_open_status_and_something_left():
    assert Invoice(1, 1, "a", "USD", Decimal("0.01")).is_open
    assert not Invoice(1, 1, "a", "USD", Decimal("0")).is_open
    assert not Invoice(1, 1, "a", "USD", Decimal("-5")).is_open  # a credit
    assert not Invoice(1, 1, "a", "USD", Decimal("10"), status="void").is_open


def test_last_call_is_the_latest():
    c1 = Call(1, 1, datetime(2026, 11, 20, 9), Result.VOICEMAIL)
    c2 = Call(2, 1, datetime(2026, 11, 22, 9), Result.REACHED)
    assert ClientFile(Client(1, "x"), calls=(c2, c1)).last_call == c2
    assert ClientFile(Client(1, "x")).last_call is None


@pytest.mark.parametrize(
    "a, b",
    [("O'Brien & Sons Construction LLC", "obrien and sons construction"), ("Café Lumière SA", "cafe lumiere"), ("The Acme Co.", "the acme")],
)
def test_normalised_names_match(a, b):
    assert normalise_name(a) == normalise_name(b)
    assert Client(None, a).key == normalise_name(b)


@given(st.lists(st.sampled_from(list("abzAZ09 .&'-,\t") + ["llc", "the", "co", "and", "S.A.", "L.L.C.", " Ltd."]), max_size=10))
def test_a_plain_ascii_name_gets_the_key_the_accent_stripping_path_gives(parts):
    name = "".join(parts)
    # A combining accent after the name sends it through NFKD and back to ASCII, where it is dropped:
    # the key must be the one the plain-ASCII shortcut gives.
    assert normalise_name(name) == normalise_name(name + "\u0301")
    assert normalise_name(name) == normalise_name(name.upper() + "\u0301")


@pytest.mark.parametrize("a, b", [("S.A. Dupont", "sa dupont"), ("J. R. Smith", "j r smith"), ("B.V. Holding B.V.", "bv holding"),
                                  ("O\u2019Brien Ltd.", "obrien"), ("Crème Brûlée & Co", "creme brulee")])
def test_initials_and_quotes_fold_as_before(a, b):
    assert normalise_name(a) == b


# --- codes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["no-answer", "No answer", "NO_ANSWER", " no answer "])
def test_codes_parse_code_label_or_name(text):
    assert Result.parse(text) is Result.NO_ANSWER


def test_unknown_code_lists_the_valid_ones():
    with pytest.raises(ValueError, match="use one of: cash-flow, dispute"):
        Reason.parse("broke")


def test_codes_print_as_their_code():
    assert f"{Outcome.CORRECT_INVOICE}" == "correct-invoice"
    assert Stage.ESCALATION.label == "Escalation review"


def test_every_reason_suggests_something():
    assert set(REASON_OFFERS) == set(Reason)
    assert REASON_OFFERS[Reason.WONT_PAY] == (Outcome.ESCALATE,)


# --- phones and clock -------------------------------------------------------------------------

def test_phone_parsing_uses_the_client_region_for_national_numbers():
    d = phones.parse("09 555 0147", "NZ")
    assert (d.display, d.e164, d.region, d.zone) == ("+64 9 555 0147", "+6495550147", "NZ", "Pacific/Auckland")
    assert phones.parse("(212) 555-0100", "").e164 == "+12125550100"  # US when no region is known
    bad = phones.parse("call reception", "US")
    assert not bad.valid and bad.zone is None


def test_local_time_and_hours():
    d = phones.parse(NZ_PHONE, "NZ")
    local = phones.local_time(d, datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc))
    assert (local.date(), local.hour) == (date(2026, 11, 24), 5)
    assert not phones.within_hours(local, time(9), time(17), True)
    assert phones.within_hours(local.replace(hour=9), time(9), time(17), True)
    saturday = datetime(2026, 11, 28, 10, 0)
    assert not phones.within_hours(saturday, time(9), time(17), True)
    assert phones.within_hours(saturday, time(9), time(17), False)
    assert phones.local_time(phones.parse("", "US"), datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc)) is None


def test_clock_injected_instant():
    when = datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc)
    assert Clock.at(when).now() == when and Clock.at(when).today() == TODAY
    assert Clock.on(TODAY, hour=9).now().hour == 9 and Clock.on(TODAY).today() == TODAY
    assert Clock(as_of=TODAY).today() == TODAY

"""The report's figures on a small ledger whose answers are worked out by hand below
(never by calling the report twice). TODAY is Monday 23 Nov 2026."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from click.testing import CliRunner

from callroom.cli import main
from callroom.domain import report
from callroom.domain.codes import Outcome, Result
from callroom.domain.models import Call, Invoice, Session
from callroom.store import open_store

from domain_builders import D, TODAY, ago, ahead, cfile, client, dispute, invoice, payment, plan, promise


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm))


def mkcall(id: int, cid: int, when: datetime, result: Result, outcome: Outcome | None = None, *, session: int | None = None,
           next_action: date | None = None) -> Call:
    return Call(id, cid, when, result, None, outcome, "", next_action, session)


# --- the hand-built ledger --------------------------------------------------------------------
# Acme (USD): A1 1000.00 40 days overdue (31-60), A2 250.00 due in 5 days (current), A3 paid,
#             A4 open with an unknown balance.
# Bistro (EUR): B1 500.00 95 days overdue (90+), B2 300.00 10 days overdue (1-30).
# Cobalt (GBP): C1 200.00 20 days overdue (1-30).
ACME, BISTRO, COBALT = 1, 2, 3

CALLS = {
    ACME: [
        mkcall(101, ACME, at(ago(12), 10, 5), Result.REACHED, Outcome.PROMISE, session=1),  # made P1
        mkcall(102, ACME, at(ago(9), 11), Result.REACHED, Outcome.PROMISE),  # made P2, no session
        mkcall(103, ACME, at(ago(3), 9, 10), Result.GATEKEEPER, session=2, next_action=ago(1)),
        mkcall(104, ACME, at(ago(2), 15), Result.REACHED, Outcome.PROMISE, next_action=ahead(4)),  # made P3
    ],
    BISTRO: [
        mkcall(201, BISTRO, at(ago(40), 10), Result.REACHED, Outcome.PROMISE),  # made P5
        mkcall(202, BISTRO, at(ago(12), 10, 10), Result.VOICEMAIL, session=1),
        mkcall(203, BISTRO, at(ago(12), 10, 15), Result.SKIPPED, session=1),  # a skip is not a call
        mkcall(204, BISTRO, at(ago(12), 10, 20), Result.NO_ANSWER, session=1),
        mkcall(205, BISTRO, at(ago(1), 16), Result.REACHED, Outcome.PROMISE, next_action=ahead(3)),  # made P6
    ],
    COBALT: [
        mkcall(301, COBALT, at(ago(3), 9, 5), Result.REACHED, Outcome.CALLBACK, session=2, next_action=ahead(2)),
    ],
}


def with_call(p, call_id):
    return p.with_(call_id=call_id)


def ledger():
    acme = cfile(
        client(ACME, "Acme Ltd"),
        [invoice("A1", "1000.00", overdue=40), invoice("A2", "250.00", due=ahead(5)), invoice("A3", "0.00", overdue=60),
         invoice("A4", None, overdue=20)],
        calls=CALLS[ACME],
        promises=[
            with_call(promise(ago(12), ago(10), "400.00", id=11), 101),  # P1: kept by pay ago(11)
            with_call(promise(ago(9), ago(3), "600.00", id=12), 102),  # P2: 150 in time -> partly kept
            with_call(promise(ago(2), ahead(3), "100.00", id=13), 104),  # P3: not due yet
            promise(ago(20), ago(15), "999.00", cancelled=True, id=14),  # P4: cancelled, never counts
        ],
        payments=[payment(ago(11), "400.00", id=51), payment(ago(5), "150.00", id=52), payment(ago(45), "70.00", id=53)],
    )
    bistro = cfile(
        client(BISTRO, "Bistro", phone="+33 1 55 55 01 23", region="FR"),
        [invoice("B1", "500.00", overdue=95, currency="EUR", client_id=BISTRO), invoice("B2", "300.00", overdue=10, currency="EUR", client_id=BISTRO)],
        calls=CALLS[BISTRO],
        promises=[
            with_call(promise(ago(40), ago(35), "500.00", "EUR", client_id=BISTRO, id=21), 201),  # P5: broken
            with_call(promise(ago(1), ahead(2), "300.00", "EUR", client_id=BISTRO, id=22), 205),  # P6: paid today, early
        ],
        payments=[
            payment(TODAY, "300.00", "EUR", client_id=BISTRO, id=61),  # 1 day after call 205
            payment(ago(10), "20.00", "EUR", client_id=BISTRO, id=62),  # 30 days after call 201: counts
            payment(ago(9), "80.00", "EUR", client_id=BISTRO, id=63),  # 31 days after call 201: does not
        ],
    )
    cobalt = cfile(
        client(COBALT, "Cobalt Studio", phone="+44 20 7946 0321", region="GB"),
        [invoice("C1", "200.00", overdue=20, currency="GBP", client_id=COBALT)],
        calls=CALLS[COBALT],
        promises=[
            promise(ago(3), TODAY, "100.00", "GBP", client_id=COBALT, plan_id=77, instalment=1, id=31),
            promise(ago(3), ahead(7), "100.00", "GBP", client_id=COBALT, plan_id=77, instalment=2, id=32),
        ],
        plans=[plan(ago(3), TODAY, "200.00", count=2, frequency="weekly", currency="GBP", client_id=COBALT)],
        disputes=[
            dispute(ago(3), ahead(6), ("C1",), client_id=COBALT),  # the last day of the week: in
            dispute(ago(3), ahead(1), ("C1",), resolved=ago(1), client_id=COBALT),  # resolved: out
            dispute(ago(3), ahead(7), ("C1",), client_id=COBALT),  # a day too late: out
        ],
    )
    return [acme, bistro, cobalt]


SESSIONS = [
    Session(1, started=at(ago(12), 10), as_of=ago(12), ended=at(ago(12), 10, 30)),  # 30 minutes
    Session(2, started=at(ago(3), 9), as_of=ago(3), ended=at(ago(3), 9, 20)),  # 20 minutes
    Session(3, started=at(ago(1), 9), as_of=ago(1)),  # opened, nothing called
]


@pytest.fixture
def r():
    return report.build(ledger(), SESSIONS, TODAY)


def test_aging_buckets_per_currency(r):
    rows = {row.currency: row for row in r.aging}
    assert set(rows) == {"USD", "EUR", "GBP"}
    assert rows["USD"].buckets == {"current": D("250.00"), "1-30": 0, "31-60": D("1000.00"), "61-90": 0, "90+": 0}
    assert rows["USD"].total == D("1250.00") and rows["USD"].invoices == 2  # A3 is paid, A4's balance unknown
    assert rows["EUR"].buckets == {"current": 0, "1-30": D("300.00"), "31-60": 0, "61-90": 0, "90+": D("500.00")}
    assert rows["GBP"].total == D("200.00")
    assert r.unknown_balances == 1


def test_promise_kept_rate_by_count_and_amount(r):
    p = r.promises
    # judged (due before today, not cancelled): P1 kept, P2 partly kept (150 of 600 in time), P5 broken
    assert (p.judged, p.kept, p.partly_kept, p.broken) == (3, 1, 1, 1)
    assert p.kept_rate == pytest.approx(1 / 3, abs=1e-4)
    # USD: 400 + 150 arrived in time of 400 + 600 promised; EUR: nothing of 500 (the 100 that came later is late)
    assert p.promised == {"USD": D("1000.00"), "EUR": D("500.00")}
    assert p.paid_by_due == {"USD": D("550.00"), "EUR": D("0")}
    assert p.amount_rate("USD") == 0.55 and p.amount_rate("EUR") == 0.0
    # still open: P3, P6 (already paid in full) and both instalments
    assert (p.still_open, p.paid_early) == (4, 1)


def test_promise_trend_by_month_and_week():
    by_month = report.build(ledger(), SESSIONS, TODAY).trend
    assert [t.period for t in by_month] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert [(t.kept, t.partly_kept, t.broken) for t in by_month[-2:]] == [(0, 0, 1), (1, 1, 0)]  # P5 due 19 Oct; P1, P2 in Nov
    assert all((t.kept, t.partly_kept, t.broken) == (0, 0, 0) for t in by_month[:4])
    by_week = report.build(ledger(), SESSIONS, TODAY, trend_by="week").trend
    assert [t.period for t in by_week] == ["2026-W42", "2026-W43", "2026-W44", "2026-W45", "2026-W46", "2026-W47"]
    counts = {t.period: (t.kept, t.partly_kept, t.broken) for t in by_week}
    assert counts["2026-W43"] == (0, 0, 1)  # P5: Mon 19 Oct
    assert counts["2026-W46"] == (1, 0, 0)  # P1: Fri 13 Nov
    assert counts["2026-W47"] == (0, 1, 0)  # P2: Fri 20 Nov
    assert by_week[-1].start == date(2026, 11, 16)


def test_reach_and_promise_rate_per_session(r):
    s1, s2 = r.sessions
    # session 1: reached Acme (promise), Bistro voicemail, a skip (not a call), no answer; 30 minutes
    assert (s1.session_id, s1.calls, s1.reached, s1.promises) == (1, 3, 1, 1)
    assert s1.reach_rate == pytest.approx(0.3333, abs=1e-4) and s1.promise_rate == 1.0
    assert s1.promised == {"USD": D("400.00")} and s1.minutes == 30 and s1.calls_per_hour == 6.0
    # session 2: Cobalt reached (callback), Acme gatekeeper; 20 minutes
    assert (s2.calls, s2.reached, s2.promises, s2.promise_rate, s2.reach_rate) == (2, 1, 0, 0.0, 0.5)
    assert s2.calls_per_hour == 6.0 and s2.promised == {}
    assert r.empty_sessions == 1
    o = r.overall  # 9 calls (4 Acme, 4 Bistro less the skip, 1 Cobalt), 6 reached, 5 made a promise
    assert (o.calls, o.reached, o.promises) == (9, 6, 5)
    assert o.reach_rate == pytest.approx(2 / 3, abs=1e-4) and o.promise_rate == pytest.approx(5 / 6, abs=1e-4)
    assert o.promised == {"USD": D("1100.00"), "EUR": D("800.00")}  # P1+P2+P3, P5+P6; the cancelled one had no call


def test_collected_within_30_days_after_a_reached_call(r):
    c = r.collected
    # Acme: 400 (a day after call 101) and 150 (after 101 AND 102: counted once, for 102); 70 came before any call.
    # Bistro: 300 today (after 205), 20 exactly 30 days after 201; 80 at 31 days is out.
    assert c.amounts == {"USD": D("550.00"), "EUR": D("320.00")}
    assert (c.payments, c.calls, c.reached_calls) == (4, 4, 6)


def test_followups_due_this_week(r):
    got = [(f.day, f.kind, f.client) for f in r.followups]
    assert got == [
        (TODAY, "instalment", "Cobalt Studio"),  # instalment 1 due today; instalment 2 is next week
        (ahead(2), "callback", "Cobalt Studio"),
        (ahead(4), "promise-check", "Acme Ltd"),  # P3 due in 3 days is checked the day after
        (ahead(6), "dispute", "Cobalt Studio"),  # the open one; resolved and next week's are left out
    ]
    check = r.followups[2]
    assert check.title == "Call Acme Ltd: promise of $100.00 due 26 Nov"
    assert check.amount == D("100.00") and check.currency == "USD" and check.phone == "+1 212 555 0100"
    assert r.followups[0].title == "Call Cobalt Studio: instalment 1 of 2, £100.00 due 23 Nov"
    assert len({f.uid for f in r.followups}) == 4


def test_followups_leave_out_what_is_handled():
    c = client(1, "Acme Ltd")
    owed = [invoice("A1", "500.00")]
    due_yesterday = promise(ago(5), ago(1), "500.00", id=900)  # checked today...
    files = [cfile(c, owed, promises=[due_yesterday])]
    assert [f.kind for f in report.followups(files, TODAY)] == ["promise-check"]
    called_today = mkcall(901, 1, at(TODAY, 9), Result.VOICEMAIL, next_action=ahead(2))
    files = [cfile(c, owed, promises=[due_yesterday], calls=[called_today])]  # ...unless called since
    assert [(f.kind, f.day) for f in report.followups(files, TODAY)] == [("follow-up", ahead(2))]
    files = [cfile(c, [invoice("A1", "0.00")], promises=[due_yesterday], calls=[called_today])]  # nothing open
    assert report.followups(files, TODAY) == []
    paid = [payment(ago(2), "500.00", id=902)]
    files = [cfile(c, owed, promises=[due_yesterday], payments=paid)]  # kept
    assert report.followups(files, TODAY) == []
    older = mkcall(903, 1, at(ago(4), 9), Result.REACHED, Outcome.CALLBACK, next_action=ahead(1))
    newer = mkcall(904, 1, at(ago(2), 9), Result.VOICEMAIL, next_action=ahead(3))  # replaces the callback
    files = [cfile(c, owed, calls=[older, newer])]
    assert [(f.kind, f.day) for f in report.followups(files, TODAY)] == [("follow-up", ahead(3))]


def test_dso_over_90_days():
    inv = [
        Invoice(1, 1, "N1", "USD", D("600.00"), issued=ago(30), due=TODAY, amount=D("1000.00")),
        Invoice(2, 1, "N2", "USD", D("500.00"), issued=ago(100), due=ago(70), amount=D("500.00")),  # not in the 90 days
        Invoice(3, 1, "N3", "EUR", D("50.00"), issued=ago(200), due=ago(170), amount=D("50.00")),  # nothing sold in EUR
    ]
    # USD: open 1100 / sold 1000 * 90 = 99.0 days
    assert report.dso([cfile(client(), inv)], TODAY) == {"USD": D("99.0"), "EUR": None}


def test_dso_is_not_told_when_an_invoice_of_the_90_days_has_no_amount():
    inv = [
        Invoice(1, 1, "N1", "EUR", D("600.00"), issued=ago(30), due=TODAY, amount=D("1000.00")),
        Invoice(2, 1, "N2", "EUR", D("9000.00"), issued=ago(40), due=ago(10)),  # an export without amounts
        Invoice(3, 1, "U1", "USD", D("500.00"), issued=ago(20), due=ahead(10), amount=D("500.00")),
    ]
    assert report.dso([cfile(client(), inv)], TODAY) == {"EUR": None, "USD": D("90.0")}


def test_bar_is_proportional_in_eighths():
    assert report.bar(10, 10, 4) == "████"
    assert report.bar(5, 10, 4) == "██"
    assert report.bar(1, 10, 4) == "▍"  # 3.2 eighths -> 3
    assert report.bar(Decimal("0.01"), 10, 4) == "▏"  # a sliver, never nothing
    assert report.bar(0, 10, 4) == "" and report.bar(3, 0, 4) == ""


def test_json_has_decimal_strings_and_explicit_currencies(r):
    j = json.loads(json.dumps(r.to_json()))
    usd = next(row for row in j["aging"]["by_currency"] if row["currency"] == "USD")
    assert usd["buckets"] == {"current": "250.00", "1-30": "0.00", "31-60": "1000.00", "61-90": "0.00", "90+": "0.00"}
    assert j["promises"]["by_amount"]["USD"] == {"promised": "1000.00", "paid_by_due": "550.00", "kept_rate": 0.55}
    assert j["collected_after_call"]["amounts"] == {"EUR": "320.00", "USD": "550.00"}
    assert j["followups"]["items"][2]["amount"] == "100.00" and j["followups"]["items"][2]["currency"] == "USD"


# --- the command line, on a store written by hand ---------------------------------------------


@pytest.fixture
def small_ledger(tmp_path):
    path = tmp_path / "ledger.jsonl"
    store = open_store(path)
    c = store.clients.add(client(None, "Acme Ltd"))  # type: ignore[arg-type]
    store.ledger.invoices.add(Invoice(None, c.id, "A1", "USD", D("1000.00"), due=ago(40), amount=D("1000.00"), issued=ago(70)))
    s = store.sessions.start(at(ago(5), 10), ago(5), 60, 1)
    store.sessions.end(s, at(ago(5), 10, 15))
    store.calls.record(Call(None, c.id, at(ago(5), 10, 5), Result.REACHED, None, Outcome.PROMISE, "", ago(1), s.id),
                       promises=[promise(ago(5), ago(2), "400.00", client_id=c.id, id=None)])
    store.ledger.payments.add(payment(ago(3), "400.00", client_id=c.id, id=None))
    store.close()
    return path


def run(path, *args):
    return CliRunner().invoke(main, ["--db", str(path), "--as-of", TODAY.isoformat(), *args], catch_exceptions=False)


def test_report_json_from_the_command_line(small_ledger):
    r = run(small_ledger, "report", "--json")
    assert r.exit_code == 0, r.output
    j = json.loads(r.output)
    assert j["as_of"] == "2026-11-23"
    assert j["aging"]["by_currency"] == [{"currency": "USD", "open_invoices": 1, "total": "1000.00",
                                          "buckets": {"current": "0.00", "1-30": "0.00", "31-60": "1000.00", "61-90": "0.00", "90+": "0.00"}}]
    assert j["promises"]["kept"] == 1 and j["promises"]["judged"] == 1 and j["promises"]["kept_rate_by_count"] == 1.0
    (s,) = j["sessions"]
    assert (s["calls"], s["reached"], s["reach_rate"], s["promise_rate"], s["calls_per_hour"]) == (1, 1, 1.0, 1.0, 4.0)
    assert s["promised"] == {"USD": "400.00"}
    assert j["collected_after_call"]["amounts"] == {"USD": "400.00"}
    assert j["dso_days"] == {"USD": "90.0"}  # 1000 open of 1000 invoiced 70 days ago


def test_report_text_shows_tables_and_bars(small_ledger):
    r = run(small_ledger, "report")
    assert r.exit_code == 0, r.output
    assert "31-60" in r.output and "$1,000.00" in r.output and "█" in r.output
    assert "kept 1 of 1 (100% by count)" in r.output
    assert "$400.00 from 1 payment" in r.output

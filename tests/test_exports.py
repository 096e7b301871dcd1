"""`callroom export`: CSV and JSON read back with the csv and json modules, the .ics read back
with icalendar, on a small ledger written by hand (values checked against what was typed in)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time, timedelta, timezone

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from callroom.cli import main
from callroom.domain.codes import Outcome, Result
from callroom.domain.models import Call, Client, Dispute, Invoice, Payment, Promise
from callroom.exports import CALL_COLUMNS, INVOICE_COLUMNS, PROMISE_COLUMNS
from callroom.store import open_store

from domain_builders import D, TODAY, ago, ahead

NOTE = 'Says the "cheque" is, in fact, in the post'


def at(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm))


@pytest.fixture
def ledger(tmp_path):
    path = tmp_path / "ledger.jsonl"
    s = open_store(path)
    sj = s.clients.add(Client(None, "Smith, Jones; Partners", contact="Marcus Bell", phones=("+1 503 555 0147",), region="US"))
    bl = s.clients.add(Client(None, "Brasserie Lumière", contact="Camille Roux", phones=("+33 1 55 55 01 23",), region="FR"))
    s.ledger.invoices.add(Invoice(None, sj.id, "SJ-1", "USD", D("1200.00"), issued=ago(70), due=ago(40), amount=D("1200.00"), terms="Net 30"))
    s.ledger.invoices.add(Invoice(None, sj.id, "SJ-2", "USD", D("0.00"), issued=ago(80), due=ago(50), amount=D("300.00"),
                                  status="paid", closed_on=ago(20)))
    s.ledger.invoices.add(Invoice(None, bl.id, "BL-1", "EUR", D("2340.00"), issued=ago(64), due=ago(34), amount=D("2340.00")))
    s.calls.record(
        Call(None, sj.id, at(ago(5), 10, 5), Result.REACHED, None, Outcome.PROMISE, NOTE, ahead(3), None,
             {"amount": "1200.00", "currency": "USD", "date": ahead(2).isoformat()}, 240),
        promises=[Promise(None, sj.id, made_on=ago(5), due=ahead(2), amount=D("1200.00"), currency="USD", invoices=("SJ-1",), method="cheque")],
    )
    s.calls.record(Call(None, bl.id, at(ago(2), 9, 30), Result.VOICEMAIL, None, None, "", TODAY))
    s.disputes.add(Dispute(None, bl.id, opened=ago(2), what="Wine list billed twice", get_back=ahead(5), invoices=("BL-1",), who="Sam"))
    s.ledger.payments.add(Payment(None, sj.id, ago(20), D("300.00"), "USD", ("SJ-2",)))
    ids = {"sj": sj.id, "bl": bl.id}
    s.close()
    return path, ids


def run(path, *args, as_of: date = TODAY):
    return CliRunner().invoke(main, ["--db", str(path), "--as-of", as_of.isoformat(), *args], catch_exceptions=False)


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_calls_csv_has_stable_columns_and_the_values_typed(ledger):
    path, ids = ledger
    r = run(path, "export", "calls", "--format", "csv")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == ",".join(CALL_COLUMNS)
    rows = rows_of(r.output)
    assert [x["client"] for x in rows] == ["Smith, Jones; Partners", "Brasserie Lumière"]  # oldest call first
    promise_call, voicemail = rows
    assert promise_call["client_id"] == str(ids["sj"])
    assert (promise_call["date"], promise_call["time"], promise_call["result"], promise_call["outcome"]) == (ago(5).isoformat(), "10:05", "reached", "promise")
    assert (promise_call["amount"], promise_call["currency"], promise_call["agreed_date"]) == ("1200.00", "USD", ahead(2).isoformat())
    assert promise_call["next_action"] == ahead(3).isoformat() and promise_call["duration_s"] == "240"
    assert promise_call["note"] == NOTE  # quotes and commas survive
    assert (voicemail["result"], voicemail["amount"], voicemail["currency"], voicemail["reason"]) == ("voicemail", "", "", "")


def test_promises_csv_judged_as_of_today(ledger):
    path, ids = ledger
    rows = rows_of(run(path, "export", "promises").output)  # csv is the default
    assert list(rows[0]) == list(PROMISE_COLUMNS)
    (p,) = rows
    assert (p["client"], p["client_id"], p["made_on"], p["due"]) == ("Smith, Jones; Partners", str(ids["sj"]), ago(5).isoformat(), ahead(2).isoformat())
    # the 300.00 paid 20 days ago came before the promise was made: it does not count for it
    assert (p["amount"], p["currency"], p["status"], p["paid_by_due"], p["paid_late"]) == ("1200.00", "USD", "open", "0.00", "0.00")
    assert (p["invoices"], p["method"], p["plan_id"], p["instalment"]) == ("SJ-1", "cheque", "", "")


def test_invoices_json_and_csv_agree(ledger, tmp_path):
    path, ids = ledger
    out = tmp_path / "out" / "invoices.json"
    out.parent.mkdir()
    r = run(path, "export", "invoices", "--format", "json", "--out", str(out))
    assert r.exit_code == 0 and r.output == ""
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [list(x) for x in data] == [list(INVOICE_COLUMNS)] * 3
    by = {x["number"]: x for x in data}
    assert by["SJ-1"] == {
        "invoice_id": by["SJ-1"]["invoice_id"], "client_id": ids["sj"], "client": "Smith, Jones; Partners", "number": "SJ-1",
        "issued": ago(70).isoformat(), "due": ago(40).isoformat(), "currency": "USD", "amount": "1200.00", "balance": "1200.00",
        "status": "open", "days_overdue": 40, "aging_bucket": "31-60", "closed_on": None, "terms": "Net 30",
    }
    assert (by["SJ-2"]["status"], by["SJ-2"]["balance"], by["SJ-2"]["days_overdue"], by["SJ-2"]["closed_on"]) == ("paid", "0.00", None, ago(20).isoformat())
    assert (by["BL-1"]["currency"], by["BL-1"]["days_overdue"], by["BL-1"]["client"]) == ("EUR", 34, "Brasserie Lumière")
    assert [x["number"] for x in data] == ["BL-1", "SJ-2", "SJ-1"]  # by client name, then due date
    rows = rows_of(run(path, "export", "invoices", "--format", "csv").output)
    assert [(x["number"], x["balance"], x["days_overdue"]) for x in rows] == [("BL-1", "2340.00", "34"), ("SJ-2", "0.00", ""), ("SJ-1", "1200.00", "40")]


def ics_lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b""), "every line ends in CRLF"
    return data[:-2].split(b"\r\n")


def test_followups_ics_is_rfc5545_and_reads_back(ledger, tmp_path):
    path, ids = ledger
    out = tmp_path / "followups.ics"
    r = run(path, "export", "followups", "--format", "ics", "--out", str(out))
    assert r.exit_code == 0, r.output
    data = out.read_bytes()
    lines = ics_lines(data)
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-1] == b"END:VCALENDAR"
    assert all(len(line) <= 75 for line in lines), "lines are folded at 75 octets"
    unfolded = data.replace(b"\r\n ", b"")
    assert "SUMMARY:Call Smith\\, Jones\\; Partners: promise of $1\\,200.00 due 25 Nov".encode() in unfolded  # text escaped
    cal = Calendar.from_ical(data)
    assert str(cal["VERSION"]) == "2.0" and "callroom" in str(cal["PRODID"])
    events = cal.walk("VEVENT")
    got = [(e.decoded("DTSTART"), str(e["CATEGORIES"].cats[0]), str(e["SUMMARY"])) for e in events]
    assert got == [
        (TODAY, "follow-up", "Call Brasserie Lumière: try again after voicemail"),
        (ahead(3), "promise-check", "Call Smith, Jones; Partners: promise of $1,200.00 due 25 Nov"),
        (ahead(5), "dispute", "Call Brasserie Lumière: get back about the dispute (Wine list billed twice)"),
    ]
    for e in events:
        start, end = e.decoded("DTSTART"), e.decoded("DTEND")
        assert type(start) is date and end == start + timedelta(days=1)  # all-day
        stamp = e.decoded("DTSTAMP")
        assert isinstance(stamp, datetime) and stamp.utcoffset() == timedelta(0)
        assert str(e["UID"]).endswith("@callroom")
    desc = str(events[1]["DESCRIPTION"])
    assert "Phone: +1 503 555 0147" in desc and "Invoices: SJ-1" in desc and "Contact: Marcus Bell" in desc
    assert "Amount: $1,200.00" in desc
    assert "Phone: +33 1 55 55 01 23" in str(events[2]["DESCRIPTION"]) and "BL-1" in str(events[2]["DESCRIPTION"])


def test_a_callback_at_a_time_is_a_timed_event(ledger, tmp_path):
    path, ids = ledger
    r = run(path, "log", "#%d" % ids["sj"], "--result", "reached", "--outcome", "callback", "--date", "+2d 10:30")
    assert r.exit_code == 0, r.output
    assert "call back Wed 25 Nov 10:30" in r.output
    q = run(path, "queue", as_of=ahead(2))
    assert "callback agreed for 25 Nov at 10:30" in q.output
    cal = Calendar.from_ical(run(path, "export", "followups").stdout_bytes)
    [ev] = [e for e in cal.walk("VEVENT") if str(e["CATEGORIES"].cats[0]) == "callback"]
    start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
    assert start == datetime(2026, 11, 25, 10, 30) and start.tzinfo is None  # floating: the owner's own time
    assert end - start == timedelta(minutes=15)
    assert str(ev["SUMMARY"]) == "Call Smith, Jones; Partners: callback agreed at 10:30"
    data = json.loads(run(path, "export", "followups", "--format", "json").output)
    assert [(x["date"], x["time"]) for x in data if x["kind"] == "callback"] == [("2026-11-25", "10:30")]
    assert all(x["time"] is None for x in data if x["kind"] != "callback")


def test_reexport_keeps_uids_so_calendars_update(ledger, tmp_path):
    path, ids = ledger
    first = Calendar.from_ical(run(path, "export", "followups").stdout_bytes)  # ics is the default for followups
    s = open_store(path)
    d = s.disputes.for_client(ids["bl"])[0]
    s.disputes.save(d.with_(get_back=ahead(6)))  # the get-back date moves
    s.close()
    second = Calendar.from_ical(run(path, "export", "followups").stdout_bytes)
    uid = lambda cal: {str(e["UID"]): e.decoded("DTSTART") for e in cal.walk("VEVENT")}  # noqa: E731
    a, b = uid(first), uid(second)
    assert set(a) == set(b) and len(a) == 3
    moved = [k for k in a if a[k] != b[k]]
    assert len(moved) == 1 and a[moved[0]] == ahead(5) and b[moved[0]] == ahead(6)


def test_followups_days_option_and_json(ledger):
    path, _ = ledger
    data = json.loads(run(path, "export", "followups", "--format", "json", "--days", "4").output)
    assert [(x["date"], x["kind"]) for x in data] == [(TODAY.isoformat(), "follow-up"), (ahead(3).isoformat(), "promise-check")]
    assert data[1]["amount"] == "1200.00" and data[1]["currency"] == "USD" and data[1]["invoices"] == ["SJ-1"]


@pytest.mark.parametrize("args", [
    ["export", "payments"],  # unknown kind
    ["export", "calls", "--format", "xml"],  # unknown format
    ["export", "calls", "--format", "ics"],  # ics is for followups only
    ["export", "invoices", "--format", "ics"],
])
def test_bad_kind_or_format_is_refused_and_writes_nothing(ledger, tmp_path, args):
    path, _ = ledger
    out = tmp_path / "nothing.txt"
    r = CliRunner().invoke(main, ["--db", str(path), *args, "--out", str(out)])
    assert r.exit_code == 2
    assert "Error" in r.output
    assert not out.exists()


def test_out_into_a_missing_folder_says_so(ledger, tmp_path):
    path, _ = ledger
    out = tmp_path / "no-such-folder" / "calls.csv"
    r = run(path, "export", "calls", "--out", str(out))
    assert r.exit_code == 1
    assert "does not exist" in r.output and "no-such-folder" in r.output
    assert not out.parent.exists()


def test_out_replaces_a_file_whole(ledger, tmp_path):
    path, _ = ledger
    out = tmp_path / "calls.csv"
    out.write_text("old contents\n")
    assert run(path, "export", "calls", "--out", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8-sig").startswith("call_id,")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".calls.csv")] == []  # no temporary file left


def test_help_lists_report_and_export():
    r = CliRunner().invoke(main, ["--help"])
    assert "report" in r.output and "export" in r.output
    r = CliRunner().invoke(main, ["export", "--help"])
    assert "--format" in r.output and "ics" in r.output and "--out" in r.output


def test_dtstamp_is_the_export_time_in_utc():
    from callroom.domain.report import FollowUp
    from callroom.exports import to_ics

    f = FollowUp(TODAY, "callback", 7, "Acme", "+1 212 555 0100", "Dana", "Call Acme: callback agreed", (), ("1001",), uid="callroom-callback-1-client-7")
    cal = Calendar.from_ical(to_ics([f], datetime(2026, 11, 23, 10, 30, tzinfo=timezone(timedelta(hours=-5)))))
    (e,) = cal.walk("VEVENT")
    assert e.decoded("DTSTAMP") == datetime(2026, 11, 23, 15, 30, tzinfo=timezone.utc)
    assert str(e["UID"]) == "callroom-callback-1-client-7@callroom"


def test_no_followups_writes_no_empty_calendar(ledger, tmp_path):
    path, _ = ledger
    out = tmp_path / "empty.ics"
    r = run(path, "export", "followups", "--out", str(out), as_of=TODAY + timedelta(days=30))
    assert r.exit_code == 0
    assert "No follow-ups due" in r.output and not out.exists()


def test_a_csv_file_starts_with_a_byte_order_mark_for_spreadsheets(ledger, tmp_path):
    path, _ = ledger
    out = tmp_path / "calls.csv"
    assert run(path, "export", "calls", "--out", str(out)).exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[1]["client"] == "Brasserie Lumière"

"""The command line, run through click's runner on a real ledger file."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from callroom import demo
from callroom.cli import main
from callroom.domain.codes import Outcome, Result
from callroom.store import open_store

from support import TODAY



def run(ledger, *args):
    return CliRunner().invoke(main, ["--db", str(ledger), "--as-of", TODAY.isoformat(), *args], catch_exceptions=False)


def test_help_explains_every_command():
    r = CliRunner().invoke(main, ["--help"])
    assert r.exit_code == 0
    for cmd in ("demo", "log", "history", "queue", "clients"):
        assert cmd in r.output
    r = CliRunner().invoke(main, ["log", "--help"])
    assert "--result" in r.output and "no-answer" in r.output


def test_log_promise_by_prefix_is_stored_and_printed(ledger):
    r = run(ledger, "log", "Delgado", "--result", "reached", "--reason", "overlooked", "--outcome", "promise", "--amount", "1200", "--date", "+5", "--note", "back from leave")
    assert r.exit_code == 0, r.output
    assert "Delgado Family Dental" in r.output and "  $1,200.00 by Sat 28 Nov · covers 1052\n" in r.output
    store = open_store(ledger, read_only=True)
    c = store.clients.find("Delgado")
    call = max(store.calls.for_client(c.id), key=lambda x: x.id)
    assert call.result is Result.REACHED and call.outcome is Outcome.PROMISE and call.note == "back from leave"
    p = [p for p in store.promises.for_client(c.id) if p.call_id == call.id][0]
    assert p.due == TODAY + timedelta(days=5) and str(p.amount) == "1200"
    assert call.next_action == TODAY + timedelta(days=6)
    store.close()


@pytest.mark.parametrize(
    "args, message",
    [
        (["Nobody Here", "--result", "reached"], "no client matches"),
        (["a", "--result", "reached"], "matches"),  # ambiguous prefix
        (["Delgado", "--result", "voicemail", "--outcome", "promise"], "needs the right person reached"),
        (["Delgado", "--result", "reached", "--outcome", "promise", "--amount", "-5"], "more than zero"),
        (["Delgado", "--result", "reached", "--outcome", "promise", "--amount", "abc"], "not an amount"),
        (["Delgado", "--result", "reached", "--outcome", "promise", "--date", "2026-02-31"], "not a date"),
        (["Delgado", "--result", "reached", "--outcome", "callback", "--date", "2020-01-01"], "in the past"),
        (["Delgado", "--result", "reached", "--outcome", "dispute"], "what is disputed"),
    ],
)
def test_log_refuses_bad_values_and_stores_nothing(ledger, args, message):
    before = ledger.read_bytes()
    r = run(ledger, "log", *args)
    assert r.exit_code != 0
    assert message in r.output
    assert ledger.read_bytes() == before


def test_log_refuses_unknown_result_code(ledger):
    r = CliRunner().invoke(main, ["--db", str(ledger), "log", "Delgado", "--result", "maybe"])
    assert r.exit_code == 2 and "maybe" in r.output


def test_history_newest_first_as_in_the_app_and_reverse_for_oldest_first(ledger):
    newest = run(ledger, "history", "Cedar Ridge")
    oldest = run(ledger, "history", "Cedar Ridge", "--reverse")
    assert newest.exit_code == 0 and oldest.exit_code == 0
    days = lambda out: [line.split()[0] for line in out.splitlines()[1:] if line.startswith("  2")]  # noqa: E731
    assert days(newest.output) == sorted(days(newest.output), reverse=True) and len(days(newest.output)) > 3
    assert days(oldest.output) == sorted(days(oldest.output))


def test_history_newest_first_keeps_two_calls_of_the_same_second_newest_first():
    from datetime import datetime

    from callroom.domain.history import timeline
    from callroom.domain.models import Call, Client, ClientFile

    at = datetime(2026, 11, 23, 10, 0, 0)
    cf = ClientFile(Client(1, "Acme"), calls=(Call(1, 1, at, Result.VOICEMAIL, note="first"), Call(2, 1, at, Result.REACHED, note="second")))
    assert [e.data["note"] for e in timeline(cf, TODAY)] == ["second", "first"]
    assert [e.data["note"] for e in timeline(cf, TODAY, newest_first=False)] == ["first", "second"]


def test_history_json_newest_first_with_promise_status(ledger):
    r = run(ledger, "history", "Cedar Ridge", "--json")
    assert r.exit_code == 0
    events = json.loads(r.output)
    whens = [e["when"] for e in events]
    assert whens == sorted(whens, reverse=True)
    assert [e["when"] for e in json.loads(run(ledger, "history", "Cedar Ridge", "--json", "--reverse").output)] == sorted(whens)
    promise = [e for e in events if e["kind"] == "promise"][0]
    assert promise["status"] == "broken" and promise["amount"] == "3325.50"
    assert {e["kind"] for e in events} >= {"call", "promise", "invoice"}


def test_queue_json_puts_follow_ups_and_broken_promises_first(ledger):
    r = run(ledger, "queue", "--json")
    data = json.loads(r.output)
    tiers = [e["tier"] for e in data["queue"] if not e["outside_hours"]]
    order = ["Follow-up due", "Broken promise", "Collection call", "Friendly follow-up"]
    assert tiers == sorted(tiers, key=order.index)
    names = {e["client"]: e["why"] for e in data["not_today"]}
    assert "Westfield Accounting Group" in names and names["Westfield Accounting Group"] == "nothing open"
    broken = [e for e in data["queue"] if e["client"] == "Cedar Ridge Property Management"][0]
    assert "broken" in broken["why"]


def test_as_of_changes_today(ledger):
    later = (TODAY + timedelta(days=60)).isoformat()
    r = CliRunner().invoke(main, ["--db", str(ledger), "--as-of", later, "queue", "--json"])
    data = json.loads(r.output)
    assert not any(h["client"] == "Evergreen Landscaping" and h["why"] == "not yet due" for h in data["not_today"])


def test_second_writer_gets_a_clear_message(ledger):
    holder = open_store(ledger)
    try:
        r = run(ledger, "log", "Delgado", "--result", "voicemail")
        assert r.exit_code != 0
        assert "pid" in r.output and "--read-only" in r.output
        r = run(ledger, "--read-only", "history", "Delgado")  # looking is still fine
        assert r.exit_code == 0 and "Delgado Family Dental" in r.output
    finally:
        holder.close()


def test_read_only_refuses_to_log(ledger):
    before = ledger.read_bytes()
    r = run(ledger, "--read-only", "log", "Delgado", "--result", "voicemail")
    assert r.exit_code != 0 and "read-only" in r.output
    assert ledger.read_bytes() == before


def test_damaged_file_is_named_and_left_alone(tmp_path):
    path = tmp_path / "ledger.jsonl"
    store = open_store(path)
    demo.load(store, TODAY)
    store.close()
    data = path.read_bytes()
    lines = data.split(b"\n")
    lines[2] = lines[2][: len(lines[2]) // 2]  # tear a snapshot line in the middle of the file
    broken = b"\n".join(lines)
    path.write_bytes(broken)
    r = CliRunner().invoke(main, ["--db", str(path), "clients"])
    assert r.exit_code != 0
    assert str(path) in r.output and "line 3" in r.output
    assert path.read_bytes() == broken


def test_settings_change_the_queue_policy(ledger):
    r = run(ledger, "settings", "--min-days", "40", "--hours", "08:00-18:00", "--caller", "Alex")
    assert r.exit_code == 0, r.output
    assert "Queue from 40 days" in r.output and "08:00-18:00" in r.output
    data = json.loads(run(ledger, "queue", "--json").output)
    assert all(e["days_overdue"] >= 40 or e["tier"] in ("Follow-up due", "Broken promise") for e in data["queue"])
    assert any("only" in h["why"] and "days overdue" in h["why"] for h in data["not_today"])
    r = run(ledger, "settings", "--hours", "5pm")
    assert r.exit_code != 0 and "HH:MM-HH:MM" in r.output


@pytest.mark.parametrize("args", [["clients"], ["queue"], ["history", "Acme"], ["--read-only"]])
def test_reading_commands_on_a_missing_ledger_say_so_and_create_nothing(tmp_path, args):
    from click.testing import CliRunner

    from callroom.cli import main

    path = tmp_path / "nowhere.jsonl"
    r = CliRunner().invoke(main, ["--db", str(path), *args])
    assert r.exit_code == 1 and "No ledger at" in r.output and "callroom import" in r.output
    assert not path.exists() and r.exception is None or isinstance(r.exception, SystemExit)


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty, self.text = tty, ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass


def test_a_big_ledger_is_announced_on_a_terminal_only(tmp_path):
    from callroom.cli import base as cli

    big = tmp_path / "big.jsonl"
    with open(big, "wb") as f:
        f.truncate(cli.SAY_OPENING_BYTES)
    small = tmp_path / "small.jsonl"
    small.write_text("{}\n")
    out = _Stream(tty=True)
    cli.say_opening(big, out)
    assert out.text == f"Opening {big} (8 MB)…\n"
    for path, tty in ((small, True), (big, False), (tmp_path / "missing.jsonl", True)):
        out = _Stream(tty=tty)
        cli.say_opening(path, out)
        assert out.text == ""


def test_a_db_typed_before_the_command_wins_over_callroom_db(ledger, tmp_path):
    """$CALLROOM_DB names the owner's own ledger; `callroom --db other.jsonl log ...` must write to
    other.jsonl (every command also reads $CALLROOM_DB, which used to override the --db before it)."""
    import shutil

    other = tmp_path / "other.jsonl"
    shutil.copy(ledger, other)
    shutil.copy(ledger.with_name(ledger.name + ".seal"), other.with_name(other.name + ".seal"))
    env = {"CALLROOM_DB": str(ledger)}
    r = CliRunner(env=env).invoke(main, ["--db", str(other), "--as-of", TODAY.isoformat(), "log", "Delgado", "--result", "voicemail"])
    assert r.exit_code == 0, r.output

    def voicemails(path):
        store = open_store(path, read_only=True)
        try:
            c = store.clients.find("Delgado")
            return [x for x in store.calls.for_client(c.id) if x.result is Result.VOICEMAIL and x.at.date() == TODAY]
        finally:
            store.close()

    assert len(voicemails(other)) == 1 and voicemails(ledger) == []
    # without --db, $CALLROOM_DB is the ledger; a --db after the command still wins
    assert CliRunner(env=env).invoke(main, ["--as-of", TODAY.isoformat(), "log", "Delgado", "--result", "voicemail"]).exit_code == 0
    assert len(voicemails(ledger)) == 1
    r = CliRunner(env=env).invoke(main, ["--as-of", TODAY.isoformat(), "log", "Delgado", "--result", "voicemail", "--db", str(other)])
    assert r.exit_code == 0 and len(voicemails(other)) == 2 and len(voicemails(ledger)) == 1

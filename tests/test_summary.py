"""The queue summary beside the ledger: the first screen and ``callroom queue`` from it,
never trusted blindly.

Every queue the summary gives is checked against the queue worked out from the ledger
read whole, on a ledger from the benchmark's generator: as written, on the days after,
after lines written behind its back (caught up, or read whole when it cannot follow
them), after a line changed with its checksum made again, with the summary damaged or
of another ledger.
"""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from callroom.domain import queue as queue_mod
from callroom.domain.clock import Clock
from callroom.domain.codes import Outcome, Reason, Result
from callroom.domain.drafts import Draft
from callroom.services.files import open_desk
from callroom.services.opening import OpeningDesk, SummarisedDesk, open_session
from callroom.services.queue_lines import queue_lines
from callroom.services.summary import queue_of, read_preview
from callroom.store import open_store
from callroom.store.summary import read_summary, summary_path_for

from ledger_files import body, raw_lines, reseal, sealed_line, seq_of, write_raw
from support import NOW, TODAY

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"clients": 60, "invoices": 300, "calls": 900, "promises": 150, "import_rows": 100, "history_calls": 40}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    spec = importlib.util.spec_from_file_location("callroom_bench_run", ROOT / "bench" / "run.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    ledger, _csv, _meta = bench.cached_ledger(SIZES, 6, tmp_path_factory.mktemp("generated"))
    return ledger


def _copy(src: Path, dest: Path, *, summary: bool = True) -> Path:
    shutil.copyfile(src, dest)
    for suffix in (".seal", ".summary") if summary else (".seal",):
        side = src.with_name(src.name + suffix)
        if side.exists():
            shutil.copyfile(side, dest.with_name(dest.name + suffix))
    return dest


def fresh(path: Path, now=NOW):
    """Today's queue worked out from the ledger read whole (the reference)."""
    store = open_store(path, read_only=True)
    try:
        return queue_mod.build(store.queue_files(), now, store.settings.policy)
    finally:
        store.close()


def printed(q):
    """What ``callroom queue`` prints of a queue (:func:`callroom.services.queue_lines.queue_lines`'s form)."""
    return ([(e.name, e.tier_name, e.why, e.out_of_hours) for e in q.entries], [(h.name, h.why) for h in q.not_today])


def ready(desk):
    """The desk with the whole ledger read (an OpeningDesk's check run and taken over)."""
    if isinstance(desk, OpeningDesk):
        desk.start_loading()
        desk.wait_loaded()
        desk.finish_loading()
    return desk


def session(path: Path, now=NOW, *, calls: int = 2):
    """A session as the app runs one: the queue, a few calls, closed (the summary written)."""
    desk = ready(open_session(path, Clock.at(now)))
    q = desk.queue()
    for cid in q.ids()[:calls]:
        desk.log(Draft(result=Result.NO_ANSWER), cid)
    desk.queue()
    desk.close()
    return q


@pytest.fixture
def ledger(generated, tmp_path) -> Path:
    """A copy of the generated ledger after one session (so with its summary), yesterday."""
    path = _copy(generated, tmp_path / "ledger.jsonl", summary=False)
    session(path, NOW - timedelta(days=1))
    assert summary_path_for(path).exists()
    return path


def test_a_session_leaves_a_summary_and_the_next_first_screen_comes_from_it(generated, tmp_path):
    path = _copy(generated, tmp_path / "ledger.jsonl", summary=False)
    first = open_session(path, Clock.at(NOW))
    assert type(first) is SummarisedDesk  # no summary yet: read whole
    first.close()
    assert not summary_path_for(path).exists()  # nothing built, nothing written

    session(path)
    desk = open_session(path, Clock.at(NOW))
    try:
        assert isinstance(desk, OpeningDesk) and desk.loading  # nothing of the ledger read but its ends
        q = desk.queue()
        assert q == fresh(path)
        head = q.entries[0].client_id
        st = desk.standing(head)
        store = open_store(path, read_only=True)
        try:
            assert st == queue_mod.standing(store.client_file(head), TODAY, store.settings.policy)
            assert desk.script(st) == _script(store, st)
        finally:
            store.close()
        assert desk.loading  # the first screen asked nothing the summary could not say
    finally:
        desk.close()


def _script(store, st):
    from callroom.services import Desk

    return Desk(store, Clock.at(NOW)).script(st)


@pytest.mark.parametrize("days", [0, 1, 2, 4, 9])
def test_the_queue_of_each_day_ahead_and_of_any_other_day(ledger, days):
    now = NOW + timedelta(days=days, hours=days % 3)
    found = read_preview(ledger, now)
    assert found is not None
    assert found.queue == fresh(ledger, now)  # day 9 is not kept: worked out from the queue files kept
    lines = queue_lines(ledger, now)  # what callroom queue prints: only for the days the summary holds
    assert (lines is not None) == (days < 4)  # written yesterday: yesterday and the 4 days after
    assert lines is None or lines == printed(fresh(ledger, now))


@pytest.mark.parametrize("hour", [0, 5, 9, 13, 15, 18, 21, 23])
def test_callroom_queue_lines_are_the_queue_at_any_hour(ledger, hour):
    """The lines kept in the queue's order, split at the hour by who is outside calling hours:
    the queue worked out from the ledger read whole, entry for entry."""
    now = NOW.replace(hour=hour)
    lines = queue_lines(ledger, now)
    assert lines is not None
    right = fresh(ledger, now)
    assert lines == printed(right)
    assert len(lines[0]) == len(right.entries) > 0 and len(lines[1]) == len(right.not_today) > 0
    assert read_preview(ledger, now).queue == right  # the first screen's queue, from the same order


def test_a_kept_order_that_is_not_the_days_decisions_is_not_used(ledger):
    """The ids of an order must be exactly the day's queued and held clients, each once."""
    found = read_preview(ledger, NOW)
    decided, right = found.decided, fresh(ledger)
    queued, held = [e.client_id for e in right.entries], [h.client_id for h in right.not_today]
    assert queue_mod.assemble_in_order(decided, queued, held, NOW, found.policy) == right
    assert queue_mod.assemble_in_order(decided, queued[:-1], held, NOW, found.policy) is None  # one left out
    assert queue_mod.assemble_in_order(decided, queued[:-1] + queued[:1], held, NOW, found.policy) is None  # one twice
    assert queue_mod.assemble_in_order(decided, queued[:-1], held + queued[-1:], NOW, found.policy) is None  # queued as held


def test_callroom_queue_lines_split_clients_inside_and_outside_their_hours(ledger):
    """Some hour puts some of the queue outside calling hours and leaves some inside: the case
    where the kept order is split (the test above then covers it)."""
    mixed = [h for h in range(24) if len({ooh for *_, ooh in printed(fresh(ledger, NOW.replace(hour=h)))[0]}) == 2]
    assert mixed
    for h in mixed[:3]:
        assert queue_lines(ledger, NOW.replace(hour=h)) == printed(fresh(ledger, NOW.replace(hour=h)))


def test_a_summary_of_the_older_layout_is_not_read_and_is_made_again(generated, tmp_path, monkeypatch):
    """A summary written before the queue's lines were kept (version 1) is not used by the
    command nor the first screen; the session after writes one of this layout."""
    from callroom.store import summary as store_summary

    path = _copy(generated, tmp_path / "ledger.jsonl", summary=False)
    with monkeypatch.context() as m:
        m.setattr(store_summary, "SUMMARY_VERSION", 1)
        session(path, NOW - timedelta(days=1))
        assert read_summary(path) is not None  # read as what it is, by the release that wrote it
    assert read_summary(path) is None
    assert queue_lines(path, NOW) is None and read_preview(path, NOW) is None
    desk = open_session(path, Clock.at(NOW))
    try:
        assert type(desk) is SummarisedDesk  # the ledger read whole
        assert desk.queue() == fresh(path)
    finally:
        desk.close()
    assert queue_lines(path, NOW) == printed(fresh(path))


def test_a_damaged_order_is_not_printed(ledger):
    """The day's kept lines damaged: the command prints the queue of its decisions instead."""
    from click.testing import CliRunner

    from callroom.cli import main

    path = summary_path_for(ledger)
    raw = bytearray(path.read_bytes())
    offset, size, _ = read_summary(ledger).sections[f"order/{TODAY.isoformat()}"]
    raw[offset + size // 2] ^= 0x01
    path.write_bytes(bytes(raw))
    assert queue_lines(ledger, NOW) is None
    args = ["queue", "--db", str(ledger), "--as-of", TODAY.isoformat()]
    quick = CliRunner().invoke(main, args)
    summary_path_for(ledger).unlink()
    whole = CliRunner().invoke(main, args)
    assert quick.exit_code == whole.exit_code == 0 and quick.output == whole.output


def _writes(desk, kind: str) -> None:
    """Writes made by another program (a command line, a session that stopped before it
    wrote the summary), of each kind the summary has to follow."""
    q = desk.queue()
    ids = q.ids()
    if kind == "calls":
        desk.log(Draft(result=Result.NO_ANSWER), ids[0])
        desk.log(Draft(result=Result.REACHED, reason=Reason.CASH_FLOW, outcome=Outcome.PROMISE, amount="100.00",
                       date=(TODAY + timedelta(days=5)).isoformat()), ids[1])
        desk.log(Draft(result=Result.REACHED, outcome=Outcome.CALLBACK, date=(TODAY + timedelta(days=1)).isoformat()), ids[2])
        desk.log(Draft(result=Result.SKIPPED, skip_reason="away"), ids[3])
    elif kind == "payment":
        st = desk.standing(ids[0])
        big = max(st.chase, key=lambda i: i.balance or 0)
        desk.record_payment(ids[0], big.balance, big.currency, TODAY, (big.number,))
    elif kind == "client renamed":
        c = desk.store.clients.get(ids[0])
        desk.store.clients.save(c.with_(name="Aaa " + c.name, phones=("+64 9 555 0147",), region="NZ"))
    elif kind == "invoice moved":
        held = [h.client_id for h in q.not_today if desk.store.ledger.open_invoices(h.client_id)]
        inv = desk.store.ledger.invoices.for_client(ids[0])[0]
        desk.store.ledger.invoices.save(replace(inv, client_id=held[0]))
    elif kind == "policy":
        desk.store.settings.set_policy(replace(desk.policy, hold_days=0, min_days_overdue=0))
    elif kind == "undo":  # removes the latest call of a client: the summary cannot tell what came before
        call, _ = desk.log(Draft(result=Result.NO_ANSWER), ids[0])
        desk.undo(call.id)
    elif kind == "invoice opened":  # for a client with nothing open: the summary kept nothing else of it
        quiet = next(h.client_id for h in q.not_today if h.why == "nothing open")
        inv = desk.store.ledger.invoices.for_client(quiet)[0]
        desk.store.ledger.invoices.save(replace(inv, status="open", balance=Decimal("500.00"), closed_on=None))
    elif kind == "route chosen":  # a lawyer's letter for the first client: it leaves today's queue
        desk.choose_route(ids[0], "lawyer", note="sent to counsel")
    elif kind == "route withdrawn":
        desk.choose_route(ids[0], "lawyer")
        desk.withdraw_route(ids[0])
    elif kind == "compaction":
        desk.store.db.compact()
    else:  # pragma: no cover
        raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["calls", "payment", "client renamed", "invoice moved", "policy", "route chosen",
                                  "route withdrawn"])
def test_lines_written_behind_its_back_are_caught_up(ledger, kind):
    desk = open_desk(ledger, Clock.at(NOW))  # a plain desk: it leaves the summary as it was
    _writes(desk, kind)
    desk.close()
    assert read_summary(ledger).tip != reading_tip(ledger)
    assert queue_lines(ledger, NOW) is None  # the lines kept are of the tip before
    found = read_preview(ledger, NOW)
    assert found is not None, kind  # brought up to date from the lines written since
    assert found.queue == fresh(ledger), kind
    assert queue_of(ledger, NOW) == fresh(ledger)
    desk = ready(open_session(ledger, Clock.at(NOW)))
    try:
        assert isinstance(desk, OpeningDesk) and not desk.first_screen_stale
        assert desk.queue() == fresh(ledger)  # the queue after the check, and the memo it goes on from
        desk.log(Draft(result=Result.NO_ANSWER), desk.queue().ids()[0])
        assert desk.queue() == fresh(ledger)
    finally:
        desk.close()
    assert read_summary(ledger).tip == reading_tip(ledger)  # written again at the close
    assert read_preview(ledger, NOW).queue == fresh(ledger)
    assert queue_lines(ledger, NOW) == printed(fresh(ledger))


def reading_tip(path):
    from callroom.store.summary import ledger_tip

    return ledger_tip(path)


@pytest.mark.parametrize("kind", ["undo", "invoice opened", "compaction"])
def test_what_it_cannot_follow_is_read_whole(ledger, kind):
    desk = open_desk(ledger, Clock.at(NOW))
    _writes(desk, kind)
    desk.close()
    assert read_preview(ledger, NOW) is None
    assert queue_of(ledger, NOW) is None
    desk = open_session(ledger, Clock.at(NOW))
    try:
        assert type(desk) is SummarisedDesk
        assert desk.queue() == fresh(ledger)
    finally:
        desk.close()
    assert read_preview(ledger, NOW).queue == fresh(ledger)  # made again at the close


def _bring_a_call_forward(path: Path) -> None:
    """Move the next action date of the latest call in a journal line that is not the last
    to three days ago (the client is due today instead of held), with the line's checksum
    made again and the same length: the file's ends and its seal are as before."""
    lines = raw_lines(path)
    for n in range(len(lines) - 2, 0, -1):
        obj = body(lines[n])
        for op in obj.get("tx", []):
            if op["t"] == "calls" and op.get("doc", {}).get("next_action"):
                op["doc"]["next_action"] = (TODAY - timedelta(days=3)).isoformat()
                line = sealed_line(seq_of(lines[n]), obj)
                assert len(line) == len(lines[n])
                lines[n] = line
                write_raw(path, lines)
                reseal(path)
                return
    raise AssertionError("no such call in the journal")


def test_a_line_changed_behind_its_back_with_its_checksum_made_again(ledger):
    desk = open_desk(ledger, Clock.at(NOW))
    for cid in desk.queue().ids()[:3]:
        desk.log(Draft(result=Result.NO_ANSWER), cid)
    desk.close()
    session(ledger, calls=1)  # the summary as of the end, with those calls in the journal
    before = read_summary(ledger).tip
    _bring_a_call_forward(ledger)
    assert reading_tip(ledger) == before  # the ends of the file and the seal cannot tell
    right = fresh(ledger)
    # The command line checks every line's checksum against the summary first: read whole.
    assert queue_of(ledger, NOW) is None
    # The session's first screen comes from the summary; the check finds it is not the ledger's.
    desk = open_session(ledger, Clock.at(NOW))
    try:
        assert isinstance(desk, OpeningDesk)
        assert desk.queue() != right
        ready(desk)
        assert desk.first_screen_stale and desk.damage is None
        assert desk.queue() == right
    finally:
        desk.close()
    assert read_preview(ledger, NOW).queue == right and queue_of(ledger, NOW) == right


@pytest.mark.parametrize("where", ["header", "meta", "settings", "today", "clients", "files", "owners"])
def test_a_damaged_summary_is_not_trusted_and_is_made_again(ledger, where):
    path = summary_path_for(ledger)
    raw = bytearray(path.read_bytes())
    if where == "header":
        at = 20
    else:
        name = f"queue/{TODAY.isoformat()}" if where == "today" else where
        offset, size, _ = read_summary(ledger).sections[name]
        at = offset + size // 2
    raw[at] ^= 0x01
    path.write_bytes(bytes(raw))
    found = read_preview(ledger, NOW)
    if where in ("clients", "files", "owners"):  # parts the first screen may not read...
        assert found is None or found.queue == fresh(ledger)
    else:
        assert found is None
    desk = ready(open_session(ledger, Clock.at(NOW)))  # ...the check reads the rest: made again
    assert desk.queue() == fresh(ledger)
    desk.close()
    if found is not None:
        assert not path.exists()  # found damaged by the check; the next session makes it again
        session(ledger)
    assert read_preview(ledger, NOW).queue == fresh(ledger)


def test_a_summary_of_another_ledger_is_not_used(ledger, tmp_path):
    for other in (tmp_path / "empty.jsonl", tmp_path / "demo.jsonl"):
        store = open_store(other)  # a ledger of its own (its own id)
        if other.name == "demo.jsonl":
            from callroom import demo

            demo.load(store, TODAY)
        store.close()
        shutil.copyfile(summary_path_for(ledger), summary_path_for(other))
        assert read_preview(other, NOW) is None
        assert queue_of(other, NOW) is None


def test_a_session_record_started_on_the_first_screen_is_stored_once_checked(ledger):
    desk = open_session(ledger, Clock.at(NOW))
    try:
        assert isinstance(desk, OpeningDesk)
        started = desk.start_session(60, 10)
        assert started.id is not None and desk.loading
        ended = desk.end_session(started)
        ready(desk)
        assert desk.store.sessions.get(started.id) == ended
        nxt = desk.start_session(30, 5)
        assert nxt.id == started.id + 1
    finally:
        desk.close()


def test_damage_found_by_the_check_turns_the_session_read_only_and_writes_nothing(ledger):
    lines = raw_lines(ledger)
    n = next(i for i, line in enumerate(lines) if b'"table":"calls"' in line[:60])
    damaged = bytearray(lines[n])
    damaged[len(damaged) // 2] ^= 0x01
    lines[n] = bytes(damaged)
    write_raw(ledger, lines)  # the ends and the seal as they were: the summary matches them
    before = ledger.read_bytes(), (ledger.with_name(ledger.name + ".seal")).read_bytes(), summary_path_for(ledger).read_bytes()
    desk = open_session(ledger, Clock.at(NOW))
    try:
        assert isinstance(desk, OpeningDesk)
        q = desk.queue()
        started = desk.start_session(60, len(q.entries))
        desk.start_loading()
        desk.wait_loaded()
        damage = desk.finish_loading()
        assert damage is not None and f"line {n + 1}:" in damage and "checksum" in damage
        assert desk.read_only and desk.damage == damage
        with pytest.raises(Exception) as err:
            desk.log(Draft(result=Result.NO_ANSWER), q.ids()[0])
        assert "read-only" in str(err.value)
        desk.end_session(started)  # the session's record was never stored: nothing to end
        assert desk.clients()  # the readable part is there to look at
    finally:
        desk.close()
    after = ledger.read_bytes(), (ledger.with_name(ledger.name + ".seal")).read_bytes(), summary_path_for(ledger).read_bytes()
    assert after == before


def test_rows_are_the_dict_they_replace(tmp_path):
    """Any sequence of writes over a table read from the file: the rows give what a dict
    would (order included), in memory and after reopening."""
    from hypothesis import given, settings, strategies as st

    from callroom.store.journal import open_db

    ops = st.lists(st.tuples(st.sampled_from(["put", "del", "update"]), st.integers(1, 40), st.integers(0, 5)), max_size=40)

    @settings(max_examples=60, deadline=None)
    @given(ops)
    def check(seq):
        for p in tmp_path.glob("rows.jsonl*"):
            shutil.rmtree(p) if p.is_dir() else p.unlink()
        path = tmp_path / "rows.jsonl"
        db = open_db(path, backups=False)
        t = db.table("t")
        t.insert_multiple({"n": i, "client_id": i % 7} for i in range(1, 31))
        db.compact()
        db.close()
        model = {str(i): {"n": i, "client_id": i % 7} for i in range(1, 31)}
        db = open_db(path, backups=False)
        t = db.table("t")
        rows = db.storage.read()["t"]
        for kind, doc_id, v in seq:
            key = str(doc_id)
            if kind == "put":
                from tinydb.table import Document

                if key in model:
                    t.update({"v": v}, doc_ids=[doc_id])
                    model[key] = dict(model[key], v=v)
                else:
                    t.insert(Document({"n": doc_id, "client_id": v, "v": v}, doc_id))
                    model[key] = {"n": doc_id, "client_id": v, "v": v}
            elif kind == "del" and key in model:
                t.remove(doc_ids=[doc_id])
                del model[key]
            elif kind == "update" and key in model:
                t.update({"client_id": v}, doc_ids=[doc_id])
                model[key] = dict(model[key], client_id=v)
            rows = db.storage.read()["t"]
            assert list(rows.items()) == list(model.items())
        assert len(rows) == len(model) and all(k in rows for k in model) and "99" not in rows
        assert list(rows.clients()) == [(int(k), d["client_id"]) for k, d in model.items()]
        db.close()
        db = open_db(path, backups=False)
        assert list(db.storage.read()["t"].items()) == list(model.items())
        db.compact()
        assert list(db.storage.read()["t"].items()) == list(model.items())
        assert db.storage.read()["t"].in_memory == 0
        db.close()

    check()


@pytest.mark.parametrize("as_json", [False, True])
def test_callroom_queue_prints_from_the_summary_what_the_ledger_read_whole_prints(ledger, monkeypatch, as_json):
    from click.testing import CliRunner

    from callroom.cli import main
    from callroom.services import files

    args = ["queue", "--db", str(ledger), "--as-of", TODAY.isoformat()] + (["--json"] if as_json else [])
    runner = CliRunner()

    def refused(*a, **k):
        raise AssertionError("the ledger was read whole")

    with monkeypatch.context() as m:
        m.setattr(files, "open_desk", refused)
        quick = runner.invoke(main, args)
    assert quick.exit_code == 0, quick.output
    summary_path_for(ledger).unlink()
    whole = runner.invoke(main, args)
    assert whole.exit_code == 0 and whole.output == quick.output
    assert len(quick.output.splitlines()) > SIZES["clients"]


def test_callroom_queue_from_the_summary_loads_neither_the_screens_nor_the_whole_store(ledger):
    """The read-only command pays for what it prints: no Textual, TinyDB, importers or record layer."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from callroom.cli import main\n"
        "try:\n"
        f"    main([\"queue\", \"--db\", {str(ledger)!r}, \"--as-of\", {TODAY.isoformat()!r}])\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        "print('MODULES', ' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    printed, modules = done.stdout.rsplit("MODULES ", 1)
    from click.testing import CliRunner

    from callroom.cli import main

    summary_path_for(ledger).unlink()
    whole = CliRunner().invoke(main, ["queue", "--db", str(ledger), "--as-of", TODAY.isoformat()])
    assert whole.exit_code == 0 and printed == whole.output  # the queue itself, as the ledger read whole gives it
    modules = modules.split()
    loaded = [m for m in modules if m.split(".")[0] in ("textual", "tinydb", "fpdf", "phonenumbers", "openpyxl")
              or m.startswith(("callroom.importers", "callroom.store.repo", "callroom.ui", "callroom.documents"))]
    assert loaded == []


@pytest.mark.parametrize("as_json", [False, True])
def test_callroom_queue_as_a_process_prints_everything_before_it_ends_quickly(ledger, as_json):
    """The command ends without freeing what it read: its whole output still reaches the pipe, exit 0."""
    import subprocess
    import sys

    from click.testing import CliRunner

    from callroom.cli import main

    args = ["queue", "--db", str(ledger), "--as-of", TODAY.isoformat()] + (["--json"] if as_json else [])
    done = subprocess.run([sys.executable, "-m", "callroom", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    expected = CliRunner().invoke(main, args)
    assert expected.exit_code == 0 and done.stdout == expected.output
    missing = subprocess.run([sys.executable, "-m", "callroom", "queue", "--db", str(ledger.with_name("none.jsonl"))],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1 and "No ledger at" in missing.stderr


def test_a_summary_decided_by_other_rules_is_not_used(ledger, monkeypatch):
    """After an upgrade whose queue rules differ, the summary of the day before describes the
    ledger exactly but its decisions are not this release's: the ledger is read whole."""
    from callroom.services import queue_lines as queue_lines_mod

    assert read_preview(ledger, NOW) is not None and queue_lines(ledger, NOW) is not None
    monkeypatch.setattr(queue_lines_mod, "_RULES", ["00000000"])
    assert read_preview(ledger, NOW) is None
    assert queue_of(ledger, NOW) is None
    assert queue_lines(ledger, NOW) is None
    desk = open_session(ledger, Clock.at(NOW))  # the ledger read whole; closing writes a summary of these rules
    try:
        assert not isinstance(desk, OpeningDesk)
        desk.queue()
    finally:
        desk.close()
    assert read_preview(ledger, NOW) is not None


async def test_a_call_keyed_in_on_a_stale_first_screen_is_kept_in_the_form_not_saved(ledger):
    """The check finds the first screen was not the ledger's: the Enter held meanwhile is not
    run (it was pressed on facts that were not the ledger's), and the call being keyed in is
    in the new screen's form for the same client, with a notice saying so."""
    import threading

    from callroom.ui.app import CallroomApp
    from callroom.ui.session import SessionScreen
    from textual.widgets import Input

    from support import screen_text

    desk = open_desk(ledger, Clock.at(NOW))
    for cid in desk.queue().ids()[:3]:
        desk.log(Draft(result=Result.NO_ANSWER), cid)
    desk.close()
    session(ledger, calls=1)
    _bring_a_call_forward(ledger)
    before = ledger.read_bytes()
    ro = open_store(ledger, read_only=True)
    calls_before = len(ro.calls.all())
    ro.close()
    desk = open_session(ledger, Clock.at(NOW))
    assert isinstance(desk, OpeningDesk)
    gate, load = threading.Event(), desk._load

    def held() -> None:
        gate.wait(30)
        load()

    desk._load = held  # type: ignore[method-assign]
    app = CallroomApp(desk, clock=Clock.at(NOW), ticker=lambda: 0.0)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            stale = app.screen
            assert isinstance(stale, SessionScreen)
            first = stale.slot.entry
            await pilot.press("n", "o")
            await pilot.press(*"rang twice")
            await pilot.press("escape", "enter")  # held until the check is done
            await pilot.pause()
            assert ledger.read_bytes() == before
            gate.set()
            for _ in range(400):
                if app._checked.is_set():
                    break
                await pilot.pause(0.05)
            await pilot.pause()
            s = app.screen
            assert isinstance(s, SessionScreen) and s is not stale and desk.first_screen_stale
            assert s.slot.entry.client_id == first.client_id
            assert s.slot.draft.result is Result.NO_ANSWER and s.slot.saved_call_id is None and not s.saved_ids
            assert s.query_one("#note", Input).value == "rang twice"
            said = " ".join(n.message for n in app._notifications)
            assert f"The call you were keying in for {first.name} is kept in the form, not saved" in said
            assert "rang twice" in screen_text(app)
    finally:
        gate.set()
        desk.close()
    ro = open_store(ledger, read_only=True)
    try:  # nothing stored for the held Enter (the new screen records only its session)
        assert len(ro.calls.all()) == calls_before
    finally:
        ro.close()


def _typed(d):
    """A decision as (type, [(value, type of value), ...]): equal only when every value is of the same type too."""
    values = d if type(d) is tuple else list(vars(d).values())
    return type(d), [(v, type(v)) for v in values]


def test_a_days_decisions_read_back_are_what_the_generic_reading_gives_value_for_value(ledger):
    """The day's section decoded against the decisions' shapes: the same decisions, each value
    of the same type (Decimal amounts, dates, stages), as the generic JSON reading and
    ``decisions_from_json`` give, for every day the summary holds."""
    from callroom.services.summary import _undump, decisions_of
    from callroom.domain.money import Totals

    summary = read_summary(ledger)
    days = [name for name in summary.sections if name.startswith("queue/")]
    assert len(days) == 5
    kinds = set()
    for name in days:
        data = summary.read(name)
        fast = decisions_of(data)
        generic = queue_mod.decisions_from_json(list(_undump(data).values()))
        assert fast.keys() == generic.keys() and len(fast) > 0
        assert {cid: _typed(d) for cid, d in fast.items()} == {cid: _typed(d) for cid, d in generic.items()}
        for d in fast.values():
            kinds.add(type(d).__name__)
            if type(d) is tuple:
                assert type(d[7]) is Totals and all(type(a) is Decimal for a in d[7].values())
            elif d.until is not None:
                kinds.add("until")
    assert kinds == {"tuple", "Held", "until"}  # queued, held, held until a day: each shape read


def test_a_day_of_another_shape_is_read_the_generic_way_and_refused_there():
    """A decision the shapes do not take is not guessed at: the generic reading decides, and
    raises on what is not a decision (the summary is then not used)."""
    from callroom.services.summary import decisions_of

    held = b'{"7": [0, 7, "Acme", "nothing open", null, "", null]}'
    assert decisions_of(held) == {7: queue_mod.Held(7, "Acme", "nothing open")}
    with pytest.raises((ValueError, KeyError, TypeError)):
        decisions_of(b'{"7": [0, 7, "Acme", "nothing open", null, "", null, "one too many"]}')
    with pytest.raises((ValueError, KeyError, TypeError)):
        decisions_of(b'{"7": [1, 7, "Acme", 3, "why", 1.0, {"stage": "no-such"}, 4, {"totals": {}}, null, "", null, false]}')
    with pytest.raises((ValueError, KeyError, TypeError)):
        decisions_of(b'{"7": [2, 7]}')


def test_the_first_screen_is_drawn_without_the_writing_report_and_case_file_modules(ledger):
    """What the first client on screen does not need is not imported before it is drawn: the
    message wording, the report and exports, the case file, PDF, calendars and workbooks. Each
    comes in when first used (the `W` key, the report…)."""
    import subprocess
    import sys

    code = (
        "import asyncio, sys\n"
        "from callroom.domain.clock import Clock\n"
        "from callroom.services.opening import open_session\n"
        "from callroom.ui.app import CallroomApp\n"
        f"desk = open_session({str(ledger)!r}, Clock.at({NOW!r}))\n"
        "app = CallroomApp(desk, clock=desk.clock)\n"
        "async def main():\n"
        "    async with app.run_test(size=(100, 30)) as pilot:\n"
        "        await pilot.pause()\n"
        "        print('SCREEN', type(app.screen).__name__, len(app.screen.queue.entries))\n"
        "        print('MODULES', ' '.join(sorted(sys.modules)))\n"
        "asyncio.run(main())\n"
        "desk.close()\n"
    )
    done = subprocess.run([sys.executable, "-c", "import datetime\n" + code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    screen = done.stdout.split("SCREEN ", 1)[1].split("\n", 1)[0].split()
    assert screen[0] == "SessionScreen" and int(screen[1]) == len(fresh(ledger).entries) > 0
    modules = done.stdout.rsplit("MODULES ", 1)[1].split()
    loaded = [m for m in modules if m.split(".")[0] in ("fpdf", "openpyxl", "icalendar")
              or m in ("callroom.domain.messages", "callroom.domain.report", "callroom.exports", "callroom.domain.casefile")]
    assert loaded == []


def test_the_first_clients_records_from_the_summary_are_the_ledgers_escalation_routes_included(ledger):
    """Every record of a client the first screen opens on comes from the summary: the same
    file (escalation routes too: a route standing changes the why-now, the script and the
    queue) as the ledger read whole gives, and the same standing."""
    desk = open_desk(ledger, Clock.at(NOW))
    ids = desk.queue().ids()
    for cid in ids[:12]:
        desk.choose_route(cid, "final-notice", note="sent by post")
    for cid in ids[:12:2]:
        desk.withdraw_route(cid)
    desk.close()
    session(ledger, calls=0)  # the summary written with the routes in
    desk = open_session(ledger, Clock.at(NOW))
    store = open_store(ledger, read_only=True)
    try:
        assert isinstance(desk, OpeningDesk) and desk.loading
        assert desk.queue() == fresh(ledger)
        shown = desk._preview.clients
        routed = {e.client_id for e in store.escalations.all()}
        assert shown & routed, "the first screen opens on a client with a route"
        for cid in shown:
            assert desk.store.client_file(cid) == store.client_file(cid)
            assert desk.standing(cid) == queue_mod.standing(store.client_file(cid), TODAY, store.settings.policy)
        assert desk.loading  # all of it from the summary
    finally:
        store.close()
        desk.close()
    for days in (2, 9, 15):  # a day kept, and days worked out from the queue files kept (routes due back by then)
        later = NOW + timedelta(days=days)
        assert read_preview(ledger, later).queue == fresh(ledger, later)

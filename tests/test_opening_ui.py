"""The session opened from the queue summary: the first client on screen while the whole
ledger is checked, keys that save held until the check is done, and a damaged ledger
turning the session read-only with a banner that names the damage (nothing written)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from callroom import demo
from callroom.domain.clock import Clock
from callroom.domain.codes import Result
from callroom.services.opening import OpeningDesk, open_session
from callroom.store import open_store
from callroom.store.summary import summary_path_for
from callroom.ui.app import CallroomApp
from callroom.ui.session import SessionScreen

from ledger_files import raw_lines, write_raw
from support import NOW, TODAY, screen_text

SIZES = [(80, 24), (120, 40)]


def summarised_demo(tmp_path: Path) -> Path:
    """The demo ledger after a session (its summary written beside it)."""
    path = tmp_path / "ledger.jsonl"
    store = open_store(path)
    demo.load(store, TODAY)
    store.close()
    desk = open_session(path, Clock.at(NOW))
    desk.queue()
    desk.close()
    assert summary_path_for(path).exists()
    return path


def damage_a_snapshot_line(path: Path) -> int:
    """Flip a byte in the middle of the calls' snapshot line (the file's ends and its seal
    stay as they were, so the summary still matches them). Returns the line's number."""
    store = open_store(path)
    store.db.compact()  # the calls in a snapshot line
    store.close()
    desk = open_session(path, Clock.at(NOW))  # the summary of the compacted file
    desk.queue()
    desk.close()
    lines = raw_lines(path)
    n = next(i for i, line in enumerate(lines) if b'"table":"calls"' in line[:60])
    line = bytearray(lines[n])
    line[len(line) // 2] ^= 0x01
    lines[n] = bytes(line)
    write_raw(path, lines)
    return n + 1


class Held:
    """The check of the whole ledger, held back until :meth:`release` (or the test ends)."""

    def __init__(self, desk: OpeningDesk) -> None:
        self.gate = threading.Event()
        self.desk = desk
        load = desk._load

        def held() -> None:
            self.gate.wait(30)
            load()

        desk._load = held  # type: ignore[method-assign]

    def release(self) -> None:
        self.gate.set()


@pytest.fixture
def opened(tmp_path):
    """An OpeningDesk on a summarised demo ledger, its check held; closed at the end."""
    made: list[tuple[OpeningDesk, Held]] = []

    def make(path: Path | None = None) -> tuple[OpeningDesk, Held]:
        desk = open_session(path or summarised_demo(tmp_path), Clock.at(NOW))
        assert isinstance(desk, OpeningDesk)
        held = Held(desk)
        made.append((desk, held))
        return desk, held

    yield make
    for desk, held in made:
        held.release()
        desk.close()


async def until_checked(app, pilot) -> None:
    for _ in range(400):
        if app._checked.is_set():
            break
        await pilot.pause(0.05)
    assert app._checked.is_set()
    await pilot.pause()


async def test_the_first_client_is_on_screen_while_the_ledger_is_checked_and_enter_waits(opened):
    desk, held = opened()
    path = desk.path
    before = path.read_bytes()
    app = CallroomApp(desk, clock=Clock.at(NOW), ticker=lambda: 0.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        s = app.screen
        assert isinstance(s, SessionScreen) and desk.loading
        first = s.slot.entry
        text = screen_text(app)
        assert "Checking the ledger" in text and first.name in text
        await pilot.press("n")  # the call being keyed in: at once
        assert s.slot.draft.result is Result.NO_ANSWER
        await pilot.press("enter")  # saving: held until the check is done
        await pilot.pause()
        assert s.index == 0 and not s.saved_ids
        assert "runs as soon as every line is checked" in screen_text(app)
        await pilot.press("h")  # another key that waits: the one pressed first runs, not this one
        await pilot.pause()
        assert path.read_bytes() == before  # nothing written while the ledger is checked
        held.release()
        await until_checked(app, pilot)
        assert len(s.saved_ids) == 1 and s.index == 1 and app.screen is s
        assert "Checking the ledger" not in screen_text(app)
    ro = open_store(path, read_only=True)
    try:
        call = ro.calls.get(s.saved_ids[0])
        assert call.client_id == first.client_id and call.result is Result.NO_ANSWER
        assert ro.sessions.get(call.session_id).planned == len(s.slots)  # the session's record, stored once checked
    finally:
        ro.close()


async def test_damage_found_by_the_check_turns_the_session_read_only_with_a_banner(opened, tmp_path):
    path = summarised_demo(tmp_path)
    line = damage_a_snapshot_line(path)
    before = path.read_bytes(), path.with_name(path.name + ".seal").read_bytes()
    desk, held = opened(path)
    app = CallroomApp(desk, clock=Clock.at(NOW), ticker=lambda: 0.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        s = app.screen
        assert isinstance(s, SessionScreen)
        await pilot.press("n", "enter")  # held: then refused, read-only
        held.release()
        await until_checked(app, pilot)
        text = screen_text(app)
        assert "Ledger damaged" in text and f"line {line}:" in text and "nothing is written" in text
        assert desk.read_only and not s.saved_ids
        assert "read-only" in s.error
        app.clear_notifications()
        await pilot.press("enter")  # again, by hand: still nothing written
        await pilot.pause()
        assert not s.saved_ids
    assert (path.read_bytes(), path.with_name(path.name + ".seal").read_bytes()) == before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_checking_the_ledger(snap_compare, opened, size):
    desk, _held = opened()
    app = CallroomApp(desk, clock=Clock.at(NOW), ticker=lambda: 0.0, demo=True)

    async def run_before(pilot):
        await pilot.press("n", "enter")  # a key held: the line says it will run
        await pilot.pause()

    assert snap_compare(app, run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_damage_banner(snap_compare, opened, tmp_path, size):
    path = summarised_demo(tmp_path)
    damage_a_snapshot_line(path)
    desk, held = opened(path)
    app = CallroomApp(desk, clock=Clock.at(NOW), ticker=lambda: 0.0, demo=True)

    async def run_before(pilot):
        held.release()
        await until_checked(pilot.app, pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, run_before=run_before, terminal_size=size)


async def test_a_ledger_read_on_demand_before_the_check_started_still_ends_the_check(tmp_path):
    """The first screen asked for a client the summary does not hold (the ledger was read then,
    on the spot): the check is over, and keys that save run instead of waiting for ever."""
    path = summarised_demo(tmp_path)
    desk = open_session(path, Clock.at(NOW))
    assert isinstance(desk, OpeningDesk)
    try:
        assert desk.wait_loaded(30)  # read on demand, before any check was started
        app = CallroomApp(desk, clock=Clock.at(NOW), ticker=lambda: 0.0)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            s = app.screen
            assert isinstance(s, SessionScreen)
            await until_checked(app, pilot)
            assert "Checking the ledger" not in screen_text(app)
            first = s.slot.entry
            await pilot.press("n", "enter")
            await pilot.pause()
            assert len(s.saved_ids) == 1 and s.index == 1
    finally:
        desk.close()
    ro = open_store(path, read_only=True)
    try:
        assert ro.calls.get(s.saved_ids[0]).client_id == first.client_id
    finally:
        ro.close()

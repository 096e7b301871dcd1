"""A disk that fails under the call screen (Pilot): the owner sees a clear message, keeps
every typed field, nothing half-written reaches the file, and a retry saves."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from textual import events

from callroom import demo
from callroom.domain.codes import Outcome, Reason, Result
from callroom.store import open_store
from callroom.store.journal import Disk
from callroom.ui.app import CallroomApp
from callroom.ui.session import SessionScreen

from support import TODAY, app_for, screen_text


class FailingDisk(Disk):
    """The ledger's disk, switchable: ``full`` (a short write, then ENOSPC) or ``eio`` (fsync fails)."""

    def __init__(self) -> None:
        self.fault: str | None = None

    def pwrite(self, fd: int, data, offset: int) -> int:
        if self.fault == "full":
            if len(data) > 1:
                return os.pwrite(fd, bytes(data[: len(data) // 2]), offset)  # half a line lands...
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # ...then the disk is full
        return super().pwrite(fd, data, offset)

    def fsync(self, fd: int) -> None:
        if self.fault == "eio":
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        super().fsync(fd)


MESSAGES = {"full": "No space left on device", "eio": "Input/output error"}


@pytest.fixture
def disk() -> FailingDisk:
    return FailingDisk()


@pytest.fixture
def ledger(tmp_path: Path, disk: FailingDisk):
    store = open_store(tmp_path / "ledger.jsonl", disk=disk)
    demo.load(store, TODAY)
    yield store
    disk.fault = None
    store.close()


def calls_on_disk(store, client_id: int) -> list:
    ro = open_store(store.path, read_only=True)
    try:
        return ro.calls.for_client(client_id)
    finally:
        ro.close()


@pytest.mark.parametrize("fault", ["full", "eio"])
async def test_a_failed_save_keeps_the_screen_and_a_retry_saves(ledger, disk, clock, fault):
    app = app_for(ledger, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        client_id = s.slot.entry.client_id
        before_calls = len(calls_on_disk(ledger, client_id))
        await pilot.press("r", "1", "p")
        await pilot.press("enter")  # the promise form's defaults
        await pilot.press("o", *"will pay friday", "escape")
        typed = (s.slot.draft.result, s.slot.draft.reason, s.slot.draft.outcome, s.slot.draft.amount, s.slot.draft.date)
        assert typed[:3] == (Result.REACHED, Reason.CASH_FLOW, Outcome.PROMISE) and typed[3] and typed[4]
        file_before = ledger.path.read_bytes()

        disk.fault = fault
        await pilot.press("enter")
        await pilot.pause()

        # Same client, a clear message (no traceback), every field as typed.
        assert app.screen is s and s.index == 0 and s.slot.entry.client_id == client_id
        assert s.error.startswith("Not saved: ") and MESSAGES[fault] in s.error and "press Enter to try again" in s.error
        assert str(ledger.path) in s.error
        text = screen_text(app)
        assert "Not saved" in text and "Traceback" not in text
        d = s.slot.draft
        assert (d.result, d.reason, d.outcome, d.amount, d.date) == typed
        assert d.note == "will pay friday" and s.query_one("#note").value == "will pay friday"
        assert s.slot.saved_call_id is None and s.saved_ids == []
        # Nothing half-written: the file is byte for byte what it was, and reopens without the call.
        assert ledger.path.read_bytes() == file_before
        assert len(calls_on_disk(ledger, client_id)) == before_calls

        disk.fault = None  # room again
        await pilot.press("enter")
        await pilot.pause()
        assert s.index == 1 and s.error == ""
        saved = [c for c in calls_on_disk(ledger, client_id) if c.note == "will pay friday"]
        assert len(saved) == 1 and saved[0].outcome is Outcome.PROMISE
        assert ledger.path.read_bytes().startswith(file_before)


async def test_relogging_a_client_on_a_failing_disk_keeps_the_earlier_call(ledger, disk, clock):
    """Going back and saving again replaces the call: undo and record land together or not at all."""
    app = app_for(ledger, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        client_id = s.slot.entry.client_id
        await pilot.press("v", "enter")  # voicemail, saved
        assert s.index == 1
        first_id = s.slots[0].saved_call_id
        await pilot.press("left_square_bracket")
        assert s.index == 0
        await pilot.press("n")  # no answer this time
        file_before = ledger.path.read_bytes()

        disk.fault = "full"
        await pilot.press("enter")
        await pilot.pause()
        assert s.index == 0 and "Not saved" in s.error
        assert s.slots[0].saved_call_id == first_id and s.saved_ids == [first_id]
        assert ledger.path.read_bytes() == file_before
        on_disk = [c for c in calls_on_disk(ledger, client_id) if c.session_id == s.session.id]
        assert [c.id for c in on_disk] == [first_id] and on_disk[0].result is Result.VOICEMAIL

        disk.fault = None
        await pilot.press("enter")
        await pilot.pause()
        on_disk = [c for c in calls_on_disk(ledger, client_id) if c.session_id == s.session.id]
        assert [c.result for c in on_disk] == [Result.NO_ANSWER]
        assert s.saved_ids == [on_disk[0].id]


async def test_a_disk_full_from_the_start_still_opens_and_saves_once_there_is_room(ledger, disk, clock):
    disk.fault = "full"
    app = app_for(ledger, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s = app.screen
        assert isinstance(s, SessionScreen) and s.session is None  # the session record could not be written
        client_id = s.slot.entry.client_id
        await pilot.press("g", "enter")
        await pilot.pause()
        assert s.index == 0 and "No space left" in s.error
        disk.fault = None
        await pilot.press("enter")
        await pilot.pause()
        assert s.index == 1
        assert [c.result for c in calls_on_disk(ledger, client_id) if c.at.date() == TODAY][-1] is Result.GATEKEEPER
        disk.fault = "full"
        await pilot.press("q", "y")  # ending cannot record the session's end: the summary opens anyway
        await pilot.pause()
        assert type(app.screen).__name__ == "SummaryScreen"


EVIL = "will pay \x1b]0;owned\x07friday \x1b[2J\x1b[31mred\x1b[0m\x08\x07 ok"


async def test_pasted_escape_sequences_are_never_echoed_raw(ledger, clock):
    app = app_for(ledger, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        await pilot.press("r", "o")
        app.post_message(events.Paste(EVIL))  # as a terminal delivers a bracketed paste
        await pilot.pause()
        shown = "".join(seg.text for strip in app.screen._compositor.render_strips() for seg in strip)
        assert "\x1b" not in shown and "\x07" not in shown and "\x08" not in shown
        assert "will pay" in s.query_one("#note").value

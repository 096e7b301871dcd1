"""What opening the ledger found (an unfinished last write set aside) is shown over the
session until the owner dismisses it, once; a whole ledger shows nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from callroom.domain.clock import Clock
from callroom.services.files import open_desk
from callroom.ui.app import CallroomApp
from callroom.ui.notice import LedgerNoticeScreen
from callroom.ui.session import SessionScreen

from support import NOW, screen_text

SIZES = [(80, 24), (120, 40)]
TORN = b'{"seq":999,"crc":"0badcafe","tx":[{"t":"calls","put":99,"doc":{"client_id":1,"at":"2026-11-2'


def torn_ledger(ledger: Path) -> bytes:
    acknowledged = ledger.read_bytes()
    ledger.write_bytes(acknowledged + TORN)
    return acknowledged


async def test_the_notice_stays_over_the_session_until_dismissed_then_never_again(ledger: Path):
    acknowledged = torn_ledger(ledger)
    desk = open_desk(ledger, Clock.at(NOW))
    app = CallroomApp(desk, ticker=lambda: 0.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LedgerNoticeScreen)
        text = screen_text(app)
        assert "About your ledger" in text and f"{len(TORN)} bytes of transaction 999" in text
        assert "Enter or Esc: OK" in text
        [kept] = (ledger.parent / "ledger.jsonl.backups").glob("*.bytes")
        assert kept.read_bytes() == TORN and kept.name in text.replace("\n", "").replace(" ", "")
        await pilot.press("v")  # a call key does nothing while the notice is up
        await pilot.pause(0.2)
        assert isinstance(app.screen, LedgerNoticeScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen) and app.screen.slot.draft.result is None
        assert desk.ledger_notices() == []
    desk.close()
    assert ledger.read_bytes().startswith(acknowledged) and TORN not in ledger.read_bytes()


async def test_a_whole_ledger_opens_straight_on_the_session(ledger: Path):
    desk = open_desk(ledger, Clock.at(NOW))
    app = CallroomApp(desk, ticker=lambda: 0.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
    desk.close()


async def test_escape_dismisses_it_too(ledger: Path):
    torn_ledger(ledger)
    desk = open_desk(ledger, Clock.at(NOW))
    app = CallroomApp(desk, ticker=lambda: 0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LedgerNoticeScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
    desk.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_notice_snapshot(snap_compare, ledger: Path, size, monkeypatch):
    torn_ledger(ledger)
    desk = open_desk(ledger, Clock.at(NOW))
    real = [re.sub(r"unfinished-at-\d+", "unfinished-at-28804",
                   re.sub(r"\d{8}T\d{6}Z", "20261123T150000Z", t.replace(str(ledger.parent), "~/.local/share/callroom")))
            for t in desk.ledger_notices()]
    monkeypatch.setattr(desk, "ledger_notices", lambda: real)  # the same text, with a path, time and offset that do not vary
    assert snap_compare(CallroomApp(desk, ticker=lambda: 0.0, demo=True), terminal_size=size)

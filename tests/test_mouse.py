"""The mouse works too: the Footer's keys are buttons."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from callroom.domain.codes import Result
from callroom.store import open_store
from callroom.ui.app import CallroomApp
from callroom.ui.help import HelpScreen
from callroom.ui.history import HistoryScreen
from callroom.ui.session import SessionScreen


def footer_key(app, key: str) -> FooterKey:
    [k] = [k for k in app.screen.query(FooterKey) if k.key == key]
    return k


async def test_clicking_footer_keys_logs_a_call_and_opens_screens(demo_store, clock):
    app = CallroomApp(demo_store, clock=clock, ticker=lambda: 0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        first = s.slot.entry.client_id
        await pilot.click(footer_key(app, "h"))
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("escape")
        await pilot.click(footer_key(app, "r"))
        await pilot.pause()
        assert s.slot.draft.result is Result.REACHED
        await pilot.click(footer_key(app, "enter"))
        await pilot.pause()
        assert s.index == 1
        ro = open_store(demo_store.path, read_only=True)
        assert [c.result for c in ro.calls.for_client(first) if c.session_id == s.session.id] == [Result.REACHED]
        ro.close()
        await pilot.click(footer_key(app, "question_mark"))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)

"""A ledger with nobody to call today: say why, and still reach the report and the import."""

from __future__ import annotations

import pytest

from dataclasses import replace

from callroom.ui.app import CallroomApp, NothingTodayScreen
from callroom.ui.history import NotTodayScreen
from callroom.ui.report import ReportScreen

from domain_builders import ahead, ago, client, invoice, promise
from support import screen_text


def waiting_store(store):
    """One client, overdue, whose promise is not yet due: held, not queued."""
    c = store.clients.add(replace(client(1, "Juniper Hall"), id=None))
    store.ledger.invoices.add(replace(invoice("J-1", "800.00", overdue=40, client_id=c.id), id=None))
    store.promises.add(replace(promise(ago(2), ahead(3), "800.00", invoices=("J-1",), client_id=c.id), id=None))
    return store


async def test_nothing_today_says_who_waits_and_opens_the_report(empty_store, clock):
    app = CallroomApp(waiting_store(empty_store), clock=clock, ticker=lambda: 0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, NothingTodayScreen)
        assert "1 client is waiting on a date" in screen_text(app)
        await pilot.press("z")
        await pilot.pause()
        assert isinstance(app.screen, NotTodayScreen)
        assert "Juniper Hall" in screen_text(app) and "promise due 26 Nov" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
        assert "$800.00" in screen_text(app)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_nothing_today_snapshot(snap_compare, tmp_path, clock, size):
    from callroom.store import open_store

    store = waiting_store(open_store(tmp_path / "l.jsonl"))
    assert snap_compare(CallroomApp(store, clock=clock, ticker=lambda: 0.0), terminal_size=size)


async def test_enter_on_the_not_today_list_calls_that_client_now(demo_store, clock):
    from callroom.ui.session import SessionScreen

    from support import app_for, screen_text

    app = app_for(demo_store, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        s = app.screen
        assert isinstance(s, SessionScreen)
        await pilot.press("z")
        await pilot.pause()
        assert isinstance(app.screen, NotTodayScreen)
        assert "Call anyway" in screen_text(app).splitlines()[-1]  # the Footer says what Enter does
        held = app.screen.queue.not_today[1]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.screen is s
        assert s.slot.entry.client_id == held.client_id and s.slot.entry.name == held.name
        assert held.name in screen_text(app)

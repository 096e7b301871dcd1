"""The report overlay (R, or "Report" in the palette), by keys; and SVG snapshots of it and
of the payment form (pytest-textual-snapshot).

Regenerate these snapshots only after an intended change:
pytest tests/test_report_ui.py -k snapshot --snapshot-update
"""

from __future__ import annotations

import pytest

from callroom import demo
from callroom.domain.clock import Clock
from callroom.domain.codes import Reason, Result
from callroom.store import open_store
from callroom.ui.app import CallroomApp
from callroom.ui.report import ReportScreen
from callroom.ui.session import SessionScreen

from support import NOW, TODAY, app_for, screen_text

SIZES = [(80, 24), (120, 40)]


async def test_report_opens_over_the_call_and_closes_back_to_it(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s = app.screen
        assert isinstance(s, SessionScreen)
        await pilot.press("r", "1", "o", *"call back after lunch", "escape")
        await pilot.press("R")
        assert isinstance(app.screen, ReportScreen)
        await pilot.pause()
        text = screen_text(app)
        assert "Open balances by age" in text and "€23,210.00 in 11 open invoices" in text
        assert "█" in text  # the aging bars
        r = app.screen.report
        assert r.as_of == TODAY
        assert [f.client for f in r.followups] == ["Hofmann Maschinenbau GmbH", "Harrow Street Dental", "Kingfisher Architects"]
        await pilot.press("escape")
        assert app.screen is s
        assert s.slot.draft.result is Result.REACHED and s.slot.draft.reason is Reason.CASH_FLOW
        assert s.query_one("#note").value == "call back after lunch"


async def test_report_sections_and_trend_toggle(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 110)) as pilot:
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        text = screen_text(app)
        for part in ("Promises (judged once their date has passed)", "Kept 1 of 2", "Calls per session", "All calls",
                     "Collected within 30 days after reaching the client", "Follow-ups due Mon 23 Nov to Sun 29 Nov",
                     "Call Kingfisher Architects: get back about the dispute"):
            assert part in text, part
        assert "2026-11" in text and "per month" in text
        await pilot.press("t")
        await pilot.pause()
        assert app.screen.trend_by == "week" and app.screen.report.trend[-1].period == "2026-W47"
        assert "per week" in screen_text(app)
        await pilot.press("q")  # q closes the report; it does not end the session
        assert isinstance(app.screen, SessionScreen)


async def test_report_from_the_palette(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p", *"Report")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)


async def test_report_counts_a_call_made_in_this_session(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s = app.screen
        await pilot.press("r", "1", "p", "enter", "enter")  # reached, cash flow, promise: saved
        await pilot.press("R")
        r = app.screen.report
        (mine,) = r.sessions
        assert mine.session_id == s.session.id
        assert (mine.calls, mine.reached, mine.promises, mine.reach_rate, mine.promise_rate) == (1, 1, 1, 1.0, 1.0)
        assert mine.promised == {"EUR": s.desk.store.promises.for_client(s.slots[0].entry.client_id)[-1].amount}


def make_app(tmp_path) -> CallroomApp:
    store = open_store(tmp_path / "ledger.jsonl")
    demo.load(store, TODAY)
    return CallroomApp(store, clock=Clock.at(NOW), ticker=lambda: 0.0, demo=True)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("keys", [pytest.param(["R"], id="report"), pytest.param(["dollar_sign"], id="payment-form")])
def test_snapshot(snap_compare, tmp_path, keys, size):
    assert snap_compare(make_app(tmp_path), press=keys, terminal_size=size)


def test_a_client_name_with_brackets_is_shown_as_it_is_in_the_follow_ups(demo_store, clock):
    from dataclasses import replace

    from rich.console import Console

    from callroom.domain import report as report_mod
    from callroom.ui.report import followups_view

    c = demo_store.clients.find("Harrow Street Dental")
    demo_store.clients.save(replace(c, name="[i]Harrow[/i] Street Dental"))
    r = report_mod.build(demo_store.client_files(), demo_store.sessions.all(), TODAY)
    console = Console(record=True, width=120)
    console.print(followups_view(r))
    assert "[i]Harrow[/i] Street Dental" in console.export_text()

"""The escalation desk in the app: the Escalate stage shows the routes with their figures,
X chooses one on the record (what the store holds, what the screen shows), F writes the
case file, the Profile screen takes the owner's costs and refuses nonsense in place, the
palette's filters show clients and money at each stage; snapshots of the routes screen
at 80x24 and 120x40."""

from __future__ import annotations

from datetime import timedelta

import pypdf
import pytest

from callroom.domain.clock import Clock
from callroom.domain.codes import Outcome, Result
from callroom.ui.escalation import EscalationScreen
from callroom.ui.session import SessionScreen
from callroom.ui.writing import MessageScreen

from support import NOW, TODAY, app_for, on_disk, screen_text
from test_snapshots import SIZES, make_app


def words(app) -> str:
    """The screen's text with runs of spaces as one (column widths move with scrollbars)."""
    return " ".join(screen_text(app).split())


@pytest.fixture(autouse=True)
def _cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the case file's folder is offered in the current folder


async def _to(pilot, store, name: str) -> int:
    """Go to a client as the palette's 'Call …' does."""
    cid = store.clients.find(name).id
    pilot.app.screen.call_client(cid)
    await pilot.pause()
    return cid


async def test_choosing_a_route_on_the_call_screen(demo_store):
    app = app_for(demo_store, Clock.at(NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        cid = await _to(pilot, demo_store, "Quarry Hill")
        await pilot.press("r", "7", "e")  # reached, won't pay, escalate: the Escalate stage
        await pilot.pause()
        text = screen_text(app)
        assert "Routes for $3,600.00 overdue:" in text
        assert "Notice* $25.00 $3,575.00 10" in words(app) and "Agency* $1,130.00 $2,470.00 30" in words(app)
        await pilot.press("X")
        await pilot.pause()
        assert isinstance(app.screen, EscalationScreen)
        text = screen_text(app)
        assert "Escalate: Quarry Hill Brewing Co  ·  $3,600.00 overdue, oldest 150 days" in text
        assert "Collection agency* $1,130.00 $2,470.00 30 days" in words(app)
        await pilot.press("down", "down")  # the agency
        await pilot.pause()
        why = str(app.screen.query_one("#escalation-why").content)
        assert why.startswith("Collection agency: $3,600.00 if paid in full; costs: 30% commission $1,080.00 + your time $50.00")
        assert "back in the queue Wed 23 Dec 2026" in why
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        [step] = demo_store.escalations.for_client(cid)
        assert (step.route, str(step.cost), step.check) == ("agency", "1130.00", TODAY + timedelta(days=30))
        assert any(n.message.startswith("Recorded: Collection agency for Quarry Hill Brewing Co · estimated cost $1,130.00 · back in the queue Wed 23 Dec")
                   for n in app._notifications)
        assert "Next action: Wed 23 Dec" in screen_text(app)  # the call follows the route's check date (resolved, as stored)
        await pilot.press("enter")  # save the call
        await pilot.pause()
    disk = on_disk(demo_store)
    try:
        [step] = disk.escalations.for_client(cid)
        last = max(disk.calls.for_client(cid), key=lambda c: c.at)
        assert (last.result, last.outcome, last.next_action) == (Result.REACHED, Outcome.ESCALATE, TODAY + timedelta(days=30))
    finally:
        disk.close()


async def test_a_route_chosen_without_a_call_moves_on_and_a_final_notice_opens_the_letter(demo_store):
    app = app_for(demo_store, Clock.at(NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        cid = await _to(pilot, demo_store, "Northgate")
        before = app.screen.index
        await pilot.press("X")
        await pilot.pause()
        await pilot.press("down", "enter")  # the lawyer's letter
        await pilot.pause()
        assert app.screen.slot.entry.client_id != cid and app.screen.index == before + 1
        assert [s.route for s in demo_store.escalations.for_client(cid)] == ["lawyer"]
        cid = await _to(pilot, demo_store, "Quarry Hill")
        await pilot.press("X")
        await pilot.pause()
        await pilot.press("enter")  # the final notice: its letter, ready to send
        await pilot.pause()
        assert isinstance(app.screen, MessageScreen)
        assert "Final notice to Quarry Hill Brewing Co" in screen_text(app)
        assert "to be paid by December 3, 2026" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen) and app.screen.slot.entry.client_id != cid


async def test_a_route_not_available_is_refused_in_place_and_withdraw_ends_one(demo_store):
    app = app_for(demo_store, Clock.at(NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        cid = app.screen.slot.entry.client_id
        assert demo_store.clients.get(cid).name == "Hofmann Maschinenbau GmbH"
        await pilot.press("X")
        await pilot.pause()
        rows = app.screen.rows
        court = next(i for i, e in enumerate(rows) if e.route.value == "small-claims")
        assert not rows[court].available
        await pilot.press(*["down"] * court, "enter")
        await pilot.pause()
        assert "Small claims court is not available: over the limit of €10,000.00." in screen_text(app)
        assert demo_store.escalations.for_client(cid) == []
        await pilot.press("w")
        await pilot.pause()
        assert "No route stands for this client." in screen_text(app)
        assert rows[court - 2].route.value == "settle"
        await pilot.press("up", "up", "enter")  # the settlement
        await pilot.pause()
        assert app.screen.slot.entry.client_id != cid  # nothing keyed in for Hofmann: on to the next client
        await pilot.press("left_square_bracket", "X")
        await pilot.pause()
        assert app.screen.client_id == cid
        await pilot.pause()
        assert "Standing: Settle for less for €13,950.00" in screen_text(app)
        await pilot.press("w")
        await pilot.pause()
    [step] = demo_store.escalations.for_client(cid)
    assert (step.route, step.end) == ("settle", "withdrawn")


async def test_the_case_file_key_writes_the_folder_and_asks_before_replacing(demo_store, tmp_path):
    app = app_for(demo_store, Clock.at(NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await _to(pilot, demo_store, "Quarry Hill")
        await pilot.press("F")
        await pilot.pause()
        folder = tmp_path / "casefile Quarry Hill Brewing Co 2026-11-23"
        assert app.screen.query_one("#prompt-input").value == str(folder)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any(n.message.startswith(f"Wrote the case file for Quarry Hill Brewing Co in {folder}") for n in app._notifications)
        assert (folder / "casefile.pdf").is_file() and (folder / "statement.csv").is_file() and (folder / "contact-log.csv").is_file()
        text = "\n".join(p.extract_text() for p in pypdf.PdfReader(folder / "casefile.pdf").pages)
        assert "Case file: Quarry Hill Brewing Co" in text and "1019" in text
        stamp = (folder / "casefile.pdf").stat().st_mtime_ns
        await pilot.press("F")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        error = str(app.screen.query_one("#prompt-error").content)
        assert "already holds a case file" in error and "press Enter again to replace it" in error
        assert (folder / "casefile.pdf").stat().st_mtime_ns == stamp
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert (folder / "casefile.pdf").stat().st_mtime_ns != stamp
        await _to(pilot, demo_store, "Westfield")  # owes nothing: says so, asks nothing
        await pilot.press("F")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)


async def test_the_profile_screen_takes_costs_and_refuses_nonsense_in_place(demo_store):
    app = app_for(demo_store, Clock.at(NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("P")
        await pilot.pause()
        assert app.screen.query_one("#d-cost-agency").placeholder == "example: commission:30%, minimum:200, hours:1, days:30"
        app.screen.query_one("#d-cost-agency").value = "commission:120%"
        await pilot.press("enter")
        await pilot.pause()
        assert "collection agency commission: 120% is more than 100%" in screen_text(app)
        assert app.screen.focused.id == "d-cost-agency"
        assert "costs" not in demo_store.settings.profile.extra
        app.screen.query_one("#d-cost-agency").value = "commission:25%, days:45"
        app.screen.query_one("#d-cost-hourly").value = "80"
        await pilot.press("enter")
        await pilot.pause()
        assert "Business profile" not in screen_text(app)
    book = demo_store.settings.profile.extra["costs"]["USD"]
    assert book == {"hourly": "80", "routes": {"agency": {"commission": "25", "days": 45}}}


async def test_the_palette_filters_show_clients_and_money_at_each_stage(demo_store):
    app = app_for(demo_store, Clock.at(NOW))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s = app.screen
        entries = {name: (helptext, action) for name, helptext, action in s.filter_commands()}
        helptext, action = entries["Filter: escalation: Escalation review (no route yet)"]
        assert helptext == "2 clients in today's queue; $16,505.25"  # Quarry Hill and Northgate (Harrow Street waits on a promise)
        await s.run_action(action)
        await pilot.pause()
        assert s.filters.stage == "review"
        left = [x.entry.name for x in s.slots if x.saved_call_id is None]
        assert "Quarry Hill Brewing Co" in left and "Delgado Family Dental" not in left
        assert "filter: escalation review" in screen_text(app)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_escalation_snapshot(snap_compare, tmp_path, size):
    async def run_before(pilot):
        await pilot.press("X")
        await pilot.pause()

    assert snap_compare(make_app(tmp_path), run_before=run_before, terminal_size=size)

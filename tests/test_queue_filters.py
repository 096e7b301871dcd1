"""Queue filters (domain/filters.py) and, in the session, filters from the command palette
and out-of-hours clients offered again when their calling hours open."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from callroom.domain import filters
from callroom.domain.clock import Clock
from callroom.domain.codes import Result, Stage
from callroom.domain.filters import QueueFilter
from callroom.domain.money import Totals
from callroom.domain.policy import Policy
from callroom.domain.queue import Entry
from callroom.ui.app import CallroomApp
from callroom.ui.forms import PromptForm
from callroom.ui.session import SessionScreen

from support import NOW, app_for

LA = ZoneInfo("America/Los_Angeles")
PARIS = ZoneInfo("Europe/Paris")


def entry(cid: int, tier: int = 3, owed: dict | None = None, zone: ZoneInfo | None = None, at: datetime = NOW) -> Entry:
    local = at.astimezone(zone) if zone else None
    ooh = local is not None and not (9 <= local.hour < 17 and local.weekday() < 5)
    return Entry(cid, f"Client {cid}", tier, "why", 1.0, Stage.PERSONAL, 40,
                 Totals({k: Decimal(v) for k, v in (owed or {"USD": "100"}).items()}), local, ooh)


# ---------------------------------------------------------------- the pure function

def test_empty_filter_keeps_everyone_in_order():
    es = [entry(3), entry(1, zone=LA), entry(2, tier=1)]
    assert filters.apply(es, QueueFilter(), NOW) == es
    assert not QueueFilter().active and QueueFilter().label() == ""


def test_callable_now_follows_the_clock_at_the_clients_end():
    la, paris, unknown = entry(1, zone=LA), entry(2, zone=PARIS), entry(3)
    flt = QueueFilter(callable_now=True)
    # 15:00 UTC: 07:00 in Los Angeles (closed), 16:00 in Paris (open); unknown zone counts as callable
    assert filters.apply([la, paris, unknown], flt, NOW) == [paris, unknown]
    later = NOW + timedelta(hours=2, minutes=5)  # 09:05 in LA, 18:05 in Paris
    assert filters.apply([la, paris, unknown], flt, later) == [la, unknown]
    saturday = NOW + timedelta(days=5, hours=2)
    assert filters.apply([la, paris], flt, saturday) == []
    assert filters.apply([la], flt, saturday, Policy(weekdays_only=False)) == [la]


def test_hours_now_recomputes_the_mark():
    la = entry(1, zone=LA)
    assert la.out_of_hours
    opened = filters.hours_now(la, NOW + timedelta(hours=2, minutes=2), Policy())
    assert not opened.out_of_hours and (opened.local.hour, opened.local.minute) == (9, 2)
    assert filters.hours_now(entry(2), NOW) == entry(2)  # unknown zone: unchanged


def test_urgent_currency_and_minimum_balance_combine():
    a = entry(1, tier=1, owed={"EUR": "500"})
    b = entry(2, tier=2, owed={"USD": "5000", "EUR": "20"})
    c = entry(3, tier=3, owed={"EUR": "9000"})
    es = [a, b, c]
    assert filters.apply(es, QueueFilter(urgent_only=True), NOW) == [a, b]
    assert filters.apply(es, QueueFilter(currency="EUR"), NOW) == [a, b, c]
    assert filters.apply(es, QueueFilter(currency="USD"), NOW) == [b]
    assert filters.apply(es, QueueFilter(min_balance=Decimal(1000)), NOW) == [b, c]  # any one currency
    assert filters.apply(es, QueueFilter(currency="EUR", min_balance=Decimal(100)), NOW) == [a, c]  # in EUR
    both = QueueFilter(urgent_only=True, currency="EUR", min_balance=Decimal(100))
    assert filters.apply(es, both, NOW) == [a]
    assert both.label() == "follow-ups & broken promises · EUR · owes ≥ €100.00"
    assert QueueFilter(callable_now=True, min_balance=Decimal(1000)).label() == "callable now · owes ≥ 1,000"


def test_currencies_and_amounts():
    assert filters.currencies([entry(1, owed={"EUR": "1"}), entry(2, owed={"USD": "1", "EUR": "2"})]) == ["EUR", "USD"]
    assert filters.parse_amount(" 1,000.50 ") == Decimal("1000.50")
    for bad in ("abc", "-5", "nan", "1e999999999999"):
        with pytest.raises(ValueError):
            filters.parse_amount(bad)


# ---------------------------------------------------------------- in the session


def status(s: SessionScreen) -> str:
    return str(s.query_one("#status").content)


def card(s: SessionScreen) -> str:
    return str(s.query_one("#card").content)


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


async def palette(pilot, text: str) -> None:
    """Run a command palette entry by typing its name."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*text)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause()


async def test_callable_now_keeps_the_saved_call_and_the_draft(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        ooh = {e.client_id for e in s.queue.entries if e.out_of_hours}
        assert ooh  # the demo has clients in California at 07:00
        first = s.slot.entry.client_id
        await pilot.press("v", "enter")  # saved
        second = s.slot.entry.client_id
        await pilot.press("r", "2", "o", *"sent the PO", "escape")  # half entered
        await palette(pilot, "callable now")
        assert s.filters == QueueFilter(callable_now=True)
        assert "filter: callable now" in status(s)
        assert s.slot.entry.client_id == second  # still on the half-entered call
        assert s.slot.draft.result is Result.REACHED and s.query_one("#note").value == "sent the PO"
        ids = [x.entry.client_id for x in s.slots]
        assert ids[0] == first and s.slots[0].saved_call_id is not None
        assert not ooh & set(ids)
        assert len(s.slots) == len(s.queue.entries) - len(ooh)
        await palette(pilot, "filter clear")
        assert s.filters == QueueFilter() and "filter:" not in status(s)
        assert {x.entry.client_id for x in s.slots} == set(s.queue.ids())
        assert s.slot.entry.client_id == second and s.slot.draft.result is Result.REACHED


async def test_a_filter_nobody_matches_keeps_the_queue(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        before = [x.entry.client_id for x in s.slots]
        await palette(pilot, "minimum balance")
        assert isinstance(app.screen, PromptForm)
        await pilot.press(*"abc", "enter")
        assert "not an amount" in str(app.screen.query_one("#prompt-error").content)
        app.screen.query_one("#prompt-input").value = ""
        await pilot.press(*"1000000", "enter")
        assert app.screen is s
        assert any("No client still to call matches" in n for n in notes(app))
        assert s.filters == QueueFilter() and [x.entry.client_id for x in s.slots] == before
        await palette(pilot, "minimum balance")
        await pilot.press(*"5000", "enter")
        assert s.filters.min_balance == Decimal(5000)
        assert all(max(x.entry.owed.values()) >= 5000 for x in s.slots)
        assert "owes ≥ 5,000" in status(s)


async def test_currency_filter_one_command_per_currency(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        names = [n for n, _, _ in s.filter_commands()]
        assert {"Filter: currency EUR", "Filter: currency GBP", "Filter: currency USD"} <= set(names)
        await palette(pilot, "currency GBP")
        assert s.filters.currency == "GBP"
        assert [x.entry.name for x in s.slots][:1] == [s.slot.entry.name]
        assert all("GBP" in x.entry.owed for x in s.slots)
        await palette(pilot, "follow-ups and broken")  # nobody owing GBP is a follow-up: refused
        assert s.filters == QueueFilter(currency="GBP")


async def test_follow_ups_filter_reaches_an_out_of_hours_client_marked_and_callable(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        await palette(pilot, "follow-ups and broken")
        assert all(x.entry.tier <= 2 for x in s.slots)
        while not s.slot.entry.out_of_hours:
            await pilot.press("v", "enter")
        name = s.slot.entry.name
        assert "OUTSIDE CALLING HOURS" in card(s)
        assert any(n.startswith(f"{name}:") and "outside calling hours" in n for n in notes(app))
        cid = s.slot.entry.client_id
        await pilot.press("n", "enter")  # calling anyway is allowed
        assert [c.result for c in demo_store.calls.for_client(cid) if c.session_id == s.session.id] == [Result.NO_ANSWER]


async def test_out_of_hours_client_is_offered_when_its_hours_open(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        order = [x.entry.name for x in s.slots]
        first_ooh = next(x.entry for x in s.slots if x.entry.out_of_hours)
        assert first_ooh.name == "Quarry Hill Brewing Co"  # 08:00 in Denver at 15:00 UTC
        await pilot.press("v", "enter")
        assert s.slot.entry.name == order[1]  # nothing has opened yet
        app.desk.clock = Clock.at(NOW + timedelta(hours=1, minutes=2))  # 09:02 in Denver, 08:02 in California
        await pilot.press("v", "enter")
        assert s.slot.entry.name == "Quarry Hill Brewing Co"
        assert "Quarry Hill Brewing Co's hours have opened: 9:02 local. Calling them next." in notes(app)
        assert not s.slot.entry.out_of_hours and "OUTSIDE CALLING HOURS" not in card(s)
        await pilot.press("v", "enter")
        assert s.slot.entry.name == order[2]  # back to the queue's order; California is still closed
        later = [x.entry.name for x in s.slots[s.index:]]
        assert later[-6:] == order[-6:]
        assert len(s.slots) == len(order)

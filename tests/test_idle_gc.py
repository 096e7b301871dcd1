"""With a big ledger, full garbage collections wait for a moment with no keypress."""

from __future__ import annotations

import collections
import gc

import pytest

from callroom.ui.app import IDLE_GC_AFTER_S, IDLE_GC_CAP, CallroomApp


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def frozen():
    """What opening a big ledger does (callroom.store.journal._parse): objects frozen."""
    before = gc.get_freeze_count()
    gc.freeze()
    yield
    if not before:
        gc.unfreeze()


async def test_full_collections_wait_for_idle_moments_and_the_thresholds_come_back(demo_store, clock, frozen):
    saved = gc.get_threshold()
    tick = Clock()
    app = CallroomApp(demo_store, clock=clock, ticker=tick)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert gc.get_threshold() == (saved[0], saved[1], IDLE_GC_CAP) and IDLE_GC_CAP > saved[2]  # rarer on its own

        await pilot.press("h")  # a keypress: not idle
        for _ in range(3):
            gc.collect(1)  # younger collections promote objects: a full one is due
        assert gc.get_count()[2] > 0
        tick.t += IDLE_GC_AFTER_S / 2
        app._collect_when_idle()
        assert gc.get_count()[2] > 0  # pressed a moment ago: held back

        tick.t += IDLE_GC_AFTER_S
        app._collect_when_idle()
        assert gc.get_count()[2] == 0  # idle: collected
        await pilot.press("escape")
    assert gc.get_threshold() == saved


async def test_a_small_ledger_leaves_the_collector_alone(demo_store, clock):
    gc.unfreeze()  # whatever an earlier test in this process froze: a small ledger freezes nothing
    saved = gc.get_threshold()
    app = CallroomApp(demo_store, clock=clock, ticker=Clock())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert gc.get_threshold() == saved


async def test_a_session_with_no_pause_still_collects_its_garbage(demo_store, clock, frozen):
    """Keys pressed back to back (no idle moment): the garbage of their screens is collected all
    the same, within 50 collections of the middle generation (Python's own rate is 10), not left
    to grow for the whole session."""
    tick = Clock()
    app = CallroomApp(demo_store, clock=clock, ticker=tick)
    full: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert gc.get_threshold()[2] == IDLE_GC_CAP
        gc.callbacks.append(seen)
        try:
            # What the screens of keys pressed back to back leave: objects in reference cycles
            # that lived long enough to reach the oldest generation. Enough allocations for 50
            # collections of the middle generation, nothing pressed.
            per_middle = gc.get_threshold()[0] * gc.get_threshold()[1]
            window: collections.deque = collections.deque(maxlen=3 * per_middle)
            for _ in range(50 * per_middle):
                a: list = []
                a.append(a)
                window.append(a)
            assert full, "no full collection in a session that never pauses"
        finally:
            gc.callbacks.remove(seen)
        await pilot.press("escape")

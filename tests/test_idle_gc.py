"""With a big ledger, full garbage collections wait for a moment with no keypress."""

from __future__ import annotations

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
        assert gc.get_threshold() == (saved[0], saved[1], IDLE_GC_CAP) and IDLE_GC_CAP > 10 * saved[2]  # rarely on its own

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

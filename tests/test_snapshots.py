"""SVG snapshots of every screen at 80x24 and 120x40 (pytest-textual-snapshot).

Regenerate after an intended change with: pytest tests/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path

import pytest

from callroom import demo
from callroom.domain.clock import Clock
from callroom.store import open_store
from callroom.ui.app import CallroomApp

from support import NOW, TODAY

SIZES = [(80, 24), (120, 40)]


def make_app(tmp_path, *, empty: bool = False) -> CallroomApp:
    store = open_store(tmp_path / "ledger.jsonl")
    if not empty:
        demo.load(store, TODAY)
    else:
        store.path = Path("~/.local/share/callroom/ledger.jsonl")  # shown on screen; tmp_path differs per run
    return CallroomApp(store, clock=Clock.at(NOW), ticker=lambda: 0.0, demo=not empty)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(
    "keys",
    [
        pytest.param([], id="session"),
        pytest.param(["r", "1"], id="session-flex"),
        pytest.param(["r", "1", "p"], id="promise-form"),
        pytest.param(["r", "1", "l"], id="plan-form"),
        pytest.param(["r", "2", "x"], id="dispute-form"),
        pytest.param(["h"], id="history"),
        pytest.param(["z"], id="not-today"),
        pytest.param(["question_mark"], id="help"),
        pytest.param(["r", "7", "e"], id="escalate"),
        pytest.param(["r", "1", "m"], id="paid-form"),
        pytest.param(["r", "1", "b"], id="callback-form"),
        pytest.param(["r", "1", "p", *"99999", "enter"], id="promise-over-balance"),
        pytest.param(["r", "1", "l", "enter"], id="plan-stored"),
        pytest.param(["v"], id="voicemail"),
        pytest.param(["a"], id="next-action-form"),
        pytest.param(["k"], id="skip-form"),
        pytest.param(["q"], id="confirm-end"),
    ],
)
def test_screens(snap_compare, tmp_path, keys, size):
    assert snap_compare(make_app(tmp_path), press=keys, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_summary(snap_compare, tmp_path, size):
    async def run_before(pilot):
        await pilot.press("r", "1", "p", "enter", "enter", "v", "enter", "q", "y")
        app = pilot.app
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(make_app(tmp_path), run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_not_yet_due_kept_apart(snap_compare, tmp_path, size):
    """Atelier Vos: overdue and not yet due apart on the call screen, and in the promise form."""

    async def run_before(pilot):
        s = pilot.app.screen
        s.call_client(s.desk.find_client("Atelier Vos").id)
        await pilot.pause()
        await pilot.press("r", "1", "p")
        await pilot.pause()

    assert snap_compare(make_app(tmp_path), run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_empty_ledger(snap_compare, tmp_path, size):
    assert snap_compare(make_app(tmp_path, empty=True), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ["qbo_open_invoices.csv", "bad/bad_amount_malformed.csv"], ids=["preview", "refused"])
def test_import_screen(snap_compare, tmp_path, monkeypatch, size, name):
    monkeypatch.chdir(Path(__file__).parent / "fixtures" / "csv")  # the path typed is shown on screen

    async def run_before(pilot):
        await pilot.press("i", *name, "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(tmp_path, empty=True), run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("case", ["question", "older"])
def test_import_screen_asks(snap_compare, tmp_path, monkeypatch, size, case):
    """The import window asking: a likely same client (s/k), or older facts to accept (a)."""
    from decimal import Decimal

    from callroom.domain.models import Client, Invoice

    app = make_app(tmp_path, empty=True)
    client = app.desk.store.clients.add(Client(None, "Anna Kowalski"))
    app.desk.store.ledger.invoices.add(Invoice(None, client.id, "1059", "USD", Decimal("440.00")))
    export = tmp_path / "export.csv"
    rows = ('"Kowalski, Anna",2001,300.00' if case == "question" else "Anna Kowalski,1059,640.00")
    export.write_text("As of March 31, 2026\n\nCustomer,Invoice,Balance\n" + rows + "\n", encoding="utf-8")

    async def run_before(pilot):
        await pilot.press("i", *str(export.name), "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    monkeypatch.chdir(tmp_path)  # the path typed is shown on screen
    assert snap_compare(app, run_before=run_before, terminal_size=size)

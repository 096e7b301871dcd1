"""LineTable: the history overlay's table (one strip a line, drawn only when on screen)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

from callroom.domain.history import KINDS
from callroom.ui.timeline import LineTable, one_line
from support import app_for, screen_text

ROWS = [(f"2026-11-{d:02d}", "call", f"Note {d}") for d in range(30, 0, -1)]


class Host(App):
    def __init__(self, rows):
        super().__init__()
        self.rows = rows
        self.seen: list[int] = []

    def compose(self) -> ComposeResult:
        yield Static("above")
        yield LineTable(id="t")

    def on_mount(self) -> None:
        t = self.query_one(LineTable)
        t.set_rows(self.rows, at_least=[4, 4])
        t.focus()

    def on_line_table_highlighted(self, event: LineTable.Highlighted) -> None:
        self.seen.append(event.row)


def lines(app) -> list[str]:
    return screen_text(app).splitlines()


async def test_keys_move_the_cursor_and_say_where_it_is():
    app = Host(ROWS)
    async with app.run_test(size=(60, 12)) as pilot:
        t = app.query_one(LineTable)
        assert t.row_count == 30 and t.cursor_row == 0
        await pilot.press("down", "down")
        assert t.cursor_row == 2 and app.seen[-1] == 2
        await pilot.press("up", "up", "up")  # never above the first
        assert t.cursor_row == 0
        await pilot.press("end")
        assert t.cursor_row == 29
        assert any("Note 1" in line for line in lines(app))  # scrolled to show it
        assert not any("Note 30" in line for line in lines(app))
        await pilot.press("home")
        assert t.cursor_row == 0 and any("Note 30" in line for line in lines(app))
        await pilot.press("pagedown")
        assert 5 <= t.cursor_row < 12
        await pilot.press("down", "down", "down", "down", "down", "down", "down", "down", "down", "down", "down", "down")
        assert 17 <= t.cursor_row < 24


async def test_a_click_picks_the_row_clicked():
    app = Host(ROWS)
    async with app.run_test(size=(60, 12)) as pilot:
        t = app.query_one(LineTable)
        await pilot.click(LineTable, offset=(3, 4))
        assert t.cursor_row == 4 and app.seen[-1] == 4


async def test_columns_line_up_and_text_is_shown_as_typed():
    rows = [("2026-11-01", "call", "Paid [bold]soon[/bold], said \x1b[31mnothing\nelse"),
            ("2026-10-01", "promise", "日本語の請求書 ok")]
    app = Host(rows)
    async with app.run_test(size=(70, 8)) as pilot:
        t = app.query_one(LineTable)
        assert t.widths == [10, 7]
        shown = lines(app)
        first = next(line for line in shown if line.startswith("2026-11-01"))
        assert first.startswith("2026-11-01  call     Paid [bold]soon[/bold], said  [31mnothing else")
        second = next(line for line in shown if line.startswith("2026-10-01"))
        assert second.startswith("2026-10-01  promise  日本語の請求書 ok")


def test_one_line_turns_control_characters_into_spaces():
    assert one_line("a\nb\tc\x1bd") == "a b c d"
    assert one_line("plain") == "plain"


async def test_no_rows_is_not_an_error():
    app = Host([])
    async with app.run_test(size=(40, 6)) as pilot:
        t = app.query_one(LineTable)
        await pilot.press("down", "end", "pagedown")
        assert t.row_count == 0 and t.cursor_row == 0


async def test_history_filter_and_search_refill_the_table(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("h")
        await pilot.pause()
        s = app.screen
        t = s.query_one(LineTable)
        total = t.row_count
        assert total == len(s.events) > 1
        kinds = {e.kind for e in s.events}
        await pilot.press("f")  # the first kind
        await pilot.pause()
        assert t.row_count == sum(1 for e in s.events if e.kind == s.kind) < total
        await pilot.press(*["f"] * len(KINDS))  # round to all again
        await pilot.pause()
        assert s.kind is None and t.row_count == total
        await pilot.press("slash", *"gatekeeper", "enter")
        await pilot.pause()
        assert 0 < t.row_count < total
        assert "Gatekeeper" in screen_text(app) and "call" in kinds
        await pilot.press("down")
        await pilot.press("escape")

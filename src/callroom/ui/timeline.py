"""A read-only table of one line per row, drawn with Textual's line API.

The history overlay shows a client's every call, promise and payment: hundreds of
rows. A ``DataTable`` measures and renders every cell through Rich when the rows
are added (about half the time to open the history of a client with 200 calls);
here the column widths are worked out once from the plain text, and only the lines
on screen are drawn, each as one strip, when they are shown.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

GAP = 2  # spaces between columns


def one_line(text: str) -> str:
    """``text`` on one line: line breaks, tabs and other control characters become spaces."""
    return "".join(ch if ch.isprintable() else " " for ch in text) if not text.isprintable() else text


class LineTable(ScrollView, can_focus=True):
    """Rows of plain-text cells, the last column taking what width is left; a cursor row
    moved with the arrow keys, Page Up/Down, Home/End or a click."""

    COMPONENT_CLASSES = {"line-table--cursor", "line-table--odd"}

    DEFAULT_CSS = """
    LineTable {
        background: $surface;
        & > .line-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .line-table--odd {
            background: $surface-lighten-1 40%;
        }
        &:blur > .line-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "to(0)", "First", show=False),
        Binding("end", "to(-1)", "Last", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Highlighted(Message):
        """The cursor moved to ``row``."""

        def __init__(self, table: "LineTable", row: int) -> None:
            super().__init__()
            self.table = table
            self.row = row

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._rows: list[tuple[str, ...]] = []
        self._widths: list[int] = []

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def widths(self) -> list[int]:
        """The width of each column but the last (which takes the rest)."""
        return list(self._widths)

    def set_rows(self, rows: Sequence[Sequence[str]], *, at_least: Sequence[int] = ()) -> None:
        """Show ``rows`` (cells of plain text), the cursor on the first. ``at_least``: the
        smallest width of each column (say, of its heading)."""
        clean = [tuple(one_line(c) for c in r) for r in rows]
        ncols = max((len(r) for r in clean), default=len(at_least))
        widths = [0] * max(ncols - 1, 0)
        for i in range(len(widths)):
            widths[i] = max([at_least[i] if i < len(at_least) else 0, *(cell_len(r[i]) for r in clean if i < len(r))])
        self._rows, self._widths = clean, widths
        last = max((cell_len(r[-1]) for r in clean if len(r) == ncols), default=0)
        self.virtual_size = Size(sum(widths) + GAP * len(widths) + last, len(clean))
        self.scroll_to(0, 0, animate=False)
        self.cursor_row = 0
        self.refresh()

    def line_text(self, index: int) -> str:
        """Row ``index`` as it is drawn, before cropping to the view."""
        row = self._rows[index]
        parts = [set_cell_size(c, w) + " " * GAP for c, w in zip(row, self._widths)]
        parts.extend(row[len(self._widths):])
        return "".join(parts)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= len(self._rows):
            return Strip.blank(width, base)
        if index == self.cursor_row:
            style = base + self.get_component_rich_style("line-table--cursor")
        elif index % 2:
            style = base + self.get_component_rich_style("line-table--odd")
        else:
            style = base
        text = set_cell_size(self.line_text(index), max(self.virtual_size.width, scroll_x + width))
        return Strip([Segment(text, style)]).crop(scroll_x, scroll_x + width).simplify()

    def watch_cursor_row(self, old: int, new: int) -> None:
        self.refresh_line(old)
        self.refresh_line(new)
        self.post_message(self.Highlighted(self, new))

    def refresh_line(self, index: int) -> None:
        y = index - self.scroll_offset.y
        if 0 <= y < self.scrollable_content_region.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def move_to(self, index: int) -> None:
        if not self._rows:
            return
        index = max(0, min(index, len(self._rows) - 1))
        self.cursor_row = index
        self.scroll_to_region(Region(0, index, 1, 1), animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        self.move_to(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor_row + direction * max(1, self.scrollable_content_region.height - 1))

    def action_to(self, index: int) -> None:
        self.move_to(index if index >= 0 else len(self._rows) - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            self.move_to(self.scroll_offset.y + offset.y)

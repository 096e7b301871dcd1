"""Overlays: the client's whole history mid-call, and the 'not today' list."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Label, Static

from ..domain.history import KINDS, timeline
from ..domain.queue import Queue
from ..services import Desk
from .timeline import GAP, LineTable


HEADINGS = ("When", "Kind", "What")


class HistoryScreen(ModalScreen[None]):
    """Everything said and agreed with one client, newest first. Esc returns to the call
    exactly as it was: this overlay never touches the call screen's fields."""

    BINDINGS = [
        Binding("escape,h", "close", "Back to call", id="history.close", tooltip="Return to the call; nothing is lost"),
        Binding("f", "filter", "Filter kind", id="history.filter", tooltip="Cycle: all, calls, written, routes, promises, plans, disputes, payments, invoices"),
        Binding("slash", "search", "Search notes", id="history.search", tooltip="Search the notes and titles"),
        Binding("W", "write", "Write", id="history.write", tooltip="Write the message that follows the call on this row (else a reminder)"),
    ]

    def __init__(self, desk: Desk, client_id: int):
        super().__init__()
        self.desk = desk
        self.client_id = client_id
        self.kind: str | None = None
        self.text = ""
        cf = desk.client_file(client_id)
        self.client = cf.client
        self.events = timeline(cf, desk.today(), written=desk.written_for(client_id))

    def compose(self) -> ComposeResult:
        with Vertical(id="history"):
            yield Label(Text(f"History: {self.client.name}", style="bold"), id="history-title")
            yield Static(id="history-filter")
            yield Input(placeholder="search notes…", id="history-search")
            yield Static(id="history-head")
            yield LineTable(id="history-table")
            yield Static(id="history-detail")
        yield Footer()

    def on_mount(self) -> None:
        t = self.query_one(LineTable)
        self.query_one("#history-search").display = False
        self.fill()
        t.focus()

    def visible(self):
        needle = self.text.lower()
        return [e for e in self.events if (self.kind is None or e.kind == self.kind)
                and (not needle or needle in e.title.lower() or needle in e.detail.lower())]

    def fill(self) -> None:
        t = self.query_one(LineTable)
        rows = self.visible()
        # Plain text cells: a note with "[" in it is never read as markup.
        t.set_rows([(f"{e.when:%Y-%m-%d}", e.kind, e.title) for e in rows], at_least=[len(h) for h in HEADINGS[:-1]])
        head = "".join(h.ljust(w + GAP) for h, w in zip(HEADINGS, t.widths)) + HEADINGS[-1]
        self.query_one("#history-head", Static).update(Text(head, style="bold"))
        label = f"Showing {len(rows)} of {len(self.events)} · kind: {self.kind or 'all'}"
        if self.text:
            label += f" · search: {self.text!r}"
        self.query_one("#history-filter", Static).update(Text(label, style="dim"))
        self._detail(0)

    def _detail(self, row: int) -> None:
        rows = self.visible()
        detail = self.query_one("#history-detail", Static)
        if not rows:
            detail.update(Text("Nothing to show.", style="dim"))
            return
        e = rows[min(row, len(rows) - 1)]
        detail.update(Text(e.detail or "", style=""))

    @on(LineTable.Highlighted)
    def _row(self, event: LineTable.Highlighted) -> None:
        self._detail(event.row)

    def action_close(self) -> None:
        if self.focused is self.query_one("#history-search") and self.query_one("#history-search").display:
            self.query_one("#history-search").display = False
            self.query_one(LineTable).focus()
            return
        self.dismiss(None)

    def action_filter(self) -> None:
        kinds = [None, *KINDS]
        self.kind = kinds[(kinds.index(self.kind) + 1) % len(kinds)]
        self.fill()

    def action_write(self) -> None:
        from ..domain.messages import Kind
        from .writing import MessageScreen

        rows = self.visible()
        row = self.query_one(LineTable).cursor_row if rows else 0
        e = rows[min(row, len(rows) - 1)] if rows else None
        call_id = e.data.get("id") if e is not None and e.kind == "call" else None
        call = next((c for c in self.desk.client_file(self.client_id).calls if c.id == call_id), None)
        kind = self.desk.kind_after(call) if call is not None else Kind.REMINDER

        def reload(_=None) -> None:
            self.events = timeline(self.desk.client_file(self.client_id), self.desk.today(), written=self.desk.written_for(self.client_id))
            self.fill()

        self.app.push_screen(MessageScreen(self.desk, self.client_id, kind, call_id=call_id), reload)

    def action_search(self) -> None:
        box = self.query_one("#history-search", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#history-search")
    def _search(self, event: Input.Changed) -> None:
        self.text = event.value.strip()
        self.fill()

    @on(Input.Submitted, "#history-search")
    def _search_done(self) -> None:
        self.query_one(LineTable).focus()


class NotTodayScreen(ModalScreen[int | None]):
    """Who is left out of today's queue, and why. Enter calls one anyway."""

    BINDINGS = [
        Binding("escape,z", "close", "Back", id="nottoday.close", tooltip="Return to the session"),
        # priority: the table has the focus and would take Enter for itself (its own row selection)
        Binding("enter", "call", "Call anyway", id="nottoday.call", tooltip="Add this client to the session now", priority=True),
    ]

    def __init__(self, queue: Queue):
        super().__init__()
        self.queue = queue

    def compose(self) -> ComposeResult:
        with Vertical(id="history"):
            yield Label(Text(f"Not today ({len(self.queue.not_today)})", style="bold"), id="history-title")
            yield DataTable(id="nottoday-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        t = self.query_one(DataTable)
        t.add_columns("Client", "Why not today")
        for h in self.queue.not_today:
            t.add_row(Text(h.name), Text(h.why), key=str(h.client_id))  # Text: names are never read as markup
        t.focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_call(self) -> None:
        t = self.query_one(DataTable)
        if not self.queue.not_today:
            return
        self.dismiss(self.queue.not_today[t.cursor_row].client_id)

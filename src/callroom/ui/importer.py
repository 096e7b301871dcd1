"""Import invoices from inside the app: files, options, a preview, then one durable write.

The same steps as ``callroom import`` (``callroom.services.imports``): the ledger's side is
taken on the UI thread (``Desk.import_request``), every file is parsed and planned against
it in a thread worker (``read_and_plan``), the plan's summary is shown, and nothing is
stored until the user confirms (``Desk.apply_import``: one write).
A refused file (missing, unreadable, ambiguous dates…) is shown in place and changes
nothing. The screen returns the stored counts, or None when nothing was stored.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static

from ..services import Desk
from ..services.errors import AmbiguousDateOrder, ImportError_, ReadOnly, StoreError
from ..services.imports import ImportPlan, ImportRequest, column_map, read_and_plan, split_column_map

ORDERS = (None, "dmy", "mdy", "ymd")
ORDER_TEXT = {
    None: "auto: worked out from the file's dates",
    "dmy": "dmy: day/month/year (31/03/2026)",
    "mdy": "mdy: month/day/year (03/31/2026)",
    "ymd": "ymd: year/month/day (2026/03/31)",
}


def split_paths(text: str) -> list[str]:
    """The files typed in the path box: separated by commas, or quoted ("a b.csv" c.csv);
    a single unquoted path may contain spaces. ~ is expanded later."""
    text = text.strip()
    if not text:
        return []
    if "," in text:
        parts = [p.strip().strip("'\"").strip() for p in text.split(",")]
        return [p for p in parts if p]
    if '"' in text or "'" in text:
        try:
            return [p for p in shlex.split(text) if p.strip()]
        except ValueError:
            return [text.strip("'\"")]
    return [text]


def resolve_paths(text: str) -> list[Path]:
    """The typed files as paths (~ expanded). Unquoted names separated by spaces are
    accepted when the whole text is not itself a file but every word is."""
    paths = [Path(p).expanduser() for p in split_paths(text)]
    if len(paths) == 1 and not paths[0].exists() and " " in text.strip():
        words = [Path(w).expanduser() for w in text.split()]
        if len(words) > 1 and all(w.is_file() for w in words):
            return words
    return paths


class ImportScreen(ModalScreen[dict | None]):
    """Type the files, set the options, read a preview, then store it (or not)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="import.cancel", tooltip="Close; nothing is stored"),
        Binding("enter,y", "confirm", "Store", id="import.confirm", tooltip="Store the changes shown in the preview"),
        Binding("ctrl+f", "toggle_full", "Full import", id="import.full", tooltip="Full import: close as paid open invoices missing from the files"),
        Binding("ctrl+o", "cycle_order", "Date order", id="import.order", tooltip="Day/month order: auto, dmy, mdy, ymd"),
    ]

    class Planned(Message):
        def __init__(self, generation: int, plan: ImportPlan):
            super().__init__()
            self.generation = generation
            self.plan = plan

    class Failed(Message):
        def __init__(self, generation: int, message: str, ambiguous: bool = False):
            super().__init__()
            self.generation = generation
            self.message = message
            self.ambiguous = ambiguous

    def __init__(self, desk: Desk, path: str = ""):
        super().__init__()
        self.desk = desk
        self.initial = path
        self.full = False
        self.order: str | None = None
        self.state = "edit"  # edit -> reading -> preview | error; stored
        self.plan: ImportPlan | None = None
        self.generation = 0
        self.read_text: tuple[str, str] = ("", "")  # the path and column texts the preview or error is about

    def compose(self) -> ComposeResult:
        with Vertical(id="import"):
            yield Label(Text("Import invoices", style="bold"), id="import-title")
            yield Label("CSV exports (several: separate with commas; ~ is your home folder)")
            yield Input(value=self.initial, placeholder="~/Downloads/open-invoices.csv", id="import-path")
            yield Label("Columns, if a heading is not recognised (FIELD=Heading, …)")
            yield Input(placeholder="balance=Amount Due, due=Pay By", id="import-map")
            yield Static(id="import-options")
            with VerticalScroll(id="import-preview-scroll"):  # a long refusal scrolls with the preview
                yield Static(id="import-status")
                yield Static(id="import-preview")
            yield Static(id="import-help")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#import-preview-scroll").can_focus = True
        self.set_focus(self.query_one("#import-path", Input))
        self._show()

    # display
    def _show(self) -> None:
        t = Text()
        t.append("Full import ", style="bold")
        t.append("^f ", style="dim")
        if self.full:
            t.append("ON", style="bold yellow")
            t.append(": open invoices not in these files close as paid\n")
        else:
            t.append("off", style="bold")
            t.append(": open invoices not in these files stay open\n")
        t.append("Date order  ", style="bold")
        t.append("^o ", style="dim")
        t.append(ORDER_TEXT[self.order])
        self.query_one("#import-options", Static).update(t)
        hint = {
            "edit": "Enter: read and preview (nothing is stored yet) · Esc: cancel",
            "reading": "Reading… · Esc: cancel",
            "error": "Fix the path, the columns or an option, then Enter to read again · Esc: cancel",
            "preview": ("y/Enter: store · Tab: change the files · Esc: cancel, store nothing"
                        if self.plan is not None and self.plan.has_changes else "Nothing to store · Esc: close"),
            "stored": "",
        }[self.state]
        self.query_one("#import-help", Static).update(Text(hint, style="dim"))
        self.refresh_bindings()

    def _status(self, text: str | Text) -> None:
        self.query_one("#import-status", Static).update(text)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "confirm":
            return True if self.state == "preview" and self.plan is not None and self.plan.has_changes else None
        return True

    # reading
    def _texts(self) -> tuple[str, str]:
        return self.query_one("#import-path", Input).value, self.query_one("#import-map", Input).value

    @on(Input.Submitted, "#import-path, #import-map")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()  # the Enter of the path box reads the files; it never stores
        self.read()

    @on(Input.Changed, "#import-path, #import-map")
    def _changed(self, event: Input.Changed) -> None:
        if self.state in ("preview", "error") and self._texts() != self.read_text:
            self.state = "edit"
            self.plan = None
            self._status("")
            self.query_one("#import-preview", Static).update("")
            self._show()

    def read(self) -> None:
        if self.state in ("reading", "stored"):
            return
        text, columns = self._texts()
        if not text.strip():
            self.state = "error"
            self._status(Text("Type the path of at least one CSV file exported from your accounting tool.", style="bold red"))
            self._show()
            return
        try:
            mapping = column_map(split_column_map(columns)) or None
        except ValueError as e:
            self.state = "error"
            self.read_text = (text, columns)
            self._status(Text(f"Columns: {e}. Nothing was read.", style="bold red"))
            self._show()
            self.set_focus(self.query_one("#import-map", Input))
            return
        req = self.desk.import_request(resolve_paths(text), full=self.full, order=self.order, mapping=mapping)
        self.generation += 1
        self.read_text = (text, columns)
        self.state = "reading"
        self.plan = None
        self._status(Text("Reading and checking the files…", style="italic"))
        self.query_one("#import-preview", Static).update("")
        self._show()
        self._plan_worker(self.generation, req)

    @work(thread=True, exclusive=True, group="import-read")
    def _plan_worker(self, generation: int, req: ImportRequest) -> None:
        # Only messages leave this thread; the handlers below own the screen's state.
        try:
            plan = read_and_plan(req)
        except AmbiguousDateOrder as e:
            self.post_message(self.Failed(generation, str(e), ambiguous=True))
        except (ImportError_, ValueError) as e:
            self.post_message(self.Failed(generation, str(e)))
        except OSError as e:
            self.post_message(self.Failed(generation, f"{e.filename or 'file'}: {e.strerror or e}. Nothing was imported."))
        except Exception as e:  # a bug must not take the session down with it
            self.post_message(self.Failed(generation, f"Could not read the files ({type(e).__name__}: {e}). Nothing was imported."))
        else:
            self.post_message(self.Planned(generation, plan))

    @on(Failed)
    def _failed(self, msg: Failed) -> None:
        if msg.generation != self.generation or self.state != "reading":
            return
        self.state = "error"
        t = Text(msg.message, style="bold red")
        if msg.ambiguous:
            t.append("\nChoose the date order with ctrl+o (now: ", style="bold")
            t.append(self.order or "auto", style="bold")
            t.append("); the files are read again at once.", style="bold")
        self._status(t)
        self._show()
        self.set_focus(self.query_one("#import-path", Input))

    @on(Planned)
    def _planned(self, msg: Planned) -> None:
        if msg.generation != self.generation or self.state != "reading":
            return
        self.state = "preview"
        self.plan = msg.plan
        if msg.plan.has_changes:
            self._status(Text("Preview: nothing is stored until you press y or Enter.", style="bold"))
        else:
            self._status(Text("Nothing to store: the ledger already has all of this.", style="bold"))
        body = Text()
        for line in msg.plan.summary_lines():
            body.append(line + "\n", style="" if line.startswith(" ") else "bold")
        self.query_one("#import-preview", Static).update(body)
        self._show()
        self.set_focus(self.query_one("#import-preview-scroll"))

    # options
    def _reread(self) -> None:
        self._show()
        if self.state in ("preview", "error") and self.read_text[0].strip():
            self.state = "edit"
            self.read()

    def action_toggle_full(self) -> None:
        if self.state in ("reading", "stored"):
            return
        self.full = not self.full
        self._reread()

    def action_cycle_order(self) -> None:
        if self.state in ("reading", "stored"):
            return
        self.order = ORDERS[(ORDERS.index(self.order) + 1) % len(ORDERS)]
        self._reread()

    # the end
    def action_cancel(self) -> None:
        self.generation += 1  # a worker still reading is ignored
        self.dismiss(None)

    def action_confirm(self) -> None:
        if self.state != "preview" or self.plan is None or not self.plan.has_changes:
            return
        try:
            counts = self.desk.apply_import(self.plan)
        except (StoreError, ReadOnly, OSError) as e:
            self._status(Text(f"Not stored: {e}. Nothing from the files was stored.", style="bold red"))
            return
        self.state = "stored"
        self.dismiss(counts)


def stored_text(counts: dict) -> str:
    return (f"Imported: {counts.get('new_clients', 0)} new clients, {counts.get('new_invoices', 0)} new invoices, "
            f"{counts.get('updated_invoices', 0)} updated, {counts.get('payments', 0)} payments, "
            f"{counts.get('closed_invoices', 0)} closed.")


def open_import(screen, desk: Desk, done: Callable[[dict | None], None]) -> None:
    """Open the import screen over ``screen``; refused on a read-only ledger."""
    app = screen.app
    if any(isinstance(s, ImportScreen) for s in app.screen_stack):
        return
    if desk.read_only:
        app.notify("This ledger is open read-only: nothing can be imported. Open it without --read-only to import.",
                   title="Import", severity="error", timeout=8)
        return
    app.push_screen(ImportScreen(desk), done)

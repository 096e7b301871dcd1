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
from ..services.errors import (AmbiguousDateOrder, AmbiguousDecimalMark, AmbiguousSheet, ImportError_, ReadOnly,
                              StoreError)
from ..services.imports import (Decisions, ImportPlan, ImportRequest, column_map, read_and_plan, split_column_map,
                                stored_counts)

ORDERS = (None, "dmy", "mdy", "ymd")
DECIMALS = (None, "comma", "point")
DECIMAL_TEXT = {None: "auto", "comma": "comma (1.234,56)", "point": "point (1,234.56)"}
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
        Binding("s", "same", "Same client", id="import.same", tooltip="The name in the file is the client it looks like"),
        Binding("k", "separate", "Keep apart", id="import.separate", tooltip="The name in the file is another client"),
        Binding("a", "accept_older", "Accept older", id="import.accept_older",
                tooltip="Store the files although they would move facts back"),
        Binding("ctrl+f", "toggle_full", "Full import", id="import.full",
                tooltip="Full import: close as paid the open invoices of the files' kind of export that they no longer list"),
        Binding("ctrl+o", "cycle_order", "Date order", id="import.order", tooltip="Day/month order: auto, dmy, mdy, ymd"),
        Binding("ctrl+t", "cycle_decimal", "Decimal", id="import.decimal", tooltip="Decimal mark: auto, comma, point"),
        Binding("ctrl+g", "cycle_sheet", "Sheet", id="import.sheet", tooltip="Which sheet of a workbook to read"),
    ]

    class Planned(Message):
        def __init__(self, generation: int, plan: ImportPlan):
            super().__init__()
            self.generation = generation
            self.plan = plan

    class Failed(Message):
        def __init__(self, generation: int, message: str, ambiguous: bool = False, ask: str = "",
                     sheets: tuple[str, ...] = ()):
            super().__init__()
            self.generation = generation
            self.message = message
            self.ambiguous = ambiguous
            self.ask = ask        # "decimal" or "sheet": the option that answers it
            self.sheets = sheets

    def __init__(self, desk: Desk, path: str = ""):
        super().__init__()
        self.desk = desk
        self.initial = path
        self.full = False
        self.order: str | None = None
        self.decimal: str | None = None
        self.sheet: str | None = None
        self.sheets: tuple[str, ...] = ()   # the sheets a workbook offers, once it has asked
        self.decisions = Decisions()
        self.accept_older = False
        self.state = "edit"  # edit -> reading -> preview | error; stored
        self.plan: ImportPlan | None = None
        self.generation = 0
        self.read_text: tuple[str, str] = ("", "")  # the path and column texts the preview or error is about

    def compose(self) -> ComposeResult:
        with Vertical(id="import"):
            yield Label(Text("Import invoices", style="bold"), id="import-title")
            yield Label("CSV or Excel exports (several: separate with commas; ~ is your home folder)")
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
            t.append(": open invoices of their kind not in these files close as paid\n")
        else:
            t.append("off", style="bold")
            t.append(": open invoices not in these files stay open\n")
        t.append("Date order  ", style="bold")
        t.append("^o ", style="dim")
        t.append(ORDER_TEXT[self.order])
        t.append("\nDecimal ", style="bold")
        t.append("^t ", style="dim")
        t.append(DECIMAL_TEXT[self.decimal])
        t.append("   Sheet ", style="bold")
        t.append("^g ", style="dim")
        t.append(self.sheet or "auto")
        self.query_one("#import-options", Static).update(t)
        hint = {
            "edit": "Enter: read and preview (nothing is stored yet) · Esc: cancel",
            "reading": "Reading… · Esc: cancel",
            "error": "Fix the path, the columns or an option, then Enter to read again · Esc: cancel",
            "preview": self._preview_hint(),
            "stored": "",
        }[self.state]
        self.query_one("#import-help", Static).update(Text(hint, style="dim"))
        self.refresh_bindings()

    def _status(self, text: str | Text) -> None:
        self.query_one("#import-status", Static).update(text)

    def _preview_hint(self) -> str:
        plan = self.plan
        if plan is None or not plan.has_changes:
            return "Tab: change the files · Esc: close"  # the status line says there is nothing to store
        if plan.questions:
            return "s: same client · k: keep apart · Esc: cancel, store nothing"
        if plan.older and not plan.accept_older:
            return "a: accept the older facts · Esc: cancel, store nothing"
        return "y/Enter: store · Tab: change the files · Esc: cancel, store nothing"

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        plan = self.plan if self.state == "preview" else None
        if action == "confirm":
            return True if plan is not None and plan.has_changes and not plan.blocked else None
        if action in ("same", "separate"):
            return plan is not None and bool(plan.questions)
        if action == "accept_older":
            return plan is not None and not plan.questions and bool(plan.older) and not plan.accept_older
        if action == "cycle_sheet":
            return bool(self.sheets)
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
            if self._texts()[0] != self.read_text[0]:  # other files: earlier answers were about those
                self.decisions, self.accept_older, self.sheet, self.sheets = Decisions(), False, None, ()
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
        req = self.desk.import_request(resolve_paths(text), full=self.full, order=self.order, mapping=mapping,
                                       decimal=self.decimal, sheet=self.sheet, decisions=self.decisions,
                                       accept_older=self.accept_older)
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
        except AmbiguousDecimalMark as e:
            self.post_message(self.Failed(generation, str(e), ask="decimal"))
        except AmbiguousSheet as e:
            self.post_message(self.Failed(generation, str(e), ask="sheet", sheets=tuple(e.sheets)))
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
        if msg.ask == "decimal":
            t.append("\nChoose the decimal mark with ctrl+t (comma or point); the files are read again at once.",
                     style="bold")
        if msg.ask == "sheet":
            self.sheets = msg.sheets
            t.append("\nChoose the sheet with ctrl+g (" + ", ".join(msg.sheets) + "); the file is read again at once.",
                     style="bold")
        self._status(t)
        self._show()
        self.set_focus(self.query_one("#import-path", Input))

    @on(Planned)
    def _planned(self, msg: Planned) -> None:
        if msg.generation != self.generation or self.state != "reading":
            return
        self.state = "preview"
        self.plan = plan = msg.plan
        if plan.questions:
            q = plan.questions[0]
            t = Text(f"Is {q.name} (in the file) ", style="bold yellow")
            t.append(f"{q.candidate}" + (f" (#{q.candidate_id})" if q.candidate_id is not None else " (also in the files)"),
                     style="bold yellow")
            t.append(f"? {'; '.join(q.why)}.", style="bold yellow")
            more = len(plan.questions) - 1
            t.append(f"\ns: same client · k: keep apart" + (f" ({more} more to decide)" if more else "")
                     + ". Nothing is stored until every one is decided.", style="bold")
            self._status(t)
        elif plan.older and not plan.accept_older:
            self._status(Text("These files would move facts back (listed below: older than the ledger). Check they "
                              "are your newest export; a: accept the older facts, then y to store.", style="bold red"))
        elif plan.has_changes:
            self._status(Text("Preview: nothing is stored until you press y or Enter.", style="bold"))
        else:
            self._status(Text("Nothing to store: the ledger already has all of this.", style="bold"))
        body = Text()
        for line in msg.plan.summary_lines(full_hint="ctrl+f (Full import)",
                                           all_hint="callroom import FILE --dry-run --explain lists them all"):
            if not msg.plan.has_changes and line.startswith("Nothing to change"):
                continue  # the status line above says it once
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

    def action_cycle_decimal(self) -> None:
        if self.state in ("reading", "stored"):
            return
        self.decimal = DECIMALS[(DECIMALS.index(self.decimal) + 1) % len(DECIMALS)]
        self._reread()

    def action_cycle_sheet(self) -> None:
        if self.state in ("reading", "stored") or not self.sheets:
            return
        choices = (None, *self.sheets)
        self.sheet = choices[(choices.index(self.sheet) + 1) % len(choices)] if self.sheet in choices else self.sheets[0]
        self._reread()

    def _answer(self, same: bool) -> None:
        if self.state != "preview" or self.plan is None or not self.plan.questions:
            return
        q = self.plan.questions[0]
        if same:
            self.decisions.same[q.name] = f"#{q.candidate_id}" if q.candidate_id is not None else q.candidate
        else:
            self.decisions.separate.add(q.name)
        self._reread()

    def action_same(self) -> None:
        self._answer(True)

    def action_separate(self) -> None:
        self._answer(False)

    def action_accept_older(self) -> None:
        if self.state != "preview" or self.plan is None or not self.plan.older or self.plan.questions:
            return
        self.accept_older = True
        self._reread()

    # the end
    def action_cancel(self) -> None:
        self.generation += 1  # a worker still reading is ignored
        self.dismiss(None)

    def action_confirm(self) -> None:
        if self.state != "preview" or self.plan is None or not self.plan.has_changes or self.plan.blocked:
            return
        try:
            counts = self.desk.apply_import(self.plan)
        except (StoreError, ReadOnly, OSError, ImportError_) as e:
            self._status(Text(f"Not stored: {e}. Nothing from the files was stored.", style="bold red"))
            return
        self.state = "stored"
        self.dismiss(counts)


def stored_text(counts: dict) -> str:
    return "Imported: " + stored_counts(counts) + "."


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

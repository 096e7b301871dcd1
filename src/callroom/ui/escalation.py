"""When a client will not pay: the routes weighed with their figures, one chosen on the
record (X on the call screen), and the case file written to a folder (F)."""

from __future__ import annotations

from pathlib import Path

from babel.dates import format_date
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Label, Static

from ..domain.escalation import EXAMPLE_NOTE, Estimate, Route, held_why
from ..domain.models import Escalation
from ..domain.money import format_money
from ..services import Desk
from ..services.errors import ReadOnly, StoreError
from ..services.escalation import CaseFileError, EscalationError, NothingOwed, Routes, existing_case_file
from .forms import PromptForm


def _days(n: int) -> str:
    return "at once" if n == 0 else f"{n} days"


class RouteTable(DataTable, can_focus=False):
    """The routes; the screen moves its cursor (keys in the order typed)."""


class EscalationScreen(ModalScreen[tuple[Escalation, Estimate] | None]):
    """The routes for one client, best first: the highlighted one's arithmetic below the
    table. Enter records the choice (the client leaves the queue until its check date);
    w withdraws the route standing. Nothing else here writes."""

    # The screen takes every key itself (the table is not focusable): arrows and Enter are
    # handled in the order they were typed, so 'down down enter' typed fast chooses the third.
    AUTO_FOCUS = None
    BINDINGS = [
        Binding("escape", "close", "Back", id="escalation.close", tooltip="Back to the call; nothing is recorded"),
        Binding("enter", "choose", "Choose", id="escalation.choose",
                tooltip="Record this route: its estimated cost and its deadline or check date"),
        Binding("up", "move(-1)", "Route up", id="escalation.up", show=False, tooltip="The route above"),
        Binding("down", "move(1)", "Route down", id="escalation.down", show=False, tooltip="The route below"),
        Binding("w", "withdraw", "Withdraw", id="escalation.withdraw", tooltip="End the route standing; the normal queue takes the client back"),
    ]

    def __init__(self, desk: Desk, client_id: int):
        super().__init__()
        self.desk = desk
        self.client_id = client_id
        self.view: Routes = desk.routes(client_id)
        self.rows: list[Estimate] = [e for ests in self.view.weighed.values() for e in ests]

    def compose(self) -> ComposeResult:
        v = self.view
        with Vertical(id="escalation"):
            title = Text(f"Escalate: {v.client.name}", style="bold")
            for cur, _ in v.weighed.items():
                claim = v.claims.for_currency(cur)
                assert claim is not None
                title.append(f"  ·  {format_money(claim.amount, cur)} overdue, {claim.days_text}")
            yield Label(title, id="escalation-title")
            yield RouteTable(id="escalation-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="escalation-why")
            yield Static(id="escalation-notes")
            yield Static(id="escalation-status")
        yield Footer()

    def on_mount(self) -> None:
        t = self.query_one(DataTable)
        several = len(self.view.weighed) > 1
        t.add_columns("Route", "Cost", "Keeps", "Time", "")
        for n, e in enumerate(self.rows):
            mark = "costs more than it recovers" if e.uneconomic else ("not available" if not e.available else "")
            style = "red" if e.uneconomic else ("dim" if not e.available else "")
            name = e.route.label + (f" ({e.currency})" if several else "") + ("*" if e.example else "")
            t.add_row(Text(name, style=style), Text(format_money(e.cost, e.currency), justify="right"),
                      Text(format_money(e.keeps, e.currency), style=style or "green", justify="right"),
                      Text(_days(e.days), justify="right"), Text(mark, style=style), key=str(n))
        notes = Text()
        if not self.rows:
            notes.append("Nothing overdue to escalate.\n", style="bold")
        for note in self.view.notes():
            notes.append(note + "\n", style="dim")
        if self.view.examples_used():
            notes.append("* " + EXAMPLE_NOTE + "\n", style="dim")
        for st in self.view.standing:
            notes.append(f"Standing: {st.route.label} for {format_money(st.step.claim, st.step.currency)}, {held_why(st, today=self.view.today)}"
                         + (" (due back)" if st.status == "due" else "") + "\n", style="bold yellow")
        notes.rstrip()
        self.query_one("#escalation-notes", Static).update(notes)
        self.status(Text("↑↓: a route  Enter: choose it  w: withdraw the route standing  Esc: back", style="dim"))
        self._explain(0)

    def status(self, text: Text) -> None:
        self.query_one("#escalation-status", Static).update(text)

    def current(self) -> Estimate | None:
        if not self.rows:
            return None
        row = self.query_one(DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _explain(self, row: int) -> None:
        if not 0 <= row < len(self.rows):
            return
        e = self.rows[row]
        t = Text()
        t.append(f"{e.route.label}: ", style="bold")
        t.append(e.why)
        if e.available:
            today = self.view.today
            if e.route is Route.WRITE_OFF:
                t.append("\nChoosing it takes the client out of the queue for good (a payment brings them back).", style="cyan")
            else:
                from datetime import timedelta

                check = today + timedelta(days=max(e.days, 1))
                word = "deadline" if e.route is Route.FINAL_NOTICE else "back in the queue"
                t.append(f"\nChoosing it records it today, {word} {format_date(check, 'EEE d MMM y', locale='en_US')}; "
                         "a payment before then closes it.", style="cyan")
        self.query_one("#escalation-why", Static).update(t)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._explain(event.cursor_row)
        self.status(Text("↑↓: a route  Enter: choose it  w: withdraw the route standing  Esc: back", style="dim"))

    def action_move(self, step: int) -> None:
        t = self.query_one(DataTable)
        if self.rows:
            t.move_cursor(row=max(0, min(len(self.rows) - 1, t.cursor_row + step)))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_choose(self) -> None:
        e = self.current()
        if e is None:
            return
        if not e.available:
            self.status(Text(f"{e.route.label} is {e.why}.", style="bold red"))
            return
        try:
            step, est = self.desk.choose_route(self.client_id, e.route, currency=e.currency)
        except EscalationError as err:
            self.status(Text(f"{err}. Nothing was recorded.", style="bold red"))
            return
        except (StoreError, ReadOnly) as err:
            self.status(Text(f"Not recorded: {err}", style="bold red"))
            return
        self.dismiss((step, est))

    def action_withdraw(self) -> None:
        if not self.view.standing:
            self.status(Text("No route stands for this client.", style="yellow"))
            return
        try:
            self.desk.withdraw_route(self.client_id)
        except (EscalationError, StoreError, ReadOnly) as err:
            self.status(Text(f"Not withdrawn: {err}", style="bold red"))
            return
        self.app.notify(f"Withdrawn: {', '.join(s.route.label for s in self.view.standing)} for {self.view.client.name}; "
                        "the normal queue takes the client back.", title="Escalation", timeout=5)
        self.dismiss(None)


def default_folder(name: str, today) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in " -_.&" else "_" for ch in name).strip(" ._") or "client"
    return Path.cwd() / f"casefile {safe[:60]} {today.isoformat()}"


def open_case_file(screen, desk: Desk, client_id: int, name: str) -> None:
    """Ask for the folder (a folder already holding a case file: Enter again replaces it),
    then write the case file there; what was written, or why not, in a notice."""
    try:
        desk.case_file(client_id)
    except NothingOwed as e:
        screen.notify(f"{e}.", title="Case file", severity="warning", timeout=6)
        return
    asked: dict[str, str] = {}

    def check(value: str) -> None:
        folder = Path(value.strip()).expanduser()
        if not value.strip():
            raise ValueError("Give a folder to write the case file in.")
        if folder.exists() and not folder.is_dir():
            raise ValueError(f"{folder} is a file: give a folder.")
        held = existing_case_file(folder) if folder.is_dir() else []
        if held and asked.get("replace") != str(folder):
            asked["replace"] = str(folder)
            raise ValueError(f"{folder} already holds a case file ({', '.join(held)}): press Enter again to replace it, "
                             "or give another folder.")

    def done(value: str | None) -> None:
        if not value:
            return
        folder = Path(value.strip()).expanduser()
        try:  # the ledger is read here, on the screen's thread ...
            job = desk.prepare_case_file(client_id, folder, force=asked.get("replace") == str(folder))
        except CaseFileError as e:
            screen.notify(f"{e}.", title="Case file", severity="error", timeout=10)
            return
        screen.notify(f"Writing the case file for {name}…", title="Case file", timeout=3)

        def write() -> None:  # ... and set as PDF off it: a long history takes seconds
            try:
                paths = desk.write_prepared_case_file(job)
            except CaseFileError as e:
                screen.app.call_from_thread(screen.notify, f"{e}.", title="Case file", severity="error", timeout=10)
                return
            letters = sum(1 for p in paths if p.parent.name == "letters")
            screen.app.call_from_thread(
                screen.notify, f"Wrote the case file for {name} in {folder}: casefile.pdf, statement.csv, contact-log.csv"
                + (f", letters/ ({letters} file{'s' if letters != 1 else ''})" if letters else "") + ".",
                title="Case file", timeout=10)

        screen.run_worker(write, thread=True, group="casefile", exclusive=True)

    screen.app.push_screen(PromptForm(f"Case file for {name}: folder", str(default_folder(name, desk.today())), check), done)


__all__ = ["EscalationScreen", "open_case_file", "default_folder"]

"""Small modal forms: outcome details, the next action date, a skip reason.

Each form validates through the same domain code that stores the call, so what a
form accepts is exactly what can be stored; a refusal is shown in place."""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from ..domain.codes import Outcome
from ..domain.drafts import Draft, DraftError
from ..domain.money import format_money
from ..domain.owing import short_day
from ..domain.schedule import FREQUENCIES

OVER_LABEL = "More than owed because (fees, interest…)"
PLACEHOLDERS = {"over": "e.g. late fee of $40", "method": "optional", "invoices": "invoice numbers, e.g. 1041, 1067",
                "who": "you, or a colleague's name"}
# per outcome, where a field means something else there
OUTCOME_PLACEHOLDERS = {(Outcome.DISPUTE, "invoices"): "empty: those named above; or e.g. 1041, 1067, or all"}

# field name -> label, per outcome ("over" is shown only when an amount is more than owed)
FIELDS: dict[Outcome, list[tuple[str, str]]] = {
    Outcome.PROMISE: [("amount", "Amount promised"), ("date", "Paid by (YYYY-MM-DD or +7)"), ("method", "How (ACH, card, cheque…)"),
                      ("invoices", "Covers invoices"), ("over", OVER_LABEL)],
    Outcome.PAID: [("amount", "Amount paid on the call"), ("date", "Date paid"), ("invoices", "For invoices"), ("over", OVER_LABEL)],
    Outcome.PLAN: [("amount", "Plan total"), ("count", "Instalments (2-24)"), ("frequency", "Frequency"),
                   ("date", "First instalment (YYYY-MM-DD or +7)"), ("invoices", "Covers invoices"), ("over", OVER_LABEL)],
    Outcome.DISPUTE: [("what", "What is disputed"), ("invoices", "Disputed invoices (the others stay in the queue)"),
                      ("who", "Who looks into it"), ("date", "Get back by (YYYY-MM-DD or +7)")],
    Outcome.CALLBACK: [("date", "Call back on (tomorrow 15:00, +2d 10:30, YYYY-MM-DD HH:MM)")],
}


class FitsScreen(ModalScreen):
    """A form whose fields scroll inside it while its title and its OK/Cancel line stay
    on screen, down to an 80x24 terminal (a field reached with Tab scrolls into view)."""

    CHROME = 4  # the form's border (2), title and OK/Cancel line

    def on_resize(self, event) -> None:
        for box in self.query("#form-fields"):
            box.styles.max_height = max(3, event.size.height - self.CHROME)


class OutcomeForm(FitsScreen):
    """Details of an outcome, prefilled with sensible defaults. Enter saves, Esc cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form.cancel", tooltip="Close without changing the call"),
        Binding("enter", "submit", "OK", id="form.submit", tooltip="Check and keep these details"),
    ]

    def __init__(self, outcome: Outcome, values: dict[str, str], check: Callable[[dict[str, str]], object],
                 today=None, hint: str = ""):
        super().__init__()
        self.outcome = outcome
        self.values = dict(values)
        self.check = check  # raises DraftError; returns the Logged preview on success
        self.today = today
        self.hint = hint  # under the invoices field: what is not yet due, to name it

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(Text(self.outcome.label, style="bold"), id="form-title")
            with VerticalScroll(id="form-fields"):
                for name, label in FIELDS[self.outcome]:
                    extra = {"classes": "over"} if name == "over" else {}
                    yield Label(label, classes="form-label" + (" over" if name == "over" else ""))
                    if name == "frequency":
                        yield Select([(f, f) for f in FREQUENCIES], value=self.values.get(name) or "monthly", allow_blank=False,
                                     id=f"f-{name}", compact=True)
                    else:
                        yield Input(value=self.values.get(name, ""), id=f"f-{name}", compact=True,
                                    placeholder=OUTCOME_PLACEHOLDERS.get((self.outcome, name), PLACEHOLDERS.get(name, "")), **extra)
                    if name == "invoices" and self.hint:
                        yield Static(Text(self.hint, style="dim"), id="invoices-hint")
                    yield Static("", id=f"err-{name}", classes="form-error")
                yield Static("", id="form-preview")
            yield Static(Text("Enter: OK   Esc: cancel   Tab: next field", style="dim"), id="form-help")

    def on_mount(self) -> None:
        self.query_one("#form-fields").can_focus = False  # Tab moves between the fields only
        self._show_over(bool(self.values.get("over")))
        first = FIELDS[self.outcome][0][0]
        self.query_one(f"#f-{first}").focus()
        self._preview()

    def _names(self) -> list[str]:
        return [n for n, _ in FIELDS[self.outcome]]

    def _show_over(self, shown: bool) -> None:
        for w in self.query(".over"):
            w.display = shown

    def _collect(self) -> dict[str, str]:
        out = {}
        for name in self._names():
            w = self.query_one(f"#f-{name}")
            out[name] = str(w.value) if w.value is not None else ""  # type: ignore[attr-defined]
        return out

    def _preview(self) -> None:
        box = self.query_one("#form-preview", Static)
        try:
            logged = self.check(self._collect())
        except DraftError as e:
            if e.field == "over" and "over" in self._names():  # more than owed: ask why, naming the balance
                self._show_over(True)
                box.update(Text(str(e), style="bold yellow"))
            else:
                box.update("")
            return
        t = Text("Stored: ", style="bold")
        said = logged.describe(self.today) if self.today else ""  # type: ignore[attr-defined]
        if self.outcome is Outcome.PLAN:  # the schedule below says the rest
            said = " · ".join(x for x in said.split(" · ") if " instalments of " not in x)
            t.append(format_money(logged.plan.total, logged.plan.currency) + (" · " if said else ""), style="green")  # type: ignore[attr-defined]
        t.append(said, style="green")
        if self.outcome is Outcome.PLAN:
            t.append("\nSchedule:", style="bold")
            for p in logged.promises:  # type: ignore[attr-defined]
                t.append(f"\n  {p.instalment}. {short_day(p.due, self.today)}  {format_money(p.amount, p.currency)}")
        box.update(t)

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        for name in self._names():
            err = self.query_one(f"#err-{name}", Static)
            err.update("")
            err.remove_class("shown")
        self._preview()

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        # Enter inside a field arrives through the field, after every character typed
        # before it; a screen-level binding could run first and read a stale value.
        event.stop()
        self.action_submit()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        if isinstance(self.focused, Select) and self.focused.expanded:
            return  # let the select take the enter
        values = self._collect()
        try:
            self.check(values)
        except DraftError as e:
            names = self._names()
            target = e.field if e.field in names else names[0]
            if target == "over":  # the preview already names the balance: ask for the reason there
                self._show_over(True)
                self.query_one("#f-over").focus()
                return
            err = self.query_one(f"#err-{target}", Static)
            err.update(Text(str(e), style="bold red"))
            err.add_class("shown")  # an empty error line takes no room
            self.query_one(f"#f-{target}").focus()
            return
        self.dismiss(values)


class PromptForm(FitsScreen):
    """One line of text: the next action date, a skip reason."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel", tooltip="Close without changing anything"),
        Binding("enter", "submit", "OK", id="prompt.submit", tooltip="Keep this value"),
    ]

    def __init__(self, title: str, value: str = "", check: Callable[[str], object] | None = None, placeholder: str = ""):
        super().__init__()
        self.title_text = title
        self.value = value
        self.check = check
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(Text(self.title_text, style="bold"), id="form-title")
            with VerticalScroll(id="form-fields"):
                yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input", compact=True)
                yield Static("", id="prompt-error", classes="form-error")
            yield Static(Text("Enter: OK   Esc: cancel", style="dim"), id="form-help")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        value = self.query_one(Input).value
        if self.check is not None:
            try:
                self.check(value)
            except (DraftError, ValueError) as e:
                err = self.query_one("#prompt-error", Static)
                err.update(Text(str(e), style="bold red"))
                err.add_class("shown")
                return
        self.dismiss(value)


class ConfirmForm(FitsScreen):
    """A yes/no question: y or Enter for yes, n or Esc for no."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes", tooltip="Yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no", tooltip="No: back to where you were"),
    ]

    def __init__(self, title: str, message: str, *, yes: str = "Yes", no: str = "No"):
        super().__init__()
        self.title_text = title
        self.message = message
        self.yes, self.no = yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="form", classes="confirm"):
            yield Label(Text(self.title_text, style="bold"), id="form-title")
            with VerticalScroll(id="form-fields"):
                yield Static(self.message, id="confirm-message")
            yield Static(Text(f"y/Enter: {self.yes}   n/Esc: {self.no}", style="dim"), id="form-help")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def draft_with(d: Draft, values: dict[str, str]) -> Draft:
    nd = d.copy()
    for k, v in values.items():
        setattr(nd, k, v)
    return nd

"""Small modal forms: outcome details, the next action date, a skip reason.

Each form validates through the same domain code that stores the call, so what a
form accepts is exactly what can be stored; a refusal is shown in place."""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from ..domain.codes import Outcome
from ..domain.drafts import Draft, DraftError
from ..domain.money import format_money
from ..domain.schedule import FREQUENCIES

# field name -> label, per outcome
FIELDS: dict[Outcome, list[tuple[str, str]]] = {
    Outcome.PROMISE: [("amount", "Amount promised"), ("date", "Paid by (YYYY-MM-DD or +7)"), ("method", "How (ACH, card, cheque…)")],
    Outcome.PAID: [("amount", "Amount paid on the call"), ("date", "Date paid")],
    Outcome.PLAN: [("amount", "Plan total"), ("count", "Instalments (2-24)"), ("frequency", "Frequency"), ("date", "First instalment (YYYY-MM-DD or +7)")],
    Outcome.DISPUTE: [("what", "What is disputed"), ("date", "Get back by (YYYY-MM-DD or +7)")],
    Outcome.CALLBACK: [("date", "Call back on (YYYY-MM-DD or +1)")],
}


class OutcomeForm(ModalScreen[dict | None]):
    """Details of an outcome, prefilled with sensible defaults. Enter saves, Esc cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form.cancel", tooltip="Close without changing the call"),
        Binding("enter", "submit", "OK", id="form.submit", tooltip="Check and keep these details"),
    ]

    def __init__(self, outcome: Outcome, values: dict[str, str], check: Callable[[dict[str, str]], object]):
        super().__init__()
        self.outcome = outcome
        self.values = dict(values)
        self.check = check  # raises DraftError; returns the Logged preview on success

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(Text(self.outcome.label, style="bold"), id="form-title")
            for name, label in FIELDS[self.outcome]:
                yield Label(label, classes="form-label")
                if name == "frequency":
                    yield Select([(f, f) for f in FREQUENCIES], value=self.values.get(name) or "monthly", allow_blank=False, id=f"f-{name}")
                else:
                    yield Input(value=self.values.get(name, ""), id=f"f-{name}")
                yield Static("", id=f"err-{name}", classes="form-error")
            yield Static("", id="form-preview")
            yield Static(Text("Enter: OK   Esc: cancel   Tab: next field", style="dim"), id="form-help")

    def on_mount(self) -> None:
        first = FIELDS[self.outcome][0][0]
        self.query_one(f"#f-{first}").focus()
        self._preview()

    def _collect(self) -> dict[str, str]:
        out = {}
        for name, _ in FIELDS[self.outcome]:
            w = self.query_one(f"#f-{name}")
            out[name] = str(w.value) if w.value is not None else ""  # type: ignore[attr-defined]
        return out

    def _preview(self) -> None:
        if self.outcome is not Outcome.PLAN:
            return
        try:
            logged = self.check(self._collect())
        except DraftError:
            self.query_one("#form-preview", Static).update("")
            return
        t = Text("Schedule:\n", style="bold")
        for p in logged.promises:  # type: ignore[attr-defined]
            t.append(f"  {p.instalment}. {p.due.isoformat()}  {format_money(p.amount, p.currency)}\n")
        self.query_one("#form-preview", Static).update(t)

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        for name, _ in FIELDS[self.outcome]:
            self.query_one(f"#err-{name}", Static).update("")
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
            target = e.field if any(e.field == n for n, _ in FIELDS[self.outcome]) else FIELDS[self.outcome][0][0]
            self.query_one(f"#err-{target}", Static).update(Text(str(e), style="bold red"))
            self.query_one(f"#f-{target}").focus()
            return
        self.dismiss(values)


class PromptForm(ModalScreen[str | None]):
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
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")
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
                self.query_one("#prompt-error", Static).update(Text(str(e), style="bold red"))
                return
        self.dismiss(value)


def draft_with(d: Draft, values: dict[str, str]) -> Draft:
    nd = d.copy()
    for k, v in values.items():
        setattr(nd, k, v)
    return nd

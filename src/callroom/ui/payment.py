"""Payment received ($ in the session): amount, date, which invoices, note.

The form checks what is typed with :func:`check_payment` (plain Python, the same rules
the store relies on), shows a refusal under its field, previews which invoices the
money lowers, and stores through ``Desk.record_payment`` before it closes: the payment
is on disk when the form is gone. The session then shows the new balances, the history
has the payment, and promise judgement counts it (a payment that meets a promise in
time makes it kept).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from ..domain import queue as queue_mod
from ..domain.codes import PromiseStatus
from ..domain.drafts import DraftError
from ..domain.models import Payment
from ..domain.money import format_money
from ..domain.payments import FIELDS, check_payment, currencies, defaults, owed_by_currency
from ..services import Desk
from ..services.errors import ReadOnly, StoreError

__all__ = ["PaymentForm", "check_payment", "open_payment"]


class PaymentForm(ModalScreen[Payment | None]):
    """Payment received from one client. Enter stores it (on disk before the form closes); Esc cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="payment.cancel", tooltip="Close without storing anything"),
        Binding("enter", "submit", "Store", id="payment.submit", tooltip="Check and store the payment"),
    ]

    def __init__(self, desk: Desk, client_id: int):
        super().__init__()
        self.desk = desk
        self.client_id = client_id
        self.file = desk.client_file(client_id)
        self.today = desk.today()
        self.fallback = desk.default_currency
        self.values = defaults(self.file, self.today, self.fallback)
        self.currency_list = currencies(self.file, self.fallback)
        self.stored: Payment | None = None

    def compose(self) -> ComposeResult:
        owed = owed_by_currency(self.file)
        with Vertical(id="form", classes="payment-form"):
            yield Label(Text(f"Payment received: {self.file.client.name}", style="bold"), id="form-title")
            with VerticalScroll(id="form-fields"):
                yield Static(Text(f"Owed: {owed.format(sep=' + ')}", style="dim"), id="pay-owed")
                yield Label("Amount received", classes="form-label")
                yield Input(value=self.values["amount"], id="f-amount", compact=True)
                yield Static("", id="err-amount", classes="form-error")
                if len(self.currency_list) > 1:
                    yield Label("Currency", classes="form-label")
                    yield Select([(c, c) for c in self.currency_list], value=self.values["currency"], allow_blank=False, id="f-currency", compact=True)
                    yield Static("", id="err-currency", classes="form-error")
                yield Label("Date received (YYYY-MM-DD, today or earlier)", classes="form-label")
                yield Input(value=self.values["date"], id="f-date", compact=True)
                yield Static("", id="err-date", classes="form-error")
                yield Label("For invoices (numbers; empty = oldest first)", classes="form-label")
                yield Input(value="", placeholder="oldest first", id="f-invoices", compact=True)
                yield Static("", id="err-invoices", classes="form-error")
                yield Label("Note", classes="form-label")
                yield Input(value="", placeholder="cheque 2231, bank ref…", id="f-note", compact=True)
                yield Static("", id="err-note", classes="form-error")
                # Shown only when the amount is more than is owed: it must then say why.
                yield Label("More than owed because (fees, interest…)", classes="form-label over", id="over-label")
                yield Input(value="", placeholder="late fee, card surcharge…", id="f-over", compact=True, classes="over")
                yield Static("", id="err-over", classes="form-error")
                yield Static("", id="pay-preview")
            yield Static(Text("Enter: store   Esc: cancel   Tab: next field", style="dim"), id="form-help")

    def on_mount(self) -> None:
        self.query_one("#form-fields").can_focus = False  # Tab moves between the fields only
        self.query_one("#f-amount", Input).focus()
        self._preview()

    def collect(self) -> dict[str, str]:
        out = {}
        for name in FIELDS:
            if name == "currency" and len(self.currency_list) == 1:
                out[name] = self.currency_list[0]
                continue
            w = self.query_one(f"#f-{name}")
            out[name] = str(w.value) if w.value is not None else ""  # type: ignore[attr-defined]
        return out

    def _show_over(self, shown: bool) -> None:
        for w in self.query(".over"):
            w.display = shown

    def _preview(self) -> None:
        box = self.query_one("#pay-preview", Static)
        try:
            entry = self.desk.check_payment(self.client_id, self.collect())
        except DraftError as e:
            box.update("")
            if e.field == "over":  # more than owed: show the balance and ask why, at once
                self._show_over(True)
                box.update(Text(str(e), style="bold yellow"))
            return
        self._show_over(bool(entry.over))
        t = Text()
        if entry.applies:
            t.append("Lowers: ", style="bold")
            t.append(", ".join(f"{n} by {format_money(a, entry.currency)}" + (" (paid)" if closes else "") for n, a, closes in entry.applies))
        for w in entry.warnings:
            t.append(("\n" if t else "") + w, style="bold yellow")
        box.update(t)

    def _clear_errors(self) -> None:
        for name in FIELDS:
            for err in self.query(f"#err-{name}"):
                err.update("")  # type: ignore[attr-defined]
                err.remove_class("shown")

    @on(Input.Changed)
    def _changed(self) -> None:
        self._clear_errors()
        self._preview()

    @on(Select.Changed, "#f-currency")
    def _currency(self, event: Select.Changed) -> None:
        owed = owed_by_currency(self.file)
        amount = self.query_one("#f-amount", Input)
        # A default amount follows the currency; a typed one stays.
        if amount.value.strip() in {"", *(str(v) for v in owed.values())}:
            amount.value = str(owed.get(str(event.value), "")) if owed.get(str(event.value)) else ""
        self._clear_errors()
        self._preview()

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()  # Enter in a field arrives after every character typed before it
        self.action_submit()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def show_error(self, field: str, message: str) -> None:
        target = field if self.query(f"#f-{field}") else "amount"
        err = self.query_one(f"#err-{target}", Static)
        err.update(Text(message, style="bold red"))
        err.add_class("shown")  # an empty error line takes no room: the form fits 24 rows
        self.query_one(f"#f-{target}").focus()

    def action_submit(self) -> None:
        if isinstance(self.focused, Select) and self.focused.expanded:
            return  # the select takes the enter
        try:
            self.stored = self.desk.receive_payment(self.client_id, self.collect())
        except DraftError as e:
            if e.field == "over":  # the preview already names the balance: ask for the reason there
                self._show_over(True)
                self.query_one("#f-over").focus()
                return
            self.show_error(e.field, str(e))
            return
        except (StoreError, ReadOnly) as e:
            self.query_one("#pay-preview", Static).update(Text(f"Not stored: {e}. Nothing typed is lost; press Enter to try again.", style="bold red"))
            return
        self.dismiss(self.stored)


def open_payment(screen) -> None:
    """Open the form for the session's current client; afterwards show the new standing."""
    if not screen.slots:
        return
    slot = screen.slot
    cid = slot.entry.client_id
    desk: Desk = screen.desk
    before = {j.promise.id: j.status for j in desk.standing(cid).judged}

    def done(payment: Payment | None) -> None:
        if payment is None:
            return
        screen.received.append(payment)  # for the session summary
        st = desk.standing(cid)
        kept = [j for j in st.judged if j.status is PromiseStatus.KEPT and before.get(j.promise.id) is not PromiseStatus.KEPT]
        refreshed = queue_mod.build([st.file], desk.clock.now(), desk.policy)
        if refreshed.entries:
            e = refreshed.entries[0]
            slot.entry = replace(slot.entry, why=e.why, owed=e.owed, days=e.days, stage=e.stage)
        else:
            held = next((h.why for h in refreshed.not_today), "")
            slot.entry = replace(slot.entry, why=f"now {held}" if held else "nothing open", owed=st.owed, days=st.days, stage=st.stage)
        stage = screen.stage
        screen.show_client()
        if screen.stage != stage:
            screen.stage = stage
            screen.refresh_script()
        msg = f"Payment of {format_money(payment.amount, payment.currency)} stored for {st.client.name}."
        for j in kept:
            label = f"Instalment {j.promise.instalment}" if j.promise.plan_id else "Promise"
            msg += f" {label} of {format_money(j.promise.amount, j.promise.currency)} due {j.promise.due:%d %b}: kept."
        applied = sum((Decimal(a) for a in payment.applied.values()), Decimal(0))  # as stored: with what it lowered
        if applied < payment.amount:
            msg += f" {format_money(payment.amount - applied, payment.currency)} of it is more than was owed."
        if not st.owed:
            msg += " Nothing is owed now."
        screen.notify(msg, title="Payment received", timeout=6)

    screen.app.push_screen(PaymentForm(desk, cid), done)

"""Writing after the call: the message preview (edit, copy, mail, .eml, PDF, SMS), the
business profile and the client's details. Everything goes through the services; every
message that leaves is recorded in the client's history as a written contact."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Label, Static, TextArea

from ..domain.messages import Kind, Message
from ..services import Desk
from ..services.errors import ReadOnly, StoreError
from ..services.writing import Draft, MessageError, ProfileError, WriteError, default_name, mailto
from .forms import PromptForm


def _one_line(text: str) -> str:
    return text.replace("\n", "\\n")


def _lines(text: str) -> str:
    return text.replace("\\n", "\n")


class DetailsForm(ModalScreen[bool]):
    """Labelled one-line fields, stored together by ``save`` (which raises ProfileError
    naming the field at fault: shown beside it, and nothing is stored). Enter: OK, Esc: cancel."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="details.cancel", tooltip="Close without changing anything"),
        Binding("enter", "submit", "OK", id="details.submit", tooltip="Check and store these details"),
    ]

    def __init__(self, title: str, fields: list[tuple[str, ...]], save: Callable[[dict[str, str]], object], hint: str = ""):
        super().__init__()
        self.title_text = title
        self.fields = fields  # (key, label, value) or (key, label, value, placeholder)
        self.save = save
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="details-form"):
            yield Label(Text(self.title_text, style="bold"), id="form-title")
            with VerticalScroll(id="details-fields"):
                for key, label, value, *more in self.fields:
                    with Horizontal(classes="details-row"):
                        yield Label(label, classes="details-label")
                        yield Input(value=value, placeholder=more[0] if more else "", id=f"d-{key}", compact=True)
            yield Static("", id="details-error", classes="form-error")
            yield Static(Text(self.hint or "Enter: OK   Esc: cancel   Tab: next field   \\n: new line", style="dim"), id="form-help")

    def on_mount(self) -> None:
        self.query_one(f"#d-{self.fields[0][0]}", Input).focus()

    def values(self) -> dict[str, str]:
        return {f[0]: self.query_one(f"#d-{f[0]}", Input).value for f in self.fields}

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(Input.Changed)
    def _changed(self) -> None:
        self.query_one("#details-error", Static).update("")

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_submit(self) -> None:
        try:
            self.save(self.values())
        except ProfileError as e:
            self.query_one("#details-error", Static).update(Text(str(e), style="bold red"))
            target = next((f[0] for f in self.fields if f[0] == e.field or f[0].startswith(e.field + "-")), None)
            if target:
                self.query_one(f"#d-{target}", Input).focus()
            return
        except (StoreError, ReadOnly) as e:
            self.query_one("#details-error", Static).update(Text(f"Not stored: {e}", style="bold red"))
            return
        self.dismiss(True)


PROFILE_LABELS = [("name", "Business"), ("contact", "Contact"), ("phone", "Phone"), ("email", "Email"),
                  ("address", "Address"), ("website", "Website"), ("sign_off", "Sign-off"), ("language", "Language"),
                  ("logo", "Logo file")]


def profile_form(desk: Desk, currencies: set[str]) -> DetailsForm:
    """The business profile as a form: one line per field and per currency's payment instructions."""
    p, lg = desk.profile, desk.logo
    fields: list[tuple[str, ...]] = [(k, label, _one_line(getattr(p, k, "")) if k != "logo" else "") for k, label in PROFILE_LABELS]
    at = next(i for i, f in enumerate(fields) if f[0] == "language")
    fields[at] = (*fields[at], "English unless set (en_GB, de…); a client's own first")
    for cur in sorted(set(p.instructions) | set(currencies) | {desk.default_currency}):
        fields.append((f"instructions-{cur}", f"Pay in {cur}", _one_line(p.instructions_for(cur))))

    costs = cost_fields(desk)
    fields += [(k, label, value, example) for k, label, value, example in costs]
    own = {k: value for k, _, value, _ in costs}

    def save(values: dict[str, str]) -> None:
        logo_path = values.pop("logo").strip()
        pays = {k.split("-", 1)[1]: _lines(v) for k, v in list(values.items()) if k.startswith("instructions-")}
        changed = [f"{k.split('-', 1)[1]}={v.strip()}" for k, v in values.items() if k.startswith("cost-") and v.strip() != own[k]]
        plain = {k: _lines(v) for k, v in values.items() if not k.startswith(("instructions-", "cost-"))}
        desk.set_profile(instructions=pays, logo_path=logo_path or None, costs=changed or None, **plain)

    have = f"logo: {lg.width}x{lg.height} px kept; a path replaces it" if lg else "logo: a PNG or JPEG path"
    return DetailsForm("Business profile", fields, save,
                       hint=f"Enter: OK  Esc: cancel  \\n: new line  ({have})\n"
                            f"Costs in {desk.default_currency}: empty = the example shown (not legal advice); "
                            "syntax: callroom profile --help")


#: The escalation cost rows of the profile form: field key suffix and label.
COST_LABELS = [("hourly", "Your hour"), ("interest", "Interest"), ("final-notice", "Notice"), ("lawyer", "Lawyer"),
               ("agency", "Agency"), ("small-claims", "Court"), ("settle", "Settle"), ("write-off", "Write off")]


def cost_fields(desk: Desk) -> list[tuple[str, str, str, str]]:
    """(key, label, the owner's own setting, the example) per cost row, in the default currency."""
    from ..domain.escalation import EXAMPLE_HOURLY, EXAMPLES, Route

    book = desk.cost_books()[desk.default_currency]
    out = []
    for key, label in COST_LABELS:
        if key == "hourly":
            own, example = (str(book.hourly) if book.hourly is not None else ""), f"example: {EXAMPLE_HOURLY}"
        elif key == "interest":
            own, example = (f"{book.interest}%" if book.interest is not None else ""), "none (e.g. 8%)"
        else:
            r = Route(key)
            own, example = book.own(r).to_spec(), "example: " + (EXAMPLES[r].to_spec() or "no cost")
        out.append((f"cost-{key}", label, own, example))
    return out


CLIENT_LABELS = [("contact", "Contact"), ("phone", "Phone"), ("email", "Email"), ("address", "Address"),
                 ("instructions", "Pays by"), ("language", "Language")]


def client_form(desk: Desk, client_id: int) -> DetailsForm:
    c = next(x for x in desk.clients() if x.id == client_id)
    current = {"contact": c.contact, "phone": c.phone, "email": c.email, "address": c.address,
               "instructions": c.instructions, "language": c.language}
    fields = [(k, label, _one_line(current[k])) for k, label in CLIENT_LABELS]

    def save(values: dict[str, str]) -> None:
        changed = {k: _lines(v) for k, v in values.items() if _lines(v) != current[k]}
        if changed:
            desk.set_client_details(client_id, **changed)

    return DetailsForm(f"Client details: {c.name}", fields, save,
                       hint="Enter: OK  Esc: cancel  \\n: new line  Pays by: instead of yours  Language: en_GB, de…")


class MessageScreen(Screen[None]):
    """The message that follows a call, ready to edit and send. Single keys act while no
    field is being edited (i edits the text, Esc leaves it); each way out is recorded in
    the client's history as a written contact."""

    AUTO_FOCUS = None
    BINDINGS = [
        Binding("escape", "back", "Back", id="message.back", tooltip="Leave a field, or go back to the call"),
        Binding("i", "edit", "Edit", id="message.edit", tooltip="Edit the text (Esc when done)"),
        Binding("c", "copy", "Copy", id="message.copy", tooltip="Copy subject and text to the clipboard (works over SSH)"),
        Binding("m", "mail", "Mail", id="message.mail", tooltip="Open it in your mail program (mailto:)"),
        Binding("e", "eml", ".eml", id="message.eml", tooltip="Save it as an email file (.eml) with your logo"),
        Binding("d", "pdf", "PDF", id="message.pdf", tooltip="Save it as a PDF letter on your letterhead"),
        Binding("s", "sms", "SMS", id="message.sms", tooltip="A short SMS text (at most 320 characters), copied"),
        Binding("k", "kind", "Kind", id="message.kind", tooltip="Another kind of message for this client"),
    ]

    def __init__(self, desk: Desk, client_id: int, kind: Kind, *, call_id: int | None = None, folder: Path | None = None):
        super().__init__()
        self.desk = desk
        self.client_id = client_id
        self.kind = kind
        self.origin = (kind, call_id)  # the call it follows applies to that call's kind only
        self.call_id = call_id
        self.folder = folder or Path.cwd()
        self.draft: Draft | None = None
        self.problem = ""
        self.recorded: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="message"):
            yield Static(id="message-title")
            yield Input(id="message-subject", compact=True, select_on_focus=False)
            yield TextArea(id="message-body", soft_wrap=True, show_line_numbers=False)
            yield Static(id="message-status")
        yield Footer()

    def on_mount(self) -> None:
        self.load(self.kind)
        self.call_after_refresh(self.set_focus, None)  # keys act on the message until i (edit)

    def on_screen_resume(self) -> None:
        # Back from the save prompt: keys act on the message again (no field takes them).
        self.call_after_refresh(self.set_focus, None)

    def load(self, kind: Kind) -> bool:
        try:
            call_id = self.origin[1] if kind is self.origin[0] else None
            draft = self.desk.compose(self.client_id, kind, call_id=call_id)
        except MessageError as e:
            if self.draft is None:  # nothing to show: say why in place of the text
                self.problem = str(e)
                self.query_one("#message-title", Static).update(Text(f"{kind.label}: cannot be written", style="bold"))
                self.query_one("#message-subject", Input).display = False
                self.query_one("#message-body", TextArea).display = False
                self.status(Text(f"{e}.", style="bold red"))
            else:
                self.status(Text(f"{kind.label}: {e}.", style="bold red"))
            return False
        self.problem = ""
        self.draft, self.kind, self.call_id = draft, kind, call_id
        m = draft.message
        self.query_one("#message-subject", Input).display = True
        self.query_one("#message-body", TextArea).display = True
        title = Text(f"{kind.label} to {m.client.name}", style="bold")
        title.append(f"  ·  {m.to}" if m.to else "  ·  no email on file", style="dim" if m.to else "yellow")
        self.query_one("#message-title", Static).update(title)
        self.query_one("#message-subject", Input).value = m.subject
        self.query_one("#message-body", TextArea).load_text(m.body)
        self.status(Text(draft.warning, style="yellow") if draft.warning else
                    Text("i: edit  c: copy  m: mail  e: .eml  d: PDF  s: SMS  k: another kind  Esc: back", style="dim"))
        return True

    def status(self, text: Text) -> None:
        self.query_one("#message-status", Static).update(text)

    def message(self) -> Message | None:
        if self.draft is None or self.problem:
            return None
        return self.draft.message.with_text(self.query_one("#message-subject", Input).value.strip(),
                                            self.query_one("#message-body", TextArea).text)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("copy", "mail", "eml", "pdf", "sms", "edit"):
            return True if self.message() is not None else None
        return True

    def _record(self, m: Message, channel: str, file: str = "") -> bool:
        try:
            self.desk.record_written(m, channel, call_id=self.call_id, file=file)
        except (StoreError, ReadOnly) as e:
            self.status(Text(f"Not recorded in the history: {e}", style="bold red"))
            return False
        self.recorded.append(channel)
        return True

    # keys
    def action_back(self) -> None:
        if isinstance(self.focused, (Input, TextArea)):
            self.set_focus(None)
            self.status(Text("i: edit  c: copy  m: mail  e: .eml  d: PDF  s: SMS  k: another kind  Esc: back", style="dim"))
            return
        self.dismiss(None)

    def action_edit(self) -> None:
        self.set_focus(self.query_one("#message-body", TextArea))
        self.status(Text("Editing: type freely; Tab to the subject; Esc when done.", style="bold"))

    def action_copy(self) -> None:
        m = self.message()
        if m is None:
            return
        self.app.copy_to_clipboard(f"Subject: {m.subject}\n\n{m.body}")
        if self._record(m, "copy"):
            self.status(Text("Copied subject and text to the clipboard; recorded in the history.", style="green"))

    def action_mail(self) -> None:
        m = self.message()
        if m is None:
            return
        try:
            url = mailto(m)
        except WriteError as e:
            self.status(Text(str(e), style="bold red"))
            return
        self.app.open_url(url)
        if self._record(m, "mail"):
            self.status(Text(f"Opened in your mail program, to {m.to}; recorded in the history.", style="green"))

    def action_sms(self) -> None:
        m = self.message()
        if m is None:
            return
        self.app.copy_to_clipboard(m.sms)
        if self._record(m, "sms"):
            t = Text(f"SMS ({len(m.sms)} characters, copied; recorded): ", style="green")
            t.append(m.sms, style="")
            self.status(t)

    def action_eml(self) -> None:
        self._save("eml")

    def action_pdf(self) -> None:
        self._save("pdf")

    def _save(self, fmt: str) -> None:
        m = self.message()
        if m is None:
            return
        suggested = str(self.folder / default_name(m, fmt, self.desk.today()))

        def done(path: str | None) -> None:
            if not path:
                return
            try:
                w = self.desk.save_message(m, fmt, Path(path), call_id=self.call_id)
            except WriteError as e:
                self.status(Text(f"{e}. Nothing was recorded.", style="bold red"))
                return
            except (StoreError, ReadOnly) as e:
                self.status(Text(f"Saved {path}, but not recorded in the history: {e}", style="bold red"))
                return
            self.recorded.append(fmt)
            what = "email file" if fmt == "eml" else "PDF letter"
            note = "" if m.to or fmt != "eml" else " (fill in the To line: no email on file)"
            self.status(Text(f"Saved the {what}: {w.file if w else path}{note}; recorded in the history.", style="green"))

        self.app.push_screen(PromptForm(f"Save the {'email file' if fmt == 'eml' else 'PDF letter'} as", suggested), done)

    def action_kind(self) -> None:
        kinds = list(Kind)
        start = kinds.index(self.kind)
        for step in range(1, len(kinds)):
            k = kinds[(start + step) % len(kinds)]
            if self.load(k):
                return
        self.status(Text("No other kind of message can be written for this client now.", style="yellow"))


__all__ = ["MessageScreen", "DetailsForm", "profile_form", "client_form"]

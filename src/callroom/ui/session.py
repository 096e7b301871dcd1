"""The call session: one client at a time, facts, script, and single-key logging."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from babel.dates import format_date
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from ..domain import books, phones
from ..domain.aging import SET_TERMS, due_notes
from ..domain.codes import Outcome, Reason, Result
from ..domain.drafts import NEEDS_DETAILS, Draft, DraftError, Logged, defaults, parse_day, suggested_next
from ..domain.owing import listed, owing, short_day
from ..domain.owing import totals as owing_totals
from ..domain.words import count
from ..domain import filters as qfilters
from ..domain.escalation import REVIEW, queue_stage_figures
from ..domain.filters import QueueFilter
from ..domain.models import Payment
from ..domain.money import Totals, format_money
from ..domain.queue import ClientStanding, Entry, Queue
from ..services import Desk
from ..services.errors import ReadOnly, StoreError
from .forms import ConfirmForm, OutcomeForm, PromptForm, draft_with
from .keys import OUTCOME_KEYS, REASON_KEYS, RESULT_KEYS, binding_id
from .widgets import ClientCard, InvoiceTable, LogPanel, ScriptPanel, StatusBar


def totals_text(st: ClientStanding, today: date, policy) -> Text:
    """The call screen's totals: overdue apart from not yet due (and from disputed)."""
    ow = owing(st, today, policy)
    t = Text()
    t.append("Overdue ", style="bold")
    unknown = [i.number for i in ow.overdue if i.balance is None]  # the export did not give it: never 'nothing'
    if ow.overdue_totals or not unknown:
        t.append(ow.overdue_totals.format(sep=" + "), style="bold red" if ow.overdue_totals else "")
    if unknown:
        t.append(" + " if ow.overdue_totals else "")
        t.append(f"balance unknown on {', '.join(unknown)}", style="yellow")
    if ow.not_due:
        t.append("  ·  not yet due ", style="dim")
        t.append(ow.not_due_totals.format(sep=" + "))
    held: dict[str, list] = {}  # not chased: disputed (on a call or in the books), not sent yet, uncollectible
    for inv in ow.disputed:
        held.setdefault("disputed" if inv.book_status in ("", books.DISPUTED) else books.LABEL[inv.book_status],
                        []).append(inv)
    for label, invs in held.items():
        t.append(f"  ·  {label} ", style="dim")
        t.append(owing_totals(invs).format(sep=" + "))
    if st.client.unapplied:  # a credit the books have not applied yet: never asked for unknowingly
        t.append("  ·  unapplied credit ", style="yellow")
        t.append(st.client.unapplied.format(sep=" + "), style="yellow")
    if ow.overdue:
        t.append("  ·  oldest ", style="dim")
        t.append(f"{ow.overdue[0].number}, {count(st.days, 'day')}" + ("*" if st.due_note else ""))
    notes = due_notes(st.file.open_invoices, policy)
    if notes:  # the '*' of the table and of the oldest: what those due dates rest on
        t.append("\n* " + "; ".join(notes), style="yellow")
        if any(n.startswith("due date assumed") for n in notes):
            t.append(f" ({SET_TERMS})", style="dim")
    return t


@dataclass
class Slot:
    """One client's place in the session: the draft being keyed in, what was saved."""

    entry: Entry
    draft: Draft = field(default_factory=Draft)
    saved_call_id: int | None = None
    started: float | None = None
    # What was saved, and the draft as it was then: going back to it shows the call as stored
    # (its next action), not worked out again against the ledger the call itself changed.
    saved: tuple[Draft, Logged] | None = None


RESULTS = Binding.Group("Result", compact=True)
REASONS = Binding.Group("Reason", compact=True)
OUTCOMES = Binding.Group("Outcome", compact=True)


def _bindings() -> list[Binding]:
    """Every key of the call screen. The Footer shows the essential keys first (save, help,
    end: they stay visible at 80 columns), then the keys grouped (results, reasons,
    outcomes) and the step keys; the rarer ones are on the help screen (? or F1)."""
    b: list[Binding] = [
        Binding("enter", "save", "Save", id="session.save", tooltip="Store this call (on disk at once) and go to the next client"),
        Binding("question_mark,f1", "help", "Help", id="session.help", tooltip="All keys"),
        Binding("q", "end", "End", id="session.end", tooltip="End the session (asks first) and see its summary"),
    ]
    for k, r in RESULT_KEYS.items():
        b.append(Binding(k, f"result('{r.value}')", r.label, id=binding_id(r), tooltip=f"Call result: {r.label}", group=RESULTS))
    for k, r in REASON_KEYS.items():
        b.append(Binding(k, f"reason('{r.value}')", r.label, id=binding_id(r), tooltip=f"Reason: {r.label}", group=REASONS))
    for k, o in OUTCOME_KEYS.items():
        b.append(Binding(k, f"outcome('{o.value}')", o.label, id=binding_id(o), tooltip=f"Outcome: {o.label}", group=OUTCOMES))
    b += [
        Binding("a", "next_action", "Next date", id="session.next_action", tooltip="Change the next action date", show=False),
        Binding("s", "stage", "Script", id="session.stage", tooltip="Show the next script stage: Listen, Flex, Escalate", show=False),
        Binding("h", "history", "History", id="session.history", tooltip="This client's whole history"),
        Binding("k", "skip", "Skip", id="session.skip", tooltip="Skip this client, with a reason"),
        Binding("u", "undo", "Undo", id="session.undo", tooltip="Undo the last saved call of this session", show=False),
        Binding("left_square_bracket", "previous", "Back", id="session.previous", tooltip="Go back to the previous client", show=False),
        Binding("z", "not_today", "Not today", id="session.not_today", tooltip="Who is left out today, and why", show=False),
        Binding("dollar_sign", "payment", "Payment", id="session.payment", tooltip="Payment received from this client: amount, date, invoices, note", show=False),
        Binding("R", "report", "Report", id="session.report", tooltip="Report: aging, promises kept, reach and promise rates, collected, follow-ups this week", show=False),
        Binding("o", "note", "Note", id="session.note", tooltip="Type a note about the call"),
        Binding("y", "copy_phone", "Copy number", id="session.copy_phone", tooltip="Copy this client's phone number, to dial from a softphone or your mobile", show=False),
        Binding("W", "write", "Write", id="session.write", show=False,
                tooltip="Write the message that follows the last saved call (confirmation, plan, receipt…): edit, copy, mail, .eml, PDF, SMS"),
        Binding("E", "client_details", "Client details", id="session.client_details", show=False,
                tooltip="Edit this client's phone, email, contact, address, payment instructions and language"),
        Binding("P", "profile", "Profile", id="session.profile", show=False,
                tooltip="Your business profile: name, contact, phone, email, address, logo, payment instructions, escalation costs"),
        Binding("X", "escalation", "Escalation routes", id="session.escalation", show=False,
                tooltip="Weigh the routes (final notice, lawyer, agency, small claims, settle, write off) and choose one on the record"),
        Binding("F", "casefile", "Case file", id="session.casefile", show=False,
                tooltip="Write this client's case file (PDF, statement and contact log as CSV, letters) for a lawyer, agency or court"),
    ]
    return b


class SessionScreen(Screen):
    KEYS_TITLE = "call"
    BINDINGS = _bindings()
    AUTO_FOCUS = None

    def __init__(self, desk: Desk, queue: Queue, *, minutes: int = 60, demo: bool = False, ticker=time.monotonic):
        super().__init__()
        self.desk = desk
        self.queue = queue
        self.slots = [Slot(e) for e in queue.entries]
        self.index = 0
        self.minutes = minutes
        self.demo = demo
        self.ticker = ticker
        self.started_at = ticker()
        self.session = None
        self.saved_ids: list[int] = []
        self.received: list[Payment] = []  # payments entered with `$` during the session
        self.stage = "listen"
        self.error = ""
        self.warning = ""
        self.time_up = False
        self._st: ClientStanding | None = None
        self.filters = QueueFilter()  # narrows the clients still to call (palette: Filter: …)
        self._none_reopened: tuple | None = None  # see _reoffer

    # layout
    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="body"):
            with VerticalScroll(id="card-scroll"):
                yield ClientCard(id="card")
            with VerticalScroll(id="script-scroll"):
                yield ScriptPanel(id="script")
        yield InvoiceTable(id="invoices", cursor_type="row", zebra_stripes=True)
        yield Static(id="totals")
        with Vertical(id="log"):
            yield LogPanel(id="logpanel")
            yield Input(placeholder="o: type a note about the call (Esc to leave)", id="note")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        try:  # a read-only ledger (--read-only, --salvage) records no session; a full disk must not stop the calls
            self.session = None if self.desk.read_only else self.desk.start_session(self.minutes, len(self.slots))
        except StoreError as e:
            self.notify(f"The session itself could not be recorded: {e}", severity="error", timeout=8)
        self.query_one("#invoices").can_focus = False
        self.show_client()
        self.set_interval(1.0, self.refresh_status)

    def on_resize(self) -> None:
        self.call_after_refresh(self.place_notices)

    def place_notices(self) -> None:
        """Notices end where the script panel ends: above the invoice table, its totals, the
        call being logged and the footer, whatever their heights (they change per client)."""
        body = self.query_one("#body").region
        for rack in self.query("ToastRack"):
            below = max(1, self.size.height - body.bottom)
            if rack.styles.margin.bottom != below:
                rack.styles.margin = (0, 0, below, 0)

    # state
    @property
    def slot(self) -> Slot:
        return self.slots[self.index]

    def remaining_s(self) -> int:
        return int(self.minutes * 60 - (self.ticker() - self.started_at))

    def session_calls(self):
        return self.desk.calls(self.saved_ids)

    def refresh_status(self) -> None:
        from ..services import tally

        t = tally(self.session_calls())
        self.query_one(StatusBar).show(
            position=min(self.index + 1, len(self.slots)), total=len(self.slots), remaining_s=self.remaining_s(),
            reached=t.reached, calls=t.calls, promised=t.promised.format(sep=", ") if t.promised else "nothing yet", demo=self.demo,
            filtered=self.filters.label(), read_only=self.desk.read_only,
        )
        if self.remaining_s() <= 0 and not self.time_up:
            self.time_up = True
            self.notify("The power hour is over. Save this call, then the summary opens (q ends now).", title="Time", timeout=8)

    def show_client(self) -> None:
        slot = self.slot
        if slot.started is None:
            slot.started = self.ticker()
        self._st = st = self.desk.standing(slot.entry.client_id)
        now = self.desk.clock.now()
        # The local time and the mark follow the clock, not the queue's start (notices read them)
        fresh = qfilters.hours_now(slot.entry, now, self.desk.policy)
        if fresh != slot.entry:
            slot.entry = fresh
        self.query_one(ClientCard).show(st, slot.entry, now, self.desk.pay_to(st))
        self.query_one(InvoiceTable).show(st, self.desk.today(), self.desk.policy)
        self.query_one("#totals", Static).update(totals_text(st, self.desk.today(), self.desk.policy))
        d = slot.draft
        self.stage = ("voicemail" if d.result is Result.VOICEMAIL else "escalate" if d.outcome is Outcome.ESCALATE
                      else "flex" if d.reason else "listen")
        note = self.query_one("#note", Input)
        note.value = slot.draft.note
        self.error = self.warning = ""
        self.refresh_script()
        self.refresh_log()
        self.refresh_status()
        self.refresh_bindings()
        self.call_after_refresh(self.place_notices)

    def refresh_script(self) -> None:
        assert self._st is not None
        routes = self.desk.routes(self._st.client.id) if self.stage == "escalate" else None
        self.query_one(ScriptPanel).show(self.desk.script(self._st, self.slot.draft.reason), self.stage, routes)

    def refresh_log(self) -> None:
        """The call as it will be stored: money in the currency's format, dates resolved."""
        d = self.slot.draft
        today = self.desk.today()
        stored, nxt, none_left = "", None, False
        logged: Logged | None = None
        if self.slot.saved is not None and self.slot.saved[0] == d:
            logged = self.slot.saved[1]  # as stored: not worked out again on the ledger it changed
        elif self._st is not None and d.result is not None:
            try:
                logged = self.desk.prepare(d, self._st)
            except DraftError:
                nxt = suggested_next(d, today, self.desk.policy)
        if logged is not None:
            stored, nxt = logged.describe(today), logged.call.next_action
            stored += self._their_time(logged.call.details)
            # the policy would set one, but nothing is left overdue after this call: none
            none_left = nxt is None and suggested_next(d, today, self.desk.policy) is not None
        nxt_text = ("none: nothing is left overdue" if none_left else None) if nxt is None else \
            short_day(nxt, today) + ("" if d.next_action.strip() else " (suggested)")
        self.query_one(LogPanel).show(d, stored, nxt_text, self.error, self.warning)
        self.call_after_refresh(self.place_notices)

    def _their_time(self, details: dict) -> str:
        """' (16:00 theirs)' beside a callback agreed at a time of the owner's, when the client's
        number keeps another time then; '' otherwise."""
        if not details.get("at") or self._st is None:
            return ""
        c = self._st.client
        theirs = phones.their_time(datetime.fromisoformat(details["at"]), phones.zone_of(c.phone, c.region))
        if theirs is None:
            return ""
        day = "" if theirs.date() == datetime.fromisoformat(details["at"]).date() else f"{theirs:%a} "
        return f" ({day}{theirs:%H:%M} theirs)"

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if not self.slots:
            return action in ("end", "help", "not_today", "report", "profile")
        d = self.slot.draft
        if action in ("reason", "outcome"):
            return d.result is Result.REACHED  # hidden from the Footer until the right person is reached
        if action == "undo":
            return True if self.saved_ids else None
        if action == "previous":
            return True if self.index > 0 else None
        if action == "save":
            return True if d.result is not None else None
        if action == "copy_phone":
            return True if self._phone() is not None else None
        return True

    # keys
    def action_result(self, code: str) -> None:
        d = self.slot.draft
        d.result = Result(code)
        if d.result is not Result.REACHED:
            d.reason = None
            d.outcome = None
        # Voicemail: the script panel shows the short message to leave (never the amount).
        stage = "voicemail" if d.result is Result.VOICEMAIL else ("listen" if self.stage == "voicemail" else self.stage)
        if stage != self.stage:
            self.stage = stage
            self.refresh_script()
        self.error = ""
        self.refresh_log()
        self.refresh_bindings()

    def action_reason(self, code: str) -> None:
        d = self.slot.draft
        d.reason = Reason(code)
        self.stage = "flex"
        self.refresh_script()
        self.refresh_log()

    def action_outcome(self, code: str) -> None:
        o = Outcome(code)
        slot = self.slot
        assert self._st is not None
        if o is Outcome.ESCALATE:
            self.stage = "escalate"
            self.refresh_script()
        if o not in NEEDS_DETAILS:
            slot.draft = draft_with(slot.draft, {"outcome": o, "amount": "", "date": "", "what": ""})  # type: ignore[dict-item]
            self.refresh_log()
            return
        today, policy = self.desk.today(), self.desk.policy
        values = defaults(o, self._st, today, policy, caller=self.desk.investigator())
        if o in (Outcome.PROMISE, Outcome.PLAN, Outcome.PAID):
            values["over"] = ""
        if slot.draft.outcome is o:  # reopening keeps what was typed
            for k in values:
                values[k] = getattr(slot.draft, k) or values[k]
        hint = ""
        ahead = owing(self._st, today, policy).not_due
        if ahead and o in (Outcome.PROMISE, Outcome.PLAN):
            hint = f"Not yet due (add to cover it): {listed(ahead, today, policy)}"
        st = self._st
        base = draft_with(slot.draft, {"outcome": o})  # type: ignore[dict-item]

        def check(vals: dict[str, str]):
            return self.desk.prepare(draft_with(base, vals), st)

        def done(vals: dict[str, str] | None) -> None:
            if vals is None:
                return
            slot.draft = draft_with(base, vals)
            slot.draft.note = self.query_one("#note", Input).value
            self.error = ""
            try:
                self.warning = " ".join(check(vals).warnings)
            except DraftError:
                self.warning = ""
            self.refresh_log()
            self.refresh_bindings()

        self.app.push_screen(OutcomeForm(o, values, check, today=today, hint=hint), done)

    def action_note(self) -> None:
        # Focus now, not on the next idle (Widget.focus defers): keys typed straight after
        # `o`, or pasted, must land in the note and not run as commands.
        self.set_focus(self.query_one("#note", Input))

    @on(Input.Changed, "#note")
    def _note_changed(self, event: Input.Changed) -> None:
        if self.slots:
            self.slot.draft.note = event.value

    @on(Input.Submitted, "#note")
    def _note_done(self) -> None:
        self.set_focus(None)

    def key_escape(self) -> None:
        if isinstance(self.focused, Input):
            self.set_focus(None)

    def action_next_action(self) -> None:
        slot = self.slot
        today = self.desk.today()
        current = slot.draft.next_action or (str(suggested_next(slot.draft, today, self.desk.policy) or ""))

        def done(v: str | None) -> None:
            if v is not None:
                slot.draft.next_action = v.strip()
                self.refresh_log()

        self.app.push_screen(PromptForm("Next action date (YYYY-MM-DD or +N days; empty = suggested)", current,
                                        lambda v: parse_day(v, "next_action", today) if v.strip() else None,
                                        placeholder="e.g. +7 or 2026-12-01"), done)

    def action_stage(self) -> None:
        stages = ScriptPanel.STAGES
        self.stage = stages[(stages.index(self.stage) + 1) % len(stages)] if self.stage in stages else stages[0]
        self.refresh_script()

    def _phone(self) -> str | None:
        """The current client's first phone number as it is dialled (international form)."""
        if self._st is None or not self._st.client.phones:
            return None
        c = self._st.client
        dial = phones.parse(c.phones[0], c.region)
        return dial.e164 or dial.display or c.phones[0]

    def action_copy_phone(self) -> None:
        number = self._phone()
        if number is None:
            self.notify("No phone number on file for this client.", title="Copy number", severity="warning", timeout=4)
            return
        self.app.copy_to_clipboard(number)
        self.notify(f"Copied {number}: paste it into your softphone or send it to your mobile.", title="Copy number", timeout=4)

    def action_history(self) -> None:
        from .history import HistoryScreen

        self.app.push_screen(HistoryScreen(self.desk, self.slot.entry.client_id))

    def action_not_today(self) -> None:
        from .history import NotTodayScreen

        def done(client_id: int | None) -> None:
            if client_id is not None:
                self.call_client(client_id)

        self.app.push_screen(NotTodayScreen(self.queue), done)

    def action_payment(self) -> None:
        from .payment import open_payment

        open_payment(self)

    def write_target(self) -> tuple[int, int | None]:
        """(client, call) the write key acts on: this client's call saved in this session
        (after going back), else the last call saved in it, else this client's latest call."""
        if self.slots and self.slot.saved_call_id is not None:
            return self.slot.entry.client_id, self.slot.saved_call_id
        if self.saved_ids:
            call = self.desk.calls([self.saved_ids[-1]])[0]
            return call.client_id, call.id
        cid = self.slot.entry.client_id
        last = self.desk.standing(cid).last_call
        return cid, (last.id if last is not None else None)

    def action_write(self) -> None:
        from ..domain.messages import Kind  # here: the wording (and phonenumbers) are not needed to open
        from .writing import MessageScreen

        if not self.slots:
            return
        client_id, call_id = self.write_target()
        call = self.desk.calls([call_id])[0] if call_id is not None else None
        kind = self.desk.kind_after(call) if call is not None else Kind.REMINDER
        self.app.push_screen(MessageScreen(self.desk, client_id, kind, call_id=call_id))

    def action_client_details(self) -> None:
        from .writing import client_form

        if not self.slots:
            return

        cid = self.slot.entry.client_id

        def done(changed: bool | None) -> None:
            if changed:
                self.relocate(cid)
                self.show_client()
                self.notify("Client details stored.", timeout=3)

        self.app.push_screen(client_form(self.desk, cid), done)

    def relocate(self, client_id: int) -> None:
        """The client's local time and calling-hours mark worked out again from their number as
        it is now (after their details change), in the session and in the queue it filters."""
        c = self.desk.standing(client_id).client
        zone = phones.zone_of(c.phone, c.region)
        now, policy = self.desk.clock.now(), self.desk.policy
        for s in self.slots:
            if s.entry.client_id == client_id:
                s.entry = qfilters.hours_in(s.entry, zone, now, policy)
        self.queue.entries = [qfilters.hours_in(e, zone, now, policy) if e.client_id == client_id else e
                              for e in self.queue.entries]
        self._none_reopened = None  # an out-of-hours client may have become callable

    def action_profile(self) -> None:
        from .writing import profile_form

        currencies = {i.currency for i in self._st.file.open_invoices} if self._st is not None else set()

        def done(changed: bool | None) -> None:
            if changed:
                if self.slots:
                    self.show_client()
                self.notify("Business profile stored.", timeout=3)

        self.app.push_screen(profile_form(self.desk, currencies), done)

    def action_escalation(self) -> None:
        from .escalation import EscalationScreen

        if not self.slots:
            return
        slot = self.slot

        def done(chosen) -> None:
            if chosen is None:
                self.refresh_script()
                return
            step, est = chosen
            day = format_date(step.check, "EEE d MMM", locale="en_US") if step.check else ""
            when = (f"deadline {day}" if est.route.value == "final-notice" else f"back in the queue {day}") if step.check \
                else "out of the queue for good"
            self.notify(f"Recorded: {est.route.label} for {slot.entry.name} · estimated cost "
                        f"{format_money(step.cost, step.currency)} · {when}.", title="Escalation", timeout=6)
            d = slot.draft
            if d.result is not None:
                # the call being keyed in stays: its next action follows the route's check date
                if d.result is Result.REACHED and d.outcome is None:
                    slot.draft = draft_with(d, {"outcome": Outcome.ESCALATE})  # type: ignore[dict-item]
                if step.check is not None and not slot.draft.next_action:
                    slot.draft.next_action = step.check.isoformat()
                self.stage = "escalate"
                self.refresh_script()
                self.refresh_log()
                self.refresh_bindings()
            if est.route.value == "final-notice":
                from ..domain.messages import Kind
                from .writing import MessageScreen

                self.app.push_screen(MessageScreen(self.desk, slot.entry.client_id, Kind.FINAL_NOTICE),
                                     (lambda _: self.advance()) if d.result is None else None)
            elif d.result is None:
                self.advance()  # nothing keyed in for this client, who has left the queue: the next one

        self.app.push_screen(EscalationScreen(self.desk, slot.entry.client_id), done)

    def action_casefile(self) -> None:
        from .escalation import open_case_file

        if not self.slots:
            return
        open_case_file(self, self.desk, self.slot.entry.client_id, self.slot.entry.name)

    def action_report(self) -> None:
        from .report import ReportScreen

        self.app.push_screen(ReportScreen(self.desk))

    def action_help(self) -> None:
        from .help import HelpScreen

        self.app.push_screen(HelpScreen(self))

    def action_save(self) -> None:
        slot = self.slot
        assert self._st is not None
        slot.draft.note = self.query_one("#note", Input).value
        duration = int(self.ticker() - slot.started) if slot.started is not None else None
        try:
            logged = self.desk.prepare(slot.draft, self._st, session_id=self.session.id if self.session else None, duration_s=duration)
        except DraftError as e:
            self.error = str(e)
            self.refresh_log()
            return
        try:
            # re-logging a client after going back replaces the earlier call: both land, or neither
            call = self.desk.replace_call(slot.saved_call_id, logged)
        except (StoreError, ReadOnly) as e:
            self.error = (f"Not saved: {self.desk.path or 'this ledger'} is open read-only; nothing is written to it."
                          if self.desk.read_only else
                          f"Not saved: {str(e).rstrip('.')}. Nothing typed is lost; press Enter to try again.")
            self.refresh_log()
            self.notify("Not saved: see the message under the call.", severity="error", timeout=5)
            return
        if slot.saved_call_id is not None:
            self.saved_ids.remove(slot.saved_call_id)
        slot.saved_call_id = call.id
        slot.saved = (slot.draft.copy(), logged)
        self.saved_ids.append(call.id)  # type: ignore[arg-type]
        follow = self.desk.kind_after(call) if call.result is not Result.SKIPPED else None
        hint = f"  W: write the {follow.label.lower()}" if follow is not None and (call.outcome or call.result is not Result.REACHED) else ""
        self.notify(f"Saved: {slot.entry.name} · {call.result.label}" + (f" · {call.outcome.label}" if call.outcome else "") + hint, timeout=3)
        self.advance()

    def advance(self) -> None:
        if self.filters.callable_now and not self.time_up:
            self.rebuild_remaining(self.filters)  # "callable now" follows the clock: hours open and close
        nxt = next((i for i in range(self.index + 1, len(self.slots)) if self.slots[i].saved_call_id is None), None)
        if nxt is None or self.time_up:
            self.finish()
            return
        self._reoffer(nxt)
        self.index = nxt
        self.show_client()
        entry = self.slot.entry
        if entry.out_of_hours and entry.local is not None:
            p = self.desk.policy
            self.notify(f"{entry.name}: {entry.local.hour}:{entry.local.minute:02d} local, outside calling hours "
                        f"({p.call_start:%H:%M}-{p.call_end:%H:%M}). You can still call, or skip with k.", title="Calling hours", timeout=6)

    def _reoffer(self, nxt: int) -> None:
        """Out-of-hours clients wait at the end of the queue; when one's calling hours have
        opened, it becomes the next client (with a notice). One at a time, in queue order."""
        now = self.desk.clock.now()
        # Nothing reopened at the last look, this same minute, over the same slots from the
        # same place or an earlier one: the slots from here are among those looked at. Saves
        # a walk over thousands of slots on every Enter; a new minute, a changed queue or
        # going back before that place looks again.
        seen = (now.replace(second=0, microsecond=0), len(self.slots), id(self.slots))
        last = self._none_reopened
        if last is not None and last[0] == seen and nxt >= last[1]:
            return
        policy = self.desk.policy
        blank = Draft()
        opened: dict = {}  # per time zone: are its hours open now? (thousands of clients share a few zones)
        for i in range(nxt, len(self.slots)):
            s = self.slots[i]
            local = s.entry.local
            if s.saved_call_id is not None or not s.entry.out_of_hours or local is None or local.tzinfo is None:
                continue
            tz = local.tzinfo
            if tz not in opened:
                opened[tz] = not qfilters.hours_now(s.entry, now, policy).out_of_hours
            if not opened[tz] or s.draft != blank:
                continue
            fresh = qfilters.hours_now(s.entry, now, policy)
            if fresh.out_of_hours:
                continue
            s.entry = fresh
            if i != nxt:
                self.slots.insert(nxt, self.slots.pop(i))
            local = fresh.local
            when = f": {local.hour}:{local.minute:02d} local" if local is not None else ""
            self.notify(f"{fresh.name}'s hours have opened{when}. Calling them next.", title="Calling hours", timeout=6)
            return
        self._none_reopened = (seen, nxt)

    def action_skip(self) -> None:
        slot = self.slot

        def done(v: str | None) -> None:
            if v is None:
                return
            slot.draft = Draft(result=Result.SKIPPED, skip_reason=v, note=slot.draft.note)
            self.action_save()

        def check(v: str) -> None:
            if not v.strip():
                raise ValueError("Say why this client is skipped (e.g. 'owner away until Monday').")

        self.app.push_screen(PromptForm(f"Skip {slot.entry.name}: why?", "", check, placeholder="e.g. owner away until Monday"), done)

    def action_undo(self) -> None:
        if not self.saved_ids:
            return
        call_id = self.saved_ids.pop()
        try:
            call = self.desk.undo(call_id)
        except StoreError as e:
            self.saved_ids.append(call_id)
            self.notify(f"Undo failed: {e}", severity="error")
            return
        for i, s in enumerate(self.slots):
            if s.saved_call_id == call_id:
                s.saved_call_id = None
                s.saved = None
                det = call.details
                day = det.get("date", det.get("get_back", det.get("first", "")))
                s.draft = Draft(result=call.result if call.result is not Result.SKIPPED else None,
                                reason=call.reason, outcome=call.outcome, note=call.note if call.result is not Result.SKIPPED else "",
                                amount=det.get("amount", ""), date=f"{day} {det['time']}" if day and det.get("time") else day,
                                what=det.get("what", ""), invoices=", ".join(det.get("invoices", [])), over=det.get("over", ""),
                                who=det.get("who", ""),
                                count=str(det.get("count", "3")), frequency=det.get("frequency", "monthly"))
                self.index = i
                break
        self.notify("Undone: the call is removed from the ledger; its details are back in the form.", timeout=4)
        self.show_client()

    def action_previous(self) -> None:
        if self.index > 0:
            self.index -= 1
            self.show_client()

    def action_end(self) -> None:
        """q: asks first (a stray q must not end the hour); the summary then opens, and Esc
        there comes back to the calls."""
        typed = self.slots and self.slot.saved_call_id is None and self.slot.draft != Draft()
        warn = f" The call to {self.slot.entry.name} is not saved yet: it stays here if you come back." if typed else ""

        def done(yes: bool | None) -> None:
            if yes:
                self.finish()

        self.app.push_screen(ConfirmForm("End the session?", f"You will see its summary; every saved call is kept.{warn}",
                                         yes="End session", no="Keep calling"), done)

    def finish(self) -> None:
        from .summary import SummaryScreen

        if self.session is not None:
            try:
                self.session = self.desk.end_session(self.session)
            except StoreError:
                pass  # only the session's end time is lost; every call is already on disk
        self.app.push_screen(SummaryScreen(self.desk, self.session, self.session_calls(), len(self.slots), self.received,
                                           elapsed_s=self.ticker() - self.started_at))

    def typed(self) -> tuple[int, str, Draft] | None:
        """The call being keyed in and not saved yet: (client id, name, draft); None when nothing is typed."""
        if not self.slots or self.slot.saved_call_id is not None:
            return None
        d = self.slot.draft.copy()
        d.note = self.query_one("#note", Input).value
        return None if d == Draft() else (self.slot.entry.client_id, self.slot.entry.name, d)

    def take_draft(self, client_id: int, draft: Draft) -> bool:
        """Put a call keyed in elsewhere in this client's form and go to it; False when the
        client is not in this session's queue."""
        for s in self.slots:
            if s.entry.client_id == client_id and s.saved_call_id is None:
                s.draft = draft
                if self.is_mounted:
                    self.call_client(client_id)
                else:
                    self.index = self.slots.index(s)
                return True
        return False

    def call_client(self, client_id: int) -> None:
        """Go to a client: its place in the queue, or added right after the current one."""
        for i, s in enumerate(self.slots):
            if s.entry.client_id == client_id:
                self.index = i
                self.show_client()
                return
        st = self.desk.standing(client_id)
        held = next((h.why for h in self.queue.not_today if h.client_id == client_id), "added by hand")
        entry = Entry(client_id, st.client.name, 3, f"not in today's queue ({held})", 0.0, st.stage, st.days, st.owed)
        pos = self.index + 1 if self.slots else 0
        self.slots.insert(pos, Slot(entry))
        self.index = pos
        self.show_client()

    # queue filters and imports (the palette's "Filter: …" and "Import invoices…")
    def filter_commands(self):
        """Palette entries (name, help, action) for the queue filters."""
        f = self.filters
        yield ("Filter: callable now", "Only clients within their calling hours at this moment", "filter('callable')")
        yield ("Filter: follow-ups and broken promises only", "Only follow-ups due and broken promises (the queue's first two tiers)", "filter('urgent')")
        curs = qfilters.currencies(self.queue.entries)
        if len(curs) > 1:
            for cur in curs:
                yield (f"Filter: currency {cur}", f"Only clients who owe something in {cur}", f"filter('currency', '{cur}')")
        yield ("Filter: minimum balance…", "Only clients who owe at least an amount", "filter_min_balance")
        for st in queue_stage_figures(self.queue.entries, self.queue.not_today):
            if not st.clients:
                continue
            money = st.money.format(sep=", ") if st.money else "nothing"
            if st.stage == REVIEW:
                count = f"{st.clients} client{'s' if st.clients != 1 else ''} in today's queue"
            else:
                running = st.clients - st.due
                count = f"{st.due} due back today, {running} running"
            yield (f"Filter: escalation: {st.label}", f"{count}; {money}", f"filter('stage', '{st.stage}')")
        if f.active:
            yield ("Filter: clear", f"Back to the whole queue (filter now: {f.label()})", "filter_clear")

    def action_filter(self, kind: str, value: str = "") -> None:
        f = self.filters
        if kind == "callable":
            self.set_filter(replace(f, callable_now=True))
        elif kind == "urgent":
            self.set_filter(replace(f, urgent_only=True))
        elif kind == "currency":
            self.set_filter(replace(f, currency=value.upper() or None))
        elif kind == "stage":
            self.set_filter(replace(f, stage=value or None))

    def action_filter_min_balance(self) -> None:
        f = self.filters
        current = str(f.min_balance) if f.min_balance is not None else ""
        where = f"in {f.currency}" if f.currency else "in any one currency"
        check = lambda v: qfilters.parse_amount(v) if v.strip() else None  # noqa: E731

        def done(v: str | None) -> None:
            if v is not None:
                self.set_filter(replace(self.filters, min_balance=check(v)))

        self.app.push_screen(PromptForm(f"Minimum balance owed ({where}); empty = no minimum", current, check), done)

    def action_filter_clear(self) -> None:
        self.set_filter(QueueFilter())

    def set_filter(self, flt: QueueFilter) -> None:
        if flt == self.filters:
            self.notify(f"Filter already on: {flt.label() or 'none'}.", title="Filter", timeout=3)
            return
        if not self.rebuild_remaining(flt):
            self.notify(f"No client still to call matches this filter ({flt.label()}); the queue is unchanged.",
                        title="Filter", severity="warning", timeout=6)
            return
        self.filters = flt
        left = sum(1 for s in self.slots if s.saved_call_id is None)
        self.notify(f"{'Filter: ' + flt.label() if flt.active else 'Filter cleared: the whole queue'} · {left} still to call.",
                    title="Filter", timeout=4)
        self.show_client()

    def rebuild_remaining(self, flt: QueueFilter) -> bool:
        """Fill the clients still to call again from the queue (``self.queue``) through ``flt``,
        in queue order. Nothing typed is lost: calls saved this session, clients with
        something keyed in, clients added by hand and the current client (unless untouched
        and filtered out) stay. False, changing nothing, when no client still to call matches."""
        now = self.desk.clock.now()
        base = self.queue.entries
        rank = {e.client_id: n for n, e in enumerate(base)}
        matching = qfilters.apply(base, flt, now, self.desk.policy)
        saved = {s.entry.client_id for s in self.slots if s.saved_call_id is not None}
        if not any(e.client_id not in saved for e in matching):
            return False
        match_ids = {e.client_id for e in matching}

        def kept(s: Slot) -> bool:
            return s.saved_call_id is not None or s.draft != Draft() or s.entry.client_id not in rank

        cur = self.slots[self.index] if self.slots else None
        head = [s for s in self.slots[: self.index] if kept(s)]
        cur_kept = cur is not None and (kept(cur) or cur.entry.client_id in match_ids)
        tail = [s for s in self.slots[self.index + 1:] if kept(s)]
        present = {s.entry.client_id for s in head + tail} | ({cur.entry.client_id} if cur is not None and cur_kept else set())
        old = {s.entry.client_id: s for s in self.slots}
        tail += [old.get(e.client_id) or Slot(e) for e in matching if e.client_id not in present]
        tail.sort(key=lambda s: rank.get(s.entry.client_id, -1))  # stable: added by hand stays first
        slots = head + ([cur] if cur is not None and cur_kept else []) + tail
        if cur_kept:
            index = len(head)
        else:
            todo = [i for i, s in enumerate(slots) if s.saved_call_id is None]
            index = next((i for i in todo if i >= len(head)), todo[0] if todo else 0)
        self.slots, self.index = slots, index
        return True

    def action_import_invoices(self) -> None:
        from .importer import open_import

        open_import(self, self.desk, self.after_import)

    def after_import(self, counts: dict | None) -> None:
        """Imported mid-session: newly queued clients join the clients still to call, in
        queue order; saved calls, drafts and the current client stay as they are."""
        from .importer import stored_text

        if counts is None:
            return
        q = self.desk.queue()
        fresh = {e.client_id: e for e in q.entries}
        before = {s.entry.client_id for s in self.slots}
        for s in self.slots:
            if s.entry.client_id in fresh:
                s.entry = fresh[s.entry.client_id]
        self.queue = q
        note = ""
        if not self.rebuild_remaining(self.filters) and self.filters.active and self.rebuild_remaining(QueueFilter()):
            self.filters = QueueFilter()
            note = " The queue filter is cleared: nobody still to call matched it."
        added = len({s.entry.client_id for s in self.slots} - before)
        self.notify(f"{stored_text(counts)} {count(added, 'client')} added to the queue.{note}", title="Import", timeout=8)
        self.show_client()

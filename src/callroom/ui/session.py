"""The call session: one client at a time, facts, script, and single-key logging."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from ..domain.codes import Outcome, Reason, Result
from ..domain.drafts import NEEDS_DETAILS, Draft, DraftError, defaults, parse_day, suggested_next
from ..domain.money import Totals
from ..domain.queue import ClientStanding, Entry, Queue
from ..services import Desk
from ..store import StoreError
from .forms import OutcomeForm, PromptForm, draft_with
from .keys import OUTCOME_KEYS, REASON_KEYS, RESULT_KEYS
from .widgets import ClientCard, InvoiceTable, LogPanel, ScriptPanel, StatusBar


@dataclass
class Slot:
    """One client's place in the session: the draft being keyed in, what was saved."""

    entry: Entry
    draft: Draft = field(default_factory=Draft)
    saved_call_id: int | None = None
    started: float | None = None


def _bindings() -> list[Binding]:
    b: list[Binding] = []
    for k, r in RESULT_KEYS.items():
        b.append(Binding(k, f"result('{r.value}')", r.label, id=f"result.{r.value}", tooltip=f"Call result: {r.label}", show=k == "r"))
    for k, r in REASON_KEYS.items():
        b.append(Binding(k, f"reason('{r.value}')", r.label, id=f"reason.{r.value}", tooltip=f"Reason: {r.label}", show=False))
    for k, o in OUTCOME_KEYS.items():
        b.append(Binding(k, f"outcome('{o.value}')", o.label, id=f"outcome.{o.value}", tooltip=f"Outcome: {o.label}", show=False))
    b += [
        Binding("enter", "save", "Save & next", id="session.save", tooltip="Store this call (on disk at once) and go to the next client"),
        Binding("o", "note", "Note", id="session.note", tooltip="Type a note about the call"),
        Binding("a", "next_action", "Next date", id="session.next_action", tooltip="Change the next action date"),
        Binding("s", "stage", "Script", id="session.stage", tooltip="Show the next script stage: Listen, Flex, Escalate"),
        Binding("h", "history", "History", id="session.history", tooltip="This client's whole history"),
        Binding("k", "skip", "Skip", id="session.skip", tooltip="Skip this client, with a reason"),
        Binding("u", "undo", "Undo", id="session.undo", tooltip="Undo the last saved call of this session"),
        Binding("left_square_bracket", "previous", "Back", id="session.previous", tooltip="Go back to the previous client"),
        Binding("z", "not_today", "Not today", id="session.not_today", tooltip="Who is left out today, and why"),
        Binding("q", "end", "End", id="session.end", tooltip="End the session and see its summary"),
        Binding("question_mark,f1", "help", "Help", id="session.help", tooltip="All keys"),
    ]
    return b


class SessionScreen(Screen):
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
        self.stage = "listen"
        self.error = ""
        self.warning = ""
        self.time_up = False
        self._st: ClientStanding | None = None

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
        yield Footer()

    def on_mount(self) -> None:
        self.session = self.desk.start_session(self.minutes, len(self.slots))
        self.query_one("#invoices").can_focus = False
        self.show_client()
        self.set_interval(1.0, self.refresh_status)

    # state
    @property
    def slot(self) -> Slot:
        return self.slots[self.index]

    def remaining_s(self) -> int:
        return int(self.minutes * 60 - (self.ticker() - self.started_at))

    def session_calls(self):
        calls = []
        for cid in self.saved_ids:
            try:
                calls.append(self.desk.store.calls.get(cid))
            except LookupError:
                pass
        return calls

    def refresh_status(self) -> None:
        from ..services import tally

        t = tally(self.session_calls())
        self.query_one(StatusBar).show(
            position=min(self.index + 1, len(self.slots)), total=len(self.slots), remaining_s=self.remaining_s(),
            reached=t.reached, calls=t.calls, promised=t.promised.format(sep=", ") if t.promised else "nothing yet", demo=self.demo,
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
        self.query_one(ClientCard).show(st, slot.entry, now)
        self.query_one(InvoiceTable).show(st, self.desk.today(), self.desk.policy)
        tot = f"Owed: {st.owed.format(sep=' + ')}"
        if st.chase:
            oldest = min(st.chase, key=lambda i: (i.due or date.max))
            tot += f"   Oldest: {oldest.number} ({st.days} days)"
        self.query_one("#totals", Static).update(tot)
        self.stage = "escalate" if slot.draft.outcome is Outcome.ESCALATE else ("flex" if slot.draft.reason else "listen")
        note = self.query_one("#note", Input)
        note.value = slot.draft.note
        self.error = self.warning = ""
        self.refresh_script()
        self.refresh_log()
        self.refresh_status()
        self.refresh_bindings()

    def refresh_script(self) -> None:
        assert self._st is not None
        self.query_one(ScriptPanel).show(self.desk.script(self._st, self.slot.draft.reason), self.stage)

    def refresh_log(self) -> None:
        d = self.slot.draft
        self.query_one(LogPanel).show(d, suggested_next(d, self.desk.today(), self.desk.policy), self.error, self.warning)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if not self.slots:
            return action in ("end", "help", "not_today")
        d = self.slot.draft
        if action in ("reason", "outcome"):
            return True if d.result is Result.REACHED else None
        if action == "undo":
            return True if self.saved_ids else None
        if action == "previous":
            return True if self.index > 0 else None
        if action == "save":
            return True if d.result is not None else None
        return True

    # keys
    def action_result(self, code: str) -> None:
        d = self.slot.draft
        d.result = Result(code)
        if d.result is not Result.REACHED:
            d.reason = None
            d.outcome = None
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
        values = defaults(o, self._st, self.desk.today(), self.desk.policy)
        if slot.draft.outcome is o:  # reopening keeps what was typed
            for k in values:
                values[k] = getattr(slot.draft, k) or values[k]
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

        self.app.push_screen(OutcomeForm(o, values, check), done)

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
                                        lambda v: parse_day(v, "next_action", today) if v.strip() else None), done)

    def action_stage(self) -> None:
        stages = ScriptPanel.STAGES
        self.stage = stages[(stages.index(self.stage) + 1) % len(stages)]
        self.refresh_script()

    def action_history(self) -> None:
        from .history import HistoryScreen

        self.app.push_screen(HistoryScreen(self.desk, self.slot.entry.client_id))

    def action_not_today(self) -> None:
        from .history import NotTodayScreen

        def done(client_id: int | None) -> None:
            if client_id is not None:
                self.call_client(client_id)

        self.app.push_screen(NotTodayScreen(self.queue), done)

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
            if slot.saved_call_id is not None:  # re-logging a client after going back: replace the earlier call
                self.desk.undo(slot.saved_call_id)
                self.saved_ids.remove(slot.saved_call_id)
            call = self.desk.record(logged)
        except StoreError as e:
            self.error = f"Not saved: {e}. Nothing typed is lost; press Enter to try again."
            self.refresh_log()
            return
        slot.saved_call_id = call.id
        self.saved_ids.append(call.id)  # type: ignore[arg-type]
        self.notify(f"Saved: {slot.entry.name} · {call.result.label}" + (f" · {call.outcome.label}" if call.outcome else ""), timeout=3)
        self.advance()

    def advance(self) -> None:
        nxt = next((i for i in range(self.index + 1, len(self.slots)) if self.slots[i].saved_call_id is None), None)
        if nxt is None or self.time_up:
            self.finish()
            return
        self.index = nxt
        self.show_client()

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

        self.app.push_screen(PromptForm(f"Skip {slot.entry.name}: why?", "", check), done)

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
                s.draft = Draft(result=call.result if call.result is not Result.SKIPPED else None,
                                reason=call.reason, outcome=call.outcome, note=call.note if call.result is not Result.SKIPPED else "",
                                amount=call.details.get("amount", ""), date=call.details.get("date", call.details.get("get_back", call.details.get("first", ""))),
                                what=call.details.get("what", ""))
                self.index = i
                break
        self.notify("Undone: the call is removed from the ledger; its details are back in the form.", timeout=4)
        self.show_client()

    def action_previous(self) -> None:
        if self.index > 0:
            self.index -= 1
            self.show_client()

    def action_end(self) -> None:
        self.finish()

    def finish(self) -> None:
        from .summary import SummaryScreen

        if self.session is not None:
            self.session = self.desk.end_session(self.session)
        self.app.switch_screen(SummaryScreen(self.desk, self.session, self.session_calls(), len(self.slots)))

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

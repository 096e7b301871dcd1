"""The calling session: today's queue, one client's standing and script, what a call
becomes, storing it (durable before it returns), undoing it, and the session's tally."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Iterable

from .. import zonecache
from ..domain import queue as queue_mod
from ..domain import script as script_mod
from ..domain.codes import Outcome, PromiseStatus, Reason, Result
from ..domain.drafts import Draft, Logged, build
from ..domain.models import Call, Payment, Promise, Session
from ..domain.money import Totals
from ..domain.policy import Policy
from ..domain.profile import payment_instructions
from ..domain.promises import judge
from ..domain.queue import ClientStanding, Queue
from ..importers import gc_paused

if TYPE_CHECKING:
    from ..domain.clock import Clock
    from ..store.repo import Store


@dataclass
class SessionTally:
    calls: int = 0
    reached: int = 0
    promises: int = 0  # promises to pay (a plan is counted in plans, not here)
    promised: Totals = None  # type: ignore[assignment]  # by the promises and the plans
    plans: int = 0
    disputes: int = 0
    escalations: int = 0
    skipped: int = 0
    followups: int = 0
    seconds: int = 0
    payments: int = 0  # received: paid on a call, or entered with `$` during the session
    received: Totals = None  # type: ignore[assignment]

    def __post_init__(self):
        if self.promised is None:
            self.promised = Totals()
        if self.received is None:
            self.received = Totals()

    @property
    def reach_rate(self) -> float:
        return self.reached / self.calls if self.calls else 0.0

    @property
    def avg_seconds(self) -> float:
        return self.seconds / self.calls if self.calls else 0.0

    def per_hour(self, elapsed_s: float) -> float | None:
        """Calls per hour over ``elapsed_s`` seconds of session; None without calls or before
        a minute has passed (a rate over seconds says nothing)."""
        if not self.calls or elapsed_s < 60:
            return None
        return round(self.calls * 3600 / elapsed_s, 1)


def _add_agreed(totals: Totals, details: dict) -> bool:
    """Add a call's amount (its details' ``amount`` and ``currency``) to ``totals``; False
    when the call names none."""
    amt, cur = details.get("amount"), details.get("currency")
    if not (amt and cur):
        return False
    totals[cur] = totals.get(cur, Decimal(0)) + Decimal(amt)
    return True


def tally(calls: Iterable[Call], payments: Iterable[Payment] = ()) -> SessionTally:
    """What a session's ``calls`` achieved; ``payments``: those entered apart from a call
    during it (a payment made on a call is counted from the call)."""
    t = SessionTally()
    for p in payments:
        t.payments += 1
        t.received[p.currency] = t.received.get(p.currency, Decimal(0)) + p.amount
    for c in calls:
        if c.result is Result.SKIPPED:
            t.skipped += 1
            continue
        t.calls += 1
        t.seconds += c.duration_s or 0
        if c.result is Result.REACHED:
            t.reached += 1
        if c.outcome in (Outcome.PROMISE, Outcome.PLAN):
            t.promises += c.outcome is Outcome.PROMISE
            _add_agreed(t.promised, c.details)
        if c.outcome is Outcome.PAID and _add_agreed(t.received, c.details):
            t.payments += 1
        if c.outcome is Outcome.PLAN:
            t.plans += 1
        if c.outcome is Outcome.DISPUTE:
            t.disputes += 1
        if c.outcome is Outcome.ESCALATE:
            t.escalations += 1
        if c.next_action is not None:
            t.followups += 1
    return t


class SessionDesk:
    """The queue, the call and its undo (part of :class:`callroom.services.Desk`)."""

    store: "Store"
    clock: "Clock"

    def _init_session(self) -> None:
        # What the last queue build worked out per client, and where the data stood then:
        # the next build works out again only the clients written since.
        self._queue_memo = queue_mod.QueueMemo()
        self._queue_mark: tuple | None = None

    @property
    def policy(self) -> Policy:
        return self.store.settings.policy

    def today(self) -> date:
        return self.clock.today()

    def queue(self) -> Queue:
        # queue_files: each client's file cut down to what the queue reads (same queue, faster).
        # After the first build, only the clients written since are read and worked out again
        # (queue_changes, rebuild): the same queue as a build from scratch.
        # The cyclic garbage collector is paused meanwhile: the build makes ~100,000 small
        # objects (no cycles among them), and on a large ledger each full collection it would
        # set off rescans everything loaded (~0.25 s each, several per build).
        # The zones of the clients' numbers come from the cache of earlier runs (zonecache);
        # what this build worked out anew is kept for the next.
        store, now, policy = self.store, self.clock.now(), self.policy
        zonecache.load()
        try:
            return self._queue(store, now, policy)
        finally:
            zonecache.save()

    def _queue(self, store: "Store", now: datetime, policy: Policy) -> Queue:
        with gc_paused():
            changed = store.queue_changes(self._queue_mark)
            mark = store.queue_mark()
            q = None if changed is None else queue_mod.rebuild(self._queue_memo, changed, now, policy)
            if q is None:
                self._queue_memo.key = None  # until build has worked everyone out again
                q = self._full_build(store, now, policy)
            self._queue_mark = mark  # only once the memo is up to date with it
            return q

    def _full_build(self, store: "Store", now: datetime, policy: Policy) -> Queue:
        """Today's queue worked out for every client (filling the memo)."""
        return queue_mod.build(store.queue_files(), now, policy, memo=self._queue_memo)

    def standing(self, client_id: int) -> ClientStanding:
        return queue_mod.standing(self.store.client_file(client_id), self.today(), self.policy)

    def script(self, st: ClientStanding, reason: Reason | None = None) -> script_mod.Script:
        s = self.store.settings
        return script_mod.compose(st, self.today(), reason=reason, caller=s.caller, business=s.business, policy=self.policy,
                                  instructions=self.pay_to(st), callback_number=self.callback_number())

    def pay_to(self, st: ClientStanding) -> str:
        """How this client pays what it owes: its own instructions, else the profile's for
        the currencies of its open invoices ('' when none is set)."""
        invs = st.chase or st.file.open_invoices
        return payment_instructions(st.client, self.store.settings.profile, {i.currency for i in invs})

    def investigator(self) -> str:
        """Who looks into a dispute unless the owner names someone else: the caller (settings),
        else the profile's contact ('' when neither is set)."""
        s = self.store.settings
        return (s.caller or s.profile.contact or "").strip()

    def callback_number(self) -> str:
        """The owner's phone, for a voicemail to leave (from the business profile; '' when none)."""
        return self.store.settings.profile.phone.strip()

    def prepare(self, draft: Draft, st: ClientStanding, *, session_id: int | None = None, duration_s: int | None = None) -> Logged:
        return build(draft, st, self.clock.now(), self.policy, session_id=session_id, duration_s=duration_s)

    def record(self, logged: Logged) -> Call:
        """Store the call and what it agreed; durable when this returns."""
        s = self.store
        with s.transaction():
            replaced = self._open_promises(logged.call.client_id) if logged.promises else []
            call = s.calls.record(logged.call, promises=logged.promises, plan=logged.plan, dispute=logged.dispute, payment=logged.payment)
            pay_id = call.details.get("links", {}).get("payment")
            if pay_id is not None:
                self._apply_payment(s.ledger.payments.get(pay_id))  # type: ignore[attr-defined]  # PaymentsDesk
            if replaced:
                call = self._replace_promises(call, replaced)
        return call

    def replace_call(self, old_call_id: int | None, logged: Logged) -> Call:
        """Store ``logged`` in place of an earlier call of the session (re-logging a client
        after going back): the undo and the new call land together, or neither does."""
        with self.store.transaction():
            if old_call_id is not None:
                self.undo(old_call_id)
            return self.record(logged)

    def _open_promises(self, client_id: int) -> list[Promise]:
        """Promises (and plan instalments) not yet due and not yet kept: a new promise or plan
        agreed on a call replaces them, so a date moved before it passed is not a broken promise."""
        cf = self.store.client_file(client_id)
        return [j.promise for j in judge(cf.promises, cf.payments, self.today()) if j.status is PromiseStatus.OPEN]

    def _replace_promises(self, call: Call, old: list[Promise]) -> Call:
        s = self.store
        plans: set[int] = set()
        for p in old:
            s.promises.save(replace(p, cancelled=True))
            if p.plan_id is not None:
                plans.add(p.plan_id)
        for pid in plans:
            s.plans.save(replace(s.plans.get(pid), cancelled=True))
        details = dict(call.details)
        links = dict(details.get("links", {}))
        links["replaced_promises"] = [p.id for p in old]
        links["replaced_plans"] = sorted(plans)
        details["links"] = links
        return s.calls.save(replace(call, details=details))

    def log(self, draft: Draft, client_id: int, **kw) -> tuple[Call, Logged]:
        st = self.standing(client_id)
        logged = self.prepare(draft, st, **kw)
        return self.record(logged), logged

    def undo(self, call_id: int) -> Call:
        s = self.store
        call = s.calls.get(call_id)
        with s.transaction():
            pay_id = call.details.get("links", {}).get("payment")
            if pay_id is not None:
                self._reverse_payment(call)  # type: ignore[attr-defined]  # PaymentsDesk
            links = call.details.get("links", {})
            for pid in links.get("replaced_promises", []):
                s.promises.save(replace(s.promises.get(pid), cancelled=False))
            for pid in links.get("replaced_plans", []):
                s.plans.save(replace(s.plans.get(pid), cancelled=False))
            s.calls.undo(call_id)
        return call

    def call(self, call_id: int) -> Call:
        """One stored call (LookupError when it is gone)."""
        return self.store.calls.get(call_id)

    def calls(self, call_ids: Iterable[int]) -> list[Call]:
        """The stored calls among ``call_ids``, in that order (undone ones left out)."""
        out = []
        for cid in call_ids:
            try:
                out.append(self.store.calls.get(cid))
            except LookupError:
                pass
        return out

    # sessions
    def start_session(self, minutes: int, planned: int) -> Session:
        now = self.clock.now().replace(tzinfo=None, microsecond=0)
        return self.store.sessions.start(now, self.today(), minutes, planned)

    def end_session(self, session: Session) -> Session:
        return self.store.sessions.end(session, self.clock.now().replace(tzinfo=None, microsecond=0))

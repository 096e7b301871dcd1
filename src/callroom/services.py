"""The service layer between the store and the screens/CLI (no Textual here).

``Desk`` answers the questions a calling session asks — today's queue, one client's
standing and script, what a call becomes — and performs the writes, each durable
before it returns.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Iterable, Iterator

from .domain import queue as queue_mod
from .domain import script as script_mod
from .domain.clock import Clock
from .domain.codes import Outcome, Reason, Result
from .domain.drafts import Draft, Logged, build
from .domain.codes import PromiseStatus
from .domain.models import Call, ClientFile, Invoice, Payment, Promise, Session
from .domain.promises import judge
from .domain.money import Totals
from .domain.policy import Policy
from .domain.queue import ClientStanding, Queue
from .store.repo import Store, record_of
from . import zonecache


@dataclass
class SessionTally:
    calls: int = 0
    reached: int = 0
    promises: int = 0
    promised: Totals = None  # type: ignore[assignment]
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
            t.promises += 1
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


@contextmanager
def _gc_paused() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class Desk:
    def __init__(self, store: Store, clock: Clock | None = None):
        self.store = store
        self.clock = clock or Clock()
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

    def _queue(self, store: Store, now: datetime, policy: Policy) -> Queue:
        with _gc_paused():
            changed = store.queue_changes(self._queue_mark)
            mark = store.queue_mark()
            q = None if changed is None else queue_mod.rebuild(self._queue_memo, changed, now, policy)
            if q is None:
                self._queue_memo.key = None  # until build has worked everyone out again
                q = queue_mod.build(store.queue_files(), now, policy, memo=self._queue_memo)
            self._queue_mark = mark  # only once the memo is up to date with it
            return q

    def standing(self, client_id: int) -> ClientStanding:
        return queue_mod.standing(self.store.client_file(client_id), self.today(), self.policy)

    def script(self, st: ClientStanding, reason: Reason | None = None) -> script_mod.Script:
        s = self.store.settings
        return script_mod.compose(st, self.today(), reason=reason, caller=s.caller, business=s.business, policy=self.policy)

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
                self._apply_payment(s.ledger.payments.get(pay_id))
            if replaced:
                call = self._replace_promises(call, replaced)
        return call

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
                self._reverse_payment(call)
            links = call.details.get("links", {})
            for pid in links.get("replaced_promises", []):
                s.promises.save(replace(s.promises.get(pid), cancelled=False))
            for pid in links.get("replaced_plans", []):
                s.plans.save(replace(s.plans.get(pid), cancelled=False))
            s.calls.undo(call_id)
        return call

    def record_payment(self, client_id: int, amount: Decimal, currency: str, day: date, invoices: tuple[str, ...] = (), note: str = "") -> Payment:
        with self.store.transaction():
            p = self.store.ledger.payments.add(Payment(None, client_id, day, amount, currency, invoices, "manual", note))
            self._apply_payment(p)
        return p

    def _apply_payment(self, p: Payment) -> None:
        """Lower open balances by a payment: the named invoices first, then oldest due first.
        What it lowered is kept on the payment, so an undo restores exactly that."""
        left = p.amount
        invs = [i for i in self.store.ledger.open_invoices(p.client_id) if i.currency == p.currency and i.balance is not None]
        invs.sort(key=lambda i: (i.number not in p.invoices, i.due or date.min, i.number))
        applied: dict[str, str] = {}
        for inv in invs:
            if left <= 0:
                break
            take = min(left, inv.balance)  # type: ignore[type-var]
            left -= take
            nb = inv.balance - take  # type: ignore[operator]
            self.store.ledger.invoices.save(
                inv.with_(balance=nb, status="paid" if nb <= 0 else "open", closed_on=p.date if nb <= 0 else None)
            )
            applied[str(inv.id)] = str(take)
        if applied and p.id is not None:
            self.store.ledger.payments.save(replace(p, applied=applied))

    def _reverse_payment(self, call: Call) -> None:
        pay_id = call.details["links"]["payment"]
        try:
            p = self.store.ledger.payments.get(pay_id)
        except LookupError:
            return
        for inv_id, amt in p.applied.items():
            inv = self.store.ledger.invoices.get(int(inv_id))
            self.store.ledger.invoices.save(
                inv.with_(balance=(inv.balance or Decimal(0)) + Decimal(amt), status="open", closed_on=None)
            )

    # sessions
    def start_session(self, minutes: int, planned: int) -> Session:
        now = self.clock.now().replace(tzinfo=None, microsecond=0)
        return self.store.sessions.start(now, self.today(), minutes, planned)

    def end_session(self, session: Session) -> Session:
        return self.store.sessions.end(session, self.clock.now().replace(tzinfo=None, microsecond=0))


def apply_import(store: Store, plan) -> dict[str, int]:
    """Store an import plan (callroom.importers.reconcile.ImportPlan) as ONE durable write:
    the whole file's changes land together, or none of them do."""
    counts = {"new_clients": 0, "new_invoices": 0, "updated_invoices": 0, "payments": 0, "closed_invoices": 0}
    if any(ci.has_changes for ci in plan.clients):
        from .store import keep_backup

        keep_backup(store, "import")  # the ledger as it was; `callroom restore` brings it back
    # The collector is paused: tens of thousands of records, no cycles among them, and
    # each full collection on a large ledger rescans all of it.
    with _gc_paused(), store.transaction():
        if all(inv.id is not None for ci in plan.clients for inv in (*ci.updated_invoices, *ci.closed_invoices)):
            return _apply_in_bulk(store, plan, counts)
        return _apply_one_by_one(store, plan, counts)


def _apply_one_by_one(store: Store, plan, counts: dict[str, int]) -> dict[str, int]:
    """apply_import's writes one add or save per record (inside the caller's transaction)."""
    for ci in plan.clients:
        client = store.clients.add(ci.client) if ci.is_new or ci.client.id is None else store.clients.save(ci.client)
        counts["new_clients"] += 1 if ci.is_new else 0
        for inv in ci.new_invoices:
            store.ledger.invoices.add(replace(inv, client_id=client.id))
            counts["new_invoices"] += 1
        for inv in ci.updated_invoices:
            store.ledger.invoices.save(replace(inv, client_id=client.id))
            counts["updated_invoices"] += 1
        for inv in ci.closed_invoices:
            store.ledger.invoices.save(replace(inv, client_id=client.id))
            counts["closed_invoices"] += 1
        for pay in ci.payments:
            store.ledger.payments.add(replace(pay, client_id=client.id))
            counts["payments"] += 1
    return counts


def _apply_in_bulk(store: Store, plan, counts: dict[str, int]) -> dict[str, int]:
    """apply_import's writes gathered per table: the same records under the same ids as
    one add or save each (new clients take the next client ids in plan order, then the
    invoices and payments theirs, in plan order), but a few writes instead of one per
    record. Only for plans whose updates all name an existing record (a save without an
    id is an add, which would take an id in between)."""
    new_ids = iter(store.clients.add_records([record_of(ci.client) for ci in plan.clients if ci.is_new or ci.client.id is None]))
    client_saves: list[tuple[int, dict]] = []
    invoice_adds: list[dict] = []
    invoice_saves: list[tuple[int, dict]] = []
    payment_adds: list[dict] = []

    def rec(item, client_id: int) -> dict:  # replace(item, client_id=...).to_record(), without the copy
        r = record_of(item)
        r["client_id"] = client_id
        return r

    for ci in plan.clients:
        if ci.is_new or ci.client.id is None:
            cid = next(new_ids)
        else:
            cid = ci.client.id
            client_saves.append((cid, record_of(ci.client)))
        counts["new_clients"] += 1 if ci.is_new else 0
        invoice_adds += (rec(inv, cid) for inv in ci.new_invoices)
        counts["new_invoices"] += len(ci.new_invoices)
        invoice_saves += ((inv.id, rec(inv, cid)) for inv in ci.updated_invoices)
        counts["updated_invoices"] += len(ci.updated_invoices)
        invoice_saves += ((inv.id, rec(inv, cid)) for inv in ci.closed_invoices)
        counts["closed_invoices"] += len(ci.closed_invoices)
        payment_adds += (rec(pay, cid) for pay in ci.payments)
        counts["payments"] += len(ci.payments)
    store.clients.save_records(client_saves)
    store.ledger.invoices.add_records(invoice_adds)
    store.ledger.invoices.save_records(invoice_saves)
    store.ledger.payments.add_records(payment_adds)
    return counts

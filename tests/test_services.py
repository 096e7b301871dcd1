"""The service layer: a new promise replaces one not yet due; undo puts it back."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from callroom.domain.codes import Outcome, PromiseStatus, Reason, Result
from callroom.domain.drafts import Draft
from callroom.domain.promises import judge
from callroom.services import Desk
from callroom.store import open_store

from support import TODAY


def _statuses(store, cid):
    return {p.id: j.status for j in judge(store.promises.for_client(cid), store.ledger.payments.for_client(cid), TODAY) for p in [j.promise]}


def test_a_new_promise_replaces_the_open_one_and_undo_restores_it(demo_store, clock):
    desk = Desk(demo_store, clock)
    cid = demo_store.clients.find("Harrow Street").id
    before = _statuses(demo_store, cid)
    open_ids = [pid for pid, s in before.items() if s is PromiseStatus.OPEN]
    assert open_ids, "the demo has a promise not yet due at Harrow"
    draft = Draft(result=Result.REACHED, reason=Reason.CASH_FLOW, outcome=Outcome.PROMISE, amount="500.00", date=(TODAY + timedelta(days=14)).isoformat())
    call, _ = desk.log(draft, cid)
    ro = open_store(demo_store.path, read_only=True)
    after = _statuses(ro, cid)
    ro.close()
    assert all(after[pid] is PromiseStatus.CANCELLED for pid in open_ids)
    new = [pid for pid in after if pid not in before]
    assert len(new) == 1 and after[new[0]] is PromiseStatus.OPEN
    assert call.details["links"]["replaced_promises"] == open_ids
    # A replaced promise never counts as broken, even once its date has passed.
    later = judge(demo_store.promises.for_client(cid), demo_store.ledger.payments.for_client(cid), TODAY + timedelta(days=60))
    assert not [j for j in later if j.promise.id in open_ids and j.is_broken]

    desk.undo(call.id)
    assert _statuses(demo_store, cid) == before


def test_a_plan_replaces_an_open_plan_but_not_broken_promises(demo_store, clock):
    desk = Desk(demo_store, clock)
    cid = demo_store.clients.find("O'Brien").id
    before = _statuses(demo_store, cid)
    assert PromiseStatus.OPEN in before.values()
    draft = Draft(result=Result.REACHED, reason=Reason.CASH_FLOW, outcome=Outcome.PLAN, amount="3000.00", count="3", frequency="monthly",
                  date=(TODAY + timedelta(days=7)).isoformat())
    call, _ = desk.log(draft, cid)
    after = _statuses(demo_store, cid)
    for pid, s in before.items():
        assert after[pid] is (PromiseStatus.CANCELLED if s is PromiseStatus.OPEN else s)
    old_plans = call.details["links"]["replaced_plans"]
    assert old_plans and all(demo_store.plans.get(p).cancelled for p in old_plans)
    desk.undo(call.id)
    assert not any(demo_store.plans.get(p).cancelled for p in old_plans)
    assert _statuses(demo_store, cid) == before


def test_a_callback_or_payment_leaves_open_promises_alone(demo_store, clock):
    desk = Desk(demo_store, clock)
    cid = demo_store.clients.find("Harrow Street").id
    before = _statuses(demo_store, cid)
    desk.log(Draft(result=Result.REACHED, outcome=Outcome.CALLBACK, date=(TODAY + timedelta(days=1)).isoformat()), cid)
    desk.log(Draft(result=Result.REACHED, outcome=Outcome.PAID, amount="10.00"), cid)
    after = _statuses(demo_store, cid)
    assert {k: v for k, v in after.items() if k in before} == before
    assert sum(p.amount for p in demo_store.ledger.payments.for_client(cid) if p.source == "call") == Decimal("10.00")

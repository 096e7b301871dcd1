"""The whole-app benchmark still runs (``bench/run.py --quick``), and the fast paths it
led to give exactly what the plain ones give: the queue from cut-down files, models
read in place, an import written in bulk."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from callroom import demo, services
from callroom.domain import queue as queue_mod
from callroom.domain.codes import Result
from callroom.domain.drafts import Draft
from callroom.domain.policy import Policy
from callroom.importers import parse_file
from callroom.importers.reconcile import plan_import
from callroom.services import Desk, apply_import
from callroom.store import open_store
from callroom.store.repo import record_of

from support import NOW, TODAY

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench" / "run.py"
KEYS = [
    "open_to_first_client_s", "record_call_s", "record_call_p95_s", "next_client_s", "history_open_s",
    "queue_build_s", "import_50k_rows_s", "import_50k_rows_xlsx_s", "peak_rss_mb", "jsonstorage_record_call_s",
    "record_call_speedup",
]
TINY = {"clients": 40, "invoices": 200, "calls": 600, "promises": 100, "import_rows": 150, "history_calls": 50}


def _bench():
    spec = importlib.util.spec_from_file_location("callroom_bench_run", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def bench():
    return _bench()


@pytest.fixture(scope="module")
def generated(bench, tmp_path_factory):
    """A small ledger from the benchmark's generator, and its import CSV."""
    d = tmp_path_factory.mktemp("generated")
    ledger, csv, meta = bench.cached_ledger(TINY, 6, d)
    return ledger, csv, meta


def _copy(path: Path, tmp_path: Path, name: str = "ledger.jsonl") -> Path:
    dest = tmp_path / name
    shutil.copyfile(path, dest)
    return dest


def test_quick_benchmark_runs_and_writes_every_figure(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--out", str(out), "--cache-dir", str(tmp_path / "cache"), "--dir", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    for key in KEYS:
        assert isinstance(result[key], (int, float)) and result[key] > 0, (key, result.get(key))
    assert result["quick"] is True
    assert result["sizes"]["clients"] == 500
    assert {"cpu", "cores", "python", "os"} <= result["machine"].keys()
    for key in KEYS:
        assert key in proc.stdout  # the printed table
    d = result["details"]
    # The first open ever (no zone cache yet), and the floor: the same on the 12-client demo ledger.
    assert d["open_first_ever_s"] > 0 and 0 < d["open_demo_ledger_s"] < 60
    assert len(d["open_all_s"]) == len(d["open_demo_ledger_all_s"]) == 3
    assert not list(tmp_path.glob("callroom-bench-*"))  # the working copies are gone


def test_generated_ledger_is_the_same_every_time(bench):
    a, b = bench.generate(TINY, 6), bench.generate(TINY, 6)
    assert a == b
    assert bench.generate(TINY, 7)["tables"] != a["tables"]
    t = a["tables"]
    assert (len(t["clients"]), len(t["invoices"]), len(t["calls"]), len(t["promises"])) == (40, 200, 600, 100)
    assert len({c["region"] for c in t["clients"]}) >= 3
    assert sum(1 for c in t["calls"] if c["client_id"] == a["meta"]["history_client_id"]) == 50


@pytest.mark.parametrize("days", [0, 1, 5, 30])
@pytest.mark.parametrize("policy", [Policy(), Policy(hold_days=0, min_days_overdue=0, broken_to_escalate=1)])
def test_queue_from_cut_down_files_is_the_queue_from_full_files(generated, days, policy):
    store = open_store(generated[0], read_only=True)
    try:
        now = NOW + timedelta(days=days, hours=days % 3)
        full = queue_mod.build(store.client_files(), now, policy)
        assert queue_mod.build(store.queue_files(), now, policy) == full
        assert full.entries and full.not_today
    finally:
        store.close()


def test_queue_from_cut_down_files_on_the_demo_with_calls_logged_today(demo_store, clock):
    desk = Desk(demo_store, clock)
    for cid in desk.queue().ids()[:4]:  # calls at the same minute: ties decided as the full files decide them
        desk.log(Draft(result=Result.NO_ANSWER), cid)
        desk.log(Draft(result=Result.SKIPPED, skip_reason="away"), cid)
    for days in (0, 3, 10):
        now = NOW + timedelta(days=days)
        assert queue_mod.build(demo_store.queue_files(), now, desk.policy) == queue_mod.build(demo_store.client_files(), now, desk.policy)


def test_models_read_in_place_are_the_models_from_record(generated, tmp_path):
    store = open_store(_copy(generated[0], tmp_path))
    demo.load(store, TODAY)  # the demo's plans, disputes and payments too
    try:
        for repo in (store.clients, store.ledger.invoices, store.ledger.payments, store.calls, store.promises,
                     store.plans, store.disputes, store.sessions):
            plain = [repo.cls.from_record(doc, doc.doc_id) for doc in repo.table.all()]
            assert repo.all() == plain, repo.cls
            assert [record_of(m) for m in plain] == [m.to_record() for m in plain], repo.cls
            some = plain[len(plain) // 2]
            assert repo.get(some.id) == some
        cid = store.calls.all()[-1].client_id
        assert store.client_file(cid).calls == tuple(sorted(
            (store.calls.cls.from_record(d, d.doc_id) for d in store.calls.table.all() if d["client_id"] == cid), key=lambda c: c.at))
    finally:
        store.close()


def test_a_model_read_in_place_shares_nothing_with_the_store(demo_store):
    call = next(c for c in demo_store.calls.all() if c.details.get("links"))
    call.details["links"]["promises"].append(999)
    call.details["amount"] = "1"
    again = demo_store.calls.get(call.id)
    assert 999 not in again.details["links"]["promises"]
    assert again.details["amount"] != "1"


def test_records_made_by_the_generated_function_are_to_record():
    from datetime import date, datetime, timezone

    from callroom.domain.codes import Outcome, Reason
    from callroom.domain.models import Call, Client, Invoice, Payment

    at = datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)
    models = [
        Invoice(1, 2, "A-1", "EUR", None), Invoice(2, 2, "A-2", "EUR", Decimal("-0.50"), issued=TODAY, amount=Decimal("1E+3")),
        Client(3, "Ana", phones=("1", "2"), credits={"EUR": Decimal("5.00"), "on": date(2026, 1, 2), "n": None}),
        Payment(4, 2, TODAY, Decimal("10"), "USD", ("A-1",), applied={"1": Decimal("10")}),
        Call(5, 2, at, Result.REACHED, Reason.CASH_FLOW, Outcome.PROMISE, details={"amount": Decimal("3"), "when": TODAY},
             next_action=TODAY, duration_s=0),
        Call(6, 2, at, Result.NO_ANSWER),
    ]
    for _ in range(2):  # the first record of a class is made field by field, then by the generated function
        for m in models:
            assert record_of(m) == m.to_record(), m
            assert list(record_of(m)) == list(m.to_record())


@pytest.mark.parametrize("full", [False, True])
def test_bulk_import_stores_what_one_write_per_record_stores(generated, tmp_path, full):
    ledger, csv, _ = generated
    if full:  # every other row: the open invoices left out are closed as paid
        lines = csv.read_text().splitlines()
        csv = tmp_path / "half.csv"
        csv.write_text("\n".join(lines[:1] + lines[1::2]) + "\n")
    stored = []
    for bulk in (True, False):
        store = open_store(_copy(ledger, tmp_path, f"{bulk}.jsonl"))
        store.ledger.invoices.for_client(1)  # the per-client indexes are kept up to date, too
        store.ledger.payments.for_client(1)
        parsed = parse_file(csv, date_order=None, mapping=None)
        plan = plan_import([parsed], store.clients.all(), store.ledger.all_invoices(), as_of=TODAY, full=full, default_currency="USD")
        assert plan.counts.new_invoices and plan.counts.payments and (plan.counts.closed or not full)
        counts = apply_import(store, plan) if bulk else _apply_one_by_one(store, plan)
        indexes = {cid: list(ids) for cid, ids in store.ledger.invoices._index().items()}, \
                  {cid: list(ids) for cid, ids in store.ledger.payments._index().items()}
        store.close()
        ro = open_store(store.path, read_only=True)
        stored.append(({name: dict(docs.items()) for name, docs in ro.db.storage.read().items()}, counts, indexes))
        ro.close()
    assert stored[0][1] == stored[1][1]
    assert stored[0][0] == stored[1][0]
    assert stored[0][2] == stored[1][2]


def _apply_one_by_one(store, plan):
    """apply_import as it was before the bulk path: one add or save per record."""
    counts = {"new_clients": 0, "new_invoices": 0, "updated_invoices": 0, "payments": 0, "closed_invoices": 0}
    with store.transaction():
        return services.imports._apply_one_by_one(store, plan, counts)


def test_an_update_without_an_id_is_written_one_by_one(generated, tmp_path):
    """A save without an id is an add: the bulk path leaves such a plan to the plain loop."""
    ledger, csv, _ = generated
    store = open_store(_copy(ledger, tmp_path))
    try:
        parsed = parse_file(csv, date_order=None, mapping=None)
        plan = plan_import([parsed], store.clients.all(), store.ledger.all_invoices(), as_of=TODAY, full=False, default_currency="USD")
        ci = next(c for c in plan.clients if c.updated_invoices)
        ci.updated_invoices.append(replace(ci.updated_invoices[0], id=None, number="EXTRA-1"))
        before = store.ledger.invoices.count()
        counts = apply_import(store, plan)
        assert store.ledger.invoices.count() == before + counts["new_invoices"] + 1
        assert any(i.number == "EXTRA-1" for i in store.ledger.invoices.for_client(ci.client.id))
    finally:
        store.close()


def test_policy_read_once_follows_every_change(demo_store):
    s = demo_store.settings
    first = s.policy
    assert s.policy is first  # not made again while the stored one is unchanged
    s.set_policy(replace(first, hold_days=9))
    assert s.policy.hold_days == 9
    with pytest.raises(RuntimeError):
        with demo_store.transaction():
            s.set_policy(replace(first, hold_days=11))
            assert s.policy.hold_days == 11
            raise RuntimeError("rolled back")
    assert s.policy.hold_days == 9
    stored = s.get("policy")
    stored["hold_days"] = 99  # a copy: changing it changes nothing stored
    assert s.get("policy")["hold_days"] == 9 and s.policy.hold_days == 9


# --- the queue rebuilt from what changed, the files read in passes, the zone alone -------------

def _fresh(store, now, policy):
    """The queue built from scratch, from the full files (no memo, no shortcut)."""
    return queue_mod.build(store.client_files(), now, policy)


def test_queue_files_read_in_passes_are_the_files_read_client_by_client(generated, tmp_path):
    from callroom.store.repo import Store

    store = open_store(_copy(generated[0], tmp_path))
    demo.load(store, TODAY)  # disputes, plans and payments too
    try:
        cold = Store(store.db, path=store.path).queue_files()  # no index yet: one pass a table
        for r in (store.clients, store.ledger.invoices, store.ledger.payments, store.calls, store.promises, store.disputes):
            r._index()
        assert store.queue_files() == cold  # the indexes built: client by client
        assert [f.client.id for f in cold] == [c.id for c in store.clients.all()]
        by_id = {f.client.id: f for f in cold}
        for c in store.clients.all():
            assert store._queue_file(c) == by_id[c.id]
    finally:
        store.close()


def _writes(desk, store):
    """One write after another through the repositories and the desk, as a session makes them."""
    from callroom.domain.codes import Outcome, Reason
    from callroom.domain.models import Client, Invoice

    q = desk.queue()
    ids = q.ids()
    held = [h.client_id for h in q.not_today]
    desk.log(Draft(result=Result.NO_ANSWER), ids[0])
    yield "no answer"
    desk.log(Draft(result=Result.REACHED, reason=Reason.CASH_FLOW, outcome=Outcome.PROMISE, amount="100.00",
                   date=(TODAY + timedelta(days=5)).isoformat()), ids[1])
    yield "promise"
    desk.log(Draft(result=Result.REACHED, outcome=Outcome.CALLBACK, date=(TODAY + timedelta(days=1)).isoformat()), ids[2])
    desk.log(Draft(result=Result.SKIPPED, skip_reason="away"), ids[3])
    yield "callback and skip"
    st = desk.standing(ids[4])
    big = max(st.chase, key=lambda i: i.balance or 0)
    desk.record_payment(ids[4], big.balance, big.currency, TODAY, (big.number,))
    yield "payment"
    call, _ = desk.log(Draft(result=Result.REACHED, reason=Reason.CASH_FLOW, outcome=Outcome.PROMISE, amount="50.00",
                             date=(TODAY + timedelta(days=3)).isoformat()), ids[5])
    desk.undo(call.id)
    yield "undo"
    c = store.clients.get(ids[6])
    store.clients.save(c.with_(name="Zz " + c.name, phones=("+64 9 555 0147",), region="NZ"))
    yield "renamed, another number"
    new = store.clients.add(Client(None, "Newcomer Ltd", phones=("+44 20 7946 0000",), region="GB"))
    store.ledger.invoices.add(Invoice(None, new.id, "NEW-1", "GBP", Decimal("900.00"), TODAY - timedelta(days=80),
                                      TODAY - timedelta(days=50), Decimal("900.00")))
    yield "new client"
    inv = store.ledger.invoices.for_client(ids[7])[0]
    store.ledger.invoices.save(replace(inv, client_id=held[0]))  # an invoice moved to another client
    yield "invoice moved"
    for p in store.promises.for_client(ids[1]):
        store.promises.remove(p.id)
    yield "promise removed"
    store.clients.remove(ids[8])
    yield "client removed"
    with pytest.raises(RuntimeError):
        with store.transaction():
            desk.log(Draft(result=Result.NO_ANSWER), ids[9])
            raise RuntimeError("rolled back")
    yield "rolled back"
    other = type(store)(store.db, path=store.path, transaction=store._transaction)  # another Store, same data
    other.calls.add(replace(store.calls.for_client(ids[10])[0], id=None, at=NOW.replace(tzinfo=None)))
    yield "written behind the repositories' back"



def test_a_queue_rebuilt_after_each_write_is_the_queue_built_afresh(generated, tmp_path):
    store = open_store(_copy(generated[0], tmp_path))
    demo.load(store, TODAY)
    try:
        from callroom.domain.clock import Clock

        desk = Desk(store, Clock.at(NOW))
        full = []
        read_all = store.queue_files
        store.queue_files = lambda: full.append(what) or read_all()  # type: ignore[method-assign]
        what = "first"
        for what in _writes(desk, store):
            assert desk.queue() == _fresh(store, NOW, desk.policy), what
        # read whole only at first and after changes the repositories did not see
        assert full == ["first", "rolled back", "written behind the repositories' back"]
        desk.clock = Clock.at(NOW + timedelta(hours=3))  # the local times move, the rest stays
        assert desk.queue() == _fresh(store, desk.clock.now(), desk.policy)
        desk.clock = Clock.at(NOW + timedelta(days=1))  # another day: everything again
        assert desk.queue() == _fresh(store, desk.clock.now(), desk.policy)
        store.settings.set_policy(replace(desk.policy, hold_days=0, min_days_overdue=0))
        assert desk.queue() == _fresh(store, desk.clock.now(), desk.policy)
    finally:
        store.close()


def test_a_queue_rebuilt_with_nothing_written_reads_nobody(demo_store, clock, monkeypatch):
    desk = Desk(demo_store, clock)
    first = desk.queue()
    read = []
    monkeypatch.setattr(demo_store, "_queue_file", lambda c: read.append(c.id))
    monkeypatch.setattr(demo_store, "queue_files", lambda: read.append("all"))
    assert desk.queue() == first
    assert read == []


def test_a_rebuild_after_one_call_reads_that_client_alone(demo_store, clock):
    desk = Desk(demo_store, clock)
    cid = desk.queue().ids()[0]
    mark = demo_store.queue_mark()
    desk.log(Draft(result=Result.NO_ANSWER), cid)
    changed = demo_store.queue_changes(mark)
    assert list(changed) == [cid]
    assert changed[cid] == demo_store._queue_file(demo_store.clients.get(cid))


def test_the_zone_alone_is_the_zone_of_the_whole_parse(generated):
    from callroom.domain import phones

    store = open_store(generated[0], read_only=True)
    try:
        numbers = [(c.phone, c.region) for c in store.clients.all()]
    finally:
        store.close()
    numbers += [("", "US"), ("call reception", "US"), ("09 555 0147", "NZ"), ("(212) 555-0100", ""),
                ("+44 1481 123456", "GB"), ("+1 876 555 0100", "US"), ("+64 3 305 0000", "NZ"), ("+800 1234 5678", ""),
                ("12", "DE"), ("+999 123", ""), ("+44 20 7946 0000", "XX"), ("555", ""), ("+1 555 555 5555", "CA"),
                ("+262 262 12 34 56", "FR"), ("+7 700 123 4567", "")]
    for raw, region in numbers:
        assert phones.zone_of(raw, region) == phones.parse(raw, region).zone, (raw, region)


def test_models_made_without_their_init_are_the_models_init_makes():
    from callroom.domain.models import Call, Client
    from callroom.store.repo import converter

    doc = {"name": "O'Brien & Sons LLC", "phones": ["+1 415 555 0100"], "not a field": 1}
    made = converter(Client)(doc, 7)
    assert made == Client.from_record(dict(doc), 7) and made.key == "obrien and sons"
    assert list(vars(made)) == list(vars(Client.from_record(dict(doc), 7)))
    with pytest.raises(TypeError):
        converter(Client)({"contact": "no name"}, 1)
    a, b = (converter(Call)({"client_id": 1, "at": "2026-11-20T10:00:00", "result": "reached"}, i) for i in (1, 2))
    assert a.details == {} and a.details is not b.details  # a fresh default each time, as __init__ gives


def test_a_build_that_fails_leaves_no_stale_queue_behind(demo_store, clock, monkeypatch):
    desk = Desk(demo_store, clock)
    cid = desk.queue().ids()[0]
    other = type(demo_store)(demo_store.db, path=demo_store.path, transaction=demo_store._transaction)
    for inv in other.ledger.open_invoices(cid):  # paid, unseen by demo_store: everything is read again
        other.ledger.invoices.save(replace(inv, balance=Decimal(0), status="paid", closed_on=TODAY))
    read_all = demo_store.queue_files
    monkeypatch.setattr(demo_store, "queue_files", lambda: (_ for _ in ()).throw(OSError("disk")))
    with pytest.raises(OSError):
        desk.queue()
    monkeypatch.setattr(demo_store, "queue_files", read_all)
    q = desk.queue()
    assert q == _fresh(demo_store, NOW, desk.policy)
    assert cid not in q.ids()

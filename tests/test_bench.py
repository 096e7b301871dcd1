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
from pathlib import Path

import pytest

from callroom import demo
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
    "queue_build_s", "import_50k_rows_s", "peak_rss_mb", "jsonstorage_record_call_s", "record_call_speedup",
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
        stored.append((ro.db.storage.read(), counts, indexes))
        ro.close()
    assert stored[0][1] == stored[1][1]
    assert stored[0][0] == stored[1][0]
    assert stored[0][2] == stored[1][2]


def _apply_one_by_one(store, plan):
    """apply_import as it was before the bulk path: one add or save per record."""
    counts = {"new_clients": 0, "new_invoices": 0, "updated_invoices": 0, "payments": 0, "closed_invoices": 0}
    with store.transaction():
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

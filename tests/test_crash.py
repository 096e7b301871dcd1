"""Kill a writer with SIGKILL at random moments; every acknowledged write must survive.

``crash_writer.py`` prints an id only after its insert returned. After each
kill the file must open (writable: torn tail cut, stale lock recovered, stale
compaction temp file removed) and hold every id ever acknowledged, with its
content; and every transaction must be there whole or not at all.

This exercises process crashes (the page cache survives), not power loss.
"""

from __future__ import annotations

import collections
import collections.abc
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

try:
    import callroom  # noqa: F401
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from callroom.store.journal import open_db

WRITER = str(Path(__file__).with_name("crash_writer.py"))
KILLS_PER_MODE = 20  # modes: random moment, during compact(), during a big transaction
PREFILL = 15_000


class Output:
    """Collects a child's stdout lines on a thread, so the parent can wait for markers."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream) -> None:
        for line in stream:
            if not line.endswith("\n"):
                break  # cut by the kill: a partial line acknowledges nothing
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self.lines.append("<eof>")
            self._cond.notify_all()

    def wait_for(self, prefix: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not any(line.startswith(prefix) for line in self.lines):
                left = deadline - time.monotonic()
                if left <= 0 or "<eof>" in self.lines:
                    raise AssertionError(f"writer never printed {prefix!r}: {self.lines[-5:]}")
                self._cond.wait(left)

    def join(self) -> list[str]:
        self._thread.join(timeout=30)
        return [line for line in self.lines if line != "<eof>"]


def _run_and_kill(cmd: list[str], rng: random.Random, window: tuple[str, float] | None) -> list[str]:
    """Start a writer, wait until it is ready, then SIGKILL it: at a random moment within
    ``window`` = (the marker it prints as the operation starts, about how long the operation
    takes), or within 0.25 s with no window. Returns the complete lines it printed."""
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = Output(child.stdout)
    try:
        out.wait_for("ready")
        if window is not None:
            out.wait_for(window[0])
            time.sleep(rng.uniform(0, window[1] * 1.2))
        else:
            time.sleep(rng.uniform(0, 0.25))
    finally:
        child.kill()
        child.wait()
    lines = out.join()
    stderr = child.stderr.read() if child.stderr else ""
    assert child.returncode == -9, f"writer died on its own:\n{stderr}"
    return lines


def _prefill(path: Path) -> tuple[dict[int, str], float, float]:
    """A store big enough that compaction takes a while; returns acks and rough timings."""
    rng = random.Random(7)
    acked: dict[int, str] = {}
    with open_db(path) as db:
        calls = db.table("calls")
        docs = [{"key": f"prefill-{i}", "client_id": rng.randrange(3000), "notes": "x" * rng.randrange(100)} for i in range(PREFILL)]
        with db.transaction():
            ids = calls.insert_multiple(docs)
        acked.update(zip(ids, (d["key"] for d in docs)))
        start = time.perf_counter()
        db.compact()
        compact_s = time.perf_counter() - start
        start = time.perf_counter()
        with db.transaction():
            for i in range(600):
                acked[calls.insert({"key": f"prefill-tx-{i}"})] = f"prefill-tx-{i}"
        tx_s = time.perf_counter() - start
    return acked, compact_s, tx_s


def _verify(path: Path, acked: dict[int, str], transactions: dict[str, int], read_only: bool) -> None:
    with open_db(path, read_only=read_only) as db:
        docs = db.storage.read()["calls"]
        missing = [doc_id for doc_id in acked if str(doc_id) not in docs]
        assert not missing, f"{len(missing)} acknowledged ids lost, e.g. {missing[:5]}"
        wrong = [doc_id for doc_id, key in acked.items() if docs[str(doc_id)].get("key") != key]
        assert not wrong, f"acknowledged ids with the wrong content: {wrong[:5]}"
        per_tx = collections.Counter(doc["tx"] for doc in docs.values() if "tx" in doc)
        for tag, size in transactions.items():
            assert per_tx[tag] in (0, size), f"transaction {tag} is partly there: {per_tx[tag]} of {size}"
    if not read_only:
        assert not list(path.parent.glob(".*.tmp")), "a killed compaction's temp file was not cleaned up"


@pytest.mark.slow
def test_every_acknowledged_write_survives_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "crash.callroom"
    acked, compact_s, tx_s = _prefill(path)
    transactions: dict[str, int] = {}
    rng = random.Random(20240501)
    plan = ["insert", "compact", "tx"] * KILLS_PER_MODE
    rng.shuffle(plan)
    mid: collections.Counter[str] = collections.Counter()
    started = time.monotonic()

    windows = {"compact": ("compact-start", compact_s), "tx": ("tx-start", tx_s)}

    def more() -> "collections.abc.Iterator[tuple[int, str]]":
        """The planned kills, then, on a machine so loaded that fewer than five landed inside a
        compaction or a big transaction, more of that kind (at most 40) until five have."""
        yield from enumerate(plan)
        run = len(plan)
        while run < len(plan) + 40 and (mid["compact"] < 5 or mid["tx"] < 5):
            yield run, "compact" if mid["compact"] < 5 else "tx"
            run += 1

    for run, mode in more():
        lines = _run_and_kill([sys.executable, WRITER, str(path), str(run), mode], rng, windows.get(mode))
        for line in lines:
            kind, *rest = line.split()
            if kind == "ack":
                acked[int(rest[0])] = rest[1]
            elif kind == "tx-start":
                transactions[rest[0]] = int(rest[1])
            elif kind == "tx-ack":
                tag = rest[0]
                for i, doc_id in enumerate(rest[1:]):
                    acked[int(doc_id)] = f"{tag}-{i}"
        if "compact-start" in lines and "compact-done" not in lines:
            mid["compact"] += 1
        if any(line.startswith("tx-start") for line in lines) and not any(line.startswith("tx-ack") for line in lines):
            mid["tx"] += 1

        if run % 5 == 0:
            _verify(path, acked, transactions, read_only=True)  # sees the torn tail, if any, and ignores it
        _verify(path, acked, transactions, read_only=False)

    elapsed = time.monotonic() - started
    print(f"\n{len(plan)}+ kills in {elapsed:.1f}s; {mid['compact']} during compaction, "
          f"{mid['tx']} during a big transaction; {len(acked)} acknowledged ids all present")
    # The timing is random, but a campaign that never hits its targets tests nothing.
    assert mid["compact"] >= 5 and mid["tx"] >= 5, mid


# -- the same through the public API, with imports and compactions (and their backups) -------------

APP_WRITER = str(Path(__file__).with_name("crash_app_writer.py"))
APP_KILLS_PER_MODE = 17  # modes: random moment, during an import, during a compaction: 51 kills
APP_PREFILL_CALLS = 10_000


def _app_prefill(path: Path, work: Path) -> tuple[float, float]:
    """The demo ledger plus enough past calls that a backup copy and a compaction take a while;
    returns rough timings of one import and one compaction."""
    import importlib.util

    from callroom import demo
    from callroom.domain.codes import Result
    from callroom.domain.models import Call, Client
    from callroom.importers import parse_file
    from callroom.importers.reconcile import plan_import
    from callroom.services import apply_import
    from callroom.store import open_store

    spec = importlib.util.spec_from_file_location("crash_app_writer", APP_WRITER)
    writer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(writer)  # type: ignore[union-attr]

    store = open_store(path)
    demo.load(store, writer.NOW.date())
    rng = random.Random(11)
    with store.transaction():
        for i in range(1000):  # past clients, so that a client's file stays small as in real life
            store.clients.add(Client(None, f"Past Client {i:04d}", phones=("+1 415 555 0100",)))
    clients = store.clients.all()
    with store.transaction():
        for i in range(APP_PREFILL_CALLS):
            store.calls.add(Call(None, rng.choice(clients).id, writer.NOW.replace(tzinfo=None), Result.VOICEMAIL,
                                 note=f"prefill-{i} " + "left a message; " * rng.randrange(4)))
    csv = work / "prefill.csv"
    writer.write_csv(csv, "prefill", [c.name for c in clients], rng)
    plan = plan_import([parse_file(csv)], store.clients.all(), store.ledger.all_invoices(),
                       as_of=writer.NOW.date(), full=False, default_currency="USD")
    start = time.perf_counter()
    apply_import(store, plan)
    import_s = time.perf_counter() - start
    start = time.perf_counter()
    store.db.compact()
    compact_s = time.perf_counter() - start
    store.close()
    return import_s, compact_s


def _verify_app(path: Path, acked: dict[int, str], imports: dict[str, int], imported: set[str],
                checked: set[tuple[str, int]]) -> None:
    from callroom.store import open_store
    from callroom.store.backups import KEEP, REASONS, backups_dir, list_backups

    store = open_store(path)  # writable, through the public API: records checked, lock and temp files recovered
    try:
        missing = [i for i in acked if store.calls.table.get(doc_id=i) is None]
        assert not missing, f"{len(missing)} acknowledged calls lost, e.g. {missing[:5]}"
        wrong = [i for i, key in acked.items() if store.calls.get(i).note != key]
        assert not wrong, f"acknowledged calls with the wrong note: {wrong[:5]}"
        per_tag = collections.Counter(inv.number.rsplit("-", 1)[0] for inv in store.ledger.all_invoices() if "-" in inv.number)
        for tag, size in imports.items():
            assert per_tag[tag] in (0, size), f"import {tag} is partly there: {per_tag[tag]} of {size}"
            assert tag not in imported or per_tag[tag] == size, f"acknowledged import {tag} is missing"
    finally:
        store.close()
    assert not list(path.parent.glob(".*.tmp")), "a killed compaction's temp file was not cleaned up"
    assert not list(backups_dir(path).glob(".*.tmp")), "a killed backup copy's temp file was not cleaned up"
    kept = list_backups(path)
    assert len(kept) <= KEEP + len(REASONS)
    for b in kept:  # a crash never leaves a half backup under a real name (and a kept one never changes)
        if (b.name, b.size) not in checked:
            open_store(b.path, read_only=True).close()
            checked.add((b.name, b.size))


@pytest.mark.slow
def test_calls_logged_through_the_app_survive_sigkill_during_imports_and_compactions(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    work = tmp_path / "csv"
    work.mkdir()
    import_s, compact_s = _app_prefill(path, work)
    acked: dict[int, str] = {}
    imports: dict[str, int] = {}
    imported: set[str] = set()
    checked: set[tuple[str, int]] = set()
    rng = random.Random(20261123)
    plan = ["log", "import", "compact"] * APP_KILLS_PER_MODE
    rng.shuffle(plan)
    mid: collections.Counter[str] = collections.Counter()
    started = time.monotonic()

    windows = {"import": ("import-start", import_s), "compact": ("compact-start", compact_s)}
    for run, mode in enumerate(plan):
        lines = _run_and_kill([sys.executable, APP_WRITER, str(path), str(run), mode, str(work)], rng, windows.get(mode))
        for line in lines:
            kind, *rest = line.split()
            if kind == "ack":
                acked[int(rest[0])] = rest[1]
            elif kind == "import-start":
                imports[rest[0]] = int(rest[1])
            elif kind == "import-ack":
                imported.add(rest[0])
        if "compact-start" in lines and "compact-done" not in lines:
            mid["compact"] += 1
        if any(line.startswith("import-start") for line in lines) and not any(line.startswith("import-ack") for line in lines):
            mid["import"] += 1
        _verify_app(path, acked, imports, imported, checked)

    elapsed = time.monotonic() - started
    print(f"\n{len(plan)}+ kills in {elapsed:.1f}s; {mid['import']} during an import, {mid['compact']} during "
          f"compaction; {len(acked)} acknowledged calls and {len(imported)} imports all present; "
          f"{len(checked)} backups all open cleanly")
    assert mid["import"] >= 5 and mid["compact"] >= 5, mid

"""Benchmark: one durable insert into a ``calls`` table that already holds many calls.

Measures callroom's journal store and, in the same run on the same data, stock
TinyDB (``JSONStorage``, which rewrites the whole file on each insert). Stock
TinyDB is slow at this size, so only a few of its inserts are timed (say so in
the output); the journal store is timed over many more.

    python bench/store_bench.py            # 100,000 calls
    python bench/store_bench.py --quick    # 5,000 calls

Target: median <= 1 ms per durable (fsync'd) insert with 100,000 calls stored. A durable
insert is one fsync'd line in the ledger and its tip in the seal beside it (a second,
fdatasync'd write), so the run also times the disk alone doing the same two writes, right
after: the floor no code can go under on this disk at this moment.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

try:
    import callroom  # noqa: F401
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tinydb import TinyDB
from tinydb.storages import JSONStorage

from callroom.store.journal import open_db

OUTCOMES = ["promise", "no_answer", "voicemail", "dispute", "paid", "callback"]
TARGET_MEDIAN_S = 0.001


def make_calls(n: int, seed: int = 1) -> list[dict[str, Any]]:
    """Call-like documents of realistic size (~200 bytes of JSON each)."""
    rng = random.Random(seed)
    return [
        {
            "client_id": rng.randrange(1, 3000),
            "session_id": rng.randrange(1, 400),
            "at": f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T{rng.randrange(8, 18):02d}:{rng.randrange(60):02d}:00",
            "outcome": rng.choice(OUTCOMES),
            "minutes": rng.randrange(1, 30),
            "notes": "Spoke to accounts payable; " * rng.randrange(0, 3),
            "details": {"invoice_ids": [rng.randrange(1, 20000) for _ in range(rng.randrange(1, 4))]},
        }
        for _ in range(n)
    ]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


_OPEN_PROBE = """
import sys, time
sys.path[:0] = {paths!r}
from tinydb import TinyDB
from callroom.store.journal import open_db
start = time.perf_counter()
if {kind!r} == "journal":
    db = open_db({path!r}, read_only=True)
else:
    db = TinyDB({path!r}, access_mode="r")
n = len(db.table("calls"))  # TinyDB reads lazily: this is its real open
elapsed = time.perf_counter() - start
assert n == {expected}, n
print(elapsed)
"""


def _open_time(kind: str, path: Path, expected: int, runs: int = 3) -> float:
    """Median time to open and load the file, each in a fresh process.

    A fresh process, like the app at start-up: in this one, the benchmark's
    own 100,000 generated documents would make the garbage collector's work
    at open look several times bigger than it is.
    """
    code = _OPEN_PROBE.format(paths=sys.path, kind=kind, path=str(path), expected=expected)
    times = [float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
             for _ in range(runs)]
    return statistics.median(times)


def _settle() -> None:
    """Flush the setup's writes first (tens of MB, a deleted file): otherwise
    every fsync in the first few hundred timed inserts waits on that writeback."""
    os.sync()
    time.sleep(0.5)


def _time_inserts(insert: Any, docs: list[dict[str, Any]], after: Any = None) -> list[float]:
    times = []
    for doc in docs:
        start = time.perf_counter()
        insert(doc)
        times.append(time.perf_counter() - start)
        if after is not None:
            after()
    return times


def bench_journal(workdir: Path, stored: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, float]:
    path = workdir / "bench.callroom"
    with open_db(path) as db:
        with db.transaction():
            db.table("calls").insert_multiple(stored)
        db.compact()  # the state after a normal session: snapshot, empty journal
    open_s = _open_time("journal", path, len(stored))
    db = open_db(path)
    calls = db.table("calls")
    _time_inserts(calls.insert, new[:10])  # warm-up: first insert computes the next id
    _settle()
    floor = DiskFloor(workdir)
    try:
        times = _time_inserts(calls.insert, new[10:], after=floor.once)
    finally:
        floor.close()
    db.storage.close()  # not db.close(): no auto-compaction in the timing run's way
    return {
        "disk_floor_median_s": statistics.median(floor.times),
        "disk_floor_p95_s": _p95(floor.times),
        "inserts_timed": len(times),
        "median_s": statistics.median(times),
        "p95_s": _p95(times),
        "max_s": max(times),
        "open_s": open_s,
        "file_mb": path.stat().st_size / 1e6,
    }


class DiskFloor:
    """The same disk with no callroom: a 300-byte append fsync'd to one file, then a 256-byte
    overwrite fdatasync'd in a second (what a durable insert asks of the disk). Timed right
    after each insert, so that both see the disk at the same moment: on a shared machine
    its fsyncs swing from 0.2 to 4 ms within a minute."""

    def __init__(self, workdir: Path) -> None:
        self.paths = workdir / "floor-a", workdir / "floor-b"
        self.a = os.open(self.paths[0], os.O_RDWR | os.O_CREAT | os.O_TRUNC)
        self.b = os.open(self.paths[1], os.O_RDWR | os.O_CREAT | os.O_TRUNC)
        os.pwrite(self.b, b" " * 512, 0)
        os.fsync(self.b)
        self.offset, self.n = 0, 0
        self.times: list[float] = []

    def once(self) -> None:
        start = time.perf_counter()
        os.pwrite(self.a, b"x" * 299 + b"\n", self.offset)
        self.offset += 300
        os.fsync(self.a)
        os.pwrite(self.b, b"s" * 256, (self.n % 2) * 256)
        os.fdatasync(self.b)
        self.times.append(time.perf_counter() - start)
        self.n += 1

    def close(self) -> None:
        os.close(self.a)
        os.close(self.b)
        for p in self.paths:
            p.unlink()


def bench_stock(workdir: Path, stored: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, float]:
    path = workdir / "stock.json"
    # Write the file in JSONStorage's own format directly: building it with
    # stock inserts would take hours at 100,000 calls.
    with open(path, "w") as f:
        json.dump({"calls": {str(i): doc for i, doc in enumerate(stored, start=1)}}, f)
    open_s = _open_time("stock", path, len(stored))
    db = TinyDB(path, storage=JSONStorage)
    calls = db.table("calls")
    _settle()
    times = _time_inserts(calls.insert, new)
    db.close()
    return {
        "inserts_timed": len(times),
        "median_s": statistics.median(times),
        "p95_s": _p95(times),
        "max_s": max(times),
        "open_s": open_s,
        "file_mb": path.stat().st_size / 1e6,
    }


def run(calls: int, inserts: int, stock_inserts: int, workdir: Path | None = None) -> dict[str, Any]:
    stored = make_calls(calls)
    new = make_calls(inserts + 10 + stock_inserts, seed=2)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        ours = bench_journal(Path(tmp), stored, new[: inserts + 10])
        stock = bench_stock(Path(tmp), stored, new[inserts + 10 :])
    return {
        "calls_stored": calls,
        "load_average": os.getloadavg()[0],
        "journal": ours,
        "stock_tinydb": stock,
        "speedup_median": stock["median_s"] / ours["median_s"],
        "target_median_s": TARGET_MEDIAN_S,
        "target_met": ours["median_s"] <= TARGET_MEDIAN_S,
    }


def report(result: dict[str, Any]) -> str:
    ours, stock = result["journal"], result["stock_tinydb"]
    ms = 1000
    return "\n".join(
        [
            f"One durable insert into 'calls' holding {result['calls_stored']:,} calls "
            f"(python {sys.version.split()[0]}, {os.cpu_count()} cpus, load average {result['load_average']:.1f}: "
            f"other processes' CPU use shows up in p95)",
            f"{'':28}{'median':>10}{'p95':>10}{'max':>10}{'open*':>10}{'file':>10}",
            f"{'callroom journal':28}{ours['median_s'] * ms:>8.3f}ms{ours['p95_s'] * ms:>8.3f}ms"
            f"{ours['max_s'] * ms:>8.1f}ms{ours['open_s']:>9.3f}s{ours['file_mb']:>8.1f}MB"
            f"   ({ours['inserts_timed']} inserts timed)",
            f"{'stock TinyDB JSONStorage':28}{stock['median_s'] * ms:>8.1f}ms{stock['p95_s'] * ms:>8.1f}ms"
            f"{stock['max_s'] * ms:>8.1f}ms{stock['open_s']:>9.3f}s{stock['file_mb']:>8.1f}MB"
            f"   (only {stock['inserts_timed']} inserts timed: each rewrites the whole file)",
            "* open: time to open and load the file in a fresh process (median of 3)",
            f"the disk alone, timed after each insert: a 300-byte append fsync'd, then a seal-sized write "
            f"fdatasync'd: median {ours['disk_floor_median_s'] * ms:.3f} ms, p95 {ours['disk_floor_p95_s'] * ms:.3f} ms "
            f"(callroom's code on top, medians: {(ours['median_s'] - ours['disk_floor_median_s']) * ms:.3f} ms)",
            f"speedup (median): {result['speedup_median']:,.0f}x; "
            f"target median <= {result['target_median_s'] * ms:g} ms: {'met' if result['target_met'] else 'NOT met'}",
        ]
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5,000 stored calls instead of 100,000")
    parser.add_argument("--calls", type=int, help="stored calls (overrides --quick)")
    parser.add_argument("--inserts", type=int, default=1000, help="journal inserts to time")
    parser.add_argument("--stock-inserts", type=int, help="stock TinyDB inserts to time (default 20, 100 with --quick)")
    parser.add_argument("--dir", type=Path, help="where to put the temporary files (default: system temp)")
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = parser.parse_args(argv)
    calls = args.calls or (5_000 if args.quick else 100_000)
    stock_inserts = args.stock_inserts or (100 if args.quick else 20)
    result = run(calls, args.inserts, stock_inserts, args.dir)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()

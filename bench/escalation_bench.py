"""Escalation desk on the benchmark ledger (bench/run.py's, same seed and sizes): what the
owner waits for when weighing routes, choosing them, filtering the queue by stage and
writing a case file, and what routes standing do to the queue build.

    python bench/escalation_bench.py            # 10,000 clients (the ledger is cached by run.py)
    python bench/escalation_bench.py --quick    # 500 clients

Figures (medians unless said), printed as JSON:

* ``routes_s``: the routes weighed for one client (``Desk.routes``), as X and the
  Escalate stage ask;
* ``choose_route_s`` / ``choose_route_p95_s``: one route chosen, durable;
* ``queue_build_s`` before and after ``chosen`` routes stand (cold: fresh indexes);
* ``stages_palette_s``: clients and money per stage from today's queue (the palette's filters);
* ``stages_report_s``: the same from every client's whole file (the report);
* ``casefile_s``: the case file of the client with the most calls written to a folder,
  with ``casefile_pages`` and ``casefile_kb``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (the generator and its cache)


def _cold_queue(store, clock) -> float:
    from callroom import zonecache
    from callroom.domain import phones
    from callroom.services import Desk
    from callroom.store.repo import Store

    fresh = Store(store.db, path=store.path, read_only=store.read_only)
    desk = Desk(fresh, clock)
    phones.ZONES.forget()
    zonecache._loaded.clear()
    t = time.perf_counter()
    desk.queue()
    return time.perf_counter() - t


def measure(quick: bool, chosen: int, cache: Path) -> dict:
    from callroom.domain.codes import Stage
    from callroom.services import Desk
    from callroom.store import open_store

    sizes = bench.QUICK if quick else bench.FULL
    ledger, _, meta = bench.cached_ledger(sizes, 6, cache)
    out: dict = {"clients": sizes["clients"], "chosen": chosen}
    with tempfile.TemporaryDirectory(prefix="esc-bench-") as tmp:
        path = Path(tmp) / "ledger.jsonl"
        shutil.copy(ledger, path)
        store = open_store(path)
        clock = bench._clock()
        desk = Desk(store, clock)
        out["queue_build_s"] = statistics.median(_cold_queue(store, clock) for _ in range(3))
        q = desk.queue()
        review = [e.client_id for e in q.entries if e.stage is Stage.ESCALATION]
        t_routes = []
        for cid in review[:50]:
            t = time.perf_counter()
            desk.routes(cid)
            t_routes.append(time.perf_counter() - t)
        out["routes_s"] = statistics.median(t_routes)
        t_choose = []
        for n, cid in enumerate(review[:chosen]):
            route = ("final-notice", "lawyer", "agency", "settle")[n % 4]
            t = time.perf_counter()
            try:
                desk.choose_route(cid, route)
            except Exception:  # noqa: BLE001 - several currencies overdue: skipped
                continue
            t_choose.append(time.perf_counter() - t)
        out["chosen"] = len(t_choose)
        out["choose_route_s"] = statistics.median(t_choose)
        out["choose_route_p95_s"] = bench._p95(t_choose)
        out["queue_build_after_s"] = statistics.median(_cold_queue(store, clock) for _ in range(3))
        from callroom.domain.escalation import queue_stage_figures

        q = desk.queue()
        t = time.perf_counter()
        stages = queue_stage_figures(q.entries, q.not_today)
        out["stages_palette_s"] = time.perf_counter() - t
        t = time.perf_counter()
        desk.escalation_stages()
        out["stages_report_s"] = time.perf_counter() - t
        out["stages"] = {s.stage: s.clients for s in stages}
        folder = Path(tmp) / "case"
        hist = meta["history_client_id"]
        t = time.perf_counter()
        paths = desk.write_case_file(hist, folder)
        out["casefile_s"] = time.perf_counter() - t
        import pypdf

        out["casefile_pages"] = len(pypdf.PdfReader(folder / "casefile.pdf").pages)
        out["casefile_kb"] = round(sum(p.stat().st_size for p in paths) / 1024)
        out["casefile_contacts"] = len(desk.case_file(hist).contacts)
        store.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--chosen", type=int, default=1000, help="routes to choose (default 1000)")
    ap.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "callroom-bench")
    a = ap.parse_args(argv)
    print(json.dumps(measure(a.quick, a.chosen, a.cache_dir), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

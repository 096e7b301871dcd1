"""Crash-test writer through the public API: logs calls with ``Desk.log`` as fast as it
can, now and then imports a CSV file (``apply_import``: a backup, then one transaction)
or compacts (a backup link, then an atomic rewrite), until it is killed.

Usage: crash_app_writer.py DATAFILE SEED FIRST WORKDIR

FIRST is what to do right after opening: ``log``, ``import`` or ``compact``.

Protocol on stdout, one line each, flushed:

* ``ready``                   the store is open
* ``ack <call id> <key>``     Desk.log returned (the call is durable); its note is ``key``
* ``import-start <tag> <n>``  an import of ``n`` invoices numbered ``<tag>-<i>`` begins
* ``import-ack <tag>``        that import returned
* ``compact-start`` / ``compact-done``
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

try:
    import callroom  # noqa: F401
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from datetime import date, datetime, timezone

from callroom.domain.clock import Clock
from callroom.domain.codes import Result
from callroom.domain.drafts import Draft
from callroom.importers import parse_file
from callroom.importers.reconcile import plan_import
from callroom.services import Desk, apply_import
from callroom.store import open_store

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
RESULTS = [Result.VOICEMAIL, Result.NO_ANSWER, Result.GATEKEEPER, Result.WRONG_NUMBER]
IMPORT_SIZE = 400


def write_csv(path: Path, tag: str, clients: list[str], rng: random.Random) -> None:
    rows = ["Customer,Invoice Number,Invoice Date,Due Date,Balance Due,Currency"]
    for i in range(IMPORT_SIZE):
        name = rng.choice(clients).replace('"', '""')
        rows.append(f'"{name}",{tag}-{i},2026-09-01,2026-10-01,{rng.randrange(100, 99999)}.{rng.randrange(100):02d},USD')
    path.write_text("\n".join(rows) + "\n")


def main() -> None:
    path, seed, first, work = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    rng = random.Random(seed)
    out = sys.stdout
    store = open_store(path)
    desk = Desk(store, Clock.at(NOW))
    clients = store.clients.all()
    names = [c.name for c in clients]
    out.write("ready\n")
    out.flush()
    n = 0
    action = first
    while True:
        if action == "compact":
            out.write("compact-start\n")
            out.flush()
            store.db.compact()
            out.write("compact-done\n")
            out.flush()
        elif action == "import":
            tag = f"S{seed}I{n}"
            csv = work / f"{tag}.csv"
            write_csv(csv, tag, names, rng)
            plan = plan_import([parse_file(csv)], store.clients.all(), store.ledger.all_invoices(),
                               as_of=date(2026, 11, 23), full=False, default_currency="USD")
            out.write(f"import-start {tag} {IMPORT_SIZE}\n")
            out.flush()
            apply_import(store, plan)
            out.write(f"import-ack {tag}\n")
            out.flush()
        else:
            key = f"{seed}-{n}"
            call, _ = desk.log(Draft(result=rng.choice(RESULTS), note=key), rng.choice(clients).id)
            out.write(f"ack {call.id} {key}\n")
            out.flush()
        n += 1
        roll = rng.random()
        action = "compact" if roll < 0.01 else "import" if roll < 0.02 else "log"


if __name__ == "__main__":
    main()

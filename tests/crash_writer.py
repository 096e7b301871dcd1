"""Crash-test writer: writes call-like documents as fast as it can until it is killed.

Usage: crash_writer.py DATAFILE SEED FIRST

FIRST is what to do right after opening: ``compact``, ``tx`` (a big
transaction) or ``insert``. The parent times its SIGKILL from the markers
below, so that some kills land inside a compaction or a big transaction.

Protocol on stdout, one line each, flushed:

* ``ready``                     the store is open
* ``ack <id> <key>``            insert of the document with ``key`` returned ``id``
                                (printed only after the insert returned: it is durable)
* ``tx-start <tag> <n>``        a transaction of ``n`` inserts tagged ``tag`` begins
* ``tx-ack <tag> <id>...``      that transaction returned, with its ids
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

from callroom.store.journal import open_db

OUTCOMES = ["promise", "no_answer", "voicemail", "dispute", "paid", "callback"]


def call_doc(rng: random.Random, key: str) -> dict:
    return {
        "key": key,
        "client_id": rng.randrange(1, 3000),
        "invoice_ids": [rng.randrange(1, 20000) for _ in range(rng.randrange(1, 4))],
        "at": f"2024-05-{rng.randrange(1, 29):02d}T{rng.randrange(8, 18):02d}:{rng.randrange(60):02d}:00",
        "outcome": rng.choice(OUTCOMES),
        "minutes": rng.randrange(1, 30),
        "notes": "Spoke to accounts; " * rng.randrange(0, 5),
    }


def main() -> None:
    path, seed, first = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rng = random.Random(seed)
    out = sys.stdout
    db = open_db(path, program="crash_writer")
    calls = db.table("calls")
    out.write("ready\n")
    out.flush()
    n = 0
    action = first
    while True:
        if action == "compact":
            out.write("compact-start\n")
            out.flush()
            db.compact()
            out.write("compact-done\n")
            out.flush()
        elif action == "tx":
            tag = f"{seed}-tx{n}"
            size = rng.randrange(300, 900)
            out.write(f"tx-start {tag} {size}\n")
            out.flush()
            with db.transaction():
                ids = [calls.insert(dict(call_doc(rng, f"{tag}-{i}"), tx=tag, tx_size=size)) for i in range(size)]
            out.write(f"tx-ack {tag} {' '.join(map(str, ids))}\n")
            out.flush()
        else:
            key = f"{seed}-{n}"
            doc_id = calls.insert(call_doc(rng, key))
            out.write(f"ack {doc_id} {key}\n")
            out.flush()
        n += 1
        roll = rng.random()
        action = "compact" if roll < 0.01 else "tx" if roll < 0.03 else "insert"


if __name__ == "__main__":
    main()

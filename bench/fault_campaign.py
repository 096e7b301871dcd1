"""Fault campaign: damage a ledger the ways a copy, a sync tool or a disk does, and open it
as the app does. Every fault must be detected: refused (naming the line), or, for a torn
final append, reported with its bytes kept. None may open silently.

    python bench/fault_campaign.py              # 200 cuts, 200 flips, 50 line faults, 50 torn appends
    python bench/fault_campaign.py --seed 7

The ledger: the demo ledger with 2,500 past calls and a compaction (the calls table takes
three snapshot lines), then 40 journal lines (single calls, and transactions of several).
Each fault is applied to a fresh copy (with its seal), then:

* opened as the app opens it (``open_store``, for writing): refused (``DamagedFileError``),
  or opened; an open that gives no notice is *silent*;
* read by ``callroom check`` (``callroom.store.integrity.check``): it must find damage.

Cuts inside a line and changed bytes pick a line first, then a byte of it (so the short
journal lines are hit as often as the long snapshot lines); a changed byte is XORed with a
random non-zero value (a newline may appear or vanish). A torn final append (a write cut
short at a random byte) must open, say so, and keep the bytes as found beside the backups;
the rest of the ledger must be exactly as before.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

try:
    import callroom  # noqa: F401
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from callroom import demo
from callroom.domain.codes import Result
from callroom.domain.models import Call
from callroom.store import DamagedFileError, NewerSchemaError, notices, open_store
from callroom.store.integrity import check
from callroom.store.seal import seal_path_for

TODAY = datetime(2026, 11, 23, 9, 0)


def build(path: Path, seed: int = 1) -> None:
    rng = random.Random(seed)
    store = open_store(path)
    demo.load(store, TODAY.date())
    clients = store.clients.all()
    with store.transaction():
        for i in range(2500):
            store.calls.add(Call(None, rng.choice(clients).id, TODAY, Result.VOICEMAIL, note=f"past call {i}"))
    store.db.compact()
    for i in range(40):
        if i % 5 == 4:
            with store.transaction():
                for j in range(rng.randrange(2, 6)):
                    store.calls.add(Call(None, rng.choice(clients).id, TODAY, Result.NO_ANSWER, note=f"batch {i}.{j}"))
        else:
            store.calls.add(Call(None, rng.choice(clients).id, TODAY, Result.REACHED, note=f"call {i}"))
    store.close()


def _lines(raw: bytes) -> list[bytes]:
    return raw[:-1].split(b"\n")


def _join(lines: list[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in lines)


def faults(raw: bytes, rng: random.Random, cuts: int, flips: int, line_faults: int) -> list[tuple[str, bytes]]:
    """(kind, damaged bytes) for every fault of the campaign."""
    out: list[tuple[str, bytes]] = []
    lines = _lines(raw)
    ends, pos = [], 0
    for line in lines:
        pos += len(line) + 1
        ends.append(pos)
    boundaries = [0] + ends[:-1]  # every line end but the file's own end (that is no cut)
    starts = [0] + ends[:-1]

    def in_a_line() -> tuple[int, int]:
        """A random line (header, snapshot or journal alike), and a byte of it (its newline too)."""
        n = rng.randrange(len(lines))
        return starts[n], ends[n] - starts[n]

    for _ in range(cuts // 2):
        start, length = in_a_line()
        out.append(("cut inside a line", raw[: start + rng.randrange(1, length)]))
    for _ in range(cuts - cuts // 2):
        out.append(("cut at a line end", raw[: rng.choice(boundaries)]))
    for _ in range(flips):
        start, length = in_a_line()
        at = start + rng.randrange(length)
        out.append(("one byte changed", raw[:at] + bytes([raw[at] ^ rng.randrange(1, 256)]) + raw[at + 1:]))
    kinds = ["lines swapped", "line repeated", "line dropped"]
    for i in range(line_faults):
        kind = kinds[i % 3]
        ls = list(lines)
        if kind == "lines swapped":
            a = rng.randrange(len(ls) - 1)
            b = a + 1 if rng.random() < 0.5 else rng.randrange(len(ls))
            while b == a or ls[a] == ls[b]:
                b = rng.randrange(len(ls))
            ls[a], ls[b] = ls[b], ls[a]
        elif kind == "line repeated":
            a = rng.randrange(len(ls))
            ls.insert(rng.randrange(a, len(ls)) + 1, ls[a])
        else:
            del ls[rng.randrange(len(ls))]
        out.append((kind, _join(ls)))
    return out


def torn_appends(raw: bytes, path: Path, rng: random.Random, n: int) -> list[tuple[str, bytes]]:
    """A real next append (a call written by the store) cut at a random byte."""
    probe = path.with_name("probe.jsonl")
    shutil.copyfile(path, probe)
    shutil.copyfile(seal_path_for(path), seal_path_for(probe))
    store = open_store(probe)
    store.calls.add(store.calls.all()[0].with_(id=None, note="the write a crash cut short"))
    store.close()
    line = probe.read_bytes()[len(raw):]
    return [("torn final append", raw + line[: rng.randrange(1, len(line))]) for _ in range(n)]


def judge(path: Path, pristine: bytes, seal: bytes, damaged: bytes, kind: str) -> tuple[str, bool]:
    """Put ``damaged`` in place and open it as the app does: ``(outcome, check found it)``."""
    path.write_bytes(damaged)
    seal_path_for(path).write_bytes(seal)
    for leftover in path.parent.glob(f"{path.name}.backups"):
        shutil.rmtree(leftover)
    try:
        store = open_store(path)
    except (DamagedFileError, NewerSchemaError):
        outcome = "refused"
    else:
        said = notices(store)
        store.close()
        torn = [n for n in said if n.kind == "torn"]
        if torn and torn[0].path is not None and pristine + torn[0].path.read_bytes() == damaged \
                and path.read_bytes().startswith(pristine):
            outcome = "torn, reported, bytes kept"
        elif said:
            outcome = "opened with a notice"
        else:
            outcome = "opened silently"
        path.write_bytes(damaged)  # check reads the file as found
        seal_path_for(path).write_bytes(seal)
    report = check(path)
    found = not report.whole or any(n.kind == "torn" for n in report.notices)
    return outcome, found


def run(seed: int = 20261123, cuts: int = 200, flips: int = 200, line_faults: int = 50, torn: int = 50,
        workdir: Path | None = None) -> dict:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        base = Path(tmp) / "base" / "ledger.jsonl"
        base.parent.mkdir()
        build(base)
        pristine, seal = base.read_bytes(), seal_path_for(base).read_bytes()
        cases = faults(pristine, rng, cuts, flips, line_faults) + torn_appends(pristine, base, rng, torn)
        work = Path(tmp) / "work" / "ledger.jsonl"
        work.parent.mkdir()
        table: dict[str, Counter] = {}
        started = time.perf_counter()
        for kind, damaged in cases:
            outcome, found = judge(work, pristine, seal, damaged, kind)
            row = table.setdefault(kind, Counter())
            row["faults"] += 1
            row[outcome] += 1
            row["check found it"] += found
        elapsed = time.perf_counter() - started
    return {"seed": seed, "lines": len(_lines(pristine)), "bytes": len(pristine), "seconds": elapsed,
            "rows": {k: dict(v) for k, v in table.items()}}


COLUMNS = ["faults", "refused", "torn, reported, bytes kept", "opened with a notice", "opened silently", "check found it"]


def report(result: dict) -> str:
    rows = result["rows"]
    total = Counter()
    for r in rows.values():
        total.update(r)
    head = f"{'':22}" + "".join(f"{c:>14}" for c in ["faults", "refused", "torn+kept", "notice only", "SILENT", "check finds"])
    out = [f"Fault campaign (seed {result['seed']}) on a ledger of {result['lines']:,} lines, {result['bytes'] / 1e6:.2f} MB; "
           f"{total['faults']} faults in {result['seconds']:.1f} s", head]
    for kind, r in list(rows.items()) + [("total", dict(total))]:
        out.append(f"{kind:22}" + "".join(f"{r.get(c, 0):>14}" for c in COLUMNS))
    detected = total["refused"] + total["torn, reported, bytes kept"]
    out.append(f"detected: {detected}/{total['faults']} ({100 * detected / total['faults']:.0f}%), "
               f"opened silently: {total['opened silently']}, found by `callroom check`: "
               f"{total['check found it']}/{total['faults']}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = parser.parse_args(argv)
    result = run(args.seed)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()

"""``callroom check`` and ``callroom repair``: every damaged place named, and a repair that
keeps what can be trusted.

:func:`check` reads the whole ledger without stopping at the first damage: every damaged
line (sequence, checksum, shape, a cut), every record that does not fit its model, and
the notices an open would give (an unfinished write, no seal). Never writes.

:func:`plan_repair` takes the writer lock, reads the ledger the same way, and works out
what a repair keeps (every intact snapshot line, the journal up to its first damaged or
missing line, without records that do not fit their model, nor those of a client lost
with the damage) against what reading every line as if it were whole would give: the difference is what is dropped, counted per
table. :meth:`RepairPlan.apply` then keeps the damaged file in the backups folder (a hard
link: the file as found) and writes the kept data as a new generation of the ledger,
atomically, with its seal. Owns only this; reading, writing and the record checks are
their own modules.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .check import TABLES, describe, record_problems
from .disk import Disk
from .errors import NewerSchemaError, StoreError
from .format import Header, Tables, apply_raw, check_op, decode_json, is_doc_key, new_ledger_id
from .lookup import locate
from .reading import Loaded, Notice, Problem, load, writer_elsewhere_of
from .seal import read_seal
from .writing import Journal, now_iso

__all__ = ["Report", "RepairPlan", "check", "plan_repair"]

#: The tables counted in a report, in the order they are shown.
COUNTED = tuple(TABLES)


@dataclass
class Report:
    """What :func:`check` found."""

    path: Path
    #: Every damaged place, by line: lines, then records that do not fit their model.
    problems: list[Problem]
    #: What an open would tell the owner (an unfinished write, no seal, an old layout).
    notices: list[Notice]
    layout: int
    lines: int
    #: Records that can be trusted, per table.
    counts: dict[str, int]
    #: The data that can be trusted (what a repair keeps).
    data: Tables = field(repr=False, default_factory=dict)
    loaded: Loaded | None = field(repr=False, default=None)
    #: Records left out of ``data`` because their client is lost with the damage.
    orphans: int = 0

    @property
    def whole(self) -> bool:
        return not self.problems


def _counts(data: Tables) -> dict[str, int]:
    return {name: len(data.get(name) or {}) for name in COUNTED}


def _read(path: Path, fd: int, seal, writer_elsewhere, schema: int | None) -> Report:
    loaded = load(path, fd, seal, code_schema=schema, strict=False, writer_elsewhere=writer_elsewhere)
    problems = list(loaded.problems)
    data = loaded.data
    bad = list(record_problems(data))
    if bad:
        raw = _read_all(fd)
        lines = locate(raw, {(t, i) for t, i, _ in bad})
        for table, doc_id, why in bad:
            data[table].pop(str(doc_id), None)
            problems.append(Problem(lines.get((table, doc_id), 0), describe(table, doc_id, why)))
    problems.sort(key=lambda p: p.line)
    orphans = _drop_orphans(data) if problems else 0
    notices = list(loaded.notices)
    if loaded.torn is not None and not problems:
        notices.append(Notice("torn", (
            f"The last write was never finished: {loaded.torn.describe()}. Every acknowledged write is there; "
            "the next open for writing keeps those bytes beside the backups and cuts them off.")))
    if loaded.layout == 1:
        notices.append(Notice("old-layout", (
            "The file is in the format of an earlier callroom (no sequence numbers or checksums): it is "
            "converted, after a backup, the next time it is opened for writing.")))
    return Report(path, problems, notices, loaded.layout, loaded.lines, _counts(data), data, loaded, orphans)


#: The tables whose records belong to a client (``client_id``).
_OF_A_CLIENT = tuple(name for name in TABLES if name not in ("clients", "sessions"))


def _drop_orphans(data: Tables) -> int:
    """Leave out the records of clients that are lost with the damage: no screen could show
    them (a queue of invoices without their client is empty). Returns how many."""
    clients = data.get("clients") or {}
    gone = 0
    for name in _OF_A_CLIENT:
        docs = data.get(name) or {}
        lost = [k for k, doc in docs.items() if str(doc.get("client_id")) not in clients]
        for k in lost:
            del docs[k]
        gone += len(lost)
    return gone


def _read_all(fd: int) -> bytes:
    size, parts, offset = os.fstat(fd).st_size, [], 0
    while offset < size:
        chunk = os.pread(fd, size - offset, offset)
        if not chunk:
            break
        parts.append(chunk)
        offset += len(chunk)
    return b"".join(parts)


def check(path: Path | str, *, schema: int | None = None) -> Report:
    """Read the whole ledger at ``path`` and report everything found (raises OSError).
    ``schema``: the newest this release reads (a file of a newer one is reported)."""
    path = Path(path)
    seal = read_seal(path)
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return _read(path, fd, seal, writer_elsewhere_of(path), schema)
    finally:
        os.close(fd)


def _as_if_whole(raw: bytes) -> tuple[Tables, int]:
    """Every line that reads as JSON of a known shape, applied as if the file were whole
    (checksums, sequence numbers and order ignored): what opening it silently would give;
    and how many lines cannot be read at all (what they held is unknown)."""
    data: Tables = {}
    unreadable = 0
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        obj, why = decode_json(line)
        if why is not None or type(obj) is not dict:
            unreadable += 1
            continue
        if type(obj.get("table")) is str and type(obj.get("docs")) is dict:
            docs = {k: v for k, v in obj["docs"].items() if is_doc_key(k) and type(v) is dict}
            data.setdefault(obj["table"], {}).update(docs)
        elif type(obj.get("tx")) is list and all(check_op(op) is None for op in obj["tx"]):
            for op in obj["tx"]:
                apply_raw(data, op)
        else:
            unreadable += int("format" not in obj and "aux" not in obj)
    return data, unreadable


def _dropped(found: Tables, kept: Tables) -> dict[str, int]:
    """Per table: records ``found`` holds that ``kept`` lacks or holds otherwise."""
    out = {}
    for name in COUNTED:
        mine, theirs = kept.get(name) or {}, found.get(name) or {}
        out[name] = sum(1 for k, v in theirs.items() if mine.get(k) != v)
    return out


class RepairPlan:
    """A repair worked out under the writer lock; :meth:`apply` it or :meth:`cancel` it."""

    def __init__(self, path: Path, journal: Journal, report: Report, dropped: dict[str, int], unreadable: int,
                 fd: int) -> None:
        self.path = path
        self.report = report
        self.kept = report.counts
        #: Per table, records that reading every line as if whole would show and the repair does not keep.
        self.dropped = dropped
        #: Lines that cannot be read at all (what they held cannot be counted).
        self.unreadable = unreadable
        self._journal = journal
        self._fd = fd
        self._done = False

    @property
    def needed(self) -> bool:
        """False for a whole file (its notices are dealt with by an ordinary open)."""
        return not self.report.whole

    def apply(self) -> Path | None:
        """Keep the damaged file as a ``repair`` backup and write the kept data in its place,
        atomically. Returns the backup. Raises :class:`StorageWriteError`; the file is then unchanged."""
        if self._done:
            raise StoreError("this repair was already applied or cancelled")
        loaded = self.report.loaded
        assert loaded is not None
        header = loaded.header
        journal = self._journal
        fd, self._fd = self._fd, None
        journal.take_over(fd, loaded)
        created = header.created if header else loaded.created
        new = (Header(header.schema, created or now_iso(), header.ledger, header.gen + 1) if header is not None
               else Header(loaded.file_schema or journal.schema, created or now_iso(), new_ledger_id(), 1))
        try:
            journal.write_snapshot(self.report.data, new, None, reason="repair", fresh_seal=True)
            return journal.last_kept
        finally:
            self._finish()

    def cancel(self) -> None:
        self._finish()

    def _finish(self) -> None:
        if not self._done:
            self._done = True
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._journal.close()


def plan_repair(path: Path | str, *, schema: int, disk: Disk | None = None, program: str = "callroom repair") -> RepairPlan:
    """Take the writer lock (``LockedError`` while callroom has the ledger open) and work
    out the repair of the ledger at ``path``. The lock is held until the plan is applied
    or cancelled, so the file repaired is the file shown."""
    path = Path(path)
    journal = Journal(path, schema=schema, program=program, disk=disk, backups=True)
    journal.lock.acquire()
    try:
        seal = read_seal(path)
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        try:
            report = _read(path, fd, seal, lambda: False, schema)
            newer = report.loaded.file_schema if report.loaded else None
            if newer is not None and newer > schema:
                raise NewerSchemaError(path, newer, schema)
            found, unreadable = _as_if_whole(_read_all(fd))
            dropped = _dropped(found, report.data)
        except BaseException:
            os.close(fd)
            raise
    except BaseException:
        journal.close()
        raise
    return RepairPlan(path, journal, report, dropped, unreadable, fd)


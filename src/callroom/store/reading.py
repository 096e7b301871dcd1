"""Reading a ledger: every line checked, the end checked against the seal, damage named.

Owns opening a file for reading (:func:`load`), replaying it into tables, finding
damage (sequence, checksum, shape, a cut, a file older than the seal says), telling
the one thing a crash can leave (an unfinished last write, :class:`Torn`) from
everything else, and salvage (what can be read, and what was left out). Never writes:
setting aside torn bytes, trimming and sealing are the writer's
(:mod:`callroom.store.writing`); finding things without reading the whole file is
:mod:`callroom.store.lookup`.

How the end of a file is judged against the seal's tip (:mod:`callroom.store.seal`):

* the file reaches the tip exactly: whole;
* one more complete line: the writer stopped between the line and its seal: whole;
* bytes after the last complete line that do not make a line: an unfinished write,
  accepted and reported (:class:`Torn`), since nothing acknowledged is missing;
* the file stops before the tip, or the line at the tip is another one: damage (a cut,
  lines dropped or changed), refused;
* an older generation of the ledger than the seal's: damage (an old copy put back);
* no seal, or one of another ledger, or one that is behind by more than a line: a
  :class:`Notice` (said once; the writer then writes a new seal) and the lines are
  judged on their own, as callroom 0.1 did.

While another process writes (a read-only open beside the app), lines and bytes past
the tip are that writer's appends, not damage.
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

from . import legacy
from .errors import DamagedFileError, NewerSchemaError
from .format import (
    AUX,
    LAYOUT,
    LINE_START,
    Header,
    Tables,
    Tip,
    apply_raw,
    bad_docs,
    chain_crc,
    check_op,
    keys_canonical,
    decode_json,
    line_tip_crc,
    read_header,
    split_line,
)
from .lock import lock_path_for, read_holder, writer_alive
from .rows import NO_CLIENT, Rows, Source, locate_docs
from .seal import SealState, read_seal, seal_path_for

__all__ = [
    "Loaded", "Notice", "Problem", "Torn", "emptied", "last_written", "load", "load_path", "read_file",
    "writer_elsewhere_of",
]

#: How much of the file is read at a time.
_CHUNK = 4 * 1024 * 1024

#: Above this file size, a store being opened freezes the loaded objects (see :func:`load`).
SETTLE_GC_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    """One damaged place: the line (1-based) and what is wrong there."""

    line: int
    what: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.what}"


@dataclass(frozen=True)
class Notice:
    """Something the owner is told once, that does not stop the ledger opening.

    ``kind``: ``torn`` (an unfinished write set aside), ``unsealed`` (no record of the last
    write beside the ledger), ``foreign-seal`` (that record is of another ledger file),
    ``seal-behind``, ``migrated`` (converted from layout 1) or ``old-layout`` (read-only).
    """

    kind: str
    text: str
    path: Path | None = None


@dataclass(frozen=True)
class Torn:
    """An unfinished last write: the bytes after the last complete line, as found."""

    offset: int
    data: bytes
    #: The sequence number the line would have had, when that much of it was written.
    seq: int | None
    #: The tables its visible part names.
    tables: tuple[str, ...]

    def describe(self) -> str:
        what = f"transaction {self.seq}" if self.seq is not None else "a transaction"
        if self.tables:
            what += f" (writing {', '.join(self.tables)})"
        if not self.data.strip(b"\0"):
            return f"{len(self.data)} zero bytes at the end (space a power cut left unwritten)"
        return f"{len(self.data)} bytes of {what}, never acknowledged"


@dataclass
class Loaded:
    """A file read: its tables and what was found about it."""

    data: Tables
    layout: int
    header: Header | None
    file_schema: int | None
    created: str | None
    #: Bytes up to and including the last complete line kept.
    valid_len: int
    snapshot_bytes: int = 0
    journal_bytes: int = 0
    journal_ops: int = 0
    #: Per table, the ids (as keys) that journal lines put: every other document is as
    #: the snapshot had it when ``on_table`` saw it.
    touched: dict[str, set[str]] = field(default_factory=dict)
    torn: Torn | None = None
    #: The last complete line kept (layout 2): what the seal should say now.
    tip: Tip | None = None
    #: The seal as read, and whether it already records :attr:`tip`.
    seal: SealState = SealState(False)
    sealed: bool = False
    notices: list[Notice] = field(default_factory=list)
    #: Salvage only: every damaged place, and the last line whose changes were kept.
    problems: list[Problem] = field(default_factory=list)
    lines: int = 0
    #: The highest sequence number of an intact line, kept or not (layout 2).
    last_seq: int | None = None
    #: With ``rows``: the file the tables' documents are read from (the owner closes it).
    source: Source | None = None
    #: The running checksum of the lines kept, through :attr:`tip` (``format.chain_crc``).
    chain: int = 0

    @property
    def torn_tail_bytes(self) -> int:
        return len(self.torn.data) if self.torn else 0


class _Lines:
    """The complete lines of a file, read with ``pread`` a chunk at a time.

    The whole file is never in memory at once: a 47 MB ledger read whole and split sits
    there twice (the bytes and the lines) beside the documents parsed from it. Lines are
    memoryviews of the chunk they lie in, or a bytearray gathered for a line that spans
    chunks. After iteration, ``tail`` holds the bytes after the last newline and
    ``valid_len`` the bytes before them.
    """

    def __init__(self, fd: int, size: int) -> None:
        self.fd = fd
        self.size = size
        self.tail = b""
        self.valid_len = 0

    def __iter__(self) -> Iterator[memoryview | bytearray]:
        fd, size, offset, valid = self.fd, self.size, 0, 0
        pending = bytearray()  # the start of a line that spans chunks
        while offset < size:
            chunk = os.pread(fd, min(_CHUNK, size - offset), offset)
            if not chunk:
                break  # the file shrank since fstat: read what is there
            offset += len(chunk)
            view = memoryview(chunk)
            start = 0
            if pending:
                end = chunk.find(b"\n")
                if end < 0:
                    pending += chunk
                    continue
                pending += view[:end]
                line, pending = pending, bytearray()
                valid += len(line) + 1
                self.valid_len = valid
                yield line
                del line
                start = end + 1
            while (end := chunk.find(b"\n", start)) >= 0:
                valid += end - start + 1
                self.valid_len = valid
                yield view[start:end]
                start = end + 1
            pending += view[start:]
        self.tail = bytes(pending)


@contextmanager
def _gc_paused(settle: bool, size: int) -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects at once.

    Loading 100,000 documents creates over a million objects, which triggers several
    full collections that each scan all of them: about half the open time. JSON data
    cannot form reference cycles, so nothing is missed. With ``settle`` (a store being
    opened) and a big file, the loaded objects are then frozen (``gc.freeze()``): left
    in the youngest generation, the very next allocation would trigger a collection
    that scans them all (0.15-0.3 s), as would every later full collection.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    except BaseException:
        if was_enabled:
            gc.enable()
        raise
    if was_enabled:
        if settle and size >= SETTLE_GC_BYTES:
            gc.freeze()
        gc.enable()


_TX_AT = re.compile(rb'\{"seq":[0-9]+,"crc":"[0-9a-f]{8}","tx":\[')
_TABLE_AT = re.compile(rb'\{"seq":[0-9]*,"crc":"[^"]*","table":"')
_TABLE_NAME = re.compile(rb'\{"seq":[0-9]+,"crc":"[0-9a-f]{8}","table":("(?:[^"\\]|\\.){0,200}"),"docs":\{')
_TABLE_NAMES = re.compile(rb'"t":("(?:[^"\\]|\\.){1,80}")')
_SEQ_AT = re.compile(rb'\{"seq":([0-9]{1,18})[,}]')


def _torn(offset: int, data: bytes) -> Torn:
    m = _SEQ_AT.match(data)
    names: list[str] = []
    for raw in _TABLE_NAMES.findall(data[:1 << 20]):
        try:
            name = decode_json(raw)[0]
        except Exception:  # noqa: BLE001 - a name cut by the tear: leave it out
            continue
        if type(name) is str and name not in names:
            names.append(name)
    return Torn(offset, data, int(m.group(1)) if m else None, tuple(names))


def _looks_torn(tail: bytes) -> bool:
    """Bytes that an unfinished append leaves: the start of a line, or zero-fill."""
    return tail.startswith(LINE_START) or LINE_START.startswith(tail) or not tail.strip(b"\0")


class _Reader:
    """One pass over the lines of a layout-2 file (see :func:`load`)."""

    def __init__(self, path: Path, strict: bool, code_schema: int | None,
                 on_table: Callable[[str, dict[str, Any]], None] | None, source: Source | None = None) -> None:
        self.path = path
        #: Rows mode: snapshot documents stay in the file, located (see :mod:`callroom.store.rows`).
        self.source = source
        self.strict = strict
        self.code_schema = code_schema
        self.on_table = on_table
        self.problems: list[Problem] = []
        self.data: Tables = {}
        self.touched: dict[str, set[str]] = {}
        self.header: Header | None = None
        self.snapshot_bytes = self.journal_bytes = self.journal_ops = 0
        #: The first line whose changes were not applied (salvage keeps what comes before).
        self.stopped_at: int | None = None
        self.left_out = 0  # intact journal lines after that
        self.last_seen: int | None = None  # the sequence number of the last intact line, kept or not
        self.chain = 0  # of the lines kept (see format.chain_crc)

    def damaged(self, line: int, what: str) -> None:
        if self.strict:
            raise DamagedFileError(self.path, line, what)
        self.problems.append(Problem(line, what))

    def read(self, lines: _Lines, tip: Tip | None) -> tuple[int, tuple[int, int, int] | None, tuple[int | None, int] | None]:
        """Read every line. Returns ``(lines read, (seq, end, crc) of the last line kept,
        (seq, crc) of the line that ends where ``tip`` ends)``."""
        expected: int | None = None
        in_journal = False
        seen_snapshot: set[int] = set()
        number = end = 0
        last: tuple[int, int, int] | None = None
        at_tip: tuple[int | None, int] | None = None
        want_end = tip.length if tip is not None else -1
        for number, line in enumerate(lines, start=1):
            end += len(line) + 1
            seq, intact = split_line(line)
            if end == want_end:
                at_tip = (seq, line_tip_crc(line) if seq is not None else -1)
            # Damage on a line in or starting the journal stops the replay there; a line
            # whose kind cannot be trusted counts as a journal line unless it starts like
            # a snapshot line.
            is_tx = intact and bool(_TX_AT.match(line))
            stops = number > 1 and (in_journal or is_tx or (not intact and not _TABLE_AT.match(line)))
            if seq is None or not intact:
                self.damaged(number, "the checksum does not match: the line changed after it was written" if seq is not None
                             else "the line has no sequence number and checksum at its start "
                                  "(it was changed, or does not belong in this file)")
                if expected is not None:
                    expected += 1
                if stops:
                    self._stop(number)
                continue
            self.last_seen = seq if self.last_seen is None else max(self.last_seen, seq)
            if expected is not None and seq != expected:
                if seq > expected:
                    gap = seq - expected
                    what = f"{gap:,} line{'s' if gap > 1 else ''} missing before this one"
                else:
                    what = "the line repeats an earlier one or is out of order"
                self.damaged(number, f"sequence number {seq} where {expected} was expected: {what}")
                if stops:
                    self._stop(number)
                expected = max(expected, seq + 1)
            else:
                expected = seq + 1
            if is_tx:
                in_journal = True
                if self.stopped_at is not None:
                    self.left_out += 1
                    self.journal_bytes += len(line) + 1
                    continue
            if (self.source is not None and number > 1 and not in_journal and seq not in seen_snapshot
                    and self._snapshot_at_once(number, line, end - len(line) - 1)):
                seen_snapshot.add(seq)
                self.snapshot_bytes += len(line) + 1
                last = (seq, end, line_tip_crc(line))
                self.chain = chain_crc(self.chain, last[2])
                continue
            obj, why = decode_json(line)
            if why is not None or type(obj) is not dict:
                self.damaged(number, why or "expected a JSON object")
                if stops:
                    self._stop(number)
                continue
            if number == 1:
                self._header(obj)
                self.snapshot_bytes += len(line) + 1
            elif "tx" in obj:
                in_journal = True
                self.journal_bytes += len(line) + 1
                if self.stopped_at is not None:
                    self.left_out += 1
                    continue
                if not self._journal(number, obj):
                    continue
            elif "table" in obj:
                self.snapshot_bytes += len(line) + 1
                if in_journal:
                    self.damaged(number, f"snapshot of table {obj.get('table')!r} after journal lines")
                    self._stop(number)
                    continue
                if seq in seen_snapshot:
                    continue  # a repeat (named above): its documents are there already
                seen_snapshot.add(seq)
                self._snapshot(number, obj, line, end - len(line) - 1)
            elif AUX in obj:
                if type(obj[AUX]) is not str:
                    self.damaged(number, "an aux line must name what it holds")
            else:
                self.damaged(number, "neither a table snapshot nor a journal line")
                if stops:
                    self._stop(number)
                continue
            if self.stopped_at is None:
                last = (seq, end, int(obj["crc"], 16))
                self.chain = chain_crc(self.chain, last[2])
        return number, last, at_tip

    def _stop(self, number: int) -> None:
        if self.stopped_at is None:
            self.stopped_at = number

    def _header(self, obj: dict[str, Any]) -> None:
        layout = obj.get("layout")
        if type(layout) is int and layout > LAYOUT and obj.get("format") == "callroom":
            if self.strict:
                raise NewerSchemaError(self.path, layout, LAYOUT, kind="layout")
            self.problems.append(Problem(1, f"written by a newer callroom (file layout {layout})"))
            return
        header = read_header(obj)
        if isinstance(header, str):
            self.damaged(1, header)
            return
        if self.code_schema is not None and header.schema > self.code_schema:
            if self.strict:
                raise NewerSchemaError(self.path, header.schema, self.code_schema)
            self.problems.append(Problem(1, f"written by a newer callroom (schema {header.schema})"))
        self.header = header

    def _journal(self, number: int, obj: dict[str, Any]) -> bool:
        ops = obj["tx"]
        if obj.keys() != {"seq", "crc", "tx"} or type(ops) is not list:
            self.damaged(number, 'a journal line must be exactly {"seq": …, "crc": …, "tx": [...]}')
            self._stop(number)
            return False
        why = next((w for w in map(check_op, ops) if w is not None), None)
        if why is not None:
            self.damaged(number, why)
            self._stop(number)
            return False
        data, touched = self.data, self.touched
        if self.source is None:
            for op in ops:
                apply_raw(data, op)
                if "put" in op:
                    touched.setdefault(op["t"], set()).add(str(op["put"]))
        else:
            for op in ops:
                name = op["t"]
                if "put" in op:
                    key = str(op["put"])
                    table = data.get(name)
                    if table is None:
                        table = data[name] = Rows(self.source)
                    table[key] = op["doc"]
                    touched.setdefault(name, set()).add(key)
                elif "del" in op:
                    table = data.get(name)
                    if table is not None:
                        table.pop(str(op["del"]), None)
                else:
                    data[name] = Rows(self.source)
        self.journal_ops += len(ops)
        return True

    def _snapshot(self, number: int, obj: dict[str, Any], line: Any = None, at: int = 0) -> None:
        name, docs = obj.get("table"), obj.get("docs")
        if obj.keys() != {"seq", "crc", "table", "docs"} or type(name) is not str or type(docs) is not dict:
            self.damaged(number, 'a table snapshot must be exactly {"seq": …, "crc": …, "table": "<name>", "docs": {...}}')
            return
        for key, why in list(bad_docs(docs)):
            self.damaged(number, f"table {name!r}: {why}")
            docs.pop(key, None)
        if self.on_table is not None:
            self.on_table(name, docs)
        if self.source is not None:
            self._snapshot_rows(number, name, docs, line, at)
            return
        table = self.data.get(name)
        if table is None:
            self.data[name] = docs
            return
        before = len(table)
        table.update(docs)
        if len(table) != before + len(docs):
            self.damaged(number, f"table {name!r}: a document of this line appears on an earlier line too")

    def _snapshot_at_once(self, number: int, line: Any, at: int) -> bool:
        """Rows mode, a snapshot line of a table with a model: checked in C as a whole
        (``on_table.line``, see ``callroom.store.check.Precheck.line``) and located, with
        no record decoded in Python. False when it cannot be (another table, another
        layout, a record the check refuses): the line is then read the slow way, which
        names what is wrong."""
        check = getattr(self.on_table, "line", None)
        m = _TABLE_NAME.match(line) if check is not None else None
        if m is None:
            return False
        name, _ = decode_json(m.group(1))
        table = self.data.get(name) if type(name) is str else None
        if type(name) is not str or (table is not None and table.in_memory):
            return False
        located = locate_docs(line)
        if located is None or not keys_canonical(located[0]):
            return False
        keys, offsets, lengths = located
        clients = check(name, line)
        if clients is None or len(clients) != len(keys):
            return False
        if table is None:
            table = self.data[name] = Rows(self.source)
        if set(map(type, clients)) != {int}:
            clients = [c if type(c) is int else NO_CLIENT for c in clients]
        if table.extend_base(map(int, keys), [at + o for o in offsets], lengths, clients):
            self.damaged(number, f"table {name!r}: a document of this line appears on an earlier line too")
        return True

    def _snapshot_rows(self, number: int, name: str, docs: dict[str, Any], line: Any, at: int) -> None:
        """Rows mode: note where each document lies instead of keeping it (a line laid out
        otherwise than callroom writes it is kept in memory)."""
        table = self.data.get(name)
        if table is None:
            table = self.data[name] = Rows(self.source)
        located = locate_docs(line) if line is not None and not table.in_memory else None
        if located is None or located[0] != list(docs):
            before = len(table)
            for key, doc in docs.items():
                table[key] = doc
            repeated = before + len(docs) - len(table)
        else:
            keys, offsets, lengths = located
            clients = list(map(dict.get, docs.values(), repeat("client_id")))
            if set(map(type, clients)) != {int}:  # a record of no client (or not a whole number)
                clients = [c if type(c) is int else NO_CLIENT for c in clients]
            repeated = table.extend_base(map(int, keys), [at + o for o in offsets], lengths, clients)
        if repeated:
            self.damaged(number, f"table {name!r}: a document of this line appears on an earlier line too")


def emptied(seal: SealState | None) -> str | None:
    """Why an empty ledger is damage: the seal says callroom wrote to it (None: it never did)."""
    t = last_written(seal)
    if t is None:
        return None
    return (f"the file is empty, but the last acknowledged write to it ended at byte {t.length:,} "
            f"(sequence number {t.seq}): everything is missing")


def last_written(seal: SealState | None) -> Tip | None:
    """The furthest tip the seal records, if it records any."""
    tips = [t for t in (seal.slots if seal is not None else ()) if t is not None and t.length > 0]
    return max(tips, key=lambda t: t.seq, default=None)


def _open(path: Path) -> tuple[int, int]:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return fd, os.fstat(fd).st_size
    except BaseException:
        os.close(fd)
        raise


def _first_line_layout(fd: int, size: int) -> int:
    """2 for a file that starts like layout 2 (or says so), else 1."""
    head = os.pread(fd, min(size, 4096), 0)
    if head.startswith(LINE_START):
        return 2
    first = head.split(b"\n", 1)[0]
    obj, _ = decode_json(first)
    if type(obj) is dict and ("layout" in obj or "seq" in obj or "crc" in obj):
        return 2
    return 1


def load(
    path: Path,
    fd: int,
    seal: SealState | None,
    *,
    code_schema: int | None,
    strict: bool = True,
    settle: bool = False,
    on_table: Callable[[str, dict[str, Any]], None] | None = None,
    writer_elsewhere: Callable[[], bool] = lambda: False,
    rows: bool = False,
) -> Loaded:
    """Read the whole file open on ``fd`` (``seal``: read *before* the file was opened;
    None for a copy that has no seal, a backup say).

    Strict: the first damage raises :class:`DamagedFileError` (or
    :class:`NewerSchemaError`). Otherwise (salvage) every damaged place is listed in
    ``Loaded.problems`` and the data holds what can be trusted: every intact snapshot
    line, and the journal up to the first damaged line. ``writer_elsewhere()`` says
    whether another process is writing now (called only if something lies past the tip).
    ``on_table(name, docs)`` sees each snapshot line's documents as they are read.

    ``rows`` (strict, layout 2 only): the tables are :class:`~callroom.store.rows.Rows`,
    their snapshot documents left in the file and read from it when asked for (through
    ``Loaded.source``, a dup of ``fd`` that the caller closes), so that memory holds a
    few machine integers a document instead of the document.
    """
    size = os.fstat(fd).st_size
    lines = _Lines(fd, size)
    if size == 0:
        loaded = Loaded({}, LAYOUT, None, None, None, 0, seal=seal or SealState(False))
        was = emptied(seal)
        if was is not None:
            problem = Problem(1, was)
            if strict:
                raise DamagedFileError(path, problem.line, problem.what)
            loaded.problems = [problem]
        return loaded
    with _gc_paused(settle, size):
        if _first_line_layout(fd, size) == 1:
            return _load_legacy(path, lines, seal, code_schema, strict, on_table)
        source = Source(fd, path) if rows and strict else None
        try:
            loaded = _load(path, lines, seal, code_schema, strict, on_table, writer_elsewhere, source)
        except BaseException:
            if source is not None:
                source.close()
            raise
        loaded.source = source
        return loaded


def _load(path: Path, lines: _Lines, seal: SealState | None, code_schema: int | None, strict: bool,
          on_table: Callable[[str, dict[str, Any]], None] | None, writer_elsewhere: Callable[[], bool],
          source: Source | None = None) -> Loaded:
    reader = _Reader(path, strict, code_schema, on_table, source)
    damaged = reader.damaged
    # The tip to reach is the seal's for this ledger and generation, so the header is
    # read first; with line 1 damaged, the furthest tip recorded still finds a cut.
    first = _header_of(lines)
    candidates = [t for t in seal.slots if t is not None] if seal is not None else []
    if first is not None and seal is not None:
        found = seal.latest(first.ledger, first.gen)
        tip = found[1] if found else None
    else:
        tip = max(candidates, key=lambda t: t.seq, default=None)
    number, last, at_tip = reader.read(lines, tip)
    tail = lines.tail
    end = lines.valid_len  # the end of the last complete line, kept or not
    header = reader.header
    loaded = Loaded(reader.data, LAYOUT, header, header.schema if header else None, header.created if header else None,
                    last[1] if last else 0, reader.snapshot_bytes, reader.journal_bytes, reader.journal_ops,
                    reader.touched, seal=seal or SealState(False), lines=number)
    if number == 0:
        damaged(1, "the file ends in the middle of the header (it looks truncated)")
    elsewhere: list[bool] = []

    def writing_now() -> bool:
        if not elsewhere:
            elsewhere.append(writer_elsewhere())
        return elsewhere[0]

    if tip is not None:
        seen = reader.last_seen
        if tip.length > end and (seen is None or seen < tip.seq):
            gap = tip.seq - seen if seen is not None else 0
            missing = (f"{gap:,} acknowledged line{'s are' if gap != 1 else ' is'} missing" if gap > 0
                       else "acknowledged writes are missing")
            damaged(number + 1, f"the file is cut short: it ends at byte {end + len(tail):,}, but the last acknowledged "
                                f"write (sequence number {tip.seq}) ended at byte {tip.length:,}; {missing}")
        elif tip.length > end:
            if not reader.problems:  # else the damage named already explains it
                damaged(number, f"the file is {tip.length - end:,} bytes shorter than when its last write (sequence "
                                f"number {tip.seq}) was acknowledged: lines were changed")
        elif at_tip != (tip.seq, tip.crc):
            damaged(_line_at(lines, tip.length), f"this is not the line of the last acknowledged write (sequence number "
                                                 f"{tip.seq}, ending at byte {tip.length:,}): lines were dropped, "
                                                 "changed or put back from another copy")
        elif last is not None and last[0] - tip.seq > 1 and not writing_now():
            loaded.notices.append(Notice("seal-behind", (
                f"{path.name} has {last[0] - tip.seq:,} more lines than the record of its last write "
                f"({seal_path_for(path).name}) says, as if that record was put back from an older copy. "
                "Every line is intact.")))
    elif header is not None and seal is not None:
        same = [t for t in candidates if t.ledger == header.ledger]
        if same and all(t.gen > header.gen for t in same):
            newest = max(same, key=lambda t: (t.gen, t.seq))
            damaged(1, f"this is an older copy of the ledger: it is generation {header.gen}, and callroom last wrote "
                       f"generation {newest.gen} here (up to sequence number {newest.seq}); the writes since are missing")
        elif writing_now():
            pass  # the writer keeps the seal; a compaction between reading it and the file looks like this
        elif not seal.exists:
            loaded.notices.append(Notice("unsealed", (
                f"There was no record of {path.name}'s last write beside it ({seal_path_for(path).name}): "
                "a copy moved without it, or it was deleted. Every line is intact, but a cut at the end of a line "
                "could not be detected this time.")))
        else:
            loaded.notices.append(Notice("foreign-seal", (
                f"The record of the last write beside {path.name} ({seal_path_for(path).name}) is "
                f"{'of another copy or generation of the ledger' if candidates else 'unreadable'}: every line is "
                "intact, but a cut at the end of a line could not be detected this time.")))

    if tail:
        # Past a seal's tip, any bytes are an unfinished write (nothing acknowledged is
        # missing). Without one, only bytes that look like the start of a line are.
        if (tip.length <= end) if tip is not None else _looks_torn(tail):
            if not writing_now():
                loaded.torn = _torn(end, tail)
        elif tip is None:
            damaged(number + 1, "the file ends in the middle of a line (it looks cut short)")
    loaded.last_seq = reader.last_seen
    loaded.chain = reader.chain
    if header is not None and last is not None:
        loaded.tip = Tip(header.ledger, header.gen, last[0], last[1], last[2])
        loaded.sealed = loaded.tip == tip
    if reader.stopped_at is not None and reader.left_out:
        reader.problems.append(Problem(reader.stopped_at, (
            f"{reader.left_out:,} later journal line{'s' if reader.left_out > 1 else ''} left out: "
            "what was written after a damaged or missing line cannot be trusted")))
    loaded.problems = sorted(reader.problems, key=lambda p: p.line)
    return loaded


def _header_of(lines: _Lines) -> Header | None:
    """The header of a layout-2 file if line 1 is intact (read on its own, before the rest)."""
    first = os.pread(lines.fd, min(lines.size, 64 * 1024), 0).split(b"\n", 1)
    if len(first) < 2:
        return None
    seq, intact = split_line(first[0])
    if seq is None or not intact:
        return None
    obj, why = decode_json(first[0])
    if why is not None or type(obj) is not dict:
        return None
    header = read_header(obj)
    return header if isinstance(header, Header) else None


def _line_at(lines: _Lines, offset: int) -> int:
    """The number of the line that holds byte ``offset``."""
    number, pos = 1, 0
    while pos < offset:
        chunk = os.pread(lines.fd, min(_CHUNK, offset - pos), pos)
        if not chunk:
            break
        number += chunk.count(b"\n")
        pos += len(chunk)
    return number


def _load_legacy(path: Path, lines: _Lines, seal: SealState | None, code_schema: int | None, strict: bool,
                 on_table: Callable[[str, dict[str, Any]], None] | None) -> Loaded:
    problems: list[Problem] = []

    def damaged(line: int, what: str) -> None:
        if strict:
            raise DamagedFileError(path, line, what)
        problems.append(Problem(line, what))


    def newer(schema: int) -> None:
        if strict:
            raise NewerSchemaError(path, schema, code_schema or 0)
        problems.append(Problem(1, f"written by a newer callroom (schema {schema})"))

    parsed = legacy.parse(lines, lambda: lines.tail, damaged, newer, code_schema, on_table)
    written = last_written(seal)
    if written is not None and parsed.file_schema is not None:
        # Only a ledger in the checked format has a seal: this older file was put in its place.
        damaged(1, f"this is a copy in the format of an earlier callroom, but callroom last wrote this ledger in "
                   f"the checked format (generation {written.gen}, up to sequence number {written.seq}): the writes "
                   f"since are missing. `callroom restore` puts a backup back properly; to use this file as it is, "
                   f"delete {seal_path_for(path)}")
    tail = lines.tail
    loaded = Loaded(parsed.data, 1, None, parsed.file_schema, parsed.created, lines.valid_len,
                    parsed.snapshot_bytes, parsed.journal_bytes, parsed.journal_ops, parsed.touched, lines=parsed.lines)
    if parsed.cut is not None:
        damaged(parsed.lines + 1, parsed.cut)
    elif tail:
        loaded.torn = _torn(lines.valid_len, tail)
    if not parsed.lines and strict:
        damaged(1, "the header is missing")
    loaded.problems = problems
    return loaded


def writer_elsewhere_of(path: Path) -> Callable[[], bool]:
    """For a read-only open: whether another callroom holds the ledger open for writing now."""
    def check() -> bool:
        holder = read_holder(lock_path_for(path))
        return holder is not None and writer_alive(holder)
    return check


def load_path(path: Path, code_schema: int | None, *, strict: bool = True) -> Loaded:
    """:func:`load` the file at ``path``, read-only (raises FileNotFoundError)."""
    seal = read_seal(path)
    fd, _ = _open(path)
    try:
        return load(path, fd, seal, code_schema=code_schema, strict=strict, writer_elsewhere=writer_elsewhere_of(path))
    finally:
        os.close(fd)


def read_file(path: str | os.PathLike[str], schema: int | None = None) -> tuple[Tables, int | None]:
    """Parse a whole file strictly without opening it as a store: ``(tables, file schema)``.

    For backups and other copies: no seal is expected beside them. Raises
    :class:`DamagedFileError` (and :class:`NewerSchemaError` above ``schema``).
    """
    path = Path(path)
    fd, _ = _open(path)
    try:
        loaded = load(path, fd, None, code_schema=schema, strict=True)
    finally:
        os.close(fd)
    return loaded.data, loaded.file_schema

"""The storage engine under TinyDB: a snapshot plus an append-only journal in one file.

Why not TinyDB's ``JSONStorage``: it truncates and rewrites the whole file on
every write, so a crash mid-write tears the file and each insert costs time
proportional to the whole database. Here a write appends one line and fsyncs
it; the whole file is only rewritten by :meth:`JournalStorage.rewrite`
(compaction), which goes through a temporary file and an atomic rename; the old
file is first kept in ``<file>.backups/`` (see :mod:`callroom.store.backups`).

File layout (JSON Lines, one object per line, readable with any text tool)::

    {"format": "callroom", "schema": 1, "created": "2024-05-01T09:14:00+02:00"}
    {"table": "calls", "docs": {"1": {...}, "2": {...}}}        <- snapshot,
    {"table": "clients", "docs": {...}}                            one line per table
    {"tx": [{"t": "calls", "put": 3, "doc": {...}}]}               <- journal,
    {"tx": [{"t": "calls", "del": 1}, {"t": "promises", "clear": true}]}   one line per
                                                                          transaction

Crash model: a journal line is appended with one ``write`` and acknowledged only
after ``fsync``. So the only damage a crash can leave is an incomplete *last*
line, which was never acknowledged and is ignored (and cut off by the next
write). Anything else is damage we did not cause; we refuse to guess, raise
:class:`DamagedFileError` and never touch the file.

This module and the rest of ``callroom.store`` are the only code allowed to
import TinyDB.
"""

from __future__ import annotations

import errno
import gc
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple, TypeAlias, Union

from tinydb import TinyDB
from tinydb.queries import QueryLike
from tinydb.storages import Storage
from tinydb.table import Document, Table

from . import backups as _backups
from .errors import (
    DamagedFileError,
    NewerSchemaError,
    ReadOnlyError,
    StorageWriteError,
    StoreError,
)
from .lock import WriterLock

__all__ = [
    "CallroomDB",
    "Clear",
    "Delete",
    "Disk",
    "FastTable",
    "JournalStorage",
    "Op",
    "Problem",
    "Put",
    "Record",
    "open_db",
    "read_file",
]

FORMAT = "callroom"

Doc: TypeAlias = dict[str, Any]
Tables: TypeAlias = dict[str, dict[str, Doc]]

#: Every journal line starts with exactly these bytes (we write them), which is
#: how an incomplete last line is told apart from a file cut short elsewhere.
_TX_PREFIX = b'{"tx":['

#: The journal may outgrow the snapshot before compaction is worth it; below
#: this size rewriting the file buys nothing noticeable.
_MIN_JOURNAL_BYTES = 64 * 1024

_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode

try:
    import msgspec

    #: Parses a line about 1.5x faster than ``json.loads`` and straight from
    #: bytes (no decoded copy). What it accepts, it reads exactly as ``json``
    #: does (big integers stay ints, unlike orjson); what it refuses (NaN,
    #: lone surrogates, damage) goes through ``json`` for the same result and
    #: the same error message as always.
    _fast_loads: Callable[[Any], Any] | None = msgspec.json.Decoder().decode
except ImportError:  # pragma: no cover - a dependency; the stdlib path is the reference
    _fast_loads = None

#: How much of the file is read at a time at open.
_CHUNK = 4 * 1024 * 1024
_ATOMS = frozenset({str, int, float, bool, type(None)})


class Put(NamedTuple):
    """Store ``doc`` under ``doc_id`` in ``table`` (insert or replace)."""

    table: str
    doc_id: int
    doc: Mapping[str, Any]


class Delete(NamedTuple):
    """Remove document ``doc_id`` from ``table`` (no-op if absent)."""

    table: str
    doc_id: int


class Clear(NamedTuple):
    """Empty ``table`` (and create it if it does not exist)."""

    table: str


Op: TypeAlias = Union[Put, Delete, Clear]


@dataclass(frozen=True)
class Problem:
    """Something :meth:`JournalStorage.salvage` had to skip."""

    line: int
    what: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.what}"


class Disk:
    """The system calls that make data durable.

    A seam rather than direct ``os`` calls so tests can make the disk fail
    (``ENOSPC``, ``EIO``) at any step and check that nothing half-done remains.
    """

    def pwrite(self, fd: int, data: bytes | memoryview, offset: int) -> int:
        return os.pwrite(fd, data, offset)

    def fsync(self, fd: int) -> None:
        os.fsync(fd)

    def ftruncate(self, fd: int, length: int) -> None:
        os.ftruncate(fd, length)

    def replace(self, src: Path, dst: Path) -> None:
        os.replace(src, dst)

    def link(self, src: Path, dst: Path) -> None:
        os.link(src, dst)


def _detach(value: Any) -> Any:
    """Deep copy of JSON data, several times faster than ``copy.deepcopy``.

    Needed wherever a document leaves or enters the live cache by reference:
    an in-place edit of a shared nested list would change memory but not disk.
    """
    t = type(value)
    if t is dict:
        return {k: (v if type(v) in _ATOMS else _detach(v)) for k, v in value.items()}
    if t is list:
        return [v if type(v) in _ATOMS else _detach(v) for v in value]
    return value


def _is_doc_key(key: Any) -> bool:
    """Canonical decimal id ("0", "17"; not "017", "-1", "x"), so int() round-trips."""
    return (
        type(key) is str
        and key.isdigit()
        and key.isascii()
        and (key[0] != "0" or len(key) == 1)
    )


def _bad_docs(docs: dict[Any, Any]) -> Iterator[tuple[Any, str]]:
    """Yield ``(key, reason)`` for every entry of a snapshot that is not a valid document."""
    # Fast path first, all in C loops: on a healthy 100,000-document table
    # this is all that runs, in ~35 ms instead of ~300 ms key by key. Every
    # key is canonical when all their characters are ASCII digits, none is
    # empty, and none but "0" itself starts with "0".
    try:
        digits = "".join(docs)
    except TypeError:  # a key that is not a str
        pass
    else:
        if (
            digits.isdigit()
            and digits.isascii()
            and "" not in docs
            and (("," + ",".join(docs)).count(",0") == ("0" in docs))
            and set(map(type, docs.values())) <= {dict}
        ):
            return
    for key, doc in docs.items():
        if not _is_doc_key(key):
            yield key, f"document id {key!r} is not a whole number"
        elif type(doc) is not dict:
            yield key, f"document {key} is not a JSON object"


def _check_op(op: Any) -> str | None:
    """Why a journal op is malformed, or None if it is well formed."""
    if type(op) is not dict:
        return "an operation is not a JSON object"
    table = op.get("t")
    if type(table) is not str:
        return "an operation has no table name"
    keys = op.keys()
    if keys == {"t", "put", "doc"}:
        if type(op["put"]) is not int or op["put"] < 0:
            return f"a put in table {table!r} has a bad document id"
        if type(op["doc"]) is not dict:
            return f"document {op['put']} in table {table!r} is not a JSON object"
        return None
    if keys == {"t", "del"}:
        if type(op["del"]) is not int or op["del"] < 0:
            return f"a delete in table {table!r} has a bad document id"
        return None
    if keys == {"t", "clear"} and op["clear"] is True:
        return None
    return f"an operation on table {table!r} is neither put, del nor clear"


def _apply_raw(data: Tables, op: dict[str, Any]) -> None:
    """Replay one validated journal op onto ``data``."""
    table = op["t"]
    if "put" in op:
        data.setdefault(table, {})[str(op["put"])] = op["doc"]
    elif "del" in op:
        docs = data.get(table)
        if docs is not None:
            docs.pop(str(op["del"]), None)
    else:
        data[table] = {}


@dataclass
class _Loaded:
    """What parsing a file yields, beside the data itself."""

    data: Tables
    file_schema: int | None
    created: str | None
    valid_len: int  # bytes up to and including the last complete line
    snapshot_bytes: int
    journal_bytes: int
    journal_ops: int
    torn_tail_bytes: int
    #: Per table, the ids (as keys) that journal lines put: every other
    #: document is as the snapshot line had it when ``on_table`` saw it.
    touched: dict[str, set[str]] = field(default_factory=dict)


class _Lines:
    """The complete lines of a file, read with ``pread`` a chunk at a time.

    The whole file is never in memory at once: a 47 MB ledger read whole and
    split sits there twice (the bytes and the lines) beside the documents
    parsed from it, which is most of the peak memory of an open. Lines are
    memoryviews of the chunk they lie in, or a bytearray gathered for a line
    that spans chunks (one big table). After iteration, ``tail`` holds the
    bytes after the last newline and ``valid_len`` the bytes before them.
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
                break  # the file shrank since fstat: read what is there, as before
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


def _open_lines(path: Path) -> tuple[int, _Lines]:
    """An fd on ``path`` and its lines; close the fd when done."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return fd, _Lines(fd, os.fstat(fd).st_size)
    except BaseException:
        os.close(fd)
        raise


def _parse_path(path: Path, code_schema: int | None, problems: list[Problem] | None = None) -> _Loaded:
    """:func:`_parse` of the file at ``path`` (raises FileNotFoundError)."""
    fd, lines = _open_lines(path)
    try:
        return _parse(lines, path, code_schema, problems)
    finally:
        os.close(fd)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects at once.

    Loading 100,000 documents creates over a million objects, which triggers
    several full collections that each scan all of them: about half the
    open time. JSON data cannot form reference cycles, so nothing is missed.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: Above this file size, opening a store freezes the loaded objects (see _parse).
_SETTLE_GC_BYTES = 4 * 1024 * 1024


def _parse(
    lines: _Lines,
    path: Path,
    code_schema: int | None,
    problems: list[Problem] | None = None,
    *,
    settle: bool = False,
    on_table: Callable[[str, dict[str, Doc]], None] | None = None,
) -> _Loaded:
    """Read a whole data file.

    Strict when ``problems`` is None: the first damage raises. Otherwise damage
    is recorded in ``problems`` and the damaged part skipped (salvage).

    The cyclic garbage collector is paused meanwhile (see :func:`_gc_paused`).
    With ``settle`` (a store being opened) and a big file, the loaded objects
    are then frozen before it resumes: a million freshly loaded objects sit in
    the youngest generation, and left alone the very next allocation triggers a
    collection that scans them all (0.15-0.3 s), as does every later full
    collection (a pause at some random moment, say while recording a call).
    ``gc.freeze()`` moves every object alive now to the permanent generation,
    which collections never scan, at no cost. Nothing is lost: JSON documents
    cannot form reference cycles, so reference counting alone frees them (a
    replaced or deleted document is freed at once, as before).

    ``on_table(name, docs)`` is called on each table of the snapshot as soon as
    it is read, before the journal is replayed: a check of the records there
    runs while they are fresh, and what it frees (say, equal values made one)
    is reused by the tables read after it instead of adding to the peak.
    ``_Loaded.touched`` says which documents the journal then changed.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        loaded = _parse_lines(lines, path, code_schema, problems, on_table)
    except BaseException:
        if was_enabled:
            gc.enable()
        raise
    if was_enabled:
        if settle and lines.valid_len >= _SETTLE_GC_BYTES:
            gc.freeze()
        gc.enable()
    return loaded


def _parse_lines(
    lines: _Lines,
    path: Path,
    code_schema: int | None,
    problems: list[Problem] | None,
    on_table: Callable[[str, dict[str, Doc]], None] | None = None,
) -> _Loaded:

    def damaged(line: int, what: str) -> None:
        if problems is None:
            raise DamagedFileError(path, line, what)
        problems.append(Problem(line, what))

    fast_loads = _fast_loads
    data: Tables = {}
    file_schema: int | None = None
    created: str | None = None
    snapshot_bytes = 0
    journal_bytes = 0
    journal_ops = 0
    in_journal = False
    number = 0
    touched: dict[str, set[str]] = {}

    for number, line in enumerate(lines, start=1):
        try:
            if fast_loads is None:
                raise ValueError
            obj = fast_loads(line)
        except Exception:  # noqa: BLE001 - json decides, and words the error
            try:
                obj = json.loads(bytes(line).decode("utf-8"))
            except UnicodeDecodeError as exc:
                damaged(number, f"not UTF-8 text (byte {exc.start + 1})")
                continue
            except json.JSONDecodeError as exc:
                damaged(number, f"not valid JSON ({exc.msg} at column {exc.colno})")
                continue
        if type(obj) is not dict:
            damaged(number, "expected a JSON object")
            continue

        if number == 1:
            snapshot_bytes += len(line) + 1
            if obj.get("format") != FORMAT:
                damaged(1, f'not a callroom file (the first line must be a {{"format": "{FORMAT}", ...}} header)')
                if "table" not in obj and "tx" not in obj:
                    continue
                # Header missing but the line looks like data: salvage it below.
            else:
                schema = obj.get("schema")
                if type(schema) is not int or schema < 1:
                    damaged(1, "the header has no valid schema version")
                    continue
                file_schema = schema
                created = obj.get("created") if type(obj.get("created")) is str else None
                if code_schema is not None and schema > code_schema:
                    if problems is None:
                        raise NewerSchemaError(path, schema, code_schema)
                    problems.append(Problem(1, f"written by a newer callroom (schema {schema})"))
                continue

        if "tx" in obj:
            in_journal = True
            journal_bytes += len(line) + 1
            ops = obj["tx"]
            if obj.keys() != {"tx"} or type(ops) is not list:
                damaged(number, "a journal line must be exactly {\"tx\": [...]}")
                continue
            why = next((w for w in map(_check_op, ops) if w is not None), None)
            if why is not None:
                damaged(number, why)
                continue
            for op in ops:
                _apply_raw(data, op)
                if "put" in op:
                    touched.setdefault(op["t"], set()).add(str(op["put"]))
            journal_ops += len(ops)
        elif "table" in obj:
            if number != 1:
                snapshot_bytes += len(line) + 1
            name, docs = obj.get("table"), obj.get("docs")
            if obj.keys() != {"table", "docs"} or type(name) is not str or type(docs) is not dict:
                damaged(number, 'a table snapshot must be exactly {"table": "<name>", "docs": {...}}')
                continue
            if in_journal:
                damaged(number, f"snapshot of table {name!r} after journal lines")
                continue
            if name in data:
                damaged(number, f"table {name!r} appears twice in the snapshot")
                continue
            bad = list(_bad_docs(docs))
            for key, why in bad:
                damaged(number, f"table {name!r}: {why}")
                docs.pop(key, None)
            data[name] = docs
            if on_table is not None:
                on_table(name, docs)
        else:
            damaged(number, "neither a table snapshot nor a journal line")
    line = None  # a big table's bytes, not needed any more

    tail = lines.tail  # b"" when the file ends with a newline, as it should
    if tail and not (tail.startswith(_TX_PREFIX) or _TX_PREFIX.startswith(tail) or not tail.strip(b"\0")):
        # An unacknowledged append always starts like a journal line (or is
        # the zero-fill some filesystems leave after a power cut). Anything
        # else means the file was cut short somewhere we never write.
        where = "the header" if not number else "a table snapshot" if tail.startswith(b'{"table"') else "this line"
        damaged(number + 1, f"the file ends in the middle of {where} (it looks truncated)")
    elif not number and problems is None:
        damaged(1, "the header is missing")
    return _Loaded(
        data=data,
        file_schema=file_schema,
        created=created,
        valid_len=lines.valid_len,
        snapshot_bytes=snapshot_bytes,
        journal_bytes=journal_bytes,
        journal_ops=journal_ops,
        torn_tail_bytes=len(tail),
        touched=touched,
    )


def _locate(raw: bytes, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """For :meth:`JournalStorage.locate`: replay only where the wanted documents were written."""
    tables = {t for t, _ in wanted}
    needles = [_encode(t).encode("utf-8") for t in tables]
    found: dict[tuple[str, int], int] = {}
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not any(n in line for n in needles):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if type(obj) is not dict:
            continue
        if obj.get("table") in tables and type(obj.get("docs")) is dict:
            for key in obj["docs"]:
                if _is_doc_key(key) and (obj["table"], int(key)) in wanted:
                    found[(obj["table"], int(key))] = number
        elif type(obj.get("tx")) is list:
            for op in obj["tx"]:
                if type(op) is not dict or op.get("t") not in tables:
                    continue
                if type(op.get("put")) is int and (op["t"], op["put"]) in wanted:
                    found[(op["t"], op["put"])] = number
                elif type(op.get("del")) is int:
                    found.pop((op["t"], op["del"]), None)
                elif op.get("clear") is True:
                    for k in [k for k in found if k[0] == op["t"]]:
                        del found[k]
    return found


def _read_fd(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    chunks: list[bytes] = []
    offset = 0
    while offset < size:
        chunk = os.pread(fd, size - offset, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


_MISSING: Any = object()


class JournalStorage(Storage):
    """A TinyDB storage that appends one fsync'd JSON line per transaction.

    All data lives in memory after open (``read()`` is free); the file is only
    read once. Writes go through :meth:`apply`, which :class:`FastTable` calls
    with just the changed documents. Opening for writing takes the single-writer
    lock (see :mod:`callroom.store.lock`).

    Not thread-safe: use one instance from one thread (the UI's).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        schema: int = 1,
        read_only: bool = False,
        salvage: bool = False,
        program: str | None = None,
        compact_after_ops: int = 5000,
        disk: Disk | None = None,
        backups: bool = True,
        on_table: Callable[[str, dict[str, Doc]], None] | None = None,
    ) -> None:
        super().__init__()
        if salvage and not read_only:
            raise ValueError("salvage=True needs read_only=True: a damaged file is never written")
        self.path = Path(path)
        self.schema = schema
        self.read_only = read_only
        self.compact_after_ops = compact_after_ops
        #: Keep the previous file in ``<file>.backups/`` before every rewrite
        #: and on :meth:`backup` (see :mod:`callroom.store.backups`).
        self.keep_backups = backups and not read_only
        #: What salvage had to skip (empty unless opened with ``salvage=True``).
        self.problems: list[Problem] = []
        self._disk = disk or Disk()
        self._fd: int | None = None
        self._lock: WriterLock | None = None
        self._closed = False
        self._generation = 0
        self._tx_depth = 0
        self._tx_ops: list[tuple[str, int]] = []  # (text of some ops, how many)
        self._undo: list[tuple[str, str | None, Any]] = []
        self._tail_dirty = False
        self._on_table = on_table
        #: What the journal changed at open (see ``_Loaded.touched``).
        self.touched: dict[str, set[str]] = {}

        if read_only:
            try:
                fd, lines = _open_lines(self.path)
            except FileNotFoundError:
                raise FileNotFoundError(errno.ENOENT, "No callroom file here", str(self.path)) from None
            try:
                if salvage:
                    loaded = _parse(lines, self.path, None, self.problems, settle=True, on_table=on_table)
                else:
                    loaded = (
                        _parse(lines, self.path, schema, settle=True, on_table=on_table) if lines.size else self._empty()
                    )
            finally:
                os.close(fd)
            self._adopt(loaded)
            return

        self._lock = WriterLock(self.path, program)
        self._lock.acquire()
        try:
            self._open_for_writing()
        except BaseException:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._lock.release()
            raise

    # -- opening --------------------------------------------------------------

    def _empty(self) -> _Loaded:
        return _Loaded({}, self.schema, _now_iso(), 0, 0, 0, 0, 0)

    def _open_for_writing(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            fd = None
        if fd is not None and os.fstat(fd).st_size == 0:
            # An empty file holds no data, so making it a fresh store loses nothing.
            os.close(fd)
            fd = None
        if fd is None:
            # Created through the same temp-file-and-rename path as compaction,
            # so a crash can never leave a half-written header behind.
            self._fd = None
            loaded = self._empty()
            self._adopt(loaded)
            self._write_snapshot({}, loaded.file_schema or self.schema, backup_to=None)
        else:
            self._fd = fd
            lines = _Lines(fd, os.fstat(fd).st_size)
            self._adopt(_parse(lines, self.path, self.schema, settle=True, on_table=self._on_table))
            self._tail_dirty = self.torn_tail_bytes > 0
        self._remove_stale_temp()

    def _adopt(self, loaded: _Loaded) -> None:
        self._data = loaded.data
        self.file_schema = loaded.file_schema
        self.created = loaded.created
        self._size = loaded.valid_len
        self._snapshot_bytes = loaded.snapshot_bytes
        self._journal_bytes = loaded.journal_bytes
        self._journal_ops = loaded.journal_ops
        #: Bytes of an unacknowledged last line that was ignored at open.
        self.torn_tail_bytes = loaded.torn_tail_bytes
        self.touched = loaded.touched
        self._generation += 1

    def _temp_path(self) -> Path:
        return self.path.with_name(f".{self.path.name}.tmp")

    def _remove_stale_temp(self) -> None:
        """A compaction (or backup copy) killed half-way leaves its temp file; we hold the lock, so it is ours."""
        try:
            self._temp_path().unlink()
        except FileNotFoundError:
            pass
        _backups.remove_stale_temps(self.path)

    @classmethod
    def salvage(cls, path: str | os.PathLike[str]) -> tuple[Tables, list[Problem]]:
        """Read whatever can be read from a damaged file, and list what could not.

        Damaged lines (and damaged documents inside a snapshot) are skipped; a
        journal line with any bad op is skipped whole, as transactions are.
        Never writes, never locks.
        """
        problems: list[Problem] = []
        loaded = _parse_path(Path(path), None, problems)
        return loaded.data, problems

    def locate(self, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], int]:
        """The line number that last wrote each ``(table, doc_id)`` in ``wanted``.

        Rereads the file, so it is for error messages, not for normal reads.
        """
        raw = _read_fd(self._fd) if self._fd is not None else self.path.read_bytes()
        return _locate(raw, wanted)

    # -- reading ----------------------------------------------------------------

    def read(self) -> Tables:
        """The live in-memory data. Callers must not mutate it outside :meth:`write`."""
        return self._data

    def table_docs(self, name: str) -> dict[str, Doc]:
        """The live ``{str(id): doc}`` dict of one table (an empty dict if absent)."""
        return self._data.get(name) or {}

    @property
    def generation(self) -> int:
        """Bumped on every change to the in-memory data, so caches can tell they are stale."""
        return self._generation

    @property
    def in_transaction(self) -> bool:
        return self._tx_depth > 0

    @property
    def needs_compaction(self) -> bool:
        return self._journal_ops >= self.compact_after_ops or (
            self._journal_bytes > self._snapshot_bytes and self._journal_bytes > _MIN_JOURNAL_BYTES
        )

    @property
    def journal_ops(self) -> int:
        """Operations appended since the last compaction."""
        return self._journal_ops

    # -- writing ------------------------------------------------------------------

    def _check_writable(self) -> None:
        if self._closed:
            raise StoreError(f"{self.path} is closed")
        if self.read_only:
            raise ReadOnlyError(f"{self.path} is open read-only; nothing was stored.")

    def apply(self, ops: Iterable[Op]) -> None:
        """Make ``ops`` durable as one journal line (or add them to the open transaction).

        On return outside a transaction the ops are on disk. On
        :class:`StorageWriteError` neither disk nor memory has changed.
        """
        self._check_writable()
        text, raw_ops = self._encode_ops(ops)
        if not raw_ops:
            return
        if self._tx_depth:
            for op in raw_ops:
                self._apply_mem(op, self._undo)
            self._tx_ops.append((text, len(raw_ops)))
        else:
            self._append([text], len(raw_ops))
            for op in raw_ops:
                self._apply_mem(op, None)
        self._generation += 1

    @staticmethod
    def _encode_ops(ops: Iterable[Op]) -> tuple[str, list[dict[str, Any]]]:
        """The ops as journal text, and parsed back from that text.

        Memory then holds exactly what a reopen would load (tuples become lists,
        keys become strings...) and no reference to the caller's objects. One
        encode and one decode for the whole batch: per-document calls cost
        ~3x more in ``insert_multiple``.
        """
        raw: list[dict[str, Any]] = []
        for op in ops:
            table = op.table
            if type(table) is not str:
                raise TypeError(f"table names are strings, not {type(table).__name__}")
            if type(op) is Clear:
                raw.append({"t": table, "clear": True})
                continue
            doc_id = op.doc_id
            if not isinstance(doc_id, int) or isinstance(doc_id, bool) or doc_id < 0:
                raise ValueError(f"document ids are whole numbers >= 0, not {doc_id!r}")
            if type(op) is Delete:
                raw.append({"t": table, "del": int(doc_id)})
                continue
            doc = op.doc
            if not isinstance(doc, Mapping):
                raise TypeError(f"a document must be a mapping, not {type(doc).__name__}")
            raw.append({"t": table, "put": int(doc_id), "doc": doc if isinstance(doc, dict) else dict(doc)})
        if not raw:
            return "", []
        text = _encode(raw)
        with _gc_paused():
            parsed = json.loads(text)
        return text[1:-1], parsed

    def _apply_mem(self, op: dict[str, Any], undo: list[tuple[str, str | None, Any]] | None) -> None:
        """Apply one parsed op to memory, recording how to undo it when inside a transaction.

        Undo entries are ``(table, key, old)``; ``key`` None means the whole
        table dict (``old`` is _MISSING if the table did not exist).
        """
        data = self._data
        table = op["t"]
        if "clear" in op:
            if undo is not None:
                undo.append((table, None, data.get(table, _MISSING)))
            data[table] = {}
            return
        docs = data.get(table)
        if "put" in op:
            key = str(op["put"])
            if docs is None:
                if undo is not None:
                    undo.append((table, None, _MISSING))
                docs = data[table] = {}
            if undo is not None:
                undo.append((table, key, docs.get(key, _MISSING)))
            docs[key] = op["doc"]
        elif docs is not None:
            key = str(op["del"])
            old = docs.pop(key, _MISSING)
            if undo is not None and old is not _MISSING:
                undo.append((table, key, old))

    def _rollback(self, undo: list[tuple[str, str | None, Any]], mark: int) -> None:
        data = self._data
        while len(undo) > mark:
            table, key, old = undo.pop()
            if key is None:
                if old is _MISSING:
                    data.pop(table, None)
                else:
                    data[table] = old
            elif old is _MISSING:
                data[table].pop(key, None)
            else:
                data[table][key] = old
        self._generation += 1

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one journal line: all of them reach the disk, or none.

        Inside, reads see the writes already made. If an exception escapes,
        memory is restored and nothing is written. Nested blocks act as
        savepoints: an inner block that fails is undone alone; only the
        outermost block writes.
        """
        self._check_writable()
        undo_mark, ops_mark = len(self._undo), len(self._tx_ops)
        self._tx_depth += 1
        try:
            yield
        except BaseException:
            self._tx_depth -= 1
            self._rollback(self._undo, undo_mark)
            del self._tx_ops[ops_mark:]
            raise
        self._tx_depth -= 1
        if self._tx_depth:
            return
        ops, undo = self._tx_ops, self._undo
        self._tx_ops, self._undo = [], []
        if not ops:
            return
        try:
            self._append([text for text, _ in ops], sum(n for _, n in ops))
        except BaseException:
            self._rollback(undo, 0)
            raise

    def _append(self, op_texts: list[str], op_count: int) -> None:
        """Append one transaction line durably, or leave the file as it was."""
        line = ("".join(('{"tx":[', ",".join(op_texts), "]}\n"))).encode("utf-8")
        assert self._fd is not None
        fd, start, written = self._fd, self._size, 0
        try:
            if self._tail_dirty:
                # Cut off an ignored torn line (or bytes of a failed append)
                # before writing after it, else it would sit mid-file.
                self._disk.ftruncate(fd, start)
                self._disk.fsync(fd)
                self._tail_dirty = False
            view = memoryview(line)
            while written < len(line):
                self._tail_dirty = True
                n = self._disk.pwrite(fd, view[written:], start + written)
                if n <= 0:
                    raise OSError(errno.EIO, "the disk accepted no bytes")
                written += n
            self._disk.fsync(fd)
        except OSError as exc:
            self._trim_quietly()
            raise StorageWriteError(
                f"Could not save to {self.path}: {exc.strerror or exc}. "
                f"Nothing was changed; free some disk space (or fix the disk) and try again."
            ) from exc
        self._tail_dirty = False
        self._size = start + len(line)
        self._journal_bytes += len(line)
        self._journal_ops += op_count

    def _trim_quietly(self) -> None:
        """Best effort to drop partial bytes now; if it fails, the next append retries it."""
        if self._fd is None or not self._tail_dirty:
            return
        try:
            self._disk.ftruncate(self._fd, self._size)
            self._disk.fsync(self._fd)
            self._tail_dirty = False
        except OSError:
            pass

    def write(self, data: Mapping[str, Mapping[str, Any]]) -> None:
        """TinyDB's whole-database write (``drop_table`` and friends): a rewrite with ``data``."""
        self.rewrite(data)

    def compact(self, backup_to: Path | str | None = None) -> Path | None:
        """Rewrite the file as header + snapshot, dropping the journal.

        With ``backup_to`` (a file path, or an existing directory to put a
        time-stamped copy in), the old file is copied there first. Returns the
        backup's path.
        """
        return self.rewrite(None, backup_to=backup_to, reason="compact")

    def maybe_compact(self) -> bool:
        """Compact if the journal has grown enough to be worth it; for quiet moments."""
        if self.read_only or self._closed or self._tx_depth or not self.needs_compaction:
            return False
        self.compact()
        return True

    def rewrite(
        self,
        data: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        schema: int | None = None,
        backup_to: Path | str | None = None,
        reason: str | None = None,
    ) -> Path | None:
        """Atomically replace the whole file: with ``data`` (or the current data), under ``schema``.

        This is also how a migration finishes: new data and the new schema
        number land in one atomic step, so a crash cannot leave migrated data
        under an old schema number. A kill at any moment leaves either the old
        or the new file. The old file is kept in the backups folder first
        (``reason``: ``migrate`` when the schema changes, else ``rewrite``).
        """
        self._check_writable()
        if self._tx_depth:
            raise StoreError("the file cannot be rewritten inside a transaction")
        if schema is not None and not 1 <= schema <= self.schema:
            raise ValueError(f"schema must be between 1 and {self.schema}, not {schema}")
        target_schema = schema or self.file_schema or self.schema
        if reason is None:
            reason = "migrate" if target_schema != self.file_schema else "rewrite"
        if data is None:
            return self._write_snapshot(self._data, target_schema, backup_to, reason)
        try:
            new: Tables = {}
            for name, docs in data.items():
                if type(name) is not str:
                    raise TypeError(f"table names are strings, not {type(name).__name__}")
                normal = json.loads(_encode(dict(docs)))
                bad = next(_bad_docs(normal), None)
                if bad is not None:
                    raise ValueError(f"table {name!r}: {bad[1]}")
                new[name] = normal
            backup = self._write_snapshot(new, target_schema, backup_to, reason)
        except BaseException:
            # TinyDB edits the dict from read() in place before calling
            # write(); the file is untouched, so reload to match it again.
            self._reload()
            raise
        self._data = new
        self._generation += 1
        return backup

    def _reload(self) -> None:
        assert self._fd is not None
        dirty = self._tail_dirty
        self._adopt(_parse(_Lines(self._fd, os.fstat(self._fd).st_size), self.path, self.schema))
        self._tail_dirty = dirty or self.torn_tail_bytes > 0

    def _write_snapshot(
        self, data: Tables, schema: int, backup_to: Path | str | None, reason: str | None = None
    ) -> Path | None:
        header = {"format": FORMAT, "schema": schema, "created": self.created or _now_iso()}
        parts = [_encode(header).encode("utf-8") + b"\n"]
        for name, docs in data.items():
            parts.append(f'{{"table":{_encode(name)},"docs":{_encode(docs)}}}\n'.encode("utf-8"))
        tmp = self._temp_path()
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        size = 0
        backup: Path | None = None
        kept: Path | None = None
        try:
            for part in parts:
                view, done = memoryview(part), 0
                while done < len(part):
                    n = self._disk.pwrite(fd, view[done:], size + done)
                    if n <= 0:
                        raise OSError(errno.EIO, "the disk accepted no bytes")
                    done += n
                size += len(part)
            self._disk.fsync(fd)
            if backup_to is not None:
                backup = self._backup(Path(backup_to))
            if reason is not None and self.keep_backups and self._fd is not None and self._size > 0:
                kept = self._keep_old_file(reason)
            self._disk.replace(tmp, self.path)
        except BaseException as exc:
            os.close(fd)
            for leftover in (tmp, kept):
                # A kept link to a file that stays live would change with it: drop it.
                try:
                    if leftover is not None:
                        leftover.unlink()
                except OSError:
                    pass
            if isinstance(exc, OSError):
                raise StorageWriteError(
                    f"Could not rewrite {self.path}: {exc.strerror or exc}. "
                    f"The file is unchanged; free some disk space (or fix the disk) and try again."
                ) from exc
            raise
        # The new file is in place: switch to it before anything else can fail.
        old_fd, self._fd = self._fd, fd
        if old_fd is not None:
            os.close(old_fd)
        self._size = size
        self._tail_dirty = False
        self.file_schema = schema
        self.created = header["created"]
        self._snapshot_bytes = size
        self._journal_bytes = 0
        self._journal_ops = 0
        self._fsync_dir()
        if kept is not None:
            self._prune_quietly(kept)
        return backup

    def _keep_old_file(self, reason: str) -> Path:
        """Hard-link the file about to be replaced into the backups folder."""
        try:
            return _backups.keep_link(self.path, reason, self._disk)
        except OSError as exc:
            raise StorageWriteError(
                f"Could not keep a backup of {self.path} in {_backups.backups_dir(self.path)} "
                f"before rewriting it: {exc.strerror or exc}. The file is unchanged; "
                f"free some disk space (or fix the disk) and try again."
            ) from exc

    def _prune_quietly(self, kept: Path) -> None:
        try:
            _backups.prune(self.path, protect=[kept])
        except OSError:
            pass

    def backup(self, reason: str) -> Path | None:
        """Copy the file as it is now (every acknowledged write, no torn tail) into
        the backups folder; before an import, say. None when backups are off.

        Raises :class:`StorageWriteError` if the copy cannot be made; the ledger
        itself is only read, so it is unchanged either way.
        """
        self._check_writable()
        if not self.keep_backups or self._fd is None:
            return None
        try:
            kept = _backups.keep_copy(self._fd, self._size, self.path, reason, self._disk)
        except OSError as exc:
            raise StorageWriteError(
                f"Could not keep a backup of {self.path} in {_backups.backups_dir(self.path)} "
                f"({_backups.REASONS.get(reason, reason)}): {exc.strerror or exc}. Nothing was changed; "
                f"free some disk space (or fix the disk) and try again."
            ) from exc
        self._prune_quietly(kept)
        return kept

    def _backup(self, dest: Path) -> Path:
        if dest.is_dir():
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            base = dest / f"{self.path.stem}-{stamp}{self.path.suffix}"
            dest, n = base, 1
            while dest.exists():
                n += 1
                dest = base.with_name(f"{base.stem}-{n}{base.suffix}")
        shutil.copyfile(self.path, dest)
        fd = os.open(dest, os.O_RDONLY | os.O_CLOEXEC)
        try:
            self._disk.fsync(fd)
        finally:
            os.close(fd)
        return dest

    def _fsync_dir(self) -> None:
        """Make the rename itself durable, not just the file contents."""
        dfd = os.open(self.path.parent if str(self.path.parent) else ".", os.O_RDONLY | os.O_DIRECTORY)
        try:
            self._disk.fsync(dfd)
        except OSError as exc:
            raise StorageWriteError(
                f"Could not confirm the rewrite of {self.path} on disk: {exc.strerror or exc}."
            ) from exc
        finally:
            os.close(dfd)

    def close(self) -> None:
        """Release the file and the writer lock. An open transaction is discarded."""
        if self._closed:
            return
        self._closed = True
        if self._tx_depth:
            self._rollback(self._undo, 0)
            self._tx_ops.clear()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._lock is not None:
            self._lock.release()


# -- TinyDB integration ------------------------------------------------------------


class _MatchesAnyDocument(type):
    """Lets ``isinstance(tinydb.table.Document(...), Record)`` hold.

    TinyDB's ``insert``/``upsert`` check ``isinstance(doc, table.document_class)``
    to honour a caller-chosen ``doc_id``; without this, a plain TinyDB
    ``Document`` passed to a FastTable would silently get a new id.
    """

    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, Document)


class Record(Document, metaclass=_MatchesAnyDocument):
    """A document handed to callers: a deep copy, detached from the live cache.

    TinyDB's ``Document`` is a shallow copy; with everything cached in memory,
    appending to a nested list of a search result would silently change the
    cache but not the file.
    """

    def __init__(self, value: Mapping[str, Any], doc_id: int) -> None:
        dict.__init__(self, value)
        for key, item in value.items():
            if type(item) is dict or type(item) is list:
                self[key] = _detach(item)
        self.doc_id = doc_id


_GONE: Any = object()


class _TableView(MutableMapping[int, Doc]):
    """What ``Table._update_table`` hands to TinyDB's updater functions.

    An int-keyed view over the live str-keyed table that records changes
    instead of making them: reads hand out copies (TinyDB's ``update`` edits
    them in place), writes and deletes go to an overlay. :meth:`ops` then turns
    the overlay into the few ops to journal, so a write costs O(changed docs),
    not O(table).
    """

    __slots__ = ("_live", "_changed", "_read", "_cleared")

    def __init__(self, live: dict[str, Doc]) -> None:
        self._live = live
        self._changed: dict[int, Any] = {}
        self._read: set[int] = set()
        self._cleared = False

    def __getitem__(self, doc_id: int) -> Doc:
        value = self._changed.get(doc_id, _MISSING)
        if value is not _MISSING:
            if value is _GONE:
                raise KeyError(doc_id)
            return value  # type: ignore[no-any-return]
        if self._cleared or not isinstance(doc_id, int):
            raise KeyError(doc_id)
        try:
            raw = self._live[str(doc_id)]
        except KeyError:
            raise KeyError(doc_id) from None
        copy: Doc = _detach(raw)
        self._changed[doc_id] = copy
        self._read.add(doc_id)
        return copy

    def __setitem__(self, doc_id: int, doc: Doc) -> None:
        if not isinstance(doc_id, int) or isinstance(doc_id, bool):
            raise TypeError(f"document ids are ints, not {type(doc_id).__name__}")
        self._changed[doc_id] = doc
        self._read.discard(doc_id)

    def __delitem__(self, doc_id: int) -> None:
        if doc_id not in self:
            raise KeyError(doc_id)
        self._changed[doc_id] = _GONE
        self._read.discard(doc_id)

    def __contains__(self, doc_id: object) -> bool:
        try:
            value = self._changed.get(doc_id, _MISSING)  # type: ignore[call-overload]
        except TypeError:  # unhashable
            return False
        if value is not _MISSING:
            return value is not _GONE
        return not self._cleared and isinstance(doc_id, int) and str(doc_id) in self._live

    def __iter__(self) -> Iterator[int]:
        changed = self._changed
        if not self._cleared:
            for key in self._live:
                doc_id = int(key)
                if changed.get(doc_id) is not _GONE:
                    yield doc_id
        for doc_id, value in changed.items():
            if value is not _GONE and (self._cleared or str(doc_id) not in self._live):
                yield doc_id

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def clear(self) -> None:
        self._changed.clear()
        self._read.clear()
        self._cleared = True

    def ops(self, table: str) -> list[Op]:
        """The changes as journal ops: only documents that really differ."""
        live = self._live
        out: list[Op] = [Clear(table)] if self._cleared else []
        for doc_id, value in self._changed.items():
            if value is _GONE:
                if not self._cleared and str(doc_id) in live:
                    out.append(Delete(table, doc_id))
            elif doc_id not in self._read or value != live[str(doc_id)]:
                out.append(Put(table, doc_id, value))
        return out


class FastTable(Table):
    """A TinyDB ``Table`` whose writes cost O(changed documents), over a :class:`JournalStorage`.

    Stock ``Table._update_table`` copies the whole table into a new dict and
    hands the whole database to ``Storage.write`` on every write. Here the
    updater works on a :class:`_TableView` and only its changes are journaled.
    Everything else (queries, ids, the query cache) is TinyDB's own code.
    """

    document_class = Record
    _storage: JournalStorage

    def __init__(
        self,
        storage: Storage,
        name: str,
        cache_size: int = Table.default_query_cache_capacity,
        persist_empty: bool = False,
    ) -> None:
        if not isinstance(storage, JournalStorage):
            raise TypeError("FastTable needs a JournalStorage")
        self._seen_generation = storage.generation
        super().__init__(storage, name, cache_size=cache_size, persist_empty=persist_empty)

    def _read_table(self) -> dict[str, Mapping[str, Any]]:  # type: ignore[override]
        return self._storage.table_docs(self.name)

    def _update_table(self, updater: Callable[[dict[int, Mapping[str, Any]]], None]) -> None:
        view = _TableView(self._storage.table_docs(self.name))
        try:
            updater(view)  # type: ignore[arg-type]
            ops = view.ops(self.name)
            if not ops and self.name not in self._storage.read():
                # Stock TinyDB creates the table on any write, even one that
                # changes nothing; db.tables() should not differ from it.
                ops = [Clear(self.name)]
            self._storage.apply(ops)
        finally:
            self.clear_cache()

    def _matching_ids(self, cond: QueryLike) -> list[int]:
        return [int(doc_id) for doc_id, doc in self._read_table().items() if cond(doc)]

    def update(  # type: ignore[override]
        self,
        fields: Mapping[str, Any] | Callable[[MutableMapping[str, Any]], None],
        cond: QueryLike | None = None,
        doc_ids: Iterable[int] | None = None,
    ) -> list[int]:
        # TinyDB's update(cond) evaluates cond through the updater's view,
        # which copies every document it hands out (any of them might be
        # edited). Matching on the live documents first, as search() does,
        # makes an update of 3 documents in 100,000 copy 3, not 100,000.
        if cond is not None and doc_ids is None:
            doc_ids = self._matching_ids(cond)
        return super().update(fields, cond, doc_ids)

    def remove(
        self,
        cond: QueryLike | None = None,
        doc_ids: Iterable[int] | None = None,
    ) -> list[int]:
        # Same reasoning as update().
        if cond is not None and doc_ids is None:
            doc_ids = self._matching_ids(cond)
        return super().remove(cond, doc_ids)

    def search(self, cond: QueryLike) -> list[Document]:
        # Writes through another Table object, or a rolled-back transaction,
        # change the data without passing through this table's _update_table.
        if self._seen_generation != self._storage.generation:
            self.clear_cache()
            self._seen_generation = self._storage.generation
        return super().search(cond)


class CallroomDB(TinyDB):
    """TinyDB over a :class:`JournalStorage` with :class:`FastTable` tables."""

    table_class = FastTable
    default_storage_class = JournalStorage
    _storage: JournalStorage

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        schema: int = 1,
        read_only: bool = False,
        salvage: bool = False,
        program: str | None = None,
        compact_after_ops: int = 5000,
        disk: Disk | None = None,
        backups: bool = True,
        on_table: Callable[[str, dict[str, Doc]], None] | None = None,
    ) -> None:
        super().__init__(
            path,
            storage=JournalStorage,
            schema=schema,
            read_only=read_only,
            salvage=salvage,
            program=program,
            compact_after_ops=compact_after_ops,
            disk=disk,
            backups=backups,
            on_table=on_table,
        )

    @property
    def storage(self) -> JournalStorage:
        return self._storage

    def transaction(self) -> AbstractContextManager[None]:
        """See :meth:`JournalStorage.transaction`."""
        return self._storage.transaction()

    def drop_table(self, name: str) -> None:
        """Like TinyDB's, without editing the live data before the write.

        TinyDB deletes the table from ``storage.read()`` and then writes; if
        that write is refused (inside a transaction) the table would be gone
        from memory but not from disk.
        """
        self._tables.pop(name, None)
        data = self._storage.read()
        if name in data:
            self._storage.rewrite({k: v for k, v in data.items() if k != name})

    def drop_tables(self) -> None:
        self._storage.rewrite({})
        self._tables.clear()

    def compact(self, backup_to: Path | str | None = None) -> Path | None:
        return self._storage.compact(backup_to)

    def maybe_compact(self) -> bool:
        return self._storage.maybe_compact()

    def close(self) -> None:
        """Compact if due, then release the file and the lock.

        A failed compaction is not an error here: every write is already safe
        in the journal, and the next session will try again.
        """
        if not self._opened:
            return
        try:
            self._storage.maybe_compact()
        except StorageWriteError:
            pass
        finally:
            super().close()


def open_db(
    path: str | os.PathLike[str],
    *,
    schema: int = 1,
    read_only: bool = False,
    salvage: bool = False,
    program: str | None = None,
    backups: bool = True,
    disk: Disk | None = None,
    on_table: Callable[[str, dict[str, Doc]], None] | None = None,
) -> CallroomDB:
    """Open (creating if needed, unless read-only) a callroom data file.

    Raises :class:`LockedError` if another process has it open for writing,
    :class:`DamagedFileError` / :class:`NewerSchemaError` if it cannot be read
    safely. ``salvage=True`` (read-only only) reads what it can of a damaged
    file instead; see ``db.storage.problems``. ``on_table(name, docs)`` sees
    each table of the snapshot as it is read (see :func:`_parse`).
    """
    return CallroomDB(
        path, schema=schema, read_only=read_only, salvage=salvage, program=program, backups=backups, disk=disk,
        on_table=on_table,
    )


def read_file(path: str | os.PathLike[str], schema: int | None = None) -> tuple[Tables, int | None]:
    """Parse a whole file strictly without opening it as a store: ``(tables, file schema)``.

    Raises :class:`DamagedFileError` (and :class:`NewerSchemaError` above ``schema``).
    """
    loaded = _parse_path(Path(path), schema)
    return loaded.data, loaded.file_schema

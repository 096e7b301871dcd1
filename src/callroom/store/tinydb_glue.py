"""TinyDB over a ledger file: the data in memory, transactions, and TinyDB's Table API.

Owns :class:`JournalStorage` (a TinyDB ``Storage`` holding every table in memory after
one read, applying each write to memory and handing its journal text to the writer,
grouping writes into transactions with savepoints and undo), :class:`FastTable` (a
TinyDB ``Table`` whose writes cost O(changed documents)), :class:`Record`,
:class:`CallroomDB` and :func:`open_db`. The file itself is read by
:mod:`callroom.store.reading` and written by :mod:`callroom.store.writing`.

Why not TinyDB's ``JSONStorage``: it truncates and rewrites the whole file on every
write, so a crash mid-write tears the file and each insert costs time proportional to
the whole database. Here a write appends one fsync'd, checksummed line.
"""

from __future__ import annotations

import errno
import gc
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.queries import QueryLike
from tinydb.storages import Storage
from tinydb.table import Document, Table

from .disk import Disk
from .errors import ReadOnlyError, StorageWriteError, StoreError
from .format import Clear, Delete, Op, Put, Tables, bad_docs, copy_json, encode, encode_ops
from .lookup import locate
from .reading import Loaded, Notice, Problem, load, load_path, writer_elsewhere_of
from .rows import ABSENT, Rows, Source
from .seal import read_seal
from .lock import WriterLock
from .writing import Journal, set_aside, torn_notice

__all__ = ["CallroomDB", "FastTable", "JournalStorage", "Record", "open_db"]

Doc = dict[str, Any]

#: The journal may outgrow the snapshot before compaction is worth it; below this
#: size rewriting the file buys nothing noticeable.
_MIN_JOURNAL_BYTES = 64 * 1024

_MISSING: Any = object()


class JournalStorage(Storage):
    """A TinyDB storage that appends one fsync'd, checksummed JSON line per transaction.

    All data lives in memory after open (``read()`` is free); the file is only read
    once. Writes go through :meth:`apply`, which :class:`FastTable` calls with just the
    changed documents. Opening for writing takes the single-writer lock.

    ``notices`` lists what the open found and the owner should be told once (an
    unfinished write set aside, a missing seal, a conversion); ``problems`` what a
    salvage open left out. Not thread-safe: use one instance from one thread.
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
        upgrade: bool = True,
        lock: WriterLock | None = None,
    ) -> None:
        super().__init__()
        if salvage and not read_only:
            raise ValueError("salvage=True needs read_only=True: a damaged file is never written")
        self.path = Path(path)
        self.schema = schema
        self.read_only = read_only
        self.compact_after_ops = compact_after_ops
        #: Keep the previous file in ``<file>.backups/`` before every rewrite and on
        #: :meth:`backup` (see :mod:`callroom.store.backups`).
        self.keep_backups = backups and not read_only
        #: What salvage had to skip (empty unless opened with ``salvage=True``).
        self.problems: list[Problem] = []
        #: What the owner is told once about this open (see ``callroom.store.reading.Notice``).
        self.notices: list[Notice] = []
        self._disk = disk or Disk()
        self._journal: Journal | None = None
        self._closed = False
        self._generation = 0
        self._tx_depth = 0
        self._tx_ops: list[tuple[str, int]] = []  # (text of some ops, how many)
        self._undo: list[tuple[str, str | None, Any]] = []
        self._snapshot_bytes = self._journal_bytes = self._journal_ops = 0
        self.layout = 2
        self.file_schema: int | None = None
        self.created: str | None = None
        self.torn_tail_bytes = 0
        #: What the journal changed at open (see ``callroom.store.reading.Loaded.touched``).
        self.touched: dict[str, set[str]] = {}
        #: The file the tables' documents are read from (:class:`~callroom.store.rows.Rows`);
        #: None while every table is held in memory (a salvage, a file of the old layout).
        self._source: Source | None = None
        self._loaded_tip = None
        self._loaded_chain = 0

        if read_only:
            self._open_read_only(salvage, on_table)
            return
        self._journal = Journal(self.path, schema=schema, program=program, disk=self._disk, backups=self.keep_backups,
                                lock=lock)
        self._adopt(self._journal.open(settle=True, on_table=on_table))
        self.notices.extend(self._journal.notices)
        if upgrade and self.layout == 1:
            try:
                self.upgrade()
            except BaseException:
                self.close()  # the file is as it was; let go of it and the lock
                raise

    # -- opening --------------------------------------------------------------

    def _open_read_only(self, salvage: bool, on_table: Callable[[str, dict[str, Doc]], None] | None) -> None:
        seal = read_seal(self.path)
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise FileNotFoundError(errno.ENOENT, "No callroom file here", str(self.path)) from None
        try:
            loaded = load(self.path, fd, seal, code_schema=None if salvage else self.schema, strict=not salvage,
                          settle=True, on_table=on_table, writer_elsewhere=writer_elsewhere_of(self.path),
                          rows=not salvage)
        finally:
            os.close(fd)  # the rows read from a dup of it (loaded.source)
        self._adopt(loaded)
        self.problems = list(loaded.problems)
        self.notices.extend(loaded.notices)
        if loaded.torn is not None and not loaded.problems:
            # Nobody is writing (else the bytes would be that writer's append): keep them
            # as found, as the writer would. The ledger itself is not touched.
            try:
                kept, error = set_aside(self.path, loaded.torn, self._disk), None
            except OSError as exc:
                kept, error = None, exc.strerror or str(exc)
            notice = torn_notice(self.path, loaded.torn, kept, error)
            self.notices.append(Notice(notice.kind, notice.text + (
                " They stay at the end of the file until it is next opened for writing." if kept else ""), kept))
        if loaded.layout == 1 and not salvage:
            self.notices.append(Notice("old-layout", (
                f"{self.path.name} is in the file format of an earlier callroom: it opens as it always did, and is "
                "converted to the checked format (after a backup) the next time it is opened for writing.")))

    def _adopt(self, loaded: Loaded) -> None:
        self._set_source(loaded.source)
        self._loaded_tip, self._loaded_chain = loaded.tip, loaded.chain
        self._data: Tables = loaded.data
        self.layout = loaded.layout
        self.file_schema = loaded.file_schema
        self.created = loaded.created
        self._snapshot_bytes = loaded.snapshot_bytes
        self._journal_bytes = loaded.journal_bytes
        self._journal_ops = loaded.journal_ops
        #: Bytes of an unacknowledged last line found at open (set aside, then cut off).
        self.torn_tail_bytes = loaded.torn_tail_bytes
        self.touched = loaded.touched
        self._generation += 1

    def _set_source(self, source: Source | None) -> None:
        old, self._source = self._source, source
        if old is not None and old is not source:
            old.close()

    def _new_table(self) -> dict[str, Doc]:
        """An empty table: rows over the file when the tables are rows."""
        return Rows(self._source) if self._source is not None else {}  # type: ignore[return-value]

    def _rebase(self) -> None:
        """After a rewrite: every table as rows over the new file, where the rewrite put them."""
        assert self._journal is not None and self._journal.fd is not None
        source = Source(self._journal.fd, self.path)
        data: Tables = {}
        for name, (ids, offsets, lengths, clients) in self._journal.last_layout.items():
            rows = Rows(source)
            rows.extend_base(ids, offsets, lengths, clients)
            data[name] = rows  # type: ignore[assignment]
        self._data = data
        self._set_source(source)

    def upgrade(self) -> Path | None:
        """Convert a layout-1 file to the checked layout (after keeping it as an ``upgrade``
        backup); nothing for a file already in it. Returns the backup."""
        if self.read_only or self._journal is None or self.layout != 1:
            return None
        before = self.torn_tail_bytes
        self.rewrite(None, reason="upgrade")
        kept = self._journal.last_kept
        self.notices.append(Notice("migrated", (
            f"{self.path.name} was converted to the checked file format (every line now carries a sequence number "
            f"and a checksum)." + (f" The file as it was is kept as {kept}." if kept else "")), kept))
        self.torn_tail_bytes = before
        return kept

    @classmethod
    def salvage(cls, path: str | os.PathLike[str]) -> tuple[Tables, list[Problem]]:
        """Read whatever can be trusted in a damaged file, and list every damaged place.

        Intact snapshot lines are all kept; the journal up to its first damaged or
        missing line. Never writes, never locks.
        """
        loaded = load_path(Path(path), None, strict=False)
        return loaded.data, loaded.problems

    def locate(self, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], int]:
        """The line number that last wrote each ``(table, doc_id)`` in ``wanted``.

        Rereads the file, so it is for error messages, not for normal reads.
        """
        return locate(self.path.read_bytes(), wanted)

    @property
    def tip(self):
        """The last acknowledged state of the file (``callroom.store.format.Tip``), None read-only."""
        return self._journal.tip if self._journal is not None else None

    @property
    def state(self):
        """``(tip, chain)`` of the lines the data holds: the last line kept and the running
        checksum of every line's checksum through it (``callroom.store.format.chain_crc``);
        the tip None for a file of the old layout. For a read-only store, as read."""
        if self._journal is not None:
            return self._journal.tip, self._journal.chain
        return self._loaded_tip, self._loaded_chain

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
        """The ops as journal text and parsed back (see ``format.encode_ops``), with the
        collector paused: the parsed copy is many objects and no cycles."""
        was = gc.isenabled()
        gc.disable()
        try:
            return encode_ops(ops)
        finally:
            if was:
                gc.enable()

    def _apply_mem(self, op: dict[str, Any], undo: list[tuple[str, str | None, Any]] | None) -> None:
        """Apply one parsed op to memory, recording how to undo it when inside a transaction.

        Undo entries are ``(table, key, old)``; ``key`` None means the whole
        table dict (``old`` is _MISSING if the table did not exist). For a table of
        :class:`Rows`, ``old`` is what ``Rows.put``/``Rows.drop`` returned (a document
        as the file has it is not read, nor copied: ``Rows.undo`` puts it back).
        """
        data = self._data
        table = op["t"]
        if "clear" in op:
            if undo is not None:
                undo.append((table, None, data.get(table, _MISSING)))
            data[table] = self._new_table()
            return
        docs = data.get(table)
        if "put" in op:
            key = str(op["put"])
            if docs is None:
                if undo is not None:
                    undo.append((table, None, _MISSING))
                docs = data[table] = self._new_table()
            if isinstance(docs, Rows):
                old = docs.put(key, op["doc"])
                if undo is not None:
                    undo.append((table, key, old))
                return
            if undo is not None:
                undo.append((table, key, docs.get(key, _MISSING)))
            docs[key] = op["doc"]
        elif docs is not None:
            key = str(op["del"])
            if isinstance(docs, Rows):
                old = docs.drop(key, undo is not None)
                if undo is not None and old is not ABSENT:
                    undo.append((table, key, old))
                return
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
            elif isinstance(data[table], Rows):
                data[table].undo(key, old)  # type: ignore[attr-defined]
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
        """Append one transaction line durably, or leave the file (and memory) as it was."""
        assert self._journal is not None
        self._journal_bytes += self._journal.append(op_texts)
        self._journal_ops += op_count

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

        This is also how a migration finishes: new data and the new schema number land
        in one atomic step. A kill at any moment leaves either the old or the new file.
        The old file is kept in the backups folder first (``reason``: ``migrate`` when
        the schema changes, else ``rewrite``).
        """
        self._check_writable()
        assert self._journal is not None
        if self._tx_depth:
            raise StoreError("the file cannot be rewritten inside a transaction")
        if schema is not None and not 1 <= schema <= self.schema:
            raise ValueError(f"schema must be between 1 and {self.schema}, not {schema}")
        target_schema = schema or self.file_schema or self.schema
        if reason is None:
            reason = "migrate" if target_schema != self.file_schema else "rewrite"
        header = self._journal.next_header(target_schema, self.created)
        if data is None:
            backup = self._journal.write_snapshot(self._data, header, backup_to, reason)
            self._rebase()  # the same data, read from the new file
            self._rewritten(header)
            return backup
        try:
            new: Tables = {}
            for name, docs in data.items():
                if type(name) is not str:
                    raise TypeError(f"table names are strings, not {type(name).__name__}")
                normal = json.loads(encode(dict(docs)))
                bad = next(bad_docs(normal), None)
                if bad is not None:
                    raise ValueError(f"table {name!r}: {bad[1]}")
                new[name] = normal
            backup = self._journal.write_snapshot(new, header, backup_to, reason)
        except BaseException:
            # TinyDB edits the dict from read() in place before calling write(); the
            # file is untouched, so read it again to match it.
            self._adopt(self._journal.reread())
            raise
        self._rebase()
        self._generation += 1
        self._rewritten(header)
        return backup

    def _rewritten(self, header) -> None:
        assert self._journal is not None
        self.layout = 2
        self.file_schema = header.schema
        self.created = header.created
        self._snapshot_bytes = self._journal.size
        self._journal_bytes = 0
        self._journal_ops = 0

    def backup(self, reason: str) -> Path | None:
        """Copy the file as it is now (every acknowledged write, no torn tail) into
        the backups folder; before an import, say. None when backups are off.

        Raises :class:`StorageWriteError` if the copy cannot be made; the ledger
        itself is only read, so it is unchanged either way.
        """
        self._check_writable()
        if not self.keep_backups or self._journal is None or self._journal.fd is None:
            return None
        return self._journal.backup(reason)

    def close(self) -> None:
        """Release the file and the writer lock. An open transaction is discarded."""
        if self._closed:
            return
        self._closed = True
        if self._tx_depth:
            self._rollback(self._undo, 0)
            self._tx_ops.clear()
        if self._journal is not None:
            self._journal.close()
        self._set_source(None)


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
                self[key] = copy_json(item)
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

    __slots__ = ("_live", "_changed", "_read", "_cleared", "_known")

    def __init__(self, live: dict[str, Doc], known: Mapping[int, Doc | None] | None = None) -> None:
        self._live = live
        self._changed: dict[int, Any] = {}
        #: The documents handed out, as they are live (what :meth:`ops` compares with).
        self._read: dict[int, Doc] = {}
        self._cleared = False
        #: Documents as they are live, read already by the caller (None: not there).
        self._known = known

    def __getitem__(self, doc_id: int) -> Doc:
        value = self._changed.get(doc_id, _MISSING)
        if value is not _MISSING:
            if value is _GONE:
                raise KeyError(doc_id)
            return value  # type: ignore[no-any-return]
        if self._cleared or not isinstance(doc_id, int):
            raise KeyError(doc_id)
        known = self._known
        raw = _MISSING if known is None else known.get(doc_id, _MISSING)
        if raw is _MISSING:
            raw = self._live.get(str(doc_id), None)
        if raw is None:
            raise KeyError(doc_id)
        copy: Doc = copy_json(raw)
        self._changed[doc_id] = copy
        self._read[doc_id] = raw
        return copy

    def __setitem__(self, doc_id: int, doc: Doc) -> None:
        if not isinstance(doc_id, int) or isinstance(doc_id, bool):
            raise TypeError(f"document ids are ints, not {type(doc_id).__name__}")
        self._changed[doc_id] = doc
        self._read.pop(doc_id, None)

    def __delitem__(self, doc_id: int) -> None:
        if doc_id not in self:
            raise KeyError(doc_id)
        self._changed[doc_id] = _GONE
        self._read.pop(doc_id, None)

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
        live, read = self._live, self._read
        out: list[Op] = [Clear(table)] if self._cleared else []
        for doc_id, value in self._changed.items():
            if value is _GONE:
                if not self._cleared and str(doc_id) in live:
                    out.append(Delete(table, doc_id))
            elif value != read.get(doc_id, _MISSING):
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

    def _update_table(self, updater: Callable[[dict[int, Mapping[str, Any]]], None],
                      known: Mapping[int, Doc | None] | None = None) -> None:
        """TinyDB's: ``updater`` works on the table, and what it changed is stored. ``known``:
        documents as they are in the table now (None for one not there), read by the
        caller already, so that they are not read again from the file."""
        view = _TableView(self._storage.table_docs(self.name), known)
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
        upgrade: bool = True,
        lock: WriterLock | None = None,
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
            upgrade=upgrade,
            lock=lock,
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
    upgrade: bool = True,
    lock: WriterLock | None = None,
) -> CallroomDB:
    """Open (creating if needed, unless read-only) a callroom data file.

    Raises :class:`LockedError` if another process has it open for writing,
    :class:`DamagedFileError` / :class:`NewerSchemaError` if it cannot be read
    safely. ``salvage=True`` (read-only only) reads what it can of a damaged
    file instead; see ``db.storage.problems``. ``on_table(name, docs)`` sees
    each snapshot line's documents as they are read (see ``reading.load``).
    A file in the old layout opened for writing is converted at once, unless
    ``upgrade=False`` (then ``db.storage.upgrade()`` must run before any write).
    """
    return CallroomDB(
        path, schema=schema, read_only=read_only, salvage=salvage, program=program, backups=backups, disk=disk,
        on_table=on_table, upgrade=upgrade, lock=lock,
    )



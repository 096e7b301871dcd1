"""Persistence for callroom: the only layer that talks to TinyDB.

``open_store(path)`` gives the repository API (``callroom.store.repo.Store``) over one
ledger file: durable, crash-safe, single-writer, every line checked (sequence number and
checksum, ``callroom.store.format``), its end checked against the seal beside it
(``callroom.store.seal``), and the previous file kept before every rewrite, migration,
import and repair (``callroom.store.backups``). Reading is ``callroom.store.reading``,
writing ``callroom.store.writing``, the TinyDB classes ``callroom.store.tinydb_glue``;
``callroom check`` and ``callroom repair`` are ``callroom.store.integrity``.
"""

from __future__ import annotations

import os
from pathlib import Path

from typing import TYPE_CHECKING, Any

from .errors import DamagedFileError, LockedError, NewerSchemaError, ReadOnlyError, StorageWriteError, StoreError

if TYPE_CHECKING:
    from .repo import Ambiguous, NotFound, ReadOnly, Store

_FROM_REPO = frozenset({"Ambiguous", "NotFound", "ReadOnly", "Store"})


def __getattr__(name: str) -> Any:
    # The repository (and TinyDB under it) is loaded when first asked for: a command
    # answered from the queue summary (``callroom queue``) never needs it.
    if name in _FROM_REPO:
        from . import repo

        return getattr(repo, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

SCHEMA = 1
DEFAULT_NAME = "ledger.jsonl"


def default_path() -> Path:
    """$CALLROOM_DB, else the platform's user data directory."""
    env = os.environ.get("CALLROOM_DB")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path  # only here: not imported when a path is given

    return user_data_path("callroom", appauthor=False) / DEFAULT_NAME


def open_store(path: Path | str, *, read_only: bool = False, salvage: bool = False, disk=None, lock=None) -> Store:
    """Open a ledger. Every record is checked against its model first: a damaged or
    hand-edited file raises :class:`DamagedFileError` naming the file, the line and
    the record, and is never written.

    ``salvage=True`` (implies read-only) opens the readable part of a damaged file
    instead: every intact snapshot line and the journal up to its first damaged line,
    without records that do not fit their model; :func:`problems` lists what was left out.
    What the owner should be told about the open (an unfinished last write set aside,
    a missing seal, a conversion) is in :func:`notices`.
    ``disk`` replaces the system calls that write (``callroom.store.disk.Disk``), for fault tests.
    ``lock``: the writer lock already taken on ``path`` (:func:`take_lock`), which the store
    then holds and releases.
    """
    from .check import Precheck, check_records
    from .reading import Problem
    from .repo import Store
    from .tinydb_glue import open_db

    path = Path(path)
    read_only = read_only or salvage
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    precheck = Precheck()  # checks each table as it is read; check_records then only what the journal changed
    if lock is not None and read_only:
        lock.release()
        lock = None
    db = open_db(path, schema=SCHEMA, read_only=read_only, salvage=salvage, disk=disk, on_table=precheck, upgrade=False,
                 lock=lock)
    storage = db.storage
    try:
        found = check_records(
            storage.read(), path, storage.locate, salvage=salvage, precheck=precheck, touched=storage.touched
        )
        if not read_only:
            storage.upgrade()  # a file of an earlier layout, once its records are known to be sound
    except BaseException:
        storage.close()  # not db.close(): that may compact, and a damaged file is never written
        raise
    if found:
        storage.problems.extend(Problem(line, what) for line, what in found)
        storage.problems.sort(key=lambda p: p.line)
    return Store(db, path=path, read_only=read_only, transaction=storage.transaction)


def take_lock(path: Path | str, program: str | None = None):
    """The writer lock on the ledger at ``path``, taken now (``LockedError`` names who has
    it): for an open that reads a little before the whole (``open_store(..., lock=...)``)."""
    from .lock import WriterLock

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = WriterLock(path, program)
    lock.acquire()
    return lock


def in_memory(tables: dict, *, path: Path | str | None = None) -> Store:
    """A read-only :class:`Store` over ``tables`` (``{table: {str(id): document}}``) held
    in memory: the repositories' answers about a few records, without a ledger file."""
    from tinydb import TinyDB
    from tinydb.storages import MemoryStorage

    from .repo import Store

    db = TinyDB(storage=MemoryStorage)
    db.storage.write({name: dict(docs) for name, docs in tables.items()})
    return Store(db, path=path, read_only=True)


def problems(store: Store) -> list:
    """What a salvage open left out (``Problem``: ``.line``, ``.what``); empty otherwise."""
    return list(getattr(getattr(store.db, "storage", None), "problems", []))


def notices(store: Store) -> list:
    """What the owner is told once about this open (``Notice``: ``.kind``, ``.text``,
    ``.path``): an unfinished last write set aside (and where), no seal beside the
    ledger, a conversion from an earlier layout. Empty for a whole file."""
    return list(getattr(getattr(store.db, "storage", None), "notices", []))


def keep_backup(store: Store, reason: str) -> Path | None:
    """Copy the ledger as it is now into its backups folder (see ``callroom.store.backups``).

    None for a read-only or in-memory store. Raises :class:`StorageWriteError`
    if the copy cannot be made (the ledger is unchanged: callers stop there).
    """
    from .tinydb_glue import JournalStorage

    storage = getattr(store.db, "storage", None)
    if store.read_only or not isinstance(storage, JournalStorage) or storage.read_only:
        return None
    return storage.backup(reason)


def check_file(path: Path | str) -> None:
    """Raise :class:`DamagedFileError` / :class:`NewerSchemaError` unless ``path`` opens cleanly
    (every line and every record; a backup, say). Only reads: nothing is set aside."""
    from .check import check_records
    from .lookup import locate
    from .reading import load_path

    path = Path(path)
    loaded = load_path(path, SCHEMA)
    check_records(loaded.data, path, lambda wanted: locate(path.read_bytes(), wanted))


__all__ = [
    "open_store", "default_path", "keep_backup", "problems", "notices", "check_file", "SCHEMA", "take_lock", "in_memory",
    "Store", "NotFound", "Ambiguous", "ReadOnly",
    "StoreError", "DamagedFileError", "LockedError", "NewerSchemaError", "ReadOnlyError", "StorageWriteError",
]

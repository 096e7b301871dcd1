"""Persistence for callroom: the only layer that talks to TinyDB.

``open_store(path)`` gives the repository API (``callroom.store.repo.Store``) over one
journal file (``callroom.store.journal``): durable, crash-safe, single-writer.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

from .errors import DamagedFileError, LockedError, NewerSchemaError, ReadOnlyError, StorageWriteError, StoreError
from .repo import Ambiguous, NotFound, ReadOnly, Store

SCHEMA = 1
DEFAULT_NAME = "ledger.jsonl"


def default_path() -> Path:
    """$CALLROOM_DB, else the platform's user data directory."""
    env = os.environ.get("CALLROOM_DB")
    if env:
        return Path(env).expanduser()
    return user_data_path("callroom", appauthor=False) / DEFAULT_NAME


def open_store(path: Path | str, *, read_only: bool = False) -> Store:
    from .journal import open_db

    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    db = open_db(path, schema=SCHEMA, read_only=read_only)
    return Store(db, path=path, read_only=read_only, transaction=db.storage.transaction)


__all__ = [
    "open_store", "default_path", "Store", "NotFound", "Ambiguous", "ReadOnly",
    "StoreError", "DamagedFileError", "LockedError", "NewerSchemaError", "ReadOnlyError", "StorageWriteError",
]

"""The ledger file itself: where it is, opening it (or the readable part of a damaged
one), the demo ledger, and the backups kept beside it.

``cli/`` opens ledgers only through here; the store stays behind this door.
"""

from __future__ import annotations

from pathlib import Path

from ..domain.clock import Clock
from ..store import check_file, default_path, open_store, problems
from ..store.backups import Backup, backups_dir, find_backup, list_backups
from ..store.backups import restore as restore_backup
from ..store.journal import read_file
from .desk import Desk

__all__ = [
    "Backup", "backups_dir", "find_backup", "list_backups", "restore_backup", "check_file", "default_path",
    "open_desk", "open_salvaged", "open_demo", "backup_counts",
]


def open_desk(path: Path | str, clock: Clock | None = None, *, read_only: bool = False, salvage: bool = False) -> Desk:
    """Open the ledger at ``path`` (``DamagedFileError``, ``LockedError``… as the store raises them)."""
    return Desk(open_store(path, read_only=read_only, salvage=salvage), clock)


def open_salvaged(path: Path | str, clock: Clock | None = None) -> tuple[Desk, list]:
    """The readable part of a damaged ledger, read-only, and what was left out
    (``Problem``: ``.line``, ``.what``). The damaged file is never written."""
    store = open_store(path, salvage=True)
    return Desk(store, clock), problems(store)


def open_demo(path: Path | str, clock: Clock) -> Desk:
    """A new ledger at ``path`` holding the built-in demo clients, dated from ``clock``'s today."""
    from .. import demo

    store = open_store(path)
    demo.load(store, clock.today())
    return Desk(store, clock)


def backup_counts(path: Path) -> tuple[int, int]:
    """(calls, invoices) in a backup file, read strictly; raises ``StoreError``/``OSError``."""
    data, _schema = read_file(path)
    return len(data.get("calls") or {}), len(data.get("invoices") or {})

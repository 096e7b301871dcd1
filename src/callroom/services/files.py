"""The ledger file itself: where it is, opening it (or the readable part of a damaged
one), checking and repairing it, the demo ledger, and the backups kept beside it.

``cli/`` opens ledgers only through here; the store stays behind this door.
"""

from __future__ import annotations

from pathlib import Path

from typing import TYPE_CHECKING

from ..domain.clock import Clock
from ..store import SCHEMA, check_file, default_path, open_store, problems
from ..store.backups import Backup, backups_dir, find_backup, list_backups
from ..store.backups import restore as restore_backup

if TYPE_CHECKING:
    from .desk import Desk

__all__ = [
    "Backup", "backups_dir", "find_backup", "list_backups", "restore_backup", "check_file", "default_path",
    "open_desk", "open_salvaged", "open_demo", "backup_counts", "check_ledger", "plan_repair",
]


def open_desk(path: Path | str, clock: Clock | None = None, *, read_only: bool = False, salvage: bool = False) -> Desk:
    """Open the ledger at ``path`` (``DamagedFileError``, ``LockedError``… as the store raises them)."""
    from .desk import Desk

    return Desk(open_store(path, read_only=read_only, salvage=salvage), clock)


def open_salvaged(path: Path | str, clock: Clock | None = None) -> tuple[Desk, list]:
    """The readable part of a damaged ledger, read-only, and what was left out
    (``Problem``: ``.line``, ``.what``). The damaged file is never written."""
    from .desk import Desk

    store = open_store(path, salvage=True)
    return Desk(store, clock), problems(store)


def open_demo(path: Path | str, clock: Clock) -> Desk:
    """A new ledger at ``path`` holding the built-in demo clients, dated from ``clock``'s today."""
    from .. import demo
    from .desk import Desk

    store = open_store(path)
    demo.load(store, clock.today())
    return Desk(store, clock)


def backup_counts(path: Path) -> tuple[int, int]:
    """(calls, invoices) in a backup file, read strictly; raises ``StoreError``/``OSError``."""
    from ..store.journal import read_file

    data, _schema = read_file(path)
    return len(data.get("calls") or {}), len(data.get("invoices") or {})


def check_ledger(path: Path | str):
    """Everything wrong with the ledger at ``path``, every line read (``Report``:
    ``.whole``, ``.problems``, ``.notices``, ``.counts``). Never writes; raises ``OSError``."""
    from ..store.integrity import check

    return check(path, schema=SCHEMA)


def plan_repair(path: Path | str):
    """The repair of the ledger at ``path`` worked out under the writer lock (``RepairPlan``:
    ``.report``, ``.kept``, ``.dropped``, ``.needed``; then ``.apply()`` or ``.cancel()``).
    Raises ``LockedError`` while callroom has it open, ``OSError`` if it cannot be read."""
    from ..store.integrity import plan_repair as plan

    return plan(path, schema=SCHEMA)

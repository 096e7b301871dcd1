"""The errors the store and the importers raise, for the screens and the command line.

``ui/`` and ``cli/`` catch these from here, never from ``callroom.store`` or
``callroom.importers`` (an import-linter contract keeps it so).
"""

from __future__ import annotations

from ..importers import AmbiguousDateOrder, ImportError_, ImportFileError
from ..importers.errors import AmbiguousDecimalMark, AmbiguousSheet
from ..store import DamagedFileError, LockedError, NewerSchemaError, ReadOnlyError, StorageWriteError, StoreError
from ..store.repo import Ambiguous, NotFound, ReadOnly

__all__ = [
    "AmbiguousDateOrder", "AmbiguousDecimalMark", "AmbiguousSheet", "ImportError_", "ImportFileError",
    "DamagedFileError", "LockedError", "NewerSchemaError", "ReadOnlyError", "StorageWriteError", "StoreError",
    "Ambiguous", "NotFound", "ReadOnly",
]

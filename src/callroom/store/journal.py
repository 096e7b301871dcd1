"""The storage engine's names, as earlier code imports them (``callroom.store.journal``).

The engine is split by job; this module only re-exports:

* :mod:`callroom.store.format`: the line format (sequence numbers, checksums, ops);
* :mod:`callroom.store.reading`: opening, replaying, judging damage, salvage;
* :mod:`callroom.store.writing`: appends, the seal, rewrites, backups, torn bytes;
* :mod:`callroom.store.tinydb_glue`: ``JournalStorage``, ``FastTable``, ``CallroomDB``;
* :mod:`callroom.store.lookup`, :mod:`callroom.store.seal`, :mod:`callroom.store.disk`,
  :mod:`callroom.store.legacy`.
"""

from __future__ import annotations

from .disk import Disk
from .format import FORMAT, Clear, Delete, Op, Put
from .lookup import lines_after, locate, tip_of
from .reading import Notice, Problem, Torn, read_file
from .tinydb_glue import CallroomDB, FastTable, JournalStorage, Record, open_db

__all__ = [
    "FORMAT", "CallroomDB", "Clear", "Delete", "Disk", "FastTable", "JournalStorage", "Notice", "Op", "Problem",
    "Put", "Record", "Torn", "lines_after", "locate", "open_db", "read_file", "tip_of",
]

"""The seal: the ledger's last acknowledged state, kept beside it so that a cut is found.

A ledger cut short at a line boundary (a bad copy, a sync tool, a full disk in another
program) is still a well-formed file: its own lines cannot say that more followed. So
after every acknowledged write the writer also records, in ``<ledger>.seal`` next to
``<ledger>.lock``, the :class:`~callroom.store.format.Tip` it reached: ledger id,
generation, last sequence number, length and last line's checksum. At open the ledger
must reach that tip (see :mod:`callroom.store.reading`).

The file is two fixed slots (:data:`~callroom.store.format.SLOT_SIZE` bytes each, a
checksum and a JSON object, space-padded). Each write goes, fsync'd, into the slot
*not* holding the latest tip, after the ledger line it describes is durable: a power
cut while writing a slot leaves the other, one write behind, and a ledger one line
ahead of it is what reading expects then. A whole-file rewrite writes the new file's
tip before the rename, into the other slot, so either file finds its own tip.

Owns reading both slots (:func:`read_seal`) and writing them (:class:`SealWriter`).
Only the holder of the writer lock writes it (the journal's writer, ``restore``,
``repair``). Imports ``format`` and ``disk`` only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .disk import Disk, fsync_dir, write_all
from .format import SLOT_SIZE, Tip, decode_slot, encode_slot

__all__ = ["SealState", "SealWriter", "read_seal", "seal_path_for"]


def seal_path_for(ledger: Path | str) -> Path:
    """``<ledger>.seal`` next to the ledger."""
    ledger = Path(ledger)
    return ledger.with_name(ledger.name + ".seal")


@dataclass(frozen=True)
class SealState:
    """What the seal file held when read: ``exists`` False when there is none."""

    exists: bool
    slots: tuple[Tip | None, Tip | None] = (None, None)

    @property
    def readable(self) -> bool:
        return any(self.slots)

    def latest(self, ledger: str, gen: int) -> tuple[int, Tip] | None:
        """``(slot, tip)`` of the furthest tip recorded for this ledger and generation."""
        found = [(i, t) for i, t in enumerate(self.slots) if t is not None and t.ledger == ledger and t.gen == gen]
        return max(found, key=lambda it: it[1].seq, default=None)

    def others(self, ledger: str, gen: int) -> list[Tip]:
        """Readable tips of another ledger or generation."""
        return [t for t in self.slots if t is not None and (t.ledger, t.gen) != (ledger, gen)]


def read_seal(ledger: Path | str) -> SealState:
    """Read both slots of the seal beside ``ledger`` (never raises for a missing or damaged one)."""
    try:
        raw = seal_path_for(ledger).read_bytes()
    except FileNotFoundError:
        return SealState(False)
    except OSError:
        return SealState(True)
    return SealState(True, (decode_slot(raw[:SLOT_SIZE]), decode_slot(raw[SLOT_SIZE:2 * SLOT_SIZE])))


class SealWriter:
    """The writer's handle on the seal: :meth:`write` records the next tip durably."""

    def __init__(self, ledger: Path, disk: Disk, latest_slot: int | None = None) -> None:
        self.path = seal_path_for(ledger)
        self._disk = disk
        existed = self.path.exists()
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        self._new = not existed
        #: Both slots are in the file: a write overwrites in place, and only its data need be durable.
        self._full = os.fstat(self._fd).st_size >= 2 * SLOT_SIZE
        #: The slot holding the latest tip (the next write goes to the other); None: both are free.
        self.latest_slot = latest_slot

    def write(self, tip: Tip, *, undo: Tip | None = None) -> None:
        """Record ``tip`` in the slot not holding the latest one, fsync'd. Raises OSError;
        with ``undo`` (the latest tip), that slot is first given ``undo`` back, as far as
        the disk allows, so that a write the caller then takes back leaves no tip ahead
        of the file."""
        slot = 0 if self.latest_slot in (None, 1) else 1
        try:
            self._put(slot, encode_slot(tip))
        except OSError:
            if undo is not None:
                try:
                    self._put(slot, encode_slot(undo))
                except OSError:
                    pass
            raise
        self.latest_slot = slot

    def reset(self, tip: Tip) -> None:
        """Record ``tip`` in both slots (a new seal, or one that belonged to another file)."""
        data = encode_slot(tip)
        assert self._fd is not None
        write_all(self._disk, self._fd, data + data, 0)
        self._disk.fsync(self._fd)
        self._full = True
        self._created()
        self.latest_slot = 1

    def _put(self, slot: int, data: bytes) -> None:
        assert self._fd is not None
        write_all(self._disk, self._fd, data, slot * SLOT_SIZE)
        if self._full:
            self._disk.fdatasync(self._fd)  # overwritten in place: the data alone
        else:
            self._disk.fsync(self._fd)  # the file grows: its size must be durable too
            self._full = os.fstat(self._fd).st_size >= 2 * SLOT_SIZE
        self._created()

    def _created(self) -> None:
        if self._new:
            fsync_dir(self.path.parent, self._disk)
            self._new = False

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

"""The summary kept beside a ledger: what the first screen needs, without reading the ledger.

``<ledger>.summary`` holds named sections of JSON, written by whoever read the whole
ledger (and checked it), as of one state of it: a :class:`~callroom.store.format.Tip`.
What the sections hold is the services' business (today's queue worked out, the records
of the first clients, …); this module only keeps them, checks them, and says whether they
still describe the ledger:

* the ledger's own tip (its header and last line, :func:`~callroom.store.lookup.tip_of`)
  must agree with the seal beside it (:func:`ledger_tip`), or nothing is trusted and the
  ledger is read whole;
* a summary of that same tip describes it exactly; one of an earlier tip of the same
  ledger and generation can be brought up to date from the lines written since
  (:func:`~callroom.store.lookup.lines_after`); any other (another ledger, a compaction,
  a repair or restore since, a changed line) is stale.

The file is a cache: it is never the only copy of anything, is replaced whole (a
temporary file, then a rename), and is checked on every read (a CRC-32 of its header and
one per section): a damaged, torn or foreign one is ignored and made again. It is not
fsync'd: after a power cut it may be missing or old, which costs one slower open.

Layout: a first line ``<crc32 hex> {"format": "callroom-summary", "version": 1, "tip":
{...}, "chain": N, "sections": {"<name>": [offset, length, crc32], ...}}`` padded with
spaces to 8 KB (it is written last, once the sections are), then the sections' bytes.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .format import Tip, decode_json, encode
from .lookup import tip_of
from .seal import read_seal

__all__ = ["SUMMARY_VERSION", "Summary", "SummaryDamaged", "intact", "ledger_tip", "read_summary", "remove_summary",
           "summary_path_for", "write_summary"]

SUMMARY_FORMAT = "callroom-summary"
#: Bumped when what the sections mean changes: a summary of another version is ignored.
#: 2: with each day's ``order/<day>`` (what ``callroom queue`` prints, in the queue's order).
#: 3: the clients' escalation routes kept with their queue files and first-screen records.
SUMMARY_VERSION = 3

#: A first line longer than this is not one.
_MAX_HEADER = 1 << 16


def summary_path_for(ledger: Path | str) -> Path:
    """``<ledger>.summary`` next to the ledger."""
    ledger = Path(ledger)
    return ledger.with_name(ledger.name + ".summary")


def ledger_tip(ledger: Path | str) -> Tip | None:
    """The ledger's tip when its ends agree with its seal (the header and last line intact,
    the seal recording exactly that line); None otherwise, and then nothing beside the
    ledger is trusted: reading it whole decides (an unfinished write, no seal, a cut…).
    Reads the seal, the header and the last line; raises FileNotFoundError."""
    ledger = Path(ledger)
    seal = read_seal(ledger)
    tip = tip_of(ledger)
    if tip is None:
        return None
    found = seal.latest(tip.ledger, tip.gen)
    return tip if found is not None and found[1] == tip else None


class SummaryDamaged(ValueError):
    """A section no longer matches its checksum: the summary is made again."""


@dataclass(frozen=True)
class Summary:
    """A summary file as read: the tip it describes and where each section lies."""

    path: Path
    tip: Tip
    #: The running checksum of the ledger's line checksums through :attr:`tip`
    #: (``format.chain_crc``): what a whole read of the ledger checks the summary against.
    chain: int
    sections: dict[str, tuple[int, int, int]]

    def has(self, name: str) -> bool:
        return name in self.sections

    def read(self, name: str, start: int = 0, length: int | None = None, crc: int | None = None) -> bytes:
        """A section's bytes (checked against its CRC-32), or ``length`` bytes of it from
        ``start`` (checked against ``crc``). Raises :class:`SummaryDamaged`, KeyError."""
        offset, size, whole_crc = self.sections[name]
        whole = start == 0 and (length is None or length == size)
        if whole:
            crc = whole_crc
        elif crc is None:
            raise ValueError("a part of a section is read with its checksum")
        length = size - start if length is None else length
        if start < 0 or length < 0 or start + length > size:
            raise SummaryDamaged(f"{self.path.name}: a part of section {name!r} outside it")
        try:
            with open(self.path, "rb") as f:
                data = os.pread(f.fileno(), length, offset + start)
        except OSError as exc:
            raise SummaryDamaged(f"{self.path.name}: {exc.strerror or exc}") from exc
        if len(data) != length or zlib.crc32(data) != crc:
            raise SummaryDamaged(f"{self.path.name}: section {name!r} is damaged")
        return data

    def load(self, name: str, start: int = 0, length: int | None = None, crc: int | None = None) -> Any:
        """A section (or part of it) decoded from JSON. Raises :class:`SummaryDamaged`, KeyError."""
        value, why = decode_json(self.read(name, start, length, crc))
        if why is not None:
            raise SummaryDamaged(f"{self.path.name}: section {name!r}: {why}")
        return value


def read_summary(ledger: Path | str) -> Summary | None:
    """The summary beside ``ledger``, or None when there is none, or it is unreadable,
    damaged, of another version, or not a summary. Never raises for what is in the file."""
    path = summary_path_for(ledger)
    try:
        with open(path, "rb") as f:
            first = f.readline(_MAX_HEADER)
    except OSError:
        return None
    if not first.endswith(b"\n") or len(first) < 10 or first[8:9] != b" ":
        return None
    text = first[9:-1].rstrip(b" ")
    try:
        if zlib.crc32(text) != int(first[:8], 16):
            return None
        head = json.loads(text)
    except ValueError:
        return None
    if type(head) is not dict or head.get("format") != SUMMARY_FORMAT or head.get("version") != SUMMARY_VERSION:
        return None
    tip = Tip.from_json(head.get("tip"))
    sections, chain = head.get("sections"), head.get("chain")
    if tip is None or type(sections) is not dict or type(chain) is not int or not 0 <= chain < 1 << 32:
        return None
    out: dict[str, tuple[int, int, int]] = {}
    base = len(first)
    for name, where in sections.items():
        if type(where) is not list or len(where) != 3 or not all(type(v) is int and v >= 0 for v in where):
            return None
        out[name] = (base + where[0], where[1], where[2])
    return Summary(path, tip, chain, out)


def intact(summary: Summary) -> bool:
    """Every section of ``summary`` still matches its checksum (the whole file read, a
    megabyte at a time)."""
    try:
        with open(summary.path, "rb") as f:
            for offset, size, crc in summary.sections.values():
                f.seek(offset)
                got, left = 0, size
                while left:
                    chunk = f.read(min(left, 1 << 20))
                    if not chunk:
                        return False
                    got = zlib.crc32(chunk, got)
                    left -= len(chunk)
                if got != crc:
                    return False
    except OSError:
        return False
    return True


#: The room kept for the first line: the sections are written after it, then it.
_HEADER_ROOM = 8192


def write_summary(ledger: Path | str, tip: Tip, chain: int, sections: dict[str, bytes | Iterable[bytes]]) -> Path:
    """Replace the summary beside ``ledger`` with ``sections`` (each JSON text: bytes, or
    pieces of bytes written one after another, never all in memory at once), describing
    the ledger at ``tip`` whose line checksums chain to ``chain``. Raises OSError (the old
    summary, if any, stays)."""
    path = summary_path_for(ledger)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    where: dict[str, list[int]] = {}
    try:
        with open(tmp, "wb") as f:
            f.write(b" " * _HEADER_ROOM)
            offset = 0
            for name, data in sections.items():
                crc, size = 0, 0
                for piece in ([data] if isinstance(data, (bytes, bytearray, memoryview)) else data):
                    f.write(piece)
                    crc = zlib.crc32(piece, crc)
                    size += len(piece)
                where[name] = [offset, size, crc]
                offset += size
            text = encode({"format": SUMMARY_FORMAT, "version": SUMMARY_VERSION, "tip": tip.to_json(), "chain": chain,
                           "sections": where}).encode("utf-8")
            head = b"%08x %s" % (zlib.crc32(text), text)
            if len(head) > _HEADER_ROOM - 1:
                raise ValueError("the summary's first line is too long")
            f.seek(0)
            f.write(head.ljust(_HEADER_ROOM - 1, b" ") + b"\n")
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    return path


def remove_summary(ledger: Path | str) -> None:
    """Delete the summary beside ``ledger`` (if any): what it says is no longer true."""
    try:
        summary_path_for(ledger).unlink()
    except FileNotFoundError:
        pass

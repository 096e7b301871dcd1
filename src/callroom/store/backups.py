"""Backups: the previous ledger file, kept before anything rewrites or bulk-changes it.

Taken automatically before a compaction (or any other whole-file rewrite), a
schema migration, an import and a restore, into a folder next to the ledger::

    ledger.jsonl
    ledger.jsonl.backups/20261123T150000Z-import.jsonl
    ledger.jsonl.backups/20261123T151200Z-compact.jsonl

The name says when (UTC) and why. A backup before a rewrite is a hard link to
the old file, made just before the atomic rename replaces it: it costs no time
and no copying, and once the rename is done nothing ever writes that inode
again. Before an import (which appends to the live file) the file is copied.
A copy goes through a temporary name, is fsync'd, and only then renamed into
place, so a crash never leaves a half backup under a real name (the temp file
is removed by the next writer). A backup only ever *reads* the ledger: a crash
while taking one cannot hurt it.

Only the process holding the writer lock takes, prunes or restores backups.
The newest :data:`KEEP` are kept, plus the newest of each reason, so a burst
of compactions never pushes out the backup taken before an import.

Beside them, ``<when>-unfinished-at-<offset>.bytes`` files keep the bytes of an
unfinished last write exactly as found, before the writer trims them
(:func:`keep_bytes`; a reader that finds them with no writer about keeps them too).
They are not backups: never listed, restored or pruned.

Owns the backups folder. Uses ``disk``, ``lock``, ``seal`` and ``reading`` (a
restore writes the restored file's tip into the seal); the writer
(``callroom.store.writing``) calls it, never the other way round.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from .disk import Disk, fsync_dir, write_all
from .errors import StorageWriteError
from .lock import WriterLock
from .lookup import tip_of
from .seal import SealWriter, read_seal, seal_path_for

__all__ = [
    "Backup",
    "KEEP",
    "REASONS",
    "backups_dir",
    "find_backup",
    "keep_bytes",
    "keep_copy",
    "keep_link",
    "list_backups",
    "prune",
    "remove_stale_temps",
    "restore",
]

#: How many backups to keep (the newest), beside the newest of each reason.
KEEP = 20

#: Why a backup was taken, as shown by ``callroom backups``.
REASONS = {
    "compact": "before a compaction",
    "migrate": "before a schema migration",
    "import": "before an import",
    "before-restore": "before a restore",
    "rewrite": "before a whole-file rewrite",
    "upgrade": "before the file format was upgraded",
    "repair": "the damaged file, before a repair",
}

_NAME = re.compile(r"^(\d{8}T\d{6}Z)(?:-(\d+))?-([a-z][a-z-]*)\.jsonl$")
_CHUNK = 1 << 20


class _Disk(Protocol):
    def pwrite(self, fd: int, data: bytes | memoryview, offset: int) -> int: ...
    def fsync(self, fd: int) -> None: ...
    def replace(self, src: Path, dst: Path) -> None: ...
    def link(self, src: Path, dst: Path) -> None: ...


def _copy_bytes(src_fd: int, dst_fd: int, length: int, disk: _Disk, *, to_the_end: bool) -> None:
    """Copy the first ``length`` bytes of ``src_fd`` to ``dst_fd`` (positional reads, writes
    through ``disk``, a short write continued). ``to_the_end``: a source shorter than
    ``length`` is an error; otherwise what is there is copied."""
    offset = 0
    while offset < length:
        chunk = os.pread(src_fd, min(_CHUNK, length - offset), offset)
        if not chunk:
            if to_the_end:
                raise OSError(errno.EIO, "the ledger ended early while being copied")
            break
        write_all(disk, dst_fd, chunk, offset)  # type: ignore[arg-type]
        offset += len(chunk)


def _write_new(d: Path, dest: Path, fill: Callable[[int], None], disk: _Disk) -> Path:
    """Make ``dest`` in the folder ``d`` whole or not at all: ``fill`` writes a temp file,
    which is fsync'd and renamed to ``dest``, then the folder is fsync'd; on any error the
    temp file is removed."""
    tmp = d / f".{dest.name}.tmp"
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    try:
        fill(fd)
        disk.fsync(fd)
        disk.replace(tmp, dest)
    except BaseException:
        os.close(fd)
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    os.close(fd)
    fsync_dir(d, disk)
    return dest


def backups_dir(ledger: Path | str) -> Path:
    """``<ledger>.backups`` next to the ledger."""
    ledger = Path(ledger)
    return ledger.with_name(ledger.name + ".backups")


@dataclass(frozen=True)
class Backup:
    path: Path
    when: datetime  # UTC
    reason: str
    seq: int = 1

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    @property
    def why(self) -> str:
        return REASONS.get(self.reason, self.reason)

    @classmethod
    def parse(cls, path: Path) -> Backup | None:
        m = _NAME.match(path.name)
        if m is None:
            return None
        when = datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        return cls(path, when, m.group(3), int(m.group(2) or 1))


def list_backups(ledger: Path | str) -> list[Backup]:
    """The ledger's backups, newest first."""
    d = backups_dir(ledger)
    try:
        entries = list(d.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = [b for b in map(Backup.parse, entries) if b is not None and b.path.is_file()]
    return sorted(found, key=lambda b: (b.when, b.seq), reverse=True)


def find_backup(ledger: Path | str, text: str) -> Backup | Path | None:
    """A backup by its number in :func:`list_backups` (1 = newest), its name
    (with or without ``.jsonl``), or a path to any ledger file."""
    found = list_backups(ledger)
    t = text.strip()
    if t.isdigit():
        n = int(t)
        return found[n - 1] if 1 <= n <= len(found) else None
    for b in found:
        if t in (b.name, b.name[: -len(".jsonl")]):
            return b
    p = Path(t).expanduser()
    if p.is_file():
        parsed = Backup.parse(p) if p.parent.resolve() == backups_dir(ledger).resolve() else None
        return parsed or p
    return None


def _ensure_dir(ledger: Path, disk: _Disk) -> Path:
    d = backups_dir(ledger)
    if not d.is_dir():
        d.mkdir(exist_ok=True)
        fsync_dir(d.parent, disk)
    return d


def _candidates(d: Path, reason: str) -> Iterable[Path]:
    """Names for a new backup: the time, then a sequence number within the second
    (whatever the reason), so that names always sort in the order they were taken."""
    if reason not in REASONS:
        raise ValueError(f"unknown backup reason {reason!r}")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    taken = [b.seq for b in map(Backup.parse, d.glob(f"{stamp}-*.jsonl")) if b is not None]
    n = max(taken, default=0) + 1
    while True:
        yield d / (f"{stamp}-{reason}.jsonl" if n == 1 else f"{stamp}-{n}-{reason}.jsonl")
        n += 1


def keep_link(ledger: Path, reason: str, disk: _Disk) -> Path:
    """Keep the ledger file as it is now by hard-linking it into the backups folder
    (copying it where links are not supported). For a file about to be replaced."""
    d = _ensure_dir(ledger, disk)
    for dest in _candidates(d, reason):
        try:
            disk.link(ledger, dest)
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EACCES):
                raise
            fd = os.open(ledger, os.O_RDONLY | os.O_CLOEXEC)
            try:
                return keep_copy(fd, os.fstat(fd).st_size, ledger, reason, disk)
            finally:
                os.close(fd)
        fsync_dir(d, disk)
        return dest
    raise AssertionError("unreachable")


def keep_copy(src_fd: int, length: int, ledger: Path, reason: str, disk: _Disk) -> Path:
    """Copy the first ``length`` bytes of ``src_fd`` (the ledger) into the backups
    folder: temp file, fsync, rename, fsync the folder."""
    d = _ensure_dir(ledger, disk)
    dest = next(p for p in _candidates(d, reason) if not p.exists())
    return _write_new(d, dest, lambda fd: _copy_bytes(src_fd, fd, length, disk, to_the_end=True), disk)


def prune(ledger: Path | str, keep: int = KEEP, protect: Iterable[Path] = ()) -> list[Path]:
    """Delete the oldest backups beyond ``keep``; never the newest of a reason,
    never one in ``protect``, never the only one. Best effort: returns what went."""
    found = list_backups(ledger)  # newest first
    keep_paths = {b.path for b in found[: max(keep, 1)]}
    seen: set[str] = set()
    for b in found:
        if b.reason not in seen:
            seen.add(b.reason)
            keep_paths.add(b.path)
    keep_paths.update(Path(p) for p in protect)
    gone = []
    for b in found:
        if b.path not in keep_paths:
            try:
                b.path.unlink()
                gone.append(b.path)
            except OSError:
                pass
    return gone


def remove_stale_temps(ledger: Path | str) -> None:
    """Half-copied backups of a killed process (call only while holding the writer lock)."""
    d = backups_dir(ledger)
    try:
        stale = list(d.glob(".*.tmp"))
    except OSError:
        return
    for p in stale:
        try:
            p.unlink()
        except OSError:
            pass


def _latest_slot(ledger: Path) -> int | None:
    """The seal slot holding the ledger's current tip (see ``callroom.store.seal``)."""
    state = read_seal(ledger)
    try:
        current = tip_of(ledger)
    except OSError:
        current = None
    found = state.latest(current.ledger, current.gen) if current is not None else None
    return found[0] if found else None


def restore(ledger: Path | str, source: Path | Backup, *, program: str = "callroom restore") -> Backup | None:
    """Put a copy of ``source`` in place of the ledger, atomically, keeping the
    current ledger first as a ``before-restore`` backup (so this can be undone).

    ``source`` must already be checked (it opens cleanly). Raises
    :class:`LockedError` while another process has the ledger open for writing,
    :class:`StorageWriteError` if the disk refuses (the ledger is then unchanged).
    Returns the ``before-restore`` backup (None if there was no ledger yet).
    """
    ledger = Path(ledger)
    src = source.path if isinstance(source, Backup) else Path(source)
    disk = Disk()
    ledger.parent.mkdir(parents=True, exist_ok=True)
    lock = WriterLock(ledger, program)
    lock.acquire()  # LockedError names the holder
    try:
        remove_stale_temps(ledger)
        kept: Backup | None = None
        try:
            fd = os.open(ledger, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            fd = None
        try:
            if fd is not None and os.fstat(fd).st_size > 0:
                kept = Backup.parse(keep_copy(fd, os.fstat(fd).st_size, ledger, "before-restore", disk))
        except OSError as exc:
            raise StorageWriteError(
                f"Could not keep a backup of {ledger} before the restore: {exc.strerror or exc}. "
                f"Nothing was changed; free some disk space and try again."
            ) from exc
        finally:
            if fd is not None:
                os.close(fd)
        tmp = ledger.with_name(f".{ledger.name}.tmp")  # the journal's own temp name: we hold the lock
        try:
            sfd = os.open(src, os.O_RDONLY | os.O_CLOEXEC)
            try:
                size = os.fstat(sfd).st_size
                out = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
                try:
                    _copy_bytes(sfd, out, size, disk, to_the_end=False)
                    disk.fsync(out)
                finally:
                    os.close(out)
            finally:
                os.close(sfd)
            tip = tip_of(tmp)
            if tip is not None:
                # The restored file's own tip, before it takes the ledger's place: a
                # kill in between leaves the old file, whose tip is in the other slot.
                seal = SealWriter(ledger, disk, _latest_slot(ledger))
                try:
                    seal.write(tip)
                finally:
                    seal.close()
            else:
                try:  # a layout-1 file has no seal; it gets one when it is converted
                    seal_path_for(ledger).unlink()
                except FileNotFoundError:
                    pass
            disk.replace(tmp, ledger)
            fsync_dir(ledger.parent, disk)
        except OSError as exc:
            try:
                tmp.unlink()
            except OSError:
                pass
            raise StorageWriteError(
                f"Could not restore {ledger} from {src}: {exc.strerror or exc}. "
                f"The ledger is unchanged; free some disk space and try again."
            ) from exc
        prune(ledger, protect=[p for p in (src, kept.path if kept else None) if p is not None])
        return kept
    finally:
        lock.release()



def keep_bytes(ledger: Path | str, data: bytes, label: str, disk: _Disk) -> Path:
    """Keep ``data`` (bytes found in the ledger that are not part of it: an unfinished
    write) in the backups folder as ``<when>-<label>.bytes``: temp file, fsync, rename.
    The same bytes under the same label are kept once. Not a backup: never listed,
    restored or pruned."""
    ledger = Path(ledger)
    d = _ensure_dir(ledger, disk)
    for existing in sorted(d.glob(f"*-{label}.bytes")):
        try:
            if existing.stat().st_size == len(data) and existing.read_bytes() == data:
                return existing
        except OSError:
            continue
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    dest, n = d / f"{stamp}-{label}.bytes", 1
    while dest.exists():
        n += 1
        dest = d / f"{stamp}-{n}-{label}.bytes"
    return _write_new(d, dest, lambda fd: write_all(disk, fd, data, 0), disk)  # type: ignore[arg-type]

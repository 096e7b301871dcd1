"""Writing a ledger: appends, the seal, whole-file rewrites, backups, torn bytes set aside.

Owns the file side of a ledger open for writing (:class:`Journal`): the writer lock,
the file descriptor, the sequence number and tip reached, appending one transaction
line durably (write, fsync, then the seal), rewriting the whole file atomically
(compaction, migration, repair: temporary file, fsync, seal, rename), keeping the
old file in the backups folder first, and setting aside the bytes of an unfinished
last write before trimming them. Reading and judging the file is
:mod:`callroom.store.reading`; the data in memory and transactions are
:mod:`callroom.store.tinydb_glue`.

Crash model: a line is appended with one ``pwrite`` and acknowledged only after it is
fsync'd *and* the seal records it. So a crash leaves at most an incomplete last line,
or one complete line the seal does not know yet; reading accepts both and nothing else.
"""

from __future__ import annotations

import os
import shutil
from array import array
from collections.abc import Callable, Iterable
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any, TypeAlias

from . import backups as _backups
from .disk import Disk, fsync_dir, write_all
from .errors import DamagedFileError, StorageWriteError, StoreError
from . import format as _format
from .format import (
    Header,
    Tables,
    Tip,
    chain_crc,
    header_line,
    journal_line,
    line_tip_crc,
    new_ledger_id,
    snapshot_line_raw,
)
from .lock import WriterLock
from .reading import Loaded, Notice, Torn, emptied, last_written, load
from .rows import raw_docs
from .seal import SealWriter, read_seal, seal_path_for

#: Where a rewrite put a table's documents: ids, offsets in the new file, lengths, clients.
Layout: TypeAlias = tuple[array, array, array, array]

__all__ = ["Journal", "now_iso", "set_aside", "torn_notice"]


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def set_aside(path: Path, torn: Torn, disk: Disk) -> Path:
    """Keep the bytes of an unfinished write in the backups folder (once: the same bytes
    at the same place are found again by a later open). Raises OSError."""
    return _backups.keep_bytes(path, torn.data, f"unfinished-at-{torn.offset}", disk)


def torn_notice(path: Path, torn: Torn, kept: Path | None, error: str | None = None) -> Notice:
    where = f"The bytes as found are kept in {kept}." if kept else (
        f"They could not be set aside yet ({error}); they stay at the end of the file, ignored, until there is room.")
    return Notice("torn", (
        f"The last write to {path.name} was never finished (callroom or the computer stopped during it): "
        f"{torn.describe()}. Every acknowledged write is there. {where}"), kept)


class Journal:
    """A ledger file open for writing, under the writer lock.

    :meth:`open` reads the file strictly (refusing damage) and sets aside a torn tail;
    :meth:`append` adds a transaction line; :meth:`write_snapshot` replaces the file.
    Every method leaves the file as it was when it raises :class:`StorageWriteError`.
    """

    def __init__(self, path: Path, *, schema: int, program: str | None, disk: Disk | None, backups: bool,
                 lock: WriterLock | None = None) -> None:
        self.path = path
        self.schema = schema
        self.disk = disk or Disk()
        self.keep_backups = backups
        #: The writer lock (``lock``: one the caller already holds on ``path``, now ours to release).
        self.lock = lock if lock is not None else WriterLock(path, program)
        self.fd: int | None = None
        self.seal: SealWriter | None = None
        #: Bytes up to and including the last acknowledged line.
        self.size = 0
        self.layout = 2
        self.header: Header | None = None
        #: The sequence number and checksum of the last line.
        self.seq = -1
        self.crc = 0
        #: The running checksum of every line's checksum through the last (``format.chain_crc``).
        self.chain = 0
        self.notices: list[Notice] = []
        #: An unfinished write found at open that could not be set aside yet.
        self._torn: Torn | None = None
        #: Bytes after ``size`` that must go before the next append (a torn tail, a failed append).
        self.tail_dirty = False
        #: The backup the last rewrite kept of the file it replaced.
        self.last_kept: Path | None = None
        #: Where the last rewrite put each table's documents: ``(ids, offsets, lengths, clients)``.
        self.last_layout: dict[str, Layout] = {}

    # -- opening -------------------------------------------------------------------

    def open(self, *, settle: bool, on_table: Callable[[str, dict[str, Any]], None] | None) -> Loaded:
        """Take the lock and read the file (creating it if missing or empty)."""
        self.lock.acquire()
        try:
            return self._open(settle, on_table)
        except BaseException:
            self.close()
            raise

    def _open(self, settle: bool, on_table: Callable[[str, dict[str, Any]], None] | None) -> Loaded:
        seal = read_seal(self.path)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            fd = None
        if fd is not None and os.fstat(fd).st_size == 0:
            os.close(fd)
            fd = None
            was = emptied(seal)
            if was is not None:
                raise DamagedFileError(self.path, 1, was)
            # An empty file callroom never wrote to holds no data: a fresh ledger loses nothing.
        elif fd is None and last_written(seal) is not None:
            raise StoreError(
                f"{self.path} is missing, but {seal_path_for(self.path).name} beside it says callroom wrote "
                f"{last_written(seal).length:,} bytes to it. Put it back from a backup "
                f"(`callroom backups`, `callroom restore N`), or delete {seal_path_for(self.path)} to start a new, "
                f"empty ledger.")
        if fd is None:
            # Created through the same temp-file-and-rename path as a compaction, so a
            # crash never leaves a half-written header behind.
            self.write_snapshot({}, Header(self.schema, now_iso(), new_ledger_id(), 1), backup_to=None)
            self._remove_stale_temps()
            return Loaded({}, 2, self.header, self.schema, self.header.created if self.header else None, self.size)
        self.fd = fd
        loaded = load(self.path, fd, seal, code_schema=self.schema, settle=settle, on_table=on_table, rows=True)
        self._adopt(loaded)
        self._remove_stale_temps()
        if loaded.torn is not None:
            self._set_aside_torn(loaded.torn, at_open=True)
        if self.layout == 2:
            found = seal.latest(self.header.ledger, self.header.gen) if self.header else None
            self.seal = SealWriter(self.path, self.disk, found[0] if found else None)
            if not loaded.sealed and loaded.tip is not None:
                try:
                    (self.seal.write if found else self.seal.reset)(loaded.tip)
                except OSError as exc:
                    raise self._write_error(exc, "Nothing was changed") from exc
        self.notices.extend(loaded.notices)
        return loaded

    def take_over(self, fd: int, loaded: Loaded) -> None:
        """For a repair, under the lock already held: the damaged file as read (open on ``fd``)
        becomes the file the next :meth:`write_snapshot` replaces, its lines counted on."""
        self.fd = fd
        self.size = os.fstat(fd).st_size
        self.seq = loaded.last_seq if loaded.last_seq is not None else -1
        self.layout = 2
        self.header = loaded.header
        if self.seal is None:
            self.seal = SealWriter(self.path, self.disk)

    def _adopt(self, loaded: Loaded) -> None:
        self.layout = loaded.layout
        self.header = loaded.header
        self.size = loaded.valid_len
        self.chain = loaded.chain
        if loaded.tip is not None:
            self.seq, self.crc = loaded.tip.seq, loaded.tip.crc

    def _set_aside_torn(self, torn: Torn, *, at_open: bool) -> None:
        """Keep the torn bytes beside the backups, then cut them off (raises StorageWriteError
        when not at open; at open, a failure is a notice and the bytes stay until later)."""
        try:
            kept = set_aside(self.path, torn, self.disk)
        except OSError as exc:
            if not at_open:
                raise self._write_error(exc, "Nothing was changed") from exc
            self._torn = torn
            self.tail_dirty = True
            self.notices.append(torn_notice(self.path, torn, None, exc.strerror or str(exc)))
            return
        self._torn = None
        if at_open:
            self.notices.append(torn_notice(self.path, torn, kept))
        self.tail_dirty = True
        self._trim_quietly()

    def _remove_stale_temps(self) -> None:
        """A rewrite (or backup copy) killed half-way leaves its temp file; we hold the lock, so it is ours."""
        try:
            self.temp_path().unlink()
        except FileNotFoundError:
            pass
        _backups.remove_stale_temps(self.path)

    def temp_path(self) -> Path:
        return self.path.with_name(f".{self.path.name}.tmp")

    @property
    def tip(self) -> Tip | None:
        """The last acknowledged state (None for a layout-1 file)."""
        if self.header is None or self.layout != 2:
            return None
        return Tip(self.header.ledger, self.header.gen, self.seq, self.size, self.crc)

    # -- appending -----------------------------------------------------------------

    def append(self, op_texts: Iterable[str]) -> int:
        """Append one transaction line durably, or leave the file as it was. Returns its length."""
        if self.layout != 2:
            raise StoreError(f"{self.path} is in the old file format; it is converted before anything is written")
        assert self.fd is not None and self.header is not None and self.seal is not None
        line = journal_line(self.seq + 1, op_texts)
        fd, start = self.fd, self.size
        try:
            if self._torn is not None:
                self._set_aside_torn(self._torn, at_open=False)
            if self.tail_dirty:
                # Cut off a torn line (or the bytes of a failed append) before writing after it.
                self.disk.ftruncate(fd, start)
                self.disk.fsync(fd)
                self.tail_dirty = False
            self.tail_dirty = True
            write_all(self.disk, fd, line, start)
            self.disk.fsync(fd)
            crc = line_tip_crc(line)
            self.seal.write(Tip(self.header.ledger, self.header.gen, self.seq + 1, start + len(line), crc), undo=self.tip)
        except OSError as exc:
            self._trim_quietly()
            raise self._write_error(exc, "Nothing was changed") from exc
        self.tail_dirty = False
        self.size = start + len(line)
        self.seq += 1
        self.crc = crc
        self.chain = chain_crc(self.chain, crc)
        return len(line)

    def _trim_quietly(self) -> None:
        """Best effort to drop bytes after ``size`` now; if it fails, the next append retries."""
        if self.fd is None or not self.tail_dirty:
            return
        try:
            self.disk.ftruncate(self.fd, self.size)
            self.disk.fsync(self.fd)
            self.tail_dirty = False
        except OSError:
            pass

    def _write_error(self, exc: OSError, outcome: str) -> StorageWriteError:
        return StorageWriteError(
            f"Could not save to {self.path}: {exc.strerror or exc}. {outcome}; "
            f"free some disk space (or fix the disk) and try again."
        )

    # -- rewriting -----------------------------------------------------------------

    def write_snapshot(
        self,
        data: Tables,
        header: Header,
        backup_to: Path | str | None,
        reason: str | None = None,
        *,
        fresh_seal: bool = False,
    ) -> Path | None:
        """Replace the whole file with ``header`` and ``data`` as snapshot lines, atomically.

        The sequence numbers go on from the file replaced. The old file is kept in the
        backups folder first (``reason``), or copied to ``backup_to``. The new file's tip
        goes into the seal's other slot before the rename, so a kill at any moment leaves
        either file with its own tip in the seal. A file with no tip worth keeping (a new
        ledger, one converted from layout 1, a repaired one: ``fresh_seal``) gets its tip
        in both slots just after the rename instead: a kill in between leaves the new
        file with no seal of its own, which is said at the next open, never refused.
        Returns the ``backup_to`` copy.
        """
        seq = self.seq + 1
        tmp = self.temp_path()
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        size = 0
        backup: Path | None = None
        kept: Path | None = None
        old_tip = None if fresh_seal else self.tip
        sealed = False
        layout: dict[str, Layout] = {}
        try:
            # Line by line, as each is made: the file is never in memory whole, and the
            # documents are copied as stored (a table of rows is not decoded).
            per_line = _format.SNAPSHOT_DOCS
            last = header_line(seq, header)
            write_all(self.disk, fd, last, 0)
            size = len(last)
            chain = chain_crc(0, line_tip_crc(last))
            for name, docs in data.items():
                ids, offsets, lengths, clients = placed = (array("q"), array("q"), array("q"), array("q"))
                items = raw_docs(docs)
                while True:
                    chunk = list(islice(items, per_line))
                    seq += 1
                    last, where = snapshot_line_raw(seq, name, [(key, raw) for key, raw, _ in chunk])
                    write_all(self.disk, fd, last, size)
                    chain = chain_crc(chain, line_tip_crc(last))
                    for (key, raw, client), at in zip(chunk, where):
                        ids.append(int(key))
                        offsets.append(size + at)
                        lengths.append(len(raw))
                        clients.append(client)
                    size += len(last)
                    if len(chunk) < per_line:
                        break
                layout[name] = placed
            self.disk.fsync(fd)
            if backup_to is not None:
                backup = self._copy_to(Path(backup_to))
            if reason is not None and self.keep_backups and self.fd is not None and self.size > 0:
                kept = self._keep_old_file(reason)
            new_tip = Tip(header.ledger, header.gen, seq, size, line_tip_crc(last))
            if self.seal is None:
                self.seal = SealWriter(self.path, self.disk)
            if old_tip is not None:
                self.seal.write(new_tip)
                sealed = True
            self.disk.replace(tmp, self.path)
        except BaseException as exc:
            os.close(fd)
            for leftover in (tmp, kept):
                # A kept link to a file that stays live would change with it: drop it.
                try:
                    if leftover is not None:
                        leftover.unlink()
                except OSError:
                    pass
            if sealed and old_tip is not None and self.seal is not None:
                try:
                    self.seal.write(old_tip)  # the latest slot is the file's that stays
                except OSError:
                    pass  # its tip is in the other slot still
            if isinstance(exc, OSError):
                raise StorageWriteError(
                    f"Could not rewrite {self.path}: {exc.strerror or exc}. "
                    f"The file is unchanged; free some disk space (or fix the disk) and try again."
                ) from exc
            raise
        # The new file is in place: switch to it before anything else can fail.
        old_fd, self.fd = self.fd, fd
        if old_fd is not None:
            os.close(old_fd)
        self.size = size
        self.tail_dirty = False
        self._torn = None
        self.layout = 2
        self.header = header
        self.seq, self.crc = seq, new_tip.crc
        self.chain = chain
        try:
            fsync_dir(self.path.parent, self.disk)
        except OSError as exc:
            raise StorageWriteError(f"Could not confirm the rewrite of {self.path} on disk: {exc.strerror or exc}.") from exc
        if old_tip is None:
            try:
                self.seal.reset(new_tip)
            except OSError:
                pass  # the file is in place and whole; the next open says it has no seal, and writes one
        self.last_kept = kept
        self.last_layout = layout
        if kept is not None:
            self._prune_quietly(kept)
        return backup

    def next_header(self, schema: int, created: str | None) -> Header:
        """The header of the next rewrite: same ledger (a new one for a converted file), next generation."""
        if self.header is None or self.layout != 2:
            return Header(schema, created or now_iso(), new_ledger_id(), 1)
        return Header(schema, created or self.header.created or now_iso(), self.header.ledger, self.header.gen + 1)

    def _keep_old_file(self, reason: str) -> Path:
        """Hard-link the file about to be replaced into the backups folder."""
        try:
            return _backups.keep_link(self.path, reason, self.disk)
        except OSError as exc:
            raise StorageWriteError(
                f"Could not keep a backup of {self.path} in {_backups.backups_dir(self.path)} "
                f"before rewriting it: {exc.strerror or exc}. The file is unchanged; "
                f"free some disk space (or fix the disk) and try again."
            ) from exc

    def _prune_quietly(self, kept: Path) -> None:
        try:
            _backups.prune(self.path, protect=[kept])
        except OSError:
            pass

    def backup(self, reason: str) -> Path:
        """Copy the file as it is now (every acknowledged write, no torn tail) into the
        backups folder. Raises :class:`StorageWriteError`; the ledger is only read."""
        assert self.fd is not None
        try:
            kept = _backups.keep_copy(self.fd, self.size, self.path, reason, self.disk)
        except OSError as exc:
            raise StorageWriteError(
                f"Could not keep a backup of {self.path} in {_backups.backups_dir(self.path)} "
                f"({_backups.REASONS.get(reason, reason)}): {exc.strerror or exc}. Nothing was changed; "
                f"free some disk space (or fix the disk) and try again."
            ) from exc
        self._prune_quietly(kept)
        return kept

    def _copy_to(self, dest: Path) -> Path:
        if dest.is_dir():
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            base = dest / f"{self.path.stem}-{stamp}{self.path.suffix}"
            dest, n = base, 1
            while dest.exists():
                n += 1
                dest = base.with_name(f"{base.stem}-{n}{base.suffix}")
        shutil.copyfile(self.path, dest)
        fd = os.open(dest, os.O_RDONLY | os.O_CLOEXEC)
        try:
            self.disk.fsync(fd)
        finally:
            os.close(fd)
        return dest

    def reread(self) -> Loaded:
        """The file as it is on disk now (after a refused rewrite), judged without the seal."""
        assert self.fd is not None
        loaded = load(self.path, self.fd, None, code_schema=self.schema, rows=True)
        dirty = self.tail_dirty
        self._adopt(loaded)
        self.tail_dirty = dirty or loaded.torn is not None
        return loaded

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.seal is not None:
            self.seal.close()
            self.seal = None
        self.lock.release()


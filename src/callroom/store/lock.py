"""Single-writer lock: one process at a time may open a data file for writing.

``fcntl.flock`` on a sidecar ``<datafile>.lock`` rather than on the data file
itself, because compaction replaces the data file (a lock on the old inode
would silently stop protecting the new one). flock belongs to the open file
description, so the kernel drops it when the holder dies, however it dies:
a lock left by a killed process is recovered without any stale-lock heuristics.

The lock file is never deleted: unlinking a flock'ed file lets a third process
lock a fresh inode while a second still waits on the old one.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from datetime import datetime
from pathlib import Path

from .errors import LockedError, LockHolder

__all__ = ["WriterLock", "lock_path_for", "read_holder", "writer_alive"]


def lock_path_for(data_path: Path) -> Path:
    """The sidecar lock file of a data file."""
    return data_path.with_name(data_path.name + ".lock")


def read_holder(lock_path: Path) -> LockHolder | None:
    """Parse the holder details a lock owner wrote, or None if absent/garbled."""
    try:
        raw = lock_path.read_bytes()
        info = json.loads(raw)
        return LockHolder(
            pid=int(info["pid"]),
            host=str(info["host"]),
            program=str(info["program"]),
            since=datetime.fromisoformat(info["since"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def writer_alive(holder: LockHolder) -> bool:
    """False only when the details are provably left over from a dead process.

    The new holder rewrites the details right after locking; until then the
    file may still name the previous, dead holder.
    """
    if holder.host != socket.gethostname():
        return True
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class WriterLock:
    """An exclusive, non-blocking, process-lifetime lock on one data file."""

    #: How long a loser waits for the winner to write its details. The winner
    #: writes them right after locking, so this only matters in a tight race;
    #: it is just for a better error message, never for correctness.
    holder_wait_s = 1.0

    def __init__(self, data_path: Path | str, program: str | None = None) -> None:
        self.data_path = Path(data_path)
        self.path = lock_path_for(self.data_path)
        self.program = program or Path(sys.argv[0] or "python").name
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock or raise ``LockedError`` naming the current holder."""
        if self._fd is not None:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockedError(self.data_path, self._wait_for_holder()) from None
        except BaseException:
            os.close(fd)
            raise
        try:
            info = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "program": self.program,
                "since": datetime.now().astimezone().isoformat(timespec="seconds"),
            }
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        except OSError:
            # The details are a courtesy for the error message of others; a
            # full disk must not stop us from holding the lock itself.
            pass
        self._fd = fd

    def _wait_for_holder(self) -> LockHolder | None:
        deadline = time.monotonic() + self.holder_wait_s
        while True:
            holder = read_holder(self.path)
            if holder is not None and writer_alive(holder):
                return holder
            if time.monotonic() >= deadline:
                return holder
            time.sleep(0.01)

    def release(self) -> None:
        """Drop the lock; clearing the details first so nobody blames us later."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        finally:
            os.close(fd)  # closing the last descriptor releases the flock

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

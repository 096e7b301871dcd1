"""The system calls that make data durable, behind one seam (:class:`Disk`).

Every write of the store (the ledger, its seal, its backups) goes through a ``Disk``
so that tests can make the disk fail (``ENOSPC``, ``EIO``) at any step and check that
nothing half-done remains. Imports nothing of the store.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

__all__ = ["Disk", "fsync_dir", "write_all"]


class Disk:
    """The real disk: ``os`` calls, one method each."""

    def pwrite(self, fd: int, data: bytes | memoryview, offset: int) -> int:
        return os.pwrite(fd, data, offset)

    def fsync(self, fd: int) -> None:
        os.fsync(fd)

    def fdatasync(self, fd: int) -> None:
        """For a file overwritten in place (the seal): its data, not its times, must be durable."""
        os.fdatasync(fd)

    def ftruncate(self, fd: int, length: int) -> None:
        os.ftruncate(fd, length)

    def replace(self, src: Path, dst: Path) -> None:
        os.replace(src, dst)

    def link(self, src: Path, dst: Path) -> None:
        os.link(src, dst)


def write_all(disk: Disk, fd: int, data: bytes | memoryview, offset: int) -> None:
    """``pwrite`` all of ``data`` at ``offset``, continuing after a short write."""
    view, done = memoryview(data), 0
    while done < len(view):
        n = disk.pwrite(fd, view[done:], offset + done)
        if n <= 0:
            raise OSError(errno.EIO, "the disk accepted no bytes")
        done += n


def fsync_dir(directory: Path, disk: Disk) -> None:
    """Make a rename or a new name in ``directory`` durable, not just the file's contents."""
    fd = os.open(directory if str(directory) else ".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        disk.fsync(fd)
    finally:
        os.close(fd)

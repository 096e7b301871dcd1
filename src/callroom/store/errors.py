"""Errors raised by the storage engine.

Every message is written for the person at the keyboard: it names the file,
says what is wrong, and says what to do, because these errors end up on screen
verbatim (the CLI and the UI print ``str(error)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


class StoreError(Exception):
    """Base class, so callers can catch every storage failure in one place."""


class DamagedFileError(StoreError):
    """The data file is not something a crash of ours could have produced.

    A torn final append is what a crash leaves: it is set aside and reported, not
    raised. This error means damage somewhere else (a checksum, a missing or repeated
    line, a cut, a hand edit), so guessing would risk losing data. The file is left
    exactly as it was.
    """

    def __init__(self, path: Path | str, line: int, problem: str) -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        super().__init__(
            f"{self.path}: line {line}: {problem}. The file has not been changed. "
            f"`callroom check` lists all the damage; `callroom repair` keeps what can be read "
            f"(the damaged file is kept as a backup); --salvage opens the readable part, read-only; "
            f"`callroom backups` lists the backups you can restore."
        )


class NewerSchemaError(StoreError):
    """The file was written by a newer callroom; reading it could silently drop fields."""

    def __init__(self, path: Path | str, file_schema: int, code_schema: int, *, kind: str = "schema") -> None:
        self.path = Path(path)
        self.file_schema = file_schema
        self.code_schema = code_schema
        super().__init__(
            f"{self.path} was written by a newer callroom (file {kind} {file_schema}; "
            f"this version understands {kind} {code_schema} and older). "
            f"Upgrade callroom to open it. The file has not been changed."
        )


class ReadOnlyError(StoreError):
    """A write was attempted on a store opened read-only."""


class StorageWriteError(StoreError):
    """A write did not reach the disk (disk full, I/O error...).

    When this is raised the write did not happen: memory and disk both still
    hold the state before it, so the caller may simply retry later.
    """


@dataclass(frozen=True)
class LockHolder:
    """Who holds the writer lock, as recorded in the lock file by that process."""

    pid: int
    host: str
    program: str
    since: datetime

    def describe(self, now: datetime | None = None) -> str:
        """``pid 1234 on host, since 09:14`` (with the date if it was not today)."""
        now = now or datetime.now(self.since.tzinfo)
        when = self.since.strftime("%H:%M")
        if self.since.date() != now.date():
            when = self.since.strftime("%Y-%m-%d %H:%M")
        return f"pid {self.pid} on {self.host}, since {when}"


class LockedError(StoreError):
    """Another process has the file open for writing."""

    def __init__(self, path: Path | str, holder: LockHolder | None) -> None:
        self.path = Path(path)
        self.holder = holder
        who = f" ({holder.describe()})" if holder else ""
        super().__init__(
            f"{self.path} is open in another callroom{who}. "
            f"Close that one, or open this one with --read-only."
        )

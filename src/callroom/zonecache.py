"""The phone-number time zones the queue worked out, kept between runs.

Working out the zone of a number takes phonenumbers about 0.1 ms; a big ledger's
queue reads thousands of them at every start. They are kept in the user's cache
folder (``$CALLROOM_CACHE_DIR``, else the platform's, via platformdirs) as a JSON
file per phonenumbers version, each number named only by a hash of it
(:meth:`callroom.domain.phones.ZoneBook.key`): the cache holds no phone numbers.

A cache is never needed: a missing, unreadable or damaged one is ignored (the
zones are worked out again), and it is written through a temporary file and a
rename, so a crash cannot leave half of one. Deleting the folder is always safe.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .domain import phones
from .domain.phones import ZoneBook
from .files import write_whole

__all__ = ["cache_dir", "load", "save"]

_loaded: set[tuple[Path, int]] = set()  # (cache file, book) pairs already loaded


def cache_dir() -> Path:
    env = os.environ.get("CALLROOM_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_path

    return user_cache_path("callroom", appauthor=False)


def _file() -> Path:
    import phonenumbers  # its version names the file (imported here: the first screen may do without it)

    return cache_dir() / f"zones-{phonenumbers.__version__}.json"


def load(book: ZoneBook | None = None) -> None:
    """Teach ``book`` (the process's, ``phones.ZONES``, by default) the zones kept by earlier
    runs (once per file and process)."""
    book = phones.ZONES if book is None else book
    path = _file()
    if (path, id(book)) in _loaded:
        return
    _loaded.add((path, id(book)))
    try:
        kept = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return
    if type(kept) is dict:
        book.learn(kept)


def save(book: ZoneBook | None = None) -> None:
    """Keep what ``book`` (by default ``phones.ZONES``) worked out since it was loaded or
    last saved (nothing to do when it worked nothing out). A cache folder that cannot be
    written is not an error."""
    book = phones.ZONES if book is None else book
    if not book.added:
        return
    path = _file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_whole(path, json.dumps(book.known(), separators=(",", ":")).encode("utf-8"))
    except OSError:
        return
    book.saved()

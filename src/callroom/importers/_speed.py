"""Keeping a large import quick: the garbage collector paused while an import builds its
objects, and client-name keys worked out once per distinct name.

Parsing and planning make hundreds of thousands of small objects (cells, amounts,
invoices) and no reference cycles; each collection they trigger is a full walk over
everything the process holds, the whole loaded ledger included, and frees nothing.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from contextlib import contextmanager

from ..domain.models import normalise_name

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def gc_paused():
    """Automatic garbage collection off for the block, then back as it was.

    Nested and concurrent blocks (the app plans in a worker thread) share one pause:
    the first to enter turns collection off, the last to leave restores it."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()


def name_keys() -> Callable[[str], str]:
    """``normalise_name`` with a memo for one import (the same client is named on many rows)."""
    memo: dict[str, str] = {}
    get = memo.get

    def key(name: str) -> str:
        k = get(name)
        if k is None:
            k = memo[name] = normalise_name(name)
        return k

    return key


__all__ = ["gc_paused", "name_keys"]

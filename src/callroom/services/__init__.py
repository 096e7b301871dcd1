"""The one door between the screens/command line and the ledger and importers.

``ui/`` and ``cli/`` import from here (and from ``domain``), never from ``callroom.store``
or ``callroom.importers``: import-linter contracts in ``pyproject.toml`` keep it so.

- ``Desk`` (:mod:`.desk`): the questions a session asks and the writes it makes;
- :mod:`.imports`: reading and planning exports, storing a plan;
- :mod:`.files`: opening a ledger, the demo ledger, backups;
- :mod:`.errors`: the errors the store and importers raise.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .desk import Desk
    from .imports import apply_import
    from .session import SessionTally, tally

#: Each name is imported when first used: ``callroom queue`` and the first screen need few of them.
_WHERE = {"Desk": "desk", "apply_import": "imports", "SessionTally": "session", "tally": "session"}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


__all__ = ["Desk", "SessionTally", "apply_import", "tally"]

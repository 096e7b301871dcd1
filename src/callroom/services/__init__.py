"""The one door between the screens/command line and the ledger and importers.

``ui/`` and ``cli/`` import from here (and from ``domain``), never from ``callroom.store``
or ``callroom.importers``: import-linter contracts in ``pyproject.toml`` keep it so.

- ``Desk`` (:mod:`.desk`): the questions a session asks and the writes it makes;
- :mod:`.imports`: reading and planning exports, storing a plan;
- :mod:`.files`: opening a ledger, the demo ledger, backups;
- :mod:`.errors`: the errors the store and importers raise.
"""

from __future__ import annotations

from .desk import Desk
from .imports import apply_import
from .session import SessionTally, tally

__all__ = ["Desk", "SessionTally", "apply_import", "tally"]

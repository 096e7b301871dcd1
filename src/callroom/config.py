"""The owner's configuration folder: ``$CALLROOM_CONFIG_DIR``, else the platform's
(via platformdirs; on Linux ``~/.config/callroom``).

What lives there belongs to the owner's habits, not to a ledger: their keys
(``keymap.toml``), their theme, their own message templates. The ledger never
depends on it; a missing folder means the defaults.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["config_dir"]


def config_dir() -> Path:
    env = os.environ.get("CALLROOM_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_path

    return user_config_path("callroom", appauthor=False)

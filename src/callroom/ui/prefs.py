"""The owner's screen preferences kept between runs: the theme chosen in the command palette.

Kept in ``settings.toml`` in the configuration folder (``callroom.config.config_dir``),
one line ``theme = "name"``. A missing, unreadable or damaged file means the default;
a write that fails is not an error (the choice holds for this run).
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

from ..config import config_dir
from ..files import write_whole

FILE_NAME = "settings.toml"
DARK, LIGHT = "textual-dark", "textual-light"


def settings_path() -> Path:
    return config_dir() / FILE_NAME


def saved_theme(path: Path | None = None) -> str | None:
    try:
        data = tomllib.loads((path or settings_path()).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    theme = data.get("theme")
    return theme if isinstance(theme, str) and theme else None


def save_theme(theme: str, path: Path | None = None) -> bool:
    """Keep ``theme`` for the next run; False when the folder cannot be written."""
    path = path or settings_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_whole(path, f"theme = {json.dumps(theme)}\n".encode("utf-8"))
    except OSError:
        return False
    return True


def terminal_is_light(environ=os.environ) -> bool:
    """Whether the terminal says its background is light (``COLORFGBG``, "fg;bg", set by
    rxvt, Konsole, iTerm2 and others: background 7 or 15 is light)."""
    value = environ.get("COLORFGBG", "")
    bg = value.rsplit(";", 1)[-1].strip()
    return bg in ("7", "15")


def default_theme(environ=os.environ) -> str:
    """The theme before the owner picks one: dark, or light on a terminal that says it is light.
    Either paints its own background, so text is readable on any terminal."""
    return LIGHT if terminal_is_light(environ) else DARK

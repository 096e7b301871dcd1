"""The owner's own keys: ``keymap.toml`` in the configuration folder maps binding ids to
keys, one line each (``session.save = "ctrl+s"``; several keys comma-separated, as in
``help.close = "escape,f1"``). The app applies what is accepted with ``App.set_keymap``,
so the Footer, the help screen and the palette show the owner's keys.

A line is refused, and the default kept for that action, when it names an unknown
binding id, a key a terminal cannot send (or that terminals and tmux take for
themselves), or a key another action of the same screen already has. Each refusal names
the file, the line and the key. ``callroom keys`` prints the effective table.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import _character_to_key, format_key, key_to_character
from textual.screen import Screen

FILE_NAME = "keymap.toml"

#: Named keys every terminal sends (besides printable characters).
NAMED = frozenset(
    {"escape", "enter", "tab", "space", "backspace", "delete", "insert", "home", "end", "pageup", "pagedown",
     "up", "down", "left", "right"} | {f"f{n}" for n in range(1, 13)}
)
#: Keys that arrive as another key: the terminal sends the same bytes.
SAME_AS = {"ctrl+i": "Tab", "ctrl+m": "Enter", "ctrl+h": "Backspace", "ctrl+j": "Enter", "ctrl+left_square_bracket": "Esc"}
#: Keys the terminal, the shell or tmux keep for themselves, or that quit the app.
TAKEN = {
    "ctrl+c": "stops programs (and copies in some terminals)",
    "ctrl+q": "quits callroom",
    "ctrl+z": "suspends programs in the shell",
    "ctrl+s": "freezes the terminal's output in many terminals (flow control)",
    "ctrl+b": "is tmux's prefix key",
}
MODIFIERS = ("ctrl", "alt", "shift")


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int | None
    key: str
    why: str
    kept: str = "the default key is kept"

    def __str__(self) -> str:
        where = f"{self.path}, line {self.line}" if self.line else str(self.path)
        return f"{where}: {self.key}: {self.why}; {self.kept}."


@dataclass(frozen=True)
class BindingInfo:
    """One action of one or more screens, as the key table shows it."""

    id: str
    key: str  # the keys as Textual names them, comma-separated ("question_mark,f1")
    screens: tuple[str, ...]
    description: str

    def with_key(self, key: str) -> "BindingInfo":
        return BindingInfo(self.id, key, self.screens, self.description)

    def to_json(self) -> dict:
        return {"id": self.id, "key": self.key, "shown": display(self.key), "screens": list(self.screens), "description": self.description}


@dataclass
class Keymap:
    """The accepted remappings (binding id -> keys) and what was refused."""

    path: Path | None = None
    keys: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def display(keys: str) -> str:
    """Keys as a person reads them: "?, F1" rather than "question_mark,f1"."""
    out = []
    for k in keys.split(","):
        k = k.strip()
        if k.startswith("f") and k[1:].isdigit():
            out.append(k.upper())
        elif k in ("enter", "escape", "tab"):
            out.append({"enter": "Enter", "escape": "Esc", "tab": "Tab"}[k])
        else:
            out.append(format_key(k))
    return ", ".join(out)


def normalise(key: str) -> str:
    """A key as Textual names it: "?" -> "question_mark", "Ctrl+P" -> "ctrl+p"."""
    key = key.strip()
    if len(key) == 1:
        return _character_to_key(key)
    parts = key.split("+")
    *mods, base = parts
    if len(base) == 1:
        base = _character_to_key(base)
    elif base == "":  # "ctrl++"
        base = "plus"
    else:
        base = base.lower()
    return "+".join([m.lower() for m in mods] + [base])


def why_unsendable(key: str) -> str | None:
    """Why a terminal cannot deliver ``key`` (normalised) to callroom, or None when it can."""
    if not key:
        return "an empty key"
    if key in SAME_AS:
        return f"terminals send it as {SAME_AS[key]}"
    if key in TAKEN:
        return f"it {TAKEN[key]}"
    *mods, base = key.split("+")
    bad = [m for m in mods if m not in MODIFIERS]
    if bad:
        return f"terminals do not pass the {bad[0]} key to programs"
    if len(set(mods)) != len(mods):
        return "a modifier is named twice"
    # A character key: the character itself ("é"), or the name of a printable ASCII one
    # ("question_mark"); not any Unicode name ("banana" would be 🍌).
    char = (base if len(base) == 1 else key_to_character(base)) if base not in NAMED else None
    printable = char is not None and len(char) == 1 and char.isprintable() and (len(base) == 1 or char.isascii())
    if base not in NAMED and not printable:
        return "no such key"
    if "ctrl" in mods and "shift" in mods:
        return "terminals cannot tell ctrl+shift from ctrl"
    if printable and "shift" in mods:
        shown = char.upper() if char.isalpha() else char
        return f"terminals send shift with a character as the character itself: write \"{shown}\""
    if "ctrl" in mods and printable and not char.isalpha():
        return "terminals do not send ctrl with a digit or sign"
    return None


# The bindings of callroom's screens.

def _screen_classes() -> list[type[DOMNode]]:
    """Every screen class of callroom's UI and the app itself (modules imported to find them)."""
    from . import __path__ as ui_path

    found: list[type[DOMNode]] = []
    for mod in pkgutil.iter_modules(ui_path):
        module = importlib.import_module(f"{__package__}.{mod.name}")
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, (Screen, App)) and obj.__module__ == module.__name__
                    and obj not in found):
                found.append(obj)
    return found


def screen_name(cls: type) -> str:
    name = getattr(cls, "KEYS_TITLE", None)
    if name:
        return name
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", cls.__name__.removesuffix("Screen").removesuffix("App")).strip()
    return words.lower() or "everywhere"


@lru_cache(maxsize=None)
def _merged(cls: type[DOMNode]) -> dict[str, list[Binding]]:
    """key -> bindings of a class as Textual merges them (its own and its bases')."""
    return cls._merge_bindings().key_to_bindings


def _class_bindings(cls: type[DOMNode]) -> list[Binding]:
    """A class's bindings, each once."""
    out: list[Binding] = []
    for bindings in _merged(cls).values():
        for b in bindings:
            if b not in out:
                out.append(b)
    return out


def _app_class() -> type[App]:
    from .app import CallroomApp

    return CallroomApp


def bindings() -> list[BindingInfo]:
    """Every action that has a binding id, with its default keys and the screens it is on."""
    rows: dict[str, BindingInfo] = {}
    app = _app_class()
    for cls in [app] + [c for c in _screen_classes() if c is not app]:
        where = "everywhere" if cls is app else screen_name(cls)
        for b in _class_bindings(cls):
            if not b.id:
                continue
            keys = ",".join(_keys_of(cls, b.id))
            if b.id in rows:
                r = rows[b.id]
                if where not in r.screens:
                    rows[b.id] = BindingInfo(r.id, r.key, r.screens + (where,), r.description)
            else:
                rows[b.id] = BindingInfo(b.id, keys, (where,), b.tooltip or b.description)
    return sorted(rows.values(), key=lambda r: r.id)


def _keys_of(cls: type[DOMNode], binding_id: str) -> list[str]:
    """The keys a binding id has by default on ``cls`` (a binding "q,escape" is one binding per key)."""
    return [key for key, bs in _merged(cls).items() if any(b.id == binding_id for b in bs)]


def _screen_keys(cls: type[DOMNode], app: type[App]) -> dict[str, list[str | None]]:
    """Default key -> binding ids on a screen, the app's own keys included (None: a binding
    without an id, such as Textual's focus keys)."""
    out: dict[str, list[str | None]] = {}
    for owner in (cls, app) if cls is not app else (app,):
        for key, bs in _merged(owner).items():
            for b in bs:
                out.setdefault(key, [])
                if b.id not in out[key]:
                    out[key].append(b.id)
    return out


# Reading keymap.toml.

_KEY_LINE = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_.\-]+))\s*=""")
_TABLE_LINE = re.compile(r"""^\s*\[\s*(?:"([^"]+)"|([A-Za-z0-9_.\-]+))\s*\]""")


def _lines_of(text: str) -> dict[str, int]:
    """binding id -> the line that sets it (bare dotted keys, quoted keys and [tables])."""
    where: dict[str, int] = {}
    table = ""
    for n, line in enumerate(text.splitlines(), 1):
        if m := _TABLE_LINE.match(line):
            table = m.group(1) or m.group(2)
            continue
        if m := _KEY_LINE.match(line):
            name = m.group(1) or m.group(2) or m.group(3)
            where.setdefault(f"{table}.{name}" if table else name, n)
    return where


def _flatten(data: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in data.items():
        name = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            out.update(_flatten(v, name))
        else:
            out[name] = v
    return out


def keymap_path(folder: Path) -> Path:
    return folder / FILE_NAME


def load(path: Path) -> Keymap:
    """The keymap at ``path`` checked against callroom's bindings. A missing file is no keymap."""
    km = Keymap(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return km
    except (OSError, UnicodeDecodeError) as e:
        km.problems.append(Problem(path, None, "(file)", f"cannot be read ({getattr(e, 'strerror', None) or e})", "every default key is kept"))
        return km
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        km.problems.append(Problem(path, int(m.group(1)) if m else None, "(file)", f"is not valid TOML ({e})", "every default key is kept"))
        return km
    lines = _lines_of(text)
    known = {b.id: b for b in bindings()}
    wanted: dict[str, str] = {}
    for bid, value in _flatten(data).items():
        line = lines.get(bid)
        if bid not in known:
            km.problems.append(Problem(path, line, bid, "no action has this id (callroom keys lists them)"))
            continue
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = ",".join(value)
        if not isinstance(value, str) or not value.strip():
            km.problems.append(Problem(path, line, bid, 'give the key as text, e.g. "ctrl+s" or "x,f5"'))
            continue
        keys = [normalise(k) for k in value.split(",") if k.strip()]
        bad = next(((k, why) for k in keys if (why := why_unsendable(k))), None)
        if bad:
            km.problems.append(Problem(path, line, bad[0], bad[1]))
            continue
        wanted[bid] = ",".join(dict.fromkeys(keys))
    km.keys = _without_clashes(wanted, lines, path, km.problems)
    km.problems.sort(key=lambda p: p.line or 0)
    return km


def _without_clashes(wanted: dict[str, str], lines: dict[str, int], path: Path, problems: list[Problem]) -> dict[str, str]:
    """Drop the remappings that give a key to two actions of one screen: the later line goes."""
    app = _app_class()
    screens = [app] + [c for c in _screen_classes() if c is not app]
    accepted = dict(wanted)
    while True:
        clash = _first_clash(accepted, screens, app)
        if clash is None:
            return accepted
        key, ids, where = clash
        mine = [i for i in ids if i in accepted]
        loser = max(mine, key=lambda i: lines.get(i, 0))
        others = [i for i in ids if i != loser]
        other = others[0] if others else None
        what = f"the action {other}" if other else "a built-in action"
        problems.append(Problem(path, lines.get(loser), display(key), f"already the key of {what} on the {where} screen"))
        del accepted[loser]


def _first_clash(keymap: dict[str, str], screens: list, app) -> tuple[str, list[str | None], str] | None:
    for cls in screens:
        effective: dict[str, list[str | None]] = {}
        for key, ids in _screen_keys(cls, app).items():
            for bid in ids:
                for k in (keymap[bid].split(",") if bid in keymap else [key]):
                    effective.setdefault(k, [])
                    if bid not in effective[k]:
                        effective[k].append(bid)
        for key, ids in effective.items():
            if len(ids) > 1 and any(i in keymap for i in ids):
                return key, ids, screen_name(cls) if cls is not app else "every"
    return None


def table(km: Keymap) -> list[BindingInfo]:
    """The effective key of every action, the keymap applied."""
    return [b.with_key(km.keys.get(b.id, b.key)) for b in bindings()]

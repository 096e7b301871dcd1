"""Record-level checks of a ledger at open: every record must read back as its model.

The journal engine only knows JSON documents; a hand-edited file can hold an
invoice without a number or a call whose date is ``42``. Such a record would
crash the app later, far from its cause, so :func:`check_records` reads every
record of the known tables once at open and names the first bad one (file, line,
table, id, field). In salvage mode it lists them all and leaves them out of the
in-memory data instead (the store is read-only then, so the file is never touched).
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..domain import models
from ..domain.money import to_decimal
from ..domain.policy import Policy
from .errors import DamagedFileError

__all__ = ["TABLES", "check_records", "record_problems"]

#: The tables callroom reads, with the model each record must fit.
TABLES: dict[str, type] = {
    "clients": models.Client,
    "invoices": models.Invoice,
    "payments": models.Payment,
    "calls": models.Call,
    "promises": models.Promise,
    "plans": models.Plan,
    "disputes": models.Dispute,
    "sessions": models.Session,
}

_SINGULAR = {name: name[:-1] for name in TABLES} | {"settings": "settings"}

_MISSING: Any = object()

Check = Callable[[Any], str | None]


def _is(*types: type) -> Check:
    def check(v: Any) -> str | None:
        return None if type(v) in types else "wrong type"
    return check


def _text_as(parse: Callable[[str], Any], what: str) -> Check:
    def check(v: Any) -> str | None:
        if type(v) is not str:
            return f"wrong type (expected {what} as text)"
        try:
            parse(v)
        except (ValueError, TypeError):
            return f"not {what}"
        return None
    return check


def _amount(v: Any) -> str | None:
    if type(v) not in (str, int):
        return "wrong type (expected an amount as text)"
    try:
        to_decimal(v)
    except (ValueError, TypeError):
        return "not an amount"
    return None


def _str_list(v: Any) -> str | None:
    if type(v) is not list or any(type(x) is not str for x in v):
        return "wrong type (expected a list of text)"
    return None


def _values(cls: type[enum.Enum]) -> frozenset[str]:
    return frozenset(m.value for m in cls)


def _member(cls: type[enum.Enum]) -> Check:
    values = _values(cls)

    def check(v: Any) -> str | None:
        return None if type(v) is str and v in values else f"not one of {', '.join(sorted(values))}"
    return check


def _kind(hint: Any) -> tuple[bool, str | None, Any]:
    """(None allowed, what a non-None value must be, enum values) for a field's type hint."""
    args = typing.get_args(hint)
    optional = type(None) in args
    if optional:
        rest = [a for a in args if a is not type(None)]
        hint = rest[0] if len(rest) == 1 else Any
    origin = typing.get_origin(hint)
    if hint is bool:
        return optional, "bool", None
    if hint is int:
        return optional, "int", None
    if hint is str:
        return optional, "str", None
    if hint is Decimal:
        return optional, "amount", None
    if hint is datetime:
        return optional, "datetime", None
    if hint is date:
        return optional, "date", None
    if hint is time:
        return optional, "time", None
    if origin is tuple:
        return optional, "texts", None
    if hint is dict or origin is dict:
        return optional, "dict", None
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return optional, "member", hint
    return True, None, None  # unknown: from_record decides


def _checker(hint: Any) -> tuple[bool, Check | None]:
    """(None allowed, check of a non-None value) for a field's type hint."""
    optional, kind, extra = _kind(hint)
    if kind in ("bool", "int", "str", "dict"):
        return optional, _is({"bool": bool, "int": int, "str": str, "dict": dict}[kind])
    if kind == "amount":
        return optional, _amount
    if kind == "datetime":
        return optional, _text_as(datetime.fromisoformat, "a date and time")
    if kind == "date":
        return optional, _text_as(date.fromisoformat, "a date (YYYY-MM-DD)")
    if kind == "time":
        return optional, _text_as(time.fromisoformat, "a time (HH:MM)")
    if kind == "texts":
        return optional, _str_list
    if kind == "member":
        return optional, _member(extra)
    return optional, None


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str
    required: bool
    optional: bool
    check: Check | None


_FIELDS: dict[type, list[_Field]] = {}


def _fields(cls: type) -> list[_Field]:
    found = _FIELDS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = []
        for f in dataclasses.fields(cls):
            if f.name == "id":
                continue
            optional, check = _checker(hints[f.name])
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            found.append(_Field(f.name, required, optional, check))
        _FIELDS[cls] = found
    return found


def _why(cls: type, doc: dict[str, Any], doc_id: int | None) -> str | None:
    """What is wrong with one stored record, or None."""
    for f in _fields(cls):
        if f.name not in doc:
            if f.required:
                return f"missing field {f.name!r}"
            continue
        v = doc[f.name]
        if v is None:
            if not f.optional:
                return f"field {f.name!r} is empty (null)"
            continue
        if f.check is not None:
            why = f.check(v)
            if why is not None:
                return f"field {f.name!r}: {why}: {_show(v)}"
    if cls is Policy:
        try:
            Policy.from_record(doc).validate()
        except Exception as exc:  # noqa: BLE001 - any failure to read it back is the finding
            return f"does not read back ({exc})"
    # Records: the checks above are exactly what from_record relies on, and
    # calling it too would double the cost of opening a big ledger.
    return None


#: A scan of a whole table: takes an iterator of ``(key, doc)`` items and the memos
#: (see :func:`_scanner`), returns the key of the first doc that is not fine
#: (the iterator then resumes after it), or None at the end.
Scan = Callable[..., "str | None"]

_SCANS: dict[type, Scan] = {}

#: Plain text values up to this length are shared between records (see _scanner).
_SHARE_MAX = 24


def _scanner(cls: type) -> Scan:
    """A generated loop equivalent to ``_why(cls, doc) is None`` for each doc, without
    a function call per doc or per field: ~0.1 s for the 200,000 records of a big
    ledger, where calling ``_why`` per record takes over a second.

    It also makes equal short values one object: a big ledger holds the same
    dates, codes, currencies and amounts hundreds of thousands of times, each
    parsed into its own string, so sharing them saves a quarter of the memory
    the documents take (~60 MB on the benchmark ledger). Dates and amounts are
    only parsed once each, which is where sharing pays for itself: a value
    found in its memo is already known to be valid.
    """
    found = _SCANS.get(cls)
    if found is not None:
        return found
    hints = typing.get_type_hints(cls)
    env: dict[str, Any] = {
        "M": _MISSING, "D": Decimal,
        "p_date": date.fromisoformat, "p_datetime": datetime.fromisoformat, "p_time": time.fromisoformat,
    }
    src = [
        "def scan(items, dates, datetimes, times, amounts, texts):",
        "    share = texts.setdefault",
        "    for key, doc in items:",
        "        if type(doc) is not dict:",
        "            return key",
        "        get = doc.get",
    ]
    fail = "return key"

    def add(depth: int, *lines: str) -> None:
        src.extend("    " * depth + line for line in lines)

    for i, f in enumerate(_fields(cls)):
        optional, kind, extra = _kind(hints[f.name])
        add(2, f"v = get({f.name!r}, M)", "if v is M:")
        add(3, fail if f.required else "pass")
        add(2, "elif v is None:")
        add(3, "pass" if optional else fail)
        if kind is None:
            continue
        if kind in ("bool", "int", "dict"):
            add(2, f"elif type(v) is not {kind}:", "    " + fail)
        elif kind == "str":
            add(2, "elif type(v) is not str:", "    " + fail,
                f"elif len(v) <= {_SHARE_MAX}:",
                "    w = share(v, v)",
                "    if w is not v:",
                f"        doc[{f.name!r}] = w")
        elif kind in ("date", "datetime", "time"):
            memo = kind + "s"
            add(2, "elif type(v) is not str:", "    " + fail,
                "else:",
                f"    w = {memo}.get(v)",
                "    if w is None:",
                "        try:",
                f"            p_{kind}(v)",
                "        except Exception:",  # _why then says why (or raises, as before)
                "            " + fail,
                f"        {memo}[v] = v",
                "    elif w is not v:",
                f"        doc[{f.name!r}] = w")
        elif kind == "amount":
            add(2, "elif type(v) is str:",
                "    w = amounts.get(v)",
                "    if w is None:",
                "        try:",
                "            if not D(v.strip()).is_finite():",
                "                " + fail,
                "        except Exception:",
                "            " + fail,
                "        amounts[v] = v",
                "    elif w is not v:",
                f"        doc[{f.name!r}] = w",
                "elif type(v) is not int:",
                "    " + fail)
        elif kind == "texts":
            add(2, "elif type(v) is not list:", "    " + fail,
                "else:",
                "    for x in v:",
                "        if type(x) is not str:",
                "            " + fail)
        elif kind == "member":
            env[f"codes{i}"] = {c: c for c in _values(extra)}
            add(2, "elif type(v) is not str:", "    " + fail,
                "else:",
                f"    w = codes{i}.get(v)",
                "    if w is None:",
                "        " + fail,
                "    elif w is not v:",
                f"        doc[{f.name!r}] = w")
        else:  # pragma: no cover - _kind and this list go together
            raise AssertionError(kind)
    src.append("    return None")
    exec("\n".join(src), env)  # noqa: S102 - source built above from dataclass field names only
    found = _SCANS[cls] = env["scan"]
    return found


def _show(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def record_problems(data: dict[str, dict[str, dict[str, Any]]]) -> Iterator[tuple[str, int, str]]:
    """Yield ``(table, doc_id, why)`` for every record of a known table that does not fit its model.

    Equal short values of the records checked become one shared object (see :func:`_scanner`).
    """
    memos: tuple[dict[str, str], ...] = ({}, {}, {}, {}, {})  # dates, datetimes, times, amounts, texts
    for table, cls in TABLES.items():
        docs = data.get(table) or {}
        items = iter(docs.items())
        scan = _scanner(cls)
        while (key := scan(items, *memos)) is not None:
            doc = docs[key]
            why = (_why(cls, doc, int(key)) if type(doc) is dict else "not a JSON object") or "does not fit its model"
            yield table, int(key), why
    for key, doc in (data.get("settings") or {}).items():
        for name in ("currency", "business", "caller"):
            if name in doc and doc[name] is not None and type(doc[name]) is not str:
                yield "settings", int(key), f"field {name!r}: wrong type: {_show(doc[name])}"
                break
        else:
            policy = doc.get("policy")
            if policy is None:
                continue
            if type(policy) is not dict:
                yield "settings", int(key), f"field 'policy': wrong type: {_show(policy)}"
                continue
            known = {k: v for k, v in policy.items() if k in {f.name for f in _fields(Policy)}}
            why = _why(Policy, known, None)
            if why is not None:
                yield "settings", int(key), f"policy {why}"


def describe(table: str, doc_id: int, why: str) -> str:
    """``invoice #12: missing field 'number'``"""
    return f"{_SINGULAR.get(table, table)} #{doc_id}: {why}"


def check_records(
    data: dict[str, dict[str, dict[str, Any]]],
    path: Path,
    locate: Callable[[set[tuple[str, int]]], dict[tuple[str, int], int]],
    *,
    salvage: bool = False,
) -> list[tuple[int, str]]:
    """Raise :class:`DamagedFileError` for the first bad record (strict), or in salvage
    mode drop every bad record from ``data`` and return ``(line, what)`` for each.

    ``locate`` maps ``(table, id)`` to the line that last wrote the record; it is
    only called when something is wrong (it rereads the file).
    """
    if not salvage:
        first = next(record_problems(data), None)
        if first is None:
            return []
        table, doc_id, why = first
        line = locate({(table, doc_id)}).get((table, doc_id), 0)
        raise DamagedFileError(path, line, describe(table, doc_id, why))
    bad = list(record_problems(data))
    if not bad:
        return []
    lines = locate({(t, i) for t, i, _ in bad})
    out = []
    for table, doc_id, why in bad:
        data[table].pop(str(doc_id), None)
        out.append((lines.get((table, doc_id), 0), describe(table, doc_id, why)))
    return out

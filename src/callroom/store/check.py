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

__all__ = ["TABLES", "Precheck", "check_records", "record_problems"]

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
    "written": models.Written,
    "escalations": models.Escalation,
}

_SINGULAR = {name: name[:-1] for name in TABLES} | {"settings": "settings", "written": "written message",
                                               "escalations": "escalation step"}

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
    kind: str | None = None  # see _kind
    codes: frozenset[str] = frozenset()  # kind "member": the values allowed


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
            _, kind, extra = _kind(hints[f.name])
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            found.append(_Field(f.name, required, optional, check, kind, _values(extra) if kind == "member" else frozenset()))
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


#: Plain text values up to this length are shared between records (see _scanner):
#: codes, currencies, statuses, terms repeat; longer text (names, notes) rarely does.
_SHARE_MAX = 8

_MISSING: Any = object()


class _Memos:
    """Values already found valid, by kind: each distinct date or amount is parsed
    once per open, and equal values of many records become one object."""

    def __init__(self) -> None:
        self.dates: dict[str, str] = {}
        self.times: dict[str, str] = {}
        self.amounts: dict[str, str] = {}
        self.texts: dict[str, str] = {}

    def all(self) -> tuple[dict[str, str], ...]:
        return self.dates, self.times, self.amounts, self.texts


#: A scan of a table: ``scan(items, dates, times, amounts, texts)`` reads
#: ``(key, doc)`` pairs from the iterator ``items`` and returns the key of the first
#: doc that does not fit (the iterator then resumes after it), or None at the end.
Scan = Callable[..., "str | None"]

_SCANS: dict[type, Scan] = {}


def _scanner(cls: type) -> Scan:
    """A loop generated from the fields of ``cls``, equivalent to ``_why(cls, doc) is
    None`` for each doc without a function call per doc or per field: ~0.3 s for
    the 200,000 records of the benchmark ledger. (Checking a field at a time over
    all records in C loops, ``map`` and ``set``, is slower: it walks all records
    once per field, and they do not fit in the CPU's caches.)

    It also makes equal values one object: a big ledger holds the same dates,
    codes, currencies, statuses and amounts hundreds of thousands of times, each
    parsed into its own string. Sharing them takes ~50 MB off the peak memory
    of a session on the benchmark ledger (311 -> 259 MB) for ~0.1 s more, part
    of it paid back: a value found in its memo is already known to be valid, so
    each distinct date or amount is parsed once. Only values are replaced, by
    equal ones: the data is unchanged. (``_SHARE_MAX = 0`` stops sharing plain
    text: 276 MB, ~0.05 s less.)
    """
    found = _SCANS.get(cls)
    if found is not None:
        return found
    env: dict[str, Any] = {
        "M": _MISSING, "D": Decimal,
        "p_date": date.fromisoformat, "p_datetime": datetime.fromisoformat, "p_time": time.fromisoformat,
    }
    src = [
        "def scan(items, dates, times, amounts, texts):",
        "    share = texts.setdefault",
        "    for key, doc in items:",
        "        if type(doc) is not dict:",
        "            return key",
        "        get = doc.get",
    ]
    fail = "return key"

    def add(*lines: str) -> None:
        src.extend("        " + line for line in lines)

    def keep(name: str) -> str:
        return f"doc[{name!r}] = w"

    for i, f in enumerate(_fields(cls)):
        add(f"v = get({f.name!r}, M)", "if v is M:", "    " + (fail if f.required else "pass"),
            "elif v is None:", "    " + ("pass" if f.optional else fail))
        kind = f.kind
        if kind is None:
            continue
        if kind in ("bool", "int", "dict"):
            add(f"elif type(v) is not {kind}:", "    " + fail)
        elif kind == "str":
            add("elif type(v) is not str:", "    " + fail,
                f"elif len(v) <= {_SHARE_MAX}:",
                "    w = share(v, v)",
                "    if w is not v:",
                "        " + keep(f.name))
        elif kind == "datetime":  # nearly all distinct (the time of a call): no memo
            add("elif type(v) is not str:", "    " + fail,
                "else:",
                "    try:",
                "        p_datetime(v)",
                "    except Exception:",
                "        " + fail)
        elif kind in ("date", "time"):
            memo = kind + "s"
            add("elif type(v) is not str:", "    " + fail,
                "else:",
                f"    w = {memo}.get(v)",
                "    if w is None:",
                "        try:",
                f"            p_{kind}(v)",
                "        except Exception:",  # _why then says why (or raises, as it always did)
                "            " + fail,
                f"        {memo}[v] = v",
                "    elif w is not v:",
                "        " + keep(f.name))
        elif kind == "amount":
            add("elif type(v) is str:",
                "    w = amounts.get(v)",
                "    if w is None:",
                "        try:",
                "            if not D(v.strip()).is_finite():",  # what to_decimal does with text
                "                " + fail,
                "        except Exception:",
                "            " + fail,
                "        amounts[v] = v",
                "    elif w is not v:",
                "        " + keep(f.name),
                "elif type(v) is not int:",
                "    " + fail)
        elif kind == "texts":
            add("elif type(v) is not list:", "    " + fail,
                "else:",
                "    for x in v:",
                "        if type(x) is not str:",
                "            " + fail)
        elif kind == "member":
            env[f"codes{i}"] = {c: c for c in f.codes}
            add("elif type(v) is not str:", "    " + fail,
                "else:",
                f"    w = codes{i}.get(v)",
                "    if w is None:",
                "        " + fail,
                "    elif w is not v:",
                "        " + keep(f.name))
        else:  # pragma: no cover - _kind and this list go together
            raise AssertionError(kind)
    src.append("    return None")
    exec("\n".join(src), env)  # noqa: S102 - source built above from dataclass field names only
    found = _SCANS[cls] = env["scan"]
    return found


def _table_ok(cls: type, docs: dict[str, Any], memos: _Memos) -> bool:
    """True when every record of ``docs`` fits ``cls`` (see :func:`_scanner`)."""
    return _scanner(cls)(iter(docs.items()), *memos.all()) is None


# -- the same check in C, for a whole snapshot line at once ----------------------------------------

try:
    import msgspec
except ImportError:  # pragma: no cover - a dependency; without it every line takes the loop above
    msgspec = None  # type: ignore[assignment]

#: Per model, what decoding a snapshot line as typed structs leaves to check in Python:
#: ``(field, kind)`` of the amounts, dates, times and datetimes (text that must parse).
_LINES: dict[type, tuple[Any, tuple[tuple[str, str], ...], bool]] = {}


def _line_type(cls: type) -> tuple[Any, tuple[tuple[str, str], ...], bool]:
    """``(decoder of a snapshot line of cls, fields left to check, records carry client_id)``.

    Each record decodes as a struct whose fields are typed as :func:`_why` requires them:
    a required field without a default, None only where the model allows it, whole
    numbers that are not true/false, one of the codes for an enum, lists of text. msgspec
    then refuses in C every record the check would refuse for its shape; what it accepts
    the check accepts, but for the text of amounts and dates (left to :meth:`Precheck.line`).
    A line it refuses is checked the slow way, which names the record and field."""
    found = _LINES.get(cls)
    if found is not None:
        return found
    from typing import Literal, Optional, Union

    spec = []
    later = []
    for f in _fields(cls):
        kind = f.kind
        if kind in ("bool", "int", "str", "dict"):
            t: Any = {"bool": bool, "int": int, "str": str, "dict": dict}[kind]
        elif kind == "amount":
            t = Union[str, int]
            later.append((f.name, kind))
        elif kind in ("date", "time", "datetime"):
            t = str
            later.append((f.name, kind))
        elif kind == "texts":
            t = list[str]
        elif kind == "member":
            t = Literal[tuple(sorted(f.codes))]  # type: ignore[misc]
        else:
            t = Any
        if f.optional and t is not Any:
            t = Optional[t]
        spec.append((f.name, t) if f.required else (f.name, t, None))
    record = msgspec.defstruct(f"_{cls.__name__}", spec, kw_only=True)
    line = msgspec.defstruct(f"_{cls.__name__}Line", [("seq", int), ("crc", str), ("table", str), ("docs", dict[str, record])],
                             forbid_unknown_fields=True)
    found = _LINES[cls] = (msgspec.json.Decoder(line).decode, tuple(later), any(f.name == "client_id" for f in _fields(cls)))
    return found


def _texts_ok(values: Any, kind: str, memos: _Memos) -> bool:
    """Text values of one kind parse as the check wants (None: a field left out, or allowed empty)."""
    memo = {"amount": memos.amounts, "date": memos.dates, "time": memos.times}.get(kind)
    parse = {"date": date.fromisoformat, "time": time.fromisoformat, "datetime": datetime.fromisoformat}.get(kind)
    for v in values:
        if v is None or (memo is not None and v in memo):
            continue
        if kind == "amount":
            if type(v) is int:
                continue
            try:
                if not Decimal(v.strip()).is_finite():
                    return False
            except Exception:  # noqa: BLE001 - as _amount: not an amount
                return False
        else:
            try:
                parse(v)  # type: ignore[misc]
            except Exception:  # noqa: BLE001 - as _text_as: not a date
                return False
        if memo is not None:
            memo[v] = v
    return True


class Precheck:
    """Checks each table of a ledger as it is read, before the journal is replayed
    (``open_db(..., on_table=precheck)``), so that :func:`check_records` then only
    reads the records the journal changed. Tables are checked while fresh, and
    the memory freed by sharing equal values goes to the tables read after them
    instead of adding to the peak of the open.
    """

    def __init__(self) -> None:
        self.memos = _Memos()
        #: Per table: True if every record of its snapshot line fits its model.
        self.verdicts: dict[str, bool] = {}

    def __call__(self, name: str, docs: dict[str, Any]) -> None:
        """One snapshot line's documents of table ``name`` (a table may take several lines)."""
        cls = TABLES.get(name)
        if cls is not None and self.verdicts.get(name) is not False:
            self.verdicts[name] = _table_ok(cls, docs, self.memos)

    def line(self, name: str, line: Any) -> list[Any] | None:
        """A whole snapshot line of table ``name`` checked at once (see :func:`_line_type`):
        the ``client_id`` of each of its records in order when every record fits its model
        (the line then counts as checked, as :meth:`__call__` would have), None when this
        cannot tell (a table of no model, a record it refuses): the line is then decoded
        and checked the slow way, which says what is wrong."""
        cls = TABLES.get(name)
        if cls is None or msgspec is None or self.verdicts.get(name) is False:
            return None
        decode, later, has_client = _line_type(cls)
        try:
            docs = decode(line).docs
        except Exception:  # noqa: BLE001 - msgspec refused it: the slow way says why
            return None
        memos = self.memos
        for field_name, kind in later:
            if not _texts_ok([getattr(d, field_name) for d in docs.values()], kind, memos):
                return None
        self.verdicts[name] = True
        if not has_client:
            return [None] * len(docs)
        return [d.client_id for d in docs.values()]

    def all_fine(self, data: dict[str, dict[str, dict[str, Any]]], touched: dict[str, set[str]]) -> bool:
        """True when every record of ``data`` fits its model, given that the journal
        put only the ``touched`` ids after the snapshot was checked (a deleted
        record cannot be a bad one)."""
        for table, cls in TABLES.items():
            docs = data.get(table) or {}
            verdict = self.verdicts.get(table)
            if verdict is False:
                return False
            if verdict is True:
                keys = touched.get(table, ())
                docs = {k: docs[k] for k in keys if k in docs}
            if not _table_ok(cls, docs, self.memos):
                return False
        return not any(_settings_problems(data))


def _show(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def record_problems(data: dict[str, dict[str, dict[str, Any]]]) -> Iterator[tuple[str, int, str]]:
    """Yield ``(table, doc_id, why)`` for every record of a known table that does not fit its model.

    Equal values of the records checked may become one shared object (see :func:`_table_ok`).
    """
    memos = _Memos()
    for table, cls in TABLES.items():
        docs = data.get(table) or {}
        items = iter(docs.items())
        scan = _scanner(cls)
        while (key := scan(items, *memos.all())) is not None:
            doc = docs[key]
            why = (_why(cls, doc, int(key)) if type(doc) is dict else "not a JSON object") or "does not fit its model"
            yield table, int(key), why
    yield from _settings_problems(data)


def _settings_problems(data: dict[str, dict[str, dict[str, Any]]]) -> Iterator[tuple[str, int, str]]:
    for key, doc in (data.get("settings") or {}).items():
        for name in ("currency", "business", "caller", "import_as_of"):
            if name in doc and doc[name] is not None and type(doc[name]) is not str:
                yield "settings", int(key), f"field {name!r}: wrong type: {_show(doc[name])}"
                break
        else:
            for name in ("profile", "logo"):
                if doc.get(name) is not None and type(doc[name]) is not dict:
                    yield "settings", int(key), f"field {name!r}: wrong type: {_show(doc[name])}"
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
    precheck: Precheck | None = None,
    touched: dict[str, set[str]] | None = None,
) -> list[tuple[int, str]]:
    """Raise :class:`DamagedFileError` for the first bad record (strict), or in salvage
    mode drop every bad record from ``data`` and return ``(line, what)`` for each.

    ``locate`` maps ``(table, id)`` to the line that last wrote the record; it is
    only called when something is wrong (it rereads the file). With the
    ``precheck`` that saw the snapshot as it was read and the ids the journal
    ``touched`` since, only those are read again when the snapshot was fine.
    """
    if precheck is not None and touched is not None and precheck.all_fine(data, touched):
        return []
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

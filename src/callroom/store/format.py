"""The ledger's line format: how a line is written and how it is checked. No file access.

Owns: the header, the table snapshot lines, the journal lines, the sequence number and
CRC-32 every line carries, the journal operations (:class:`Put`, :class:`Delete`,
:class:`Clear`) and how they apply to tables, and the record kept beside the ledger
(:class:`Tip`, written into the seal file by :mod:`callroom.store.seal`).
Imports nothing of the store but its errors; ``reading``, ``writing``, ``seal`` and
``legacy`` build on it.

Layout 2, one JSON object per line (JSON Lines, readable with any text tool)::

    {"seq":7,"crc":"1c291ca3","format":"callroom","layout":2,"schema":1,"created":"…","ledger":"9f2c…","gen":3}
    {"seq":8,"crc":"…","table":"calls","docs":{"1":{…},"2":{…}}}       <- snapshot: a table takes one or
    {"seq":9,"crc":"…","table":"calls","docs":{"1001":{…}}}               more lines in a row (SNAPSHOT_DOCS each)
    {"seq":10,"crc":"…","tx":[{"t":"calls","put":3,"doc":{…}}]}         <- journal: one line per transaction
    {"seq":11,"crc":"…","aux":"<name>",…}                                <- checked, then skipped (see AUX)

* ``seq``: each line's is the line before's plus one. A compaction's new header goes on
  counting from the last line of the file it replaces, so ``(ledger, seq)`` names one
  state of a ledger over its whole life. A missing, repeated or reordered line breaks
  the count and is named by its line number.
* ``crc``: CRC-32 (zlib) of the ``seq`` digits, then of every byte after the ``crc``
  field's closing quote up to the newline: a flipped byte anywhere in a line is found.
* ``ledger``: a random id given when the ledger is created; ``gen`` goes up by one with
  every whole-file rewrite (compaction, migration, repair). With ``seq`` and the CRC of the
  last line they make a :class:`Tip`: what the seal records after each acknowledged write,
  and what anything kept beside the ledger (an index, a summary) can be checked against.

Layout 1 (callroom 0.1: no ``seq``, ``crc``, ``layout``, ``ledger``, ``gen``) is read by
:mod:`callroom.store.legacy` and converted on the first open for writing.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeAlias, Union

__all__ = [
    "AUX", "FORMAT", "LAYOUT", "LINE_START", "SLOT_SIZE", "SNAPSHOT_DOCS", "Clear", "Delete", "Header", "Op", "Put",
    "Tip", "apply_raw", "aux_line", "bad_docs", "chain_crc", "check_op", "copy_json", "decode_json", "decode_slot", "encode", "encode_ops",
    "encode_slot", "header_line", "is_doc_key", "journal_line", "keys_canonical", "line_crc", "line_tip_crc", "make_line",
    "new_ledger_id", "read_header", "snapshot_line_raw", "snapshot_lines", "split_line",
]

FORMAT = "callroom"

_ATOMS = frozenset({str, int, float, bool, type(None)})


def copy_json(value: Any) -> Any:
    """Deep copy of JSON data, several times faster than ``copy.deepcopy``: wherever a
    document leaves or enters the store by reference (an in-place edit of a shared nested
    list would change memory but not disk; a model never shares a dict with the store)."""
    t = type(value)
    if t is dict:
        return {k: (v if type(v) in _ATOMS else copy_json(v)) for k, v in value.items()}
    if t is list:
        return [v if type(v) in _ATOMS else copy_json(v) for v in value]
    return value

#: The line layout this release writes (the ``schema`` of the records is separate).
LAYOUT = 2
#: Documents per snapshot line. Small enough that a damaged line loses few records and
#: that a line decodes in a few milliseconds (a reader may work through a big table in
#: steps); big enough that the per-line cost is nothing.
SNAPSHOT_DOCS = 1000
#: The key of a line kind this release checks (sequence, checksum) and otherwise skips:
#: room for what a later release keeps in the ledger (a summary, an index) without a
#: new layout. ``{"seq":…,"crc":…,"aux":"<name>", …}``.
AUX = "aux"

Doc: TypeAlias = dict[str, Any]
Tables: TypeAlias = dict[str, dict[str, Doc]]

encode: Callable[[Any], str] = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode

try:
    import msgspec

    #: Parses a line about 1.5x faster than ``json.loads`` and straight from bytes. What it
    #: accepts, it reads exactly as ``json`` does (big integers stay ints); what it refuses
    #: goes through ``json`` for the same result and the same error message.
    _fast_loads: Callable[[Any], Any] | None = msgspec.json.Decoder().decode
    _fast_dumps: Callable[[Any], bytes] | None = msgspec.json.Encoder().encode
except ImportError:  # pragma: no cover - a dependency; the stdlib path is the reference
    _fast_loads = _fast_dumps = None


# -- sequence and checksum ----------------------------------------------------------------

_PREFIX = re.compile(rb'\{"seq":(0|[1-9][0-9]{0,17}),"crc":"([0-9a-f]{8})"')
#: Every layout-2 line starts with these bytes (a torn append is a prefix of a line).
LINE_START = b'{"seq":'


def line_crc(seq_digits: bytes, rest: bytes | memoryview) -> int:
    """The checksum of a line: CRC-32 of its ``seq`` digits, then of ``rest`` (after the ``crc`` field)."""
    return zlib.crc32(rest, zlib.crc32(seq_digits))


def make_line(seq: int, body: str) -> bytes:
    """``{"seq":N,"crc":"…",<body>}\\n``; ``body`` is the object's other members, as JSON text."""
    digits = str(seq).encode("ascii")
    rest = ("," + body + "}").encode("utf-8")
    return b'{"seq":%s,"crc":"%08x"%s\n' % (digits, line_crc(digits, rest), rest)


def split_line(line: bytes | memoryview | bytearray) -> tuple[int | None, bool]:
    """``(seq, checksum matches)`` of a layout-2 line (without its newline); seq None when
    the line does not even start like one."""
    m = _PREFIX.match(line)
    if m is None:
        return None, False
    digits, crc = m.group(1), m.group(2)
    return int(digits), line_crc(digits, memoryview(line)[m.end():]) == int(crc, 16)


def chain_crc(chain: int, crc: int) -> int:
    """The running checksum of a file's line checksums (start from 0, add each line's
    stored ``crc`` in order): since each line's checksum covers the line, equal chains
    at equal tips mean equal files. What is kept beside a ledger is checked against it."""
    return zlib.crc32(b"%08x" % crc, chain)


def line_tip_crc(line: bytes | memoryview | bytearray) -> int:
    """The stored checksum of a line already checked by :func:`split_line`."""
    m = _PREFIX.match(line)
    assert m is not None
    return int(m.group(2), 16)


# -- header ----------------------------------------------------------------------------------


def new_ledger_id() -> str:
    return os.urandom(8).hex()


@dataclass(frozen=True)
class Header:
    schema: int
    created: str | None
    ledger: str
    gen: int


def header_line(seq: int, header: Header) -> bytes:
    body = encode({"format": FORMAT, "layout": LAYOUT, "schema": header.schema, "created": header.created,
                   "ledger": header.ledger, "gen": header.gen})[1:-1]
    return make_line(seq, body)


def read_header(obj: dict[str, Any]) -> Header | str:
    """The header of a layout-2 file, or why ``obj`` (line 1, sequence and checksum already
    checked) is not one. A ``layout`` above :data:`LAYOUT` is returned as such by the caller."""
    if obj.get("format") != FORMAT:
        return f'not a callroom file (the first line must be a {{"format": "{FORMAT}", ...}} header)'
    schema, ledger, gen = obj.get("schema"), obj.get("ledger"), obj.get("gen")
    if type(schema) is not int or schema < 1:
        return "the header has no valid schema version"
    if type(ledger) is not str or not ledger or type(gen) is not int or gen < 1:
        return "the header has no valid ledger id or generation"
    created = obj.get("created")
    return Header(schema, created if type(created) is str else None, ledger, gen)


# -- snapshot and journal lines ------------------------------------------------------------------


def snapshot_lines(name: str, docs: Mapping[str, Any], first_seq: int) -> Iterator[bytes]:
    """A table as snapshot lines of at most :data:`SNAPSHOT_DOCS` documents, numbered from ``first_seq``."""
    key = encode(name)
    items = list(docs.items())
    seq = first_seq
    for start in range(0, max(len(items), 1), SNAPSHOT_DOCS):
        part = dict(items[start:start + SNAPSHOT_DOCS])
        yield make_line(seq, f'"table":{key},"docs":{encode(part)}')
        seq += 1


def snapshot_line_raw(seq: int, name: str, docs: list[tuple[str, bytes]]) -> tuple[bytes, list[int]]:
    """One snapshot line of documents already encoded (``(key, JSON text)``, keys
    canonical), as :func:`snapshot_lines` writes them, and the offset of each document
    in the line: a rewrite lays out the new file without decoding anything."""
    parts = [b',"table":', encode(name).encode("utf-8"), b',"docs":{']
    pos = sum(map(len, parts))
    offsets = []
    sep = b'"'
    for key, raw in docs:
        token = sep + key.encode("ascii") + b'":'
        pos += len(token)
        offsets.append(pos)
        pos += len(raw)
        parts += (token, raw)
        sep = b',"'
    parts.append(b"}}")
    rest = b"".join(parts)
    digits = str(seq).encode("ascii")
    line = b'{"seq":%s,"crc":"%08x"%s\n' % (digits, line_crc(digits, rest), rest)
    shift = len(line) - 1 - len(rest)
    return line, [shift + o for o in offsets]


def journal_line(seq: int, op_texts: Iterable[str]) -> bytes:
    """One transaction: ``op_texts`` are ops as JSON text (see :func:`encode_ops`)."""
    return make_line(seq, '"tx":[' + ",".join(op_texts) + "]")


def aux_line(seq: int, name: str, members: Mapping[str, Any]) -> bytes:
    """A line this release checks and skips (see :data:`AUX`)."""
    body = encode({AUX: name, **{k: v for k, v in members.items() if k not in ("seq", "crc", AUX)}})[1:-1]
    return make_line(seq, body)


class Put(NamedTuple):
    """Store ``doc`` under ``doc_id`` in ``table`` (insert or replace)."""

    table: str
    doc_id: int
    doc: Mapping[str, Any]


class Delete(NamedTuple):
    """Remove document ``doc_id`` from ``table`` (no-op if absent)."""

    table: str
    doc_id: int


class Clear(NamedTuple):
    """Empty ``table`` (and create it if it does not exist)."""

    table: str


Op: TypeAlias = Union[Put, Delete, Clear]


def encode_ops(ops: Iterable[Op]) -> tuple[str, list[dict[str, Any]]]:
    """The ops as journal text (without the brackets), and parsed back from that text.

    Memory then holds exactly what a reopen would load (tuples become lists, keys
    become strings...) and no reference to the caller's objects. One encode and one
    decode for the whole batch: per-document calls cost ~3x more in ``insert_multiple``.
    """
    raw: list[dict[str, Any]] = []
    for op in ops:
        table = op.table
        if type(table) is not str:
            raise TypeError(f"table names are strings, not {type(table).__name__}")
        if type(op) is Clear:
            raw.append({"t": table, "clear": True})
            continue
        doc_id = op.doc_id
        if not isinstance(doc_id, int) or isinstance(doc_id, bool) or doc_id < 0:
            raise ValueError(f"document ids are whole numbers >= 0, not {doc_id!r}")
        if type(op) is Delete:
            raw.append({"t": table, "del": int(doc_id)})
            continue
        doc = op.doc
        if not isinstance(doc, Mapping):
            raise TypeError(f"a document must be a mapping, not {type(doc).__name__}")
        raw.append({"t": table, "put": int(doc_id), "doc": doc if isinstance(doc, dict) else dict(doc)})
    if not raw:
        return "", []
    if _fast_dumps is not None and _fast_loads is not None:
        # msgspec writes JSON several times faster, but also writes what json refuses (a Decimal as
        # text, NaN as null, a date) and spells some values its own way (a tuple as a list). Read
        # back equal to the ops, they held nothing but JSON's own values: its text (a float perhaps
        # spelled otherwise, 1e16 for 1e+16) reads as json's does. Anything else is json's to write
        # or refuse, as ever.
        try:
            data = _fast_dumps(raw)
            parsed = _fast_loads(data)
            same = parsed == raw
        except Exception:  # noqa: BLE001 - not msgspec's to write (a lone surrogate, a set key)
            same = False
        if same:
            return data[1:-1].decode("utf-8"), parsed
    text = encode(raw)
    try:
        if _fast_loads is None:
            raise ValueError
        parsed = _fast_loads(text)  # as a reopen reads it, faster
    except Exception:  # noqa: BLE001 - what msgspec refuses (a lone surrogate), json reads
        parsed = json.loads(text)
    return text[1:-1], parsed


def check_op(op: Any) -> str | None:
    """Why a journal op is malformed, or None if it is well formed."""
    if type(op) is not dict:
        return "an operation is not a JSON object"
    table = op.get("t")
    if type(table) is not str:
        return "an operation has no table name"
    keys = op.keys()
    if keys == {"t", "put", "doc"}:
        if type(op["put"]) is not int or op["put"] < 0:
            return f"a put in table {table!r} has a bad document id"
        if type(op["doc"]) is not dict:
            return f"document {op['put']} in table {table!r} is not a JSON object"
        return None
    if keys == {"t", "del"}:
        if type(op["del"]) is not int or op["del"] < 0:
            return f"a delete in table {table!r} has a bad document id"
        return None
    if keys == {"t", "clear"} and op["clear"] is True:
        return None
    return f"an operation on table {table!r} is neither put, del nor clear"


def apply_raw(data: Tables, op: dict[str, Any]) -> None:
    """Replay one checked journal op onto ``data``."""
    table = op["t"]
    if "put" in op:
        data.setdefault(table, {})[str(op["put"])] = op["doc"]
    elif "del" in op:
        docs = data.get(table)
        if docs is not None:
            docs.pop(str(op["del"]), None)
    else:
        data[table] = {}


def is_doc_key(key: Any) -> bool:
    """Canonical decimal id ("0", "17"; not "017", "-1", "x"), so int() round-trips."""
    return type(key) is str and key.isdigit() and key.isascii() and (key[0] != "0" or len(key) == 1)


def keys_canonical(keys: list[Any]) -> bool:
    """Every key is a canonical decimal id (see :func:`is_doc_key`), checked in C loops."""
    try:
        digits = "".join(keys)
    except TypeError:  # a key that is not a str
        return False
    return (digits.isdigit() or not keys) and digits.isascii() and "" not in keys and (
        ("," + ",".join(keys)).count(",0") == ("0" in keys))


def bad_docs(docs: dict[Any, Any]) -> Iterator[tuple[Any, str]]:
    """Yield ``(key, reason)`` for every entry of a snapshot that is not a valid document."""
    # Fast path first, all in C loops: on a healthy 100,000-document table this is all
    # that runs, in ~35 ms instead of ~300 ms key by key. Every key is canonical when all
    # their characters are ASCII digits, none is empty, and none but "0" starts with "0".
    try:
        digits = "".join(docs)
    except TypeError:  # a key that is not a str
        pass
    else:
        if (
            digits.isdigit()
            and digits.isascii()
            and "" not in docs
            and (("," + ",".join(docs)).count(",0") == ("0" in docs))
            and set(map(type, docs.values())) <= {dict}
        ):
            return
    for key, doc in docs.items():
        if not is_doc_key(key):
            yield key, f"document id {key!r} is not a whole number"
        elif type(doc) is not dict:
            yield key, f"document {key} is not a JSON object"


def decode_json(line: bytes | memoryview | bytearray) -> tuple[Any, str | None]:
    """``(value, None)``, or ``(None, why)`` worded as ``json`` words it."""
    try:
        if _fast_loads is None:
            raise ValueError
        return _fast_loads(line), None
    except Exception:  # noqa: BLE001 - json decides, and words the error
        try:
            return json.loads(bytes(line).decode("utf-8")), None
        except UnicodeDecodeError as exc:
            return None, f"not UTF-8 text (byte {exc.start + 1})"
        except json.JSONDecodeError as exc:
            return None, f"not valid JSON ({exc.msg} at column {exc.colno})"


# -- the record beside the ledger ------------------------------------------------------------------


@dataclass(frozen=True)
class Tip:
    """One acknowledged state of a ledger: which ledger and generation, the sequence
    number of its last line, the file's length through that line's newline, and that
    line's checksum. The seal keeps the latest; two files with the same tip hold the
    same lines."""

    ledger: str
    gen: int
    seq: int
    length: int
    crc: int

    def to_json(self) -> dict[str, Any]:
        return {"ledger": self.ledger, "gen": self.gen, "seq": self.seq, "length": self.length, "crc": f"{self.crc:08x}"}

    @classmethod
    def from_json(cls, obj: Any) -> Tip | None:
        if type(obj) is not dict:
            return None
        ledger, gen, seq, length, crc = (obj.get(k) for k in ("ledger", "gen", "seq", "length", "crc"))
        if type(ledger) is not str or not all(type(v) is int and v >= 0 for v in (gen, seq, length)):
            return None
        if type(crc) is not str or re.fullmatch(r"[0-9a-f]{8}", crc) is None:
            return None
        return cls(ledger, gen, seq, length, int(crc, 16))


#: The seal file is two slots of this many bytes; each write goes to the slot not holding
#: the latest tip, so a write torn by a power cut leaves the one before it readable.
SLOT_SIZE = 256


def encode_slot(tip: Tip, extra: Mapping[str, Any] | None = None) -> bytes:
    """``<crc> {json}`` padded to :data:`SLOT_SIZE` bytes with a newline last. ``extra``:
    more members for later releases (they are kept in the checksum and ignored here)."""
    text = encode({**(extra or {}), **tip.to_json()}).encode("utf-8")
    slot = b"%08x %s" % (zlib.crc32(text), text)
    if len(slot) > SLOT_SIZE - 1:
        raise ValueError("the seal record is too long")
    return slot.ljust(SLOT_SIZE - 1, b" ") + b"\n"


def decode_slot(raw: bytes) -> Tip | None:
    """The tip in one slot, or None for a slot that is empty, torn or damaged."""
    raw = raw.rstrip(b" \n\0")
    if len(raw) < 10 or raw[8:9] != b" " or re.fullmatch(rb"[0-9a-f]{8}", raw[:8]) is None:
        return None
    text = raw[9:]
    if zlib.crc32(text) != int(raw[:8], 16):
        return None
    try:
        return Tip.from_json(json.loads(text))
    except ValueError:
        return None

"""Layout 1, the file of callroom 0.1: read so that it can be converted, never written.

Layout 1 is the same JSON Lines without sequence numbers, checksums or a seal::

    {"format": "callroom", "schema": 1, "created": "2024-05-01T09:14:00+02:00"}
    {"table": "calls", "docs": {"1": {...}, "2": {...}}}        <- one snapshot line per table
    {"tx": [{"t": "calls", "put": 3, "doc": {...}}]}               <- one line per transaction

It is read exactly as callroom 0.1 read it (a tail that starts like a journal line is
an unfinished append; anything else cut short is damage). The first open for writing
converts it to layout 2 after keeping the file as found in the backups folder
(``JournalStorage.upgrade``). Owns only :func:`parse`; ``reading`` calls it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from .format import FORMAT, Tables, apply_raw, bad_docs, check_op, decode_json

__all__ = ["TX_PREFIX", "HEADER_KEYS", "Parsed", "parse"]

#: Every layout-1 journal line starts with exactly these bytes.
TX_PREFIX = b'{"tx":['
#: What a layout-1 header holds (format and schema; created since the first release).
HEADER_KEYS = frozenset({"format", "schema", "created"})


class Parsed(NamedTuple):
    data: Tables
    file_schema: int | None
    created: str | None
    lines: int
    snapshot_bytes: int
    journal_bytes: int
    journal_ops: int
    touched: dict[str, set[str]]
    #: Why the bytes after the last newline are not an unfinished append (None: they are, or there are none).
    cut: str | None


def parse(
    lines: Iterable[Any],
    tail: Callable[[], bytes],
    damaged: Callable[[int, str], None],
    newer: Callable[[int], None],
    code_schema: int | None,
    on_table: Callable[[str, dict[str, Any]], None] | None,
) -> Parsed:
    """Read layout-1 ``lines``; ``damaged(line, what)`` raises or records; ``newer(schema)``
    is called for a schema above ``code_schema``; ``tail()`` gives the bytes after the
    last newline once the lines are read."""
    data: Tables = {}
    file_schema: int | None = None
    created: str | None = None
    snapshot_bytes = journal_bytes = journal_ops = 0
    in_journal = False
    number = 0
    touched: dict[str, set[str]] = {}

    for number, line in enumerate(lines, start=1):
        obj, why = decode_json(line)
        if why is not None:
            damaged(number, why)
            continue
        if type(obj) is not dict:
            damaged(number, "expected a JSON object")
            continue

        if number == 1:
            snapshot_bytes += len(line) + 1
            if obj.get("format") != FORMAT or not obj.keys() <= HEADER_KEYS:
                damaged(1, f'not a callroom file (the first line must be a {{"format": "{FORMAT}", ...}} header)')
                if "table" not in obj and "tx" not in obj:
                    continue
                # Header missing but the line looks like data: salvage it below.
            else:
                schema = obj.get("schema")
                if type(schema) is not int or schema < 1:
                    damaged(1, "the header has no valid schema version")
                    continue
                file_schema = schema
                created = obj.get("created") if type(obj.get("created")) is str else None
                if code_schema is not None and schema > code_schema:
                    newer(schema)
                continue

        if "tx" in obj:
            in_journal = True
            journal_bytes += len(line) + 1
            ops = obj["tx"]
            if obj.keys() != {"tx"} or type(ops) is not list:
                damaged(number, "a journal line must be exactly {\"tx\": [...]}")
                continue
            why = next((w for w in map(check_op, ops) if w is not None), None)
            if why is not None:
                damaged(number, why)
                continue
            for op in ops:
                apply_raw(data, op)
                if "put" in op:
                    touched.setdefault(op["t"], set()).add(str(op["put"]))
            journal_ops += len(ops)
        elif "table" in obj:
            if number != 1:
                snapshot_bytes += len(line) + 1
            name, docs = obj.get("table"), obj.get("docs")
            if obj.keys() != {"table", "docs"} or type(name) is not str or type(docs) is not dict:
                damaged(number, 'a table snapshot must be exactly {"table": "<name>", "docs": {...}}')
                continue
            if in_journal:
                damaged(number, f"snapshot of table {name!r} after journal lines")
                continue
            if name in data:
                damaged(number, f"table {name!r} appears twice in the snapshot")
                continue
            for key, why in list(bad_docs(docs)):
                damaged(number, f"table {name!r}: {why}")
                docs.pop(key, None)
            data[name] = docs
            if on_table is not None:
                on_table(name, docs)
        else:
            damaged(number, "neither a table snapshot nor a journal line")
    line = None  # a big table's bytes, not needed any more

    rest = tail()
    cut = None
    if rest and not (rest.startswith(TX_PREFIX) or TX_PREFIX.startswith(rest) or not rest.strip(b"\0")):
        # An unacknowledged append always starts like a journal line (or is the zero-fill
        # some filesystems leave after a power cut). Anything else was cut short.
        where = "the header" if not number else "a table snapshot" if rest.startswith(b'{"table"') else "this line"
        cut = f"the file ends in the middle of {where} (it looks truncated)"
    return Parsed(data, file_schema, created, number, snapshot_bytes, journal_bytes, journal_ops, touched, cut)

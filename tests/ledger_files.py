"""Reading and writing ledger files by hand in tests.

Two kinds of hand work:

* damage: change the bytes and leave the checksums and the seal as they were (what a bad
  copy, a sync tool or a flipped bit does): use :func:`raw_lines` / :func:`write_raw`;
* a well-formed file with wrong content (what a faulty program writing correct
  checksums would leave): change the lines as JSON and :func:`write_sealed` them, which
  numbers them, checksums them and brings the seal up to date.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from callroom.store.format import SLOT_SIZE, Tip, make_line, encode, encode_slot, line_tip_crc, split_line
from callroom.store.seal import seal_path_for


def raw_lines(path: Path) -> list[bytes]:
    """The lines of a file without their newlines (the file must end with one)."""
    raw = path.read_bytes()
    assert raw.endswith(b"\n"), raw[-80:]
    return raw[:-1].split(b"\n")


def write_raw(path: Path, lines: list[bytes], end: bytes = b"\n") -> bytes:
    data = b"\n".join(lines) + end
    path.write_bytes(data)
    return data


def body(line: bytes | str) -> dict[str, Any]:
    """A line as JSON without its sequence number and checksum."""
    obj = json.loads(line)
    obj.pop("seq", None)
    obj.pop("crc", None)
    return obj


def bodies(path: Path) -> list[dict[str, Any]]:
    return [body(line) for line in raw_lines(path)]


def seq_of(line: bytes) -> int:
    seq, intact = split_line(line)
    assert seq is not None and intact, line[:80]
    return seq


def sealed_line(seq: int, obj: dict[str, Any]) -> bytes:
    """``obj`` as a line numbered ``seq`` with its checksum (and no newline)."""
    members = {k: v for k, v in obj.items() if k not in ("seq", "crc")}
    return make_line(seq, json.dumps(members, separators=(",", ":"), ensure_ascii=False)[1:-1])[:-1]


def write_sealed(path: Path, objs: list[dict[str, Any] | bytes], *, first_seq: int | None = None) -> bytes:
    """Write ``objs`` (JSON objects, or lines to keep as they are) as a whole file: numbered
    on from the header's sequence number, checksummed, and the seal set to its end."""
    if first_seq is None:
        first_seq = seq_of(raw_lines(path)[0]) if path.exists() and path.stat().st_size else 0
    out = [o if isinstance(o, bytes) else sealed_line(first_seq + i, o) for i, o in enumerate(objs)]
    data = write_raw(path, out)
    reseal(path)
    return data


def append_sealed(path: Path, *objs: dict[str, Any]) -> int:
    """Append journal lines as the writer would (numbered, checksummed, sealed); the
    number of the last line."""
    lines = raw_lines(path)
    seq = seq_of(lines[-1])
    lines += [sealed_line(seq + 1 + i, o) for i, o in enumerate(objs)]
    write_raw(path, lines)
    reseal(path)
    return len(lines)


def tx(*ops: dict[str, Any]) -> dict[str, Any]:
    return {"tx": list(ops)}


def tip_of_file(path: Path) -> Tip:
    lines = raw_lines(path)
    header = json.loads(lines[0])
    return Tip(header.get("ledger", ""), header.get("gen", 1), seq_of(lines[-1]), path.stat().st_size, line_tip_crc(lines[-1]))


def reseal(path: Path) -> Tip:
    """Set both slots of the seal to the file's end, as a writer would after its last write."""
    tip = tip_of_file(path)
    slot = encode_slot(tip)
    seal_path_for(path).write_bytes(slot + slot)
    return tip


def seal_tips(path: Path) -> list[Tip | None]:
    from callroom.store.format import decode_slot

    raw = seal_path_for(path).read_bytes()
    return [decode_slot(raw[:SLOT_SIZE]), decode_slot(raw[SLOT_SIZE:2 * SLOT_SIZE])]


def legacy_file(path: Path, tables: dict[str, dict[str, Any]], txs: list[list[dict[str, Any]]] = (),
                schema: int = 1, created: str = "2026-11-23T09:00:00+00:00") -> bytes:
    """A file in layout 1 (callroom 0.1): header, one snapshot line per table, journal lines."""
    out = [encode({"format": "callroom", "schema": schema, "created": created})]
    out += [encode({"table": name, "docs": docs}) for name, docs in tables.items()]
    out += [encode({"tx": ops}) for ops in txs]
    data = "".join(line + "\n" for line in out).encode("utf-8")
    path.write_bytes(data)
    return data


def numbered(seq: int, raw: bytes) -> bytes:
    """``raw`` (a JSON object's text, valid or not) as a layout-2 line: the sequence number and a
    checksum put in front of its members. Text that does not start with ``{`` is left alone."""
    if not raw.startswith(b"{"):
        return raw
    from callroom.store.format import line_crc

    digits = str(seq).encode()
    rest = b"," + raw[1:]
    return b'{"seq":%s,"crc":"%08x"%s' % (digits, line_crc(digits, rest), rest)


def text_file(path: Path, layout: int, lines: list[bytes]) -> list[bytes]:
    """A file of a header then ``lines`` (JSON text) in either layout, sealed for layout 2.
    Returns the lines as written (header first)."""
    if layout == 1:
        out = [b'{"format":"callroom","schema":1,"created":"2026-11-23T09:00:00+00:00"}'] + list(lines)
        write_raw(path, out)
        return out
    from callroom.store.format import Header, header_line

    out = [header_line(0, Header(1, "2026-11-23T09:00:00+00:00", "0123456789abcdef", 1))[:-1]]
    out += [numbered(i, raw) for i, raw in enumerate(lines, start=1)]
    write_raw(path, out)
    if all(split_line(line)[1] for line in out):
        reseal(path)
    return out

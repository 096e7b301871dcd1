"""Finding things in a ledger without loading it: the line a record came from, a file's
tip (its header and last line alone), and the lines written after a tip.

For messages (:func:`locate`), for the seal of a restored file (:func:`tip_of`), and for
whatever is kept beside a ledger as of a tip, an index or a summary, to bring itself up
to date from the lines written since (:func:`lines_after`) instead of reading it all.
Never writes. Uses :mod:`callroom.store.reading` for the pieces of a read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .format import Tip, chain_crc, decode_json, encode, is_doc_key, line_tip_crc, split_line
from .reading import _CHUNK, _Lines, _header_of, _open

__all__ = ["chain_to", "lines_after", "locate", "tip_of"]


def locate(raw: bytes, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """The line number that last wrote each ``(table, doc_id)`` in ``wanted`` (for messages)."""
    tables = {t for t, _ in wanted}
    needles = [encode(t).encode("utf-8") for t in tables]
    found: dict[tuple[str, int], int] = {}
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not any(n in line for n in needles):
            continue
        obj, why = decode_json(line)
        if why is not None or type(obj) is not dict:
            continue
        if obj.get("table") in tables and type(obj.get("docs")) is dict:
            for key in obj["docs"]:
                if is_doc_key(key) and (obj["table"], int(key)) in wanted:
                    found[(obj["table"], int(key))] = number
        elif type(obj.get("tx")) is list:
            for op in obj["tx"]:
                if type(op) is not dict or op.get("t") not in tables:
                    continue
                if type(op.get("put")) is int and (op["t"], op["put"]) in wanted:
                    found[(op["t"], op["put"])] = number
                elif type(op.get("del")) is int:
                    found.pop((op["t"], op["del"]), None)
                elif op.get("clear") is True:
                    for k in [k for k in found if k[0] == op["t"]]:
                        del found[k]
    return found


def lines_after(path: Path, tip: Tip) -> list[dict[str, Any]] | None:
    """The lines written after ``tip``, checked and decoded, or None when the file no
    longer continues from it (another generation, lines changed, a cut).

    For what is kept beside a ledger (an index, a summary) as of a tip: it brings
    itself up to date from these lines instead of reading the whole file.
    """
    fd, size = _open(path)
    try:
        if size < tip.length or tip.length == 0:
            return None
        # The line ending at the tip must be the tip's line.
        back = os.pread(fd, min(tip.length, 1 << 20), tip.length - min(tip.length, 1 << 20))
        if not back.endswith(b"\n"):
            return None
        start = back.rfind(b"\n", 0, len(back) - 1) + 1
        seq, intact = split_line(back[start:-1])
        if not intact or seq != tip.seq or line_tip_crc(back[start:-1]) != tip.crc:
            return None
        head = os.pread(fd, min(size, 64 * 1024), 0).split(b"\n", 1)[0]
        obj, _ = decode_json(head)
        if type(obj) is not dict or obj.get("ledger") != tip.ledger or obj.get("gen") != tip.gen:
            return None
        out: list[dict[str, Any]] = []
        rest = b""
        pos, expected = tip.length, tip.seq + 1
        while pos < size:
            chunk = os.pread(fd, min(_CHUNK, size - pos), pos)
            if not chunk:
                break
            pos += len(chunk)
            *complete, rest = (rest + chunk).split(b"\n")
            for line in complete:
                seq, intact = split_line(line)
                if not intact or seq != expected:
                    return None
                obj, why = decode_json(line)
                if why is not None or type(obj) is not dict:
                    return None
                out.append(obj)
                expected += 1
        return out
    finally:
        os.close(fd)


def tip_of(path: Path) -> Tip | None:
    """The tip of a whole layout-2 file (its header and last line, nothing between read):
    None for a layout-1 file, or one whose ends do not check out."""
    fd, size = _open(path)
    try:
        lines = _Lines(fd, size)
        header = _header_of(lines) if size else None
        if header is None:
            return None
        back = os.pread(fd, min(size, 1 << 20), size - min(size, 1 << 20))
        if not back.endswith(b"\n"):
            return None
        start = back.rfind(b"\n", 0, len(back) - 1) + 1
        if start == 0 and len(back) < size:
            return None  # a last line over 1 MB: not worth it here
        seq, intact = split_line(back[start:-1])
        if seq is None or not intact:
            return None
        return Tip(header.ledger, header.gen, seq, size, line_tip_crc(back[start:-1]))
    finally:
        os.close(fd)


def chain_to(path: Path, tip: Tip) -> int | None:
    """Every line of the file through ``tip`` checked without decoding any (each one's
    checksum, their sequence numbers one after another, the header of ``tip``'s ledger
    and generation, the line at ``tip`` the tip's): the running checksum of their
    checksums (``format.chain_crc``), or None when anything is off. About 30 ms for a
    47 MB ledger: what a summary beside it is checked against without reading it."""
    fd, size = _open(path)
    try:
        if size < tip.length:
            return None
        lines = _Lines(fd, tip.length)
        chain, expected, last = 0, None, None
        for line in lines:
            seq, intact = split_line(line)
            if seq is None or not intact or (expected is not None and seq != expected):
                return None
            if expected is None:
                obj, _ = decode_json(line)
                if type(obj) is not dict or obj.get("ledger") != tip.ledger or obj.get("gen") != tip.gen:
                    return None
            expected = seq + 1
            crc = line_tip_crc(line)
            chain = chain_crc(chain, crc)
            last = (seq, crc)
        if lines.tail or lines.valid_len != tip.length or last != (tip.seq, tip.crc):
            return None
        return chain
    finally:
        os.close(fd)

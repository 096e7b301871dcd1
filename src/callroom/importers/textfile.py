"""From a file on disk to rows of cells with their line numbers.

* Encodings: UTF-8 with or without a BOM, UTF-16 with a BOM, or one legacy encoding
  (Windows-1252) throughout. A file mixing UTF-8 lines with Windows-1252 lines is
  refused, naming the line; characters are never replaced silently.
* Fields are bounded (``csv.field_size_limit``): a runaway field is refused at once.
* Line numbers are physical lines (a quoted value spanning two lines counts two), so
  they match what a text editor shows.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import ImportFileError, short

MAX_FILE_BYTES = 100 * 1024 * 1024  # about 300,000 rows of a wide export; memory peaks near 13x the file size
FIELD_LIMIT = 100_000  # characters in one cell
DELIMITERS = (",", ";", "\t", "|")
_BREAK = re.compile(r"\r\n|\r|\n")


def read_bytes(path: Path) -> bytes:
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImportFileError(name, "there is no such file", hint=f"Check the path ({path}) and try again.") from None
    except OSError as e:
        raise ImportFileError(name, f"callroom could not open the file ({e.strerror or e})",
                              hint="Check the path and that you can read the file.") from None
    if path.is_dir():
        raise ImportFileError(name, "this is a folder, not a file", hint="Give the path of the exported CSV file.")
    if size > MAX_FILE_BYTES:
        raise ImportFileError(name, f"the file is {size // (1024 * 1024)} MB, more than callroom reads "
                                    f"({MAX_FILE_BYTES // (1024 * 1024)} MB)",
                              hint="Export only open invoices, or a shorter date range, and import that.")
    try:
        with path.open("rb") as fh:
            return fh.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise ImportFileError(name, f"callroom could not read the file ({e.strerror or e})",
                              hint="Check that you can read the file.") from None


def _lines_of(data: bytes) -> list[bytes]:
    sep = b"\n" if b"\n" in data or b"\r" not in data else b"\r"
    return data.split(sep)


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def decode(data: bytes, name: str) -> tuple[str, str]:
    """``(text, encoding name)``; raises ImportFileError for mixed or unknown encodings."""
    if data.startswith(codecs.BOM_UTF8):
        body = data[len(codecs.BOM_UTF8):]
        try:
            return body.decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            return _mixed(body, name, first_line_utf8=True, bom=True)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ImportFileError(name, "the file says it is UTF-16 text but part of it is not",
                                  hint="Export the file again as CSV (UTF-8) and import that.") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    lines = _lines_of(data)
    utf8_lines = [i for i, ln in enumerate(lines, 1) if not ln.isascii() and _is_utf8(ln)]
    if utf8_lines:
        return _mixed(data, name, first_line_utf8=None)
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as e:
        line_no = data.count(b"\n", 0, e.start) + 1
        raise ImportFileError(
            name, f"byte 0x{data[e.start]:02X} is not text in UTF-8 or in Windows-1252", line=line_no,
            hint="The file is damaged or is not a CSV export: export it again (as CSV, UTF-8) and import that.",
        ) from None


def _mixed(data: bytes, name: str, first_line_utf8: bool | None, bom: bool = False):
    """Raise the error for a file whose lines are in two encodings."""
    lines = _lines_of(data)
    kinds: list[tuple[int, str]] = []  # (line number, 'utf-8' | 'cp1252') for lines that are not plain ASCII
    for i, ln in enumerate(lines, 1):
        if not ln.isascii():
            kinds.append((i, "utf-8" if _is_utf8(ln) else "cp1252"))
    first_kind = kinds[0][1] if kinds else "utf-8"
    if bom or first_line_utf8:
        first_kind = "utf-8"
    odd = next(((i, k) for i, k in kinds if k != first_kind), None)
    first_line = next((i for i, k in kinds if k == first_kind), None)
    line_no, kind = odd if odd else (kinds[0] if kinds else (1, "cp1252"))
    raw = lines[line_no - 1]
    shown = raw.decode("cp1252", errors="backslashreplace") if kind == "cp1252" else raw.decode("utf-8")
    column, value = _odd_cell(data, lines, line_no, kind)
    names = {"utf-8": "UTF-8", "cp1252": "Windows-1252 (ANSI)"}
    where = (f" from line {first_line}, which is {names[first_kind]}"
             if first_line and first_line != line_no and not bom else "")
    problem = (f"is in a different text encoding ({names[kind]}){where}: the file mixes "
               f"{names['utf-8']} and {names['cp1252']} text, so callroom cannot tell which letters were meant")
    if bom and not where:
        problem = ("is not UTF-8 text although the file starts with a UTF-8 marker: this file mixes "
                   "UTF-8 and Windows-1252 (ANSI) text, so callroom cannot tell which letters were meant")
    raise ImportFileError(
        name, problem, line=line_no, column=column, value=value if value is not None else shown,
        hint="Open the file in a spreadsheet or text editor, save it again as CSV UTF-8, check the accented "
             "letters, and import it again.",
    )


def _odd_cell(data: bytes, lines: list[bytes], line_no: int, kind: str) -> tuple[str | None, str | None]:
    """The heading and value of the first cell on ``line_no`` holding non-ASCII text."""
    try:
        header_text = None
        text = data.decode("utf-8", errors="surrogateescape")
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text)))
        from .columns import find_header_index  # late import: columns imports nothing from here
        idx = find_header_index([(0, r) for r in rows[:60]], mapping=None)
        if idx is not None:
            header_text = rows[idx]
        row_cells = csv.reader([lines[line_no - 1].decode("utf-8", errors="surrogateescape")])
        cells = next(row_cells, [])
        for j, c in enumerate(cells):
            if not c.isascii():
                value = c.encode("utf-8", errors="surrogateescape").decode(
                    "cp1252" if kind == "cp1252" else "utf-8", errors="backslashreplace")
                heading = header_text[j].strip().lstrip("\ufeff") if header_text and j < len(header_text) else None
                return heading, value
    except Exception:  # diagnostics only: never hide the real error behind a secondary one
        pass
    return None, None


def sniff_delimiter(text: str) -> str:
    """The delimiter giving the most rows of the same width (2+ columns) near the top."""
    head = text[:20000]
    lines = _BREAK.split(head)[:60]
    sample = "\n".join(lines)
    best, best_score = ",", (-1, -1)
    for d in DELIMITERS:
        if d not in sample:
            continue
        try:
            widths = [len(r) for r in csv.reader(io.StringIO(sample), delimiter=d) if len(r) > 1]
        except csv.Error:
            continue
        if not widths:
            continue
        counts: dict[int, int] = {}
        for w in widths:
            counts[w] = counts.get(w, 0) + 1
        modal_width, modal_count = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        score = (modal_count, modal_width)
        if score > best_score:
            best, best_score = d, score
    return best


@contextmanager
def bounded_fields(limit: int = FIELD_LIMIT):
    old = csv.field_size_limit()
    csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def read_rows(text: str, delimiter: str, name: str) -> list[tuple[int, list[str]]]:
    """Every CSV record with the physical line it starts on."""
    rows: list[tuple[int, list[str]]] = []
    append = rows.append
    with bounded_fields():
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        prev = 0
        try:
            for cells in reader:
                append((prev + 1, cells))
                prev = reader.line_num
        except csv.Error as e:
            start = prev + 1
            if "field larger than field limit" in str(e):
                raise _too_big(text, delimiter, name, start, rows) from None
            raise ImportFileError(
                name, f"callroom could not read this line as CSV ({e})", line=start,
                hint="A quote mark is probably opened and never closed: export the file again and import that.",
            ) from None
    return rows


@dataclass(frozen=True)
class OpenQuote:
    """A quoted value that runs over line breaks it should not: where its quote opens, and what it took."""

    line: int            # the line where the quote opens
    column: int          # the cell's column index in its record
    first: str           # the value's text on that line
    last_line: int       # the last line the value runs to
    swallowed: int       # lines inside it that read as rows of the file
    to_the_end: bool     # the quote is never closed: the value runs to the end of the file


def open_quote(text: str, rows: list[tuple[int, list[str]]], delimiter: str,
               looks_like_row: Callable[[list[str]], bool]) -> OpenQuote | None:
    """The first quoted value that swallowed rows of the file, or None.

    A quoted value may hold line breaks (an address, a note). It is taken for a quote opened
    by mistake when it runs to the end of the file without its closing quote, or when lines
    inside it read, with the file's delimiter, as whole rows of the file (``looks_like_row``).
    Only records spanning more than one line are looked at (none in most files)."""
    last = len(rows) - 1
    unclosed = _unclosed_at_end(text, rows, delimiter)
    for i, (start, cells) in enumerate(rows):
        spans = (rows[i + 1][0] - start > 1) if i < last else any("\n" in c or "\r" in c for c in cells)
        if not spans:
            continue
        line = start
        for j, cell in enumerate(cells):
            pieces = _BREAK.split(cell)
            if len(pieces) > 1:
                inner = [p for p in pieces[1:] if p.strip()]
                found = sum(1 for p in inner if looks_like_row(next(csv.reader([p], delimiter=delimiter), [])))
                if found:
                    end = line + len(pieces) - 1 - (1 if i == last and not pieces[-1] else 0)
                    return OpenQuote(line, j, pieces[0], end, found, unclosed and i == last and j == len(cells) - 1)
            line += len(pieces) - 1
    if unclosed:
        start, cells = rows[-1]
        j = len(cells) - 1
        before = sum(len(_BREAK.split(c)) - 1 for c in cells[:j])
        pieces = _BREAK.split(cells[j])
        end = start + before + len(pieces) - 1 - (0 if pieces[-1] else 1)
        return OpenQuote(start + before, j, pieces[0], max(end, start + before), 0, True)
    return None


def _unclosed_at_end(text: str, rows: list[tuple[int, list[str]]], delimiter: str) -> bool:
    """Whether the file's last record opens a quote that the end of the file leaves open (an odd number
    of quote marks in the file is the cheap sign; the last record is then read again, strictly)."""
    if not text.count('"') % 2 or not rows or not rows[-1][1]:
        return False
    tail = text[_offset_of_line(text, rows[-1][0]):]
    try:
        with bounded_fields():
            for _ in csv.reader(io.StringIO(tail, newline=""), delimiter=delimiter, strict=True):
                pass
    except csv.Error as e:
        return "unexpected end of data" in str(e)
    return False


def _offset_of_line(text: str, line_no: int) -> int:
    if line_no <= 1:
        return 0
    n = 1
    for m in _BREAK.finditer(text):
        n += 1
        if n == line_no:
            return m.end()
    return len(text)


def _too_big(text: str, delimiter: str, name: str, line_no: int, rows_so_far) -> ImportFileError:
    """Locate the oversized cell (column and start) by scanning from the record's start."""
    pos = _offset_of_line(text, line_no)
    col, length, in_quotes, start = 0, 0, False, pos
    i, n = pos, len(text)
    while i < n:
        ch = text[i]
        if in_quotes:
            if ch == '"':
                if i + 1 < n and text[i + 1] == '"':
                    i += 1
                else:
                    in_quotes = False
                    i += 1
                    continue
            length += 1
        elif ch == '"' and length == 0:
            in_quotes = True
            start = i + 1
        elif ch == delimiter:
            col += 1
            length = 0
            start = i + 1
        elif ch in "\r\n":
            break
        else:
            length += 1
        if length > FIELD_LIMIT:
            break
        i += 1
    heading = None
    from .columns import find_header_index
    idx = find_header_index(rows_so_far, mapping=None)
    if idx is not None:
        cells = rows_so_far[idx][1]
        heading = cells[col].strip().lstrip("\ufeff") if col < len(cells) else None
    if heading is None:
        heading = f"column {col + 1}"
    value = text[start:start + 60]
    return ImportFileError(
        name,
        f"is the start of a value more than {FIELD_LIMIT:,} characters long, far longer than any invoice field can be",
        line=line_no, column=heading, value=short(value),
        hint="The file is damaged (often a quote mark that is never closed) or is not an invoice export: "
             "export it again and import that.",
    )


__all__ = ["read_bytes", "decode", "sniff_delimiter", "read_rows", "open_quote", "OpenQuote", "FIELD_LIMIT",
           "MAX_FILE_BYTES"]

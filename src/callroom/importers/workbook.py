"""Excel workbooks (.xlsx, .xlsm) in: each sheet as rows of text cells, like a CSV file's.

Values are read with python-calamine (fast: a 50,000-row sheet in well under a second).
Date cells become ISO dates ('2026-03-31') and number cells plain numbers ('1234.5', rounded
to six decimals so a formula's 1104.0000000000002 reads 1104); the parser takes those
numbers as they are, whatever decimal mark the file's text cells use (``Sheet.numbers``).
A cell merged over several rows (a client's name beside its invoices) is read in each of
those rows; a title merged across columns is read once.

Error cells (#REF!, #VALUE!…): calamine reads them as empty, so when a sheet's XML has any
error cell at all, openpyxl (which keeps them) says where they are (``Sheet.errors``); the
parser refuses the file when one is in a column it needs.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from .errors import ImportFileError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class Sheet:
    name: str
    rows: list[tuple[int, list[str]]]                     # (row number, cells as text)
    numbers: set[str] = field(default_factory=set)        # texts that came from number cells
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row number, column index) -> '#REF!'


def is_workbook(data: bytes) -> bool:
    return data[:4] == ZIP_MAGIC


def _not_readable(name: str, why: str = "") -> ImportFileError:
    return ImportFileError(
        name, "this is not a readable workbook" + (f" ({why})" if why else "") +
        ": it may be damaged or cut short, or it is another kind of file with an Excel name",
        hint="Open it in your spreadsheet program and save it again as .xlsx, or export the report again, "
             "and import that.")


def _number_text(v: float) -> str:
    if v != v or v in (float("inf"), float("-inf")):
        return ""
    r = round(v, 6)
    if r == int(r) and abs(r) < 1e15:
        return str(int(r))
    text = repr(r)
    if "e" in text or "E" in text:
        text = format(r, "f").rstrip("0").rstrip(".")
    return text


def _cell_text(v, numbers: set[str]) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        text = str(v)
        numbers.add(text)
        return text
    if isinstance(v, float):
        text = _number_text(v)
        if text:
            numbers.add(text)
        return text
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == time(0) else v.isoformat(sep=" ", timespec="minutes")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, time):
        return v.isoformat(timespec="minutes")
    if isinstance(v, timedelta):
        return str(v)
    return str(v)


def read_workbook(path: Path, name: str) -> list[Sheet]:
    """Every worksheet (hidden ones left out) with its rows; raises ImportFileError for a damaged workbook."""
    try:
        import python_calamine
    except ImportError:  # pragma: no cover - a declared dependency
        raise ImportFileError(name, "callroom cannot read Excel workbooks here (python-calamine is missing)",
                              hint="Reinstall callroom, or save the sheet as CSV and import that.") from None
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "xl/workbook.xml" not in names:
                if "content.xml" in names:
                    raise ImportFileError(name, "this is an OpenDocument spreadsheet (.ods), not an Excel workbook",
                                          hint="Save it as .xlsx or CSV in your spreadsheet program and import that.")
                raise _not_readable(name, "it is a zip archive without a workbook in it")
            with_errors = set()
            for part in names:
                if part.startswith("xl/worksheets/") and part.endswith(".xml"):
                    data = z.read(part)
                    if b't="e"' in data or b"t='e'" in data:
                        with_errors.add(part)
    except ImportFileError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError) as e:
        raise _not_readable(name, type(e).__name__ if not str(e) else str(e).rstrip(".")) from None
    try:
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
        metas = [m for m in wb.sheets_metadata if str(getattr(m, "visible", "")).endswith("Visible")
                 and str(getattr(m, "typ", "WorkSheet")).endswith("WorkSheet")] or list(wb.sheets_metadata)
        sheets = []
        for meta in metas:
            sh = wb.get_sheet_by_name(meta.name)
            values = sh.to_python(skip_empty_area=False)
            merged = list(getattr(sh, "merged_cell_ranges", None) or [])
            sheets.append(_sheet(meta.name, values, merged))
    except ImportFileError:
        raise
    except Exception as e:  # calamine's errors have no common base class worth naming
        raise _not_readable(name, str(e).splitlines()[0][:80] if str(e) else type(e).__name__) from None
    if with_errors:
        _locate_errors(path, name, sheets)
    return sheets


def _sheet(name: str, values: list[list], merged: list) -> Sheet:
    numbers: set[str] = set()
    rows = []
    for i, row in enumerate(values):
        cells = [_cell_text(v, numbers) for v in row]
        while cells and cells[-1] == "":
            cells.pop()
        rows.append((i + 1, cells))
    for (r0, c0), (r1, c1) in merged:
        if r1 <= r0 or r0 >= len(rows):
            continue
        top = rows[r0][1]
        value = top[c0] if c0 < len(top) else ""
        if not value:
            continue
        for r in range(r0 + 1, min(r1, len(rows) - 1) + 1):
            cells = rows[r][1]
            if len(cells) <= c0:
                cells.extend([""] * (c0 + 1 - len(cells)))
            if not cells[c0]:
                cells[c0] = value
    return Sheet(name, rows, numbers)


def _locate_errors(path: Path, name: str, sheets: list[Sheet]) -> None:
    """Mark where the error cells are (openpyxl keeps them; calamine reads them as empty)."""
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a declared dependency
        return
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:
        raise _not_readable(name, str(e).splitlines()[0][:80] if str(e) else type(e).__name__) from None
    try:
        for sheet in sheets:
            if sheet.name not in wb.sheetnames:
                continue
            ws = wb[sheet.name]
            for row in ws.iter_rows():
                for cell in row:
                    if getattr(cell, "data_type", None) != "e":
                        continue
                    r, c = cell.row, cell.column - 1  # 1-based row, 0-based column, as in Sheet.rows
                    sheet.errors[(r, c)] = str(cell.value)
                    if r - 1 < len(sheet.rows):
                        cells = sheet.rows[r - 1][1]
                        while len(cells) <= c:
                            cells.append("")
                        cells[c] = str(cell.value)
    finally:
        wb.close()


__all__ = ["Sheet", "read_workbook", "is_workbook", "OLE_MAGIC"]

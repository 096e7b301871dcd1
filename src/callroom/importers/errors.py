"""Errors an import can raise: each message is written for the business owner.

A message names the file, the line, the column as headed in the file and the value
(cut short), says what is wrong and what to do, and ends by saying that nothing from
the file was imported (a file is accepted whole or refused whole).
"""

from __future__ import annotations

VALUE_MAX = 40


def short(value: str, limit: int = VALUE_MAX) -> str:
    """A value as it may appear in a message: on one line and cut short."""
    text = " ".join(str(value).split()) if value is not None else ""
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


class ImportError_(Exception):
    """Base class of every error the importers raise (not Python's ImportError)."""


class ImportFileError(ImportError_):
    """A file callroom refuses: nothing from it is imported.

    Attributes (for callers that want to show them separately): ``file`` (the file's
    name), ``line`` (1-based line in the file, or None), ``column`` (the column's
    heading as written in the file, or None), ``value`` (the offending value, cut
    short, or None), ``problem`` and ``hint`` (what to do).
    """

    def __init__(self, file: str, problem: str, *, line: int | None = None, column: str | None = None,
                 value: str | None = None, hint: str = "", sheet: str | None = None):
        self.file = file
        self.problem = problem
        self.line = line
        self.column = column
        self.value = None if value is None else short(value)
        self.hint = hint
        self.sheet = sheet  # a workbook's sheet: ``line`` is then its row number
        super().__init__(self._render())

    def in_sheet(self, sheet: str) -> "ImportFileError":
        """The same error located in a workbook's sheet ('sheet "Aged", row 12' instead of 'line 12')."""
        if self.sheet is not None:
            return self
        self.sheet = sheet
        self.args = (self._render(),)
        return self

    def _render(self) -> str:
        where = [self.file]
        if self.sheet is not None:
            where.append(f'sheet "{self.sheet}"' + (f" row {self.line}" if self.line is not None else ""))
        elif self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f'column "{self.column}"' if self.column else "a column with no heading")
        text = ", ".join(where) + ": "
        if self.value is not None:
            text += f'"{self.value}" ' + self.problem
        else:
            text += self.problem[:1].upper() + self.problem[1:]
        text = text.rstrip()
        if not text.endswith((".", "?", "!")):
            text += "."
        if self.hint:
            text += " " + self.hint.rstrip()
            if not text.endswith((".", "?", "!", ")")):
                text += "."
        text += " Nothing from this file was imported."
        return text


class AmbiguousDateOrder(ImportFileError):
    """Every numeric date in the file reads both as day/month and month/day.

    Call ``parse_file`` again with ``date_order='dmy'`` or ``'mdy'`` (or ``'ymd'``).
    """

    needs_date_order = True


class AmbiguousDecimalMark(ImportFileError):
    """The file's amounts read both ways ('1.234' is 1234 or 1.234): call ``parse_file`` again
    with ``decimal=','`` or ``'.'``."""

    needs_decimal = True


class AmbiguousSheet(ImportFileError):
    """More than one sheet of a workbook holds invoices: call ``parse_file`` again with ``sheet=NAME``.
    ``sheets``: the names of those sheets."""

    def __init__(self, file: str, problem: str, *, sheets: list[str], hint: str = ""):
        self.sheets = list(sheets)
        super().__init__(file, problem, hint=hint)


__all__ = ["ImportError_", "ImportFileError", "AmbiguousDateOrder", "AmbiguousDecimalMark", "AmbiguousSheet", "short"]

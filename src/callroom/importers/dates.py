"""Reading the dates exports print: ISO, numeric with a day/month order detected
from the whole file, and month names ('14 Jan 2026', 'Mar 31, 2026'); a time of day
or a UTC timestamp is cut down to its date."""

from __future__ import annotations

import re
from datetime import date

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
ORDERS = ("dmy", "mdy", "ymd")

_TIME = r"(?:(?:[T ]|,\s*)\d{1,2}:\d{2}.*|[T ]?Z)?"
ISO_RE = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})" + _TIME + r"$")
NUMERIC_RE = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})" + _TIME + r"$")
COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+)?"
DAY_MONTH_RE = re.compile(
    r"^" + _WEEKDAY + r"(\d{1,2})(?:st|nd|rd|th)?[\s\-/.]+([a-z]{3,9})\.?,?[\s\-/.]+(\d{4}|\d{2})" + _TIME + r"$", re.I)
MONTH_DAY_RE = re.compile(
    r"^" + _WEEKDAY + r"([a-z]{3,9})\.?[\s\-/.]+(\d{1,2})(?:st|nd|rd|th)?,?[\s\-/.]+(\d{4})" + _TIME + r"$", re.I)
YEAR_MONTH_RE = re.compile(r"^(\d{4})[\s\-/.]+([a-z]{3,9})\.?[\s\-/.]+(\d{1,2})" + _TIME + r"$", re.I)


class DateError(ValueError):
    """Not a date. ``kind`` is 'impossible' (31/02/2026), 'unreadable' or 'ambiguous'."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:
        y += 2000 if y < 70 else 1900
    return y


def _make(y: int, m: int, d: int) -> date:
    if not 1900 <= y <= 2199:
        raise DateError("has a year callroom does not accept", "impossible")
    if not 1 <= m <= 12:
        raise DateError("is not a date that exists (there is no month %d)" % m, "impossible")
    try:
        return date(y, m, d)
    except ValueError:
        raise DateError("is not a date that exists", "impossible") from None


def numeric_evidence(text: str) -> str | None:
    """'dmy' or 'mdy' when this value can only be read one way, '?' when it reads both
    ways as different dates, None when it says nothing (not numeric, or 05/05/2026)."""
    m = NUMERIC_RE.match(text.strip())
    if not m:
        return None
    a, b = int(m.group(1)), int(m.group(3))
    if a > 12 and 1 <= b <= 12:
        return "dmy"
    if b > 12 and 1 <= a <= 12:
        return "mdy"
    if a != b and 1 <= a <= 12 and 1 <= b <= 12:
        return "?"
    return None


def parse_date(text: str, order: str | None = None) -> date:
    """A date from an export's text; ``order`` ('dmy'|'mdy'|'ymd') settles 03/04/2026."""
    s = (text or "").strip()
    if not s:
        raise DateError("is empty", "unreadable")
    m = ISO_RE.match(s)
    if m:
        return _make(int(m.group(1)), int(m.group(3)), int(m.group(4)))
    m = NUMERIC_RE.match(s)
    if m:
        a, b, y = int(m.group(1)), int(m.group(3)), m.group(4)
        if order == "ymd" and len(y) == 2:
            return _make(_year(m.group(1)), b, int(y))
        if order in (None, "ymd"):
            if a > 12 and b <= 12:
                order = "dmy"
            elif b > 12 and a <= 12:
                order = "mdy"
            elif a == b:
                order = "dmy"
            elif a > 12 and b > 12:
                raise DateError("is not a date that exists", "impossible")
            else:
                raise DateError("could be read day-first or month-first", "ambiguous")
        if order == "dmy":
            return _make(_year(y), b, a)
        return _make(_year(y), a, b)
    m = DAY_MONTH_RE.match(s)
    if m and m.group(2).lower() in MONTHS:
        return _make(_year(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
    m = MONTH_DAY_RE.match(s)
    if m and m.group(1).lower() in MONTHS:
        return _make(int(m.group(3)), MONTHS[m.group(1).lower()], int(m.group(2)))
    m = YEAR_MONTH_RE.match(s)
    if m and m.group(2).lower() in MONTHS:
        return _make(int(m.group(1)), MONTHS[m.group(2).lower()], int(m.group(3)))
    m = COMPACT_RE.match(s)
    if m:
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise DateError("is not a date callroom can read", "unreadable")


def detect_date_order(values) -> tuple[str | None, str | None]:
    """From all of a file's date values: ``(order, None)`` when some value settles it
    (the majority wins if values disagree) or every date that reads both ways is dotted
    (03.04.2026 is day-first by convention), ``(None, example)`` when every numeric date
    reads both ways, ``(None, None)`` when no value needs an order."""
    dmy = mdy = 0
    example = None
    dotted = True  # every date that reads both ways is written with dots (31.03.2026)
    for v in values:
        ev = numeric_evidence(v)
        if ev == "dmy":
            dmy += 1
        elif ev == "mdy":
            mdy += 1
        elif ev == "?":
            if example is None:
                example = v.strip()
            if dotted and NUMERIC_RE.match(v.strip()).group(2) != ".":
                dotted = False
    if dmy or mdy:
        return ("dmy" if dmy >= mdy else "mdy"), None
    if example is not None and dotted:
        return "dmy", None  # day.month.year: the dotted form is day-first wherever it is written
    return None, example


__all__ = ["parse_date", "detect_date_order", "numeric_evidence", "DateError", "ORDERS", "MONTHS"]


_IN_TEXT = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}"
    r"|\d{1,2}(?:st|nd|rd|th)?[\s\-]+[A-Za-z]{3,9}\.?,?[\s\-]+\d{4}"
    r"|[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
)


def dates_in_text(text: str, order: str | None = None) -> list[date]:
    """Every date written inside a line of text ('As of March 31, 2026', 'Stichtag: 31.03.2026',
    'Generated 04/01/2026 08:02 AM'), in order; numeric dates that read both ways need ``order``."""
    found = []
    for m in _IN_TEXT.finditer(text or ""):
        try:
            found.append(parse_date(m.group(0), order))
        except DateError:
            continue
    return found


__all__ += ["dates_in_text"]

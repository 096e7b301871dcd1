"""A report export is a document, not a table: what its lines outside the invoice rows say.

Title blocks (company, report name, an 'As at'/'As of' date, currency lines, the aging
basis), section lines ('Currency: EUR', aging bucket headings such as '31 - 60 days past
due'), layout rows ('Total …', 'Total for …', 'TOTAL', 'Percentage of total') and
footers ('Generated on 01/04/2026 09:15', 'Page 1 of 2') are recognised here by their
words and shape; ``parse.py`` decides by structure (no invoice number, no amount, sums
that match the rows above) which rows they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .amounts import ISO_CURRENCIES
from .columns import bucket_key
from .dates import dates_in_text


@dataclass(frozen=True)
class LayoutRow:
    """A line of the file that is not an invoice: where it is, what kind and why, for ``--explain``."""

    line: int
    kind: str        # title | as-of | currency | heading | bucket | total | percentage | header | footer | note
    reason: str
    text: str = ""


# ---------------------------------------------------------------- words

TOTAL_WORDS = ("total", "totals", "subtotal", "sub-total", "sub total", "grand total", "report total", "summe",
               "gesamt", "gesamtsumme", "zwischensumme", "totaal", "totale", "totalt", "sous-total", "total général")
_TOTAL_ANY = re.compile(r"(?:^|[\s:(\-])(?:grand\s+|report\s+|sub-?\s?)?totals?(?:$|[\s:)\-])|^(?:summe|gesamt\w*|"
                        r"zwischensumme|totaal|totale|totalt|sous-total)\b", re.I)
_PERCENT = re.compile(r"percent|%\s*of|\bpct\b|\banteil\b|pourcentage|porcentaje|procent", re.I)
_GENERATED = re.compile(r"\b(?:generated|printed|created|exported|prepared|produced|run\s+(?:on|at|date)|report\s+run|"
                        r"erstellt|gedruckt|exportiert|g[ée]n[ée]r[ée]|imprim[ée])\b", re.I)
_AS_OF = re.compile(r"\b(?:as\s+(?:of|at)|as-(?:of|at)|report(?:ing)?\s+date|aging\s+date|ageing\s+date|balance\s+date|"
                    r"statement\s+date|period\s+end(?:ing|ed)?|ending|end\s+date|to\s+date|stichtag|stand|per|"
                    r"au|date\s+du\s+rapport)\b", re.I)
_PAGE = re.compile(r"^\s*(?:page|seite|p\.)\s*\d+(?:\s*(?:of|von|/|sur)\s*\d+)?\s*$", re.I)
_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
_BASIS = re.compile(r"\b(?:accrual|cash)\s+basis\b|\bag(?:e)?ing\s+(?:basis|by)\b|\baged\s+by\b", re.I)

_CURRENCY_LINE = [
    re.compile(r"^\s*(?:currency|curr\.?|ccy|w(?:ä|ae|a)hrung|devise|moneda|valuta|valuuta)\s*[:=\-]?\s*(.+?)\s*$", re.I),
    re.compile(r"^\s*(?:all\s+)?(?:amounts?|figures|values)\s+(?:are\s+)?(?:shown\s+|stated\s+|expressed\s+|given\s+)?in\s*[:\-]?\s*(.+?)\.?\s*$", re.I),
    re.compile(r"^\s*(?:reported|shown|stated)\s+in\s+(.+?)\.?\s*$", re.I),
]
_BUCKET_HEADING = re.compile(
    r"^(?:current|future|notyetdue|notdue|older|olderthan\d+\w*|period\d+"
    r"|(?:over|morethan|>|<|under|lessthan|upto)?\d+(?:(?:-|to)\d+)?\+?(?:ormore|andover|orover|plus|andolder)?"
    r"(?:days?|months?|mths?|mos?|weeks?)?(?:ormore|andover|orover|plus|andolder|old|late)?(?:pastdue|overdue|late|old)?)$"
)


def is_total_label(text: str) -> bool:
    """'Total', 'Total for Harborview Bistro', 'Acme Ltd Total', 'Grand Total:', 'Summe', 'TOTAL EUR'."""
    return bool(_TOTAL_ANY.search(text or ""))


def is_percentage_label(text: str) -> bool:
    return bool(_PERCENT.search(text or ""))


def is_percentage(value: str) -> bool:
    v = (value or "").strip()
    return v.endswith("%") and any(c.isdigit() for c in v)


def is_bucket_heading(text: str) -> bool:
    """An aging bucket printed as a section heading: 'Current', '1 - 30 days past due', 'Over 90 days'."""
    c = bucket_key(text)
    return bool(c) and not c.isdigit() and bool(_BUCKET_HEADING.match(c))


def is_page_line(text: str) -> bool:
    return bool(_PAGE.match(text or ""))


def is_basis_line(text: str) -> bool:
    return bool(_BASIS.search(text or ""))


def is_generated_line(text: str) -> bool:
    """A 'generated at' footer or title line: a generating word, or a date with a time of day."""
    return bool(_GENERATED.search(text or "")) or (bool(_TIME.search(text or "")) and bool(dates_in_text(text)))


_NAMES: dict[str, str] | None = None


def _names() -> dict[str, str]:
    """English currency names (singular and plural) -> ISO code, from babel, made once."""
    global _NAMES
    if _NAMES is None:
        from babel.numbers import get_currency_name
        names: dict[str, str] = {}
        for c in sorted(ISO_CURRENCIES):
            try:
                names.setdefault(get_currency_name(c, locale="en").lower(), c)
                names.setdefault(get_currency_name(c, count=2, locale="en").lower(), c)
            except Exception:  # pragma: no cover - babel data gaps
                pass
        _NAMES = names
    return _NAMES


def currency_name(text: str) -> str | None:
    """'Canadian Dollar', 'CAD', 'CAD - Canadian Dollar', 'Euro (EUR)' -> the ISO code; else None."""
    t = " ".join((text or "").split())
    if not t:
        return None
    codes = {c for c in re.findall(r"\b[A-Z]{3}\b", t) if c in ISO_CURRENCIES}
    if len(codes) == 1:
        return codes.pop()
    return _names().get(t.lower().rstrip("."))


def section_currency(text: str) -> str | None:
    """The currency a section line states: 'Currency: EUR', 'Amounts in CAD', 'Währung: EUR', a line that
    is only 'USD' or 'Canadian Dollar'. A client's name never is one ('CAD Drafting Ltd' is not)."""
    t = " ".join((text or "").split())
    if not t:
        return None
    for rx in _CURRENCY_LINE:
        m = rx.match(t)
        if m:
            return currency_name(m.group(1))
    if t.upper() == t and t in ISO_CURRENCIES:
        return t
    if "(" in t:
        inside = re.fullmatch(r"(.+?)\s*\(\s*([A-Z]{3})\s*\)", t)
        if inside and inside.group(2) in ISO_CURRENCIES and currency_name(inside.group(1)) == inside.group(2):
            return inside.group(2)
    m = re.fullmatch(r"([A-Z]{3})\s*[-–:]\s*(.+)", t)
    if m and m.group(1) in ISO_CURRENCIES and currency_name(m.group(2)) == m.group(1):
        return m.group(1)
    return _names().get(t.lower().rstrip(".")) if len(t) <= 40 else None


def title_as_of(lines: list[tuple[int, str]], order: str | None) -> tuple[date | None, int | None]:
    """The date a title block says the report is 'as of' (or the one date of a title line that is only a
    date, or the end of a 'from … to …' range); second value: its line."""
    for ln, text in lines:
        if _AS_OF.search(text) and not _GENERATED.search(text):
            found = dates_in_text(text, order)
            if found:
                return found[-1], ln
    for ln, text in lines:
        if _GENERATED.search(text) or is_generated_line(text):
            continue
        found = dates_in_text(text, order)
        stripped = re.sub(r"[\d/.\-,\s]|(?i:\b(?:from|to|through|thru|until|bis|au|du|jan\w*|feb\w*|mar\w*|apr\w*|may|"
                          r"jun\w*|jul\w*|aug\w*|sep\w*|oct\w*|nov\w*|dec\w*|mon\w*|tue\w*|wed\w*|thu\w*|fri\w*|"
                          r"sat\w*|sun\w*)\b)", "", text)
        if found and not stripped.strip():
            return found[-1], ln
    return None, None


def generated_on(lines: list[tuple[int, str]], order: str | None) -> tuple[date | None, int | None]:
    """The date of a 'generated at' line (title or footer): the facts are no newer than it."""
    for ln, text in lines:
        if is_generated_line(text):
            found = dates_in_text(text, order)
            if found:
                return found[0], ln
    return None, None


__all__ = ["LayoutRow", "TOTAL_WORDS", "is_total_label", "is_percentage_label", "is_percentage", "is_bucket_heading",
           "is_page_line", "is_basis_line", "is_generated_line", "currency_name", "section_currency", "title_as_of",
           "generated_on"]

"""Reading amounts as accounting exports print them, into Decimal (never float).

Handles currency symbols and ISO codes before or after the number, thousands
separators (western 1,234,567.00, Indian 12,34,567.00, 1.234,56, 1 234,56, 1'234.56),
negatives as a leading or trailing minus, parentheses or a CR suffix, and a lone dash
for zero. Anything else is refused: a value is never half-read.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import list_currencies

ISO_CURRENCIES = frozenset(list_currencies())

# Unicode spaces used as thousands separators, and minus look-alikes.
_SPACES = {"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\t": " "}
_MINUS = {"\u2212": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\ufe63": "-", "\uff0d": "-"}
_TRANS = str.maketrans({**_SPACES, **_MINUS})

_SYMBOLS = "$€£¥₹₩₽₺₪₫₱₦₴₲₡₵₭₮₸฿¢₨"
# Symbols and short prefixes seen in front of or after amounts: US$, NZ$, A$, C$, R$, Rs., kr, zł …
_SYMBOL_RE = re.compile(
    r"^(?:[A-Z]{1,3}\s?)?[" + re.escape(_SYMBOLS) + r"]|^(?:Rs\.?|kr\.?|Kr\.?|zł|Kč|Ft|CHF|Fr\.?|lei|RM|Rp|R)(?=[\s\d(.\-])",
)
_SYMBOL_END_RE = re.compile(
    r"(?:(?<=[\s\d.)])[A-Z]{1,3})?[" + re.escape(_SYMBOLS) + r"]$|(?<=[\s\d.)])(?:kr\.?|Kr\.?|zł|Kč|Ft|CHF|Fr\.?|lei)$",
)
# Symbols that name one currency wherever they are printed ('$', '¥', 'kr' name several: no code).
SYMBOL_CODES = {
    "US$": "USD", "U$S": "USD", "NZ$": "NZD", "A$": "AUD", "AU$": "AUD", "C$": "CAD", "CA$": "CAD", "HK$": "HKD",
    "S$": "SGD", "SG$": "SGD", "R$": "BRL", "MX$": "MXN", "€": "EUR", "£": "GBP", "₹": "INR", "₩": "KRW", "₽": "RUB",
    "₺": "TRY", "₪": "ILS", "₫": "VND", "₱": "PHP", "₦": "NGN", "₴": "UAH", "₸": "KZT", "₮": "MNT", "₭": "LAK",
    "₵": "GHS", "₲": "PYG", "₡": "CRC", "฿": "THB", "zł": "PLN", "Kč": "CZK", "Ft": "HUF", "CHF": "CHF", "lei": "RON",
    "RM": "MYR", "Rp": "IDR",
}
_CODE_START = re.compile(r"^([A-Za-z]{3})(?=[\s\d(.\-$€£¥₹])")
_CODE_END = re.compile(r"(?<=[\s\d.)])([A-Za-z]{3})$")
_DIGITS = re.compile(r"^[\d.,' ’]+$")


class AmountError(ValueError):
    """Not an amount; ``str(err)`` says why in plain words."""


def _strip_decorations(s: str) -> tuple[str, bool, str | None]:
    """Peel signs, brackets, currency symbols and codes off both ends."""
    negative = False
    code: str | None = None
    for _ in range(8):
        before = s
        s = s.strip()
        if s.startswith("(") and s.endswith(")"):
            negative = True
            s = s[1:-1]
            continue
        if s.startswith("-"):
            negative = True
            s = s[1:]
            continue
        if s.startswith("+"):
            s = s[1:]
            continue
        if s.endswith("-"):
            negative = True
            s = s[:-1]
            continue
        upper_tail = s[-2:].upper()
        if len(s) > 2 and upper_tail in ("CR", "DR") and (s[-3].isdigit() or s[-3] in " )"):
            if upper_tail == "CR":
                negative = True
            s = s[:-2]
            continue
        m = _CODE_START.match(s)
        if m and m.group(1).upper() in ISO_CURRENCIES:
            code = m.group(1).upper()
            s = s[3:]
            continue
        m = _CODE_END.search(s)
        if m and m.group(1).upper() in ISO_CURRENCIES:
            code = m.group(1).upper()
            s = s[:-3]
            continue
        m = _SYMBOL_RE.match(s)
        if m:
            code = code or SYMBOL_CODES.get(m.group(0).replace(" ", ""))
            s = s[m.end():]
            continue
        m = _SYMBOL_END_RE.search(s)
        if m:
            code = code or SYMBOL_CODES.get(m.group(0).strip().replace(" ", ""))
            s = s[: m.start()]
            continue
        if s == before:
            break
    return s.strip(), negative, code


_WESTERN = {sep: re.compile(r"^\d{1,3}(?:" + re.escape(sep) + r"\d{3})+$") for sep in (",", ".", " ", "'", "’")}
_INDIAN = re.compile(r"^\d{1,2}(?:,\d{2})+,\d{3}$")


def _valid_integer(part: str, thousands: set[str]) -> bool:
    if part.isdigit():
        return True
    seps = {c for c in part if not c.isdigit()}
    if len(seps) != 1:
        return False
    sep = seps.pop()
    if sep not in thousands:
        return False
    if _WESTERN[sep].match(part):
        return True
    return sep == "," and bool(_INDIAN.match(part))


# Plain numbers ('3879.00', '-12.50', '1234'): most of a file's amounts, read without the general rules
# below (which give the same value for them).
_PLAIN = {mark: re.compile(r"(-?)([0-9]+)(?:" + re.escape(mark) + r"([0-9]+))?").fullmatch for mark in ".,"}


def parse_money(text: str, decimal_mark: str = ".") -> tuple[Decimal, str | None]:
    """``(amount, ISO code printed with it or None)``; raises AmountError."""
    plain = _PLAIN.get(decimal_mark)
    if plain is not None and text.__class__ is str:
        m = plain(text)
        if m is not None:
            sign, whole, fraction = m.groups()
            value = Decimal(whole if fraction is None else f"{whole}.{fraction}")
            return (-value if sign else value), None
    return _parse_money(text, decimal_mark)


@lru_cache(maxsize=65536)
def _parse_money(text: str, decimal_mark: str = ".") -> tuple[Decimal, str | None]:
    if decimal_mark not in (".", ","):
        raise ValueError("decimal_mark must be '.' or ','")
    raw = (text or "").translate(_TRANS).strip()
    if not raw:
        raise AmountError("is empty")
    if raw in ("-", "--", "- -"):
        return Decimal(0), None
    core, negative, code = _strip_decorations(raw)
    if core in ("", "-") and "-" in raw and not any(c.isdigit() for c in raw):
        return Decimal(0), code  # accounting formats print a dash for zero ('$ -')
    if not core or not _DIGITS.match(core) or not any(c.isdigit() for c in core):
        raise AmountError("is not an amount callroom can read")
    thousands = {",", " ", "'", "’"} if decimal_mark == "." else {".", " ", "'", "’"}
    if decimal_mark in core:
        integer, _, fraction = core.rpartition(decimal_mark)
        if decimal_mark in integer:
            raise AmountError("has more than one decimal point")
    else:
        integer, fraction = core, ""
    if not fraction.isdigit() and fraction != "":
        raise AmountError("has something other than digits after the decimal point")
    if integer == "" and fraction == "":
        raise AmountError("is not an amount callroom can read")
    if integer and not _valid_integer(integer, thousands):
        raise AmountError("has its thousands separators in the wrong places")
    digits = "".join(c for c in integer if c.isdigit()) or "0"
    try:
        value = Decimal(digits + ("." + fraction if fraction else ""))
    except InvalidOperation:  # pragma: no cover - guarded by the checks above
        raise AmountError("is not an amount callroom can read") from None
    return (-value if negative else value), code


def parse_amount(text: str, decimal_mark: str = ".") -> Decimal:
    """The Decimal an export printed ('$1,234.50', '(300.00)', '1.234,56 €', '1,39,240.00')."""
    return parse_money(text, decimal_mark)[0]


_NOT_NUMBER = re.compile(r"[^0-9.,]+").sub  # in ASCII text, isdigit() is exactly 0-9


def decimal_mark_evidence(text: str) -> str | None:
    """'.' or ',' when this one value shows which mark is the decimal point, else None.

    '1,234.5' and '12.50' say '.', '1.234,56' and '12,5' say ','; '1,234' says nothing.
    """
    if text.isascii():
        core = _NOT_NUMBER("", text)
    else:
        core = "".join(c for c in text if c.isdigit() or c in ".,")
    last = max(core.rfind("."), core.rfind(","))
    if last < 0:
        return None
    mark = core[last]
    other = "," if mark == "." else "."
    after = len(core) - last - 1
    if other in core[:last]:
        return mark
    if core.count(mark) > 1:
        return other  # '1.234.567' or '1,234,567': the repeated mark is a thousands separator
    if after != 3 and after > 0:
        return mark
    return None


# One mark, not followed by exactly three digits: that mark is the decimal point.
_SAYS_DOT = re.compile(r"-?[0-9]*\.(?:[0-9]{1,2}|[0-9]{4,})").fullmatch
_SAYS_COMMA = re.compile(r"-?[0-9]*,(?:[0-9]{1,2}|[0-9]{4,})").fullmatch


_GROUPED_ONLY = re.compile(r"^[^0-9]*-?\d{1,3}([.,])\d{3}(?:[^0-9.,].*)?$")


def grouping_only(text: str) -> bool:
    """True for '1.234' or '1,234' (with or without a symbol): one mark followed by exactly three
    digits, which reads as a thousands separator or as a decimal mark alike."""
    return bool(_GROUPED_ONLY.match(text.strip()))


def decimal_mark_of(values) -> tuple[str | None, str | None]:
    """The decimal mark of a file's amounts: ``(mark, None)`` when the values settle it (or none
    needs it), ``(None, example)`` when the only amounts with a mark read either way ('1.234')."""
    mark = detect_decimal_mark(values, _evidence := [])
    if _evidence[0]:
        return mark, None
    example = next((v for v in values if grouping_only(v)), None)
    return ("." if example is None else None), example


def detect_decimal_mark(values, _evidence: list | None = None) -> str:
    """The decimal mark a file uses, from all its amounts: '.' unless the evidence says ','."""
    dot = comma = 0
    says_dot, says_comma = _SAYS_DOT, _SAYS_COMMA
    for v in values:
        # The usual shapes ('3879.00', '-12,5') first; decimal_mark_evidence gives the same answer for them.
        if says_dot(v) is not None:
            dot += 1
            continue
        if says_comma(v) is not None:
            comma += 1
            continue
        ev = decimal_mark_evidence(v)
        if ev == ".":
            dot += 1
        elif ev == ",":
            comma += 1
    if _evidence is not None:
        _evidence.append(dot + comma)
    return "," if comma > dot else "."


__all__ = ["AmountError", "parse_amount", "parse_money", "detect_decimal_mark", "decimal_mark_of", "decimal_mark_evidence",
           "grouping_only", "ISO_CURRENCIES", "SYMBOL_CODES"]

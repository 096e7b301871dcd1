"""``parse_file``: one accounting export in, the open sales invoices it lists out.

The file is recognised by its content. The header row is found by the headings it
names (synonyms, see ``columns.py``); the rows under it are then read by structure:

* detail rows carry an invoice number or an amount;
* a row with a single label and no amount is a group heading (a customer in
  QuickBooks and Xero reports; a 'Customer:Job' in QuickBooks Desktop) and names the
  client of the detail rows under it, unless those rows have a customer column;
* 'Total …' rows, the 'TOTAL' row, footers ('generated at …') and repeated header
  rows are left out;
* rows for one invoice number (line-item exports) become one invoice; line totals are
  added up, and the invoice-level fields they repeat must agree;
* credit notes, payments, drafts, void and paid invoices are skipped with a reason;
* general-ledger exports (Wave) give each invoice the sum of its receivable lines.

Nothing is guessed: a balance the file cannot tell is None, a currency the file does
not state is None, and day/month order comes from the dates of the whole file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from ._speed import gc_paused, name_keys
from .amounts import ISO_CURRENCIES, AmountError, decimal_mark_of, parse_money
from .columns import MAPPABLE, MONEY_FIELDS, _split_currency, build_layout, compact, detect_format, find_header_index, title_currency
from .dates import ORDERS, DateError, detect_date_order, parse_date
from .errors import AmbiguousDateOrder, AmbiguousDecimalMark, AmbiguousSheet, ImportFileError, short
from .report import (LayoutRow, generated_on, is_basis_line, is_bucket_heading, is_generated_line, is_page_line,
                     is_percentage, is_percentage_label, is_total_label, section_currency, title_as_of)
from .textfile import decode, open_quote, read_bytes, read_rows, sniff_delimiter
from .sources import kind_of
from .workbook import OLE_MAGIC, Sheet, is_workbook, read_workbook

FIELD_ALIASES = {
    "customer": "client", "name": "client", "client_name": "client", "number": "invoice", "invoice_number": "invoice",
    "num": "invoice", "date": "issued", "invoice_date": "issued", "issue_date": "issued", "due_date": "due",
    "open_balance": "balance", "amount_due": "balance", "outstanding": "balance", "total": "amount",
    "amount_paid": "paid", "e-mail": "email", "telephone": "phone", "tel": "phone", "payment_terms": "terms",
    "transaction_type": "type",
}


@dataclass(frozen=True)
class ImportedInvoice:
    """One open sales invoice found in a file."""

    client: str
    invoice: str | None            # as printed (leading zeros kept); None in per-client aging summaries
    issued: date | None
    due: date | None
    currency: str | None           # ISO code where the file states it, else None
    balance: Decimal | None        # still owed; None where the file cannot tell
    amount: Decimal | None = None  # invoice total, where the file gives it
    email: str | None = None
    phone: str | None = None
    terms: str | None = None
    status: str | None = None
    line: int = 0                  # 1-based line in the file (first line of the invoice); a sheet's row
    contact: str | None = None     # the person to ask for, where the file names the organisation as the client
    book_status: str | None = None  # what the export's status says beyond the balance: '' (nothing), 'disputed',
    #                                 'unsent', 'uncollectible' (domain.books); None: the file has no status at all


@dataclass(frozen=True)
class Skipped:
    """A row (or invoice) of the file that is not an open invoice, and why."""

    line: int
    invoice: str | None
    reason: str
    kind: str = "other"  # credit | payment | draft | void | paid | total | other
    client: str | None = None
    email: str | None = None
    file: str = ""
    amount: Decimal | None = None   # a credit or payment row: the credit still open (unapplied), as a positive amount
    currency: str | None = None     # ... and its currency where the file states it


@dataclass(frozen=True)
class FileTotal:
    """A total row of the whole file (or of one currency's section): what the export itself says is owed."""

    line: int
    text: str
    amount: Decimal
    currency: str | None


@dataclass
class ParsedFile:
    path: str
    format_name: str
    invoices: list[ImportedInvoice]
    skipped: list[Skipped]
    encoding: str = "utf-8"
    delimiter: str = ","
    date_order: str | None = None
    decimal_mark: str = "."
    currency: str | None = None   # stated for the whole file (title block or headings)
    header_line: int = 0
    rows: int = 0                 # rows read under the header
    sheet: str | None = None      # the workbook's sheet read (line numbers are then its row numbers)
    as_of: date | None = None     # the date the report says its facts are as of (title or footer), if any
    as_of_line: int | None = None
    layout: list[LayoutRow] = field(default_factory=list)  # title, heading, section and footer lines
    totals: list[FileTotal] = field(default_factory=list)  # the file's own grand totals (per currency section)
    source: str = ""              # the kind of export (importers.sources): what a full import may close

    def where(self, line: int) -> str:
        """'line 12', or 'sheet "Aged" row 12' for a workbook."""
        return f'sheet "{self.sheet}" row {line}' if self.sheet else f"line {line}"

    @property
    def name(self) -> str:
        return _file_name(self.path)

    @property
    def described(self) -> str:
        """What the file is, as the preview names it: 'Xero sales invoices', or for a workbook
        'invoice list, workbook sheet "Invoices"'."""
        return self.format_name if self.sheet is None else f'{self.format_name}, workbook sheet "{self.sheet}"'

    @property
    def format(self) -> str:
        return self.format_name


@lru_cache(maxsize=256)
def _file_name(path) -> str:
    return Path(path).name


# ---------------------------------------------------------------- kinds of rows

_STATUS_KIND = {
    "draft": "draft", "awaitingapproval": "draft", "submitted": "draft", "pendingapproval": "draft",
    "void": "void", "voided": "void", "cancelled": "void", "canceled": "void", "deleted": "void",
    "reversed": "void",
    "paid": "paid", "fullypaid": "paid", "paidinfull": "paid",
    "partial": "partial", "partiallypaid": "partial", "partpaid": "partial", "partlypaid": "partial",
    "partialpayment": "partial", "paidpartially": "partial",
}
_STATUS_REASON = {"draft": "draft (not sent to the client)", "void": "void or cancelled", "paid": "paid"}
# Statuses that keep an invoice owed but say something the call must know (domain.books).
_BOOK_KIND = {
    "disputed": "disputed", "dispute": "disputed", "indispute": "disputed", "ondispute": "disputed",
    "contested": "disputed", "disputeopen": "disputed",
    "unsent": "unsent", "notsent": "unsent", "notyetsent": "unsent", "tobesent": "unsent", "unissued": "unsent",
    "uncollectible": "uncollectible", "uncollectable": "uncollectible", "markeduncollectible": "uncollectible",
    "writtenoff": "uncollectible", "writeoff": "uncollectible", "baddebt": "uncollectible",
    "irrecoverable": "uncollectible",
}
_NOT_SENT = {"unsent", "notsent", "notyetsent", "no", "false", "n", "0", "never"}


@lru_cache(maxsize=1024)  # a file repeats a few statuses over and over
def book_status(status: str | None, sent: str | None) -> str:
    """What an export's status (and 'Sent' column) says beyond the balance: 'disputed', 'unsent',
    'uncollectible', or '' for the usual ('overdue', 'Awaiting Payment', 'viewed')."""
    kind = _BOOK_KIND.get(re.sub(r"[^a-z]", "", (status or "").lower()), "")
    if not kind and sent and re.sub(r"[^a-z0-9]", "", sent.lower()) in _NOT_SENT:
        kind = "unsent"
    return kind

_INVOICE_TYPES = {"si", "inv", "in", "invoice", "sales invoice", "tax invoice", "statement charge", "charge",
                  "finance charge", "invoice (sales)", "accrec", "accrecinvoice"}
_TYPE_CODES = {"sc": ("credit", "credit note"), "cn": ("credit", "credit note"), "sr": ("payment", "payment"),
               "sa": ("payment", "payment on account"), "sd": ("payment", "discount"),
               "pi": ("other", "purchase invoice"), "pc": ("other", "purchase credit"), "pp": ("other", "purchase payment"),
               "pa": ("other", "purchase payment on account")}


def status_kind(status: str) -> str | None:
    return _STATUS_KIND.get(re.sub(r"[^a-z]", "", status.lower())) if status else None


def type_kind(text: str) -> tuple[str, str] | None:
    """None for an invoice (or no type), else (kind, reason) for a row to skip."""
    low = " ".join(text.lower().split())
    if not low or low in _INVOICE_TYPES:
        return None
    if low in _TYPE_CODES:
        return _TYPE_CODES[low]
    if "credit" in low:
        return "credit", "credit note"
    if "refund" in low:
        return "payment", "refund"
    if "receipt" in low:
        return "payment", "sales receipt (paid at the time of sale)" if "sales" in low else "payment received"
    if "payment" in low or low in ("deposit", "unapplied cash"):
        return "payment", "payment"
    if "journal" in low:
        return "other", "journal entry"
    if any(w in low for w in ("estimate", "quote", "sales order", "proforma", "pro forma")):
        return "other", f"not an invoice ({text.strip()})"
    if any(w in low for w in ("bill", "purchase", "expense", "vendor", "supplier")):
        return "other", f"not a sales invoice ({text.strip()})"
    if "invoice" in low or "charge" in low:
        return None
    return "other", f"not an invoice ({text.strip()})"


_TOTAL_WORDS = ("total", "grand total", "sub-total", "subtotal", "report total")
_BARE_TOTAL = re.compile(r"^(?:grand\s+|report\s+|sub-?\s?)?(?:totals?|summe|gesamt(?:summe)?|zwischensumme|totaal|"
                         r"totale|totalt|sous-total)\s*:?\s*(?:[A-Z]{3})?\s*$", re.I)


def _bare_total(text: str) -> bool:
    """A label that is a total word and nothing else (perhaps with a currency code): 'Summe', 'TOTAL EUR'."""
    return bool(_BARE_TOTAL.match(text))


_TOTAL_EXACT = re.compile(r"^(?:grand\s+|report\s+|sub-?)?totals?\s*:?$", re.I)
_TOTAL_START = re.compile(r"^(?:grand\s+|sub-?)?totals?\b(?:\s+for)?\s*:?\s*", re.I)
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_EMAIL_ANY = re.compile(r"[^@\s,;<>()\"']+@[^@\s,;<>()\"']+\.[A-Za-z]{2,}")
_DATEISH = ("date", "utc")
_UNSEEN = object()


def _values(cells: list[str], n: int, width: int, excel: bool) -> list[str]:
    """A row's cells stripped, Excel's ="0042" unwrapped, padded with "" up to ``width`` columns, and
    one "" more at the end: ``vals[j]`` is cell j as read, "" where the row is short, and
    ``vals[-1]`` is "" (what a column the file does not have reads as; see ``_at``).
    ``excel``: whether the file's text has '="' anywhere (when not, no cell needs unwrapping)."""
    vals = list(map(str.strip, cells))
    if excel:
        vals = [v[2:-1] if v[:2] == '="' and v[-1:] == '"' else v for v in vals]
    if n < width:
        vals += [""] * (width - n)
    vals.append("")
    return vals


def _reader(vals: list[str], n: int):
    """``g(j)``: cell ``j`` of a row from ``_values``, "" for None or a column past the row's end."""
    def g(j: int | None) -> str:
        return "" if j is None or j >= n else vals[j]
    return g


def _at(j: int | None) -> int:
    """Where column ``j`` is read in ``_values``: -1 (always "") for a column the file does not have."""
    return -1 if j is None else j


@dataclass
class _Heading:
    col: int
    text: str
    email: str = ""
    phone: str = ""
    line: int = 0
    used: bool = False


_DECIMALS = {",": ",", "comma": ",", "decimal-comma": ",", ".": ".", "point": ".", "dot": ".", "period": "."}
_NEEDED = ("client", "invoice", "balance", "amount", "paid", "line_total", "issued", "due", "currency")
_SUMMED = ("balance", "amount", "paid", "line_total", "buckets")


# ---------------------------------------------------------------- the parser

def parse_file(path, *, date_order: str | None = None, mapping: dict[str, str] | None = None,
               decimal: str | None = None, sheet: str | None = None) -> ParsedFile:
    """Read one export (CSV or an .xlsx workbook); raises ImportFileError (nothing imported) when it is
    refused. ``decimal``: ',' (or 'comma') or '.' ('point') when the amounts read both ways;
    ``sheet``: the workbook's sheet to read (its name or its number from 1) when several hold invoices."""
    with gc_paused():
        return _Parser(Path(path), date_order, mapping, decimal, sheet).run()


class _Parser:
    def __init__(self, path: Path, date_order: str | None, mapping: dict[str, str] | None,
                 decimal: str | None = None, sheet: str | None = None):
        self.path = path
        self.name = path.name
        self.decimal = None
        if decimal is not None:
            self.decimal = _DECIMALS.get(str(decimal).strip().lower())
            if self.decimal is None:
                raise ImportFileError(self.name, "the decimal mark must be comma or point", value=str(decimal),
                                      hint="Use comma for 1.234,56 and point for 1,234.56.")
        self.sheet_wanted = None if sheet is None or not str(sheet).strip() else str(sheet).strip()
        self.sheet: str | None = None
        self.numbers: set[str] = set()           # a workbook's number cells, as text: read as they are
        self.errors: dict[tuple[int, int], str] = {}
        self.layout_rows: list[LayoutRow] = []
        if date_order is not None:
            date_order = str(date_order).lower().strip()
            if date_order not in ORDERS:
                raise ImportFileError(self.name, f"the date order must be one of {', '.join(ORDERS)}",
                                      value=date_order, hint="Use dmy for 31/03/2026, mdy for 03/31/2026, ymd for 2026/03/31.")
        self.date_order = date_order
        self.mapping = self._check_mapping(mapping)
        self._key = name_keys()

    # ------------------------------------------------------------ setup

    def _check_mapping(self, mapping):
        if not mapping:
            return None
        out = {}
        for f, heading in mapping.items():
            key = str(f).strip().lower().replace(" ", "_").replace("-", "_")
            key = FIELD_ALIASES.get(key, key)
            if key not in MAPPABLE:
                raise ImportFileError(
                    self.name, f"callroom has no field called '{f}' to map a column to", value=None,
                    hint="The fields are: " + ", ".join(sorted(set(MAPPABLE) - {"ledger_amount"})) + ".")
            if not str(heading).strip():
                raise ImportFileError(self.name, f"the column heading given for '{f}' is empty",
                                      hint=f'Write it as {f}="Heading as in the file".')
            out[key] = str(heading).strip()
        return out

    def run(self) -> ParsedFile:
        data = read_bytes(self.path)
        if is_workbook(data):
            return self._run_workbook()
        if data[:8] == OLE_MAGIC:
            raise ImportFileError(self.name, "this is an old-style Excel workbook (.xls) or a password-protected one",
                                  line=1, hint="Open it in your spreadsheet program, save it as .xlsx (without a "
                                               "password) or as CSV, and import that.")
        if self.sheet_wanted is not None:
            raise ImportFileError(self.name, "is a CSV file, which has no sheets", value=self.sheet_wanted,
                                  hint="Leave out the sheet (--sheet is for Excel workbooks) and import it again.")
        self._check_bytes(data)
        text, encoding = decode(data, self.name)
        if not text.strip().strip("\ufeff").strip():
            self._empty()
        delimiter = sniff_delimiter(text)
        self.excel = '="' in text  # a cell can only read ="0042" if the text has '="' somewhere
        rows = read_rows(text, delimiter, self.name)
        self._text = text
        return self._parse(rows, encoding, delimiter)

    # ------------------------------------------------------------ workbooks

    def _run_workbook(self) -> ParsedFile:
        sheets = read_workbook(self.path, self.name)
        sheet = self._pick_sheet(sheets)
        self.sheet, self.numbers, self.errors, self.excel = sheet.name, sheet.numbers, sheet.errors, False
        try:
            return self._parse(sheet.rows, "xlsx", "")
        except ImportFileError as e:
            raise e.in_sheet(sheet.name) from None

    def _pick_sheet(self, sheets: list[Sheet]) -> Sheet:
        names = ", ".join(f'"{s.name}"' for s in sheets) or "(none)"
        if self.sheet_wanted is not None:
            want = self.sheet_wanted
            found = next((s for s in sheets if s.name == want), None) or next(
                (s for s in sheets if s.name.strip().lower() == want.lower()), None)
            if found is None and want.isdigit() and 1 <= int(want) <= len(sheets):
                found = sheets[int(want) - 1]
            if found is None:
                raise ImportFileError(self.name, "the workbook has no sheet of that name", value=want,
                                      hint=f"Its sheets are: {names}.")
            return found
        scored = [(self._sheet_level(s), i, s) for i, s in enumerate(sheets)]
        best = max((lv for lv, _, _ in scored), default=0)
        if best == 0:
            if len(sheets) == 1:
                return sheets[0]  # the usual message about its headings
            raise ImportFileError(
                self.name, f"no sheet of this workbook has invoice columns (such as Customer, Invoice number, "
                           f"Balance): its sheets are {names}",
                hint="Check that this is the report of open invoices, or save the right sheet as CSV and import that.")
        top = [s for lv, _, s in scored if lv == best]
        if len(top) > 1:
            listed = ", ".join(f'"{s.name}"' for s in top)
            raise AmbiguousSheet(
                self.name, f"more than one sheet holds invoices ({listed}), and callroom will not guess which one "
                           "to import", sheets=[s.name for s in top],
                hint=f'Say which sheet to read: --sheet "{top[0].name}" with callroom import, or the Sheet box of '
                     "the import window.")
        return top[0]

    def _sheet_level(self, sheet: Sheet) -> int:
        """2: a sheet of invoices (numbers and amounts), 1: balances per client, 0: anything else."""
        rows = sheet.rows
        if not any(any(c.strip() for c in cells) for _, cells in rows):
            return 0
        idx = find_header_index(rows, self.mapping)
        if idx is None:
            return 0
        layout, missing = build_layout(rows, idx, self.mapping)
        if missing or not any(any(c.strip() for c in cells) for _, cells in rows[idx + 1:]):
            return 0
        money = bool({"balance", "amount", "line_total"} & layout.cols.keys() or layout.buckets)
        if money and "invoice" in layout.cols:
            return 2
        return 1 if money and ("client" in layout.cols or layout.label_cols) else 0

    # ------------------------------------------------------------ rows to invoices

    def _parse(self, rows, encoding: str, delimiter: str) -> ParsedFile:
        if not any(any(c.strip() for c in cells) for _, cells in rows):
            self._empty()
        idx = find_header_index(rows, self.mapping)
        if idx is None:
            self._no_header(rows)
        layout, missing = build_layout(rows, idx, self.mapping)
        if missing:
            raise ImportFileError(
                self.name, "the file has no column headed " + " or ".join(f'"{m}"' for m in missing),
                line=layout.line,
                hint="The headings on line %d are: %s. Check the spelling in the column mapping." % (
                    layout.line, ", ".join(f'"{h}"' for h in layout.headers if h) or "(none)"))
        self.rows = rows
        self.layout = layout
        if delimiter:
            self._check_quotes(rows, idx, delimiter)
        self.title_rows = [(ln, " ".join(c.strip() for c in cells if c.strip())) for ln, cells in rows[:idx]
                           if any(c.strip() for c in cells)]
        self.title = [t for _, t in self.title_rows]
        self.format = detect_format(self.title, layout, workbook=self.sheet is not None)
        self.body = [(ln, cells) for ln, cells in rows[idx + 1:] if any(map(str.strip, cells))]
        if not self.body:
            raise ImportFileError(
                self.name, f"the file has column headings on line {layout.line} but no rows under them",
                line=layout.line,
                hint="Export the report again with its invoices (check its date range and filters) and import that.")
        title_cur = None
        if not layout.header_currency:
            stated = {c for c in map(section_currency, self.title) if c}
            title_cur = title_currency(self.title) or (stated.pop() if len(stated) == 1 else None)
        self.file_currency = layout.header_currency or title_cur
        self.ledger = "account" in layout.cols and ({"ledger_amount", "debit", "credit"} & layout.cols.keys()) \
            and "balance" not in layout.cols
        self._check_columns()
        self._scan()
        invoices, skipped = self._read()
        as_of, as_of_line = self._as_of()
        self._title_layout(as_of_line)
        self.layout_rows.sort(key=lambda r: r.line)
        return ParsedFile(
            path=str(self.path), format_name=self.format.name, invoices=invoices, skipped=skipped,
            encoding=encoding, delimiter=delimiter, date_order=self.order, decimal_mark=self.mark,
            currency=self.file_currency, header_line=layout.line, rows=len(self.body), sheet=self.sheet,
            as_of=as_of, as_of_line=as_of_line, layout=self.layout_rows, totals=self._file_totals,
            source=self._source(),
        )

    def _source(self) -> str:
        """The kind of export (importers.sources): the tool, or for a generic list its recognised headings."""
        L = self.layout
        used = sorted({*L.cols.values(), *L.buckets})
        return kind_of(self.format.family, [L.heading(j) for j in used])

    def _check_quotes(self, rows, idx: int, delimiter: str) -> None:
        """Refuse a file where a quote mark opened by mistake swallows the lines after it (they would be
        read as one value and their invoices lost): see ``textfile.open_quote``."""
        L = self.layout
        cols = L.cols
        widths = {len(rows[idx][1])}
        counts: dict[int, int] = {}
        for i in range(idx + 1, min(len(rows) - 1, idx + 400)):
            if rows[i + 1][0] - rows[i][0] == 1 and len(rows[i][1]) > 1:
                counts[len(rows[i][1])] = counts.get(len(rows[i][1]), 0) + 1
        if counts:
            widths.add(max(counts.items(), key=lambda kv: kv[1])[0])
        money = [cols[f] for f in MONEY_FIELDS if f in cols] + list(L.buckets)
        dated = [cols[f] for f in ("issued", "due") if f in cols]

        def looks_like_row(cells: list[str]) -> bool:
            n = len(cells)
            if n < 2 or n not in widths:
                return False
            for j in money:
                v = cells[j].strip() if j < n else ""
                if v and (_is_amount(v, ".") or _is_amount(v, ",")):
                    return True
            return any(j < n and cells[j].strip() and _looks_like_date(cells[j].strip()) for j in dated)

        found = open_quote(self._text, rows, delimiter, looks_like_row)
        if found is None:
            return
        n_after = found.last_line - found.line
        after = (f"line {found.line + 1}" if n_after == 1 else f"lines {found.line + 1} and {found.last_line}"
                 if n_after == 2 else f"lines {found.line + 1} to {found.last_line}")
        lost = ("a row of the file and its invoice lost" if found.swallowed == 1
                else f"{found.swallowed} rows of the file and their invoices lost")
        if found.to_the_end:
            what = (f"never closes, so everything after it to the end of the file ({after}) would be read as this "
                    "one value" if n_after > 0 else "never closes") + (f": {lost}" if found.swallowed else "")
        else:
            what = f"is not closed on its line, so {after} would be read as part of this one value: {lost}"
        raise ImportFileError(
            self.name, f'a quote mark (") opens here, before "{short(found.first)}", and {what}',
            line=found.line, column=L.heading(found.column),
            hint=f"Open the file in a text editor, add the missing closing quote mark on line {found.line} (or "
                 "remove the one that opens), save it and import it again; or export the file again from your "
                 "accounting program.")

    def _as_of(self) -> tuple[date | None, int | None]:
        """The report's as-of date: a title line ('As of March 31, 2026'), else a footer line saying so,
        else the date it was generated on (title or footer)."""
        footers = [(h.line, h.text) for h in self._headings if not h.used]
        for lines in (self.title_rows, footers):
            d, ln = title_as_of(lines, self.order)
            if d is not None:
                return d, ln
        return generated_on(self.title_rows + footers, self.order)

    def _title_layout(self, as_of_line: int | None) -> None:
        add = self.layout_rows.append
        cur_lines = {ln for ln, t in self.title_rows if section_currency(t)}
        for ln, text in self.title_rows:
            if ln == as_of_line:
                add(LayoutRow(ln, "as-of", "title: the date the report is as of", text))
            elif ln in cur_lines:
                add(LayoutRow(ln, "currency", f"title: currency {section_currency(text)} for the whole file", text))
            elif is_basis_line(text):
                add(LayoutRow(ln, "title", "title: aging basis", text))
            elif is_generated_line(text):
                add(LayoutRow(ln, "title", "title: when the report was made", text))
            else:
                add(LayoutRow(ln, "title", "title block (company or report name)", text))
        for h in self._headings:
            if h.used:
                add(LayoutRow(h.line, "heading", "client group heading (names the client of the rows under it)", h.text))
            elif h.line == as_of_line:
                add(LayoutRow(h.line, "footer", "footer: the date the report is as of", h.text))
            elif is_generated_line(h.text) or is_page_line(h.text):
                add(LayoutRow(h.line, "footer", "footer", h.text))
            else:
                add(LayoutRow(h.line, "note", "a line with no invoice and no amount under the headings", h.text))

    def _check_bytes(self, data: bytes) -> None:
        bare = data.strip(b" \t\r\n\x00")
        for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
            if bare.startswith(bom):
                bare = bare[len(bom):].strip(b" \t\r\n\x00")
        if not bare:
            self._empty()
        if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise ImportFileError(self.name, "this is an Excel workbook, not a CSV file", line=1,
                                  hint="Open it in your spreadsheet program, choose Save As > CSV, and import the CSV.")
        if data[:5] == b"%PDF-":
            raise ImportFileError(self.name, "this is a PDF, not a CSV file", line=1,
                                  hint="Export the report from your accounting program as CSV and import that.")
        if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            nul = data.index(b"\x00")
            raise ImportFileError(self.name, "the file contains binary data, not text", line=data.count(b"\n", 0, nul) + 1,
                                  hint="Export the report from your accounting program as CSV and import that.")

    def _empty(self):
        raise ImportFileError(self.name, "the file is empty", line=1,
                              hint="Export your open invoices again from your accounting program and import the new file.")

    def _no_header(self, rows):
        first_line, first = next(((ln, c) for ln, c in rows if any(x.strip() for x in c)), (1, []))
        if self.mapping:
            problem = ("none of the first lines has all the headings you named (" +
                       ", ".join(f'"{h}"' for h in self.mapping.values()) + ")")
            hint = "Check the spelling of each heading in the column mapping against the file."
        else:
            problem = ("callroom could not find the row of column headings (such as Customer, Invoice number, "
                       "Due date, Balance) in the first lines of the file")
            hint = ('If this export names its columns differently, say which column holds what, for example '
                    'client=Cust, invoice=Doc No, balance=Amt Left in the Columns box of the import window, or '
                    '--map client="Cust" --map invoice="Doc No" --map balance="Amt Left" with callroom import.')
        raise ImportFileError(self.name, problem, line=first_line, value=",".join(first) if first else None,
                              hint=hint)

    def _missing(self, what: str, field_name: str, also: str = ""):
        fmt = self.format
        expected = dict(fmt.expects).get(field_name)
        looks = (f"looks like a {fmt.name} export" if fmt.family != "generic"
                 else "looks like an invoice list")
        named = f' (that export calls it "{expected}")' if expected else ""
        raise ImportFileError(
            self.name,
            f"the file {looks}, but it has no column for {what}{named}{also}",
            line=self.layout.line,
            hint=(f"Export it again with that column included, or tell callroom which column holds it: "
                  f"{field_name}=Heading in your file, in the Columns box of the import window, or "
                  f'--map {field_name}="Heading in your file" with callroom import.'),
        )

    def _check_columns(self) -> None:
        cols = self.layout.cols
        if self.ledger:
            if "invoice" not in cols:
                self._missing("the invoice number", "invoice")
            return
        if not ({"balance", "amount", "line_total"} & cols.keys() or self.layout.buckets):
            self._missing("the amount still owed", "balance")
        summary = bool(self.layout.buckets) or bool(
            re.search(r"summary|aged|aging|ageing|balance", " ".join(self.title).lower()))
        if "invoice" not in cols and not summary:
            self._missing("the invoice number", "invoice",
                          also=" (or, for a per-client balance report, aging columns such as Current, 1-30, 31-60)")

    # ------------------------------------------------------------ pass 1: evidence from the whole file

    def _scan(self) -> None:
        L = self.layout
        cols = L.cols
        date_cols = {j for j, c in enumerate(L.compact) if any(w in c for w in _DATEISH)}
        for f in ("issued", "due"):
            if f in cols:
                date_cols.add(cols[f])
        money_cols = sorted({cols[f] for f in ("balance", "amount", "paid", "line_total", "ledger_amount", "debit", "credit")
                             if f in cols} | set(L.buckets))
        date_seen: dict[str, tuple[int, int]] = {}
        money_seen: dict[str, None] = {}  # in file order: the first ambiguous amount is the one named
        due_values: list[str] = []
        paid_values: list[str] = []
        due_col, paid_col = cols.get("due"), cols.get("paid")
        dcols, mcols = sorted(date_cols), money_cols
        numbers = self.numbers
        for ln, cells in self.body:
            n = len(cells)
            for j in dcols:
                if j < n:
                    v = cells[j]
                    if v and v not in date_seen:
                        date_seen[v] = (ln, j)
                        date_seen.setdefault(v.strip(), (ln, j))
            for j in mcols:
                if j < n:
                    v = cells[j]
                    if v and "\n" not in v and v not in numbers:
                        money_seen[v] = None
            if due_col is not None and due_col < n and cells[due_col].strip() and len(due_values) < 200:
                due_values.append(cells[due_col].strip())
            if paid_col is not None and paid_col < n and cells[paid_col].strip() and len(paid_values) < 200:
                paid_values.append(cells[paid_col].strip())
        if self.decimal is not None:
            self.mark = self.decimal
        else:
            mark, example = decimal_mark_of(money_seen)
            if mark is None:
                ln, j = next(((ln, j) for ln, cells in self.body for j in mcols
                              if j < len(cells) and cells[j] == example), (None, None))
                readings = []
                for m in (",", "."):
                    try:
                        readings.append(f"{parse_money(example, m)[0]:,}")
                    except AmountError:
                        pass
                both = f" ({' or '.join(readings)})" if len(readings) == 2 else ""
                raise AmbiguousDecimalMark(
                    self.name, f"reads two ways{both}, and no amount in the file shows which mark is the decimal one",
                    line=ln, column=L.heading(j) if j is not None else None, value=example,
                    hint="Say which: --decimal comma for amounts written like 1.234,56, --decimal point for "
                         "1,234.56 (in the import window: ctrl+t).")
            self.mark = mark
        # A 'Due' column holding amounts is what is due, not a due date (Xero 'Total, Paid, Credited, Due').
        if (due_values and "due" not in L.mapped and L.compact[due_col] == "due" and "balance" not in cols
                and not any(_looks_like_date(v) for v in due_values)
                and all(v in numbers or _is_amount(v, self.mark) for v in due_values)):
            cols["balance"] = cols.pop("due")
            money_seen.update(dict.fromkeys(due_values))
        # Stripe's 'Paid' is true/false, not an amount.
        if paid_values and "paid" not in L.mapped and not all(v in numbers or _is_amount(v, self.mark)
                                                               for v in paid_values):
            cols.pop("paid")
        if self.date_order:
            self.order = self.date_order
            return
        order, example = detect_date_order(date_seen.keys())
        if order is None and example is not None:
            ln, j = date_seen[example]
            raise AmbiguousDateOrder(
                self.name,
                "could be a day-first or a month-first date, and no date in the file has a day above 12 to tell "
                "which", line=ln, column=L.heading(j), value=example,
                hint="Import the file again saying which order it uses: date order 'dmy' if "
                     f"{example} is day/month/year, 'mdy' if it is month/day/year (or 'ymd').",
            )
        self.order = order

    # ------------------------------------------------------------ pass 2: rows to invoices

    def _read(self) -> tuple[list[ImportedInvoice], list[Skipped]]:
        L = self.layout
        cols = L.cols
        g_client, g_inv = cols.get("client"), cols.get("invoice")
        g_email, g_phone = cols.get("email"), cols.get("phone")
        g_type, g_status = cols.get("type"), cols.get("status")
        money_cols = [cols[f] for f in ("balance", "amount", "paid", "line_total", "ledger_amount", "debit", "credit")
                      if f in cols] + L.buckets
        header_raw = list(self.rows[L.index][1])
        self._header_raw = header_raw
        self._header_compact = [compact(_split_currency(c.strip())[0]) for c in header_raw if c and not c.isspace()]
        header_inv = header_raw[g_inv].strip() if g_inv is not None and g_inv < len(header_raw) else None
        split_jobs = self.format.family == "quickbooks"
        stack: list[_Heading] = []
        groups: dict = {}
        order: list = []
        skipped: list[Skipped] = []
        self._dates: dict[int, dict[str, date]] = {}  # column -> cell text -> date
        self._prepare_record()
        # Each row's cells are cleaned once into ``vals`` (see ``_values``): vals[at(j)] is what g(j) gives.
        width = max((*cols.values(), *L.buckets), default=-1) + 1
        at = _at
        x_inv, x_client, x_email, x_phone = at(g_inv), at(g_client), at(g_email), at(g_phone)
        x_type, x_status = at(g_type), at(g_status)
        x_money = [at(j) for j in money_cols]
        excel = self.excel

        x_contact = at(cols.get("contact"))
        self._headings: list[_Heading] = []
        self._section_cur: str | None = None
        # Running totals of the invoice rows' amounts, and where the current group and section began: the sums
        # since then are the differences (one addition per amount per row, whatever the number of levels).
        self._cum: dict[str, Decimal] = {}
        self._marks: list[dict[str, Decimal]] = [{}, {}, {}]  # the totals when the group, the section, the file began
        self._rows_since = [0, 0, 0]
        self._codes: set[str] = set()                        # currencies printed with the amounts
        self._currency_lines: list[tuple[int, str]] = []     # (line, code) of the currency lines under the headings
        self._last_client = ""                               # the name key of the last invoice row's client
        self._credits_seen: set[tuple[str, str]] = set()     # (client key, number) of credits counted
        self._file_totals: list[FileTotal] = []
        last_detail = 0
        errors = self.errors
        needed = [at(cols[f]) for f in _NEEDED if f in cols] + [at(j) for j in L.buckets]

        for ln, cells in self.body:
            n = len(cells)
            vals = _values(cells, n, width, excel)
            inv = vals[x_inv]
            has_money = False
            for x in x_money:
                if vals[x]:
                    has_money = True
                    break
            if (not inv or inv[0] in "Tt" or not has_money or inv == header_inv) and \
                    self._layout_row(ln, cells, vals, inv, has_money, stack, header_raw, skipped, x_client, x_email,
                                     x_phone, x_money):
                continue
            if errors:
                self._check_errors(ln, needed)

            # ---- a detail row
            client = vals[x_client]
            if not client and x_contact >= 0:
                client = vals[x_contact]  # no organisation on this row: the person is the client
            if not client:
                client = next((cells[j].strip() for j in L.label_cols if j < n and cells[j].strip()), "")
            heading = stack[0] if stack else None
            if not client and heading is not None:
                client = heading.text
                heading.used = True
            if split_jobs and ":" in client:
                client = client.split(":", 1)[0].strip() or client
            email = vals[x_email]
            phone = vals[x_phone]
            if heading is not None and not vals[x_client]:
                email = email or heading.email
                phone = phone or heading.phone
            email = email if email and _EMAIL.match(email) else None
            if not client:
                client = email or ""
            if self.ledger:
                self._ledger_row(ln, cells, _reader(vals, n), client, inv, groups, order, skipped)
                continue
            rec = self._record(ln, vals, client, inv, email, phone)
            contact = vals[x_contact]
            rec["contact"] = contact if contact and contact != client else None
            if not client:
                if g_client is None and not L.label_cols and g_email is None:
                    self._missing("the customer's name", "client")
                raise ImportFileError(
                    self.name, "this row has no customer name" + (" or email" if g_email is not None else ""),
                    line=ln, column=L.heading(g_client) if g_client is not None else None,
                    value=None, hint="Fill in the customer for this row (or remove the row), export again and import it.")
            tk = type_kind(vals[x_type]) if g_type is not None else None
            if tk is None and rec["balance"] is not None and rec["balance"] < 0 and g_type is None \
                    and "credit" in (vals[x_status] or "").lower():
                tk = ("credit", "credit note")
            if g_inv is not None and not inv and tk is None:
                sk = status_kind(rec["status"] or "")
                if sk in _STATUS_REASON:
                    skipped.append(Skipped(ln, None, _STATUS_REASON[sk], sk, client, email, self.name))
                elif self._sums_match(rec):
                    skipped.append(Skipped(ln, None, f"subtotal for {client} (its amounts are the sum of the rows above)",
                                           "total", file=self.name))
                    self._restart(0)
                else:
                    skipped.append(Skipped(ln, None, "no invoice number", "other", client, email, self.name))
                continue
            self._add_sums(rec)
            last_detail = ln
            self._last_client = self._key(client)
            if tk is not None:
                skipped.append(Skipped(ln, inv or None, tk[1], tk[0], client, email, self.name,
                                       *(self._open_credit(rec, tk[0]) if tk[0] in ("credit", "payment")
                                         else (None, None))))
                continue
            key = inv if g_inv is not None else (self._key(client) or client.lower(), rec["currency"])
            prev = groups.get(key)
            if prev is None:
                groups[key] = rec
                order.append(key)
            else:
                self._merge(prev, rec, cells, ln)

        # One currency line after every invoice row ('Currency: NZD' under the totals), and no other: the
        # currency of the whole file, as if it stood in the title.
        lines = self._currency_lines
        if lines and not self.file_currency and all(ln > last_detail for ln, _ in lines) \
                and len({c for _, c in lines}) == 1:
            self.file_currency = lines[0][1]
            for i, r in enumerate(self.layout_rows):
                if r.line == lines[0][0]:
                    self.layout_rows[i] = LayoutRow(r.line, "currency", f"footer: currency {self.file_currency} for the "
                                                                        "whole file", r.text)
            for rec in groups.values():
                if rec.get("currency") is None:
                    rec["currency"] = self.file_currency
        if self.ledger:
            return self._ledger_finish(groups, order, skipped)
        invoices: list[ImportedInvoice] = []
        for key in order:
            rec = groups[key]
            self._finish(rec, invoices, skipped)
        skipped.sort(key=lambda s: s.line)
        return invoices, skipped

    # ------------------------------------------------------------ layout rows

    def _layout_row(self, ln, cells, vals, inv, has_money, stack, header_raw, skipped, x_client, x_email, x_phone,
                    x_money) -> bool:
        """True when the row is part of the document's layout rather than an invoice: a total, a
        percentage row, the headings again, a section line (currency, aging bucket), a client group
        heading, a note or a footer. Recognised by structure: no invoice number, a total word, no
        amount, or amounts that are the sum of the rows above."""
        L = self.layout
        texts = [(j, c.strip()) for j, c in enumerate(cells) if c and not c.isspace()]
        if not texts:
            return True
        first_j, first = texts[0]
        add = self.layout_rows.append
        # the column headings again (a page break, or a new section of the report)
        if cells == self._header_raw or self._header_again(texts):
            cur = {c for _, c in map(_split_currency, (t for _, t in texts)) if c}
            if len(cur) == 1:
                self._section_cur = cur.pop()
                self._restart(1)
            add(LayoutRow(ln, "header", "the column headings again", " | ".join(t for _, t in texts)))
            return True
        label_row = not inv or inv == first
        # 'Total …', 'Total for …', 'TOTAL', 'Grand Total', 'Acme Ltd Total', 'Summe'
        if label_row and is_total_label(first) and not is_percentage_label(first):
            if first.lower().startswith(_TOTAL_WORDS):
                rest = _TOTAL_START.sub("", first, count=1).strip()
                total = self._is_total(first, first_j, stack) or is_bucket_heading(rest) or bool(
                    section_currency(rest)) or (bool(rest) and self._key(rest) == self._last_client) or (
                    has_money and self._sums_match(self._amounts_of(vals, ln)))
            else:
                total = bool(stack) or _bare_total(first) or (has_money and self._sums_match(self._amounts_of(vals, ln)))
            if total:
                if not stack and (_bare_total(first) or _TOTAL_EXACT.match(first)):
                    self._grand_total(ln, first, vals)
                self._close_group(first, stack)
                self._restart(0)
                skipped.append(Skipped(ln, None, "total row", "total", file=self.name))
                return True
        # 'Percentage of total' and rows of percentages
        if label_row and has_money and (is_percentage_label(first) or all(
                is_percentage(vals[x]) for x in x_money if vals[x])):
            skipped.append(Skipped(ln, None, "percentage row", "total", file=self.name))
            return True
        if not has_money and (not inv or len(texts) == 1):
            text = " ".join(t for _, t in texts)
            cur = section_currency(text) if len(texts) == 1 or section_currency(first) else None
            if cur:
                self._section_cur = cur
                self._restart(0, 1)
                stack.clear()
                self._currency_lines.append((ln, cur))
                add(LayoutRow(ln, "currency", f"currency section: the rows under it are in {cur}", text))
                return True
            if len(texts) == 1 and is_bucket_heading(first):
                stack.clear()
                self._restart(0)
                add(LayoutRow(ln, "bucket", "aging bucket heading", text))
                return True
            if len(texts) == 1 and (is_page_line(first) or is_basis_line(first)):
                add(LayoutRow(ln, "footer", "page or basis line", text))
                return True
            # A heading (customer group), a note or a footer: it only matters if detail rows follow.
            email = vals[x_email] or next((m.group(0) for c in cells for m in [_EMAIL_ANY.search(c)] if m), "")
            while stack and stack[-1].col >= first_j:
                stack.pop()
            h = _Heading(first_j, first, email, vals[x_phone], ln)
            stack.append(h)
            self._headings.append(h)
            self._restart(0)
            return True
        # amounts with no invoice number and no name: a total when they add up to the rows above
        if has_money and not inv and not vals[x_client] and not any(
                j < len(cells) and cells[j].strip() for j in L.label_cols):
            found = self._amounts_of(vals, ln)
            if self._sums_match(found):
                if stack:
                    stack.pop()
                self._restart(0)
                skipped.append(Skipped(ln, None, "total row (its amounts are the sum of the rows above)", "total",
                                       file=self.name))
                return True
        return False

    def _grand_total(self, ln: int, label: str, vals) -> None:
        """Keep a total row of the whole file (or of a currency section): what the export says is owed."""
        cols = self.layout.cols
        j = cols.get("balance", cols.get("amount", cols.get("line_total")))
        raws = [vals[j]] if j is not None and vals[j] else [vals[b] for b in self.layout.buckets if vals[b]]
        amount, code = None, None
        for raw in raws:
            try:
                v, c = (Decimal(raw), None) if raw in self.numbers else parse_money(raw, self.mark)
            except AmountError:
                return
            amount = v if amount is None else amount + v
            code = code or c
        if amount is None:
            return
        stated = {c for c in re.findall(r"\b[A-Z]{3}\b", label) if c in ISO_CURRENCIES}
        currency = (stated.pop() if len(stated) == 1 else None) or self._section_cur or self.file_currency or code
        self._file_totals.append(FileTotal(ln, label, amount, currency))

    def _header_again(self, texts) -> bool:
        """The header row printed again, its currency aside ('Balance (USD)' under 'Balance (EUR)')."""
        want = self._header_compact
        if len(texts) != len(want):
            return False
        return [compact(_split_currency(t)[0]) for _, t in texts] == want

    def _amounts_of(self, vals, ln) -> dict[str, Decimal] | None:
        """A row's amounts by field (as ``_record`` reads them), or None when one is not an amount."""
        out: dict[str, Decimal] = {}
        for f, j in self._money_cols:
            raw = vals[j]
            if raw:
                try:
                    out[f] = self._money(f, j, raw, ln)[0]
                except ImportFileError:
                    return None
        if self.layout.buckets:
            total = None
            for j in self.layout.buckets:
                raw = vals[j]
                if raw:
                    try:
                        v = self._money("balance", j, raw, ln)[0]
                    except ImportFileError:
                        return None
                    total = v if total is None else total + v
            if total is not None:
                out["buckets"] = total
        return out

    def _add_sums(self, rec: dict) -> None:
        cum = self._cum
        for f in _SUMMED:
            v = rec[f]
            if v is not None:
                cum[f] = cum.get(f, 0) + v
        since = self._rows_since
        since[0] += 1
        since[1] += 1
        since[2] += 1

    def _restart(self, *levels: int) -> None:
        """A new group (0) or section (1) begins here: its sums start from nothing."""
        for lv in levels:
            self._marks[lv] = dict(self._cum)
            self._rows_since[lv] = 0

    def _sums_match(self, found) -> bool:
        """Whether a row's amounts are the sum of the detail rows above it (since its group, its section
        or the file began): the structure of a total row, whatever it is called."""
        if not found:
            return False
        values = {f: v for f, v in found.items() if f in _SUMMED and v is not None}
        if not values:
            return False
        cum = self._cum
        return any(n and all(cum.get(f, 0) - mark.get(f, 0) == v for f, v in values.items())
                   for n, mark in zip(self._rows_since, self._marks))

    def _check_errors(self, ln: int, needed: list[int]) -> None:
        for j in needed:
            if j >= 0 and (ln, j) in self.errors:
                value = self.errors[(ln, j)]
                raise ImportFileError(
                    self.name, "is an error cell: the workbook could not work out this value", line=ln,
                    column=self.layout.heading(j), value=value,
                    hint="Fix the formula in the workbook (or type the value in), save it and import it again.")

    def _is_total(self, text: str, col: int, stack: list[_Heading]) -> bool:
        if _TOTAL_EXACT.match(text):
            return True
        low = text.lower()
        if re.match(r"^(grand\s+|sub-?)?totals?\s+for\b", low):
            return True
        rest = _TOTAL_START.sub("", text, count=1).strip()
        if any(rest == h.text or rest.split(":")[0] == h.text.split(":")[0] for h in stack):
            return True
        if stack:
            return True
        # 'Total Fitness Ltd' in the customer column (or the unheaded label column) of a per-client list,
        # outside any group, is a customer, not a total.
        client_col = self.layout.cols.get("client")
        return not (col == client_col or col in self.layout.label_cols)

    @staticmethod
    def _close_group(text: str, stack: list[_Heading]) -> None:
        if _TOTAL_EXACT.match(text):
            stack.clear()
            return
        rest = _TOTAL_START.sub("", text, count=1).strip()
        for i, h in enumerate(stack):
            if h.text == rest:
                del stack[i:]
                return

    # ------------------------------------------------------------ values

    def _money(self, f: str, j: int, raw: str, ln: int) -> tuple[Decimal, str | None]:
        if raw in self.numbers:
            return Decimal(raw), None
        try:
            return parse_money(raw, self.mark)
        except AmountError as e:
            if "\n" in raw or "\r" in raw:
                raise ImportFileError(
                    self.name, "is not an amount: the value runs onto the next line, so a quote mark (\") was "
                    "probably opened and never closed", line=ln, column=self.layout.heading(j), value=raw,
                    hint="Export the file again, or fix the quote marks on this line, and import it.") from None
            example = "1234.50" if self.mark == "." else "1234,50"
            mapped = " (or check that the column mapping points at the right column)" if f in self.layout.mapped else ""
            raise ImportFileError(
                self.name, f"{e}: callroom expects an amount here, such as {example}", line=ln,
                column=self.layout.heading(j), value=raw,
                hint=f"Correct the amount in your accounting program or in the file, export again and import it{mapped}.",
            ) from None

    def _date(self, j: int, raw: str, ln: int) -> date:
        seen = self._dates.get(j)
        if seen is None:
            seen = self._dates[j] = {}
        d = seen.get(raw)
        if d is not None:
            return d
        try:
            d = parse_date(raw, self.order)
        except DateError as e:
            if e.kind == "impossible":
                how = {"dmy": " (read as day/month/year)", "mdy": " (read as month/day/year)"}.get(self.order or "", "")
                problem = f"is not a date that exists{how}"
                hint = "Correct the date in your accounting program or in the file, export again and import it."
            else:
                problem = "is not a date callroom can read"
                hint = "Dates should look like 2026-03-31, 31/03/2026, 03/31/2026 or 31 Mar 2026; correct it and import again."
            raise ImportFileError(self.name, problem, line=ln, column=self.layout.heading(j), value=raw,
                                  hint=hint) from None
        seen[raw] = d
        return d

    def _currency(self, j: int, raw: str, ln: int) -> str | None:
        code = raw.strip().upper()
        if not code:
            return None
        if code in ISO_CURRENCIES:
            return code
        found = currency_in_text(raw)
        if found:
            return found
        raise ImportFileError(self.name, "is not a currency code (such as USD, EUR or NZD)", line=ln,
                              column=self.layout.heading(j), value=raw,
                              hint="Put the three-letter currency code in that column, or leave it empty, and import again.")

    def _prepare_record(self) -> None:
        """What ``_record`` looks up for every row, worked out once (the columns are settled by now)."""
        L = self.layout
        cols = L.cols
        self._terms_at, self._status_at = _at(cols.get("terms")), _at(cols.get("status"))
        self._sent_at = _at(cols.get("sent"))
        self._says_status = "status" in cols or "sent" in cols
        self._currency_col = cols.get("currency")
        self._money_cols = [(f, cols[f]) for f in ("balance", "amount", "paid", "line_total") if f in cols]
        self._date_cols = [(f, cols[f]) for f in ("issued", "due") if f in cols]
        self._amounts: dict[str, tuple[Decimal, str | None]] = {}  # cell text -> parse_money (one decimal mark per file)
        self._currencies: dict[str, str | None] = {}  # cell text -> _currency

    def _record(self, ln, vals, client, inv, email, phone) -> dict:
        """One detail row's values; ``vals`` is the row from ``_values`` (a column index reads its cleaned cell)."""
        rec = {"line": ln, "client": client, "invoice": inv or None, "email": email, "phone": phone or None,
               "balance": None, "amount": None, "paid": None, "line_total": None, "buckets": None,
               "issued": None, "due": None, "currency": None, "terms": vals[self._terms_at] or None,
               "status": vals[self._status_at] or None, "sent": vals[self._sent_at] or None}
        code = None
        amounts = self._amounts
        for f, j in self._money_cols:
            raw = vals[j]
            if raw:
                got = amounts.get(raw)
                if got is None:
                    got = amounts[raw] = self._money(f, j, raw, ln)
                rec[f] = got[0]
                code = code or got[1]
        buckets = self.layout.buckets
        if buckets:
            total = None
            for j in buckets:
                raw = vals[j]
                if raw:
                    got = amounts.get(raw)
                    if got is None:
                        got = amounts[raw] = self._money("balance", j, raw, ln)
                    v = got[0]
                    total = v if total is None else total + v
                    code = code or got[1]
            rec["buckets"] = total
        dates = self._dates
        for f, j in self._date_cols:
            raw = vals[j]
            if raw:
                seen = dates.get(j)
                d = seen.get(raw) if seen is not None else None
                rec[f] = d if d is not None else self._date(j, raw, ln)
        j = self._currency_col
        if j is not None:
            raw = vals[j]
            cur = self._currencies.get(raw, _UNSEEN)
            if cur is _UNSEEN:
                cur = self._currencies[raw] = self._currency(j, raw, ln)
        else:
            cur = None
        if code is not None:
            self._codes.add(code)
        rec["currency"] = cur or self._section_cur or self.file_currency or code
        return rec

    _COMPARED = ("client", "currency", "balance", "amount", "paid", "issued", "due", "status")

    def _merge(self, prev: dict, rec: dict, cells, ln: int) -> None:
        """Another line of the same invoice: repeated fields must agree, line totals add up."""
        cols = self.layout.cols
        for f in self._COMPARED:
            a, b = prev[f], rec[f]
            if b is None:
                continue
            if a is None:
                prev[f] = b
                continue
            if a == b:
                continue
            same = (self._key(a) == self._key(b)) if f == "client" else (
                a.strip().lower() == b.strip().lower() if f == "status" else False)
            if not same:
                j = cols.get(f)
                col = self.layout.heading(j) if j is not None else None
                raw = cells[j].strip() if j is not None and j < len(cells) else str(b)
                first_raw = _show(a)
                raise ImportFileError(
                    self.name,
                    f"disagrees with line {prev['line']} about invoice {prev['invoice'] or prev['client']}, which shows "
                    f'"{short(first_raw)}" there: one invoice cannot have two different values for this',
                    line=ln, column=col, value=raw,
                    hint="Check which is right in your accounting program, export again and import it "
                         "(if these are two different invoices, they need different numbers).",
                )
        if rec["line_total"] is not None:
            prev["line_total"] = rec["line_total"] + (prev["line_total"] or 0)
        if rec["buckets"] is not None:
            prev["buckets"] = rec["buckets"] + (prev["buckets"] or 0)
        for f in ("email", "phone", "terms", "contact", "sent"):
            if not prev.get(f) and rec.get(f):
                prev[f] = rec[f]

    def _finish(self, rec: dict, invoices: list, skipped: list) -> None:
        cols = self.layout.cols
        sk = status_kind(rec["status"] or "")
        skip = lambda reason, kind: skipped.append(  # noqa: E731
            Skipped(rec["line"], rec["invoice"], reason, kind, rec["client"], rec["email"], self.name))
        if sk in ("draft", "void", "paid"):
            return skip(_STATUS_REASON[sk], sk)
        amount = rec["amount"] if rec["amount"] is not None else rec["line_total"]
        if rec["balance"] is not None:
            balance = rec["balance"]
        elif self.layout.buckets and rec["buckets"] is not None:
            balance = rec["buckets"]
        elif amount is not None and rec["paid"] is not None:
            balance = amount - rec["paid"]
        elif "balance" in cols or self.layout.buckets or sk == "partial":
            balance = None  # the file has a place for the balance but does not fill it, or it is part-paid
        elif amount is not None and ("paid" not in cols or rec["paid"] is None):
            balance = amount
        else:
            balance = None
        if balance is not None and balance == 0:
            return skip("paid (nothing left to pay)", "paid")
        if balance is not None and balance < 0:
            return skipped.append(Skipped(rec["line"], rec["invoice"], "credit balance (the client is owed money)",
                                          "credit", rec["client"], rec["email"], self.name,
                                          *self._open_credit(rec, "credit")))
        if balance is None and amount is not None and amount <= 0 and sk != "partial":
            return skip("credit (negative amount)", "credit")
        currency = rec["currency"]
        if currency is None and len(self._codes) == 1:
            currency = next(iter(self._codes))  # the one currency the file's amounts print ('1,250.00 CAD', 'US$')
        invoices.append(ImportedInvoice(
            client=rec["client"], invoice=rec["invoice"], issued=rec["issued"], due=rec["due"],
            currency=currency, balance=balance, amount=amount, email=rec["email"], phone=rec["phone"],
            terms=rec["terms"], status=rec["status"], line=rec["line"], contact=rec.get("contact"),
            book_status=book_status(rec["status"], rec.get("sent")) if self._says_status else None,
        ))

    def _open_credit(self, rec: dict, kind: str) -> tuple[Decimal | None, str | None]:
        """A credit or payment row's credit still open (unapplied) in the books, as a positive amount, with
        its currency: from its open balance (negative, or a credit note's own positive remainder). None
        where the file has no open balance for it, or the row repeats a credit already counted (line items)."""
        bal = rec["balance"]
        if bal is None and self.layout.buckets:
            bal = rec["buckets"]
        if bal is None or bal == 0:
            return None, None
        if bal < 0:
            amount = -bal
        elif kind == "credit":
            amount = bal
        else:
            return None, None  # a refund or a payment owed back: not a credit
        if rec["invoice"]:
            key = (self._key(rec["client"] or ""), rec["invoice"])
            if key in self._credits_seen:
                return None, None
            self._credits_seen.add(key)
        currency = rec["currency"]
        if currency is None and len(self._codes) == 1:
            currency = next(iter(self._codes))
        return amount, currency

    # ------------------------------------------------------------ general-ledger exports (Wave)

    def _ledger_row(self, ln, cells, g, client, inv, groups, order, skipped) -> None:
        cols = self.layout.cols
        account, atype = g(cols.get("account")), g(cols.get("account_type"))
        if "receivable" not in account.lower() and "receivable" not in atype.lower():
            return  # the other side of the entry (income, tax, bank): not about what is owed
        amount = None
        dr_raw, cr_raw = g(cols.get("debit")), g(cols.get("credit"))
        if dr_raw or cr_raw:
            dr = self._money("debit", cols["debit"], dr_raw, ln)[0] if dr_raw else Decimal(0)
            cr = self._money("credit", cols["credit"], cr_raw, ln)[0] if cr_raw else Decimal(0)
            amount = dr - cr
        elif "ledger_amount" in cols and g(cols["ledger_amount"]):
            amount = self._money("ledger_amount", cols["ledger_amount"], g(cols["ledger_amount"]), ln)[0]
        j = cols.get("issued")
        when = self._date(j, g(j), ln) if j is not None and g(j) else None
        if amount is None:
            return
        if not inv:
            skipped.append(Skipped(ln, None, "receivable entry not tied to an invoice", "other", client or None,
                                   None, self.name))
            return
        rec = groups.get(inv)
        if rec is None:
            rec = groups[inv] = {"line": ln, "client": client, "invoice": inv, "sum": Decimal(0), "issued": None,
                                 "first": None, "currency": self.file_currency}
            order.append(inv)
        rec["sum"] += amount
        if not rec["client"] and client:
            rec["client"] = client
        if when is not None:
            rec["first"] = when if rec["first"] is None else min(rec["first"], when)
            if amount > 0:
                rec["issued"] = when if rec["issued"] is None else min(rec["issued"], when)

    def _ledger_finish(self, groups, order, skipped):
        invoices = []
        for inv in order:
            rec = groups[inv]
            bal = rec["sum"]
            if not rec["client"]:
                raise ImportFileError(self.name, "this invoice's receivable lines name no customer", line=rec["line"],
                                      column=self.layout.heading(self.layout.cols["invoice"]), value=inv,
                                      hint="Fill in the customer in your accounting program, export again and import it.")
            if bal == 0:
                skipped.append(Skipped(rec["line"], inv, "paid (nothing left to pay)", "paid", rec["client"], None, self.name))
            elif bal < 0:
                skipped.append(Skipped(rec["line"], inv, "credit balance (the client is owed money)", "credit",
                                       rec["client"], None, self.name))
            else:
                invoices.append(ImportedInvoice(
                    client=rec["client"], invoice=inv, issued=rec["issued"] or rec["first"], due=None,
                    currency=rec["currency"], balance=bal, amount=None, line=rec["line"]))
        skipped.sort(key=lambda s: s.line)
        return invoices, skipped


_NAMES: dict[str, str] | None = None


def currency_in_text(text: str) -> str | None:
    """The one ISO code in 'United States Dollar - USD' or 'NZD ($)', or an English name ('Euro')."""
    global _NAMES
    codes = {c for c in re.findall(r"\b[A-Z]{3}\b", text) if c in ISO_CURRENCIES}
    if len(codes) == 1:
        return codes.pop()
    if _NAMES is None:
        from babel.numbers import get_currency_name
        _NAMES = {}
        for c in ISO_CURRENCIES:
            try:
                _NAMES.setdefault(get_currency_name(c, locale="en").lower(), c)
            except Exception:  # pragma: no cover - babel data gaps
                pass
    return _NAMES.get(" ".join(text.lower().split()))


def _looks_like_date(v: str) -> bool:
    try:
        parse_date(v, "dmy")
        return True
    except DateError as e:
        return e.kind == "impossible" and bool(re.search(r"[/\-.]", v))


def _is_amount(v: str, mark: str) -> bool:
    try:
        parse_money(v, mark)
        return True
    except AmountError:
        return False


def _show(v) -> str:
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


__all__ = ["parse_file", "ParsedFile", "ImportedInvoice", "Skipped", "FileTotal", "status_kind", "type_kind",
           "book_status"]

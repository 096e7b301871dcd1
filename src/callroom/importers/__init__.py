"""CSV exports in, domain objects out.

    parsed = parse_file("open_invoices.csv", date_order=None, mapping=None)
    to_expected_json(parsed)                       # the dry-run list
    plan = plan_import([parsed], clients, invoices, as_of=today, full=False, default_currency="USD")
    plan.summary_lines()

Files are recognised by their content (headings, title lines, structure), never by
their name. A refused file raises ``ImportFileError`` (an ``ImportError_``) whose
message names the file, line, column and value and says what to do.
No Textual and no TinyDB here.
"""

from ._speed import gc_paused
from .amounts import AmountError, detect_decimal_mark, parse_amount, parse_money
from .columns import MAPPABLE
from .dates import DateError, detect_date_order, parse_date
from .errors import AmbiguousDateOrder, ImportError_, ImportFileError
from .expected import to_expected_json
from .parse import ImportedInvoice, ParsedFile, Skipped, parse_file
from .reconcile import ClientImport, ImportCounts, ImportPlan, plan_import

MAPPABLE_FIELDS = tuple(f for f in MAPPABLE if f != "ledger_amount")

__all__ = [
    "parse_file", "ParsedFile", "ImportedInvoice", "Skipped", "to_expected_json",
    "plan_import", "ImportPlan", "ClientImport", "ImportCounts",
    "ImportError_", "ImportFileError", "AmbiguousDateOrder",
    "parse_amount", "parse_money", "detect_decimal_mark", "AmountError", "parse_date", "detect_date_order", "DateError",
    "MAPPABLE_FIELDS", "gc_paused",
]

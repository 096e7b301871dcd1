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

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Where each name lives: importing the package costs nothing until a name is used
#: (the call screen starts without the parsers).
_WHERE = {
    "gc_paused": "_speed",
    "AmountError": "amounts", "detect_decimal_mark": "amounts", "parse_amount": "amounts", "parse_money": "amounts",
    "MAPPABLE": "columns",
    "DateError": "dates", "detect_date_order": "dates", "parse_date": "dates",
    "AmbiguousDateOrder": "errors", "ImportError_": "errors", "ImportFileError": "errors",
    "to_expected_json": "expected",
    "ImportedInvoice": "parse", "ParsedFile": "parse", "Skipped": "parse", "parse_file": "parse",
    "ClientImport": "reconcile", "ImportCounts": "reconcile", "ImportPlan": "reconcile", "plan_import": "reconcile",
}

if TYPE_CHECKING:  # pragma: no cover
    from ._speed import gc_paused
    from .amounts import AmountError, detect_decimal_mark, parse_amount, parse_money
    from .columns import MAPPABLE
    from .dates import DateError, detect_date_order, parse_date
    from .errors import AmbiguousDateOrder, ImportError_, ImportFileError
    from .expected import to_expected_json
    from .parse import ImportedInvoice, ParsedFile, Skipped, parse_file
    from .reconcile import ClientImport, ImportCounts, ImportPlan, plan_import


def __getattr__(name: str) -> Any:
    if name == "MAPPABLE_FIELDS":
        from .columns import MAPPABLE

        value: Any = tuple(f for f in MAPPABLE if f != "ledger_amount")
    elif name in _WHERE:
        value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = [
    "parse_file", "ParsedFile", "ImportedInvoice", "Skipped", "to_expected_json",
    "plan_import", "ImportPlan", "ClientImport", "ImportCounts",
    "ImportError_", "ImportFileError", "AmbiguousDateOrder",
    "parse_amount", "parse_money", "detect_decimal_mark", "AmountError", "parse_date", "detect_date_order", "DateError",
    "MAPPABLE_FIELDS", "gc_paused",
]

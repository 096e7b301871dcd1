"""Which kind of export an invoice came from, kept on the invoice (``Invoice.source``).

A full import (``--full``) says the files list every open invoice *of their kind*: it may
close an open invoice only when that invoice came from the same kind of export. The kind
is what the importer recognised from the file's content: the tool for a known export
('export:quickbooks'), or for any other list its recognised headings ('export:list:
Customer|Invoice|Balance'), so two unrelated lists are two kinds. Never the file's name.

Invoices imported before the kind was kept carry the file's name instead (a legacy
source); ``is_kind`` tells them apart.
"""

from __future__ import annotations

PREFIX = "export:"
_LIST = PREFIX + "list:"
NAMES = {"quickbooks": "QuickBooks", "xero": "Xero", "freshbooks": "FreshBooks", "stripe": "Stripe",
         "ninja": "Invoice Ninja", "zoho": "Zoho Books", "sage": "Sage", "wave": "Wave"}
NOT_IMPORTED = ("", "demo")  # sources that are no file at all


def kind_of(family: str, headings: list[str]) -> str:
    """The kind of export of a file: its tool's family, or for a generic list its recognised headings."""
    if family in NAMES:
        return PREFIX + family
    return _LIST + "|".join(" ".join(h.split()) for h in headings if h.strip())


def is_kind(source: str) -> bool:
    return source.startswith(PREFIX)


def label(source: str) -> str:
    """'QuickBooks exports', 'invoice lists headed Customer, Invoice, Balance', 'the demo',
    or a legacy source's file name."""
    if source.startswith(_LIST):
        return "invoice lists headed " + ", ".join(source[len(_LIST):].split("|"))
    if source.startswith(PREFIX):
        fam = source[len(PREFIX):]
        return f"{NAMES.get(fam, fam)} exports"
    if source == "demo":
        return "the demo"
    return source or "entered in callroom"


__all__ = ["PREFIX", "NAMES", "NOT_IMPORTED", "kind_of", "is_kind", "label"]

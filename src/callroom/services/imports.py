"""Imports: exports read and planned against the ledger (nothing stored), then the plan
stored as one durable write.

The same steps for ``callroom import`` and the app's import window:
``parse_files`` reads each file (refused whole with the file, line, column and value named),
``Desk.import_request`` takes what the plan compares against from the ledger,
``plan`` works out what would change (no I/O, safe in a worker thread), and
``Desk.apply_import`` stores it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from ..domain.words import count
from ..importers._speed import gc_paused
from ..importers.errors import ImportError_
from ..store.repo import record_of

if TYPE_CHECKING:
    from ..domain.clock import Clock
    from ..importers import ParsedFile
    from ..importers.columns import column_map, split_column_map
    from ..importers.reconcile import Decisions, ImportPlan, Question
    from ..store.repo import Store

#: Names of the importers this module hands on, imported when first asked for: the
#: parsers are not needed until an import starts (not by the first screen).
_HANDED_ON = {"ParsedFile": "parse", "column_map": "columns", "split_column_map": "columns", "Decisions": "reconcile",
              "ImportPlan": "reconcile", "Question": "reconcile", "LIST_MAX": "reconcile"}


def __getattr__(name: str):
    if name not in _HANDED_ON:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"callroom.importers.{_HANDED_ON[name]}"), name)
    globals()[name] = value
    return value

__all__ = [
    "ImportRequest", "ImportsDesk", "apply_import", "column_map", "split_column_map", "parse_files", "plan",
    "plan_against_empty", "read_and_plan", "expected_json", "ImportPlan", "ParsedFile", "gc_paused",
    "Decisions", "Question", "ImportBlocked", "explain", "blocked_text", "LIST_MAX",
]


class ImportBlocked(ImportError_):
    """A plan that must not be stored as it is: a likely client match is undecided, or it would move
    facts back and the owner has not accepted that."""


def parse_files(paths: Iterable[Path], *, date_order: str | None = None, mapping: dict | None = None,
                decimal: str | None = None, sheet: str | None = None) -> list[ParsedFile]:
    """Read every file, CSV or .xlsx (``ImportFileError`` names what is wrong and where)."""
    from ..importers.parse import parse_file

    with gc_paused():  # no collector walks over the whole loaded ledger while the import builds its objects
        return [parse_file(Path(p), date_order=date_order, mapping=mapping, decimal=decimal, sheet=sheet)
                for p in paths]


def explain(parsed: Iterable[ParsedFile]) -> list[str]:
    """Every line of the files that is not an invoice, with where it is and why (``--explain``)."""
    from ..importers.explain import explain_lines

    out: list[str] = []
    for p in parsed:
        out += explain_lines(p)
    return out


def blocked_text(plan: ImportPlan) -> str:
    """Why a plan is not stored as it is, and what to do (the command line's words)."""
    parts = []
    if plan.questions:
        q = plan.questions[0]
        parts.append(f"{len(plan.questions)} likely same client{'s' if len(plan.questions) > 1 else ''} to decide: "
                     f"say --same \"{q.name}={'#%d' % q.candidate_id if q.candidate_id is not None else q.candidate}\" "
                     f"if they are one client, or --separate \"{q.name}\" to keep them apart")
    if plan.older and not plan.accept_older:
        parts.append("the files would move facts back (listed above): check that they are your newest export, "
                     "and add --accept-older to import them all the same")
    return "Not stored: " + "; ".join(parts) + ". Nothing from the files was imported."


def expected_json(parsed: Iterable[ParsedFile]) -> list[dict]:
    """The invoices found, one object each (``import --dry-run --json``)."""
    from ..importers.expected import to_expected_json

    out: list[dict] = []
    for p in parsed:
        out.extend(to_expected_json(p))
    return out


@dataclass(frozen=True)
class ImportRequest:
    """Everything a plan needs, taken from the ledger on the caller's thread: the plan can
    then be made in a worker without touching the store."""

    paths: tuple[Path, ...]
    full: bool
    order: str | None
    mapping: dict | None
    clients: list
    invoices: list
    as_of: date
    currency: str
    decimal: str | None = None
    sheet: str | None = None
    decisions: Decisions | None = None
    ledger_as_of: date | None = None
    accept_older: bool = False


def plan(req: ImportRequest, parsed: list[ParsedFile]) -> ImportPlan:
    """What importing ``parsed`` would change (pure, no I/O)."""
    from ..importers.reconcile import plan_import

    return plan_import(parsed, req.clients, req.invoices, as_of=req.as_of, full=req.full, default_currency=req.currency,
                       decisions=req.decisions, ledger_as_of=req.ledger_as_of, accept_older=req.accept_older)


def read_and_plan(req: ImportRequest) -> ImportPlan:
    """Check the paths, parse every file and plan the import (no store access). Raises
    ``ImportError_`` or ``ValueError`` with a message for the user, or ``OSError``."""
    if not req.paths:
        raise ValueError("Type the path of at least one CSV file exported from your accounting tool.")
    for p in req.paths:
        if p.is_dir():
            raise ValueError(f"{p} is a folder; type the path of a CSV file in it. Nothing was imported.")
        if not p.exists():
            raise ValueError(f"{p}: no such file. Check the name and folder (~ is your home folder). Nothing was imported.")
    with gc_paused():
        return plan(req, parse_files(req.paths, date_order=req.order, mapping=req.mapping, decimal=req.decimal,
                                     sheet=req.sheet))


def plan_against_empty(parsed: list[ParsedFile], *, as_of: date, full: bool, currency: str,
                       decisions: Decisions | None = None) -> ImportPlan:
    """The plan against a ledger with nothing in it (a dry run before the first import)."""
    from ..importers.reconcile import plan_import

    return plan_import(parsed, [], [], as_of=as_of, full=full, default_currency=currency, decisions=decisions)


class ImportsDesk:
    """Part of :class:`callroom.services.Desk`."""

    store: "Store"
    clock: "Clock"

    def import_request(self, paths: Iterable[Path], *, full: bool = False, order: str | None = None,
                       mapping: dict | None = None, currency: str | None = None, decimal: str | None = None,
                       sheet: str | None = None, decisions: Decisions | None = None,
                       accept_older: bool = False) -> ImportRequest:
        s = self.store
        with gc_paused():
            return ImportRequest(tuple(paths), full, order, mapping, list(s.clients.all()), list(s.ledger.all_invoices()),
                                 self.clock.today(), (currency or s.settings.default_currency).upper(), decimal, sheet,
                                 decisions, s.settings.latest_import_as_of, accept_older)

    def plan_import(self, parsed: list[ParsedFile], *, full: bool = False, currency: str | None = None,
                    decisions: Decisions | None = None, accept_older: bool = False) -> ImportPlan:
        """What importing ``parsed`` would change in this ledger (nothing stored)."""
        return plan(self.import_request((), full=full, currency=currency, decisions=decisions,
                                        accept_older=accept_older), parsed)

    def apply_import(self, plan: ImportPlan) -> dict[str, int]:
        with gc_paused():
            return apply_import(self.store, plan)


def apply_import(store: "Store", plan: ImportPlan) -> dict[str, int]:
    """Store an import plan (callroom.importers.reconcile.ImportPlan) as ONE durable write:
    the whole file's changes land together, or none of them do. A ``blocked`` plan (an undecided
    likely match, older facts not accepted) is refused: ``ImportBlocked``, nothing stored. The
    newest as-of date the files state is kept as the ledger's latest import's."""
    if plan.blocked:
        raise ImportBlocked(blocked_text(plan))
    counts = {"new_clients": 0, "new_invoices": 0, "updated_invoices": 0, "payments": 0, "closed_invoices": 0}
    newer = plan.file_as_of is not None and (plan.ledger_as_of is None or plan.file_as_of > plan.ledger_as_of)
    if any(ci.has_changes for ci in plan.clients):
        from ..store import keep_backup

        keep_backup(store, "import")  # the ledger as it was; `callroom restore` brings it back
    # The collector is paused: tens of thousands of records, no cycles among them, and
    # each full collection on a large ledger rescans all of it.
    with gc_paused(), store.transaction():
        if newer:
            store.settings.set(import_as_of=plan.file_as_of.isoformat())
        if all(inv.id is not None for ci in plan.clients for inv in (*ci.updated_invoices, *ci.closed_invoices)):
            return _apply_in_bulk(store, plan, counts)
        return _apply_one_by_one(store, plan, counts)


def _apply_one_by_one(store: "Store", plan, counts: dict[str, int]) -> dict[str, int]:
    """apply_import's writes one add or save per record (inside the caller's transaction)."""
    for ci in plan.clients:
        client = store.clients.add(ci.client) if ci.is_new or ci.client.id is None else store.clients.save(ci.client)
        counts["new_clients"] += 1 if ci.is_new else 0
        for inv in ci.new_invoices:
            store.ledger.invoices.add(replace(inv, client_id=client.id))
            counts["new_invoices"] += 1
        for inv in ci.updated_invoices:
            store.ledger.invoices.save(replace(inv, client_id=client.id))
            counts["updated_invoices"] += 1
        for inv in ci.closed_invoices:
            store.ledger.invoices.save(replace(inv, client_id=client.id))
            counts["closed_invoices"] += 1
        for pay in ci.payments:
            store.ledger.payments.add(replace(pay, client_id=client.id))
            counts["payments"] += 1
    return counts


def _apply_in_bulk(store: "Store", plan, counts: dict[str, int]) -> dict[str, int]:
    """apply_import's writes gathered per table: the same records under the same ids as
    one add or save each (new clients take the next client ids in plan order, then the
    invoices and payments theirs, in plan order), but a few writes instead of one per
    record. Only for plans whose updates all name an existing record (a save without an
    id is an add, which would take an id in between)."""
    new_ids = iter(store.clients.add_records([record_of(ci.client) for ci in plan.clients if ci.is_new or ci.client.id is None]))
    client_saves: list[tuple[int, dict]] = []
    invoice_adds: list[dict] = []
    invoice_saves: list[tuple[int, dict]] = []
    payment_adds: list[dict] = []

    def rec(item, client_id: int) -> dict:  # replace(item, client_id=...).to_record(), without the copy
        r = record_of(item)
        r["client_id"] = client_id
        return r

    for ci in plan.clients:
        if ci.is_new or ci.client.id is None:
            cid = next(new_ids)
        else:
            cid = ci.client.id
            client_saves.append((cid, record_of(ci.client)))
        counts["new_clients"] += 1 if ci.is_new else 0
        invoice_adds += (rec(inv, cid) for inv in ci.new_invoices)
        counts["new_invoices"] += len(ci.new_invoices)
        invoice_saves += ((inv.id, rec(inv, cid)) for inv in ci.updated_invoices)
        counts["updated_invoices"] += len(ci.updated_invoices)
        invoice_saves += ((inv.id, rec(inv, cid)) for inv in ci.closed_invoices)
        counts["closed_invoices"] += len(ci.closed_invoices)
        payment_adds += (rec(pay, cid) for pay in ci.payments)
        counts["payments"] += len(ci.payments)
    store.clients.save_records(client_saves)
    store.ledger.invoices.add_records(invoice_adds)
    store.ledger.invoices.save_records(invoice_saves)
    store.ledger.payments.add_records(payment_adds)
    return counts


def stored_counts(counts: dict) -> str:
    """What an import stored, counted in words: '1 new client, 3 new invoices, 0 updated,
    1 payment, 0 closed' (the app's notice and `callroom import` say the same)."""
    return (f"{count(counts.get('new_clients', 0), 'new client')}, {count(counts.get('new_invoices', 0), 'new invoice')}, "
            f"{counts.get('updated_invoices', 0):,} updated, {count(counts.get('payments', 0), 'payment')}, "
            f"{counts.get('closed_invoices', 0):,} closed")

"""Exports of the ledger: calls, promises and invoices as CSV or JSON, follow-ups as an
RFC 5545 iCalendar file. Pure functions of the records (no store, no UI).

Column names are stable: scripts and spreadsheets may rely on them. Dates are ISO
(YYYY-MM-DD), amounts plain decimal strings with their currency in a column of its
own, and every row names its client by name and id. CSV leaves an unknown value
empty; JSON gives it as null.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from typing import Any, Iterable, Sequence

from .documents.ics import PRODID, to_ics  # the calendar lives in documents/; kept importable here
from .domain.aging import bucket, days_overdue
from .domain.models import Call, ClientFile, Written
from .domain.policy import Policy
from .domain.promises import judge
from .domain.report import FollowUp, amount_text

KINDS = ("calls", "promises", "invoices", "followups")
FORMATS = ("csv", "json", "ics")
TABLE_FORMATS = ("csv", "json")

CALL_COLUMNS = (
    "call_id", "client_id", "client", "date", "time", "session_id", "result", "reason", "outcome",
    "amount", "currency", "agreed_date", "next_action", "duration_s", "note",
    "contact", "message_kind", "channel", "subject", "text",
)  # contact: 'call', or 'written' for a message sent (result 'written'; it is no call attempt)
PROMISE_COLUMNS = (
    "promise_id", "client_id", "client", "made_on", "due", "amount", "currency", "status",
    "paid_by_due", "paid_late", "invoices", "plan_id", "instalment", "method", "call_id",
)
INVOICE_COLUMNS = (
    "invoice_id", "client_id", "client", "number", "issued", "due", "currency", "amount", "balance",
    "status", "days_overdue", "aging_bucket", "closed_on", "terms",
)
FOLLOWUP_COLUMNS = (
    "date", "time", "kind", "client_id", "client", "contact", "phone", "title", "amount", "currency", "invoices", "uid",
)
COLUMNS = {"calls": CALL_COLUMNS, "promises": PROMISE_COLUMNS, "invoices": INVOICE_COLUMNS, "followups": FOLLOWUP_COLUMNS}

INVOICE_SEP = ";"  # several invoice numbers in one CSV cell


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _amt(amount: Decimal | None, currency: str | None) -> str | None:
    if amount is None:
        return None
    return amount_text(amount, currency) if currency else str(amount)


def _call_amount(call: Call, cf: ClientFile) -> tuple[Decimal | None, str | None]:
    """What a call agreed or took, with its currency: its promises (a plan's instalments add up
    to the plan), else the payment made on it, else the amount the form recorded."""
    mine = [p for p in cf.promises if p.call_id is not None and p.call_id == call.id]
    if mine and len({p.currency for p in mine}) == 1:
        return sum((p.amount for p in mine), Decimal(0)), mine[0].currency
    pay_id = call.details.get("links", {}).get("payment") if isinstance(call.details.get("links"), dict) else None
    pay = next((p for p in cf.payments if pay_id is not None and p.id == pay_id), None)
    if pay is not None:
        return pay.amount, pay.currency
    amount, cur = call.details.get("amount") or call.details.get("total"), call.details.get("currency")
    if amount and cur:
        return Decimal(str(amount)), str(cur)
    return None, None


def call_rows(files: Iterable[ClientFile]) -> list[dict[str, Any]]:
    rows = []
    for cf in files:
        for c in cf.calls:
            amount, cur = _call_amount(c, cf)
            d = c.details
            agreed = d.get("date") or d.get("first") or d.get("get_back")
            rows.append({
                "call_id": c.id, "client_id": cf.client.id, "client": cf.client.name,
                "date": c.at.date().isoformat(), "time": c.at.strftime("%H:%M"), "session_id": c.session_id,
                "result": c.result.value, "reason": c.reason.value if c.reason else None,
                "outcome": c.outcome.value if c.outcome else None,
                "amount": _amt(amount, cur), "currency": cur if amount is not None else None,
                "agreed_date": str(agreed) if agreed else None, "next_action": _iso(c.next_action),
                "duration_s": c.duration_s, "note": c.note or None, "contact": "call",
            })
    rows.sort(key=lambda r: (r["date"], r["time"], r["call_id"] or 0))
    return rows


def written_rows(written: Iterable[Written], names: dict[int, str]) -> list[dict[str, Any]]:
    """Messages sent, as rows of the calls export (contact 'written', result 'written')."""
    return [{
        "call_id": w.call_id, "client_id": w.client_id, "client": names.get(w.client_id, ""),
        "date": w.at.date().isoformat(), "time": w.at.strftime("%H:%M"), "result": "written",
        "contact": "written", "message_kind": w.kind, "channel": w.channel, "subject": w.subject or None,
        "text": w.text or None,
    } for w in written]


def contact_rows(files: Iterable[ClientFile], written: Iterable[Written] = ()) -> list[dict[str, Any]]:
    """Calls and written contacts together, by date and time (what `export calls` writes)."""
    files = list(files)
    names = {cf.client.id: cf.client.name for cf in files if cf.client.id is not None}
    rows = call_rows(files) + written_rows(written, names)
    rows.sort(key=lambda r: (r["date"], r["time"], r["contact"] != "call", r["call_id"] or 0))
    return rows


def promise_rows(files: Iterable[ClientFile], today: date) -> list[dict[str, Any]]:
    rows = []
    for cf in files:
        for j in judge(cf.promises, [p for p in cf.payments if p.date <= today], today):
            p = j.promise
            rows.append({
                "promise_id": p.id, "client_id": cf.client.id, "client": cf.client.name,
                "made_on": p.made_on.isoformat(), "due": p.due.isoformat(),
                "amount": _amt(p.amount, p.currency), "currency": p.currency, "status": j.status.value,
                "paid_by_due": _amt(j.paid_by_due, p.currency), "paid_late": _amt(j.paid_late, p.currency),
                "invoices": list(p.invoices), "plan_id": p.plan_id, "instalment": p.instalment,
                "method": p.method or None, "call_id": p.call_id,
            })
    rows.sort(key=lambda r: (r["made_on"], r["due"], r["promise_id"] or 0))
    return rows


def invoice_rows(files: Iterable[ClientFile], today: date, policy: Policy = Policy()) -> list[dict[str, Any]]:
    rows = []
    for cf in files:
        for i in cf.invoices:
            days = days_overdue(i, today, policy) if i.is_open else None
            rows.append({
                "invoice_id": i.id, "client_id": cf.client.id, "client": cf.client.name, "number": i.number,
                "issued": _iso(i.issued), "due": _iso(i.due), "currency": i.currency,
                "amount": _amt(i.amount, i.currency), "balance": _amt(i.balance, i.currency), "status": i.status,
                "days_overdue": days, "aging_bucket": bucket(days) if days is not None and i.balance is not None else None,
                "closed_on": _iso(i.closed_on), "terms": i.terms or None,
            })
    rows.sort(key=lambda r: (r["client"].lower(), r["client_id"] or 0, r["due"] or "", r["number"]))
    return rows


def followup_rows(items: Iterable[FollowUp]) -> list[dict[str, Any]]:
    return [{
        "date": f.day.isoformat(), "time": f.at.strftime("%H:%M") if f.at else None, "kind": f.kind, "client_id": f.client_id, "client": f.client,
        "contact": f.contact or None, "phone": f.phone or None, "title": f.title,
        "amount": _amt(f.amount, f.currency), "currency": f.currency if f.amount is not None else None,
        "invoices": list(f.invoices), "uid": f.uid,
    } for f in items]


# ----------------------------------------------------------------------------- writers


def to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    """RFC 4180 CSV (CRLF line ends), a header row of ``columns``; None is empty, a list is joined by ';'."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if r.get(c) is None else INVOICE_SEP.join(r[c]) if isinstance(r.get(c), list) else str(r[c]) for c in columns])
    return buf.getvalue()


def to_json(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    return json.dumps([{c: r.get(c) for c in columns} for r in rows], indent=2, ensure_ascii=False) + "\n"

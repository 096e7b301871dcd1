"""A client's history as one timeline: calls, promises with their status, plans,
disputes, payments and invoices opened and closed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache

from babel.dates import format_date

from typing import Iterable

from . import escalation as escalation_mod
from .models import ClientFile, Written
from .money import format_money
from .promises import judge

KINDS = ("call", "written", "route", "promise", "plan", "dispute", "payment", "invoice")

#: How a written contact left, as the history says it.
CHANNEL_LABELS = {"copy": "copied", "mail": "opened in the mail program", "eml": "saved as email", "pdf": "saved as PDF letter",
                  "sms": "SMS text", "text": "saved as text"}
KIND_LABELS = {"confirmation": "Promise confirmation", "plan": "Plan confirmation", "dispute": "Dispute acknowledgement",
               "receipt": "Payment receipt", "missed": "Missed call", "reminder": "Reminder", "final-notice": "Final notice"}


@dataclass(frozen=True)
class Event:
    kind: str
    when: datetime
    title: str
    detail: str = ""
    data: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"kind": self.kind, "when": self.when.isoformat(), "title": self.title, "detail": self.detail, **self.data}


@lru_cache(maxsize=4096)
def _fmt_date(d: date, locale: str) -> str:
    return format_date(d, "d MMM yyyy", locale=locale)


def _at(d: date) -> datetime:
    return datetime.combine(d, time(0, 0))


def _escalation_events(es: "escalation_mod.StepState", locale: str) -> list[Event]:
    """A route chosen (with the figures it was chosen on), and how it ended when it has."""
    s = es.step
    m = lambda a: format_money(a, s.currency, locale)  # noqa: E731
    route = es.route.label
    check = f"deadline {_fmt_date(s.check, locale)}" if es.route is escalation_mod.Route.FINAL_NOTICE and s.check else (
        f"check {_fmt_date(s.check, locale)}" if s.check else "no check date")
    title = f"Escalation: {route} chosen for {m(s.claim)} — estimated cost {m(s.cost)}, keeps {m(s.keeps)}; {check}"
    detail = "\n".join(x for x in (", ".join(s.invoices), s.note, "example costs" if s.example else "") if x)
    data = {"id": s.id, "route": s.route, "currency": s.currency, "claim": str(s.claim), "cost": str(s.cost), "keeps": str(s.keeps),
            "check": s.check.isoformat() if s.check else None, "invoices": list(s.invoices), "status": es.status}
    out = [Event("route", s.at, title, detail, data)]
    if es.closed_on is not None and es.status in (escalation_mod.PAID, escalation_mod.PART_PAID, escalation_mod.REPLACED,
                                                  escalation_mod.WITHDRAWN):
        out.append(Event("route", _at(es.closed_on), f"Escalation closed: {route}, {escalation_mod.closed_text(es, locale)}", "",
                         {"id": s.id, "route": s.route, "status": es.status}))
    return out


def timeline(cf: ClientFile, today: date, *, newest_first: bool = True, locale: str = "en_US",
             written: Iterable[Written] = ()) -> list[Event]:
    """Everything that happened with a client; ``written``: the messages sent to them
    (written contacts: shown with the calls, never counted as one)."""
    ev: list[Event] = []
    fd = lambda d: _fmt_date(d, locale)  # noqa: E731
    for w in written:
        what = KIND_LABELS.get(w.kind, w.kind)
        how = CHANNEL_LABELS.get(w.channel, w.channel)
        ev.append(Event("written", w.at, f"Written: {what} ({how})" + (f" — {w.subject}" if w.subject else ""),
                        w.text, {"id": w.id, "message_kind": w.kind, "channel": w.channel, "subject": w.subject,
                                 "text": w.text, "to": w.to or None, "call_id": w.call_id, "file": w.file or None}))
    for c in cf.calls:
        bits = [c.result.label]
        if c.reason:
            bits.append(c.reason.label)
        if c.outcome:
            bits.append(c.outcome.label)
        nxt = f"next action {fd(c.next_action)}" if c.next_action else ""
        ev.append(Event("call", c.at, " · ".join(bits), "\n".join(x for x in (c.note, nxt) if x), {
            "id": c.id, "result": c.result.value, "reason": c.reason.value if c.reason else None,
            "outcome": c.outcome.value if c.outcome else None, "note": c.note,
            "next_action": c.next_action.isoformat() if c.next_action else None, "details": {k: v for k, v in c.details.items() if k != "links"},
        }))
    for j in judge(cf.promises, cf.payments, today):
        p = j.promise
        label = f"Instalment {p.instalment}" if p.plan_id else "Promise"
        ev.append(Event("promise", _at(p.made_on), f"{label}: {format_money(p.amount, p.currency, locale)} by {fd(p.due)} — {j.status.label.lower()}",
                        ", ".join(p.invoices), {"id": p.id, "amount": str(p.amount), "currency": p.currency, "due": p.due.isoformat(),
                                                "status": j.status.value, "paid_by_due": str(j.paid_by_due), "plan_id": p.plan_id}))
    for pl in cf.plans:
        ev.append(Event("plan", _at(pl.made_on), f"Payment plan: {format_money(pl.total, pl.currency, locale)} in {pl.count} {pl.frequency} instalments from {fd(pl.first)}"
                        + (" — replaced" if pl.cancelled else ""),
                        ", ".join(pl.invoices), {"id": pl.id, "total": str(pl.total), "currency": pl.currency, "count": pl.count,
                                                 "frequency": pl.frequency, "first": pl.first.isoformat(), "cancelled": pl.cancelled}))
    for d in cf.disputes:
        state = f"resolved {fd(d.resolved_on)}" if d.resolved_on else f"get back by {fd(d.get_back)}"
        ev.append(Event("dispute", _at(d.opened), f"Dispute: {d.what} — {state}", ", ".join(d.invoices),
                        {"id": d.id, "what": d.what, "get_back": d.get_back.isoformat(), "resolved_on": d.resolved_on.isoformat() if d.resolved_on else None}))
    for p in cf.payments:
        ev.append(Event("payment", _at(p.date), f"Payment {format_money(p.amount, p.currency, locale)} ({p.source})",
                        ", ".join(p.invoices) + (f" — {p.note}" if p.note else ""),
                        {"id": p.id, "amount": str(p.amount), "currency": p.currency, "date": p.date.isoformat(), "source": p.source, "invoices": list(p.invoices)}))
    for es in escalation_mod.states(cf, today) if cf.escalations else ():
        ev.extend(_escalation_events(es, locale))
    for i in cf.invoices:
        if i.issued:
            amt = format_money(i.amount, i.currency, locale) if i.amount is not None else "amount unknown"
            ev.append(Event("invoice", _at(i.issued), f"Invoice {i.number} issued, {amt}",
                            f"due {fd(i.due)}" if i.due else "", {"number": i.number, "event": "issued"}))
        if i.closed_on:
            ev.append(Event("invoice", _at(i.closed_on), f"Invoice {i.number} closed ({i.status})", "", {"number": i.number, "event": "closed"}))
    ev.sort(key=lambda e: (e.when, KINDS.index(e.kind)))
    if newest_first:  # reversed whole: of two records at the same moment, the later one comes first too
        ev.reverse()
    return ev

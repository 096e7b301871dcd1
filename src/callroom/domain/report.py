"""The collector's report (DOMAIN.md section 7), computed from the ledger records and one day.

Every figure is as of ``today``: calls and payments dated after it are left out, and
promises are judged by :func:`callroom.domain.promises.judge` as of that day. Amounts
are Decimals per currency and currencies are never added together. Rates are plain
ratios (floats) and ``None`` where there is nothing to divide by.

The figures:

* **aging** — open balances per currency in the buckets of :mod:`callroom.domain.aging`
  (current, 1-30, 31-60, 61-90, 90+ days overdue), with the number of open invoices;
  invoices whose balance the export could not tell are counted apart, never guessed.
* **dso** — days sales outstanding per currency over the last 90 days:
  open balance ÷ amount invoiced in the 90 days to today × 90 (``None`` when
  nothing was invoiced in those days).
* **promises** — the promise-kept rate. Only promises whose date has passed
  (due before today, not cancelled) count; instalments of a plan are promises too.
  By count: kept ÷ judged (a partly kept promise is not kept). By amount, per
  currency: what arrived by the due dates ÷ what was promised. Promises not yet due
  are reported as still open (and how many of them are already paid in full).
* **trend** — the judged promises by the month (or ISO week) of their due date:
  kept, partly kept and broken counts per period.
* **sessions** — per calling session (the sessions table, calls joined by their
  ``session_id``): calls (skips are not calls), reached, reach rate (reached ÷ calls),
  promises (calls that agreed a promise or a plan), promise rate (promises ÷ reached),
  amount promised (the promise records those calls created) and calls per hour.
  ``overall`` is the same over every call up to today, in a session or not.
* **collected** — see :func:`collected_after_calls`.
* **followups** — see :func:`followups`.
* **escalation** — clients and money at each escalation stage (escalation review with no
  route chosen yet, then each route standing), how many are due back today, and the
  routes closed by a payment with what they recovered and the costs they saved
  (estimates, as recorded when each route was chosen): see
  :func:`callroom.domain.escalation.stage_figures`.
* **weekly** — money promised (promises and instalments by their due date, cancelled
  ones left out) against money collected (payments by their date) per ISO week, for the
  last weeks up to this one: see :func:`weekly_money`.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Iterable, Sequence

from babel.dates import format_date
from babel.numbers import get_currency_precision

from .aging import BUCKETS, aging_table
from .escalation import ClosedFigures, StageFigures, stage_figures
from .codes import Outcome, PromiseStatus, Result
from .models import Call, ClientFile, Promise, Session
from .money import format_money
from .policy import Policy
from .promises import Judged, judge

WINDOW_DAYS = 30  # "collected after a call": payments dated 0..30 days after a reached call
WEEK_DAYS = 7  # "follow-ups due this week": today .. today + 6
DSO_DAYS = 90
TREND_PERIODS = 6
MONEY_WEEKS = 8

FOLLOWUP_KINDS = ("callback", "follow-up", "promise-check", "instalment", "dispute")

Amounts = dict[str, Decimal]  # {currency: amount}


def _rate(part, whole) -> float | None:
    if not whole:
        return None
    return round(float(Decimal(part) / Decimal(whole)), 4)


def _add(book: Amounts, currency: str, amount: Decimal) -> None:
    book[currency] = book.get(currency, Decimal(0)) + amount


def amount_text(amount: Decimal, currency: str) -> str:
    """A plain decimal string padded to the currency's minor unit ('0' -> '0.00'; never rounded)."""
    q = Decimal(1).scaleb(-get_currency_precision(currency))
    return str(amount.quantize(q)) if amount == amount.quantize(q) else str(amount)


def _money_json(book: Amounts) -> dict[str, str]:
    return {c: amount_text(a, c) for c, a in sorted(book.items())}


# ----------------------------------------------------------------------------- aging


@dataclass(frozen=True)
class AgingRow:
    currency: str
    buckets: dict[str, Decimal]  # every name of BUCKETS, in that order
    invoices: int  # open invoices with a known balance

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), Decimal(0))

    def to_json(self) -> dict:
        return {"currency": self.currency, "buckets": {b: amount_text(self.buckets[b], self.currency) for b in BUCKETS},
                "total": amount_text(self.total, self.currency), "open_invoices": self.invoices}


def aging_rows(files: Sequence[ClientFile], today: date, policy: Policy = Policy()) -> tuple[list[AgingRow], int]:
    """Open balances per currency and bucket, and how many open invoices have no known balance."""
    invoices = [i for cf in files for i in cf.invoices]
    table = aging_table(invoices, today, policy)
    counts: dict[str, int] = {}
    unknown = 0
    for inv in invoices:
        if not inv.is_open:
            continue
        if inv.balance is None:
            unknown += 1
        else:
            counts[inv.currency] = counts.get(inv.currency, 0) + 1
    rows = [AgingRow(cur, {b: table[cur][b] for b in BUCKETS}, counts.get(cur, 0)) for cur in sorted(table)]
    return rows, unknown


def dso(files: Sequence[ClientFile], today: date, days: int = DSO_DAYS) -> dict[str, Decimal | None]:
    """Days sales outstanding per currency: open balance ÷ invoiced in the last ``days`` days × ``days``,
    to one decimal place. Invoices issued after today, or without an issue date, are not sales.

    ``None`` where it cannot be told: nothing invoiced in those days, or an invoice issued in them
    whose amount the export did not give (its sales would be undercounted and the figure inflated:
    an export with amounts for two invoices of forty once gave 1,313 days)."""
    open_: Amounts = {}
    sold: Amounts = {}
    unknown: set[str] = set()
    start = today - timedelta(days=days)
    for cf in files:
        for inv in cf.invoices:
            if inv.is_open and inv.balance is not None:
                _add(open_, inv.currency, inv.balance)
            if inv.issued is not None and start < inv.issued <= today and inv.status != "void":
                if inv.amount is None:
                    unknown.add(inv.currency)
                else:
                    _add(sold, inv.currency, inv.amount)
    out: dict[str, Decimal | None] = {}
    for cur in sorted(set(open_) | set(sold)):
        s = sold.get(cur, Decimal(0))
        ok = s > 0 and cur not in unknown
        out[cur] = (open_.get(cur, Decimal(0)) / s * days).quantize(Decimal("0.1")) if ok else None
    return out


# ----------------------------------------------------------------------------- promises


@dataclass(frozen=True)
class PromiseFigures:
    judged: int = 0  # due before today, not cancelled
    kept: int = 0
    partly_kept: int = 0
    broken: int = 0
    still_open: int = 0  # not cancelled, due today or later
    paid_early: int = 0  # of those still open, already paid in full
    promised: Amounts = field(default_factory=dict)  # per currency, over the judged promises
    paid_by_due: Amounts = field(default_factory=dict)  # what arrived by each judged promise's date

    @property
    def kept_rate(self) -> float | None:
        return _rate(self.kept, self.judged)

    def amount_rate(self, currency: str) -> float | None:
        return _rate(self.paid_by_due.get(currency, Decimal(0)), self.promised.get(currency, Decimal(0)))

    def to_json(self) -> dict:
        return {
            "judged": self.judged, "kept": self.kept, "partly_kept": self.partly_kept, "broken": self.broken,
            "still_open": self.still_open, "still_open_paid_in_full": self.paid_early,
            "kept_rate_by_count": self.kept_rate,
            "by_amount": {c: {"promised": amount_text(self.promised[c], c), "paid_by_due": amount_text(self.paid_by_due.get(c, Decimal(0)), c),
                              "kept_rate": self.amount_rate(c)} for c in sorted(self.promised)},
        }


@dataclass(frozen=True)
class TrendPoint:
    period: str  # '2026-11' or '2026-W47'
    start: date
    kept: int = 0
    partly_kept: int = 0
    broken: int = 0

    def to_json(self) -> dict:
        return {"period": self.period, "start": self.start.isoformat(), "kept": self.kept,
                "partly_kept": self.partly_kept, "broken": self.broken}


def judged_promises(files: Sequence[ClientFile], today: date) -> list[tuple[ClientFile, Judged]]:
    return [(cf, j) for cf in files for j in judge(cf.promises, [p for p in cf.payments if p.date <= today], today)]


def promise_figures(judged: Iterable[Judged], today: date) -> PromiseFigures:
    n = kept = partly = broken = still = early = 0
    promised: Amounts = {}
    paid: Amounts = {}
    for j in judged:
        p = j.promise
        if j.status is PromiseStatus.CANCELLED:
            continue
        if p.due >= today:
            still += 1
            early += j.status is PromiseStatus.KEPT
            continue
        n += 1
        kept += j.status is PromiseStatus.KEPT
        partly += j.status is PromiseStatus.PARTLY_KEPT
        broken += j.status is PromiseStatus.BROKEN
        _add(promised, p.currency, p.amount)
        _add(paid, p.currency, min(j.paid_by_due, p.amount))
    return PromiseFigures(n, kept, partly, broken, still, early, promised, paid)


def _period_start(d: date, by: str) -> date:
    return d - timedelta(days=d.weekday()) if by == "week" else d.replace(day=1)


def _previous(start: date, by: str) -> date:
    return start - timedelta(days=7) if by == "week" else (start - timedelta(days=1)).replace(day=1)


def _period_name(start: date, by: str) -> str:
    if by == "week":
        y, w, _ = start.isocalendar()
        return f"{y}-W{w:02d}"
    return f"{start:%Y-%m}"


def promise_trend(judged: Iterable[Judged], today: date, by: str = "month", periods: int = TREND_PERIODS) -> list[TrendPoint]:
    """Kept, partly kept and broken promises per month (or ISO week) of their due date, for the
    ``periods`` periods up to and including the one holding yesterday, oldest first. Only judged
    promises count (due before today, not cancelled)."""
    if by not in ("month", "week"):
        raise ValueError("trend periods are 'month' or 'week'")
    last = _period_start(today - timedelta(days=1), by)
    starts = [last]
    while len(starts) < periods:
        starts.append(_previous(starts[-1], by))
    starts.reverse()
    counts = {s: [0, 0, 0] for s in starts}
    for j in judged:
        if j.status is PromiseStatus.CANCELLED or j.promise.due >= today:
            continue
        s = _period_start(j.promise.due, by)
        if s not in counts:
            continue
        k = {PromiseStatus.KEPT: 0, PromiseStatus.PARTLY_KEPT: 1, PromiseStatus.BROKEN: 2}.get(j.status)
        if k is not None:
            counts[s][k] += 1
    return [TrendPoint(_period_name(s, by), s, *counts[s]) for s in starts]


# ----------------------------------------------------------------------------- sessions


@dataclass(frozen=True)
class SessionFigures:
    session_id: int | None  # None: every call, in a session or not
    started: datetime | None
    calls: int
    reached: int
    promises: int
    promised: Amounts
    minutes: float | None  # how long the session ran: to its end, or (never ended) to its last call

    @property
    def reach_rate(self) -> float | None:
        return _rate(self.reached, self.calls)

    @property
    def promise_rate(self) -> float | None:
        return _rate(self.promises, self.reached)

    @property
    def calls_per_hour(self) -> float | None:
        if not self.minutes or not self.calls:
            return None
        return round(self.calls * 60 / self.minutes, 1)

    def to_json(self) -> dict:
        return {
            "session_id": self.session_id, "started": self.started.isoformat() if self.started else None,
            "calls": self.calls, "reached": self.reached, "reach_rate": self.reach_rate,
            "promises": self.promises, "promise_rate": self.promise_rate, "promised": _money_json(self.promised),
            "minutes": self.minutes, "calls_per_hour": self.calls_per_hour,
        }


def call_figures(calls: Iterable[Call], promises_by_call: dict[int, list[Promise]], session: Session | None = None) -> SessionFigures:
    n = reached = made = 0
    promised: Amounts = {}
    last: datetime | None = None
    for c in calls:
        if c.result is Result.SKIPPED:
            continue
        n += 1
        last = c.at if last is None or c.at > last else last
        reached += c.result is Result.REACHED
        if c.outcome in (Outcome.PROMISE, Outcome.PLAN):
            made += 1
            for p in promises_by_call.get(c.id or -1, []):
                if not p.cancelled:
                    _add(promised, p.currency, p.amount)
    minutes = None
    # A session still open (or closed by a crash) has run at least to its last call: its
    # calls per hour are counted over that time rather than not told.
    end = session.ended or last if session is not None else None
    if session is not None and end is not None:
        minutes = round(max((end - session.started).total_seconds(), 0) / 60, 1)
    return SessionFigures(session.id if session else None, session.started if session else None, n, reached, made, promised, minutes)


def session_figures(files: Sequence[ClientFile], sessions: Iterable[Session], today: date) -> tuple[list[SessionFigures], SessionFigures, int]:
    """Per session with at least one call (oldest first), the same over every call, and how many
    sessions had no call at all (opened and closed)."""
    calls = [c for cf in files for c in cf.calls if c.at.date() <= today]
    by_call: dict[int, list[Promise]] = {}
    for cf in files:
        for p in cf.promises:
            if p.call_id is not None:
                by_call.setdefault(p.call_id, []).append(p)
    by_session: dict[int, list[Call]] = {}
    for c in calls:
        if c.session_id is not None:
            by_session.setdefault(c.session_id, []).append(c)
    rows, empty = [], 0
    for s in sorted(sessions, key=lambda s: (s.started, s.id or 0)):
        if s.as_of > today:
            continue
        mine = by_session.get(s.id or -1, [])
        f = call_figures(mine, by_call, s)
        if f.calls == 0:
            empty += 1
            continue
        rows.append(f)
    return rows, call_figures(calls, by_call), empty


# ----------------------------------------------------------------------------- collected after a call


@dataclass(frozen=True)
class Collected:
    window_days: int
    amounts: Amounts  # per currency
    payments: int  # payments counted
    calls: int  # reached calls that at least one counted payment followed
    reached_calls: int  # reached calls up to today

    def to_json(self) -> dict:
        return {"window_days": self.window_days, "amounts": _money_json(self.amounts), "payments": self.payments,
                "calls_followed_by_payment": self.calls, "reached_calls": self.reached_calls}


def collected_after_calls(files: Sequence[ClientFile], today: date, window_days: int = WINDOW_DAYS) -> Collected:
    """Amount collected within ``window_days`` days after a call, per currency.

    A payment counts when it is dated 0 to ``window_days`` days (inclusive) after a call to
    the same client whose result was *reached* (a payment made on the call, day 0, counts).
    Each payment counts once, for the latest reached call on or before its date, so a
    payment that follows two calls is never counted twice. Calls and payments dated after
    ``today`` are left out; payments from any source (typed in, imported, paid on the call)
    count, in their own currency.
    """
    amounts: Amounts = {}
    counted = 0
    followed: set[int] = set()
    reached_total = 0
    for cf in files:
        reached = sorted((c for c in cf.calls if c.result is Result.REACHED and c.at.date() <= today), key=lambda c: (c.at, c.id or 0))
        reached_total += len(reached)
        days = [c.at.date() for c in reached]
        for pay in cf.payments:
            if pay.date > today:
                continue
            k = bisect_right(days, pay.date) - 1  # the latest reached call on or before the payment's day
            if k < 0 or (pay.date - days[k]).days > window_days:
                continue
            _add(amounts, pay.currency, pay.amount)
            counted += 1
            followed.add(id(reached[k]))
    return Collected(window_days, amounts, counted, len(followed), reached_total)


# ----------------------------------------------------------------------------- follow-ups


@dataclass(frozen=True)
class FollowUp:
    day: date
    kind: str  # one of FOLLOWUP_KINDS
    client_id: int
    client: str
    phone: str
    contact: str
    title: str  # 'Call Cedar Ridge Property Management: promise of $3,325.50 due 17 Nov'
    detail: tuple[str, ...]  # lines: what it is about, when it was agreed
    invoices: tuple[str, ...]
    amount: Decimal | None = None
    currency: str | None = None
    source: str = ""  # 'promise 12', 'dispute 3', 'call 40': the record it comes from
    uid: str = ""  # stable across exports, so a calendar updates the event instead of adding one
    at: time | None = None  # a callback agreed at a time of day (the owner's local time)

    def to_json(self) -> dict:
        return {
            "date": self.day.isoformat(), "time": self.at.strftime("%H:%M") if self.at else None, "kind": self.kind, "client_id": self.client_id, "client": self.client,
            "phone": self.phone, "contact": self.contact, "title": self.title, "detail": list(self.detail),
            "invoices": list(self.invoices),
            "amount": amount_text(self.amount, self.currency) if self.amount is not None and self.currency else None,
            "currency": self.currency, "uid": self.uid,
        }


def _short(d: date, locale: str) -> str:
    return format_date(d, "d MMM", locale=locale)


def _long(d: date, locale: str) -> str:
    return format_date(d, "d MMM yyyy", locale=locale)


def followups(files: Sequence[ClientFile], today: date, days: int | None = WEEK_DAYS, *, locale: str = "en_US") -> list[FollowUp]:
    """The follow-ups dated ``today`` .. ``today + days - 1`` (``days=None``: every one from
    today on), by day, then client name, then kind.

    * **promise-check** — a promise (not a plan instalment) is checked the day after its
      date, as the queue brings the client back then. Left out when cancelled, already
      paid in full, when the client was called after its date, or nothing is open.
    * **instalment** — a plan instalment on its own date; left out when cancelled or paid.
    * **dispute** — the get-back date of an open dispute (not resolved).
    * **callback** / **follow-up** — the next action date of the client's latest call
      (a later call replaces it, which is how a follow-up is handled): *callback* when a
      callback was agreed, *follow-up* otherwise (a retry after a voicemail, the re-follow
      date, a final notice deadline). Calls that made a promise, plan or dispute are left to
      those records, a client with nothing open needs no chasing, and a client who already
      has a follow-up that day gets no second one.
    """
    first, last = today, (date.max if days is None else today + timedelta(days=days - 1))
    out: list[FollowUp] = []

    def within(d: date | None) -> bool:
        return d is not None and first <= d <= last

    for cf in files:
        c = cf.client
        cid = c.id if c.id is not None else -1
        owes = bool(cf.open_invoices)
        base = dict(client_id=cid, client=c.name, phone=c.phone, contact=c.contact)
        who = f"Call {c.name}"
        mine: list[FollowUp] = []
        dialled = [x for x in cf.calls if x.result is not Result.SKIPPED]
        for j in judge(cf.promises, [p for p in cf.payments if p.date <= today], today):
            p = j.promise
            if j.status in (PromiseStatus.CANCELLED, PromiseStatus.KEPT):
                continue
            money = format_money(p.amount, p.currency, locale)
            if p.plan_id is not None:
                if not within(p.due):
                    continue
                plan = next((pl for pl in cf.plans if pl.id == p.plan_id), None)
                which = f"instalment {p.instalment}" + (f" of {plan.count}" if plan else "") if p.instalment else "plan instalment"
                title = f"{who}: {which}, {money} due {_short(p.due, locale)}"
                detail = (f"Payment plan agreed {_long(plan.made_on if plan else p.made_on, locale)}; "
                          f"{which}: {money} due {_long(p.due, locale)}.",)
                mine.append(FollowUp(p.due, "instalment", title=title, detail=detail, invoices=p.invoices, amount=p.amount,
                                     currency=p.currency, source=f"promise {p.id}", uid=f"callroom-instalment-{p.id}-client-{cid}", **base))
                continue
            check = p.due + timedelta(days=1)
            if not within(check) or not owes or any(x.at.date() > p.due for x in dialled):
                continue
            paid = f" ({format_money(j.paid_by_due, p.currency, locale)} arrived by then)" if j.paid_by_due else ""
            title = f"{who}: promise of {money} due {_short(p.due, locale)}"
            detail = (f"Check the promise made {_long(p.made_on, locale)}: {money} by {_long(p.due, locale)}{paid}"
                      + (f", by {p.method}" if p.method else "") + ".",)
            mine.append(FollowUp(check, "promise-check", title=title, detail=detail, invoices=p.invoices, amount=p.amount,
                                 currency=p.currency, source=f"promise {p.id}", uid=f"callroom-promise-{p.id}-client-{cid}", **base))
        for d in cf.disputes:
            if not d.is_open or not within(d.get_back):
                continue
            title = f"{who}: get back about the dispute ({d.what})"
            detail = (f"Dispute opened {_long(d.opened, locale)}: {d.what}." + (f" Investigating: {d.who}." if d.who else ""),
                      f"Promised to get back by {_long(d.get_back, locale)}.")
            mine.append(FollowUp(d.get_back, "dispute", title=title, detail=detail, invoices=d.invoices,
                                 source=f"dispute {d.id}", uid=f"callroom-dispute-{d.id}-client-{cid}", **base))
        last_call = cf.last_call
        if (last_call is not None and within(last_call.next_action) and owes
                and last_call.outcome not in (Outcome.PROMISE, Outcome.PLAN, Outcome.DISPUTE)
                and not any(f.day == last_call.next_action for f in mine)):
            day = last_call.next_action
            assert day is not None
            at = None
            if last_call.outcome is Outcome.CALLBACK:
                kind, why = "callback", "callback agreed"
                if last_call.details.get("time"):
                    at = time.fromisoformat(last_call.details["time"])
                    why += f" at {at:%H:%M}"
            elif last_call.result is Result.SKIPPED:
                kind, why = "follow-up", "skipped last time"
            elif last_call.outcome is not None:
                kind, why = "follow-up", f"follow up after: {last_call.outcome.label.lower()}"
            else:
                kind, why = "follow-up", f"try again after {last_call.result.label.lower()}"
            note = last_call.note.splitlines()[0][:120] if last_call.note else ""
            detail = (f"Last call {_long(last_call.at.date(), locale)}: {last_call.result.label}"
                      + (f" · {last_call.outcome.label}" if last_call.outcome else "") + ".",) + ((f"Note: {note}",) if note else ())
            open_numbers = tuple(i.number for i in cf.open_invoices)
            owed: dict[str, Decimal] = {}
            for i in cf.open_invoices:
                if i.balance is not None:
                    _add(owed, i.currency, i.balance)
            amount = currency = None
            if len(owed) == 1:
                currency, amount = next(iter(owed.items()))
            mine.append(FollowUp(day, kind, title=f"{who}: {why}", detail=detail, invoices=open_numbers, amount=amount,
                                 currency=currency, source=f"call {last_call.id}",
                                 uid=f"callroom-{kind}-{last_call.id}-client-{cid}", at=at, **base))
        out.extend(mine)
    out.sort(key=lambda f: (f.day, f.client.lower(), f.client_id, FOLLOWUP_KINDS.index(f.kind), f.uid))
    return out


# ----------------------------------------------------------------------------- promised and collected


@dataclass(frozen=True)
class WeekMoney:
    start: date  # the Monday
    promised: Amounts
    collected: Amounts

    @property
    def name(self) -> str:
        return _period_name(self.start, "week")

    def to_json(self) -> dict:
        return {"week": self.name, "start": self.start.isoformat(),
                "promised": _money_json(self.promised), "collected": _money_json(self.collected)}


def weekly_money(files: Sequence[ClientFile], today: date, weeks: int = MONEY_WEEKS) -> list[WeekMoney]:
    """Per ISO week, oldest first, the ``weeks`` weeks up to and including today's: what was
    promised for that week (promises and plan instalments by due date, not cancelled) and what
    was collected in it (payments by their date, none after today), per currency."""
    last = _period_start(today, "week")
    starts = [last - timedelta(days=7 * n) for n in range(weeks - 1, -1, -1)]
    first = starts[0]
    promised: dict[date, Amounts] = {s: {} for s in starts}
    collected: dict[date, Amounts] = {s: {} for s in starts}
    for cf in files:
        for p in cf.promises:
            if p.cancelled or not (first <= p.due < last + timedelta(days=7)):
                continue
            _add(promised[_period_start(p.due, "week")], p.currency, p.amount)
        for pay in cf.payments:
            if first <= pay.date <= today:
                _add(collected[_period_start(pay.date, "week")], pay.currency, pay.amount)
    return [WeekMoney(s, promised[s], collected[s]) for s in starts]


# ----------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class Report:
    as_of: date
    aging: list[AgingRow]
    unknown_balances: int
    dso: dict[str, Decimal | None]
    promises: PromiseFigures
    trend: list[TrendPoint]
    trend_by: str
    sessions: list[SessionFigures]
    overall: SessionFigures
    empty_sessions: int
    collected: Collected
    followups: list[FollowUp]
    weekly: list[WeekMoney] = field(default_factory=list)
    escalation: list[StageFigures] = field(default_factory=list)
    escalation_closed: ClosedFigures = field(default_factory=ClosedFigures)

    def to_json(self) -> dict:
        """One JSON-safe object: amounts as decimal strings, each with its currency."""
        return {
            "as_of": self.as_of.isoformat(),
            "aging": {"buckets": list(BUCKETS), "by_currency": [r.to_json() for r in self.aging],
                      "open_invoices_balance_unknown": self.unknown_balances},
            "dso_days": {c: (str(v) if v is not None else None) for c, v in self.dso.items()},
            "promises": self.promises.to_json(),
            "promise_trend": {"by": self.trend_by, "periods": [t.to_json() for t in self.trend]},
            "sessions": [s.to_json() for s in self.sessions],
            "all_calls": self.overall.to_json(),
            "sessions_without_calls": self.empty_sessions,
            "collected_after_call": self.collected.to_json(),
            "promised_collected_by_week": [w.to_json() for w in self.weekly],
            "followups": {"from": self.as_of.isoformat(), "to": (self.as_of + timedelta(days=WEEK_DAYS - 1)).isoformat(),
                          "items": [f.to_json() for f in self.followups]},
            "escalation": {"stages": [s.to_json() for s in self.escalation], "closed_by_payment": self.escalation_closed.to_json()},
        }


def build(
    files: Iterable[ClientFile],
    sessions: Iterable[Session],
    today: date,
    policy: Policy = Policy(),
    *,
    trend_by: str = "month",
    window_days: int = WINDOW_DAYS,
    locale: str = "en_US",
) -> Report:
    files = list(files)
    aging, unknown = aging_rows(files, today, policy)
    judged = [j for _, j in judged_promises(files, today)]
    rows, overall, empty = session_figures(files, sessions, today)
    stages, closed = stage_figures(files, today, policy)
    return Report(
        as_of=today, aging=aging, unknown_balances=unknown, dso=dso(files, today),
        promises=promise_figures(judged, today), trend=promise_trend(judged, today, trend_by), trend_by=trend_by,
        sessions=rows, overall=overall, empty_sessions=empty,
        collected=collected_after_calls(files, today, window_days), followups=followups(files, today, locale=locale),
        weekly=weekly_money(files, today), escalation=stages, escalation_closed=closed,
    )


# ----------------------------------------------------------------------------- terminal bars

_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value, biggest, width: int = 30) -> str:
    """A horizontal bar of block characters, ``width`` cells for ``biggest``, in eighths of a cell.
    Anything above zero shows at least a sliver; zero or less shows nothing."""
    if biggest is None or value is None or biggest <= 0 or value <= 0:
        return ""
    eighths = max(1, min(width * 8, int(round(Decimal(value) / Decimal(biggest) * width * 8))))
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


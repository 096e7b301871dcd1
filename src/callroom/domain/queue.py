"""Today's call queue (DOMAIN.md sections 2 and 6; the call-session issue's ordering).

Order: 1. follow-ups due today or earlier (promise checks, callbacks, dispute
get-back dates, instalments); 2. broken promises nobody has called about yet;
3. personal outreach and escalation review, by a score of amount and age;
4. friendly follow-ups. Everyone left out goes on the "not today" list with the reason.
Clients outside calling hours in their own local time stay queued, marked, and are
moved after those who can be called now.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Iterable

from babel.dates import format_date

from . import phones
from .aging import days_overdue, stage_for_days
from .codes import Outcome, PromiseStatus, Reason, Result, Stage
from .models import Call, ClientFile, Invoice
from .money import Totals
from .policy import Policy
from .promises import Judged, judge

TIER_NAMES = {1: "Follow-up due", 2: "Broken promise", 3: "Collection call", 4: "Friendly follow-up"}


@lru_cache(maxsize=8192)
def short_date(d: date, locale: str = "en_US") -> str:
    # Cached: babel takes tens of microseconds a date, and a queue of thousands of
    # clients names the same few hundred days over and over.
    return format_date(d, "d MMM", locale=locale)


# A client's number read once per process, not on every queue build (phonenumbers
# takes ~80 microseconds a number). A Dial is immutable, so sharing it is safe.
_dial = lru_cache(maxsize=65536)(phones.parse)


@dataclass(frozen=True)
class ClientStanding:
    """What the queue, the script and the client card agree on about one client today."""

    file: ClientFile
    judged: tuple[Judged, ...]
    chase: tuple[Invoice, ...]  # open invoices not held back by an open dispute
    owed: Totals  # all open balances per currency
    overdue: Totals  # overdue balances per currency of the chased invoices (not those in dispute)
    days: int  # days overdue of the oldest chased invoice
    stage: Stage
    broken_count: int
    unhandled_broken: tuple[Judged, ...]  # broken and no call since
    last_call: Call | None

    @property
    def client(self):
        return self.file.client


def standing(cf: ClientFile, today: date, policy: Policy = Policy()) -> ClientStanding:
    judged = tuple(judge(cf.promises, cf.payments, today))
    open_inv = cf.open_invoices
    held: set[str] = set()
    for d in cf.disputes:
        if d.is_open and d.get_back > today:
            held.update(d.invoices or [i.number for i in open_inv])
    chase = tuple(i for i in open_inv if i.number not in held)
    owed = Totals()
    overdue = Totals()
    for inv in open_inv:
        if inv.balance is None:
            continue
        owed[inv.currency] = owed.get(inv.currency, Decimal(0)) + inv.balance
        if inv.number not in held and days_overdue(inv, today, policy) > 0:  # what is chased, not what is disputed
            overdue[inv.currency] = overdue.get(inv.currency, Decimal(0)) + inv.balance
    days = max((days_overdue(i, today, policy) for i in chase), default=0)
    last = cf.last_call
    broken = [j for j in judged if j.is_broken]
    unhandled = tuple(
        j for j in broken if not any(c.at.date() > j.promise.due for c in cf.calls if c.result is not Result.SKIPPED)
    )
    stage = stage_for_days(days, policy)
    # A refusal stands until the client is reached again: a later voicemail or skip does not undo it.
    talks = [c for c in cf.calls if c.result is Result.REACHED]
    last_talk = max(talks, key=lambda c: c.at) if talks else None
    escalate = (
        len(broken) >= policy.broken_to_escalate
        or (last_talk is not None and (last_talk.reason is Reason.WONT_PAY or last_talk.outcome is Outcome.ESCALATE))
    )
    if chase and days > 0 and escalate:
        stage = Stage.ESCALATION
    return ClientStanding(cf, judged, chase, owed, overdue, days, stage, len(broken), unhandled, last)


@dataclass(frozen=True)
class Entry:
    client_id: int
    name: str
    tier: int
    why: str
    score: float
    stage: Stage
    days: int
    owed: Totals
    local: datetime | None = None
    out_of_hours: bool = False

    @property
    def tier_name(self) -> str:
        return TIER_NAMES[self.tier]


@dataclass(frozen=True)
class Held:
    client_id: int
    name: str
    why: str
    until: date | None = None


@dataclass
class Queue:
    entries: list[Entry] = field(default_factory=list)
    not_today: list[Held] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.entries)

    def ids(self) -> list[int]:
        return [e.client_id for e in self.entries]


def score(days: int, owed: Totals) -> float:
    """Age times a log of the largest balance: currencies are never converted, so amounts
    only tip the order on an order-of-magnitude scale."""
    big = owed.biggest()
    amount = float(big.amount) if big else 0.0
    return days * (1.0 + math.log10(1.0 + max(amount, 0.0)))


def _follow_up_why(st: ClientStanding, today: date, locale: str) -> str | None:
    """Why a scheduled follow-up brings this client back today, or None if none is due."""
    last = st.last_call
    if last is None or last.next_action is None or last.next_action > today:
        return None
    when = short_date(last.next_action, locale)
    if st.unhandled_broken:
        j = st.unhandled_broken[0]
        return f"promise of {short_date(j.promise.due, locale)} broken ({j.promise.money.format(locale)})"
    if last.outcome in (Outcome.PROMISE, Outcome.PLAN):
        # Nothing to check when the payments already show the call's promise (or the plan's
        # instalments so far) kept: the client is judged like any other from here on.
        ids = set(last.details.get("links", {}).get("promises", []))
        mine = [j for j in st.judged if j.promise.id in ids]
        if mine and any(j.status is PromiseStatus.KEPT for j in mine) and all(
            j.status in (PromiseStatus.KEPT, PromiseStatus.CANCELLED, PromiseStatus.OPEN) for j in mine
        ):
            return None
    if last.outcome is Outcome.PROMISE:
        return f"promise check (paid by {short_date(last.next_action - timedelta(days=1), locale)}?)"
    if last.outcome is Outcome.PLAN:
        return "payment plan instalment to check"
    if last.outcome is Outcome.CALLBACK:
        return f"callback agreed for {when}"
    if last.outcome is Outcome.DISPUTE:
        return f"dispute: get back by {when}"
    if last.outcome is Outcome.CORRECT_INVOICE:
        return "corrected invoice: confirm it arrived"
    if last.outcome is Outcome.ESCALATE:
        return "final notice deadline reached"
    if last.result in (Result.VOICEMAIL, Result.NO_ANSWER, Result.GATEKEEPER):
        return f"try again after {last.result.label.lower()}"
    return None


def build(
    files: Iterable[ClientFile],
    now: datetime,
    policy: Policy = Policy(),
    *,
    locale: str = "en_US",
) -> Queue:
    """Today's queue. ``now`` is the injectable clock: its date is 'today'."""
    today = now.date()
    q = Queue()
    for cf in files:
        c = cf.client
        cid = c.id if c.id is not None else -1
        if not cf.open_invoices:
            q.not_today.append(Held(cid, c.name, "nothing open"))
            continue
        st = standing(cf, today, policy)
        last = st.last_call
        tier = 0
        why = _follow_up_why(st, today, locale)
        # Anything still owed on a due follow-up brings the client back.
        if why is not None and st.chase:
            tier = 1
        elif st.unhandled_broken and st.chase:  # not while everything open is held by a dispute
            j = st.unhandled_broken[0]
            tier, why = 2, f"promise of {short_date(j.promise.due, locale)} broken ({j.promise.money.format(locale)})"
        if tier == 0:
            # Promise or plan not yet due?
            pending = [j for j in st.judged if j.status.value == "open"]
            if pending:
                nxt = min(pending, key=lambda j: j.promise.due)
                label = "plan instalment" if nxt.promise.plan_id else "promise"
                q.not_today.append(Held(cid, c.name, f"{label} due {short_date(nxt.promise.due, locale)}", nxt.promise.due))
                continue
            held_by_dispute = [d for d in cf.disputes if d.is_open and d.get_back > today]
            if not st.chase and held_by_dispute:
                d = min(held_by_dispute, key=lambda d: d.get_back)
                q.not_today.append(Held(cid, c.name, f"dispute: get back by {short_date(d.get_back, locale)}", d.get_back))
                continue
            if last is not None and last.next_action is not None and last.next_action > today:
                if last.outcome is Outcome.DISPUTE:
                    text = f"dispute: get back by {short_date(last.next_action, locale)}"
                elif last.outcome is Outcome.CALLBACK:
                    text = f"callback agreed for {short_date(last.next_action, locale)}"
                else:
                    text = f"next action {short_date(last.next_action, locale)} (called {short_date(last.at.date(), locale)})"
                q.not_today.append(Held(cid, c.name, text, last.next_action))
                continue
            # A skip is not a call (it asks for tomorrow): only real calls hold a client back.
            dialled = [x for x in cf.calls if x.result is not Result.SKIPPED]
            recent = max(dialled, key=lambda x: x.at) if dialled else None
            if recent is not None and (today - recent.at.date()).days < policy.hold_days:
                until = recent.at.date() + timedelta(days=policy.hold_days)
                q.not_today.append(Held(cid, c.name, f"called {short_date(recent.at.date(), locale)}: hold until {short_date(until, locale)}", until))
                continue
            if st.days < policy.min_days_overdue:
                why_not = "not yet due" if st.days <= 0 else f"only {st.days} day{'s' if st.days != 1 else ''} overdue"
                q.not_today.append(Held(cid, c.name, why_not))
                continue
            if st.stage in (Stage.PERSONAL, Stage.ESCALATION):
                tier = 3
            else:
                tier = 4
            amount = st.overdue.format(locale) if st.overdue else st.owed.format(locale)
            why = f"{st.days} day{'s' if st.days != 1 else ''} overdue, {amount}"
            if st.stage is Stage.ESCALATION:
                why += " — escalation review"
        dial = _dial(c.phone, c.region)
        local = phones.local_time(dial, now) if now.tzinfo is not None else None
        ooh = local is not None and not phones.within_hours(local, policy.call_start, policy.call_end, policy.weekdays_only)
        q.entries.append(
            Entry(cid, c.name, tier, why or "", score(st.days, st.overdue or st.owed), st.stage, st.days, st.owed, local, ooh)
        )
    # The client id breaks ties, so the order never depends on the order the files came in.
    q.entries.sort(key=lambda e: (e.out_of_hours, e.tier, -e.score, e.name.lower(), e.name, e.client_id))
    q.not_today.sort(key=lambda h: (h.until or date.max, h.name.lower(), h.name, h.client_id))
    return q

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
from dataclasses import MISSING, dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Callable, Iterable, Mapping

from . import books, phones
from .aging import days_overdue, due_info, stage_for_days
from .codes import Outcome, PromiseStatus, Reason, Result, Stage
from .escalation import NO_EFFECT, queue_effect
from .models import Call, ClientFile, Invoice, Promise
from .money import Totals
from .policy import Policy
from .promises import Judged, judge

TIER_NAMES = {1: "Follow-up due", 2: "Broken promise", 3: "Collection call", 4: "Friendly follow-up"}


@lru_cache(maxsize=8192)
def short_date(d: date, locale: str = "en_US", today: date | None = None) -> str:
    """'25 Nov'; with the year ('25 Nov 2025') when it is not ``today``'s year, so a
    callback agreed a year ago never reads as one due this week."""
    # Cached: babel takes tens of microseconds a date, and a queue of thousands of
    # clients names the same few hundred days over and over. Imported here: a queue read
    # from its summary (``callroom queue``) words no date.
    from babel.dates import format_date

    if today is not None and d.year != today.year:
        return format_date(d, "d MMM y", locale=locale)
    return format_date(d, "d MMM", locale=locale)


# The time zone of a client's number, worked out once (phones.ZoneBook), not on every queue build.
_zone = phones.ZONES


def _quick_init(cls):
    """Give a frozen dataclass an ``__init__`` that fills the instance's ``__dict__`` directly:
    what the generated one does with one ``object.__setattr__`` call a field, at a fraction of
    the cost (the queue makes tens of thousands of these). Only for plain fields (positional
    or with a default, no factories, no ``__post_init__``); any other class is left as it is."""
    flds = fields(cls)
    if hasattr(cls, "__post_init__") or hasattr(cls, "__slots__") or any(
        not f.init or f.kw_only or f.default_factory is not MISSING for f in flds  # type: ignore[misc]
    ):
        return cls
    env: dict = {}
    params, body = [], ["    d = self.__dict__"]
    for f in flds:
        if f.default is MISSING:
            params.append(f.name)
        else:
            env[f"_d_{f.name}"] = f.default
            params.append(f"{f.name}=_d_{f.name}")
        body.append(f"    d[{f.name!r}] = {f.name}")
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body), env)  # noqa: S102 - field names only
    init = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init
    return cls


@_quick_init
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
    # What the oldest chased invoice's due date rests on when the export gave none ('due date
    # assumed: issued + 30 days; the export has none'); '' when it is the export's own.
    due_note: str = ""

    @property
    def client(self):
        return self.file.client


_ZERO = Decimal(0)
_SKIPPED, _REACHED = Result.SKIPPED, Result.REACHED


def standing(cf: ClientFile, today: date, policy: Policy = Policy()) -> ClientStanding:
    return _standing(cf, today, policy, cf.open_invoices)


def _about_open_debt(p: Promise, open_inv: tuple[Invoice, ...]) -> bool:
    """Whether a promise was about what the client owes now: it names an invoice still
    open, or (naming none) it was made once the oldest open invoice was issued (or, its
    issue date unknown, had fallen due). A promise broken years ago on invoices long since
    paid neither comes back to the top of the queue nor counts toward escalation review."""
    if p.invoices:
        numbers = {i.number for i in open_inv}
        return any(n in numbers for n in p.invoices)
    starts = [i.issued or i.due for i in open_inv if (i.issued or i.due) is not None]
    return not starts or p.made_on >= min(starts)


def _standing(cf: ClientFile, today: date, policy: Policy, open_inv: tuple[Invoice, ...]) -> ClientStanding:
    # Worked out for every client with anything open on every queue build: one pass over
    # the open invoices, and no promise judgement or call scan for a client without promises.
    judged = tuple(judge(cf.promises, cf.payments, today)) if cf.promises else ()
    held: set[str] = set()
    for d in cf.disputes:
        if d.is_open and d.get_back > today:
            held.update(d.invoices or [i.number for i in open_inv])
    for i in open_inv:
        if i.book_status:  # disputed, not sent or written off in the owner's books (domain.books)
            held.add(i.number)
    chase = tuple(i for i in open_inv if i.number not in held) if held else open_inv
    owed = Totals()
    overdue = Totals()
    days: int | None = None  # of the oldest chased invoice (negative when none is due yet)
    oldest: Invoice | None = None
    for inv in open_inv:
        late = days_overdue(inv, today, policy)
        chased = inv.number not in held
        if chased and (days is None or late > days):
            days, oldest = late, inv
        balance = inv.balance
        if balance is None:
            continue
        cur = inv.currency
        owed[cur] = owed.get(cur, _ZERO) + balance
        if chased and late > 0:  # what is chased, not what is disputed
            overdue[cur] = overdue.get(cur, _ZERO) + balance
    if days is None:
        days = 0
    calls = cf.calls
    last = max(calls, key=_at) if calls else None  # ClientFile.last_call
    if judged:
        broken = [j for j in judged if j.is_broken and _about_open_debt(j.promise, open_inv)]
        unhandled = tuple(
            j for j in broken if not any(c.at.date() > j.promise.due for c in calls if c.result is not _SKIPPED)
        )
    else:
        broken, unhandled = [], ()
    stage = stage_for_days(days, policy)
    if chase and days > 0:
        # A refusal stands until the client is reached again: a later voicemail or skip does not undo it.
        talks = [c for c in calls if c.result is _REACHED]
        last_talk = max(talks, key=_at) if talks else None
        escalate = (
            len(broken) >= policy.broken_to_escalate
            or (last_talk is not None and (last_talk.reason is Reason.WONT_PAY or last_talk.outcome is Outcome.ESCALATE))
        )
        if escalate:
            stage = Stage.ESCALATION
    note = due_info(oldest, policy).note() if oldest is not None and oldest.due is None else ""
    return ClientStanding(cf, judged, chase, owed, overdue, days, stage, len(broken), unhandled, last, note)


def _at(c: Call) -> datetime:
    return c.at


@_quick_init
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
    route: str = ""  # the escalation route standing for this client ('' when none)
    money: Totals | None = None  # at an escalation stage: what is owed there (the routes' claims, or what is overdue)
    route_due: bool = False  # the route is due back today (why the client is queued)

    @property
    def tier_name(self) -> str:
        return TIER_NAMES[self.tier]


@_quick_init
@dataclass(frozen=True)
class Held:
    client_id: int
    name: str
    why: str
    until: date | None = None
    route: str = ""  # held by an escalation route
    money: Totals | None = None  # what is still owed of that route's claims


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


def _follow_up_why(st: ClientStanding, today: date, locale: str, zone: str | None = None) -> str | None:
    """Why a scheduled follow-up brings this client back today, or None if none is due."""
    last = st.last_call
    if last is None or last.next_action is None or last.next_action > today:
        return None
    when = short_date(last.next_action, locale, today)
    if st.unhandled_broken:
        j = st.unhandled_broken[0]
        return f"promise of {short_date(j.promise.due, locale, today)} broken ({j.promise.money.format(locale)})"
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
        return f"promise check (paid by {short_date(last.next_action - timedelta(days=1), locale, today)}?)"
    if last.outcome is Outcome.PLAN:
        return "payment plan instalment to check"
    if last.outcome is Outcome.CALLBACK:
        return f"callback agreed for {when}{_at_time(last, zone)}"
    if last.outcome is Outcome.DISPUTE:
        return f"dispute: get back by {when}"
    if last.outcome is Outcome.CORRECT_INVOICE:
        return "corrected invoice: confirm it arrived"
    if last.outcome is Outcome.ESCALATE:
        return "final notice deadline reached"
    if last.result in (Result.VOICEMAIL, Result.NO_ANSWER, Result.GATEKEEPER):
        return f"try again after {last.result.label.lower()}"
    return None


def _dispute_back(cf: ClientFile, today: date, locale: str) -> str | None:
    """An open dispute whose get-back date has come with no call on or after it: why the
    client comes back, whatever the last call was about (a later call about the invoices not
    in dispute does not make the owner forget to get back)."""
    due = [d for d in cf.disputes if d.is_open and d.get_back <= today
           and not any(c.at.date() >= d.get_back and c.result is not _SKIPPED for c in cf.calls)]
    if not due:
        return None
    d = min(due, key=lambda d: d.get_back)
    return f"dispute: get back by {short_date(d.get_back, locale, today)}"


def _at_time(call: Call, zone: str | None = None) -> str:
    """' at 15:00' for a callback agreed at a time of day (the owner's), else ''; with the
    time at the client's end beside it when their number's ``zone`` keeps another time then
    (' at 15:00 your time, 09:00 theirs'; ' at 15:00 your time, 04:00 Wed theirs')."""
    at = call.details.get("time") if call.details else None
    if not at:
        return ""
    try:
        moment = datetime.fromisoformat(call.details["at"]) if call.details.get("at") else None
    except (TypeError, ValueError):
        moment = None
    theirs = phones.their_time(moment, zone)
    if theirs is None or moment is None:
        return f" at {at}"
    day = "" if theirs.date() == moment.date() else f" {theirs:%a}"
    return f" at {at} your time, {theirs:%H:%M}{day} theirs"


class QueueMemo:
    """What :func:`build` worked out for each client, for :func:`rebuild`: everything of a
    client's place in the queue but its local time (which moves with the clock), for one
    day, policy and locale."""

    __slots__ = ("key", "decided")

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.decided: dict[int, Held | tuple] = {}


def build(
    files: Iterable[ClientFile],
    now: datetime,
    policy: Policy = Policy(),
    *,
    locale: str = "en_US",
    memo: QueueMemo | None = None,
) -> Queue:
    """Today's queue. ``now`` is the injectable clock: its date is 'today'.

    ``memo`` (optional) keeps what was worked out for each client, for :func:`rebuild`."""
    today = now.date()
    decided = [_decide(cf, today, policy, locale) for cf in files]
    if memo is not None:
        by_client = {_client_id(d): d for d in decided}
        ok = len(by_client) == len(decided)  # one file a client (as the store gives them)
        memo.key, memo.decided = ((today, policy, locale) if ok else None), by_client
    return _assemble(decided, now, policy)


def rebuild(
    memo: QueueMemo,
    changed: Mapping[int, ClientFile | None],
    now: datetime,
    policy: Policy = Policy(),
    *,
    locale: str = "en_US",
) -> Queue | None:
    """The queue :func:`build` would give over the files it was last given with ``memo``,
    with the files in ``changed`` instead (None: the client is gone), by client id; only
    those clients are worked out again. None when the memo is of another day, policy or
    locale (build afresh then)."""
    today = now.date()
    if memo.key != (today, policy, locale):
        return None
    decided = memo.decided
    for cid, cf in changed.items():
        if cf is None:
            decided.pop(cid, None)
            continue
        d = _decide(cf, today, policy, locale)
        if _client_id(d) != cid:  # a file under another client's id: not what the memo can follow
            memo.key = None
            return None
        decided[cid] = d
    return _assemble(decided.values(), now, policy)


def decide(files: Iterable[ClientFile], today: date, policy: Policy = Policy(), *, locale: str = "en_US") -> dict[int, Held | tuple]:
    """What :func:`build` works out for each client on ``today``, by client id: everything
    of its place in the queue but its local time. :func:`assemble` makes the queue of it."""
    out: dict[int, Held | tuple] = {}
    for cf in files:
        d = _decide(cf, today, policy, locale)
        out[_client_id(d)] = d
    return out


def assemble(decided: Iterable[Held | tuple], now: datetime, policy: Policy = Policy()) -> Queue:
    """The queue of decisions made by :func:`decide` for ``now``'s date: the local times
    worked out for ``now``, and sorted. The same queue :func:`build` gives."""
    return _assemble(decided, now, policy)


def memo_of(decided: dict[int, Held | tuple], today: date, policy: Policy = Policy(), *, locale: str = "en_US") -> QueueMemo:
    """A :class:`QueueMemo` of decisions made by :func:`decide` for ``today``, for :func:`rebuild`."""
    memo = QueueMemo()
    memo.key, memo.decided = (today, policy, locale), decided
    return memo


def decision_json(d: Held | tuple) -> list:
    """One decision as plain JSON values (see :func:`decisions_from_json`): a held client's
    fields, or a queued client's tuple, each value as JSON (a stage, an amount, a date, a
    total per currency tagged so that it reads back as itself)."""
    if type(d) is Held:
        return [0, *(_to_json(getattr(d, f.name)) for f in fields(Held))]
    return [1, *(_to_json(x) for x in d)]


def decision_from_json(v: list) -> Held | tuple:
    """A decision written by :func:`decision_json` (raises on anything else)."""
    return next(iter(decisions_from_json([v]).values()))


def decisions_from_json(rows: list) -> dict[int, Held | tuple]:
    """Decisions written by :func:`decision_json`, by client id (raises on anything else,
    a decision of another shape than this release makes included)."""
    out: dict[int, Held | tuple] = {}
    held_fields = len(fields(Held))
    for v in rows:
        values = [x if type(x) is not dict else _from_json(x) for x in v[1:]]
        if v[0] == 0:
            if len(values) != held_fields:
                raise ValueError("not a decision")
            d: Held | tuple = Held(*values)
        else:
            if len(values) != _QUEUED_FIELDS or type(values[2]) is not int:
                raise ValueError("not a decision")
            d = tuple(values)
        cid = values[0]
        if type(cid) is not int or type(values[1]) is not str:
            raise ValueError("not a decision")
        out[cid] = d
    return out


#: The values of a queued client's decision (see :func:`_decide`).
_QUEUED_FIELDS = 12


def queued_place(d: Held | tuple) -> tuple[str | None, tuple] | None:
    """Of a decision: its client's phone time zone and where it stands among the queued of
    that zone (the queue's order without the local times); None for a held client."""
    if type(d) is Held:
        return None
    cid, name, tier, _why, sc, _stage, _days, _owed, zone = d[:9]  # type: ignore[misc]
    return zone, (tier, -sc, name.lower(), name, cid)


def printed_order(decided: Iterable[Held | tuple]) -> tuple[list[tuple], list[Held]]:
    """A day's decisions in the queue's order as far as it goes without the hour: the queued
    as ``(zone, tier name, name, why)`` in the order :func:`assemble` gives them when every
    client is within calling hours (those outside them go last, in the same order: a stable
    split of this list by zone is the queue at any hour), and the held clients in theirs."""
    queued: list[tuple] = []
    held: list[Held] = []
    for d in decided:
        if type(d) is Held:
            held.append(d)
        else:
            queued.append(d)
    queued.sort(key=lambda d: (d[2], -d[4], d[1].lower(), d[1], d[0]))  # _entry_order, all within hours
    held.sort(key=_held_order)
    return [(d[0], d[8], TIER_NAMES[d[2]], d[1], d[3]) for d in queued], held


def assemble_in_order(decided: Mapping[int, Held | tuple], queued: list[int], held: list[int], now: datetime,
                      policy: Policy = Policy()) -> Queue | None:
    """:func:`assemble` for decisions whose order :func:`printed_order` worked out (``queued``
    and ``held``: the client ids in it): the local times worked out, the clients outside
    calling hours put last, nothing sorted. None when the ids are not exactly the queued and
    the held of ``decided`` (assemble then)."""
    ids = set(queued)
    ids.update(held)
    if not len(ids) == len(queued) + len(held) == len(decided):
        return None
    q = Queue()
    inside, outside = q.entries, []
    entry = _entry_maker(now, policy)
    for cid in queued:
        d = decided.get(cid)
        if type(d) is not tuple:
            return None
        e = entry(d)
        (outside if e.out_of_hours else inside).append(e)
    inside += outside
    for cid in held:
        d = decided.get(cid)
        if type(d) is not Held:
            return None
        q.not_today.append(d)
    return q


def _to_json(x: object) -> object:
    t = type(x)
    if x is None or t in (bool, int, float, str):
        return x
    if t is Stage:
        return {"stage": x.value}  # type: ignore[attr-defined]
    if t is Totals:
        return {"totals": {k: str(a) for k, a in x.items()}}  # type: ignore[attr-defined]
    if t is Decimal:
        return {"amount": str(x)}
    if t is date:
        return {"date": x.isoformat()}  # type: ignore[attr-defined]
    if isinstance(x, str):  # a str enum stored as its text
        return str(x)
    raise TypeError(f"a decision holds a {t.__name__}, which the summary does not keep")


def _from_json(x: dict) -> object:
    (kind, value), = x.items()
    if kind == "stage":
        return Stage._value2member_map_[value]
    if kind == "totals":
        return Totals({k: Decimal(a) for k, a in value.items()})
    if kind == "amount":
        return Decimal(value)
    if kind == "date":
        return date.fromisoformat(value)
    raise ValueError(f"not a decision value: {kind}")


def _client_id(decided: Held | tuple) -> int:
    return decided.client_id if type(decided) is Held else decided[0]  # type: ignore[union-attr,index]


def _entry_maker(now: datetime, policy: Policy) -> Callable[[tuple], Entry]:
    """Makes the queue entry of a client's decision, with its local time and whether that is
    outside calling hours worked out once a zone (none with a naive ``now``)."""
    aware = now.tzinfo is not None
    hours = (policy.call_start, policy.call_end, policy.weekdays_only)
    at_zone: dict[str | None, tuple[datetime | None, bool]] = {}  # local time and out-of-hours, per zone

    def entry(d: tuple) -> Entry:
        cid, name, tier, why, sc, stage, days, owed, zone, route, money, due = d
        local, ooh = None, False
        if aware:
            found = at_zone.get(zone)
            if found is None:
                local = phones.local_time_in(zone, now)
                ooh = local is not None and not phones.within_hours(local, *hours)
                found = at_zone[zone] = (local, ooh)
            local, ooh = found
        return Entry(cid, name, tier, why, sc, stage, days, owed, local, ooh, route, money, due)

    return entry


def _assemble(decided: Iterable[Held | tuple], now: datetime, policy: Policy) -> Queue:
    """The queue from each client's decision: the local times worked out (once a zone), and sorted."""
    q = Queue()
    entries, not_today = q.entries, q.not_today
    entry = _entry_maker(now, policy)
    for d in decided:
        if type(d) is Held:
            not_today.append(d)
            continue
        entries.append(entry(d))  # type: ignore[arg-type]
    # The client id breaks ties, so the order never depends on the order the files came in.
    entries.sort(key=_entry_order)
    not_today.sort(key=_held_order)
    return q


def _entry_order(e: Entry) -> tuple:
    return (e.out_of_hours, e.tier, -e.score, e.name.lower(), e.name, e.client_id)


def _held_order(h: Held) -> tuple:
    return (h.until or date.max, h.name.lower(), h.name, h.client_id)


def _decide(cf: ClientFile, today: date, policy: Policy, locale: str) -> Held | tuple:
    """One client's place today: held (a :class:`Held`), or queued: ``(client id, name, tier,
    why, score, stage, days, owed, zone, route, money, route due)``, everything of its :class:`Entry` but the local time.

    An escalation route standing comes first: while it runs the client is held (until its
    check date; a write-off for good), and on its check date the client comes back as a
    follow-up with why (``domain.escalation.queue_effect``)."""
    c = cf.client
    cid = c.id if c.id is not None else -1
    open_inv = cf.open_invoices
    if not open_inv:
        return Held(cid, c.name, "nothing open")
    st = _standing(cf, today, policy, open_inv)
    esc = queue_effect(cf, today, st.overdue.keys(), locale) if cf.escalations else NO_EFFECT
    if esc.kind == "held":
        return Held(cid, c.name, esc.why, esc.until, esc.route, esc.money)
    last = st.last_call
    tier = 0
    # the zone of their number, for a callback agreed at a time (worked out for the queued below)
    zone = _zone(c.phone, c.region) if last is not None and last.outcome is Outcome.CALLBACK and "at" in last.details else None
    follow = _follow_up_why(st, today, locale, zone)
    back = None if follow is not None else _dispute_back(cf, today, locale)
    why = esc.why if esc.kind == "due" else (follow or back)
    # A due follow-up brings the client back while something it chases is overdue. One about
    # money that is no longer overdue (paid, or only an invoice not yet due left) is dropped:
    # the client is judged like any other. A date the call agreed stays: a callback the client
    # asked for (said as such), a dispute to get back on.
    if why is not None and st.chase:
        agreed = esc.kind != "due" and not st.unhandled_broken and (
            back is not None or (last is not None and last.outcome in (Outcome.CALLBACK, Outcome.DISPUTE)))
        if st.days > 0:
            tier = 1
        elif agreed:
            tier = 1
            if back is None and last.outcome is Outcome.CALLBACK:
                why = f"{why}; nothing overdue now"
        else:
            why = None
    elif st.unhandled_broken and st.chase:  # not while everything open is held by a dispute
        j = st.unhandled_broken[0]
        tier, why = 2, f"promise of {short_date(j.promise.due, locale, today)} broken ({j.promise.money.format(locale)})"
    if tier == 0:
        # Promise or plan not yet due?
        pending = [j for j in st.judged if j.status.value == "open"]
        if pending:
            nxt = min(pending, key=lambda j: j.promise.due)
            label = "plan instalment" if nxt.promise.plan_id else "promise"
            return Held(cid, c.name, f"{label} due {short_date(nxt.promise.due, locale, today)}", nxt.promise.due)
        if not st.chase:
            held_by_dispute = [d for d in cf.disputes if d.is_open and d.get_back > today]
            if held_by_dispute:
                d = min(held_by_dispute, key=lambda d: d.get_back)
                return Held(cid, c.name, f"dispute: get back by {short_date(d.get_back, locale, today)}", d.get_back)
            in_books = books.why_held(open_inv)
            if in_books:
                return Held(cid, c.name, in_books)
        # A dispute's get-back date holds the client only while nothing else is overdue: the
        # invoices not in dispute are still asked for (after the usual hold after a call).
        undisputed_late = last is not None and last.outcome is Outcome.DISPUTE and st.days > 0 and bool(st.chase)
        if last is not None and last.next_action is not None and last.next_action > today and not undisputed_late:
            if last.outcome is Outcome.DISPUTE:
                text = f"dispute: get back by {short_date(last.next_action, locale, today)}"
            elif last.outcome is Outcome.CALLBACK:
                text = f"callback agreed for {short_date(last.next_action, locale, today)}{_at_time(last, zone)}"
            else:
                text = f"next action {short_date(last.next_action, locale, today)} (called {short_date(last.at.date(), locale, today)})"
            return Held(cid, c.name, text, last.next_action)
        # A skip is not a call (it asks for tomorrow): only real calls hold a client back.
        dialled = [x for x in cf.calls if x.result is not _SKIPPED]
        recent = max(dialled, key=_at) if dialled else None
        if recent is not None and (today - recent.at.date()).days < policy.hold_days:
            until = recent.at.date() + timedelta(days=policy.hold_days)
            return Held(cid, c.name, f"called {short_date(recent.at.date(), locale, today)}: hold until {short_date(until, locale, today)}", until)
        if st.days < policy.min_days_overdue:
            why_not = "not yet due" if st.days <= 0 else f"only {st.days} day{'s' if st.days != 1 else ''} overdue"
            return Held(cid, c.name, why_not + (f" ({st.due_note})" if st.due_note else ""))
        if st.stage in (Stage.PERSONAL, Stage.ESCALATION):
            tier = 3
        else:
            tier = 4
        amount = st.overdue.format(locale) if st.overdue else st.owed.format(locale) if st.owed else "balance unknown"
        # A figure counted from a due date the export did not give says so (never stated as fact).
        assumed = f" ({st.due_note})" if st.due_note else ""
        why = f"{st.days} day{'s' if st.days != 1 else ''} overdue{assumed}, {amount}"
        if st.stage is Stage.ESCALATION:
            why += " — escalation review"
    money = esc.money if esc.route else (Totals(st.overdue) if st.stage is Stage.ESCALATION else None)
    return (cid, c.name, tier, why or "", score(st.days, st.overdue or st.owed), st.stage, st.days, st.owed, _zone(c.phone, c.region),
            esc.route, money, esc.kind == "due")

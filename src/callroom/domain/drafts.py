"""A call being logged: what the keys and the form collect, its validation, and the
records it becomes. Shared by the session screen and `callroom log` so both refuse the
same bad input with the same words."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision

from .codes import Outcome, Reason, Result
from .models import Call, Dispute, Invoice, Payment, Plan, Promise
from .money import format_money
from .owing import Owing, listed, owing, short_day, totals
from .policy import Policy
from .queue import ClientStanding
from .schedule import FREQUENCIES, plan_amounts, plan_dates, suggest_next_action

MAX_NOTE = 4000


class DraftError(ValueError):
    """Bad input in one field: ``field`` names it, the message says what to do."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def clean_text(text: str, limit: int = MAX_NOTE, field: str = "note") -> str:
    """Drop control characters and escape sequences (never echoed raw to a terminal); keep newlines
    and tabs; refuse text longer than ``limit``."""
    cleaned = strip_controls(text).strip()
    if len(cleaned) > limit:
        what = "The note" if field == "note" else "This"
        raise DraftError(field, f"{what} is {len(cleaned):,} characters; keep it under {limit:,}.")
    return cleaned


def strip_controls(text: str) -> str:
    """``text`` without escape sequences and control characters (newlines and tabs stay)."""
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\x1b":  # skip an escape sequence: CSI, a string (OSC/DCS/...), or ESC [intermediates] final
            i += 1
            if i < len(text) and text[i] == "[":  # CSI: ESC [ params ... final byte @..~
                i += 1
                while i < len(text) and not ("@" <= text[i] <= "~"):
                    i += 1
            elif i < len(text) and text[i] in "]PX^_":  # a string, ended by BEL or ESC \ (all of it is dropped)
                i += 1
                while i < len(text) and text[i] != "\x07" and text[i:i + 2] != "\x1b\\":
                    i += 1
                if text[i:i + 2] == "\x1b\\":
                    i += 1
            else:
                while i < len(text) and " " <= text[i] <= "/":  # intermediates, e.g. ESC ( B
                    i += 1
            i += 1
            continue
        if ch in "\n\t" or (ord(ch) >= 32 and not (0x7F <= ord(ch) < 0xA0)):
            out.append(ch)
        i += 1
    return "".join(out)


def parse_amount(text: str, field: str = "amount") -> Decimal:
    t = (text or "").strip().replace(",", "").replace(" ", "")
    for sym in "$€£¥":
        t = t.replace(sym, "")
    if not t:
        raise DraftError(field, "Enter an amount, for example 1200.00.")
    try:
        value = Decimal(t)
    except InvalidOperation:
        raise DraftError(field, f"{text.strip()[:20]!r} is not an amount; type digits like 1200.00.") from None
    if not value.is_finite():
        raise DraftError(field, "Enter a real amount, for example 1200.00.")
    if value <= 0:
        raise DraftError(field, "The amount must be more than zero.")
    if value.adjusted() >= 12:
        raise DraftError(field, f"{text.strip()[:20]!r} is too large for an invoice amount; check the digits.")
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise DraftError(field, "Use at most two decimal places.")
    return value


def parse_day(text: str, field: str, today: date, *, allow_past: bool = False) -> date:
    """YYYY-MM-DD, or +N or +Nd (days from today), or 'today'/'tomorrow'."""
    t = (text or "").strip().lower()
    if not t:
        raise DraftError(field, "Enter a date as YYYY-MM-DD, or +7 for a week from today.")
    if t.startswith("+") and t.endswith("d"):
        t = t[:-1]
    if t == "today":
        d = today
    elif t == "tomorrow":
        d = today + timedelta(days=1)
    elif t.startswith("+") and t[1:].isdigit():
        try:  # '+²' passes isdigit() but not int(); '+99999999' runs past year 9999
            d = today + timedelta(days=int(t[1:]))
        except (ValueError, OverflowError):
            raise DraftError(field, f"{text.strip()[:20]!r} is too far away; use YYYY-MM-DD or +7.") from None
    else:
        try:
            d = date.fromisoformat(t)
        except ValueError:
            raise DraftError(field, f"{text.strip()[:20]!r} is not a date; use YYYY-MM-DD (e.g. {today + timedelta(days=7)}) or +7.") from None
    if not allow_past and d < today:
        raise DraftError(field, f"{d.isoformat()} is in the past; choose today or later.")
    return d


_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm)?$")


def _time_of(text: str) -> time | None:
    """'15:00', '9.30', '10h30', '3pm', '3:30 pm' as a time of day; None when it is not one."""
    m = _TIME.match(text.strip().lower())
    if not m or (m.group(2) is None and m.group(3) is None):
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m.group(3) == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_when(text: str, field: str, now: datetime) -> tuple[date, time | None]:
    """A day with an optional time of day (the owner's): 'tomorrow 15:00', '+2d 10:30',
    '2026-12-14 9:15', '3pm' (today), or a day alone as :func:`parse_day` reads it.
    A moment already past is refused."""
    raw = (text or "").strip()
    words = raw.split()
    at: time | None = None
    if words:
        tail = " ".join(words[-2:]) if len(words) >= 2 and words[-1].lower() in ("am", "pm") else words[-1]
        at = _time_of(tail)
        if at is not None:
            words = words[: len(words) - len(tail.split())]
        elif re.fullmatch(r"\d{1,2}[:.h]\d{2}", words[-1]):
            raise DraftError(field, f"{words[-1]!r} is not a time of day; use 24-hour HH:MM, e.g. 15:00.")
    today = now.date()
    day = parse_day(" ".join(words), field, today) if words else today
    if at is not None and day == today and at <= now.time().replace(second=0, microsecond=0):
        raise DraftError(field, f"{at:%H:%M} today has passed (it is {now:%H:%M}); choose a later time or another day.")
    return day, at


def owner_moment(day: date, at: time, now: datetime) -> datetime:
    """``day`` at ``at`` in the owner's time zone (``now``'s) as an aware datetime. A clock at
    the machine's own time (the real clock) follows the machine's zone rules to that day, so
    a callback agreed across a change of summer time keeps the owner's wall time."""
    naive = datetime.combine(day, at)
    tz = now.tzinfo
    if tz is None or now.utcoffset() == now.astimezone().utcoffset() and not hasattr(tz, "key"):
        return naive.astimezone()  # the machine's zone, with its rules for that day
    return naive.replace(tzinfo=tz)


def when_text(day: date, at: time | None, today: date, locale: str = "en_US") -> str:
    """'Tue 24 Nov 15:00', or 'Tue 24 Nov' with no time."""
    return short_day(day, today, locale) + (f" {at:%H:%M}" if at is not None else "")


@dataclass
class Draft:
    """What has been keyed in for one call so far (text fields as typed)."""

    result: Result | None = None
    reason: Reason | None = None
    outcome: Outcome | None = None
    note: str = ""
    next_action: str = ""  # as typed; empty = the suggestion
    amount: str = ""  # promise / paid amount, or plan total
    date: str = ""  # promise date, callback date, plan first date, dispute get-back date
    count: str = "3"  # plan instalments
    frequency: str = "monthly"
    what: str = ""  # what is disputed
    method: str = ""
    skip_reason: str = ""
    invoices: str = ""  # the invoices a promise, plan, payment or dispute covers, as typed; empty = the default
    who: str = ""  # who looks into a dispute
    over: str = ""  # why an amount is more than the invoices it covers owe (fees, interest); empty = it is not

    def copy(self) -> "Draft":
        return replace(self)


@dataclass(frozen=True)
class Logged:
    """The records a valid draft becomes."""

    call: Call
    promises: list[Promise] = field(default_factory=list)
    plan: Plan | None = None
    dispute: Dispute | None = None
    payment: Payment | None = None
    warnings: tuple[str, ...] = ()

    def describe(self, today: date, locale: str = "en_US") -> str:
        """What will be stored, as the owner reads it back: '$1,200.00 by Mon 14 Dec'."""
        c = self.call
        det = c.details
        money = (lambda a: format_money(Decimal(a), det["currency"], locale)) if "currency" in det else str
        o = c.outcome
        bits: list[str] = []
        if o is Outcome.PROMISE and self.promises:
            p = self.promises[0]
            bits.append(f"{money(det['amount'])} by {short_day(p.due, today, locale)}" + (f" ({p.method})" if p.method else ""))
        elif o is Outcome.PLAN and self.plan is not None:
            first, last = self.promises[0].amount, self.promises[-1].amount
            each = format_money(first, self.plan.currency, locale) + (
                " each" if first == last else f" (the last {format_money(last, self.plan.currency, locale)})")
            bits.append(f"{money(det['amount'])} in {self.plan.count} {self.plan.frequency} instalments of {each}, "
                        f"from {short_day(self.plan.first, today, locale)}")
        elif o is Outcome.PAID and self.payment is not None:
            bits.append(f"{money(det['amount'])} paid {short_day(self.payment.date, today, locale)}")
        elif o is Outcome.DISPUTE and self.dispute is not None:
            bits.append(f"{self.dispute.what[:40]}: get back by {short_day(self.dispute.get_back, today, locale)}"
                        + (f", {self.dispute.who} looks into it" if self.dispute.who else ""))
        elif o is Outcome.CALLBACK and "date" in det:
            at = time.fromisoformat(det["time"]) if det.get("time") else None
            bits.append(f"call back {when_text(date.fromisoformat(det['date']), at, today, locale)}")
        covered = det.get("invoices")
        if covered:
            bits.append(("for " if o is Outcome.PAID else "disputed: " if o is Outcome.DISPUTE else "covers ") + ", ".join(covered))
        if det.get("over"):
            bits.append(f"more than owed: {det['over'][:40]}")
        return " · ".join(bits)


NEEDS_DETAILS = {Outcome.PROMISE, Outcome.PLAN, Outcome.DISPUTE, Outcome.CALLBACK, Outcome.PAID}
# Outcomes that carry a date of their own, which their next action follows.
DATED = {Outcome.PROMISE, Outcome.PLAN, Outcome.DISPUTE, Outcome.CALLBACK}


def overdue_left(ow: Owing, payment: Payment | None = None) -> bool:
    """Whether anything chased is still overdue once ``payment`` (made on the call) is applied
    as the payments service applies it: the invoices it names first, then the oldest due."""
    if payment is None:
        return bool(ow.overdue)
    if any(i.balance is None for i in ow.overdue):
        return True
    from .payments import allocate  # payments reads drafts' parsers: imported here, not at the top

    applies, _ = allocate(payment.amount, payment.currency, payment.invoices, list(ow.all_open))
    cleared = {number for number, _, whole in applies if whole}
    return any(i.number not in cleared for i in ow.overdue)


def defaults(outcome: Outcome, st: ClientStanding, today: date, policy: Policy = Policy(), *, caller: str = "") -> dict[str, str]:
    """Sensible form defaults: a promise of what is overdue (in the main currency), a week
    away, covering the overdue invoices. An invoice not yet due is never in a default:
    the owner adds it by name. A dispute: the invoices it covers come from what is disputed
    (or are asked for), and ``caller`` (the owner) looks into it."""
    ow = owing(st, today, policy)
    cur = ow.main_currency()
    late = [i for i in ow.overdue if i.currency == cur]
    amt = totals(late).get(cur)
    week = (today + timedelta(days=policy.promise_days)).isoformat()
    numbers = ", ".join(i.number for i in late)
    if outcome is Outcome.PROMISE:
        return {"amount": str(amt) if amt else "", "date": week, "invoices": numbers}
    if outcome is Outcome.PAID:
        return {"amount": str(amt) if amt else "", "date": today.isoformat(), "invoices": numbers}
    if outcome is Outcome.PLAN:
        return {"amount": str(amt) if amt else "", "count": "3", "frequency": "monthly", "date": week, "invoices": numbers}
    if outcome is Outcome.DISPUTE:
        return {"what": "", "invoices": "", "who": caller, "date": (today + timedelta(days=policy.promise_days)).isoformat()}
    if outcome is Outcome.CALLBACK:
        return {"date": (today + timedelta(days=1)).isoformat()}
    return {}


def named_invoices(text: str, ow: Owing, field: str = "invoices") -> tuple[Invoice, ...]:
    """The open invoices ``text`` names ('0041, 0049' or '#0041 0052'), in the order named;
    DraftError for a number the client has nowhere open, or for two currencies."""
    wanted = [w.lstrip("#") for w in re.split(r"[\s,;]+", (text or "").strip()) if w.strip("#")]
    by_number = {i.number.lower(): i for i in ow.all_open}
    out: list[Invoice] = []
    for w in wanted:
        inv = by_number.get(w.lower())
        if inv is None:
            open_ = ", ".join(i.number for i in ow.all_open) or "none"
            raise DraftError(field, f"No open invoice {w[:20]!r} for this client. Open: {open_}.")
        if inv not in out:
            out.append(inv)
    curs = sorted({i.currency for i in out})
    if len(curs) > 1:
        raise DraftError(field, f"These invoices are in {' and '.join(curs)}: one promise, plan or payment is in one currency.")
    return tuple(out)


def mentioned_invoices(text: str, invoices) -> tuple[Invoice, ...]:
    """The invoices among ``invoices`` whose numbers ``text`` names as whole words
    ('Hours on MF-0006 too high' names MF-0006, not MF-00061), in the order given."""
    low = (text or "").lower()
    return tuple(i for i in invoices
                 if re.search(r"(?<![\w-])#?" + re.escape(i.number.lower()) + r"(?![\w-])", low))


def disputed_invoices(d: Draft, ow: Owing) -> tuple[Invoice, ...]:
    """The invoices a dispute covers: those named in its invoices field ('all': every open
    one), else those its text names, else the only one open; otherwise it asks (DraftError),
    so a dispute about one invoice never holds back the others."""
    text = d.invoices.strip()
    if text.lower() in ("all", "*"):
        return ow.all_open
    if text:
        named = []
        by_number = {i.number.lower(): i for i in ow.all_open}
        for w in (w.lstrip("#") for w in re.split(r"[\s,;]+", text) if w.strip("#")):
            inv = by_number.get(w.lower())
            if inv is None:
                raise DraftError("invoices", f"No open invoice {w[:20]!r} for this client. "
                                             f"Open: {', '.join(i.number for i in ow.all_open) or 'none'}.")
            if inv not in named:
                named.append(inv)
        return tuple(named)
    said = mentioned_invoices(d.what, ow.all_open)
    if said:
        return said
    if len(ow.all_open) == 1:
        return ow.all_open
    if not ow.all_open:
        raise DraftError("invoices", "Nothing is open for this client to dispute.")
    raise DraftError("invoices", f"Which invoices are disputed? Open: {', '.join(i.number for i in ow.all_open)}. "
                                 "Name them (or type all); the others stay in the queue.")


def _covered(d: Draft, ow: Owing, outcome: Outcome) -> tuple[str, tuple[Invoice, ...]]:
    """(currency, invoices) a promise, plan or payment covers: the ones named, else the
    overdue ones in the main currency. A promise or plan covers an invoice not yet due only
    when it is named."""
    if d.invoices.strip():
        named = named_invoices(d.invoices, ow)
        if named:
            return named[0].currency, named
    cur = ow.main_currency()
    late = tuple(i for i in ow.overdue if i.currency == cur)
    if late or outcome is not Outcome.PAID:
        return cur, late
    return cur, tuple(i for i in ow.all_open if i.currency == cur)  # a payment with nothing overdue: whatever is open


def _over_balance(amount: Decimal, cur: str, limit: Decimal, what: str, ow: Owing, today: date, policy: Policy, covered) -> str:
    """The refusal of an amount above what it covers, naming the balance."""
    msg = f"{format_money(amount, cur)} is more than the {format_money(limit, cur)} {what}."
    left = [i for i in ow.not_due if i.currency == cur and i not in covered]
    if left:
        msg += f" Not yet due: {listed(left, today, policy)}; name it in the invoices to include it."
    return msg + " Lower the amount, or say why it is more (fees, interest)."


def suggested_next(d: Draft, today: date, policy: Policy = Policy()) -> date | None:
    """The next action date DOMAIN.md section 5 suggests for the draft as it stands."""
    if d.result is None:
        return None

    def maybe(text: str) -> date | None:
        words = text.split()
        for n in (2, 1):  # a callback's time of day ('tomorrow 3 pm') does not move its day
            if len(words) >= n and _time_of(" ".join(words[-n:])) is not None:
                words = words[:-n]
                break
        try:
            return parse_day(" ".join(words), "date", today, allow_past=True) if words else today
        except DraftError:
            return None

    day = maybe(d.date) if d.date else None
    return suggest_next_action(
        d.result, d.outcome, today, policy,
        promise_date=day if d.outcome is Outcome.PROMISE else None,
        plan_first=day if d.outcome is Outcome.PLAN else None,
        get_back=day if d.outcome is Outcome.DISPUTE else None,
        callback=day if d.outcome is Outcome.CALLBACK else None,
    )


def build(
    d: Draft,
    st: ClientStanding,
    now: datetime,
    policy: Policy = Policy(),
    *,
    session_id: int | None = None,
    duration_s: int | None = None,
) -> Logged:
    """Validate the draft and turn it into records. Raises DraftError naming the field."""
    today = now.date()
    cid = st.client.id
    assert cid is not None
    if d.result is None:
        raise DraftError("result", "Choose the call result first (reached, voicemail, no answer, wrong number, gatekeeper).")
    if d.result is Result.SKIPPED and not d.skip_reason.strip():
        raise DraftError("skip_reason", "Say why this client is skipped.")
    if d.result is not Result.REACHED and d.outcome is not None:
        raise DraftError("outcome", f"An outcome needs the right person reached; this call was {d.result.label.lower()}.")
    note = clean_text(d.note)
    if d.result is Result.SKIPPED:
        note = (clean_text(d.skip_reason, 500, "skip_reason") + ("\n" + note if note else "")).strip()
    ow = owing(st, today, policy)
    invoices = tuple(i.number for i in (st.chase or st.file.open_invoices))
    warnings: list[str] = []
    promises: list[Promise] = []
    plan = dispute = payment = None
    details: dict = {}
    day: date | None = None
    at: time | None = None
    o = d.outcome
    if o in (Outcome.PROMISE, Outcome.PAID, Outcome.PLAN):
        cur, covered = _covered(d, ow, o)
        cur = cur or (st.file.invoices[0].currency if st.file.invoices else "USD")
        if not covered and o is not Outcome.PAID:
            ahead = [i for i in ow.not_due if i.currency == cur] or list(ow.not_due)
            raise DraftError("invoices", "Nothing is overdue to cover. " + (
                f"Not yet due: {listed(ahead, today, policy)}; name the invoice(s) it covers." if ahead else "Nothing is open either."))
        invoices = tuple(i.number for i in covered)
        amount = parse_amount(d.amount)
        places = get_currency_precision(cur)  # JPY has no cents: 100.50 JPY cannot be paid or split
        if amount != amount.quantize(Decimal(1).scaleb(-places)):
            raise DraftError("amount", f"{cur} amounts are whole numbers." if places == 0 else f"Use at most {places} decimal places for {cur}.")
        # A promise or plan is measured against the invoices it covers; a payment against
        # everything open in its currency (money received pays whatever is open).
        if o is Outcome.PAID:
            basis = [i for i in ow.all_open if i.currency == cur]
            what = f"owed in {cur} in all"
        else:
            basis = list(covered)
            what = f"owed on {', '.join(invoices)}"
        over = clean_text(d.over, 200, "over")
        if all(i.balance is not None for i in basis):
            limit = totals(basis).get(cur, Decimal(0))
            if amount > limit:
                if not over:
                    raise DraftError("over", _over_balance(amount, cur, limit, what, ow, today, policy, covered))
                details["over"] = over
        details["amount"] = str(amount)
        details["currency"] = cur
        details["invoices"] = list(invoices)
    if o is Outcome.PROMISE:
        day = parse_day(d.date, "date", today)
        details["date"] = day.isoformat()
        promises.append(Promise(None, cid, made_on=today, due=day, amount=amount, currency=cur, invoices=invoices, method=clean_text(d.method, 200, "method")))
    elif o is Outcome.PAID:
        day = parse_day(d.date or today.isoformat(), "date", today, allow_past=True)
        if day > today:
            raise DraftError("date", f"A payment made on the call is dated today or earlier, not {day.isoformat()}; a payment to come is a promise (p).")
        payment = Payment(None, cid, day, amount, cur, invoices, source="call",
                          note="Paid on the call" + (f"; more than owed: {details['over']}" if "over" in details else ""))
    elif o is Outcome.PLAN:
        day = parse_day(d.date, "date", today)
        try:
            count = int((d.count or "").strip())
        except ValueError:
            raise DraftError("count", f"{d.count!r} is not a number of instalments; type 2 to 24.") from None
        if not 2 <= count <= 24:
            raise DraftError("count", "A plan has 2 to 24 instalments.")
        if d.frequency not in FREQUENCIES:
            raise DraftError("frequency", f"Frequency must be one of {', '.join(FREQUENCIES)}.")
        amounts = plan_amounts(amount, count, cur)
        if amounts[0] <= 0:
            raise DraftError("amount", f"{amount} cannot be split into {count} instalments.")
        dates = plan_dates(day, count, d.frequency)
        plan = Plan(None, cid, made_on=today, total=amount, currency=cur, count=count, frequency=d.frequency, first=day, invoices=invoices)
        promises = [
            Promise(None, cid, made_on=today, due=dt, amount=a, currency=cur, invoices=invoices, instalment=n + 1)
            for n, (dt, a) in enumerate(zip(dates, amounts))
        ]
        details.update(count=count, frequency=d.frequency, first=day.isoformat())
    elif o is Outcome.DISPUTE:
        what = clean_text(d.what, 500, "what")
        if not what:
            raise DraftError("what", "Say what is disputed (the invoice, the work, the amount).")
        invoices = tuple(i.number for i in disputed_invoices(d, ow))
        who = clean_text(d.who, 200, "who")
        if not who:
            raise DraftError("who", "Say who looks into it: you, or a colleague's name.")
        if "\n" in who:
            raise DraftError("who", "Who looks into it is one line: a name.")
        day = parse_day(d.date, "date", today)
        dispute = Dispute(None, cid, opened=today, what=what, get_back=day, invoices=invoices, who=who)
        details.update(what=what, get_back=day.isoformat(), invoices=list(invoices), who=who)
    elif o is Outcome.CALLBACK:
        day, at = parse_when(d.date, "date", now)
        details["date"] = day.isoformat()
        if at is not None:
            details["time"] = f"{at:%H:%M}"
            # the moment itself, with the owner's UTC offset then: the client's local time of
            # the callback is worked out from it (``phones.their_time``)
            details["at"] = owner_moment(day, at, now).isoformat()
    if d.next_action.strip():
        nxt = parse_day(d.next_action, "next_action", today)
    else:
        nxt = suggested_next(d, today, policy)
        # Nothing left overdue after this call (everything paid, or nothing was): no follow-up
        # about money, unless the call agreed a date of its own (a promise or plan to check, a
        # dispute to get back on, a callback the client asked for).
        if nxt is not None and d.result is not Result.SKIPPED and o not in DATED and not overdue_left(ow, payment):
            nxt = None
    call = Call(None, cid, now.replace(tzinfo=None, microsecond=0), d.result, d.reason, o, note, nxt, session_id, details, duration_s)
    return Logged(call, promises, plan, dispute, payment, tuple(warnings))

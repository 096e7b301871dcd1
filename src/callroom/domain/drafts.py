"""A call being logged: what the keys and the form collect, its validation, and the
records it becomes. Shared by the session screen and `callroom log` so both refuse the
same bad input with the same words."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision

from .codes import Outcome, Reason, Result
from .models import Call, Dispute, Payment, Plan, Promise
from .money import Totals
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
    """YYYY-MM-DD, or +N (days from today), or 'today'/'tomorrow'."""
    t = (text or "").strip().lower()
    if not t:
        raise DraftError(field, "Enter a date as YYYY-MM-DD, or +7 for a week from today.")
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


NEEDS_DETAILS = {Outcome.PROMISE, Outcome.PLAN, Outcome.DISPUTE, Outcome.CALLBACK, Outcome.PAID}


def defaults(outcome: Outcome, st: ClientStanding, today: date, policy: Policy = Policy()) -> dict[str, str]:
    """Sensible form defaults: a promise of the total owed a week away, etc."""
    cur, amt = _main_owed(st)
    week = (today + timedelta(days=policy.promise_days)).isoformat()
    if outcome is Outcome.PROMISE:
        return {"amount": str(amt) if amt else "", "date": week}
    if outcome is Outcome.PAID:
        return {"amount": str(amt) if amt else "", "date": today.isoformat()}
    if outcome is Outcome.PLAN:
        return {"amount": str(amt) if amt else "", "count": "3", "frequency": "monthly", "date": week}
    if outcome is Outcome.DISPUTE:
        return {"date": (today + timedelta(days=policy.promise_days)).isoformat(), "what": ""}
    if outcome is Outcome.CALLBACK:
        return {"date": (today + timedelta(days=1)).isoformat()}
    return {}


def _main_owed(st: ClientStanding) -> tuple[str, Decimal | None]:
    owed = st.overdue or st.owed
    if not owed:
        return ("", None)
    cur = max(owed, key=lambda c: owed[c])
    return cur, owed[cur]


def suggested_next(d: Draft, today: date, policy: Policy = Policy()) -> date | None:
    """The next action date DOMAIN.md section 5 suggests for the draft as it stands."""
    if d.result is None:
        return None

    def maybe(text: str) -> date | None:
        try:
            return parse_day(text, "date", today, allow_past=True)
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
    cur, owed_amt = _main_owed(st)
    cur = cur or (st.file.invoices[0].currency if st.file.invoices else "USD")
    invoices = tuple(i.number for i in (st.chase or st.file.open_invoices))
    warnings: list[str] = []
    promises: list[Promise] = []
    plan = dispute = payment = None
    details: dict = {}
    day: date | None = None
    o = d.outcome
    if o in (Outcome.PROMISE, Outcome.PAID, Outcome.PLAN):
        amount = parse_amount(d.amount)
        places = get_currency_precision(cur)  # JPY has no cents: 100.50 JPY cannot be paid or split
        if amount != amount.quantize(Decimal(1).scaleb(-places)):
            raise DraftError("amount", f"{cur} amounts are whole numbers." if places == 0 else f"Use at most {places} decimal places for {cur}.")
        if owed_amt is not None and amount > owed_amt:
            warnings.append(f"{amount} is more than the {owed_amt} owed in {cur}.")
        details["amount"] = str(amount)
        details["currency"] = cur
    if o is Outcome.PROMISE:
        day = parse_day(d.date, "date", today)
        details["date"] = day.isoformat()
        promises.append(Promise(None, cid, made_on=today, due=day, amount=amount, currency=cur, invoices=invoices, method=clean_text(d.method, 200, "method")))
    elif o is Outcome.PAID:
        day = parse_day(d.date or today.isoformat(), "date", today, allow_past=True)
        if day > today:
            raise DraftError("date", f"A payment made on the call is dated today or earlier, not {day.isoformat()}; a payment to come is a promise (p).")
        payment = Payment(None, cid, day, amount, cur, invoices, source="call", note="Paid on the call")
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
        day = parse_day(d.date, "date", today)
        dispute = Dispute(None, cid, opened=today, what=what, get_back=day, invoices=invoices)
        details.update(what=what, get_back=day.isoformat())
    elif o is Outcome.CALLBACK:
        day = parse_day(d.date, "date", today)
        details["date"] = day.isoformat()
    if d.next_action.strip():
        nxt = parse_day(d.next_action, "next_action", today)
    else:
        nxt = suggested_next(d, today, policy)
    call = Call(None, cid, now.replace(tzinfo=None, microsecond=0), d.result, d.reason, o, note, nxt, session_id, details, duration_s)
    return Logged(call, promises, plan, dispute, payment, tuple(warnings))

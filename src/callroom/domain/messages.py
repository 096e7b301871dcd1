"""What each written message says, from the facts (DOMAIN.md section 8).

One kind per outcome: a promise confirmed, a plan confirmed, a dispute acknowledged, a
payment received, a missed call, a reminder, a final notice. ``compose`` turns a
client's file, the owner's profile and today into a :class:`Message`: a subject, a
body and a short SMS text, with money and dates in the client's locale (babel).

The wording lives in templates (``string.Template``: ``$name`` placeholders, each
listed in :data:`PLACEHOLDERS`). Defaults ship below; the owner may override any kind
with a file of their own, checked by :func:`parse_template` (an unknown placeholder or a
stray ``$`` is refused naming the file, the line and the placeholder). Values from the
ledger are substituted once, as text: a client named ``$total_owed`` or ``{{ x }}`` is
printed as it is, never read as template code.

Overdue and not-yet-due amounts are always kept apart; an invoice under an open dispute
is named as under review and never asked for.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Iterable, Mapping

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from .aging import days_overdue, stage_for_days
from .codes import Outcome, Result, Stage
from .models import Call, Client, ClientFile, Dispute, Invoice, Payment, Plan, Promise
from .money import Totals, format_money
from .policy import Policy
from .profile import Profile

DEFAULT_LOCALE = "en_US"
SMS_LIMIT = 320


class Kind(str, Enum):
    CONFIRMATION = "confirmation"
    PLAN = "plan"
    DISPUTE = "dispute"
    RECEIPT = "receipt"
    MISSED = "missed"
    REMINDER = "reminder"
    FINAL_NOTICE = "final-notice"

    def __str__(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def parse(cls, text: str) -> "Kind":
        key = (text or "").strip().lower().replace("_", "-").replace(" ", "-")
        for k in cls:
            if key in (k.value, k.name.lower().replace("_", "-")):
                return k
        raise ValueError(f"unknown kind {text!r}; use one of: {', '.join(k.value for k in cls)}")


_LABELS = {
    Kind.CONFIRMATION: "Promise confirmation",
    Kind.PLAN: "Plan confirmation",
    Kind.DISPUTE: "Dispute acknowledgement",
    Kind.RECEIPT: "Payment received",
    Kind.MISSED: "Missed call",
    Kind.REMINDER: "Reminder",
    Kind.FINAL_NOTICE: "Final notice",
}

#: How a message left: the channels a written contact is recorded with.
CHANNELS = {"copy": "copied", "mail": "mail program", "eml": "email file", "pdf": "letter (PDF)", "sms": "SMS", "text": "text"}


def kind_for_call(call: Call) -> Kind:
    """The message that follows a call: its outcome's, a missed call's, else a reminder."""
    by_outcome = {
        Outcome.PROMISE: Kind.CONFIRMATION,
        Outcome.PLAN: Kind.PLAN,
        Outcome.DISPUTE: Kind.DISPUTE,
        Outcome.PAID: Kind.RECEIPT,
        Outcome.ESCALATE: Kind.FINAL_NOTICE,
    }
    if call.outcome in by_outcome:
        return by_outcome[call.outcome]  # type: ignore[index]
    if call.result in (Result.VOICEMAIL, Result.NO_ANSWER, Result.GATEKEEPER):
        return Kind.MISSED
    return Kind.REMINDER


class MessageError(ValueError):
    """The message cannot be written from what is on file (says what is missing and how to add it)."""


class MissingProfile(MessageError):
    """A profile field the message needs is empty: names it and the command that sets it."""

    def __init__(self, fields: list[str], currencies: list[str] = ()):  # type: ignore[assignment]
        from .profile import FIELDS, LABELS

        self.fields = fields
        opts = [f"{FIELDS[f]} ..." for f in fields if f in FIELDS]
        opts += [f"--instructions {cur}=TEXT" for cur in currencies]
        names = [LABELS.get(f, f) + (f" for {', '.join(currencies)}" if f == "instructions" and currencies else "") for f in fields]
        super().__init__(
            f"the business profile has no {', '.join(names)}: set it with `callroom profile {' '.join(opts)}`"
            " (or the Profile screen, P)"
        )


@dataclass(frozen=True)
class Message:
    kind: Kind
    client: Client
    subject: str
    body: str
    sms: str
    to: str  # the client's email ('' when none on file)
    locale: str
    template: str = "default"  # where the wording came from: 'default' or the override file
    facts: Mapping[str, str] = field(default_factory=dict)  # the key facts, as plain strings (for records and tests)

    def with_text(self, subject: str, body: str) -> "Message":
        from dataclasses import replace

        return replace(self, subject=subject, body=body)


# ---------------------------------------------------------------------------------------------
# Locale and formatting


def clean_language(value: str) -> str:
    """'de', 'en-GB', 'fr_CA' -> a babel locale name ('de', 'en_GB', 'fr_CA'); '' stays ''."""
    text = (value or "").strip().replace("-", "_")
    if not text:
        return ""
    try:
        return str(Locale.parse(text))
    except (ValueError, UnknownLocaleError):
        raise ValueError(f"{value!r} is not a language babel knows (like en_US, en_GB, de, fr_CA)") from None


@lru_cache(maxsize=256)
def _locale(value: str) -> str:
    try:
        return clean_language(value) or DEFAULT_LOCALE
    except ValueError:
        return DEFAULT_LOCALE


@lru_cache(maxsize=4096)
def fmt_date(d: date, locale: str) -> str:
    return format_date(d, "long", locale=locale)


def fmt_money(amount: Decimal, currency: str, locale: str) -> str:
    return format_money(amount, currency, locale)


def _totals_text(t: Totals, locale: str) -> str:
    parts = [fmt_money(a, c, locale) for c, a in sorted(t.items())]
    if not parts:
        return "nothing"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _numbers(numbers: Iterable[str]) -> str:
    ns = [n for n in numbers if n]
    if not ns:
        return ""
    word = "invoice" if len(ns) == 1 else "invoices"
    return f"{word} {ns[0]}" if len(ns) == 1 else f"{word} {', '.join(ns[:-1])} and {ns[-1]}"


# ---------------------------------------------------------------------------------------------
# The facts a message is built from


@dataclass(frozen=True)
class Facts:
    file: ClientFile
    profile: Profile
    today: date
    policy: Policy = Policy()
    call: Call | None = None
    promise: Promise | None = None
    plan: Plan | None = None
    instalments: tuple[Promise, ...] = ()
    dispute: Dispute | None = None
    payment: Payment | None = None

    @property
    def client(self) -> Client:
        return self.file.client

    @property
    def locale(self) -> str:
        return _locale(getattr(self.client, "language", "") or "")


def _linked(call: Call | None, key: str):
    links = call.details.get("links", {}) if call is not None and isinstance(call.details, dict) else {}
    return links.get(key) if isinstance(links, dict) else None


def gather(kind: Kind, cf: ClientFile, profile: Profile, today: date, policy: Policy = Policy(), call: Call | None = None) -> Facts:
    """The facts for ``kind``: what ``call`` agreed when one is given, else the client's
    latest promise, plan, dispute or payment. MessageError when there is none."""
    name = cf.client.name
    f = Facts(cf, profile, today, policy, call=call)
    if kind is Kind.CONFIRMATION:
        ids = _linked(call, "promises") or []
        mine = [p for p in cf.promises if p.id in ids and p.plan_id is None] if call else [
            p for p in cf.promises if p.plan_id is None and not p.cancelled]
        if not mine:
            raise MessageError(f"no promise on {'that call' if call else 'file'} for {name}: a confirmation needs one "
                               "(log it with `callroom log ... --outcome promise`)")
        p = max(mine, key=lambda p: (p.made_on, p.id or 0))
        return _with(f, promise=p)
    if kind is Kind.PLAN:
        pid = _linked(call, "plan")
        plans = [p for p in cf.plans if p.id == pid] if call else [p for p in cf.plans if not p.cancelled]
        if not plans:
            raise MessageError(f"no payment plan on {'that call' if call else 'file'} for {name}: log one first (outcome plan)")
        plan = max(plans, key=lambda p: (p.made_on, p.id or 0))
        inst = tuple(sorted((p for p in cf.promises if p.plan_id == plan.id), key=lambda p: (p.instalment or 0, p.due)))
        return _with(f, plan=plan, instalments=inst)
    if kind is Kind.DISPUTE:
        did = _linked(call, "dispute")
        ds = [d for d in cf.disputes if d.id == did] if call else [d for d in cf.disputes if d.is_open] or list(cf.disputes)
        if not ds:
            raise MessageError(f"no dispute on {'that call' if call else 'file'} for {name}: log one first (outcome dispute)")
        return _with(f, dispute=max(ds, key=lambda d: (d.opened, d.id or 0)))
    if kind is Kind.RECEIPT:
        pay_id = _linked(call, "payment")
        ps = [p for p in cf.payments if p.id == pay_id] if call else list(cf.payments)
        if not ps:
            raise MessageError(f"no payment on {'that call' if call else 'file'} for {name}: record one first (`callroom pay` or `$`)")
        return _with(f, payment=max(ps, key=lambda p: (p.date, p.id or 0)))
    return f


def _with(f: Facts, **kw) -> Facts:
    from dataclasses import replace

    return replace(f, **kw)


# ---------------------------------------------------------------------------------------------
# Placeholders

COMMON = {
    "business": "your business name",
    "business_contact": "the named person the client reaches",
    "business_phone": "your phone",
    "business_email": "your email",
    "business_website": "your website",
    "business_address": "your postal address",
    "sign_off": "your closing words ('Kind regards,')",
    "signature": "sign-off, your name, business, phone and email, one a line",
    "client": "the client's business name",
    "contact": "the client's contact person",
    "greeting": "'Dear Dana,' (or 'Hello,' when no contact is on file)",
    "today": "today's date, long form",
    "total_owed": "everything still open, per currency",
    "overdue_total": "what is overdue (not what is not yet due), per currency",
    "overdue_lines": "one line per overdue invoice: number, due date, amount, days overdue",
    "not_yet_due": "a short paragraph naming invoices not yet due, or nothing",
    "disputed": "a short paragraph naming invoices under review, or nothing",
    "instructions": "how to pay, for the currencies concerned (the client's own first)",
}
PER_KIND: dict[Kind, dict[str, str]] = {
    Kind.CONFIRMATION: {
        "promise_amount": "the amount promised",
        "promise_date": "the date it was promised by",
        "promise_invoices": "'invoices 1042 and 1043' (what it covers), or nothing",
        "promise_method": "how it will be paid, when one was said",
    },
    Kind.PLAN: {
        "plan_total": "the plan's total",
        "plan_count": "the number of instalments",
        "plan_frequency": "weekly, fortnightly or monthly",
        "plan_lines": "one line per instalment: number, date, amount",
        "plan_invoices": "what the plan covers",
        "plan_missed": "what happens if an instalment is missed",
    },
    Kind.DISPUTE: {
        "dispute_what": "what will be looked into (as noted on the call)",
        "dispute_invoices": "the invoices it concerns",
        "get_back_date": "the date you will come back by",
        "dispute_who": "who looks into it",
    },
    Kind.RECEIPT: {
        "payment_amount": "the amount received",
        "payment_date": "the date it was received",
        "still_open": "what is still open after it, or that nothing is",
    },
    Kind.MISSED: {},
    Kind.REMINDER: {
        "opening": "the first sentence, in the tone of the stage (friendly early, firm later)",
        "ask": "the request, in the tone of the stage",
        "days_overdue": "days the oldest overdue invoice is overdue",
    },
    Kind.FINAL_NOTICE: {
        "deadline": "today + the policy's final-notice days",
        "next_step": "what happens after the deadline",
        "days_overdue": "days the oldest overdue invoice is overdue",
    },
}


def placeholders(kind: Kind) -> dict[str, str]:
    return {**COMMON, **PER_KIND[kind]}


# ---------------------------------------------------------------------------------------------
# Default wording

DEFAULTS: dict[Kind, str] = {
    Kind.CONFIRMATION: """Subject: Confirming your payment of $promise_amount by $promise_date

$greeting

Thank you for your time on the phone today. As agreed, $client will pay $promise_amount by $promise_date$promise_invoices.$promise_method

$instructions

If anything changes before then, please let me know and we will find a way.

$signature
""",
    Kind.PLAN: """Subject: Your payment plan: $plan_count instalments, $plan_total in all

$greeting

Thank you for working this out with me today. Here is the payment plan we agreed for $plan_invoices, $plan_total in $plan_count $plan_frequency instalments:

$plan_lines

$plan_missed

$instructions

$signature
""",
    Kind.DISPUTE: """Subject: We are looking into $dispute_invoices

$greeting

Thank you for telling me what is wrong. We are looking into it:

$dispute_what

$dispute_who will come back to you by $get_back_date. Until then we will not ask you to pay $dispute_invoices.

$signature
""",
    Kind.RECEIPT: """Subject: Thank you: $payment_amount received

$greeting

Thank you: we received your payment of $payment_amount on $payment_date.

$still_open

$signature
""",
    Kind.MISSED: """Subject: Sorry I missed you: a call about your account

$greeting

I tried to reach you today about your account with $business. Could you call me back at $business_phone when it suits you? It will only take a few minutes.

For reference, the balance overdue is $overdue_total.

$signature
""",
    Kind.REMINDER: """Subject: A reminder: $overdue_total overdue

$greeting

$opening

$overdue_lines

$disputed

$not_yet_due

$ask

$instructions

$signature
""",
    Kind.FINAL_NOTICE: """Subject: Final notice: $overdue_total to be paid by $deadline

$greeting

Despite our calls and messages, the following invoices remain unpaid; the oldest is now $days_overdue days overdue:

$overdue_lines

The total overdue is $overdue_total. Please pay it in full by $deadline, or call me before that date to agree how it will be paid.

If it is neither paid nor agreed by $deadline, we will $next_step. We would much rather settle this with you directly.

$disputed

$instructions

$signature
""",
}

DEFAULT_NEXT_STEP = "pass the matter on to recover it: a lawyer's letter, a collection agency or a small claims court"


# ---------------------------------------------------------------------------------------------
# Templates


class TemplateError(ValueError):
    """A template refused: ``file``, ``line`` and the ``placeholder`` (or text) at fault."""

    def __init__(self, file: str, line: int, placeholder: str, why: str):
        self.file, self.line, self.placeholder, self.why = file, line, placeholder, why
        super().__init__(f"{file}, line {line}: {why}")


@dataclass(frozen=True)
class Template:
    kind: Kind
    subject: string.Template
    body: string.Template
    source: str  # 'default' or the file it was read from


def parse_template(text: str, kind: Kind, source: str = "default") -> Template:
    """Check and split a template: 'Subject: ...' on its first line, then the body.
    Every ``$name`` must be one of :func:`placeholders` for the kind; ``$$`` is a dollar sign."""
    allowed = placeholders(kind)
    text = text.replace("\r\n", "\n")
    for m in string.Template.pattern.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        name = m.group("named") or m.group("braced")
        if m.group("invalid") is not None:
            bit = text[m.start(): m.start() + 12].split("\n")[0]
            raise TemplateError(source, line, bit, f"'$' not followed by a placeholder name in {bit!r} (write $$ for a dollar sign)")
        if name is not None and name not in allowed:
            known = ", ".join(sorted(allowed))
            raise TemplateError(source, line, name, f"unknown placeholder ${name} for a {kind.value} message; known: {known}")
    first, _, rest = text.partition("\n")
    if not first.lower().startswith("subject:"):
        raise TemplateError(source, 1, "Subject:", "the first line must be 'Subject: ...'")
    return Template(kind, string.Template(first.split(":", 1)[1].strip()), string.Template(rest.strip("\n")), source)


@lru_cache(maxsize=16)
def default_template(kind: Kind) -> Template:
    return parse_template(DEFAULTS[kind], kind)


_BLANKS = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    lines = [ln.rstrip() for ln in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip() + "\n"


# ---------------------------------------------------------------------------------------------
# Values


def payment_instructions(client: Client, profile: Profile, currencies: Iterable[str]) -> str:
    """How this client pays in these currencies: the client's own instructions first, else
    the profile's for each currency ('USD: ...' per line when there are several)."""
    override = (client.instructions or "").strip()
    if override:
        return override
    curs = sorted(set(currencies))
    lines = []
    for cur in curs:
        text = profile.instructions_for(cur)
        if text:
            lines.append(text if len(curs) == 1 else f"{cur}: {text}")
    return "\n".join(lines)


def _instructions(f: Facts, currencies: Iterable[str]) -> str:
    text = payment_instructions(f.client, f.profile, currencies)
    return ("How to pay:\n" + text) if text else ""


def needed_currencies(f: Facts, kind: Kind) -> list[str]:
    """The currencies a message asks money in (its instructions must cover them)."""
    if kind is Kind.CONFIRMATION and f.promise:
        return [f.promise.currency]
    if kind is Kind.PLAN and f.plan:
        return [f.plan.currency]
    if kind in (Kind.REMINDER, Kind.FINAL_NOTICE):
        return sorted(_split(f)[0].keys())
    return []


def _split(f: Facts) -> tuple[Totals, list[Invoice], list[Invoice], list[Invoice], Totals]:
    """(overdue totals, overdue invoices, not-yet-due invoices, disputed invoices, all owed)."""
    disputed_numbers = {n for d in f.file.disputes if d.is_open for n in d.invoices}
    overdue, over, notdue, disputed, owed = Totals(), [], [], [], Totals()
    for inv in sorted(f.file.open_invoices, key=lambda i: (i.due or date.min, i.number)):
        if inv.balance is not None:
            owed[inv.currency] = owed.get(inv.currency, Decimal(0)) + inv.balance
        if inv.number in disputed_numbers:
            disputed.append(inv)
        elif days_overdue(inv, f.today, f.policy) > 0:
            over.append(inv)
            if inv.balance is not None:
                overdue[inv.currency] = overdue.get(inv.currency, Decimal(0)) + inv.balance
        else:
            notdue.append(inv)
    return overdue, over, notdue, disputed, owed


def _inv_amount(inv: Invoice, loc: str) -> str:
    return fmt_money(inv.balance, inv.currency, loc) if inv.balance is not None else "amount to be confirmed"


def values(kind: Kind, f: Facts) -> dict[str, str]:
    loc = f.locale
    p, c = f.profile, f.client
    overdue, over, notdue, disputed, owed = _split(f)
    sig = [p.sign_off or "Kind regards,", "", p.contact, p.name, p.phone, p.email, p.website]
    v: dict[str, str] = {
        "business": p.name,
        "business_contact": p.contact,
        "business_phone": p.phone,
        "business_email": p.email,
        "business_website": p.website,
        "business_address": p.address,
        "sign_off": p.sign_off or "Kind regards,",
        "signature": "\n".join(x for i, x in enumerate(sig) if x or i == 1).strip(),
        "client": c.name,
        "contact": c.contact,
        "greeting": f"Dear {c.contact}," if c.contact else "Hello,",
        "today": fmt_date(f.today, loc),
        "total_owed": _totals_text(owed, loc),
        "overdue_total": _totals_text(overdue, loc),
        "overdue_lines": "\n".join(
            f"- Invoice {i.number}, due {fmt_date(i.due, loc) if i.due else 'on receipt'}: {_inv_amount(i, loc)}"
            f" ({days_overdue(i, f.today, f.policy)} days overdue)" for i in over),
        "not_yet_due": ("Not yet due, for your information (nothing to pay today): " + "; ".join(
            f"invoice {i.number}, {_inv_amount(i, loc)}, due {fmt_date(i.due, loc) if i.due else 'later'}" for i in notdue) + ".") if notdue else "",
        "disputed": ("Under review, and not part of this request: " + "; ".join(
            f"invoice {i.number}, {_inv_amount(i, loc)}" for i in disputed) + ".") if disputed else "",
        "instructions": _instructions(f, needed_currencies(f, kind)),
    }
    oldest = max((days_overdue(i, f.today, f.policy) for i in over), default=0)
    if kind is Kind.CONFIRMATION and f.promise:
        pr = f.promise
        v["promise_amount"] = fmt_money(pr.amount, pr.currency, loc)
        v["promise_date"] = fmt_date(pr.due, loc)
        v["promise_invoices"] = f" for {_numbers(pr.invoices)}" if pr.invoices else ""
        v["promise_method"] = f" You said it will be paid by {pr.method}." if pr.method else ""
    elif kind is Kind.PLAN and f.plan:
        pl = f.plan
        inst = f.instalments
        v["plan_total"] = fmt_money(pl.total, pl.currency, loc)
        v["plan_count"] = str(len(inst) or pl.count)
        v["plan_frequency"] = pl.frequency
        v["plan_lines"] = "\n".join(
            f"{n}. {fmt_date(i.due, loc)}: {fmt_money(i.amount, i.currency, loc)}" for n, i in enumerate(inst, 1))
        v["plan_invoices"] = _numbers(pl.invoices) or "what is owed"
        v["plan_missed"] = (
            "If an instalment cannot be paid on its date, please call me before the date and we will look at it together. "
            "If one is missed without a word, I will call you the next working day; if the plan cannot be kept, "
            f"what remains of the {fmt_money(pl.total, pl.currency, loc)} falls due at once."
        )
    elif kind is Kind.DISPUTE and f.dispute:
        d = f.dispute
        v["dispute_what"] = d.what
        v["dispute_invoices"] = _numbers(d.invoices) or "the invoices concerned"
        v["get_back_date"] = fmt_date(d.get_back, loc)
        v["dispute_who"] = d.who or p.contact or "We"
    elif kind is Kind.RECEIPT and f.payment:
        pay = f.payment
        v["payment_amount"] = fmt_money(pay.amount, pay.currency, loc)
        v["payment_date"] = fmt_date(pay.date, loc)
        if owed:
            parts = [f"Still open: {_totals_text(owed, loc)}"]
            if overdue:
                parts.append(f", of which {_totals_text(overdue, loc)} is overdue")
            v["still_open"] = "".join(parts) + "." + (" " + v["not_yet_due"] if notdue else "")
        else:
            v["still_open"] = "Your account is now fully paid. Thank you for your business."
    elif kind is Kind.REMINDER:
        stage = stage_for_days(oldest, f.policy)
        v["days_overdue"] = str(oldest)
        v["opening"], v["ask"] = _tone(stage, v["overdue_total"], fmt_date(f.today + timedelta(days=7), loc))
    elif kind is Kind.FINAL_NOTICE:
        v["days_overdue"] = str(oldest)
        v["deadline"] = fmt_date(f.today + timedelta(days=f.policy.final_notice_days), loc)
        v["next_step"] = str(p.extra.get("final_notice_next_step") or DEFAULT_NEXT_STEP)
    return v


def _tone(stage: Stage, overdue: str, week: str) -> tuple[str, str]:
    if stage in (Stage.NOT_DUE, Stage.COURTESY, Stage.FRIENDLY):
        return (f"In case it slipped through: our records show {overdue} past its due date.",
                "If it is already on its way, thank you, and please ignore this note. If not, could you let me know when we can expect it?")
    if stage is Stage.PERSONAL:
        return (f"I am writing about {overdue} that is now overdue on your account.",
                "Could you pay it this week, or call me so that we can agree a date or a plan that works for you?")
    return (f"{overdue} on your account is now long overdue, and I need your help to settle it.",
            f"Please pay it by {week}, or call me before then to agree how it will be paid.")


# ---------------------------------------------------------------------------------------------
# Composing

REQUIRED: dict[Kind, tuple[str, ...]] = {
    Kind.MISSED: ("name", "contact", "phone"),
}
ALWAYS = ("name", "contact")


def required_profile(kind: Kind) -> tuple[str, ...]:
    return REQUIRED.get(kind, ALWAYS)


def compose(kind: Kind, f: Facts, template: Template | None = None) -> Message:
    """The message of ``kind`` from the facts. MissingProfile when a profile field the
    message needs is empty (payment instructions for every currency it asks money in
    included); MessageError when there is nothing to write about."""
    missing = f.profile.missing(required_profile(kind))
    if kind in (Kind.REMINDER, Kind.FINAL_NOTICE, Kind.MISSED) and not _split(f)[1]:
        raise MessageError(f"nothing is overdue for {f.client.name}: a {kind.label.lower()} would ask for money not yet due")
    curs: list[str] = []
    if not (f.client.instructions or "").strip():
        curs = [c for c in needed_currencies(f, kind) if not f.profile.instructions_for(c)]
        if curs:
            missing.append("instructions")
    if missing:
        raise MissingProfile(missing, curs)
    t = template or default_template(kind)
    vals = values(kind, f)
    subject = re.sub(r"[ \t\r\n\v\f\x1c-\x1f\x85\u2028\u2029]+", " ", t.subject.substitute(vals)).strip()
    body = _tidy(t.body.substitute(vals))
    return Message(kind, f.client, subject, body, sms(kind, f, vals), f.client.email, f.locale, t.source, _facts(kind, vals))


def _facts(kind: Kind, vals: dict[str, str]) -> dict[str, str]:
    keys = ("overdue_total", "total_owed", *PER_KIND[kind].keys())
    return {k: vals[k] for k in keys if k in vals and k not in ("plan_missed",)}


def sms(kind: Kind, f: Facts, vals: dict[str, str] | None = None) -> str:
    """A short text (at most SMS_LIMIT characters): the core fact, then what fits of the
    rest. A missed-call text never states an amount (a phone's lock screen is seen by others)."""
    v = vals or values(kind, f)
    who = f.client.first_name or ""
    hi = f"Hi {who}, " if who else "Hello, "
    me = f" - {v['business_contact']}, {v['business']}".rstrip(", ")
    phone = f" {v['business_phone']}" if v["business_phone"] else ""
    core = {
        Kind.CONFIRMATION: lambda: f"{hi}thanks for today's call. As agreed: {v.get('promise_amount')} by {v.get('promise_date')}{v.get('promise_invoices', '')}.",
        Kind.PLAN: lambda: f"{hi}thanks for agreeing a plan today: {v.get('plan_total')} in {v.get('plan_count')} {v.get('plan_frequency')} instalments, "
                          f"first {f.instalments[0].due and fmt_money(f.instalments[0].amount, f.instalments[0].currency, f.locale)} on "
                          f"{fmt_date(f.instalments[0].due, f.locale)}." if f.instalments else f"{hi}thanks for agreeing a plan today: {v.get('plan_total')}.",
        Kind.DISPUTE: lambda: f"{hi}we are looking into {v.get('dispute_invoices')} and will get back to you by {v.get('get_back_date')}.",
        Kind.RECEIPT: lambda: f"{hi}thank you: {v.get('payment_amount')} received on {v.get('payment_date')}.",
        Kind.MISSED: lambda: f"{hi}sorry I missed you today. Could you call me back about your account when it suits you?",
        Kind.REMINDER: lambda: f"{hi}a reminder: {v['overdue_total']} is overdue on your account. Could you let me know when it will be paid?",
        Kind.FINAL_NOTICE: lambda: f"{hi}final notice: {v['overdue_total']} overdue, to be paid by {v.get('deadline')}. Please call me before then.",
    }[kind]()
    text = core
    for extra in (phone and f" Tel{phone}.", me):
        if extra and len(text) + len(extra) <= SMS_LIMIT:
            text += extra
    if len(text) > SMS_LIMIT:
        text = text[: SMS_LIMIT - 1].rstrip() + "…"
    return text

"""What each written message says, from the facts (DOMAIN.md section 8).

One kind per outcome: a promise confirmed, a plan confirmed, a dispute acknowledged, a
payment received, a missed call, a reminder, a final notice. ``compose`` turns a
client's file, the owner's profile and today into a :class:`Message`: a subject, a
body and a short SMS text.

The wording lives in templates (``string.Template``: ``$name`` placeholders, each
listed in :func:`placeholders`). Defaults ship in English and German (:mod:`.wording`);
the owner may override any kind, per language, with a file of their own, checked by :func:`parse_template` (an unknown placeholder or a
stray ``$`` is refused naming the file, the line and the placeholder). Values from the
ledger are substituted once, as text: a client named ``$total_owed`` or ``{{ x }}`` is
printed as it is, never read as template code.

Overdue and not-yet-due amounts are always kept apart; an invoice under an open dispute
is named as under review and never asked for.

A message is in one language: its template's. Dates and money follow the locale chosen
for those words and the client (:func:`.locales.locale_for`): a UK client gets
'14 December 2026' and '£1,080.00', a German client written to in German
'14. Dezember 2026' and '1.080,00 €', never English words around German dates.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Iterable, Mapping

from babel.dates import format_date

from . import locales
from .aging import days_overdue, stage_for_days
from .codes import Outcome, Result, Stage
from .locales import DEFAULT_LOCALE, lang
from .models import Call, Client, ClientFile, Dispute, Invoice, Payment, Plan, Promise, Written
from .money import Totals, format_money
from .names import split as split_name
from .owing import totals
from .policy import Policy
from .profile import Profile, parse_language, payment_instructions
from .wording import LANGUAGES, PHRASES, TEMPLATES, phrase
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
    Kind.RECEIPT: "Payment receipt",
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
    return parse_language(value)


@lru_cache(maxsize=4096)
def fmt_date(d: date, locale: str) -> str:
    """The one date style of written messages: the locale's long date ('14 December 2026')."""
    return format_date(d, "long", locale=locale)


def fmt_money(amount: Decimal, currency: str, locale: str) -> str:
    return format_money(amount, currency, locale)


class _Words:
    """Phrases in one language, dates and money in one locale: what a message is written with."""

    def __init__(self, language: str, locale: str):
        self.language = language if language in PHRASES else "en"
        self.locale = locale

    def __call__(self, key: str, **values) -> str:
        return phrase(self.language, key, **values)

    def date(self, d: date) -> str:
        return fmt_date(d, self.locale)

    def money(self, amount: Decimal, currency: str) -> str:
        return fmt_money(amount, currency, self.locale)

    def join(self, parts: list[str]) -> str:
        if not parts:
            return ""
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + self("and") + parts[-1]

    def totals(self, t: Totals) -> str:
        parts = [self.money(a, c) for c, a in sorted(t.items())]
        return self.join(parts) if parts else self("nothing")

    def numbers(self, numbers: Iterable[str]) -> str:
        ns = [n for n in numbers if n]
        if not ns:
            return ""
        return self("invoice" if len(ns) == 1 else "invoices", numbers=self.join(ns))

    def days(self, n: int) -> str:
        return self("day") if n == 1 else self("days", n=str(n))

    def times(self, n: int) -> str:
        return self("times_1") if n == 1 else self("times_2") if n == 2 else self("times_n", n=str(n))


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
    written: tuple[Written, ...] = ()  # the messages already written to the client

    @property
    def client(self) -> Client:
        return self.file.client

    def locale_for(self, language: str) -> str:
        """The locale of a message to this client whose words are in ``language``."""
        return locales.locale_for(lang(language) or "en", self.client, self.profile)

    @property
    def locale(self) -> str:
        """The locale of a message in the default (English) wording."""
        return self.locale_for("en")


def _linked(call: Call | None, key: str):
    links = call.details.get("links", {}) if call is not None and isinstance(call.details, dict) else {}
    return links.get(key) if isinstance(links, dict) else None


def gather(kind: Kind, cf: ClientFile, profile: Profile, today: date, policy: Policy = Policy(), call: Call | None = None,
           written: Iterable[Written] = ()) -> Facts:
    """The facts for ``kind``: what ``call`` agreed when one is given, else the client's
    latest promise, plan, dispute or payment. MessageError when there is none. ``written``:
    the messages already written to the client (a final notice counts them)."""
    name = cf.client.name
    f = Facts(cf, profile, today, policy, call=call, written=tuple(written))
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
    "greeting": "'Dear Dana Whitfield,' or 'Dear Frau Huber,' ('Hello,' when no contact is on file)",
    "today": "today's date, long form",
    "total_owed": "everything still open, per currency",
    "overdue_total": "what is overdue (not what is not yet due), per currency",
    "overdue_lines": "one line per overdue invoice: number, its date, due date, amount, days overdue",
    "not_yet_due": "a short paragraph naming invoices not yet due, or nothing",
    "disputed": "a short paragraph naming invoices under review, or nothing",
    "account": "every open invoice with its dates and amount, then the total, overdue apart from not yet due",
    "instructions": "how to pay, for the currencies concerned (the client's own first)",
}
PER_KIND: dict[Kind, dict[str, str]] = {
    Kind.CONFIRMATION: {
        "promise_amount": "the amount promised",
        "promise_date": "the date it was promised by",
        "promise_invoices": "' for invoices 1042 and 1043' (what it covers), or nothing",
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
        "dispute_lines": "one line per invoice it concerns: number, its date, due date, amount",
        "get_back_date": "the date you will come back by",
        "dispute_who": "who looks into it ('I' when it is you, the contact who signs)",
        "follow_up": "'I will come back to you by <date>.' (or who will, when it is someone else)",
    },
    Kind.RECEIPT: {
        "payment_amount": "the amount received",
        "payment_date": "the date it was received",
        "still_open": "what is still open after it, invoice by invoice, or that nothing is",
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
        "unpaid": "'Invoice 1071 remains unpaid; it is now 125 days overdue:' (or the invoices, when several)",
        "contacts": "the calls and messages on record about it ('We have called you 3 times ...'), or nothing",
    },
}


def placeholders(kind: Kind) -> dict[str, str]:
    return {**COMMON, **PER_KIND[kind]}


# ---------------------------------------------------------------------------------------------
# Default wording

#: The English default templates, by kind (other languages: :data:`.wording.TEMPLATES`).
DEFAULTS: dict[Kind, str] = {Kind(k): text for k, text in TEMPLATES["en"].items()}

DEFAULT_NEXT_STEP = PHRASES["en"]["next_step"]


def default_languages() -> tuple[str, ...]:
    """The languages callroom ships default wording in."""
    return LANGUAGES


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
    language: str = "en"  # the language of its words: the placeholders are filled in it


def parse_template(text: str, kind: Kind, source: str = "default", language: str = "en") -> Template:
    """Check and split a template: 'Subject: ...' on its first line, then the body.
    Every ``$name`` must be one of :func:`placeholders` for the kind; ``$$`` is a dollar sign.
    ``language``: the language it is written in ('en', 'de', 'de_AT')."""
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
    return Template(kind, string.Template(first.split(":", 1)[1].strip()), string.Template(rest.strip("\n")), source,
                    language or "en")


@lru_cache(maxsize=32)
def default_template(kind: Kind, language: str = "en") -> Template:
    """The wording callroom ships for ``kind`` in ``language`` (English when it has none in it)."""
    words = lang(language) if lang(language) in TEMPLATES else "en"
    return parse_template(TEMPLATES[words][kind.value], kind, "default", words)


def template_order(kind: Kind, client: Client, profile: Profile) -> list[tuple[str | None, str]]:
    """Where the wording of a message to ``client`` comes from, most wanted first: (the
    owner's file name, or None for callroom's own wording; the language it is in).

    The client's language first (``KIND.de_AT.txt``, ``KIND.de.txt``, then callroom's
    German), then the profile's (``KIND.txt`` is written in it; English when none is set),
    then callroom's English."""
    order: list[tuple[str | None, str]] = []
    mine = locales.known(client.language)
    owner = locales.known(profile.language)
    for tag in (mine, lang(mine)):
        if tag:
            order.append((f"{kind.value}.{tag}.txt", tag))
    if mine and lang(mine) in TEMPLATES:
        order.append((None, lang(mine)))
    for tag in (owner, lang(owner)):
        if tag:
            order.append((f"{kind.value}.{tag}.txt", tag))
    order.append((f"{kind.value}.txt", owner or "en"))
    if owner and lang(owner) in TEMPLATES:
        order.append((None, lang(owner)))
    order.append((None, "en"))
    return list(dict.fromkeys(order))


_BLANKS = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    lines = [ln.rstrip() for ln in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip() + "\n"


# ---------------------------------------------------------------------------------------------
# Values


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


def _amount(inv: Invoice, w: _Words) -> str:
    return w.money(inv.balance, inv.currency) if inv.balance is not None else w("amount_unknown")


def _line(inv: Invoice, state: str, w: _Words) -> str:
    """'- Invoice 1042 of September 14, 2026, due October 14, 2026: $1,200.00 (40 days overdue)'."""
    return w("line", number=inv.number, issued=w("line_issued", date=w.date(inv.issued)) if inv.issued else "",
             due=w("due_on", date=w.date(inv.due)) if inv.due else w("due_none"), amount=_amount(inv, w), state=state)


def _account(f: Facts, w: _Words, head: str) -> str:
    """Every open invoice with its dates and amount, overdue first, then the totals apart:
    'Open in all: $1,500.00. Overdue: $1,200.00. Not yet due: $300.00.'"""
    overdue, over, notdue, disputed, owed = _split(f)
    if not (over or notdue or disputed):
        return ""
    lines = [w(head)]
    lines += [_line(i, w("overdue_state", days=w.days(days_overdue(i, f.today, f.policy))), w) for i in over]
    lines += [_line(i, w("notdue_state"), w) for i in notdue]
    lines += [_line(i, w("review_state"), w) for i in disputed]
    parts = [(key, part) for key, part in (("overdue_total", overdue), ("notdue_total", totals(notdue)),
                                            ("review_total", totals(disputed))) if part]
    if len(parts) == 1 and parts[0][1] == owed and parts[0][0] != "review_total":
        total = w("open_all_overdue" if parts[0][0] == "overdue_total" else "open_none_due", total=w.totals(owed))
    else:
        total = " ".join([w("open_total", total=w.totals(owed))] + [w(key, total=w.totals(part)) for key, part in parts])
    return "\n".join(lines) + "\n" + total


def _greeting(c: Client, w: _Words) -> tuple[str, str]:
    """(the letter's salutation, the SMS's opening): 'Dear Frau Huber,' and 'Hello Frau Huber, '
    for a titled contact (the title and the surname: 'Mr Oliver Marlow' is 'Mr Marlow');
    'Dear Dana Whitfield,' and 'Hi Dana, ' for an untitled one."""
    n = split_name(c.contact)
    if not n.names:  # no contact, or a bare title
        return w("greeting_none"), w("hi_none")
    if n.titled:
        key = {"f": "greeting_f", "m": "greeting_m"}.get(n.gender, "greeting")
        return w(key, name=n.formal), w("hi_titled", name=n.formal)
    return w("greeting", name=n.text), w("hi_first", name=n.first)


def _is_signer(who: str, p: Profile) -> bool:
    """Whether ``who`` (who follows a dispute up) is the profile's contact, who signs: the
    same name, or its first name."""
    me = " ".join(p.contact.split()).casefold()
    them = " ".join((who or "").split()).casefold()
    if not them:
        return True
    return bool(me) and (them == me or them == me.split()[0] or them in ("i", "me", "myself"))


def _contacts(f: Facts, over: list[Invoice], w: _Words) -> str:
    """The calls and messages on record since the oldest overdue invoice fell due, counted."""
    dues = [i.due for i in over if i.due]
    since = min(dues) if dues else date.min
    calls = [c.at.replace(tzinfo=None) for c in f.file.calls
             if c.result not in (Result.SKIPPED, Result.WRONG_NUMBER) and since <= c.at.date() <= f.today]
    # One message saved as a PDF and copied as text is one message: counted once a day per kind;
    # a final notice already kept in another form today is this one.
    sent: dict[tuple[date, str], datetime] = {}
    for x in f.written:
        if since <= x.at.date() <= f.today and not (x.kind == Kind.FINAL_NOTICE.value and x.at.date() == f.today):
            at = x.at.replace(tzinfo=None)
            sent[(at.date(), x.kind)] = max(sent.get((at.date(), x.kind), at), at)
    wrote = list(sent.values())
    if not calls and not wrote:
        return ""
    last = w.date(max(calls + wrote).date())
    if calls and wrote:
        return w("contacts_both", calls=w.times(len(calls)), written=w.times(len(wrote)), date=last)
    if calls:
        return w("contacts_calls_1", date=last) if len(calls) == 1 else w("contacts_calls_n", calls=w.times(len(calls)), date=last)
    return w("contacts_written_1", date=last) if len(wrote) == 1 else w("contacts_written_n", written=w.times(len(wrote)), date=last)


def values(kind: Kind, f: Facts, language: str = "en") -> dict[str, str]:
    """Every placeholder's text for a message of ``kind`` whose words are in ``language``."""
    w = _Words(lang(language) or "en", f.locale_for(language))
    p, c = f.profile, f.client
    overdue, over, notdue, disputed, owed = _split(f)
    # The owner's own words (sign-off, next step) are in the profile's language: kept when the message is in it.
    own_words = lang(locales.known(p.language)) or "en"
    sign_off = (p.sign_off if w.language == own_words else "") or w("sign_off")
    sig = [sign_off, "", p.contact, p.name, p.phone, p.email, p.website]
    greeting, _ = _greeting(c, w)
    v: dict[str, str] = {
        "business": p.name,
        "business_contact": p.contact,
        "business_phone": p.phone,
        "business_email": p.email,
        "business_website": p.website,
        "business_address": p.address,
        "sign_off": sign_off,
        "signature": "\n".join(x for i, x in enumerate(sig) if x or i == 1).strip(),
        "client": c.name,
        "contact": c.contact,
        "greeting": greeting,
        "today": w.date(f.today),
        "total_owed": w.totals(owed),
        "overdue_total": w.totals(overdue),
        "overdue_lines": "\n".join(
            _line(i, w("overdue_state", days=w.days(days_overdue(i, f.today, f.policy))), w) for i in over),
        "not_yet_due": w("not_yet_due", items="; ".join(
            w("not_yet_due_item", invoice=w.numbers([i.number]), amount=_amount(i, w),
              date=w.date(i.due) if i.due else w("not_yet_due_later")) for i in notdue)) if notdue else "",
        "disputed": w("disputed", items="; ".join(
            w("disputed_item", invoice=w.numbers([i.number]), amount=_amount(i, w)) for i in disputed)) if disputed else "",
        "account": _account(f, w, "account_head"),
        "instructions": "",
    }
    how = payment_instructions(c, p, needed_currencies(f, kind))
    v["instructions"] = (w("how_to_pay") + "\n" + how) if how else ""
    oldest = max((days_overdue(i, f.today, f.policy) for i in over), default=0)
    if kind is Kind.CONFIRMATION and f.promise:
        pr = f.promise
        v["promise_amount"] = w.money(pr.amount, pr.currency)
        v["promise_date"] = w.date(pr.due)
        v["promise_invoices"] = w("for_invoices", numbers=w.numbers(pr.invoices)) if pr.invoices else ""
        v["promise_method"] = w("method", method=pr.method) if pr.method else ""
    elif kind is Kind.PLAN and f.plan:
        pl = f.plan
        inst = f.instalments
        v["plan_total"] = w.money(pl.total, pl.currency)
        v["plan_count"] = str(len(inst) or pl.count)
        v["plan_frequency"] = w(pl.frequency) if pl.frequency in ("weekly", "fortnightly", "monthly") else pl.frequency
        v["plan_lines"] = "\n".join(f"{n}. {w.date(i.due)}: {w.money(i.amount, i.currency)}" for n, i in enumerate(inst, 1))
        v["plan_invoices"] = w.numbers(pl.invoices) or w("plan_owed")
        v["plan_missed"] = w("plan_missed", total=w.money(pl.total, pl.currency))
    elif kind is Kind.DISPUTE and f.dispute:
        d = f.dispute
        mine = _is_signer(d.who, p)
        concerned = [i for i in f.file.invoices if i.number in d.invoices]
        v["dispute_what"] = d.what
        v["dispute_invoices"] = w.numbers(d.invoices) or w("dispute_invoices")
        v["dispute_lines"] = "\n".join(_line(i, w("review_state"), w) for i in sorted(
            concerned, key=lambda i: (i.due or date.min, i.number)))
        v["get_back_date"] = w.date(d.get_back)
        v["dispute_who"] = w("me") if mine else d.who
        v["follow_up"] = (w("follow_up_me", date=v["get_back_date"]) if mine else
                          w("follow_up_other", who=d.who, date=v["get_back_date"]))
    elif kind is Kind.RECEIPT and f.payment:
        pay = f.payment
        v["payment_amount"] = w.money(pay.amount, pay.currency)
        v["payment_date"] = w.date(pay.date)
        v["still_open"] = _account(f, w, "still_open_head") if owed or over or notdue or disputed else w("paid_up")
    elif kind is Kind.REMINDER:
        stage = stage_for_days(oldest, f.policy)
        v["days_overdue"] = str(oldest)
        v["opening"], v["ask"] = _tone(stage, v["overdue_total"], w.date(f.today + timedelta(days=7)), w)
    elif kind is Kind.FINAL_NOTICE:
        v["days_overdue"] = str(oldest)
        v["deadline"] = w.date(f.today + timedelta(days=f.policy.final_notice_days))
        own_step = str(p.extra.get("final_notice_next_step") or "") if w.language == own_words else ""
        v["next_step"] = own_step or w("next_step")
        v["unpaid"] = (w("unpaid_one", number=over[0].number, days=w.days(oldest)) if len(over) == 1 else
                       w("unpaid_many", days=w.days(oldest)))
        v["contacts"] = _contacts(f, over, w)
    return v


def _tone(stage: Stage, overdue: str, week: str, w: _Words) -> tuple[str, str]:
    if stage in (Stage.NOT_DUE, Stage.COURTESY, Stage.FRIENDLY):
        return w("friendly_opening", overdue=overdue), w("friendly_ask")
    if stage is Stage.PERSONAL:
        return w("personal_opening", overdue=overdue), w("personal_ask")
    return w("late_opening", overdue=overdue), w("late_ask", date=week)


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
    included); MessageError when there is nothing to write about. Without a template,
    callroom's own wording in the client's language when it has one (else the profile's,
    else English)."""
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
    if template is None:
        template = next(default_template(kind, language) for name, language in template_order(kind, f.client, f.profile)
                        if name is None)
    vals = values(kind, f, template.language)
    subject = re.sub(r"[ \t\r\n\v\f\x1c-\x1f\x85\u2028\u2029]+", " ", template.subject.substitute(vals)).strip()
    body = _tidy(template.body.substitute(vals))
    return Message(kind, f.client, subject, body, sms(kind, f, vals, template.language), f.client.email,
                   f.locale_for(template.language), template.source, _facts(kind, vals))


def _facts(kind: Kind, vals: dict[str, str]) -> dict[str, str]:
    keys = ("overdue_total", "total_owed", *PER_KIND[kind].keys())
    return {k: vals[k] for k in keys if k in vals and k not in ("plan_missed",)}


def sms(kind: Kind, f: Facts, vals: dict[str, str] | None = None, language: str = "en") -> str:
    """A short text (at most SMS_LIMIT characters): the core fact, then what fits of the
    rest. A missed-call text never states an amount (a phone's lock screen is seen by others)."""
    v = vals or values(kind, f, language)
    w = _Words(lang(language) or "en", f.locale_for(language))
    _, hi = _greeting(f.client, w)
    me = f" - {v['business_contact']}, {v['business']}".rstrip(", ")
    first = f.instalments[0] if f.instalments else None
    core = {
        Kind.CONFIRMATION: lambda: w("sms_confirmation", hi=hi, amount=v.get("promise_amount", ""), date=v.get("promise_date", ""),
                                     invoices=v.get("promise_invoices", "")),
        Kind.PLAN: lambda: w("sms_plan", hi=hi, total=v.get("plan_total", ""), count=v.get("plan_count", ""),
                             frequency=v.get("plan_frequency", ""), amount=w.money(first.amount, first.currency),
                             date=w.date(first.due)) if first else w("sms_plan_short", hi=hi, total=v.get("plan_total", "")),
        Kind.DISPUTE: lambda: w("sms_dispute", hi=hi, invoices=v.get("dispute_invoices", ""), date=v.get("get_back_date", "")),
        Kind.RECEIPT: lambda: w("sms_receipt", hi=hi, amount=v.get("payment_amount", ""), date=v.get("payment_date", "")),
        Kind.MISSED: lambda: w("sms_missed", hi=hi),
        Kind.REMINDER: lambda: w("sms_reminder", hi=hi, overdue=v["overdue_total"]),
        Kind.FINAL_NOTICE: lambda: w("sms_final-notice", hi=hi, overdue=v["overdue_total"], date=v.get("deadline", "")),
    }[kind]()
    text = core
    phone = w("sms_tel", phone=v["business_phone"]) if v["business_phone"] else ""
    for extra in (phone, me):
        if extra and len(text) + len(extra) <= SMS_LIMIT:
            text += extra
    if len(text) > SMS_LIMIT:
        text = text[: SMS_LIMIT - 1].rstrip() + "…"
    return text

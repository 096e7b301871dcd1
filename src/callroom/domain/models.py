"""The records callroom keeps: clients, invoices, payments, calls, promises, plans, disputes, sessions.

Plain dataclasses with ``to_record``/``from_record`` for storage as JSON-safe dicts:
dates as ISO text, money as decimal text (never float).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from .codes import Outcome, PromiseStatus, Reason, Result
from .money import Money, Totals, to_decimal


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _dec(value) -> Decimal | None:
    return None if value is None or value == "" else to_decimal(value)


_INITIALS = re.compile(r"\b([a-z])\.(?=[a-z]\.)")
_LAST_INITIAL = re.compile(r"\b([a-z])\.(?=\s|$)")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def normalise_name(name: str) -> str:
    """A key for matching one client across exports: case, accents, punctuation and
    legal suffixes do not matter ('O'Brien & Sons Construction LLC' == 'obrien and sons construction')."""
    if name.isascii():  # as NFKD leaves it (an import names thousands of clients: most are plain ASCII)
        text = name.lower()
    else:
        text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ").replace("'", "")
    if "." in text:
        text = _INITIALS.sub(r"\1", text)  # 'S.A.', 'B.V.', 'L.L.C.' -> 'sa', 'bv', 'llc'
        text = _LAST_INITIAL.sub(r"\1", text)
    words = _NOT_ALNUM.sub(" ", text).split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    while len(words) > 1 and words[-1] == "and":  # 'Smith & Co' -> 'smith and' -> 'smith'
        words.pop()
        while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
            words.pop()
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    return " ".join(words)


# Legal forms that say nothing about who a client is ('Acme Ltd' is 'Acme'), as the last words of a name.
LEGAL_SUFFIXES = frozenset({
    "llc", "ltd", "limited", "inc", "incorporated", "co", "corp", "corporation", "company", "pty", "plc", "gmbh",
    "as", "kk", "bv", "sa", "the", "llp", "lp", "pllc", "pc", "ag", "kg", "ug", "ohg", "ev", "sarl", "sas", "srl",
    "spa", "oy", "oyj", "ab", "nv", "aps", "sl", "sro", "kft", "pte", "bhd", "sdn", "asa", "se", "lda", "ltda",
})


class Record:
    """Conversion to and from the JSON-safe dict the store keeps."""

    _dates: ClassVar[tuple[str, ...]] = ()
    _datetimes: ClassVar[tuple[str, ...]] = ()
    _decimals: ClassVar[tuple[str, ...]] = ()
    _tuples: ClassVar[tuple[str, ...]] = ()
    _enums: ClassVar[dict[str, type]] = {}

    def to_record(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):  # type: ignore[arg-type]
            if f.name == "id":
                continue
            v = getattr(self, f.name)
            if v is None:
                out[f.name] = None
            elif f.name in self._dates or f.name in self._datetimes:
                out[f.name] = v.isoformat()
            elif f.name in self._decimals:
                out[f.name] = str(v)
            elif f.name in self._tuples:
                out[f.name] = list(v)
            elif f.name in self._enums:
                out[f.name] = v.value
            elif isinstance(v, dict):
                out[f.name] = {k: (str(x) if isinstance(x, (Decimal, date)) else x) for k, x in v.items()}
            else:
                out[f.name] = v
        return out

    @classmethod
    def from_record(cls, rec: dict[str, Any], id: int | None = None):
        kwargs: dict[str, Any] = {}
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        for k, v in rec.items():
            if k not in names or k == "id":
                continue
            if v is None:
                kwargs[k] = None
            elif k in cls._dates:
                kwargs[k] = _d(v)
            elif k in cls._datetimes:
                kwargs[k] = _dt(v)
            elif k in cls._decimals:
                kwargs[k] = _dec(v)
            elif k in cls._tuples:
                kwargs[k] = tuple(v)
            elif k in cls._enums:
                kwargs[k] = cls._enums[k](v)
            else:
                kwargs[k] = v
        return cls(id=id, **kwargs)  # type: ignore[call-arg]

    def with_(self, **changes):
        return replace(self, **changes)  # type: ignore[type-var]


@dataclass(frozen=True)
class Client(Record):
    id: int | None
    name: str
    contact: str = ""
    phones: tuple[str, ...] = ()
    email: str = ""
    terms: str = ""
    instructions: str = ""
    notes: str = ""
    tags: tuple[str, ...] = ()
    region: str = ""  # ISO country used to read phone numbers without a +prefix
    key: str = ""  # normalised name for matching across exports
    address: str = ""  # postal address, several lines (letters are addressed to it)
    language: str = ""  # locale for written messages ('en_GB', 'de'); '' = en_US
    # Unapplied credit in the owner's books (credit notes, payments not yet applied to an invoice),
    # as the latest import of each kind of export listed it: {"USD export:quickbooks": "300.00"}.
    # Not taken off any invoice: shown beside what is owed so no one asks for money the books cover.
    credits: dict = field(default_factory=dict, hash=False)

    _tuples = ("phones", "tags")

    def __post_init__(self):
        if not self.key:
            object.__setattr__(self, "key", normalise_name(self.name))

    @property
    def first_name(self) -> str:
        """'Dana' for 'Dana Whitfield'; 'Alan' for 'Dr. Alan Reyes'; 'Dr. Reyes' and 'Frau Huber'
        stay whole (a title is never a first name); '' for a bare title."""
        from .names import split

        n = split(self.contact)
        if n.titled:
            return n.first or (n.text if n.names else "")
        return n.first

    @property
    def phone(self) -> str:
        return self.phones[0] if self.phones else ""

    @property
    def unapplied(self) -> Totals:
        """The unapplied credit in the books, per currency (every kind of export's added up)."""
        t = Totals()
        for key, amount in self.credits.items():
            value = to_decimal(amount)
            if value > 0:
                cur = key.split(" ", 1)[0]
                t[cur] = t.get(cur, Decimal(0)) + value
        return t


def credit_key(currency: str, source: str) -> str:
    """The key of ``Client.credits`` for one currency as one kind of export lists it."""
    return f"{currency} {source}"


@dataclass(frozen=True)
class Invoice(Record):
    id: int | None
    client_id: int
    number: str
    currency: str
    balance: Decimal | None  # None: the export could not tell (never guessed)
    issued: date | None = None
    due: date | None = None
    amount: Decimal | None = None
    status: str = "open"  # open | paid | void
    terms: str = ""
    closed_on: date | None = None
    source: str = ""  # the kind of export it came from ('export:quickbooks'; see importers.sources), 'demo'
    # What the owner's books say of it beyond its balance (the export's status): '' (nothing said),
    # 'disputed', 'unsent' (never sent to the client) or 'uncollectible' (written off). See domain.books.
    book_status: str = ""

    _dates = ("issued", "due", "closed_on")
    _decimals = ("balance", "amount")

    @property
    def is_open(self) -> bool:
        return self.status == "open" and (self.balance is None or self.balance > 0)

    @property
    def owed(self) -> Money | None:
        return None if self.balance is None else Money(self.balance, self.currency)


@dataclass(frozen=True)
class Payment(Record):
    id: int | None
    client_id: int
    date: date
    amount: Decimal
    currency: str
    invoices: tuple[str, ...] = ()  # invoice numbers it was for; empty = not said
    source: str = "manual"  # manual | import | call
    note: str = ""
    applied: dict = field(default_factory=dict)  # {invoice id: amount} this payment lowered, so undo can restore it

    _dates = ("date",)
    _decimals = ("amount",)
    _tuples = ("invoices",)


@dataclass(frozen=True)
class Call(Record):
    id: int | None
    client_id: int
    at: datetime
    result: Result
    reason: Reason | None = None
    outcome: Outcome | None = None
    note: str = ""
    next_action: date | None = None
    session_id: int | None = None
    details: dict = field(default_factory=dict)  # outcome specifics as text (amount, date, what …)
    duration_s: int | None = None

    _datetimes = ("at",)
    _dates = ("next_action",)
    _enums = {"result": Result, "reason": Reason, "outcome": Outcome}


@dataclass(frozen=True)
class Promise(Record):
    id: int | None
    client_id: int
    made_on: date
    due: date
    amount: Decimal
    currency: str
    invoices: tuple[str, ...] = ()
    call_id: int | None = None
    plan_id: int | None = None
    instalment: int | None = None  # 1-based position within its plan
    method: str = ""
    cancelled: bool = False

    _dates = ("made_on", "due")
    _decimals = ("amount",)
    _tuples = ("invoices",)

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


@dataclass(frozen=True)
class Plan(Record):
    id: int | None
    client_id: int
    made_on: date
    total: Decimal
    currency: str
    count: int
    frequency: str  # weekly | fortnightly | monthly
    first: date
    invoices: tuple[str, ...] = ()
    call_id: int | None = None
    cancelled: bool = False

    _dates = ("made_on", "first")
    _decimals = ("total",)
    _tuples = ("invoices",)


@dataclass(frozen=True)
class Dispute(Record):
    id: int | None
    client_id: int
    opened: date
    what: str
    get_back: date
    invoices: tuple[str, ...] = ()
    who: str = ""
    call_id: int | None = None
    resolved_on: date | None = None

    _dates = ("opened", "get_back", "resolved_on")
    _tuples = ("invoices",)

    @property
    def is_open(self) -> bool:
        return self.resolved_on is None


@dataclass(frozen=True)
class Written(Record):
    """A written contact: a message saved, copied or opened for the client (never a call:
    it counts in no reach or promise rate)."""

    id: int | None
    client_id: int
    at: datetime
    kind: str  # messages.Kind value: confirmation, plan, dispute, receipt, missed, reminder, final-notice
    channel: str  # copy | mail | eml | pdf | sms | text
    subject: str = ""
    text: str = ""  # the text as sent (after the owner's edits)
    to: str = ""  # the address or number it went to, when known
    call_id: int | None = None  # the call it followed, when any
    file: str = ""  # where it was saved, for eml/pdf

    _datetimes = ("at",)


@dataclass(frozen=True)
class Escalation(Record):
    """An escalation step: the owner chose a route (final notice, lawyer's letter, agency,
    small claims, settling for less, writing off) for what a client owes overdue in one
    currency, with the figures it was chosen on. Whether it is running, due back or closed
    by a payment is worked out from the ledger (``domain.escalation.state``); only an end
    the ledger cannot show (another route chosen, the route withdrawn) is stored."""

    id: int | None
    client_id: int
    at: datetime  # when it was chosen
    route: str  # escalation.Route value
    currency: str
    claim: Decimal  # what was overdue (the invoices below), when chosen
    cost: Decimal  # estimated cost of the route, when chosen
    keeps: Decimal  # what the owner could expect to keep, when chosen
    check: date | None = None  # deadline or check date; None: no check (written off)
    balances: dict = field(default_factory=dict)  # {invoice number: balance when chosen}, as text
    days: int = 0
    example: bool = False  # the figures used example costs, not the owner's own
    note: str = ""
    call_id: int | None = None
    ended: date | None = None  # ended without a payment: another route chosen, or withdrawn
    end: str = ""  # 'replaced by agency', 'withdrawn'

    _datetimes = ("at",)
    _dates = ("check", "ended")
    _decimals = ("claim", "cost", "keeps")

    @property
    def invoices(self) -> tuple[str, ...]:
        return tuple(self.balances)


@dataclass(frozen=True)
class Session(Record):
    id: int | None
    started: datetime
    as_of: date
    minutes: int = 60
    ended: datetime | None = None
    planned: int = 0  # clients queued at the start

    _datetimes = ("started", "ended")
    _dates = ("as_of",)


@dataclass(frozen=True)
class ClientFile:
    """Everything known about one client, as the queue, script and history need it."""

    client: Client
    invoices: tuple[Invoice, ...] = ()
    calls: tuple[Call, ...] = ()
    promises: tuple[Promise, ...] = ()
    plans: tuple[Plan, ...] = ()
    disputes: tuple[Dispute, ...] = ()
    payments: tuple[Payment, ...] = ()
    escalations: tuple[Escalation, ...] = ()

    @property
    def open_invoices(self) -> tuple[Invoice, ...]:
        return tuple(i for i in self.invoices if i.is_open)

    @property
    def last_call(self) -> Call | None:
        return max(self.calls, key=lambda c: c.at) if self.calls else None


__all__ = [
    "Client", "Invoice", "Payment", "Call", "Promise", "Plan", "Dispute", "Session", "ClientFile", "Written",
    "Escalation",
    "normalise_name", "asdict", "PromiseStatus", "credit_key",
]

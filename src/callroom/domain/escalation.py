"""Escalation routes, their costs and what the owner keeps (DOMAIN.md section 9).

When listening and flexing have failed, the owner weighs the routes against what is
owed: a final notice, a lawyer's letter, a collection agency, small claims court,
settling for less, writing off. Each route's figures come from the owner's own costs
(:class:`CostBook`, kept in the business profile), with example figures shipped for
anything not yet set, always labelled as examples.

Only money overdue is weighed: invoices not yet due are never escalated, and invoices
under an open dispute are not either (:func:`claims` names them). Amounts are Decimals
in the currency of the debt, rounded to its minor unit; currencies are never converted
or added together.

A chosen route is an :class:`~callroom.domain.models.Escalation` record. What has
happened to it since (running, due back, closed by a payment) is worked out from the
ledger by :func:`state`, and :func:`queue_effect` says what that means for today's
queue: a client leaves the normal queue while a route runs and comes back on its
check date with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum
from typing import Any, Iterable, Mapping

from babel.numbers import get_currency_precision

from .aging import days_overdue, due_notes
from .codes import Result, Stage
from .models import ClientFile, Escalation, Invoice
from .money import Totals, format_money
from .policy import Policy
from .profile import Profile, ProfileError

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


class Route(str, Enum):
    FINAL_NOTICE = "final-notice"
    LAWYER = "lawyer"
    AGENCY = "agency"
    SMALL_CLAIMS = "small-claims"
    SETTLE = "settle"
    WRITE_OFF = "write-off"

    def __str__(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def short(self) -> str:
        """A label for narrow tables ('Lawyer', 'Court')."""
        return _SHORT[self]

    @classmethod
    def parse(cls, text: str) -> "Route":
        key = (text or "").strip().lower().replace("_", "-").replace(" ", "-").replace("'", "")
        for r in cls:
            if key in (r.value, r.name.lower().replace("_", "-"), r.label.lower().replace(" ", "-").replace("'", "")):
                return r
        aliases = {"notice": cls.FINAL_NOTICE, "lawyers-letter": cls.LAWYER, "letter": cls.LAWYER, "collection-agency": cls.AGENCY,
                   "court": cls.SMALL_CLAIMS, "small-claims-court": cls.SMALL_CLAIMS, "settle-for-less": cls.SETTLE, "writeoff": cls.WRITE_OFF}
        if key in aliases:
            return aliases[key]
        raise ValueError(f"unknown route {text!r}; use one of: {', '.join(r.value for r in cls)}")


_LABELS = {
    Route.FINAL_NOTICE: "Final notice",
    Route.LAWYER: "Lawyer's letter",
    Route.AGENCY: "Collection agency",
    Route.SMALL_CLAIMS: "Small claims court",
    Route.SETTLE: "Settle for less",
    Route.WRITE_OFF: "Write off",
}
_SHORT = {
    Route.FINAL_NOTICE: "Notice",
    Route.LAWYER: "Lawyer",
    Route.AGENCY: "Agency",
    Route.SMALL_CLAIMS: "Court",
    Route.SETTLE: "Settle",
    Route.WRITE_OFF: "Write off",
}
ORDER = tuple(Route)  # roughly the order the routes are tried in

UNECONOMIC = "costs more than it recovers"
EXAMPLE_NOTE = ("Example costs, not yours and not legal advice: fees, limits and rules differ by country and court. "
                "Replace them: callroom profile --cost ROUTE=..., or the Profile screen (P).")

# ------------------------------------------------------------------------------------------
# The owner's costs


@dataclass(frozen=True)
class Band:
    """A fee for claims up to ``upto`` (inclusive); ``upto`` None: any claim."""

    fee: Decimal
    upto: Decimal | None = None


@dataclass(frozen=True)
class RouteCost:
    """What one route costs the owner. None: not set (the example is used)."""

    fees: tuple[Band, ...] | None = None  # a flat fee, or a fee table by claim amount
    commission: Decimal | None = None  # percent of what is recovered
    minimum: Decimal | None = None  # the smallest claim the route takes (an agency's minimum)
    limit: Decimal | None = None  # the largest claim (a small claims court's limit)
    hours: Decimal | None = None  # the owner's own time the route takes
    days: int | None = None  # how long it usually takes: the check date is this many days on
    accept: Decimal | None = None  # settle: percent of the claim accepted

    def is_empty(self) -> bool:
        return self == RouteCost()

    def over(self, base: "RouteCost") -> "RouteCost":
        """These settings, with ``base``'s for what is not set here."""
        return RouteCost(**{k: (getattr(self, k) if getattr(self, k) is not None else getattr(base, k)) for k in _KEYS})

    def fee_for(self, claim: Decimal) -> Decimal | None:
        """The fee for a claim of ``claim``: the band with the smallest ``upto`` that covers it,
        else the open band; None when no band covers it. No fees set: zero."""
        if not self.fees:
            return _ZERO
        bounded = sorted((b for b in self.fees if b.upto is not None), key=lambda b: b.upto)  # type: ignore[arg-type,return-value]
        for b in bounded:
            if claim <= b.upto:  # type: ignore[operator]
                return b.fee
        open_band = next((b for b in self.fees if b.upto is None), None)
        return open_band.fee if open_band is not None else None

    def to_spec(self) -> str:
        """The settings in the ``--cost`` syntax ('fee:150, hours:1, days:14')."""
        parts: list[str] = []
        for b in sorted(self.fees or (), key=lambda b: (b.upto is None, b.upto or _ZERO)):
            parts.append(f"fee:{_plain(b.fee)}" + (f" up to {_plain(b.upto)}" if b.upto is not None else ""))
        if self.commission is not None:
            parts.append(f"commission:{_plain(self.commission)}%")
        if self.accept is not None:
            parts.append(f"accept:{_plain(self.accept)}%")
        if self.minimum is not None:
            parts.append(f"minimum:{_plain(self.minimum)}")
        if self.limit is not None:
            parts.append(f"limit:{_plain(self.limit)}")
        if self.hours is not None:
            parts.append(f"hours:{_plain(self.hours)}")
        if self.days is not None:
            parts.append(f"days:{self.days}")
        return ", ".join(parts)

    def to_record(self) -> dict[str, Any]:
        rec: dict[str, Any] = {}
        if self.fees is not None:
            rec["fees"] = [[str(b.fee), None if b.upto is None else str(b.upto)] for b in self.fees]
        for k in ("commission", "minimum", "limit", "hours", "accept"):
            v = getattr(self, k)
            if v is not None:
                rec[k] = str(v)
        if self.days is not None:
            rec["days"] = self.days
        return rec

    @classmethod
    def from_record(cls, rec: Any) -> "RouteCost":
        """Read leniently: a value that does not read is left unset (the example applies)."""
        if not isinstance(rec, Mapping):
            return cls()
        kw: dict[str, Any] = {}
        fees = rec.get("fees")
        if isinstance(fees, list):
            bands = []
            for item in fees:
                try:
                    fee, upto = item
                    bands.append(Band(_dec(fee), None if upto is None else _dec(upto)))
                except (TypeError, ValueError, InvalidOperation):
                    continue
            kw["fees"] = tuple(bands)
        for k in ("commission", "minimum", "limit", "hours", "accept"):
            if rec.get(k) is not None:
                try:
                    kw[k] = _dec(rec[k])
                except (TypeError, ValueError, InvalidOperation):
                    pass
        if isinstance(rec.get("days"), int) and not isinstance(rec.get("days"), bool):
            kw["days"] = rec["days"]
        return cls(**kw)


_KEYS = ("fees", "commission", "minimum", "limit", "hours", "days", "accept")


def _dec(v: Any) -> Decimal:
    if isinstance(v, (float, bool)):
        raise TypeError("not an amount")
    d = Decimal(str(v))
    if not d.is_finite():
        raise ValueError("not an amount")
    return d


def _plain(d: Decimal | None) -> str:
    """'150', '2.5', '30' (no exponent, no trailing zeros)."""
    if d is None:
        return ""
    text = format(d.normalize(), "f")
    return text


#: The shipped examples: a sketch of common costs to replace with the owner's own. Not legal advice.
EXAMPLE_HOURLY = Decimal("50")
EXAMPLES: dict[Route, RouteCost] = {
    Route.FINAL_NOTICE: RouteCost(fees=(Band(Decimal("0")),), hours=Decimal("0.5")),  # days: the policy's final-notice days
    Route.LAWYER: RouteCost(fees=(Band(Decimal("150")),), hours=Decimal("1"), days=14),
    Route.AGENCY: RouteCost(commission=Decimal("30"), minimum=Decimal("200"), hours=Decimal("1"), days=30),
    Route.SMALL_CLAIMS: RouteCost(
        fees=tuple(Band(Decimal(f), Decimal(u)) for f, u in (
            ("35", "300"), ("50", "500"), ("70", "1000"), ("80", "1500"), ("115", "3000"), ("205", "5000"), ("455", "10000"))),
        limit=Decimal("10000"), hours=Decimal("8"), days=90),
    Route.SETTLE: RouteCost(accept=Decimal("70"), hours=Decimal("1"), days=14),
    Route.WRITE_OFF: RouteCost(hours=Decimal("0"), days=0),
}


@dataclass(frozen=True)
class CostBook:
    """The owner's costs for debts in one currency; anything not set falls back to the examples."""

    currency: str
    hourly: Decimal | None = None  # the owner's hourly value (for the time a route takes)
    interest: Decimal | None = None  # percent a year on overdue amounts; None: not charged, never shown
    routes: Mapping[Route, RouteCost] = field(default_factory=dict)

    def own(self, route: Route) -> RouteCost:
        return self.routes.get(route, RouteCost())

    def effective(self, route: Route) -> RouteCost:
        return self.own(route).over(EXAMPLES[route])

    def uses_example(self, route: Route, used: Iterable[str]) -> bool:
        own = self.own(route)
        return any(getattr(own, k) is None and getattr(EXAMPLES[route], k) is not None for k in used)

    @property
    def hourly_value(self) -> Decimal:
        return self.hourly if self.hourly is not None else EXAMPLE_HOURLY

    def is_example(self) -> bool:
        return self.hourly is None and not any(not c.is_empty() for c in self.routes.values())

    def to_record(self) -> dict[str, Any]:
        rec: dict[str, Any] = {}
        if self.hourly is not None:
            rec["hourly"] = str(self.hourly)
        if self.interest is not None:
            rec["interest"] = str(self.interest)
        routes = {r.value: c.to_record() for r, c in self.routes.items() if not c.is_empty()}
        if routes:
            rec["routes"] = routes
        return rec

    @classmethod
    def from_record(cls, currency: str, rec: Any) -> "CostBook":
        if not isinstance(rec, Mapping):
            return cls(currency)
        kw: dict[str, Any] = {}
        for k in ("hourly", "interest"):
            if rec.get(k) is not None:
                try:
                    kw[k] = _dec(rec[k])
                except (TypeError, ValueError, InvalidOperation):
                    pass
        routes: dict[Route, RouteCost] = {}
        raw = rec.get("routes")
        if isinstance(raw, Mapping):
            for name, r in raw.items():
                try:
                    routes[Route(name)] = RouteCost.from_record(r)
                except ValueError:
                    continue
        return cls(currency, routes=routes, **kw)


PROFILE_KEY = "costs"  # where the books live in the profile's open-ended record


def books(profile: Profile) -> dict[str, CostBook]:
    """The owner's cost books by currency, from the business profile."""
    raw = profile.extra.get(PROFILE_KEY) if isinstance(profile.extra, Mapping) else None
    if not isinstance(raw, Mapping):
        return {}
    return {str(cur).upper(): CostBook.from_record(str(cur).upper(), rec) for cur, rec in raw.items()}


def book_for(profile: Profile, currency: str) -> CostBook:
    return books(profile).get(currency.upper()) or CostBook(currency.upper())


def with_books(profile: Profile, new: Mapping[str, CostBook]) -> Profile:
    """The profile with these cost books (a book with nothing set is left out)."""
    rec = {cur: b.to_record() for cur, b in sorted(new.items()) if b.to_record()}
    extra = dict(profile.extra)
    if rec:
        extra[PROFILE_KEY] = rec
    else:
        extra.pop(PROFILE_KEY, None)
    return replace(profile, extra=extra)


# ------------------------------------------------------------------------------------------
# The --cost syntax

_ITEM_KEYS = ("fee", "commission", "minimum", "limit", "hours", "days", "accept")
_AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,4})?$")


class CostError(ProfileError):
    """A cost setting refused: ``field`` is 'cost-ROUTE' (the Profile screen's field), the
    message names the route and the setting ('agency commission: 120% is more than 100%')."""

    def __init__(self, route: str, setting: str, why: str):
        self.route = route
        self.setting = setting
        self.field = f"cost-{route}"
        self.why = why
        where = " ".join(x for x in (_route_name(route), setting) if x)
        ValueError.__init__(self, f"{where}: {why}")


def _route_name(route: str) -> str:
    try:
        return Route(route).label.lower()
    except ValueError:
        return {"hourly": "hourly value", "interest": "interest"}.get(route, route)


def _amount(route: str, setting: str, text: str, *, allow_zero: bool = True) -> Decimal:
    t = text.strip().replace("_", "")
    if t.startswith("-"):
        raise CostError(route, setting, f"{t} is negative")
    if not _AMOUNT.match(t):
        raise CostError(route, setting, f"{text.strip()!r} is not an amount (write it like 150 or 150.50, no thousands separators)")
    d = Decimal(t)
    if not allow_zero and d == 0:
        raise CostError(route, setting, "must be more than 0")
    return d


def _percent(route: str, setting: str, text: str) -> Decimal:
    t = text.strip()
    t = t[:-1].strip() if t.endswith("%") else t
    if t.startswith("-"):
        raise CostError(route, setting, f"{t}% is negative")
    if not re.match(r"^\d{1,3}(\.\d{1,4})?$", t):
        raise CostError(route, setting, f"{text.strip()!r} is not a percentage (write it like 30%)")
    d = Decimal(t)
    if d > _HUNDRED:
        raise CostError(route, setting, f"{_plain(d)}% is more than 100%")
    return d


def parse_route_cost(route: Route, text: str) -> RouteCost:
    """One route's settings in the ``--cost`` syntax; CostError names the route and setting."""
    name = route.value
    kw: dict[str, Any] = {}
    bands: list[Band] = []
    for raw in re.split(r"[,;]", text):
        item = raw.strip()
        if not item:
            continue
        key, sep, value = item.partition(":")
        key = key.strip().lower()
        if not sep:
            raise CostError(name, "", f"{item!r} is not SETTING:VALUE (settings: {', '.join(_ITEM_KEYS)})")
        if key not in _ITEM_KEYS:
            raise CostError(name, "", f"unknown setting {key!r} (settings: {', '.join(_ITEM_KEYS)})")
        if key != "fee" and key in kw:
            raise CostError(name, key, "given twice")
        if key == "fee":
            m = re.match(r"^(.*?)\s+up\s*to\s+(.*)$", value.strip(), flags=re.I)
            fee = _amount(name, "fee", m.group(1) if m else value)
            upto = _amount(name, "fee band", m.group(2), allow_zero=False) if m else None
            if any(b.upto == upto for b in bands):
                what = f"up to {_plain(upto)}" if upto is not None else "without 'up to'"
                raise CostError(name, "fee", f"two fees {what}")
            bands.append(Band(fee, upto))
        elif key in ("commission", "accept"):
            kw[key] = _percent(name, key, value)
        elif key in ("minimum", "limit"):
            kw[key] = _amount(name, key, value)
        elif key == "hours":
            h = _amount(name, key, value)
            if h > 1000:
                raise CostError(name, key, f"{_plain(h)} hours is more than 1000")
            kw[key] = h
        elif key == "days":
            v = value.strip()
            if v.startswith("-"):
                raise CostError(name, key, f"{v} is negative")
            if not v.isdigit() or int(v) > 3650:
                raise CostError(name, key, f"{v!r} is not a number of days (0 to 3650)")
            kw[key] = int(v)
    if bands:
        kw["fees"] = tuple(bands)
    if "days" in kw and route is Route.FINAL_NOTICE:
        raise CostError(name, "days", "the deadline is the collection policy's final-notice days (the letter states it)")
    if "accept" in kw and route is not Route.SETTLE:
        raise CostError(name, "accept", "applies to settle only")
    if route is Route.SETTLE and kw.get("accept") == 0:
        raise CostError(name, "accept", "0% is writing off: choose write-off instead")
    if kw.get("minimum") is not None and kw.get("limit") is not None and kw["minimum"] > kw["limit"]:
        raise CostError(name, "minimum", f"{_plain(kw['minimum'])} is above the limit of {_plain(kw['limit'])}")
    return RouteCost(**kw)


@dataclass(frozen=True)
class CostSetting:
    """One ``--cost`` value, read: the currency (None: the ledger's), and a route's settings or
    the hourly value or the interest rate (None: back to the example / not charged)."""

    currency: str | None
    target: str  # a Route value, 'hourly' or 'interest'
    route_cost: RouteCost | None = None
    amount: Decimal | None = None


def parse_setting(text: str) -> CostSetting:
    """'[CUR:]ROUTE=SETTINGS', 'hourly=60', 'interest=8%'; CostError names what is wrong."""
    head, sep, value = (text or "").partition("=")
    if not sep:
        raise CostError("cost", "", f"{text!r}: write ROUTE=SETTINGS (like lawyer=fee:150)")
    head = head.strip()
    cur = None
    if ":" in head:
        c, _, head = head.partition(":")
        c = c.strip().upper()
        if len(c) != 3 or not c.isalpha() or not c.isascii():
            raise CostError("cost", "", f"{c!r} is not a currency code (like USD, EUR, GBP)")
        cur = c
    target = head.strip().lower()
    if target in ("hourly", "hourly-value", "hour"):
        v = value.strip()
        return CostSetting(cur, "hourly", amount=_amount("hourly", "", v) if v else None)
    if target == "interest":
        v = value.strip()
        if not v:
            return CostSetting(cur, "interest")
        rate = _percent("interest", "rate", v)
        return CostSetting(cur, "interest", amount=rate)
    try:
        route = Route.parse(target)
    except ValueError:
        raise CostError("cost", "", f"unknown route {target!r} (use {', '.join(r.value for r in Route)}, hourly or interest)") from None
    return CostSetting(cur, route.value, route_cost=parse_route_cost(route, value))


def apply_settings(current: Mapping[str, CostBook], settings: Iterable[CostSetting], default_currency: str) -> dict[str, CostBook]:
    """The cost books with ``settings`` applied in order (each replaces what it names)."""
    out = dict(current)
    for s in settings:
        cur = (s.currency or default_currency).upper()
        book = out.get(cur) or CostBook(cur)
        if s.target == "hourly":
            book = replace(book, hourly=s.amount)
        elif s.target == "interest":
            book = replace(book, interest=s.amount)
        else:
            routes = dict(book.routes)
            if s.route_cost is None or s.route_cost.is_empty():
                routes.pop(Route(s.target), None)
            else:
                routes[Route(s.target)] = s.route_cost
            book = replace(book, routes=routes)
        out[cur] = book
    return out


# ------------------------------------------------------------------------------------------
# What is weighed: overdue money per currency


@dataclass(frozen=True)
class Claim:
    """What a client owes overdue in one currency: the invoices escalated and their total."""

    currency: str
    invoices: tuple[Invoice, ...]
    days: int  # of the oldest
    # What worked-out due dates among its invoices rest on ('due date assumed: issued + 30
    # days; the export has none'): the days overdue counted from them are not the export's.
    due_notes: tuple[str, ...] = ()

    @property
    def days_text(self) -> str:
        """'oldest 40 days', marked '*' when a due date it counts from was worked out."""
        return f"oldest {self.days} days" + ("*" if self.due_notes else "")

    @property
    def amount(self) -> Decimal:
        return sum((i.balance for i in self.invoices if i.balance is not None), _ZERO)


@dataclass(frozen=True)
class Claims:
    claims: tuple[Claim, ...]
    disputed: tuple[Invoice, ...]  # under an open dispute: not escalated
    not_due: tuple[Invoice, ...]  # not yet due: not escalated
    unknown: tuple[Invoice, ...]  # overdue, balance unknown: not escalated (never guessed)

    def for_currency(self, currency: str) -> Claim | None:
        return next((c for c in self.claims if c.currency == currency.upper()), None)


def claims(cf: ClientFile, today: date, policy: Policy = Policy()) -> Claims:
    disputed_numbers = {n for d in cf.disputes if d.is_open for n in (d.invoices or [i.number for i in cf.open_invoices])}
    over: dict[str, list[Invoice]] = {}
    disputed, not_due, unknown = [], [], []
    for inv in sorted(cf.open_invoices, key=lambda i: (i.due or date.min, i.number)):
        if inv.number in disputed_numbers:
            disputed.append(inv)
        elif days_overdue(inv, today, policy) <= 0:
            not_due.append(inv)
        elif inv.balance is None:
            unknown.append(inv)
        else:
            over.setdefault(inv.currency, []).append(inv)
    out = tuple(Claim(cur, tuple(invs), max(days_overdue(i, today, policy) for i in invs), tuple(due_notes(invs, policy)))
                for cur, invs in sorted(over.items()))
    return Claims(out, tuple(disputed), tuple(not_due), tuple(unknown))


# ------------------------------------------------------------------------------------------
# The arithmetic


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-get_currency_precision(currency))


def _q(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Estimate:
    """One route weighed against one claim."""

    route: Route
    currency: str
    claim: Decimal
    cost: Decimal
    keeps: Decimal
    days: int
    available: bool
    why: str  # the arithmetic in words, or why the route is not available
    example: bool  # figures from the shipped examples were used
    parts: tuple[tuple[str, Decimal], ...] = ()  # what the cost is made of

    @property
    def uneconomic(self) -> bool:
        """The route costs more than the owner would keep."""
        return self.available and self.cost > self.keeps

    def to_json(self) -> dict[str, Any]:
        return {
            "route": self.route.value, "label": self.route.label, "currency": self.currency,
            "claim": _text(self.claim, self.currency), "cost": _text(self.cost, self.currency),
            "keeps": _text(self.keeps, self.currency), "available": self.available, "uneconomic": self.uneconomic,
            "why": self.why, "days": self.days, "example": self.example,
        }


def _text(amount: Decimal, currency: str) -> str:
    return str(_q(amount, currency))


def estimate(route: Route, claim: Decimal, currency: str, book: CostBook, policy: Policy = Policy(), locale: str = "en_US") -> Estimate:
    """What ``route`` would cost, keep and take for a claim of ``claim`` in ``currency``."""
    c = book.effective(route)
    m = lambda a: format_money(_q(a, currency), currency, locale)  # noqa: E731
    claim = _q(claim, currency)
    used: set[str] = set()
    parts: list[tuple[str, Decimal]] = []
    time_note = ""
    problems: list[str] = []
    days = c.days
    if route is Route.FINAL_NOTICE:
        days = policy.final_notice_days  # the policy's deadline (the letter states it), not an example
    elif route is not Route.WRITE_OFF:  # a write-off has no check date
        used.add("days")
    if c.minimum is not None:
        used.add("minimum")
        if claim < c.minimum:
            problems.append(f"below the minimum claim of {m(c.minimum)}")
    if c.limit is not None:
        used.add("limit")
        if claim > c.limit:
            problems.append(f"over the limit of {m(c.limit)}")
    fee = c.fee_for(claim)
    if c.fees:
        used.add("fees")
    if fee is None:
        if not problems:  # over a limit says it already
            problems.append(f"no fee set for a claim of {m(claim)}")
        fee = _ZERO
    if fee:
        parts.append(("fee", _q(fee, currency)))
    if c.commission:
        used.add("commission")
        parts.append((f"{_plain(c.commission)}% commission", _q(claim * c.commission / _HUNDRED, currency)))
    if c.hours:
        used.add("hours")
        hourly = book.hourly_value
        parts.append(("your time", _q(c.hours * hourly, currency)))
        time_note = f" ({_plain(c.hours)} h at {m(hourly)}/h)"
    cost = _q(sum((a for _, a in parts), _ZERO), currency)
    if route is Route.SETTLE:
        used.add("accept")
        accepted = _q(claim * (c.accept if c.accept is not None else _HUNDRED) / _HUNDRED, currency)
        keeps = accepted - cost
        gets = f"accept {_plain(c.accept)}%: {m(accepted)} of {m(claim)}"
    elif route is Route.WRITE_OFF:
        keeps = _ZERO - cost
        gets = f"none of {m(claim)} is recovered: record it and stop calling"
    else:
        keeps = claim - cost
        gets = f"{m(claim)} if paid in full"
    example = book.uses_example(route, used) or (bool(c.hours) and book.hourly is None)
    if problems:
        why = "not available: " + "; ".join(problems)
    else:
        costs = " + ".join(f"{label} {m(a)}" + (time_note if label == "your time" else "") for label, a in parts)
        why = f"{gets}; costs: {costs}" if costs else gets
        if route is Route.SMALL_CLAIMS:
            why += "; a judgment still has to be collected"
        if route is Route.AGENCY:
            why += "; it may report to credit bureaux"
        if cost > keeps:
            why = f"{UNECONOMIC}: {why}"
    return Estimate(route, currency, claim, cost, _q(keeps, currency), int(days or 0), not problems, why, example, tuple(parts))


def _sort_key(e: Estimate) -> tuple:
    return (2 if e.uneconomic else (1 if not e.available else 0), ORDER.index(e.route))


def weigh(claim: Claim, book: CostBook, policy: Policy = Policy(), locale: str = "en_US") -> list[Estimate]:
    """Every route for one claim: those that pay first (in the usual order), then those not
    available, then those that cost more than they recover."""
    return sorted((estimate(r, claim.amount, claim.currency, book, policy, locale) for r in Route), key=_sort_key)


# ------------------------------------------------------------------------------------------
# A chosen route: the record, and what has happened to it since


def new_step(client_id: int, est: Estimate, claim: Claim, at: datetime, *, note: str = "", call_id: int | None = None) -> Escalation:
    """The record of choosing ``est``'s route for ``claim`` at ``at``: the check date is the
    route's usual time on (the final notice's deadline); writing off has none."""
    day = at.date()
    check = None if est.route is Route.WRITE_OFF else day + timedelta(days=max(est.days, 1))
    balances = {i.number: str(i.balance) for i in claim.invoices if i.balance is not None}
    return Escalation(None, client_id, at.replace(tzinfo=None, microsecond=0), est.route.value, claim.currency,
                      claim=est.claim, cost=est.cost, keeps=est.keeps, check=check, balances=balances, days=est.days,
                      example=est.example, note=note, call_id=call_id)


RUNNING, DUE, WRITTEN_OFF, CHECKED = "running", "due", "written-off", "checked"
PAID, PART_PAID, REPLACED, WITHDRAWN = "paid", "part-paid", "replaced", "withdrawn"
ACTIVE = (RUNNING, DUE, WRITTEN_OFF)  # the route still stands
HOLDS = (RUNNING, WRITTEN_OFF)  # the client is out of the normal queue


@dataclass(frozen=True)
class StepState:
    step: Escalation
    status: str  # running | due | written-off | checked | paid | part-paid | replaced | withdrawn
    outstanding: Decimal  # what is still owed of the claim
    recovered: Decimal  # what came in on the escalated invoices since
    closed_on: date | None = None
    saved: Decimal | None = None  # paid in full: the route's estimated cost, not spent

    @property
    def route(self) -> Route:
        return Route(self.step.route)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


def _short(d: date, locale: str, today: date | None = None) -> str:
    from babel.dates import format_date

    return format_date(d, "d MMM" if today is not None and d.year == today.year else "d MMM y", locale=locale)


def state(step: Escalation, cf: ClientFile, today: date) -> StepState:
    """What has become of a chosen route, from the ledger as of ``today``.

    A payment on the escalated invoices at any point closes the route ('paid', or
    'part-paid' with the rest back in the normal queue); an invoice no longer open counts
    as paid. Otherwise it runs until its check date, is due back from then, and once the
    client has been called on or after that date the normal queue takes over ('checked').
    Another route chosen, or the route withdrawn, ends it ('replaced', 'withdrawn')."""
    if step.ended is not None:
        status = WITHDRAWN if step.end.startswith("withdrawn") else REPLACED
        out = _outstanding(step, cf)
        return StepState(step, status, out, max(step.claim - out, _ZERO), step.ended)
    out = _outstanding(step, cf)
    recovered = max(step.claim - out, _ZERO)
    if recovered > 0:
        start = step.at.date()
        dates = [p.date for p in cf.payments if p.date >= start and p.date <= today]
        dates += [i.closed_on for i in cf.invoices if i.number in step.balances and i.closed_on and i.closed_on >= start]
        closed = max(dates) if dates else today
        if out <= 0:
            return StepState(step, PAID, _ZERO, recovered, closed, step.cost)
        return StepState(step, PART_PAID, out, recovered, closed)
    if step.check is None:
        return StepState(step, WRITTEN_OFF, out, _ZERO)
    if today < step.check:
        return StepState(step, RUNNING, out, _ZERO)
    called = any(c.result is not Result.SKIPPED and c.at.date() >= step.check for c in cf.calls)
    return StepState(step, CHECKED if called else DUE, out, _ZERO)


def _outstanding(step: Escalation, cf: ClientFile) -> Decimal:
    """What is still open of the escalated invoices: an invoice no longer open counts as
    paid; one whose balance the export no longer gives counts as unchanged."""
    now = {i.number: i for i in cf.open_invoices if i.currency == step.currency}
    total = _ZERO
    for number, was in step.balances.items():
        inv = now.get(number)
        if inv is None:
            continue
        total += inv.balance if inv.balance is not None else Decimal(str(was))
    return total


def states(cf: ClientFile, today: date) -> list[StepState]:
    """Every step of a client, oldest first."""
    return [state(s, cf, today) for s in sorted(cf.escalations, key=lambda s: (s.at, s.id or 0))]


def current(cf: ClientFile, today: date) -> list[StepState]:
    """The routes standing now, one per currency at most (the latest chosen)."""
    latest: dict[str, StepState] = {}
    for st in states(cf, today):
        if st.active:
            latest[st.step.currency] = st
    return list(latest.values())


def held_why(st: StepState, locale: str = "en_US", today: date | None = None) -> str:
    s, r = st.step, st.route
    since = _short(s.at.date(), locale, today)
    if st.status == WRITTEN_OFF:
        return f"written off on {since} ({format_money(s.claim, s.currency, locale)})"
    check = _short(s.check, locale, today) if s.check else ""
    return {
        Route.FINAL_NOTICE: f"final notice of {since}: deadline {check}",
        Route.LAWYER: f"lawyer's letter since {since}: check {check}",
        Route.AGENCY: f"with the collection agency since {since}: check {check}",
        Route.SMALL_CLAIMS: f"small claims since {since}: check {check}",
        Route.SETTLE: f"settlement offered {since}: check {check}",
        Route.WRITE_OFF: f"written off on {since}",
    }[r]


def due_why(st: StepState, locale: str = "en_US", today: date | None = None) -> str:
    s, r = st.step, st.route
    check = _short(s.check, locale, today) if s.check else ""
    n = (s.check - s.at.date()).days if s.check else 0
    days = f"{n} day{'s' if n != 1 else ''}"
    return {
        Route.FINAL_NOTICE: f"final notice expired on {check}",
        Route.LAWYER: f"lawyer's letter: {days} without news",
        Route.AGENCY: f"agency: {days} without news",
        Route.SMALL_CLAIMS: f"small claims: {days} on, check the claim",
        Route.SETTLE: f"settlement offered: {days}, not paid",
        Route.WRITE_OFF: "written off",
    }[r]


def closed_text(st: StepState, locale: str = "en_US") -> str:
    """'Paid on 28 Nov 2026: $3,150.00 recovered; saved an estimated $1,005.00 (agency)'."""
    s = st.step
    from babel.dates import format_date

    m = lambda a: format_money(a, s.currency, locale)  # noqa: E731
    when = format_date(st.closed_on, "d MMM y", locale=locale) if st.closed_on else ""
    if st.status == PAID:
        return f"paid by {when}: {m(st.recovered)} recovered; saved an estimated {m(st.saved or _ZERO)} ({st.route.label.lower()})"
    if st.status == PART_PAID:
        return f"part paid by {when}: {m(st.recovered)} of {m(s.claim)}; {m(st.outstanding)} back in the queue"
    if st.status in (REPLACED, WITHDRAWN):
        return f"{s.end or st.status} on {when}"
    return st.status


@dataclass(frozen=True)
class QueueEffect:
    """What the running routes mean for a client today: held (with why and until), due back
    (with why), or nothing (the normal rules apply). ``route``: the route standing, if any."""

    kind: str  # 'held' | 'due' | ''
    why: str = ""
    until: date | None = None
    route: str = ""
    money: Totals | None = None  # what is still owed of the claims of the routes standing


NO_EFFECT = QueueEffect("")


def _money(standing: Iterable[StepState]) -> Totals:
    t = Totals()
    for s in standing:
        t[s.step.currency] = t.get(s.step.currency, _ZERO) + s.outstanding
    return t


def queue_effect(cf: ClientFile, today: date, overdue_currencies: Iterable[str], locale: str = "en_US") -> QueueEffect:
    """A route due back brings the client to the top of the queue with why; routes running
    for every currency overdue keep the client out of the normal queue until the first check
    date (a write-off for good). Otherwise the normal rules apply."""
    if not cf.escalations:
        return NO_EFFECT
    standing = current(cf, today)
    if not standing:
        return NO_EFFECT
    money = _money(standing)
    due = [s for s in standing if s.status == DUE]
    if due:
        first = min(due, key=lambda s: s.step.check or today)
        return QueueEffect("due", due_why(first, locale, today), None, first.step.route, money)
    holding = {s.step.currency: s for s in standing if s.status in HOLDS}
    over = set(overdue_currencies)
    if holding and over <= set(holding):
        first = min(holding.values(), key=lambda s: s.step.check or date.max)
        return QueueEffect("held", held_why(first, locale, today), first.step.check, first.step.route, money)
    return QueueEffect("", route=standing[0].step.route, money=money)


# ------------------------------------------------------------------------------------------
# Where the money sits: clients and amounts at each stage (queue filter and report)

REVIEW = "review"  # escalation review, no route chosen yet
STAGES = (REVIEW, *(r.value for r in Route))


def stage_label(stage: str) -> str:
    return "Escalation review (no route yet)" if stage == REVIEW else Route(stage).label


@dataclass
class StageFigures:
    stage: str
    clients: int = 0
    due: int = 0  # of them, due back today
    money: Totals = field(default_factory=Totals)

    @property
    def label(self) -> str:
        return stage_label(self.stage)

    def to_json(self) -> dict[str, Any]:
        return {"stage": self.stage, "label": self.label, "clients": self.clients, "due_back": self.due,
                "money": {c: _text(a, c) for c, a in sorted(self.money.items())}}


@dataclass
class ClosedFigures:
    paid: int = 0  # routes closed by payment in full
    part_paid: int = 0
    recovered: Totals = field(default_factory=Totals)
    saved: Totals = field(default_factory=Totals)

    def to_json(self) -> dict[str, Any]:
        return {"paid": self.paid, "part_paid": self.part_paid,
                "recovered": {c: _text(a, c) for c, a in sorted(self.recovered.items())},
                "saved_estimate": {c: _text(a, c) for c, a in sorted(self.saved.items())}}


def stage_of(cf: ClientFile, today: date, policy: Policy = Policy()) -> tuple[str, Totals, bool] | None:
    """The escalation stage a client sits at (a route standing, or escalation review), the
    money there, and whether it is due back today; None when at neither."""
    from .queue import standing as standing_of  # the queue imports this module

    standing = current(cf, today) if cf.escalations else []
    if standing:
        money = Totals()
        for s in standing:
            money[s.step.currency] = money.get(s.step.currency, _ZERO) + s.outstanding
        first = min(standing, key=lambda s: (s.status != DUE, s.step.at))
        return first.step.route, money, any(s.status == DUE for s in standing)
    if not cf.open_invoices:
        return None
    st = standing_of(cf, today, policy)
    if st.stage is Stage.ESCALATION and st.overdue:
        return REVIEW, Totals(st.overdue), False
    return None


def stage_figures(files: Iterable[ClientFile], today: date, policy: Policy = Policy()) -> tuple[list[StageFigures], ClosedFigures]:
    """Clients and money at each escalation stage, and the routes closed by a payment."""
    by = {s: StageFigures(s) for s in STAGES}
    closed = ClosedFigures()
    for cf in files:
        found = stage_of(cf, today, policy)
        if found is not None:
            stage, money, due = found
            f = by[stage]
            f.clients += 1
            f.due += int(due)
            for cur, amt in money.items():
                f.money[cur] = f.money.get(cur, _ZERO) + amt
        for st in states(cf, today) if cf.escalations else ():
            if st.status == PAID:
                closed.paid += 1
                closed.saved[st.step.currency] = closed.saved.get(st.step.currency, _ZERO) + (st.saved or _ZERO)
            elif st.status == PART_PAID:
                closed.part_paid += 1
            if st.status in (PAID, PART_PAID):
                closed.recovered[st.step.currency] = closed.recovered.get(st.step.currency, _ZERO) + st.recovered
    return [by[s] for s in STAGES], closed


def queue_stage_figures(entries: Iterable[Any], held: Iterable[Any]) -> list[StageFigures]:
    """Clients and money at each stage as today's queue has them (``Queue.entries`` and
    ``Queue.not_today``), without reading the ledger again: for the queue filter. A route's
    clients are those due back today (in the queue: ``due``) and those it holds; escalation
    review counts the clients queued at that stage with no route standing."""
    by = {s: StageFigures(s) for s in STAGES}
    for e in entries:
        stage = e.route or (REVIEW if e.stage is Stage.ESCALATION else "")
        if not stage:
            continue
        f = by[stage]
        f.clients += 1
        f.due += int(e.route_due)
        for cur, amt in (e.money or {}).items():
            f.money[cur] = f.money.get(cur, _ZERO) + amt
    for h in held:
        if h.route:
            f = by[h.route]
            f.clients += 1
            for cur, amt in (h.money or {}).items():
                f.money[cur] = f.money.get(cur, _ZERO) + amt
    return [by[s] for s in STAGES]


# ------------------------------------------------------------------------------------------
# Interest (only when the owner set a rate)


@dataclass(frozen=True)
class InterestLine:
    number: str
    currency: str
    balance: Decimal
    since: date  # the due date
    days: int
    amount: Decimal


def interest(invoices: Iterable[Invoice], rate: Decimal, today: date, policy: Policy = Policy()) -> list[InterestLine]:
    """Simple interest at ``rate`` percent a year on each overdue balance from its due date to
    ``today`` (actual days / 365), rounded to the currency's minor unit. A calculation to
    show, never charged in the ledger."""
    out = []
    for inv in invoices:
        days = days_overdue(inv, today, policy)
        if days <= 0 or inv.balance is None or not inv.is_open:
            continue
        amt = _q(inv.balance * rate / _HUNDRED * Decimal(days) / Decimal(365), inv.currency)
        out.append(InterestLine(inv.number, inv.currency, inv.balance, today - timedelta(days=days), days, amt))
    return out


__all__ = [
    "Route", "ORDER", "Band", "RouteCost", "CostBook", "CostError", "CostSetting", "EXAMPLES", "EXAMPLE_HOURLY", "EXAMPLE_NOTE",
    "UNECONOMIC", "books", "book_for", "with_books", "parse_route_cost", "parse_setting", "apply_settings",
    "Claim", "Claims", "claims", "Estimate", "estimate", "weigh", "new_step", "StepState", "state", "states", "current",
    "queue_effect", "QueueEffect", "held_why", "due_why", "closed_text", "REVIEW", "STAGES", "stage_label", "StageFigures",
    "ClosedFigures", "stage_of", "stage_figures", "queue_stage_figures", "InterestLine", "interest",
]

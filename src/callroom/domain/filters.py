"""Queue filters (the call-session issue's "change the queue filters"), and calling hours now.

A ``QueueFilter`` narrows today's queue without changing its order: clients callable
at this moment (within calling hours in their own local time), follow-ups and broken
promises only (tiers 1-2), one currency, a minimum balance, one escalation stage (escalation
review with no route chosen yet, or a route due back). Parts combine; the empty
filter keeps everyone. Pure functions: the time is handed in (``now``, timezone-aware).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Iterable

from . import phones
from .codes import Stage
from .escalation import REVIEW, stage_label
from .money import format_money
from .policy import Policy
from .queue import Entry


@dataclass(frozen=True)
class QueueFilter:
    callable_now: bool = False  # within calling hours at the client's end, now
    urgent_only: bool = False  # tiers 1-2: follow-ups due and broken promises
    currency: str | None = None  # owes something in this currency
    min_balance: Decimal | None = None  # owes at least this much (in ``currency`` if set, else in any one currency)
    stage: str | None = None  # an escalation stage: escalation.REVIEW or a route's value

    @property
    def active(self) -> bool:
        return self != QueueFilter()

    def label(self) -> str:
        """A short description for the status bar; '' for the empty filter."""
        parts = []
        if self.callable_now:
            parts.append("callable now")
        if self.urgent_only:
            parts.append("follow-ups & broken promises")
        if self.currency:
            parts.append(self.currency)
        if self.min_balance is not None:
            amount = format_money(self.min_balance, self.currency) if self.currency else f"{self.min_balance:,}"
            parts.append(f"owes ≥ {amount}")
        if self.stage:
            parts.append(stage_label(self.stage).split(" (")[0].lower())
        return " · ".join(parts)


def hours_now(entry: Entry, now: datetime, policy: Policy = Policy()) -> Entry:
    """The entry with its local time and out-of-hours mark worked out again for ``now``
    (the queue computed them when it was built). Unknown zone: unchanged."""
    if entry.local is None or entry.local.tzinfo is None or now.tzinfo is None:
        return entry
    local = now.astimezone(entry.local.tzinfo)
    ooh = not phones.within_hours(local, policy.call_start, policy.call_end, policy.weekdays_only)
    return replace(entry, local=local, out_of_hours=ooh)


def hours_in(entry: Entry, zone: str | None, now: datetime, policy: Policy = Policy()) -> Entry:
    """The entry with its local time and out-of-hours mark worked out afresh in ``zone``, the
    time zone of the client's number as it is now (it moves when the number is changed); an
    unknown zone: no local time and no mark, as the queue gives."""
    if now.tzinfo is None:
        return entry
    local = phones.local_time_in(zone, now)
    ooh = local is not None and not phones.within_hours(local, policy.call_start, policy.call_end, policy.weekdays_only)
    return replace(entry, local=local, out_of_hours=ooh)


def callable_now(entry: Entry, now: datetime, policy: Policy = Policy()) -> bool:
    """Within calling hours at the client's end at ``now``; a client whose local time is
    unknown counts as callable (the queue does not mark it either)."""
    return not hours_now(entry, now, policy).out_of_hours


def matches(entry: Entry, flt: QueueFilter, now: datetime, policy: Policy = Policy()) -> bool:
    if flt.urgent_only and entry.tier > 2:
        return False
    if flt.currency and flt.currency not in entry.owed:
        return False
    if flt.min_balance is not None:
        amounts = [entry.owed.get(flt.currency, Decimal(0))] if flt.currency else list(entry.owed.values())
        if not any(a >= flt.min_balance for a in amounts):
            return False
    if flt.stage is not None and not at_stage(entry, flt.stage):
        return False
    if flt.callable_now and not callable_now(entry, now, policy):
        return False
    return True


def at_stage(entry: Entry, stage: str) -> bool:
    """The entry sits at this escalation stage: its route (due back today), or escalation
    review with no route standing."""
    if stage == REVIEW:
        return entry.stage is Stage.ESCALATION and not entry.route
    return entry.route == stage


def apply(entries: Iterable[Entry], flt: QueueFilter, now: datetime, policy: Policy = Policy()) -> list[Entry]:
    """The entries that pass ``flt``, in the order given."""
    return [e for e in entries if matches(e, flt, now, policy)]


def currencies(entries: Iterable[Entry]) -> list[str]:
    """Currencies owed by anyone in ``entries``, sorted."""
    return sorted({cur for e in entries for cur in e.owed})


def parse_amount(text: str) -> Decimal:
    """A minimum balance as typed: '1000', '1,000', '1 000.50'. Raises ValueError."""
    cleaned = text.strip().replace(",", "").replace(" ", "").replace("_", "")
    if cleaned.startswith("-") and re.fullmatch(r"-\d+(\.\d+)?", cleaned):
        raise ValueError("Type an amount of zero or more, such as 1000.")
    if not re.fullmatch(r"\d{1,15}(\.\d{1,4})?", cleaned):
        raise ValueError(f"{text.strip()[:20]!r} is not an amount; type a number such as 1000.")
    return Decimal(cleaned)

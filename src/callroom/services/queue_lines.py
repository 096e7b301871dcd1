"""Today's queue as ``callroom queue`` prints it, from the queue summary's ``order/<day>``
sections: each day's queued clients already in the queue's order (all but the local
times, which depend on the hour) and the clients held, in theirs, with what is printed of
each. Nothing is decoded into decisions, nothing sorted, and neither the queue's rules nor
the models are loaded: the output of the ledger read whole, at a cost that grows with the
number of lines printed only.

Used only where :func:`callroom.services.summary.read_preview` would use the summary
as it is: for the exact tip it was written at (no lines after it to follow), by this
release's rules, in this locale, with the policy the ledger's settings hold, for a day it
holds; and only once every line of the ledger chains to what the summary says
(``lookup.chain_to``). Anything else: None, and the command goes the longer way.
"""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..domain import phones
from ..domain.policy import Policy
from ..store.lookup import chain_to
from ..store.summary import SummaryDamaged, ledger_tip, read_summary

if TYPE_CHECKING:
    from pathlib import Path

#: The locale the queue's texts are written in.
LOCALE = "en_US"

_RULES: list[str] = []


def rules_mark() -> str:
    """What the queue's decisions were worked out by: a checksum of the domain's code (its
    rules: the queue, aging, promises, escalation, wording). A summary written by a callroom
    whose rules differ is not used, even for a ledger it describes exactly: its decisions
    might not be this release's (the first open after an upgrade reads the ledger whole)."""
    if not _RULES:
        from pathlib import Path

        from .. import __version__, domain

        crc = zlib.crc32(__version__.encode())
        try:
            for f in sorted(Path(domain.__file__).parent.glob("*.py")):
                crc = zlib.crc32(f.name.encode() + b"\0" + f.read_bytes(), crc)
        except OSError:
            pass  # no sources to read: the version alone
        _RULES.append(f"{crc:08x}")
    return _RULES[0]


def policy_of(settings: dict[str, Any]) -> Policy:
    """The policy the ledger's settings hold (what ``Settings.policy`` gives)."""
    doc = next(iter(settings.values()), None)
    rec = doc.get("policy") if isinstance(doc, dict) else None
    return Policy.from_record(rec)


#: A printed queue: ``(entries, not_today)``, each entry ``(name, tier name, why, outside
#: calling hours)`` in the queue's order, each held client ``(name, why)`` in its order.
Printed = tuple[list[tuple[str, str, str, bool]], list[tuple[str, str]]]


def queue_lines(path: "Path", now: datetime) -> Printed | None:
    """What ``callroom queue`` prints of today's queue, from the summary; None when it cannot say."""
    try:
        tip = ledger_tip(path)
        summary = read_summary(path) if tip is not None else None
        if summary is None or summary.tip != tip:
            return None  # none, or lines written since: the summary is brought up to date the longer way
        meta = summary.load("meta")
        if meta["locale"] != LOCALE or meta.get("rules") != rules_mark():
            return None
        policy = policy_of(summary.load("settings"))
        day = now.date().isoformat()
        if Policy.from_record(meta["policy"]) != policy or day not in meta["days"]:
            return None
        order = summary.load(f"order/{day}")
        queued, held = order["queued"], order["held"]
        if chain_to(path, tip) != summary.chain:
            return None
        aware = now.tzinfo is not None
        hours = (policy.call_start, policy.call_end, policy.weekdays_only)
        at_zone: dict[Any, bool] = {}
        inside: list[tuple[str, str, str, bool]] = []
        outside: list[tuple[str, str, str, bool]] = []
        for _cid, zone, tier, name, why in queued:
            if type(name) is not str or type(tier) is not str or type(why) is not str:
                return None
            ooh = False
            if aware:
                ooh = at_zone.get(zone)  # type: ignore[assignment]
                if ooh is None:
                    local = phones.local_time_in(zone, now)
                    ooh = at_zone[zone] = local is not None and not phones.within_hours(local, *hours)
            (outside if ooh else inside).append((name, tier, why, ooh))
        not_today = []
        for _cid, name, why in held:
            if type(name) is not str or type(why) is not str:
                return None
            not_today.append((name, why))
    except (OSError, SummaryDamaged, KeyError, ValueError, TypeError, IndexError, AttributeError):
        return None
    # The queue's order puts the clients outside their calling hours last, and is otherwise
    # the order kept: the same as sorting the whole queue (the client id breaks every tie).
    return inside + outside, not_today

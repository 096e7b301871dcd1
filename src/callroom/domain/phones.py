"""Phone numbers: formatting for dialling and the client's local time, via phonenumbers."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

# phonenumbers is imported where a number is read (its metadata takes a tenth of a second
# to load): the queue of a summary and the local times need only the zones worked out.


@dataclass(frozen=True)
class Dial:
    raw: str
    display: str  # formatted for dialling: '+1 415-555-0147'
    e164: str | None
    region: str | None  # ISO country of the number
    zone: str | None  # an IANA time zone for the number, when one is known
    valid: bool


def parse(raw: str, default_region: str = "") -> Dial:
    import phonenumbers
    from phonenumbers import timezone as pn_timezone

    text = (raw or "").strip()
    if not text:
        return Dial(raw, "", None, None, None, False)
    try:
        num = phonenumbers.parse(text, (default_region or "US").upper())
    except phonenumbers.NumberParseException:
        return Dial(raw, text, None, None, None, False)
    valid = phonenumbers.is_possible_number(num)
    region = phonenumbers.region_code_for_number(num) or (default_region.upper() or None)
    zones = [z for z in pn_timezone.time_zones_for_number(num) if z and z != "Etc/Unknown"]
    if not zones and region:
        zones = _region_zones(region)
    display = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL) if valid else text
    e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164) if valid else None
    return Dial(raw, display, e164, region, zones[0] if zones else None, valid)


def tel_uri(dial: Dial) -> str | None:
    """The number as a ``tel:`` link (RFC 3966, global form), for a softphone or a mobile to
    dial; None when the number is not one phonenumbers can place."""
    return f"tel:{dial.e164}" if dial.e164 else None


def zone_of(raw: str, default_region: str = "") -> str | None:
    """``parse(raw, default_region).zone``, without the rest of the parse (the formatting and
    the checks the zone does not need): what the queue reads of every queued client's number."""
    import phonenumbers
    from phonenumbers import timezone as pn_timezone

    text = (raw or "").strip()
    if not text:
        return None
    try:
        num = phonenumbers.parse(text, (default_region or "US").upper())
    except phonenumbers.NumberParseException:
        return None
    zones = [z for z in pn_timezone.time_zones_for_number(num) if z and z != "Etc/Unknown"]
    if not zones:
        region = phonenumbers.region_code_for_number(num) or (default_region.upper() or None)
        if region:
            zones = _region_zones(region)
    return zones[0] if zones else None


class ZoneBook:
    """The time zone of each phone number, worked out once: phonenumbers takes about 0.1 ms
    a number (0.4 s for the 4,000 queued clients of a big ledger, most of a queue build).

    ``book(raw, region)`` is :func:`zone_of`, remembered. What it has worked out can be kept
    between runs (``known()``, ``learn()``; :mod:`callroom.zonecache` keeps it in the user's
    cache folder). What is kept names a number only by a hash of it, so the cache holds no
    phone numbers, and it is tied to the phonenumbers version that worked it out.
    """

    def __init__(self) -> None:
        self._memo: dict[tuple[str, str], str | None] = {}
        self._kept: dict[str, str | None] = {}  # by key(), as loaded
        self.added = 0  # worked out since the last learn() or saved()

    @staticmethod
    def key(raw: str, region: str) -> str:
        return hashlib.blake2b(f"{region}\x1f{raw}".encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()

    def __call__(self, raw: str, region: str = "") -> str | None:
        k = (raw, region)
        try:
            return self._memo[k]
        except KeyError:
            pass
        kept = self._kept
        if kept:
            h = self.key(raw, region)
            if h in kept:
                z = self._memo[k] = kept[h]
                return z
        z = self._memo[k] = zone_of(raw, region)
        self.added += 1
        return z

    def known(self) -> dict[str, str | None]:
        """Everything known, by :meth:`key`: what was learnt plus what was worked out."""
        out = dict(self._kept)
        for (raw, region), z in list(self._memo.items()):  # a copy: the ledger check may be adding zones meanwhile
            out[self.key(raw, region)] = z
        return out

    def learn(self, kept: Mapping[str, str | None]) -> None:
        """Take zones kept from an earlier run (by :meth:`key`); anything not text or None is ignored."""
        self._kept.update((k, v) for k, v in kept.items() if type(k) is str and (v is None or type(v) is str))

    def saved(self) -> None:
        self.added = 0

    def forget(self) -> None:
        """Drop everything worked out and learnt."""
        self._memo.clear()
        self._kept.clear()
        self.added = 0


#: The process's zone book (the queue reads every queued client's zone through it).
ZONES = ZoneBook()


@lru_cache(maxsize=None)
def _zones_of_region(region: str) -> tuple[str, ...]:
    import phonenumbers
    from phonenumbers import timezone as pn_timezone

    example = phonenumbers.example_number(region)
    if example is None:
        return ()
    return tuple(z for z in pn_timezone.time_zones_for_number(example) if z and z != "Etc/Unknown")


def _region_zones(region: str) -> list[str]:
    """Zones of a country when the number itself does not say (fictional or unassigned ranges)."""
    return list(_zones_of_region(region))


def local_time(dial: Dial, now: datetime) -> datetime | None:
    """The time at the client's end, or None when the number does not tell."""
    return local_time_in(dial.zone, now)


def local_time_in(zone: str | None, now: datetime) -> datetime | None:
    """The time in an IANA ``zone`` (a :class:`Dial`'s), or None without one."""
    if not zone:
        return None
    if now.tzinfo is None:
        now = now.astimezone()
    try:
        return now.astimezone(ZoneInfo(zone))
    except Exception:
        return None


def within_hours(local: datetime, start: time, end: time, weekdays_only: bool) -> bool:
    if weekdays_only and local.weekday() >= 5:
        return False
    return start <= local.time().replace(tzinfo=None) < end


def their_time(moment: datetime | None, zone: str | None) -> datetime | None:
    """``moment`` (aware: a callback agreed in the owner's time) at the client's end, in the
    IANA ``zone`` of their number; None when either is unknown or the two clocks agree then."""
    if moment is None or moment.tzinfo is None or not zone:
        return None
    try:
        theirs = moment.astimezone(ZoneInfo(zone))
    except Exception:
        return None
    return None if theirs.utcoffset() == moment.utcoffset() else theirs

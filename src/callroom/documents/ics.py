"""Follow-ups as an RFC 5545 iCalendar file (icalendar), for the owner's calendar app.

Every event carries the client's phone (as its location, and in the description) and
the amount at stake; its UID comes from the record it follows up, so importing a newer
export updates the same events instead of adding copies.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Iterable

from ..domain.money import format_money
from ..domain.report import FollowUp

CALLBACK_LENGTH = timedelta(minutes=15)  # a timed callback's slot in the calendar
PRODID = "-//callroom//Collection follow-ups//EN"


def _description(f: FollowUp, locale: str = "en_US") -> str:
    what = f.title.split(": ", 1)[-1]  # the title less 'Call <client>: '
    lines = [what[:1].upper() + what[1:]]
    if f.contact:
        lines.append(f"Contact: {f.contact}")
    lines.append(f"Phone: {f.phone or 'none on file'}")
    if f.amount is not None and f.currency:
        lines.append(f"Amount: {format_money(f.amount, f.currency, locale)}")
    if f.invoices:
        lines.append(f"Invoices: {', '.join(f.invoices)}")
    lines.extend(f.detail)
    lines.append(f"Client #{f.client_id} in callroom")
    return "\n".join(lines)


def to_ics(items: Iterable[FollowUp], stamp: datetime, *, name: str = "callroom follow-ups", locale: str = "en_US") -> bytes:
    """An RFC 5545 calendar with one event per follow-up: all day, or a timed quarter of an
    hour for a callback agreed at a time of day (floating local time: the owner's).

    Each event's UID comes from the record it follows up (the promise, instalment,
    dispute or call), so importing a newer export updates the event instead of adding a
    second one. ``stamp`` (the export time) becomes every DTSTAMP, in UTC. The icalendar
    library escapes the text, ends lines with CRLF and folds them at 75 octets."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    utc = stamp.astimezone(timezone.utc) if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)
    utc = utc.replace(microsecond=0)
    for f in items:
        ev = Event()
        ev.add("uid", f"{f.uid}@callroom")
        ev.add("dtstamp", utc)
        if f.at is not None:
            start = datetime.combine(f.day, f.at)
            ev.add("dtstart", start)
            ev.add("dtend", start + CALLBACK_LENGTH)
        else:
            ev.add("dtstart", f.day)
            ev.add("dtend", f.day + timedelta(days=1))
        ev.add("summary", f.title)
        if f.phone:
            ev.add("location", f.phone)
        ev.add("description", _description(f, locale))
        ev.add("categories", [f.kind])
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)
    return cal.to_ical()

"""The queue summary: what the first screen and ``callroom queue`` need, kept beside the
ledger so that neither has to read the whole ledger first.

As of one state of the ledger (its tip) it holds:

* ``queue/<day>``: each client's place in the queue on that day (what
  :func:`callroom.domain.queue.decide` works out; the local times are worked out at
  open), for the day it was written and the next :data:`AHEAD` days: the morning after a
  session finds its day there;
* ``order/<day>``: of each of those days, what ``callroom queue`` prints, in the queue's
  order (:mod:`callroom.services.queue_lines`);
* ``clients``: every record of the clients the first screen may open on (the best placed
  of each time zone on each of those days), and ``settings``: the policy, the profile,
  the caller's name;
* ``files``: each client's queue file (what the queue reads of it), from which the
  queue of any other day is worked out without the ledger, and which a session brings up
  to date client by client;
* ``meta``: the policy and locale the days were worked out with, the counts the first
  screen shows, where each client's records lie in ``clients``.

It is trusted only for the exact tip it was written at (:func:`callroom.store.summary.
ledger_tip`: the ledger's header and last line, and its seal), for the policy and locale
of the ledger's settings, and only for the days it holds; anything else reads the
ledger whole, and the session writes a new summary. A session writes it when it closes
(after any compaction), bringing up to date only the clients written since it opened.
"""

from __future__ import annotations

import gc
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from ..domain import queue as queue_mod
from ..domain.models import Call, Client, ClientFile, Dispute, Escalation, Invoice, Payment, Plan, Promise
from ..domain.policy import Policy
from ..domain.queue import Queue
from ..store.format import chain_crc, decode_json, encode
from ..store.lookup import chain_to, lines_after
from ..store.summary import Summary, SummaryDamaged, ledger_tip, read_summary, write_summary
from .queue_lines import LOCALE, policy_of as _policy_of, rules_mark

if TYPE_CHECKING:
    from pathlib import Path

    from ..store.format import Tip
    from ..store.repo import Store

#: Days after the one it is written on that a summary holds the queue of.
AHEAD = 4
#: Of each day, the best placed clients of each time zone whose records are kept (the
#: first client at open is the best placed of those within their calling hours).
FIRST_PER_ZONE = 2

#: The parts of a queue file, the model of each, and the table they are stored in.
_PARTS = (("invoices", Invoice), ("calls", Call), ("promises", Promise), ("disputes", Dispute), ("payments", Payment),
          ("escalations", Escalation))
#: The parts of a client's whole file (``Store.client_file``), in the order of its fields.
_WHOLE = (("invoices", Invoice), ("calls", Call), ("promises", Promise), ("plans", Plan), ("disputes", Dispute),
          ("payments", Payment), ("escalations", Escalation))

try:
    import msgspec

    _encode_bytes = msgspec.json.encode
except ImportError:  # pragma: no cover
    _encode_bytes = None  # type: ignore[assignment]


def _dump(value: Any) -> bytes:
    if _encode_bytes is not None:
        return _encode_bytes(value)
    return encode(value).encode("utf-8")  # pragma: no cover


def _undump(data: bytes) -> Any:
    value, why = decode_json(data)
    if why is not None:
        raise SummaryDamaged(why)
    return value


# -- a client's records as JSON and back -----------------------------------------------------


def file_json(cf: ClientFile, parts=_PARTS) -> dict[str, Any]:
    """A client's file as stored records: ``{"client": [id, doc], "<table>": [[id, doc], ...]}``."""
    from ..store.repo import record_of

    out: dict[str, Any] = {"client": [cf.client.id, record_of(cf.client)]}
    for name, _ in parts:
        rows = getattr(cf, name)
        if rows:
            out[name] = [[r.id, record_of(r)] for r in rows]
    return out


def file_from_json(value: dict[str, Any], parts=_PARTS) -> ClientFile:
    """The :class:`ClientFile` of :func:`file_json` (raises on anything else)."""
    from ..store.repo import converter

    cid, doc = value["client"]
    kw: dict[str, Any] = {}
    for name, cls in parts:
        to = converter(cls)
        kw[name] = tuple(to(d, i) for i, d in value.get(name, ()))
    return ClientFile(client=converter(Client)(doc, cid), **kw)


def _tables_of(value: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The stored records of :func:`file_json` by table (``{table: {str(id): doc}}``)."""
    cid, doc = value["client"]
    out: dict[str, dict[str, Any]] = {"clients": {str(cid): doc}}
    for name, _ in _WHOLE:
        out[name] = {str(i): d for i, d in value.get(name, ())}
    return out


# -- what a summary holds ----------------------------------------------------------------------


def _first_clients(decided: Iterable[Any]) -> list[int]:
    """The clients the first screen may open on, of one day's decisions: the best placed
    :data:`FIRST_PER_ZONE` of each time zone (which are within calling hours depends on
    the hour the session starts)."""
    by_zone: dict[Any, list[tuple]] = {}
    for d in decided:
        place = queue_mod.queued_place(d)
        if place is not None:
            by_zone.setdefault(place[0], []).append(place[1])
    out: list[int] = []
    for rows in by_zone.values():
        rows.sort()
        out += [r[-1] for r in rows[:FIRST_PER_ZONE]]
    return out


@dataclass
class Book:
    """A summary being made or brought up to date: each day's decisions and each client's
    queue file, kept as JSON text until something needs them decoded (bringing one client
    up to date on a day replaces its text alone)."""

    policy: Policy
    locale: str = LOCALE
    #: Decisions by day: decoded (``{client id: decision}``), each client's JSON text
    #: (``{client id: bytes}``, a :class:`_Texts`), or the section's JSON text as read.
    days: dict[date, Any] = field(default_factory=dict)
    #: Each client's queue file as JSON text, when made here (else read from ``source``
    #: when needed, not kept: 15 MB for 10,000 clients).
    files: dict[int, Any] | None = None
    #: Queue files changed since ``source`` (None: the client is no longer stored).
    patches: dict[int, bytes | None] = field(default_factory=dict)
    #: The summary this was read from (its sections not read yet).
    source: Summary | None = None
    #: Clients brought up to date from the ledger's later lines at open, on today only:
    #: the other days and the files follow in :meth:`settle` (in a worker).
    later: dict[int, ClientFile | None] = field(default_factory=dict)
    #: Clients changed since ``source`` was written (their records there are old).
    changed_since: set[int] = field(default_factory=set)
    #: Per day, the clients the first screen may open on (see :func:`_first_clients`).
    firsts: dict[date, list[int]] = field(default_factory=dict)

    def decided(self, day: date) -> dict[int, Any] | None:
        """A day's decisions, decoded (and kept so)."""
        got = self.decoded(day)
        if got is not None:
            self.days[day] = got
        return got

    def decoded(self, day: date) -> dict[int, Any] | None:
        """A day's decisions, decoded (the book keeps them as they were)."""
        got = self.days.get(day)
        if isinstance(got, bytes):
            return decisions_of(got)
        if isinstance(got, _Texts):
            return queue_mod.decisions_from_json([_undump(t) for t in got.values()])
        return got

    def _decision(self, day: date, cid: int) -> Any:
        got = self.days[day]
        if isinstance(got, bytes):
            got = self.days[day] = _texts_of(got)
        if isinstance(got, _Texts):
            text = got.get(cid)
            return None if text is None else queue_mod.decision_from_json(_undump(text))
        return got.get(cid)

    def file_texts(self) -> Iterator[tuple[int, Any]]:
        """``(client id, queue file as JSON text)`` of every client (the summary's read again
        each time, with the changes since)."""
        if self.files is not None:
            texts: dict[int, Any] = self.files
        else:
            assert self.source is not None
            texts = _texts_of(self.source.read("files"))
        patches = self.patches
        for cid, text in texts.items():
            if cid in patches:
                text = patches[cid]
                if text is None:
                    continue
            yield cid, text
        for cid, text in patches.items():
            if text is not None and cid not in texts:
                yield cid, text

    def queue_files(self) -> list[ClientFile]:
        return [file_from_json(_undump(t)) for _, t in self.file_texts()]

    def decide(self, day: date) -> dict[int, Any]:
        """The decisions of ``day`` worked out from the queue files kept, one client at a time."""
        policy, locale = self.policy, self.locale
        out: dict[int, Any] = {}
        for cid, text in self.file_texts():
            out[cid] = queue_mod.decide([file_from_json(_undump(text))], day, policy, locale=locale)[cid]
        return out

    def fill(self, today: date, files: list[ClientFile] | None = None) -> None:
        """Work out the days from ``today`` to :data:`AHEAD` days after that it does not hold
        yet (from ``files``, else from the queue files it keeps); forget the days before.
        Touches no ledger: safe in a worker while the session goes on."""
        for day in [d for d in self.days if d < today]:
            del self.days[day]
        wanted = [today + timedelta(days=k) for k in range(AHEAD + 1)]
        missing = [d for d in wanted if d not in self.days]
        if not missing:
            return
        made: dict[date, dict[int, Any]] = {day: {} for day in missing}
        # One client at a time, its file decoded and let go: not ten thousand files in memory.
        each = ((f.client.id, f) for f in files) if files is not None else (
            (cid, file_from_json(_undump(t))) for cid, t in self.file_texts())
        for cid, cf in each:
            for day in missing:
                made[day][cid] = queue_mod.decide([cf], day, self.policy, locale=self.locale)[cid]
        for day, decided in made.items():
            self.days[day] = decided
            self.firsts[day] = _first_clients(decided.values())

    def settle(self, today: date) -> None:
        """Bring every day and file up to date with :attr:`later`, then :meth:`fill`."""
        later, self.later = self.later, {}
        self.update(later)
        self.fill(today)

    def update(self, changed: dict[int, ClientFile | None]) -> None:
        """Bring the clients in ``changed`` up to date (None: no longer stored) on every day."""
        if not changed:
            return
        self.changed_since |= set(changed)
        for cid, cf in changed.items():
            text = None if cf is None else _dump(file_json(cf))
            if self.files is not None:
                if text is None:
                    self.files.pop(cid, None)
                else:
                    self.files[cid] = text
            else:
                self.patches[cid] = text
        for day in list(self.days):
            got = self.days[day]
            if isinstance(got, bytes):
                got = self.days[day] = _texts_of(got)
            fresh: dict[int, Any] = {}
            for cid, cf in changed.items():
                d = None if cf is None else queue_mod.decide([cf], day, self.policy, locale=self.locale)[cid]
                if d is None:
                    got.pop(cid, None)
                    continue
                fresh[cid] = d
                got[cid] = _dump(queue_mod.decision_json(d)) if isinstance(got, _Texts) else d
            # Who the first screen may open on: among those it was, and those just changed.
            known = [d for cid in self.firsts.get(day, ()) if cid not in changed and (d := self._decision(day, cid)) is not None]
            self.firsts[day] = _first_clients(known + list(fresh.values()))

    def _day_text(self, day: date) -> bytes:
        got = self.days[day]
        if isinstance(got, bytes):
            return got
        if isinstance(got, _Texts):
            return _join(got)
        return _dump({str(cid): queue_mod.decision_json(d) for cid, d in got.items()})

    def _order_text(self, day: date) -> bytes:
        """The day's ``order/<day>`` section (``callroom queue``'s lines, see
        :mod:`callroom.services.queue_lines`): the summary's as read while the day is unchanged."""
        if isinstance(self.days[day], bytes) and self.source is not None:
            try:
                return self.source.read(f"order/{day.isoformat()}")
            except (SummaryDamaged, KeyError):
                pass  # worked out again
        decided = self.decoded(day)
        assert decided is not None
        queued, held = queue_mod.printed_order(decided.values())
        return _dump({"queued": queued, "held": [[h.client_id, h.name, h.why] for h in held]})

    def _first(self, days: list[date]) -> list[int]:
        first: list[int] = []
        seen: set[int] = set()
        for day in days:
            if day not in self.firsts:
                decided = self.decoded(day)
                assert decided is not None
                self.firsts[day] = _first_clients(decided.values())
            for cid in self.firsts[day]:
                if cid not in seen:
                    seen.add(cid)
                    first.append(cid)
        return first

    def sections(self, store: "Store", today: date) -> dict[str, bytes]:
        """The summary's sections; the records of the first clients read from ``store``
        (or kept from the summary read, for a client unchanged since)."""
        days = [d for d in sorted(self.days) if d >= today]
        old: dict[str, Any] = {}
        old_clients = b""
        if self.source is not None:
            try:
                old = self.source.load("meta")["clients"]
                old_clients = self.source.read("clients")
            except (SummaryDamaged, KeyError, TypeError):
                old, old_clients = {}, b""
        clients = bytearray()
        where: dict[str, list[int]] = {}
        for cid in self._first(days):
            spot = old.get(str(cid))
            if spot is not None and cid not in self.changed_since and zlib.crc32(old_clients[spot[0]:spot[0] + spot[1]]) == spot[2]:
                text = old_clients[spot[0]:spot[0] + spot[1]]
            else:
                try:
                    text = _dump(file_json(store.client_file(cid), _WHOLE))
                except LookupError:
                    continue
            where[str(cid)] = [len(clients), len(text), zlib.crc32(text)]
            clients += text
        settings = {k: v for k, v in store.settings.table._read_table().items()}
        meta = {
            "policy": self.policy.to_record(),
            "locale": self.locale,
            "rules": rules_mark(),
            "days": [d.isoformat() for d in days],
            "first": {d.isoformat(): self.firsts[d] for d in days},
            "clients": where,
            "counts": {"clients": store.clients.count(), "invoices": store.ledger.invoices.count()},
            "next_session": _next_id(store.sessions.docs()),
        }
        owners = {name: _owners(repo.docs()) for name, repo in _owned(store).items()}
        out = {"meta": _dump(meta), "settings": _dump(settings), "owners": _dump(owners)}
        for d in days:
            out[f"queue/{d.isoformat()}"] = self._day_text(d)
            out[f"order/{d.isoformat()}"] = self._order_text(d)
        out["clients"] = bytes(clients)
        out["files"] = _joined(self.file_texts())  # written a piece at a time
        return out


# -- a day's decisions read back --------------------------------------------------------------
#
# A day's section is ``{"<client id>": <decision>, ...}``, each decision as
# :func:`callroom.domain.queue.decision_json` writes it. Read with the generic JSON decoder
# and then :func:`~callroom.domain.queue.decisions_from_json`, every tagged value (a stage,
# a total per currency, a date) is a dict first and a value after, one Python call each:
# 0.15 s of the first screen's 0.35 s on the 50,000-client benchmark ledger. Decoded
# against the decision's shape instead (msgspec, in C: the amounts straight to Decimal,
# the dates to date), what is left in Python is putting each decision together.
# Anything the shapes do not take is read the generic way, which raises on what is wrong.

try:
    import datetime as _dt
    from decimal import Decimal as _Decimal

    from ..domain.codes import Stage as _Stage
    from ..domain.money import Totals as _Totals

    class _TotalsTag(msgspec.Struct, forbid_unknown_fields=True):
        totals: dict[str, _Decimal]

    class _StageTag(msgspec.Struct, forbid_unknown_fields=True):
        stage: str

    class _DateTag(msgspec.Struct, forbid_unknown_fields=True):
        date: _dt.date

    class _QueuedRow(msgspec.Struct, array_like=True, tag=1, forbid_unknown_fields=True):
        client_id: int
        name: str
        tier: int
        why: str
        score: float
        stage: _StageTag
        days: int
        owed: _TotalsTag
        zone: str | None
        route: str
        money: _TotalsTag | None
        route_due: bool

    class _HeldRow(msgspec.Struct, array_like=True, tag=0, forbid_unknown_fields=True):
        client_id: int
        name: str
        why: str
        until: _DateTag | None
        route: str
        money: _TotalsTag | None

    _day_rows = msgspec.json.Decoder(dict[str, _QueuedRow | _HeldRow]).decode
except NameError:  # pragma: no cover - no msgspec
    _day_rows = None  # type: ignore[assignment]


def decisions_of(data: bytes) -> dict[int, Any]:
    """A day's section decoded: the decisions by client id, exactly as
    :func:`callroom.domain.queue.decisions_from_json` gives them (raises
    :class:`SummaryDamaged`, ValueError, KeyError on what it is not, as that does).
    The row shapes below repeat the decision's fields as ``decision_json`` writes them;
    a test compares the two readings on every day of a summary."""
    if _day_rows is not None:
        try:
            rows = _day_rows(data)
        except msgspec.MsgspecError:
            rows = None  # not the shapes this release writes: the generic way says what is wrong
        if rows is not None:
            stages, held, totals = _Stage._value2member_map_, queue_mod.Held, _Totals
            out: dict[int, Any] = {}
            for r in rows.values():
                m = r.money
                if type(r) is _QueuedRow:
                    out[r.client_id] = (r.client_id, r.name, r.tier, r.why, r.score, stages[r.stage.stage], r.days,
                                        totals(r.owed.totals), r.zone, r.route, None if m is None else totals(m.totals),
                                        r.route_due)
                else:
                    u = r.until
                    out[r.client_id] = held(r.client_id, r.name, r.why, None if u is None else u.date, r.route,
                                            None if m is None else totals(m.totals))
            return out
    return queue_mod.decisions_from_json(list(_undump(data).values()))


class _Texts(dict):
    """``{client id: JSON text}``: one client's part of a section, neither decoded nor encoded
    again (the text as read is a ``msgspec.Raw`` over the section's bytes)."""


try:
    _raw_object = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode
except NameError:  # pragma: no cover - no msgspec
    _raw_object = None  # type: ignore[assignment]


def _texts_of(data: bytes) -> _Texts:
    """A section ``{"<client id>": ..., ...}`` as each client's JSON text (nothing decoded)."""
    if _raw_object is None:  # pragma: no cover
        return _Texts({int(k): _dump(v) for k, v in _undump(data).items()})
    try:
        raws = _raw_object(data)
    except Exception as exc:  # noqa: BLE001 - msgspec's error: the section is not what was written
        raise SummaryDamaged(str(exc)) from None
    return _Texts(zip(map(int, raws), raws.values()))


def _join(texts: dict[int, Any]) -> bytes:
    """``{"<client id>": <text>, ...}`` of :class:`_Texts` (texts bytes or ``msgspec.Raw``)."""
    return b"".join(_joined(texts.items()))


def _joined(items: Iterable[tuple[int, Any]]) -> Iterator[bytes]:
    """The pieces of ``{"<client id>": <text>, ...}``, a few hundred clients at a time."""
    parts: list[Any] = [b"{"]
    sep = b'"'
    for cid, text in items:
        parts += (sep, str(cid).encode("ascii"), b'":', text)
        sep = b',"'
        if len(parts) > 2000:
            yield b"".join(parts)
            parts = []
    parts.append(b"}")
    yield b"".join(parts)


def _owned(store: "Store") -> dict[str, Any]:
    """The repositories of the records a queue file holds, by table."""
    return {"invoices": store.ledger.invoices, "calls": store.calls, "promises": store.promises,
            "payments": store.ledger.payments, "disputes": store.disputes, "escalations": store.escalations}


def _owners(docs: Any) -> list[list[Any]]:
    """``[ids, client ids]`` of a table (from the rows' noted clients: nothing decoded)."""
    pairs = getattr(docs, "client_columns", None)
    if pairs is not None:
        ids, clients = pairs()
        return [ids, clients]
    items = [(int(k), d.get("client_id")) for k, d in docs.items()]
    return [[i for i, _ in items], [c for _, c in items]]


def _next_id(docs: Any) -> int:
    """The id TinyDB gives the next record of a table (the highest plus one)."""
    return max(map(int, docs), default=0) + 1


def book_of(files: list[ClientFile], today: date, policy: Policy, decided_today: dict[int, Any] | None = None) -> Book:
    """A new book of queue files read from the ledger (``Store.queue_files``), with the
    decisions of ``today`` when they are already worked out (a queue built from those
    files); the other days are worked out by :meth:`Book.fill`."""
    book = Book(policy, files={f.client.id: _dump(file_json(f)) for f in files})  # type: ignore[misc]
    if decided_today is not None:
        book.days[today] = dict(decided_today)
    return book


def write(path: "Path", store: "Store", book: Book, today: date) -> bool:
    """Write the summary of the ledger at ``path`` as it is now (raises OSError); False
    for a ledger of the old layout (no tip to write it as of)."""
    tip, chain = store.db.storage.state
    if tip is None:
        return False
    write_summary(path, tip, chain, book.sections(store, today))
    return True


# -- reading it back ----------------------------------------------------------------------------


@dataclass
class Preview:
    """What the summary says about the ledger at open: today's queue, the records of the
    first clients, the settings, for the first screen; and the book to go on from."""

    tip: "Tip"
    #: The running checksum of the ledger's line checksums through :attr:`tip`, as the
    #: summary says it is (with the lines since): a whole read of the ledger must agree.
    chain: int
    summary: Summary
    today: date
    queue: Queue
    decided: dict[int, Any]
    policy: Policy
    #: ``{table: {str(id): doc}}``: the settings and the first clients' records.
    tables: dict[str, dict[str, Any]]
    #: The clients whose every record is in ``tables``.
    clients: frozenset[int]
    counts: dict[str, int]
    next_session: int | None
    book: Book


#: Lines written after the summary's tip that are worth bringing it up to date from;
#: beyond (a big import from the command line), the ledger is read whole.
CATCH_UP_OPS = 2000


def read_preview(path: "Path", now: datetime, *, locale: str = LOCALE, with_clients: bool = True) -> Preview | None:
    """The first screen's data from the summary beside the ledger at ``path``, for ``now``;
    None when the summary cannot say (missing, damaged, of another state of the ledger
    that its later lines cannot bring it to, of another locale): the ledger is read whole
    then. Reads the seal, the ledger's header and last line (and the lines written after
    the summary, if any), and the summary's parts it needs.

    The cyclic collector is paused meanwhile: the day's decisions decoded make no reference
    cycles, and the collections they would set off scan them again and again (on the
    50,000-client benchmark ledger, 0.63-0.72 s with it running, 0.28-0.33 s paused)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _read_preview(path, now, locale=locale, with_clients=with_clients)
    finally:
        if paused:
            gc.enable()


def _read_preview(path: "Path", now: datetime, *, locale: str, with_clients: bool) -> Preview | None:
    try:
        tip = ledger_tip(path)
    except OSError:
        return None
    if tip is None:
        return None
    summary = read_summary(path)
    if summary is None:
        return None
    was = summary.tip
    later: list[dict[str, Any]] = []
    if was != tip:
        if (was.ledger, was.gen) != (tip.ledger, tip.gen) or was.seq > tip.seq:
            return None  # another ledger, or generation (a compaction, repair, restore since)
        try:
            found = lines_after(path, was)
        except OSError:
            return None
        if found is None:
            return None  # the file no longer continues from the summary's tip
        later = found
    try:
        meta = summary.load("meta")
        if meta["locale"] != locale or meta.get("rules") != rules_mark():
            return None  # another locale, or decided by another release's rules
        settings = summary.load("settings")
        today = now.date()
        catch = _CatchUp(summary, meta, settings, today) if later else None
        if catch is not None:
            catch.apply(later)
            settings = catch.settings
        policy = _policy_of(settings)
        book = Book(policy, locale, source=summary)
        if Policy.from_record(meta["policy"]) == policy:
            for day in meta["days"]:
                book.days[date.fromisoformat(day)] = summary.read(f"queue/{day}")
            book.firsts = {date.fromisoformat(d): [int(c) for c in cids] for d, cids in meta["first"].items()}
        if catch is not None and catch.files is not None:
            book.patches = {cid: (None if cid not in catch.files else _dump(catch.files[cid])) for cid in catch.changed}
        decided = book.decoded(today)  # (the book keeps the text: brought up to date without decoding)
        if decided is None:  # another day or policy: worked out from the queue files kept
            decided = book.days[today] = book.decide(today)
            decided = dict(decided)
        if catch is not None and catch.changed:
            book.later = catch.changed  # the other days follow in a worker (Book.settle)
            for cid, cf in catch.changed.items():
                if cf is None:
                    decided.pop(cid, None)
                else:
                    decided[cid] = queue_mod.decide([cf], today, policy, locale=locale)[cid]
        queue = None
        if (catch is None or not catch.changed) and isinstance(book.days.get(today), bytes):
            # The day as the summary keeps it: its order kept too (nothing to sort).
            try:
                order = summary.load(f"order/{today.isoformat()}")
                queue = queue_mod.assemble_in_order(decided, [r[0] for r in order["queued"]],
                                                    [r[0] for r in order["held"]], now, policy)
            except (SummaryDamaged, KeyError, TypeError, IndexError):
                queue = None
        if queue is None:
            queue = queue_mod.assemble(decided.values(), now, policy)
        tables: dict[str, dict[str, Any]] = {"settings": settings}
        clients: set[int] = set()
        where = meta["clients"] if with_clients else {}
        dirty = catch.touched if catch is not None else set()
        for entry in _opening(queue):
            spot = where.get(str(entry.client_id))
            if spot is None or entry.client_id in dirty:
                continue
            for name, docs in _tables_of(summary.load("clients", spot[0], spot[1], spot[2])).items():
                tables.setdefault(name, {}).update(docs)
            clients.add(entry.client_id)
        counts = {k: int(v) for k, v in meta["counts"].items()}
        next_session = meta.get("next_session")
        if catch is not None:
            counts["invoices"] += catch.invoices_added
            next_session = catch.next_session(next_session)
    except (SummaryDamaged, _Stale, KeyError, ValueError, TypeError, IndexError, AttributeError):
        return None
    chain = summary.chain
    for line in later:
        chain = chain_crc(chain, int(line["crc"], 16))
    return Preview(tip, chain, summary, today, queue, decided, policy, tables, frozenset(clients), counts,
                   next_session if type(next_session) is int else None, book)


class _Stale(Exception):
    """The lines written after the summary do something it cannot follow: read the ledger whole."""


class _CatchUp:
    """The summary brought up to date with the lines written after its tip (by a command,
    a session that stopped before writing it): the settings, and the queue files of the
    clients those lines touched (each client's open invoices, its promises, disputes,
    escalation routes and payments, and of its calls the three the queue reads). What it cannot follow (a call
    the queue reads removed or moved back, an invoice opened for a client the summary kept
    nothing else of, a table cleared) is :class:`_Stale`."""

    _QUEUE_TABLES = frozenset({"clients", "invoices", "calls", "promises", "payments", "disputes", "escalations"})

    def __init__(self, summary: Summary, meta: dict[str, Any], settings: dict[str, Any], today: date) -> None:
        self.summary = summary
        self.settings = dict(settings)
        self.files: dict[int, dict[str, Any]] | None = None
        self.owners: dict[str, dict[int, int | None]] | None = None
        self.changed: dict[int, ClientFile | None] = {}
        self.touched: set[int] = set()  # clients whose records changed (their whole file in the summary is old)
        self.invoices_added = 0
        self._sessions: list[tuple[str, int]] = []
        self._dirty: set[int] = set()

    def _load(self) -> None:
        if self.files is None:
            self.files = {int(k): v for k, v in self.summary.load("files").items()}
            self.owners = {t: dict(zip(ids, clients)) for t, (ids, clients) in self.summary.load("owners").items()}

    def apply(self, lines: list[dict[str, Any]]) -> None:
        ops = [op for line in lines for op in (line.get("tx") or ())]
        if len(ops) > CATCH_UP_OPS:
            raise _Stale("too many changes since")
        for op in ops:
            table = op["t"]
            if "clear" in op:
                if table in self._QUEUE_TABLES or table in ("settings", "plans", "sessions"):
                    raise _Stale(f"table {table} cleared")
                continue
            if table == "settings":
                if "put" in op:
                    self.settings[str(op["put"])] = op["doc"]
                else:
                    self.settings.pop(str(op["del"]), None)
            elif table == "sessions":
                self._sessions.append(("put" if "put" in op else "del", op.get("put", op.get("del"))))
            elif table == "plans":
                cid = op.get("doc", {}).get("client_id") if "put" in op else None
                if cid is None:
                    raise _Stale("a plan removed")  # its client is not known here
                self.touched.add(cid)
            elif table in self._QUEUE_TABLES:
                self._load()
                if table == "clients":
                    self._client(op)
                else:
                    self._record(table, op)
        assert self.files is not None or not self._dirty
        for cid in self._dirty:
            assert self.files is not None
            value = self.files.get(cid)
            self.changed[cid] = None if value is None else _queue_file_of(value)
        self.touched |= self._dirty

    def _client(self, op: dict[str, Any]) -> None:
        assert self.files is not None
        cid = op.get("put", op.get("del"))
        if "put" in op:
            found = self.files.get(cid)
            if found is None:
                self.files[cid] = {"client": [cid, op["doc"]]}
            else:
                found["client"] = [cid, op["doc"]]
        else:
            self.files.pop(cid, None)
        self._dirty.add(cid)

    def _record(self, table: str, op: dict[str, Any]) -> None:
        from ..store.repo import _latest_calls, converter  # here: a queue with nothing to catch up never loads it

        assert self.files is not None and self.owners is not None
        owners = self.owners.setdefault(table, {})
        doc_id = op.get("put", op.get("del"))
        was = owners.get(doc_id)
        doc = op.get("doc")
        now = doc.get("client_id") if doc is not None else None
        if was is not None and was != now:  # removed from a client, or moved to another
            self._drop(table, was, doc_id)
        if doc is None:
            owners.pop(doc_id, None)
            if table == "invoices" and was is not None:
                self.invoices_added -= 1
            return
        if table == "invoices" and doc_id not in owners:
            self.invoices_added += 1
        owners[doc_id] = now
        if now is None:
            return
        self._dirty.add(now)
        value = self.files.get(now)
        if value is None:
            raise _Stale(f"a record of client #{now}, not in the summary")
        rows = value.setdefault(table, [])
        at = next((n for n, (i, _) in enumerate(rows) if i == doc_id), None)
        tracked = bool(value.get("invoices"))  # the summary keeps a client's records only while something is open
        if table == "invoices":
            opened = doc.get("status", "open") == "open" and converter(Invoice)(doc, doc_id).is_open
            if at is not None:
                if opened:
                    rows[at] = [doc_id, doc]
                else:
                    del rows[at]
            elif opened:
                if not tracked:
                    raise _Stale(f"an invoice opened for client #{now}")
                rows.append([doc_id, doc])
        elif table == "calls":
            if not tracked:
                return
            if at is not None:
                old = rows[at][1]
                if (old.get("at"), old.get("result")) != (doc.get("at"), doc.get("result")):
                    raise _Stale("a call the queue reads changed its time or result")
                rows[at] = [doc_id, doc]
            elif was is not None:
                raise _Stale("an older call changed")
            else:
                seen = [(i, d) for i, d in rows] + [(doc_id, doc)]
                docs = dict(seen)
                value[table] = [[c.id, docs[c.id]] for c in _latest_calls(seen, converter(Call))]  # oldest first
        elif tracked:
            if at is not None:
                rows[at] = [doc_id, doc]
            else:
                rows.append([doc_id, doc])

    def _drop(self, table: str, client: int, doc_id: int) -> None:
        assert self.files is not None
        self._dirty.add(client)
        value = self.files.get(client)
        rows = value.get(table) if value is not None else None
        if not rows:
            return
        at = next((n for n, (i, _) in enumerate(rows) if i == doc_id), None)
        if at is None:
            return
        if table == "calls":
            raise _Stale("a call the queue reads was removed")
        del rows[at]

    def next_session(self, known: Any) -> int | None:
        """The id the ledger gives the next session, after the later lines."""
        n = known if type(known) is int else None
        for kind, doc_id in self._sessions:
            if kind == "del" or n is None:
                return None
            n = max(n, doc_id + 1)
        return n


def _queue_file_of(value: dict[str, Any]) -> ClientFile:
    """A queue file as :meth:`Store.queue_files` gives it: with nothing open, the client alone."""
    cf = file_from_json(value)
    if not cf.invoices:
        return ClientFile(client=cf.client)
    return cf


def _opening(queue: Queue) -> list[Any]:
    """The entries the first screen may show: the first of the queue, and the two after."""
    return queue.entries[:3]


def queue_of(path: "Path", now: datetime) -> Queue | None:
    """Today's queue from the summary (``callroom queue``), or None when it cannot say. Every
    line of the ledger is checked first, without decoding it (``lookup.chain_to``: each
    line's checksum and sequence number, ~30 ms for 47 MB), and must chain to what the
    summary says: a changed byte anywhere, or a ledger changed by hand with its checksums
    made again, is read whole (and refused if damaged) as before."""
    found = read_preview(path, now, with_clients=False)
    if found is None:
        return None
    try:
        if chain_to(path, found.tip) != found.chain:
            return None
    except OSError:
        return None
    return found.queue

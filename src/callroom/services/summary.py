"""The queue summary: what the first screen and ``callroom queue`` need, kept beside the
ledger so that neither has to read the whole ledger first.

As of one state of the ledger (its tip) it holds:

* ``queue/<day>``: each client's place in the queue on that day (what
  :func:`callroom.domain.queue.decide` works out; the local times are worked out at
  open), for the day it was written and the next :data:`AHEAD` days: the morning after a
  session finds its day there;
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

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Iterable

from ..domain import queue as queue_mod
from ..domain.models import Call, Client, ClientFile, Dispute, Invoice, Payment, Plan, Promise
from ..domain.policy import Policy
from ..domain.queue import Queue
from ..store.repo import converter, record_of
from ..store.summary import Summary, SummaryDamaged, ledger_tip, read_summary, write_summary
from ..store.format import decode_json, encode

if TYPE_CHECKING:
    from pathlib import Path

    from ..store.format import Tip
    from ..store.repo import Store

#: Days after the one it is written on that a summary holds the queue of.
AHEAD = 4
#: Of each day, the best placed clients of each time zone whose records are kept (the
#: first client at open is the best placed of those within their calling hours).
FIRST_PER_ZONE = 2
#: The locale the queue's texts are written in.
LOCALE = "en_US"

#: The parts of a queue file, the model of each, and the table they are stored in.
_PARTS = (("invoices", Invoice), ("calls", Call), ("promises", Promise), ("disputes", Dispute), ("payments", Payment))
#: The parts of a client's whole file (``Store.client_file``), in the order of its fields.
_WHOLE = (("invoices", Invoice), ("calls", Call), ("promises", Promise), ("plans", Plan), ("disputes", Dispute),
          ("payments", Payment))

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
    out: dict[str, Any] = {"client": [cf.client.id, record_of(cf.client)]}
    for name, _ in parts:
        rows = getattr(cf, name)
        if rows:
            out[name] = [[r.id, record_of(r)] for r in rows]
    return out


def file_from_json(value: dict[str, Any], parts=_PARTS) -> ClientFile:
    """The :class:`ClientFile` of :func:`file_json` (raises on anything else)."""
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
        if type(d) is queue_mod.Held:
            continue
        cid, name, tier, _why, sc, _stage, _days, _owed, zone = d
        by_zone.setdefault(zone, []).append((tier, -sc, name.lower(), name, cid))
    out: list[int] = []
    for rows in by_zone.values():
        rows.sort()
        out += [r[-1] for r in rows[:FIRST_PER_ZONE]]
    return out


@dataclass
class Book:
    """A summary being made or brought up to date: the days' decisions (decoded, or as
    read from the summary), and the queue files (read from the summary when needed)."""

    policy: Policy
    locale: str = LOCALE
    #: Decisions by day: decoded (``{client id: decision}``) or the JSON text as read.
    days: dict[date, dict[int, Any] | bytes] = field(default_factory=dict)
    #: Each client's queue file as JSON text, when made in this process (else in ``source``).
    files: dict[int, bytes] | None = None
    #: The summary this was read from (its ``files`` section, until ``files`` is set).
    source: Summary | None = None

    def decided(self, day: date) -> dict[int, Any] | None:
        got = self.days.get(day)
        if got is None:
            return None
        if isinstance(got, bytes):
            got = self.days[day] = queue_mod.decisions_from_json(_undump(got))
        return got

    def file_texts(self) -> dict[int, bytes]:
        """Every client's queue file as JSON text (read from the summary the first time)."""
        if self.files is None:
            assert self.source is not None
            raw = self.source.load("files")
            self.files = {int(k): _dump(v) for k, v in raw.items()}
        return self.files

    def queue_files(self) -> list[ClientFile]:
        return [file_from_json(_undump(t)) for t in self.file_texts().values()]

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
        files = files if files is not None else self.queue_files()
        for day in missing:
            self.days[day] = queue_mod.decide(files, day, self.policy, locale=self.locale)

    def update(self, changed: dict[int, ClientFile | None]) -> None:
        """Bring the clients in ``changed`` up to date (None: no longer stored) on every day."""
        if not changed:
            return
        texts = self.file_texts()
        for cid, cf in changed.items():
            if cf is None:
                texts.pop(cid, None)
            else:
                texts[cid] = _dump(file_json(cf))
        for day in list(self.days):
            decided = self.decided(day)
            assert decided is not None
            for cid, cf in changed.items():
                if cf is None:
                    decided.pop(cid, None)
                else:
                    decided[cid] = queue_mod.decide([cf], day, self.policy, locale=self.locale)[cid]

    def sections(self, store: "Store", today: date) -> dict[str, bytes]:
        """The summary's sections, with the records of the first clients read from ``store``."""
        days = {d: self.decided(d) for d in sorted(self.days) if d >= today}
        first: list[int] = []
        seen: set[int] = set()
        for decided in days.values():
            assert decided is not None
            for cid in _first_clients(decided.values()):
                if cid not in seen:
                    seen.add(cid)
                    first.append(cid)
        clients = bytearray()
        where: dict[str, list[int]] = {}
        for cid in first:
            try:
                text = _dump(file_json(store.client_file(cid), _WHOLE))
            except LookupError:
                continue
            where[str(cid)] = [len(clients), len(text)]
            clients += text
        settings = {k: v for k, v in store.settings.table._read_table().items()}
        meta = {
            "policy": self.policy.to_record(),
            "locale": self.locale,
            "days": [d.isoformat() for d in days],
            "clients": where,
            "counts": {"clients": store.clients.count(), "invoices": store.ledger.invoices.count()},
            "next_session": _next_id(store.sessions.docs()),
        }
        out = {"meta": _dump(meta), "settings": _dump(settings)}
        for d, decided in days.items():
            assert decided is not None
            out[f"queue/{d.isoformat()}"] = _dump([queue_mod.decision_json(x) for x in decided.values()])
        out["clients"] = bytes(clients)
        out["files"] = b"{" + b",".join(b'"%d":%s' % (cid, t) for cid, t in self.file_texts().items()) + b"}"
        return out


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


def write(path: "Path", tip: "Tip", book: Book, store: "Store", today: date) -> None:
    """Write the summary of the ledger at ``path`` as of ``tip`` (raises OSError)."""
    write_summary(path, tip, book.sections(store, today))


# -- reading it back ----------------------------------------------------------------------------


def _policy_of(settings: dict[str, Any]) -> Policy:
    """The policy the ledger's settings hold (what ``Settings.policy`` gives)."""
    doc = next(iter(settings.values()), None)
    rec = doc.get("policy") if isinstance(doc, dict) else None
    return Policy.from_record(rec)


@dataclass
class Preview:
    """What the summary says about the ledger at open: today's queue, the records of the
    first clients, the settings, for the first screen; and the book to go on from."""

    tip: "Tip"
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


def read_preview(path: "Path", now: datetime, *, locale: str = LOCALE, with_clients: bool = True) -> Preview | None:
    """The first screen's data from the summary beside the ledger at ``path``, for ``now``;
    None when the summary cannot say (missing, damaged, of another state of the ledger,
    of another policy or locale): the ledger is read whole then. Reads the seal, the
    ledger's header and last line, and the summary's parts it needs."""
    try:
        tip = ledger_tip(path)
    except OSError:
        return None
    if tip is None:
        return None
    summary = read_summary(path)
    if summary is None or summary.tip != tip:
        return None
    try:
        meta = summary.load("meta")
        settings = summary.load("settings")
        policy = _policy_of(settings)
        if Policy.from_record(meta["policy"]) != policy or meta["locale"] != locale:
            return None
        today = now.date()
        book = Book(policy, locale, source=summary)
        for day in meta["days"]:
            book.days[date.fromisoformat(day)] = summary.read(f"queue/{day}")
        decided = book.decided(today)
        if decided is None:  # another day: worked out from the queue files kept
            decided = book.days[today] = queue_mod.decide(book.queue_files(), today, policy, locale=locale)
        queue = queue_mod.assemble(decided.values(), now, policy)
        tables: dict[str, dict[str, Any]] = {"settings": settings}
        clients: set[int] = set()
        where = meta["clients"] if with_clients else {}
        for entry in _opening(queue):
            spot = where.get(str(entry.client_id))
            if spot is None:
                continue
            for name, docs in _tables_of(summary.load("clients", spot[0], spot[1])).items():
                tables.setdefault(name, {}).update(docs)
            clients.add(entry.client_id)
        counts = {k: int(v) for k, v in meta["counts"].items()}
        next_session = meta.get("next_session")
    except (SummaryDamaged, KeyError, ValueError, TypeError, IndexError, AttributeError):
        return None
    return Preview(tip, summary, today, queue, decided, policy, tables, frozenset(clients), counts,
                   next_session if type(next_session) is int else None, book)


def _opening(queue: Queue) -> list[Any]:
    """The entries the first screen may show: the first of the queue, and the two after."""
    return queue.entries[:3]


def queue_of(path: "Path", now: datetime) -> Queue | None:
    """Today's queue from the summary alone (``callroom queue``), or None when it cannot say."""
    found = read_preview(path, now, with_clients=False)
    return None if found is None else found.queue

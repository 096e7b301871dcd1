"""The repository API the UI, CLI and importers call. The only place that knows tables.

Every table keeps an in-memory index by client so that the queries the app makes
(one client's invoices, calls, promises) touch a small part of the data.
Writes go through TinyDB's Table API; with the journal storage underneath, one
write appends one fsync'd line, and ``transaction()`` makes several writes one line.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager, nullcontext
from dataclasses import fields, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable, Generic, Iterator, Mapping, TypeVar

from tinydb import TinyDB

from ..domain.codes import Result
from ..domain.models import (
    Call,
    Client,
    ClientFile,
    Dispute,
    Invoice,
    Payment,
    Plan,
    Promise,
    Record,
    Session,
    _d,
    _dec,
    _dt,
    normalise_name,
)
from ..domain.policy import Policy

T = TypeVar("T", bound=Record)


def _copy(value: Any) -> Any:
    """Deep copy of JSON data: a model never shares a nested dict or list with the live store."""
    t = type(value)
    if t is dict:
        return {k: (v if type(v) not in (dict, list) else _copy(v)) for k, v in value.items()}
    if t is list:
        return [v if type(v) not in (dict, list) else _copy(v) for v in value]
    return value


def _to_tuple(value: Any) -> tuple:
    t = tuple(value)
    for x in t:
        if type(x) is dict or type(x) is list:
            return tuple(_copy(y) for y in t)
    return t


def _enum(cls: type) -> Callable[[Any], Any]:
    members = cls._value2member_map_  # type: ignore[attr-defined]

    def convert(value: Any) -> Any:
        try:
            return members[value]
        except (KeyError, TypeError):
            return cls(value)  # what from_record does: the same member, or the same error

    return convert


def converter(cls: type[T]) -> Callable[[Mapping[str, Any], Any], T]:
    """``cls.from_record`` for a stored document read in place.

    The same model as ``cls.from_record(doc, id)``, field by field, but the conversion of
    each field is worked out once per class, and the document is not copied first (TinyDB
    copies every document it hands out): only nested dicts and lists are, so nothing
    handed out shares them with the store. About twice as fast as a TinyDB read and
    ``from_record``; the queue and every client's file are made of these.
    """
    conv = _CONVERTERS.get(cls)
    if conv is not None:
        return conv
    if getattr(cls.from_record, "__func__", None) is not Record.from_record.__func__:  # type: ignore[attr-defined]
        def conv(doc: Mapping[str, Any], id: Any) -> T:  # a model with its own from_record: use it
            return cls.from_record(_copy(dict(doc)), id)  # type: ignore[return-value]
    else:
        plan: dict[str, Callable[[Any], Any] | None] = {}  # None: kept as stored (nested values copied)
        for f in fields(cls):  # type: ignore[arg-type]
            k = f.name
            if k == "id":
                continue
            # the same order of precedence as Record.from_record
            if k in cls._dates:
                plan[k] = _d
            elif k in cls._datetimes:
                plan[k] = _dt
            elif k in cls._decimals:
                plan[k] = _dec
            elif k in cls._tuples:
                plan[k] = _to_tuple
            elif k in cls._enums:
                plan[k] = _enum(cls._enums[k])
            else:
                plan[k] = None
        get = plan.get

        def conv(doc: Mapping[str, Any], id: Any) -> T:
            kwargs = {}
            for k, v in doc.items():
                f = get(k, _NOT_A_FIELD)
                if f is None:
                    kwargs[k] = v if type(v) is not dict and type(v) is not list else _copy(v)
                elif f is not _NOT_A_FIELD:  # a stored key the model does not have is left out
                    kwargs[k] = None if v is None else f(v)
            return cls(id=id, **kwargs)  # type: ignore[call-arg]

    _CONVERTERS[cls] = conv
    return conv


_CONVERTERS: dict[type, Callable[[Mapping[str, Any], Any], Any]] = {}
_NOT_A_FIELD: Any = object()


def _stored_dict(v: dict) -> dict:
    return {k: (str(x) if isinstance(x, (Decimal, date)) else x) for k, x in v.items()}


def record_of(item: Record) -> dict[str, Any]:
    """``item.to_record()``, with the conversion of each field worked out once per class
    (``to_record`` looks the fields up again for every record: most of an import's time
    spent making records)."""
    cls = type(item)
    plan = _RECORDERS.get(cls)
    if plan is None:
        if getattr(cls.to_record, "__code__", None) is not Record.to_record.__code__:
            return item.to_record()  # a model with its own to_record
        plan = []
        for f in fields(cls):  # type: ignore[arg-type]
            k = f.name
            if k == "id":
                continue
            # the same order of precedence as Record.to_record
            if k in cls._dates or k in cls._datetimes:
                plan.append((k, _isoformat))
            elif k in cls._decimals:
                plan.append((k, str))
            elif k in cls._tuples:
                plan.append((k, list))
            elif k in cls._enums:
                plan.append((k, _value))
            else:
                plan.append((k, None))
        _RECORDERS[cls] = plan
    out: dict[str, Any] = {}
    for k, conv in plan:
        v = getattr(item, k)
        if v is None:
            out[k] = None
        elif conv is not None:
            out[k] = conv(v)
        elif isinstance(v, dict):
            out[k] = _stored_dict(v)
        else:
            out[k] = v
    return out


def _isoformat(v: Any) -> str:
    return v.isoformat()


def _value(v: Any) -> Any:
    return v.value


_RECORDERS: dict[type, list[tuple[str, Callable[[Any], Any] | None]]] = {}
_RESULT = _enum(Result)


class NotFound(LookupError):
    pass


class Ambiguous(LookupError):
    def __init__(self, text: str, matches: list[Client]):
        names = ", ".join(f"{c.name} (#{c.id})" for c in matches[:8])
        more = f" and {len(matches) - 8} more" if len(matches) > 8 else ""
        super().__init__(f"{text!r} matches {len(matches)} clients: {names}{more}. Type more of the name, or use the #id.")
        self.matches = matches


class _Repo(Generic[T]):
    """One table of records of one type, indexed by client_id."""

    def __init__(self, store: "Store", name: str, cls: type[T]):
        self._store = store
        self.table = store.db.table(name, cache_size=0)
        self.cls = cls
        self._to = converter(cls)
        self._by_client: dict[int, list[int]] | None = None

    def docs(self) -> Mapping[str, Mapping[str, Any]]:
        """The stored documents by id (as text), read in place: look, never change.
        (With the journal storage this is the live data; stock TinyDB reads its file.)"""
        return self.table._read_table()

    def _index(self) -> dict[int, list[int]]:
        if self._by_client is None:
            idx: dict[int, list[int]] = defaultdict(list)
            for key, doc in self.docs().items():
                cid = doc.get("client_id")
                if cid is not None:
                    idx[cid].append(int(key))
            self._by_client = idx
        return self._by_client

    def ids_for_client(self, client_id: int) -> list[int]:
        return self._index().get(client_id, [])

    def get(self, id: int) -> T:
        doc = self.docs().get(str(id))
        if doc is None:
            raise NotFound(f"no {self.cls.__name__.lower()} #{id}")
        return self._to(doc, id)

    def all(self) -> list[T]:
        to = self._to
        return [to(doc, int(key)) for key, doc in self.docs().items()]

    def for_client(self, client_id: int) -> list[T]:
        ids = self._index().get(client_id)
        if not ids:
            return []
        docs, to = self.docs(), self._to
        out = []
        for i in ids:
            doc = docs.get(str(i))
            if doc is not None:
                out.append(to(doc, i))
        return out

    def add(self, item: T) -> T:
        self._store._check_writable()
        doc_id = self.table.insert(item.to_record())
        rec = getattr(item, "client_id", None)
        if rec is not None and self._by_client is not None:
            self._by_client[rec].append(doc_id)
        return replace(item, id=doc_id)  # type: ignore[type-var]

    def save(self, item: T) -> T:
        self._store._check_writable()
        if item.id is None:  # type: ignore[attr-defined]
            return self.add(item)
        self.table.update(item.to_record(), doc_ids=[item.id])  # type: ignore[attr-defined]
        return item

    def add_records(self, records: list[dict[str, Any]]) -> list[int]:
        """Store new records (``to_record()`` dicts) in one write; their ids, in order: the
        ids one ``add`` each would have given. For imports: 40,000 adds one by one spend
        most of their time encoding and journaling each write on its own."""
        self._store._check_writable()
        if not records:
            return []
        ids = self.table.insert_multiple(records)
        if self._by_client is not None:
            for rec, doc_id in zip(records, ids):
                cid = rec.get("client_id")
                if cid is not None:
                    self._by_client[cid].append(doc_id)
        return ids

    def save_records(self, records: list[tuple[int, dict[str, Any]]]) -> None:
        """``save`` of each ``(id, to_record())`` pair, in order, as one write."""
        self._store._check_writable()
        if not records:
            return

        def updater(table) -> None:  # what Table.update(fields, doc_ids=[id]) does, for each pair
            for doc_id, rec in records:
                table[doc_id].update(rec)

        self.table._update_table(updater)

    def remove(self, id: int) -> None:
        self._store._check_writable()
        doc = self.docs().get(str(id))
        if doc is None:
            return
        self.table.remove(doc_ids=[id])
        cid = doc.get("client_id")
        if cid is not None and self._by_client is not None and id in self._by_client.get(cid, []):
            self._by_client[cid].remove(id)

    def count(self) -> int:
        return len(self.table)


class Clients(_Repo[Client]):
    def __init__(self, store: "Store"):
        super().__init__(store, "clients", Client)

    def find(self, text: str) -> Client:
        """A client by '#id', id, exact name, unique name prefix or unique word prefix."""
        t = text.strip()
        if not t:
            raise NotFound("no client given")
        digits = t[1:] if t.startswith("#") else t
        if digits.isdigit():
            try:
                return self.get(int(digits))
            except NotFound:
                if t.startswith("#"):
                    raise NotFound(f"no client #{digits}") from None
        key = normalise_name(t)
        everyone = self.all()
        exact = [c for c in everyone if c.key == key or c.name.lower() == t.lower()]
        if len(exact) == 1:
            return exact[0]
        pref = [c for c in everyone if c.key.startswith(key) or c.name.lower().startswith(t.lower())] if key else []
        if len(pref) == 1:
            return pref[0]
        if len(pref) > 1:
            raise Ambiguous(t, pref)
        words = [c for c in everyone if key and any(w.startswith(key) for w in c.key.split())]
        if len(words) == 1:
            return words[0]
        if len(words) > 1:
            raise Ambiguous(t, words)
        raise NotFound(f"no client matches {t!r}. `callroom clients` lists them.")

    def by_key(self) -> dict[str, Client]:
        return {c.key: c for c in self.all()}


class Ledger:
    """Invoices and payments."""

    def __init__(self, store: "Store"):
        self.invoices = _Repo(store, "invoices", Invoice)
        self.payments = _Repo(store, "payments", Payment)

    def open_invoices(self, client_id: int) -> list[Invoice]:
        return [i for i in self.invoices.for_client(client_id) if i.is_open]

    def all_invoices(self) -> list[Invoice]:
        return self.invoices.all()


class Calls(_Repo[Call]):
    def __init__(self, store: "Store"):
        super().__init__(store, "calls", Call)

    def record(
        self,
        call: Call,
        *,
        promises: list[Promise] = (),  # type: ignore[assignment]
        plan: Plan | None = None,
        dispute: Dispute | None = None,
        payment: Payment | None = None,
    ) -> Call:
        """Store a call and what it agreed as one durable write: on disk when this returns."""
        s = self._store
        with s.transaction():
            saved = self.add(call)
            links: dict[str, list[int] | int] = {}
            if plan is not None:
                p = s.plans.add(replace(plan, call_id=saved.id))
                links["plan"] = p.id  # type: ignore[assignment]
                promises = [replace(pr, plan_id=p.id) for pr in promises]
            if promises:
                links["promises"] = [s.promises.add(replace(pr, call_id=saved.id)).id for pr in promises]  # type: ignore[misc]
            if dispute is not None:
                links["dispute"] = s.disputes.add(replace(dispute, call_id=saved.id)).id  # type: ignore[assignment]
            if payment is not None:
                links["payment"] = s.ledger.payments.add(payment).id  # type: ignore[assignment]
            if links:
                details = dict(saved.details)
                details["links"] = links
                saved = s.calls.save(replace(saved, details=details))
        return saved

    def undo(self, call_id: int) -> Call:
        """Remove a call and everything it created, as one durable write."""
        s = self._store
        call = self.get(call_id)
        links = call.details.get("links", {})
        with s.transaction():
            for pid in links.get("promises", []):
                s.promises.remove(pid)
            if "plan" in links:
                s.plans.remove(links["plan"])
            if "dispute" in links:
                s.disputes.remove(links["dispute"])
            if "payment" in links:
                s.ledger.payments.remove(links["payment"])
            self.remove(call_id)
        return call


class Sessions(_Repo[Session]):
    def __init__(self, store: "Store"):
        super().__init__(store, "sessions", Session)

    def start(self, started: datetime, as_of: date, minutes: int, planned: int) -> Session:
        return self.add(Session(None, started=started, as_of=as_of, minutes=minutes, planned=planned))

    def end(self, session: Session, ended: datetime) -> Session:
        return self.save(replace(session, ended=ended))


class Settings:
    """Small key/value settings: policy, business name, default currency, locale."""

    def __init__(self, store: "Store"):
        self._store = store
        self.table = store.db.table("settings", cache_size=0)
        self._policy: Policy | None = None
        self._policy_rec: Any = None  # a copy of the stored policy that _policy was read from

    def _stored(self) -> Mapping[str, Any] | None:
        """The settings document as stored (the first one), read in place: never changed."""
        return next(iter(self.table._read_table().values()), None)

    def _doc(self) -> dict:
        doc = self._stored()
        return _copy(dict(doc)) if doc is not None else {}

    def get(self, key: str, default=None):
        doc = self._stored()
        if doc is None:
            return default
        value = doc.get(key, default)
        return _copy(value) if type(value) is dict or type(value) is list else value

    def set(self, **values) -> None:
        self._store._check_writable()
        docs = self.table.all()
        if docs:
            self.table.update(values, doc_ids=[docs[0].doc_id])
        else:
            self.table.insert(values)

    @property
    def policy(self) -> Policy:
        # Read often (several times a keypress, once per client in some loops): the Policy
        # is made again only when the stored one differs from what it was made from.
        doc = self._stored()
        rec = doc.get("policy") if doc is not None else None
        if self._policy is None or rec != self._policy_rec:
            self._policy = Policy.from_record(_copy(rec))
            self._policy_rec = _copy(rec)
        return self._policy

    def set_policy(self, policy: Policy) -> None:
        policy.validate()
        self.set(policy=policy.to_record())

    @property
    def default_currency(self) -> str:
        return self.get("currency", "USD")

    @property
    def business(self) -> str:
        return self.get("business", "")

    @property
    def caller(self) -> str:
        return self.get("caller", "")


class ReadOnly(PermissionError):
    pass


class Store:
    """The owner's ledger. Open with ``callroom.store.open_store``."""

    def __init__(self, db: TinyDB, *, path=None, read_only: bool = False, transaction: Callable | None = None):
        self.db = db
        self.path = path
        self.read_only = read_only
        self._transaction = transaction
        self.clients = Clients(self)
        self.ledger = Ledger(self)
        self.calls = Calls(self)
        self.promises = _Repo(self, "promises", Promise)
        self.plans = _Repo(self, "plans", Plan)
        self.disputes = _Repo(self, "disputes", Dispute)
        self.sessions = Sessions(self)
        self.settings = Settings(self)

    def _check_writable(self) -> None:
        if self.read_only:
            raise ReadOnly(f"{self.path or 'this ledger'} is open read-only; nothing was stored.")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Several writes as one: all on disk together, or none."""
        ctx = self._transaction() if self._transaction else nullcontext()
        try:
            with ctx:
                yield
        except BaseException:
            self._drop_indexes()
            raise

    def _drop_indexes(self) -> None:
        for r in (self.clients, self.ledger.invoices, self.ledger.payments, self.calls, self.promises, self.plans, self.disputes, self.sessions):
            r._by_client = None

    def client_file(self, client_id: int) -> ClientFile:
        return ClientFile(
            client=self.clients.get(client_id),
            invoices=tuple(self.ledger.invoices.for_client(client_id)),
            calls=tuple(sorted(self.calls.for_client(client_id), key=lambda c: c.at)),
            promises=tuple(self.promises.for_client(client_id)),
            plans=tuple(self.plans.for_client(client_id)),
            disputes=tuple(self.disputes.for_client(client_id)),
            payments=tuple(self.ledger.payments.for_client(client_id)),
        )

    def client_files(self) -> list[ClientFile]:
        return [self.client_file(c.id) for c in self.clients.all()]  # type: ignore[arg-type]

    def queue_files(self) -> list[ClientFile]:
        """Every client's file cut down to what ``domain.queue.build`` reads, for today's queue.

        ``build`` over these gives the same queue as over ``client_files()`` (tests/test_bench.py
        checks it on a generated ledger), about five times faster: a client with nothing open
        gets an empty file; the others their open invoices, promises, payments and disputes,
        no plans, and of their calls only the three the queue looks at: the latest, the
        latest reached and the latest not skipped (on equal times, the first stored, which is
        the one ``max`` picks from the files' calls sorted by time).
        """
        clients, calls, invoices = self.clients, self.calls, self.ledger.invoices
        inv_docs, inv_index, to_inv = invoices.docs(), invoices._index(), invoices._to
        out = []
        for key, doc in clients.docs().items():
            cid = int(key)
            client = clients._to(doc, cid)
            # Only an invoice stored as open can be open (is_open decides, on the model).
            maybe = [to_inv(d, i) for i in inv_index.get(cid, ()) if (d := inv_docs.get(str(i))) is not None
                     and d.get("status", "open") == "open"]
            open_invoices = tuple(i for i in maybe if i.is_open)
            if not open_invoices:
                out.append(ClientFile(client=client))
                continue
            out.append(ClientFile(
                client=client,
                invoices=open_invoices,
                calls=self._queue_calls(cid),
                promises=tuple(self.promises.for_client(cid)),
                disputes=tuple(self.disputes.for_client(cid)),
                payments=tuple(self.ledger.payments.for_client(cid)),
            ))
        return out

    def _queue_calls(self, client_id: int) -> tuple[Call, ...]:
        calls = self.calls
        ids = calls.ids_for_client(client_id)
        if not ids:
            return ()
        docs = calls.docs()
        result = _RESULT
        best: list = [None, None, None]  # (at, position, id, doc): latest, latest reached, latest not skipped
        try:
            for pos, i in enumerate(ids):
                d = docs.get(str(i))
                if d is None:
                    continue
                at = _dt(d["at"])
                r = result(d["result"])
                c = (at, pos, i, d)
                if best[0] is None or at > best[0][0]:
                    best[0] = c
                if r is Result.REACHED and (best[1] is None or at > best[1][0]):
                    best[1] = c
                if r is not Result.SKIPPED and (best[2] is None or at > best[2][0]):
                    best[2] = c
        except Exception:  # a call the models cannot read: load them all, as client_file does (and fail the same way)
            return tuple(sorted(calls.for_client(client_id), key=lambda c: c.at))
        chosen = sorted({c[2]: c for c in best if c is not None}.values(), key=lambda c: (c[0], c[1]))
        return tuple(calls._to(c[3], c[2]) for c in chosen)

    def is_empty(self) -> bool:
        return self.ledger.invoices.count() == 0

    def close(self) -> None:
        self.db.close()

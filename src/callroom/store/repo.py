"""The repository API the UI, CLI and importers call. The only place that knows tables.

Every table keeps an in-memory index by client so that the queries the app makes
(one client's invoices, calls, promises) touch a small part of the data.
Writes go through TinyDB's Table API; with the journal storage underneath, one
write appends one fsync'd line, and ``transaction()`` makes several writes one line.
"""

from __future__ import annotations

import base64
import gc
from collections import defaultdict
from contextlib import contextmanager, nullcontext
from dataclasses import MISSING, fields, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from keyword import iskeyword
from typing import Any, Callable, Generic, Iterable, Iterator, Mapping, TypeVar

from tinydb import TinyDB

from ..domain.codes import Result
from ..domain.models import (
    Call,
    Client,
    ClientFile,
    Dispute,
    Escalation,
    Invoice,
    Payment,
    Plan,
    Promise,
    Record,
    Session,
    Written,
    _d,
    _dec,
    _dt,
    normalise_name,
)
from ..domain.policy import Policy
from ..domain.profile import Logo, Profile
from .format import copy_json
from .tinydb_glue import FastTable

T = TypeVar("T", bound=Record)


#: Deep copy of JSON data: a model never shares a nested dict or list with the live store.
_copy = copy_json


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
    handed out shares them with the store. The queue and every client's file are made of
    these: a generated function per class (see :func:`_compiled`) makes each model in
    about a quarter of the time ``from_record`` takes.
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

        def plain(doc: Mapping[str, Any], id: Any) -> T:
            kwargs = {}
            for k, v in doc.items():
                f = get(k, _NOT_A_FIELD)
                if f is None:
                    kwargs[k] = v if type(v) is not dict and type(v) is not list else _copy(v)
                elif f is not _NOT_A_FIELD:  # a stored key the model does not have is left out
                    kwargs[k] = None if v is None else f(v)
            return cls(id=id, **kwargs)  # type: ignore[call-arg]

        conv = _compiled(cls, plan, plain) or plain

    _CONVERTERS[cls] = conv
    return conv


def _compiled(cls: type, plan: dict[str, Callable[[Any], Any] | None], plain: Callable) -> Callable | None:
    """A generated converter for ``cls``: what ``plain`` makes, without the per-field loop
    and without the frozen dataclass ``__init__`` (one ``object.__setattr__`` a field).

    The model is made as ``__init__`` would make it (every field in order, the stored
    value converted or the field's default, then ``__post_init__``) and filled in
    directly. A document missing a required field goes to ``plain``, which fails as
    ``from_record`` does. None for a class this cannot stand in for (a hand-written
    ``__init__``, fields not set by ``__init__``): ``plain`` is used then.
    """
    params = getattr(cls, "__dataclass_params__", None)
    init = cls.__dict__.get("__init__")
    if params is None or not params.init or getattr(getattr(init, "__code__", None), "co_filename", "") != "<string>":
        return None
    flds = fields(cls)  # type: ignore[arg-type]
    if any(not f.init for f in flds) or [f.name for f in flds].count("id") != 1 or len(flds) != len(cls.__dataclass_fields__):
        return None  # InitVars or init=False fields: leave it to __init__
    env: dict[str, Any] = {"M": _NOT_A_FIELD, "new": object.__new__, "cls": cls, "plain": plain, "_copy": _copy}
    src = ["def conv(doc, id):", "    get = doc.get"]
    body = ["    o = new(cls)", "    d = o.__dict__"]
    for i, f in enumerate(flds):
        k = f.name
        if k == "id":
            body.append("    d['id'] = id")
            continue
        conv = plan[k]
        if conv is None:
            made = "(v if type(v) is not dict and type(v) is not list else _copy(v))"
        elif conv is _d or conv is _dt:  # inlined: `fromisoformat(value) if value else None`
            env[f"c{i}"] = date.fromisoformat if conv is _d else datetime.fromisoformat
            made = f"(c{i}(v) if v else None)"
        elif conv is _dec:
            env[f"c{i}"] = _amount
            made = f"(None if v is None else c{i}(v))"
        else:
            env[f"c{i}"] = conv
            made = f"(None if v is None else c{i}(v))"
        if f.default is not MISSING:
            env[f"d{i}"] = f.default
            default = f"d{i}"
        elif f.default_factory is not MISSING:
            env[f"f{i}"] = f.default_factory
            default = f"f{i}()"
        else:
            default = None
        src.append(f"    v = get({k!r}, M)")
        if default is None:
            src += ["    if v is M:", "        return plain(doc, id)"]
            src.append(f"    v{i} = {made}")
        else:
            src.append(f"    v{i} = {default} if v is M else {made}")
        body.append(f"    d[{k!r}] = v{i}")
    if hasattr(cls, "__post_init__"):
        body.append("    o.__post_init__()")
    body.append("    return o")
    exec("\n".join(src + body), env)  # noqa: S102 - source built above from dataclass field names only
    return env["conv"]


def _amount(value: Any) -> Decimal | None:
    """``_dec(value)``: text straight to Decimal when it is a finite amount (Decimal itself
    ignores surrounding whitespace, as ``to_decimal``'s strip does), else ``_dec`` (which
    refuses the rest with the same errors)."""
    if type(value) is str:
        try:
            d = Decimal(value)
        except (InvalidOperation, ValueError):
            return _dec(value)
        if d.is_finite():
            return d
    return _dec(value)


_CONVERTERS: dict[type, Callable[[Mapping[str, Any], Any], Any]] = {}
_NOT_A_FIELD: Any = object()


def _stored_dict(v: dict) -> dict:
    return {k: (str(x) if isinstance(x, (Decimal, date)) else x) for k, x in v.items()}


def record_of(item: Record) -> dict[str, Any]:
    """``item.to_record()``, with the conversion of each field worked out once per class
    (``to_record`` looks the fields up again for every record: most of an import's time
    spent making records), then made by a function generated for the class (see :func:`_recorder`)."""
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
        made = _recorder(plan)
        if made is not None:
            _RECORDERS[cls] = made
    if type(plan) is not list:
        return plan(item)
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


def _recorder(plan: list[tuple[str, Callable[[Any], Any] | None]]) -> Callable[[Any], dict[str, Any]] | None:
    """What the loop of :func:`record_of` makes of ``plan``, as one generated function: one
    dict display instead of a lookup and a store a field. None when a field name is not a
    plain identifier (the loop does those)."""
    if not all(k.isidentifier() and not iskeyword(k) and not k.startswith("__") for k, _ in plan):
        return None
    env: dict[str, Any] = {"_stored_dict": _stored_dict}
    src = ["def rec(o):"]
    out = []
    for i, (k, conv) in enumerate(plan):
        src.append(f"    v = o.{k}")
        if conv is None:
            src.append(f"    v{i} = v if v is None or type(v) is str else (_stored_dict(v) if isinstance(v, dict) else v)")
        elif conv is _isoformat:
            src.append(f"    v{i} = None if v is None else v.isoformat()")
        elif conv is _value:
            src.append(f"    v{i} = None if v is None else v.value")
        else:
            env[f"c{i}"] = conv
            src.append(f"    v{i} = None if v is None else c{i}(v)")
        out.append(f"{k!r}: v{i}")
    src.append("    return {" + ", ".join(out) + "}")
    exec("\n".join(src), env)  # noqa: S102 - source built from dataclass field names only
    return env["rec"]


def _isoformat(v: Any) -> str:
    return v.isoformat()


def _value(v: Any) -> Any:
    return v.value


_RECORDERS: dict[type, Any] = {}  # a generated function (see _recorder), else the plan of each field


_REACHED, _SKIPPED = Result.REACHED, Result.SKIPPED
_new = object.__new__


def _latest_calls(seen: list[tuple[int, Mapping[str, Any]]], to: Callable[[Mapping[str, Any], Any], Call]) -> tuple[Call, ...]:
    """Of one client's calls (``seen``: (id, document) pairs in stored order), the latest,
    the latest reached and the latest not skipped, oldest first; on equal times the first
    stored (what ``max`` picks from the calls sorted by time). Raises when a call's time or
    result cannot be read, so the caller can fall back to reading them all.
    (Tens of thousands of calls go through this loop per queue: kept to the bone.)"""
    fromiso, result, reached_, skipped_ = _fromiso, _RESULT_OF, _REACHED, _SKIPPED
    latest = reached = dialled = None  # their times; at positions lp, rp, dp of seen
    lp = rp = dp = 0
    for pos, (_, d) in enumerate(seen):
        at = fromiso(d["at"])
        r = result[d["result"]]
        if latest is None or at > latest:
            latest, lp = at, pos
        if r is not skipped_:
            if dialled is None or at > dialled:
                dialled, dp = at, pos
            if r is reached_ and (reached is None or at > reached):
                reached, rp = at, pos
    if (reached is None or rp == lp) and (dialled is None or dp == lp):
        i, d = seen[lp]
        return (to(d, i),)
    chosen = sorted({(t, p) for t, p in ((latest, lp), (reached, rp), (dialled, dp)) if t is not None})
    return tuple(to(seen[p][1], seen[p][0]) for _, p in chosen)


_fromiso = datetime.fromisoformat
_RESULT_OF = Result._value2member_map_  # type: ignore[attr-defined]


def _client_file(client: Client, invoices: tuple = (), calls: tuple = (), promises: tuple = (),
                 disputes: tuple = (), payments: tuple = (), escalations: tuple = ()) -> ClientFile:
    """``ClientFile(client=..., invoices=..., ...)`` (no plans), made directly: the frozen
    dataclass ``__init__`` (one ``object.__setattr__`` a field) is most of the cost of the
    ten thousand files a queue reads."""
    if not _FILE_FIELDS_KNOWN:  # ClientFile changed: let its __init__ make it
        return ClientFile(client=client, invoices=invoices, calls=calls, promises=promises, disputes=disputes, payments=payments,
                          escalations=escalations)
    f = _new(ClientFile)
    f.__dict__.update(client=client, invoices=invoices, calls=calls, promises=promises, plans=(),
                      disputes=disputes, payments=payments, escalations=escalations)
    return f


_FILE_FIELDS_KNOWN = (
    tuple(f.name for f in fields(ClientFile))
    == ("client", "invoices", "calls", "promises", "plans", "disputes", "payments", "escalations")
    and not hasattr(ClientFile, "__post_init__") and not hasattr(ClientFile, "__slots__")
)


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
            docs = self.docs()
            clients = getattr(docs, "clients", None)  # rows: the clients were noted when the file was read
            if clients is not None:
                for doc_id, cid in clients():
                    if cid is not None:
                        idx[cid].append(doc_id)
            else:
                for key, doc in docs.items():
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
        was = gc.isenabled()
        gc.disable()  # tens of thousands of models and no cycle among them: no collection meanwhile
        try:
            return [to(doc, int(key)) for key, doc in self.docs().items()]
        finally:
            if was:
                gc.enable()

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

    def _client_of(self, doc_id: int, doc: Mapping[str, Any] | None) -> Any:
        """The client a stored document belongs to (what a write of it tells queue_changes)."""
        return None if doc is None else doc.get("client_id")

    def _rows(self, want: Mapping[int, Any]) -> dict[int, list[T]]:
        """``{client id: for_client(client id)}`` for the clients in ``want`` that have any.

        Without an index yet, one pass over the table both builds the index and reads the
        wanted clients' records (in index order, as ``for_client`` would give them)."""
        to = self._to
        out: dict[int, list[T]] = {}
        if self._by_client is not None:
            for cid in want:
                rows = self.for_client(cid)
                if rows:
                    out[cid] = rows
            return out
        return self._scan(lambda cid, doc: cid in want, clients=want)

    def _rows_where(self, key: str, value: Any) -> dict[int, list[T]]:
        """``{client id: [records stored with key == value (a missing key counts as value)]}``,
        each client's in index order; one pass over the table builds the index too when
        there is none."""
        to = self._to
        out: dict[int, list[T]] = {}
        idx = self._by_client
        if idx is not None:
            docs = self.docs()
            for cid, ids in idx.items():
                rows = [to(d, i) for i in ids if (d := docs.get(str(i))) is not None and d.get(key, value) == value]
                if rows:
                    out[cid] = rows
            return out
        return self._scan(lambda cid, doc: doc.get(key, value) == value)

    def _scan(self, keep: Callable[[int, dict], bool], *, raw: bool = False, clients: Any = None) -> dict[int, list]:
        """One pass over the table: builds the per-client index, and returns
        ``{client id: [records for which keep(client id, doc)]}`` in index order
        (with ``raw``, ``(id, document)`` pairs instead of records). ``clients``: only
        records of these clients can be kept (rows then read no other record)."""
        to = self._to
        pick = getattr(self.docs(), "items_of_clients", None) if clients is not None else None
        if pick is not None:
            self._index()  # from the clients noted in the rows: nothing read
            found: dict[int, list] = {}
            for k, doc in pick(clients):
                cid = doc.get("client_id")
                if cid is None or not keep(cid, doc):
                    continue
                i = int(k)
                item = (i, doc) if raw else to(doc, i)
                rows = found.get(cid)
                if rows is None:
                    found[cid] = [item]
                else:
                    rows.append(item)
            return found
        out: dict[int, list[T]] = {}
        idx: dict[int, list[int]] = {}
        for k, doc in self.docs().items():
            cid = doc.get("client_id")
            if cid is not None:
                i = int(k)
                ids = idx.get(cid)
                if ids is None:
                    idx[cid] = [i]
                else:
                    ids.append(i)
                if keep(cid, doc):
                    item = (i, doc) if raw else to(doc, i)
                    rows = out.get(cid)
                    if rows is None:
                        out[cid] = [item]
                    else:
                        rows.append(item)
        self._by_client = defaultdict(list, idx)
        return out

    def add(self, item: T) -> T:
        self._store._check_writable()
        seen = self._store._before_write()
        doc_id = self.table.insert(item.to_record())
        rec = getattr(item, "client_id", None)
        if rec is not None and self._by_client is not None:
            self._by_client[rec].append(doc_id)
        self._store._wrote(seen, (self._client_of(doc_id, {"client_id": rec}),))
        return replace(item, id=doc_id)  # type: ignore[type-var]

    def put_new(self, item: T) -> T:
        """Store ``item`` under its own id, which no record has: one whose id was given out
        before it could be stored (raises ValueError when the id is taken)."""
        from tinydb.table import Document

        self._store._check_writable()
        doc_id = item.id  # type: ignore[attr-defined]
        if type(doc_id) is not int or str(doc_id) in self.docs():
            raise ValueError(f"{self.cls.__name__.lower()} #{doc_id} cannot be stored under that id")
        seen = self._store._before_write()
        self.table.insert(Document(item.to_record(), doc_id))
        rec = getattr(item, "client_id", None)
        if rec is not None and self._by_client is not None:
            self._by_client[rec].append(doc_id)
        self._store._wrote(seen, (self._client_of(doc_id, {"client_id": rec}),))
        return item

    def save(self, item: T) -> T:
        self._store._check_writable()
        if item.id is None:  # type: ignore[attr-defined]
            return self.add(item)
        seen = self._store._before_write()
        # The record as it was (free to read in memory; stock TinyDB would reread its file).
        old = self.docs().get(str(item.id)) if self._store._live else None  # type: ignore[attr-defined]
        rec = item.to_record()
        self.table.update(rec, doc_ids=[item.id])  # type: ignore[attr-defined]
        self._moved(item.id, old, rec)  # type: ignore[attr-defined]
        self._store._wrote(seen, (self._client_of(item.id, old), self._client_of(item.id, rec)))  # type: ignore[attr-defined]
        return item

    def _moved(self, doc_id: int, old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> None:
        """Keep the index right when a save gives a record another client."""
        if self._by_client is None or old is None or "client_id" not in new:
            return
        before, after = old.get("client_id"), new.get("client_id")
        if before == after:
            return
        ids = self._by_client.get(before)
        if ids is not None and doc_id in ids:
            ids.remove(doc_id)
        if after is not None:
            self._by_client[after].append(doc_id)
            self._by_client[after].sort()

    def add_records(self, records: list[dict[str, Any]]) -> list[int]:
        """Store new records (``to_record()`` dicts) in one write; their ids, in order: the
        ids one ``add`` each would have given. For imports: 40,000 adds one by one spend
        most of their time encoding and journaling each write on its own."""
        self._store._check_writable()
        if not records:
            return []
        seen = self._store._before_write()
        ids = self.table.insert_multiple(records)
        if self._by_client is not None:
            for rec, doc_id in zip(records, ids):
                cid = rec.get("client_id")
                if cid is not None:
                    self._by_client[cid].append(doc_id)
        self._store._wrote(seen, [self._client_of(doc_id, rec) for rec, doc_id in zip(records, ids)])
        return ids

    def save_records(self, records: list[tuple[int, dict[str, Any]]]) -> None:
        """``save`` of each ``(id, to_record())`` pair, in order, as one write."""
        self._store._check_writable()
        if not records:
            return
        seen = self._store._before_write()
        docs = self.docs() if self._store._live else {}
        keys = [str(doc_id) for doc_id, _ in records]
        get_many = getattr(docs, "get_many", None)  # rows: the old documents in one pass over the file
        olds = list(zip((doc_id for doc_id, _ in records), get_many(keys) if get_many else map(docs.get, keys)))

        def updater(table) -> None:  # what Table.update(fields, doc_ids=[id]) does, for each pair
            for doc_id, rec in records:
                table[doc_id].update(rec)

        if get_many is not None and isinstance(self.table, FastTable):  # hand it the documents read: not read again
            self.table._update_table(updater, known=dict(olds))
        else:
            self.table._update_table(updater)
        touched = [self._client_of(doc_id, old) for doc_id, old in olds]
        for (doc_id, old), (_, rec) in zip(olds, records):
            self._moved(doc_id, old, rec)
            touched.append(self._client_of(doc_id, rec))
        self._store._wrote(seen, touched)

    def remove(self, id: int) -> None:
        self._store._check_writable()
        doc = self.docs().get(str(id))
        if doc is None:
            return
        seen = self._store._before_write()
        self.table.remove(doc_ids=[id])
        cid = doc.get("client_id")
        if cid is not None and self._by_client is not None and id in self._by_client.get(cid, []):
            self._by_client[cid].remove(id)
        self._store._wrote(seen, (self._client_of(id, doc),))

    def count(self) -> int:
        return len(self.table)


class Clients(_Repo[Client]):
    def __init__(self, store: "Store"):
        super().__init__(store, "clients", Client)

    def _client_of(self, doc_id: int, doc: Mapping[str, Any] | None) -> Any:
        return doc_id

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
        if len(exact) > 1:
            raise Ambiguous(t, exact)
        # A name prefix, or the start of any word of the name ('Kowalski' is 'Anna Kowalski' and
        # 'Kowalski, Anna' alike): one client is an answer, more are listed, never picked from.
        low = t.lower()
        found = [c for c in everyone if key and (c.key.startswith(key) or c.name.lower().startswith(low)
                                                 or any(w.startswith(key) for w in c.key.split()))]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise Ambiguous(t, found)
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

    def _queue_calls(self, client_id: int) -> tuple[Call, ...]:
        """The calls of one client the queue looks at (see ``Store.queue_files``), oldest first."""
        docs = self.docs()
        seen = [(i, d) for i in self.ids_for_client(client_id) if (d := docs.get(str(i))) is not None]
        return self._latest_of(client_id, seen) if seen else ()

    def _latest_of(self, client_id: int, seen: list[tuple[int, Mapping[str, Any]]]) -> tuple[Call, ...]:
        try:
            return _latest_calls(seen, self._to)
        except Exception:  # a call the models cannot read: load them all, as client_file does (and fail the same way)
            return tuple(sorted(self.for_client(client_id), key=lambda c: c.at))

    def _latest(self, want: Mapping[int, Any]) -> dict[int, tuple[Call, ...]]:
        """``_queue_calls`` of every client in ``want`` that has calls. Without an index yet,
        one pass over the calls builds it and gathers the wanted clients' calls (in index
        order, so ties go the same way)."""
        if self._by_client is not None:
            out = {}
            for cid in want:
                calls = self._queue_calls(cid)
                if calls:
                    out[cid] = calls
            return out
        found = self._scan(lambda cid, doc: cid in want, raw=True, clients=want)
        return {cid: self._latest_of(cid, seen) for cid, seen in found.items()}

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
        seen = self._store._before_write()
        docs = self.table.all()
        if docs:
            self.table.update(values, doc_ids=[docs[0].doc_id])
        else:
            self.table.insert(values)
        self._store._wrote(seen, ())  # no client's records

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

    @property
    def profile(self) -> Profile:
        """The business profile (the first time, from the older ``business``/``caller`` settings)."""
        rec = self.get("profile")
        if rec is None:
            return Profile(name=self.business, contact=self.caller)
        return Profile.from_record(rec)

    def set_profile(self, profile: Profile) -> None:
        """Keep the profile; the script's business and caller follow its name and contact."""
        self.set(profile=profile.to_record(), business=profile.name, caller=profile.contact)

    @property
    def logo(self) -> Logo | None:
        rec = self.get("logo")
        if not isinstance(rec, dict) or not rec.get("data"):
            return None
        try:
            data = base64.b64decode(rec["data"], validate=True)
        except (ValueError, TypeError):
            return None
        return Logo(data, str(rec.get("mime", "")), int(rec.get("width") or 0), int(rec.get("height") or 0))

    def set_logo(self, logo: Logo | None) -> None:
        """Keep the logo's bytes in the ledger (a backup or restore carries them); None removes it."""
        if logo is None:
            self.set(logo=None)
        else:
            self.set(logo={"data": base64.b64encode(logo.data).decode("ascii"), "mime": logo.mime,
                           "width": logo.width, "height": logo.height})

    @property
    def latest_import_as_of(self) -> date | None:
        """The as-of date of the newest report imported (None before any report that states one)."""
        value = self.get("import_as_of")
        try:
            return date.fromisoformat(value) if isinstance(value, str) and value else None
        except ValueError:
            return None


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
        self.written = _Repo(self, "written", Written)  # messages sent: never calls
        self.escalations = _Repo(self, "escalations", Escalation)  # routes chosen (domain.escalation)
        self.settings = Settings(self)
        # Which clients were written since when, for queue_changes. Kept only over a storage
        # that counts its changes (the journal), so that a change made behind the
        # repositories' back (another Store on the same database, a rolled-back savepoint,
        # a rewrite) shows: then everything counts as changed (a new epoch).
        storage = getattr(db, "storage", None)
        self._live = isinstance(getattr(storage, "generation", None), int)
        self._tracking = False  # from the first queue_mark on
        self._epoch = object()
        self._writes = 0  # writes through the repositories seen in this epoch
        self._written: dict[Any, int] = {}  # client id: self._writes at its last write
        self._seen_gen: int | None = None  # the storage's change count after the last write seen

    def _generation(self) -> int | None:
        return self.db.storage.generation if self._live else None

    def _before_write(self) -> int | None:
        """The storage's change count before a write through a repository (see ``_wrote``)."""
        return self._generation() if self._tracking else None

    def _wrote(self, seen: int | None, clients: Iterable[Any]) -> None:
        """A repository wrote records of ``clients`` (``seen``: the change count before)."""
        if not self._tracking:
            return
        if seen != self._seen_gen:  # something changed the data in between, unseen
            self._new_epoch()
            return
        self._writes += 1
        n, written = self._writes, self._written
        for cid in clients:
            if cid is not None:  # a record of no client (a session)
                written[cid] = n
        self._seen_gen = self._generation()

    def _new_epoch(self) -> None:
        self._epoch = object()
        self._writes = 0
        self._written = {}
        self._seen_gen = self._generation()

    def queue_mark(self) -> tuple | None:
        """Where the data stands now, for :meth:`queue_changes` (None without a storage that
        counts its changes, the journal's)."""
        if not self._live:
            return None
        if not self._tracking or self._generation() != self._seen_gen:
            self._tracking = True
            self._new_epoch()
        return (self._epoch, self._writes)

    def queue_changes(self, mark: tuple | None) -> dict[Any, ClientFile | None] | None:
        """The queue files (see :meth:`queue_files`) of the clients written since ``mark``
        (a :meth:`queue_mark`), by client id: None for a client no longer stored. None when
        that cannot be told (no mark, or a change the repositories did not see since, such
        as a rolled-back transaction): read them all then.

        Every write through the repositories names the clients of the records it writes;
        that is how a queue rebuilt after one call reads one client, not ten thousand."""
        if mark is None or not self._tracking:
            return None
        if self._generation() != self._seen_gen:
            self._new_epoch()
        epoch, writes = mark
        if epoch is not self._epoch:
            return None
        docs, to = self.clients.docs(), self.clients._to
        out: dict[Any, ClientFile | None] = {}
        for cid, n in self._written.items():
            if n > writes:
                doc = docs.get(str(cid)) if type(cid) is int else None
                out[cid] = None if doc is None else self._queue_file(to(doc, cid))
        return out

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
        if self._tracking:
            self._new_epoch()
        for r in (self.clients, self.ledger.invoices, self.ledger.payments, self.calls, self.promises, self.plans, self.disputes, self.sessions, self.written,
                  self.escalations):
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
            escalations=tuple(self.escalations.for_client(client_id)),
        )

    def client_files(self) -> list[ClientFile]:
        return [self.client_file(c.id) for c in self.clients.all()]  # type: ignore[arg-type]

    def queue_files(self) -> list[ClientFile]:
        """Every client's file cut down to what ``domain.queue.build`` reads, for today's queue.

        ``build`` over these gives the same queue as over ``client_files()`` (tests/test_bench.py
        checks it on a generated ledger), several times faster: a client with nothing open
        gets an empty file; the others their open invoices, promises, payments and disputes,
        no plans, and of their calls only the three the queue looks at: the latest, the
        latest reached and the latest not skipped (on equal times, the first stored, which is
        the one ``max`` picks from the files' calls sorted by time). :meth:`queue_changes`
        gives the files of the clients written since an earlier build.

        Read in one pass a table (which builds the per-client indexes on the way when they
        are not built yet), or through the indexes when they are.
        """
        clients, invoices = self.clients, self.ledger.invoices
        # Only an invoice stored as open can be open (is_open decides, on the model).
        maybe = invoices._rows_where("status", "open")
        opened: dict[int, tuple[Invoice, ...]] = {}
        for cid, rows in maybe.items():
            open_invoices = tuple(i for i in rows if i.is_open)
            if open_invoices:
                opened[cid] = open_invoices
        calls = self.calls._latest(opened)
        promises = self.promises._rows(opened)
        disputes = self.disputes._rows(opened)
        payments = self.ledger.payments._rows(opened)
        escalations = self.escalations._rows(opened)
        to, make = clients._to, _client_file
        files: list[ClientFile] = []
        for key, doc in clients.docs().items():
            cid = int(key)
            client = to(doc, cid)
            inv = opened.get(cid)
            if inv is None:
                files.append(make(client))
            else:
                files.append(make(client, inv, calls.get(cid, ()), tuple(promises.get(cid, ())),
                                  tuple(disputes.get(cid, ())), tuple(payments.get(cid, ())), tuple(escalations.get(cid, ()))))
        return files

    def _queue_file(self, client: Client) -> ClientFile:
        """One client's queue file (what ``queue_files`` gives it), from the indexes."""
        cid = client.id
        invoices = self.ledger.invoices
        inv_docs, to_inv = invoices.docs(), invoices._to
        maybe = [to_inv(d, i) for i in invoices.ids_for_client(cid) if (d := inv_docs.get(str(i))) is not None  # type: ignore[arg-type]
                 and d.get("status", "open") == "open"]
        open_invoices = tuple(i for i in maybe if i.is_open)
        if not open_invoices:
            return _client_file(client)
        return _client_file(
            client, open_invoices, self.calls._queue_calls(cid),  # type: ignore[arg-type]
            tuple(self.promises.for_client(cid)), tuple(self.disputes.for_client(cid)),  # type: ignore[arg-type]
            tuple(self.ledger.payments.for_client(cid)),  # type: ignore[arg-type]
            tuple(self.escalations.for_client(cid)),  # type: ignore[arg-type]
        )

    def is_empty(self) -> bool:
        return self.ledger.invoices.count() == 0

    def close(self) -> None:
        self.db.close()

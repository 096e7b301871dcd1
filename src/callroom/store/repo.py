"""The repository API the UI, CLI and importers call. The only place that knows tables.

Every table keeps an in-memory index by client so that the queries the app makes
(one client's invoices, calls, promises) touch a small part of the data.
Writes go through TinyDB's Table API; with the journal storage underneath, one
write appends one fsync'd line, and ``transaction()`` makes several writes one line.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from datetime import date, datetime
from typing import Callable, Generic, Iterator, TypeVar

from tinydb import TinyDB

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
    normalise_name,
)
from ..domain.policy import Policy

T = TypeVar("T", bound=Record)


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
        self._by_client: dict[int, list[int]] | None = None

    def _index(self) -> dict[int, list[int]]:
        if self._by_client is None:
            idx: dict[int, list[int]] = defaultdict(list)
            for doc in self.table.all():
                cid = doc.get("client_id")
                if cid is not None:
                    idx[cid].append(doc.doc_id)
            self._by_client = idx
        return self._by_client

    def _to(self, doc) -> T:
        return self.cls.from_record(doc, doc.doc_id)  # type: ignore[return-value]

    def get(self, id: int) -> T:
        doc = self.table.get(doc_id=id)
        if doc is None:
            raise NotFound(f"no {self.cls.__name__.lower()} #{id}")
        return self._to(doc)

    def all(self) -> list[T]:
        return [self._to(d) for d in self.table.all()]

    def for_client(self, client_id: int) -> list[T]:
        ids = self._index().get(client_id, [])
        out = []
        for i in ids:
            doc = self.table.get(doc_id=i)
            if doc is not None:
                out.append(self._to(doc))
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

    def remove(self, id: int) -> None:
        self._store._check_writable()
        doc = self.table.get(doc_id=id)
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

    def _doc(self) -> dict:
        docs = self.table.all()
        return dict(docs[0]) if docs else {}

    def get(self, key: str, default=None):
        return self._doc().get(key, default)

    def set(self, **values) -> None:
        self._store._check_writable()
        docs = self.table.all()
        if docs:
            self.table.update(values, doc_ids=[docs[0].doc_id])
        else:
            self.table.insert(values)

    @property
    def policy(self) -> Policy:
        return Policy.from_record(self.get("policy"))

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

    def is_empty(self) -> bool:
        return self.ledger.invoices.count() == 0

    def close(self) -> None:
        self.db.close()

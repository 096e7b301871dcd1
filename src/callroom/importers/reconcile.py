"""What an import changes: parsed files against what callroom already knows.

``plan_import`` is a pure function (no I/O). The store applies the plan:

* ``ClientImport.client``: an existing client (id set; email/phone filled in where it
  had none) or a new one (id None);
* ``new_invoices`` (client_id=0: the store fills it), ``updated_invoices`` (existing
  ids, new values), ``payments`` (client_id=0 too), ``closed_invoices`` (existing ids,
  status "paid", closed_on=as_of).

Clients are matched on more than the printed name (``callroom.domain.identity``): the
same name key (case, punctuation, legal suffixes aside) or the same email is the same
client; the same words in another order ('Kowalski, Anna', 'Anna Kowalski') is the same
client when the phone or an invoice number agrees too. A likely match that is not certain
(the words in another order alone, a shared phone with a shared word in the name, an
invoice number the ledger holds for another client) is a ``Question`` for the owner: the
plan is ``blocked`` until ``Decisions`` say "the same client" or "keep apart". An invoice
number never goes to a second client without the owner saying so.

Stale facts: a file whose as-of date is older than the ledger's latest import, a balance
that would go up without a new invoice, an invoice paid or void that would open again, a
date that would move back: each is listed in ``plan.older`` and the plan is ``blocked``
until ``accept_older`` says the owner has seen them.

An invoice is the same when the client and the number match. A balance that went down is a Payment (source
"import") dated by the file's as-of date when it states one that is not after ``as_of`` (today), else
``as_of``; a balance that went up is only an update. An invoice the file shows as paid (or void)
is updated to paid (with a Payment for what was still owed) or void. An open invoice
missing from the files is closed as paid only when ``full`` is true, and only when it came from the
same kind of export as a file (``Invoice.source``, see ``sources.py``) in a currency that file lists;
the others are listed with why (``left_alone``), and without ``full`` those it would close are named
(``not_listed``).

Credit notes and unapplied payments are not invoices, but what they leave open is kept with the client
per currency and kind of export (``Client.credits``: a file of that kind replaces what the kind said
before for the clients it lists, or for every client when ``full``), and the preview names them with
the file's own total when it differs from its invoices'. The export's status (disputed, not sent,
uncollectible) is kept on the invoice (``Invoice.book_status``) when the file has one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from ..domain import books
from ..domain.identity import order_free_key, phone_key, shares_a_word
from ..domain.models import Client, Invoice, Payment, credit_key
from ..domain.money import format_money
from ._speed import gc_paused, name_keys
from .errors import ImportFileError
from .parse import ImportedInvoice, ParsedFile, Skipped
from .sources import NOT_IMPORTED, is_kind
from .sources import label as source_label

LIST_MAX = 12  # detail lines per section of the summary


@dataclass
class ClientImport:
    client: Client
    is_new: bool
    new_invoices: list[Invoice] = field(default_factory=list)
    updated_invoices: list[Invoice] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    closed_invoices: list[Invoice] = field(default_factory=list)
    client_updated: bool = False                                   # email/phone filled in on an existing client
    before: dict[str, Invoice] = field(default_factory=dict)       # number -> the invoice as it was (updated/closed)
    credits_changed: bool = False                                  # the unapplied credit kept with the client changed

    @property
    def has_changes(self) -> bool:
        return bool(self.is_new or self.client_updated or self.credits_changed or self.new_invoices
                    or self.updated_invoices or self.payments or self.closed_invoices)


@dataclass(frozen=True)
class Question:
    """A client in the files that may be one callroom already has (or another name in the files)."""

    name: str                  # as the file prints it
    key: str                   # its name key: what a decision refers to
    candidate: str             # the client it may be: a ledger client's name, or another name in the files
    candidate_id: int | None   # the ledger client's id; None for another new name in these files
    why: tuple[str, ...]       # 'the same name in another order', 'invoice 1059 is this client's in the ledger' …
    file: str = ""
    line: int = 0

    def text(self) -> str:
        who = f"{self.candidate} (#{self.candidate_id})" if self.candidate_id is not None else \
            f"{self.candidate} (also in the files)"
        return f"{self.name} may be {who}: " + "; ".join(self.why)


@dataclass
class Decisions:
    """The owner's answers: ``same`` file name -> the client it is ('#12', a ledger client's name, or
    another name in the files); ``separate``: file names to keep apart from any likely match."""

    same: dict[str, str] = field(default_factory=dict)
    separate: set[str] = field(default_factory=set)

    @classmethod
    def parse(cls, same=(), separate=()) -> "Decisions":
        """From ``--same "Kowalski, Anna=Anna Kowalski"`` (or ``=#12``) and ``--separate NAME``; raises
        ValueError naming an item that is not NAME=CLIENT."""
        d = cls()
        for item in same:
            name, sep, target = str(item).rpartition("=")
            if not sep or not name.strip() or not target.strip():
                raise ValueError(f"{str(item).strip()!r}: write NAME IN THE FILE=CLIENT, for example "
                                 f"\"Kowalski, Anna=Anna Kowalski\" or \"Kowalski, Anna=#12\"")
            d.same[name.strip()] = target.strip()
        d.separate.update(str(x).strip() for x in separate if str(x).strip())
        return d

    def __bool__(self) -> bool:
        return bool(self.same or self.separate)


class DecisionError(ImportFileError):
    """A decision names a client that is neither in the ledger nor in the files."""


@dataclass(frozen=True)
class CreditFound:
    """A client's unapplied credits and payments in the files (credit notes, payments not applied to an
    invoice): kept with the client (``Client.credits``), never taken off an invoice."""

    name: str
    rows: tuple[Skipped, ...]
    owed: dict                 # currency -> what the client's invoices in the files add up to
    kept: bool                 # False: the client is neither in callroom nor given an invoice by the files

    @property
    def credit(self) -> dict:
        out: dict[str, Decimal] = {}
        for s in self.rows:
            out[s.currency] = out.get(s.currency, Decimal(0)) + s.amount
        return out


@dataclass(frozen=True)
class LeftOpen:
    """An open invoice the files do not list, and why a full import does not (or would not) close it."""

    client: str
    invoice: Invoice
    why: str = ""              # '' : a full import would close it; else why it is left alone


@dataclass(frozen=True)
class ImportCounts:
    new_clients: int = 0
    new_invoices: int = 0
    updated: int = 0
    payments: int = 0
    closed: int = 0
    skipped: int = 0

    def __getitem__(self, key: str) -> int:
        return getattr(self, key)

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("new_clients", "new_invoices", "updated", "payments", "closed", "skipped")}


@dataclass
class ImportPlan:
    files: list[str]
    format_names: list[str]
    clients: list[ClientImport]
    skipped: list[Skipped]
    as_of: date | None = None
    full: bool = False
    default_currency: str = ""
    questions: list[Question] = field(default_factory=list)   # likely matches the owner must decide
    matched: list[str] = field(default_factory=list)          # names matched on more than the name, and why
    older: list[str] = field(default_factory=list)            # facts that would move back
    accept_older: bool = False
    file_as_of: date | None = None                            # the newest as-of date the files state
    ledger_as_of: date | None = None                          # the ledger's latest import's as-of date
    described: list[str] = field(default_factory=list)        # what each file is ('invoice list, workbook sheet …')
    credits: list[CreditFound] = field(default_factory=list)  # unapplied credits and payments, per client
    file_totals: list[str] = field(default_factory=list)      # a file's own total that differs from its invoices
    not_listed: list[LeftOpen] = field(default_factory=list)  # open, same kind of export, not in the files (not full)
    left_alone: list[LeftOpen] = field(default_factory=list)  # open, not in the files, left open by a full import
    sources_recorded: int = 0                                 # invoices whose kind of export is now recorded

    @property
    def blocked(self) -> bool:
        """Not to be stored as it is: a likely match is undecided, or older facts are not accepted."""
        return bool(self.questions) or (bool(self.older) and not self.accept_older)

    @property
    def counts(self) -> ImportCounts:
        return ImportCounts(
            new_clients=sum(1 for c in self.clients if c.is_new),
            new_invoices=sum(len(c.new_invoices) for c in self.clients),
            updated=sum(len(c.updated_invoices) for c in self.clients),
            payments=sum(len(c.payments) for c in self.clients),
            closed=sum(len(c.closed_invoices) for c in self.clients),
            skipped=len(self.skipped),
        )

    @property
    def has_changes(self) -> bool:
        return any(c.has_changes for c in self.clients)

    def summary_lines(self, *, limit: int | None = LIST_MAX, all_hint: str = "--explain lists them all",
                      full_hint: str = "--full") -> list[str]:
        """What a user reads after an import, one line per fact (details indented). ``limit``: detail
        lines per list (None: every one); ``all_hint``: how to see a cut list whole; ``full_hint``:
        how to say the files list every open invoice (the app names its key)."""
        def det(items: list, text=None) -> list[str]:
            return _details(items, text, limit, all_hint)

        return self._summary(full_hint, det)

    def _summary(self, full_hint: str, det) -> list[str]:
        out: list[str] = []
        kinds = self.described or self.format_names
        described = ", ".join(f"{Path(f).name} ({fmt})" for f, fmt in zip(self.files, kinds))
        out.append(f"Read {_n(len(self.files), 'file')}: {described}." if self.files else "No files read.")
        out += self.file_totals
        if self.questions:
            out.append(f"Needs your decision: {_n(len(self.questions), 'client')} in the files may be "
                       f"{'a client' if len(self.questions) == 1 else 'clients'} callroom already has "
                       "(nothing is stored until you say same or separate).")
            out += det([(q,) for q in self.questions], Question.text)
        if self.older:
            head = ("Older facts, accepted: " if self.accept_older else
                    "Older than the ledger: nothing is stored unless you accept them: ")
            out.append(head + f"{_n(len(self.older), 'fact')} would move back.")
            out += det(self.older)
        if self.matched:
            out.append(f"Matched on more than the name: {_n(len(self.matched), 'client')}.")
            out += det(self.matched)
        news = [c for c in self.clients if c.is_new]
        if news:
            out.append(f"New clients: {len(news)}.")
            out += det([c.client.name for c in news])
        new_invs = [(c, i) for c in self.clients for i in c.new_invoices]
        if new_invs:
            unknown = sum(1 for _, i in new_invs if i.balance is None)
            total = _totals(i for _, i in new_invs)
            extra = f"; {unknown} with a balance the file could not tell" if unknown else ""
            out.append(f"New invoices: {len(new_invs)}, {total} owed{extra}.")
            out += det(new_invs, _new_text)
        if self.credits:
            sums: dict[str, Decimal] = {}
            for cf in self.credits:
                for cur, amt in cf.credit.items():
                    sums[cur] = sums.get(cur, Decimal(0)) + amt
            whole = " + ".join(_money(a, c) for c, a in sorted(sums.items()))
            out.append(f"Unapplied credits and payments in the files: {_n(len(self.credits), 'client')}, {whole} "
                       "(not invoices: kept with the client and shown on its call, not taken off any invoice).")
            out += det(self.credits, _credit_text)
        books_held = [(c, i) for c in self.clients for i in (*c.new_invoices, *c.updated_invoices)
                      if i.book_status in books.WHY and i.status == "open" and (
                          i.number not in c.before or c.before[i.number].book_status != i.book_status)]
        if books_held:
            out.append(f"Not to be chased, as your books say: {_n(len(books_held), 'invoice')} (kept, owed, "
                       "left out of the calls).")
            out += det(books_held, _books_text)
        # Only the first LIST_MAX lines of each list are shown: the rest are counted, not formatted.
        down, up, other, settled = [], [], [], []
        for c in self.clients:
            for inv in c.updated_invoices:
                old = c.before.get(inv.number)
                if inv.status == "void" and not inv.number:
                    other.append((c, inv, None))
                elif inv.status in ("paid", "void") and (old is None or old.status == "open"):
                    settled.append((c, inv, old))
                elif old is not None and old.balance is not None and inv.balance is not None and inv.balance < old.balance:
                    down.append((c, inv, old))
                elif old is not None and old.balance is not None and inv.balance is not None and inv.balance > old.balance:
                    up.append((c, inv, old))
                elif old is not None and old.with_(source=inv.source) == inv:
                    continue  # only its kind of export recorded (counted below)
                else:
                    other.append((c, inv, old))
        payments = [p for c in self.clients for p in c.payments]
        if down:
            out.append(f"Balances that went down, recorded as payments: {len(down)}.")
            out += det(down, _down_text)
        if settled:
            out.append(f"Invoices the files show as paid or void: {len(settled)}.")
            out += det(settled, _settled_text)
        if up:
            out.append(f"Balances that went up (updated, no payment recorded): {len(up)}.")
            out += det(up, _up_text)
        if other:
            out.append(f"Invoices with other changes: {len(other)}.")
            out += det(other, _other_text)
        closed = [(c, i) for c in self.clients for i in c.closed_invoices]
        if closed:
            out.append(f"Closed as paid because they are not in the files (full import): {len(closed)}.")
            out += det(closed, _closed_text)
        if self.left_alone:
            whys = Counter(x.why for x in self.left_alone)
            out.append(f"Left open by the full import: {_n(len(self.left_alone), 'invoice')} these files could not "
                       "list (a full import closes only open invoices of the same kind of export and currency): "
                       + "; ".join(f"{n} {w}" for w, n in whys.most_common()) + ".")
            out += det(self.left_alone, _left_text)
        if self.not_listed:
            out.append(f"Left open, not in these files: {_n(len(self.not_listed), 'invoice')} of the same kind of "
                       f"export (use {full_hint} if the files list every open invoice, to close them as paid).")
            out += det(self.not_listed, _left_text)
        if self.sources_recorded:
            out.append(f"Recorded which kind of export {_n(self.sources_recorded, 'invoice')} came from.")
        if payments:
            out.append(f"Payments recorded: {len(payments)}, {_totals_payments(payments)} in all.")
        credited = [c.client.name for c in self.clients if c.credits_changed and not c.is_new]
        if credited:
            out.append(f"Unapplied credit updated for {_n(len(credited), 'client')}: " + ", ".join(credited[:LIST_MAX])
                       + (" …" if len(credited) > LIST_MAX else "") + ".")
        filled = [c.client.name for c in self.clients if c.client_updated]
        if filled:
            out.append(f"Contact details filled in for {_n(len(filled), 'client')}: " + ", ".join(filled[:LIST_MAX])
                       + (" …" if len(filled) > LIST_MAX else "") + ".")
        if self.skipped:
            reasons = Counter(s.reason for s in self.skipped)
            parts = [f"{n} {_reason_label(r, n)}" for r, n in reasons.most_common()]
            out.append(f"Skipped: {len(self.skipped)} ({'; '.join(parts)}).")
            shown = [s for s in self.skipped if s.kind != "total"]
            out += det([(s,) for s in shown], _skipped_text)
        if not self.has_changes:
            out.append("Nothing to change: callroom already has all of this.")
        return out


# ---------------------------------------------------------------- the planning

def plan_import(parsed_files: list[ParsedFile], existing_clients: list[Client], existing_invoices: list[Invoice], *,
                as_of: date, full: bool, default_currency: str, decisions: Decisions | None = None,
                ledger_as_of: date | None = None, accept_older: bool = False) -> ImportPlan:
    """The plan for importing ``parsed_files`` (a list, or one ParsedFile); pure, no I/O.
    ``decisions``: the owner's answers to earlier questions; ``ledger_as_of``: the as-of date of the
    ledger's latest import; ``accept_older``: the owner has seen the older facts and wants them."""
    files = [parsed_files] if isinstance(parsed_files, ParsedFile) else list(parsed_files)
    with gc_paused():
        planner = _Planner(existing_clients, existing_invoices, as_of, full, default_currency)
        planner.decisions = decisions or Decisions()
        planner.ledger_as_of = ledger_as_of
        planner.accept_older = accept_older
        return planner.plan(files)


class _Planner:
    def __init__(self, clients, invoices, as_of, full, default_currency):
        self.as_of = as_of
        self.full = full
        self.default = (default_currency or "").strip().upper()
        self._key = key_of = name_keys()
        self.clients_by_id: dict[int, Client] = {}
        self.by_key: dict[str, Client] = {}
        self.by_email: dict[str, Client] = {}
        self.by_order_free: dict[str, list[Client]] = {}
        self.by_phone: dict[str, list[Client]] = {}
        for c in clients:
            if c.id is None:
                continue
            self.clients_by_id.setdefault(c.id, c)
            self.by_key.setdefault(c.key or key_of(c.name), c)
            if c.email:
                self.by_email.setdefault(c.email.strip().lower(), c)
        self.invoices_by: dict[tuple[int, str], list[Invoice]] = {}
        self.holders: dict[str, set[int]] = {}  # invoice number -> the clients holding it
        for inv in invoices:
            self.invoices_by.setdefault((inv.client_id, inv.number), []).append(inv)
            if inv.number:
                self.holders.setdefault(inv.number, set()).add(inv.client_id)
        self._clients = [c for c in clients if c.id is not None]
        self._indexed = False
        self.route: dict[str, Client | str] = {}  # file name key -> the ledger client, or the key of a new one
        self.questions: list[Question] = []
        self.matched: list[str] = []
        self.decisions = Decisions()
        self.ledger_as_of: date | None = None
        self.accept_older = False
        self.existing_invoices = list(invoices)
        self.itemised_ids = {i.client_id for i in invoices if i.number and i.status == "open"}
        self.entries: list[ClientImport] = []
        self.entry_of_id: dict[int, ClientImport] = {}
        self.new_by_key: dict[str, ClientImport] = {}
        self.new_by_email: dict[str, ClientImport] = {}
        self.found: dict[int, dict] = {}  # id(entry) -> {(number, currency|None): (ImportedInvoice, file)}
        self.sources_of: dict[int, set[str]] = {}  # id(entry) -> the kinds of export that list the client
        self.legacy: dict[str, set[str]] = {}  # an earlier file's name (legacy source) -> the kinds that list its invoices
        self.sources_recorded = 0
        self.file_named: dict[str, ParsedFile] = {}

    # ---- clients

    def _entry_for(self, client: Client) -> ClientImport:
        e = self.entry_of_id.get(client.id)
        if e is None:
            e = ClientImport(client=client, is_new=False)
            self.entry_of_id[client.id] = e
            self.entries.append(e)
        return e

    def _existing(self, name: str, email: str | None) -> Client | None:
        key = self._key(name) if name else ""
        routed = self.route.get(key) if key else None
        if routed is not None:
            return None if routed.__class__ is str else routed
        c = self.by_key.get(key) if key else None
        if c is None and email:
            c = self.by_email.get(email.strip().lower())
        return c

    def _resolve(self, ii: ImportedInvoice) -> ClientImport:
        name, email = ii.client.strip(), (ii.email or "").strip() or None
        key = self._key(name) if name else ""  # what _existing works out, inlined: this runs for every invoice
        routed = self.route.get(key) if key else None
        if routed is not None and routed.__class__ is str:
            key = routed  # the same client as another name in the files
            c = None
        else:
            c = routed if routed is not None else (self.by_key.get(key) if key else None)
        if c is None and email and routed is None:
            c = self.by_email.get(email.strip().lower())
        if c is not None:
            e = self.entry_of_id.get(c.id)
            if e is None:
                e = self._entry_for(c)
            if email or ii.phone or ii.contact:
                self._fill(e, email, ii.phone, ii.contact)
            return e
        e = self.new_by_key.get(key) if key else None
        if e is None and email:
            e = self.new_by_email.get(email.lower())
        if e is None:
            e = ClientImport(client=Client(id=None, name=name, email=email or "", contact=ii.contact or "",
                                           phones=(ii.phone,) if ii.phone else ()), is_new=True)
            self.entries.append(e)
        else:
            cl = e.client
            if email and not cl.email:
                cl = cl.with_(email=email)
            if ii.phone and not cl.phones:
                cl = cl.with_(phones=(ii.phone,))
            if ii.contact and not cl.contact:
                cl = cl.with_(contact=ii.contact)
            if cl.email and cl.name.strip().lower() == cl.email.lower() and name.lower() != (email or "").lower() \
                    and "@" not in name:
                cl = Client(id=None, name=name, email=cl.email, phones=cl.phones, contact=cl.contact)  # a real name, not the email
            e.client = cl
        if key:
            self.new_by_key.setdefault(key, e)
            self.new_by_key.setdefault(e.client.key, e)
        if e.client.email:
            self.new_by_email.setdefault(e.client.email.lower(), e)
        return e

    def _fill(self, e: ClientImport, email: str | None, phone: str | None, contact: str | None = None) -> None:
        cl = e.client
        changes = {}
        if email and not cl.email:
            changes["email"] = email
        if phone and not cl.phones:
            changes["phones"] = (phone,)
        if contact and not cl.contact:
            changes["contact"] = contact
        if changes:
            e.client = cl.with_(**changes)
            e.client_updated = True
            if "email" in changes:
                self.by_email.setdefault(email.lower(), cl)

    # ---- invoices

    # ---- who is who: evidence beyond the printed name, gathered over all the files first

    def _index(self) -> None:
        """What matching beyond the stored name key needs, made the first time a name is not found by it."""
        if self._indexed:
            return
        self._indexed = True
        for c in self._clients:
            now = self._key(c.name)
            if now != c.key:
                self.by_key.setdefault(now, c)  # a key stored under older name rules
            k = c.key or now
            self.by_order_free.setdefault(order_free_key(k), []).append(c)
            for p in c.phones:
                pk = phone_key(p)
                if pk:
                    self.by_phone.setdefault(pk, []).append(c)

    def _identify(self, files: list[ParsedFile]) -> None:
        """Route every name in the files to a ledger client, another name in the files, or a new client;
        what is likely but not certain becomes a Question (unless the owner decided it)."""
        seen: dict[str, dict] = {}
        for pf in files:
            for ii in pf.invoices:
                name = ii.client.strip()
                if not name:
                    continue
                key = self._key(name)
                info = seen.get(key)
                if info is None:
                    info = seen[key] = {"name": name, "numbers": set(), "phones": set(), "emails": set(),
                                        "file": pf.name, "line": ii.line}
                if ii.invoice:
                    info["numbers"].add(ii.invoice)
                if ii.phone:
                    pk = phone_key(ii.phone)
                    if pk:
                        info["phones"].add(pk)
                if ii.email:
                    info["emails"].add(ii.email.strip().lower())
        decided = self._decided(seen)
        new_keys: list[str] = []
        for key, info in seen.items():
            if key in decided:
                continue
            apart = info["name"] in self.decisions.separate or key in self._separate_keys
            c = self.by_key.get(key) or next((self.by_email[m] for m in sorted(info["emails"]) if m in self.by_email), None)
            if c is None:
                self._index()
                c = self.by_key.get(key)
            if c is not None:
                if not apart:
                    self._number_conflicts(key, info, c)
                continue
            if apart:
                new_keys.append(key)
                continue
            self._likely(key, info, new_keys)
        self._among_new(new_keys, seen)

    def _decided(self, seen: dict[str, dict]) -> set[str]:
        """Apply the owner's 'same client' answers; the keys they settle."""
        self._separate_keys = {self._key(n) for n in self.decisions.separate}
        out = set()
        for name, target in self.decisions.same.items():
            key = self._key(name)
            if key not in seen:
                continue
            t = target.lstrip("#")
            client = self.clients_by_id.get(int(t)) if t.isdigit() else None
            if client is None:
                tk = self._key(target)
                client = self.by_key.get(tk)
                if client is None and tk in seen and tk != key:
                    self.route[key] = tk
                    self.matched.append(f"{seen[key]['name']} is {seen[tk]['name']} (also in the files): as you said")
                    out.add(key)
                    continue
            if client is None:
                raise DecisionError(seen[key]["file"], f"callroom has no client called '{target}' and no file names one",
                                    value=f"{name}={target}",
                                    hint="Write the client as callroom shows it, or its number (#12), after the =.")
            self.route[key] = client
            self.matched.append(f"{seen[key]['name']} is {client.name} (#{client.id}): as you said")
            out.add(key)
        return out

    def _likely(self, key: str, info: dict, new_keys: list[str]) -> None:
        """A name callroom does not know as it is written: the same words in another order, the same phone,
        an invoice number the ledger holds for someone else."""
        self._index()
        evidence: dict[int, list[str]] = {}
        for c in self.by_order_free.get(order_free_key(key), ()):
            evidence.setdefault(c.id, []).append("the same name in another order")
        for pk in info["phones"]:
            for c in self.by_phone.get(pk, ()):
                if shares_a_word(key, c.key or self._key(c.name)) or c.id in evidence:
                    evidence.setdefault(c.id, []).append("the same phone number")
        for number in sorted(info["numbers"]):
            for cid in sorted(self.holders.get(number, ())):
                evidence.setdefault(cid, []).append(f"invoice {number} is this client's in the ledger")
        if not evidence:
            new_keys.append(key)
            return
        reordered = [cid for cid, why in evidence.items() if why[0] == "the same name in another order" and len(why) > 1]
        if len(reordered) == 1 and len(evidence) == 1:
            c = self.clients_by_id[reordered[0]]
            self.route[key] = c
            self.matched.append(f"{info['name']} is {c.name} (#{c.id}): " + "; ".join(_joined(evidence[c.id])))
            return
        for cid, why in evidence.items():
            c = self.clients_by_id.get(cid)
            if c is not None:
                self.questions.append(Question(info["name"], key, c.name, c.id, tuple(_joined(why)), info["file"],
                                               info["line"]))
        new_keys.append(key)  # planned as a new client meanwhile (the plan is blocked)

    def _number_conflicts(self, key: str, info: dict, c: Client) -> None:
        """An invoice number of this (known) client that the ledger holds for another client."""
        for number in sorted(info["numbers"]):
            for cid in sorted(self.holders.get(number, ())):
                if cid != c.id and cid in self.clients_by_id:
                    other = self.clients_by_id[cid]
                    self.questions.append(Question(
                        info["name"], key, other.name, other.id,
                        (f"invoice {number} is {other.name}'s in the ledger, and the file gives it to "
                         f"{c.name} (#{c.id})",), info["file"], info["line"]))

    def _among_new(self, new_keys: list[str], seen: dict[str, dict]) -> None:
        """Two new names in the files for one client: the same words in another order, or one invoice number."""
        by_order: dict[str, str] = {}
        by_number: dict[str, str] = {}
        for key in new_keys:
            info = seen[key]
            apart = info["name"] in self.decisions.separate or key in self._separate_keys
            why: dict[str, list[str]] = {}
            of = order_free_key(key)
            other = by_order.get(of)
            if other is not None and other != key:
                why.setdefault(other, []).append("the same name in another order")
            for number in sorted(info["numbers"]):
                o = by_number.get(number)
                if o is not None and o != key:
                    why.setdefault(o, []).append(f"invoice {number} is in the files under both names")
            if why and not apart:
                for o, reasons in why.items():
                    self.questions.append(Question(info["name"], key, seen[o]["name"], None, tuple(_joined(reasons)),
                                                   info["file"], info["line"]))
            by_order.setdefault(of, key)
            for number in info["numbers"]:
                by_number.setdefault(number, key)

    # ---- stale facts

    def _older(self, files: list[ParsedFile]) -> list[str]:
        """What would move back: an older file, balances up, invoices open again, dates earlier."""
        out, dates = [], []
        if self.ledger_as_of is not None:
            for pf in files:
                if pf.as_of is not None and pf.as_of < self.ledger_as_of:
                    out.append(f"{pf.name} is as of {_day(pf.as_of)}, older than the latest import "
                               f"(as of {_day(self.ledger_as_of)})")
        for c in self.entries:
            for inv in c.updated_invoices:
                old = c.before.get(inv.number)
                if old is None or (inv.status == "void" and not inv.number):
                    continue
                label = _label(c, inv)
                if old.status in ("paid", "void") and inv.status == "open":
                    out.append(f"{label}: {old.status} in the ledger, open again in the file "
                               f"({_money(inv.balance, inv.currency)})")
                elif old.balance is not None and inv.balance is not None and inv.balance > old.balance \
                        and inv.status == "open":
                    out.append(f"{label}: the balance would go up with no new invoice, "
                               f"{_money(old.balance, old.currency)} -> {_money(inv.balance, inv.currency)}")
                moved = [f"{word} {_day(a)} -> {_day(b)}" for f, word in (("issued", "issued"), ("due", "due"))
                         for a, b in [(getattr(old, f), getattr(inv, f))] if a is not None and b is not None and b < a]
                if moved:
                    dates.append(f"{label}: dates would move back ({', '.join(moved)})")
        return out + dates

    def plan(self, files: list[ParsedFile]) -> ImportPlan:
        self._identify(files)
        self.file_named = {pf.name: pf for pf in files}
        skipped: list[Skipped] = []
        found_of = self.found
        sources_of = self.sources_of
        for pf in files:
            source = pf.source
            for ii in pf.invoices:
                e = self._resolve(ii)
                bucket = found_of.get(id(e))
                if bucket is None:
                    bucket = found_of[id(e)] = {}
                    sources_of[id(e)] = {source}
                else:
                    sources_of[id(e)].add(source)
                key = (ii.invoice, None) if ii.invoice else ("", ii.currency or self.default)
                prev = bucket.get(key)
                if prev is None:
                    bucket[key] = (ii, pf)
                else:
                    bucket[key] = (self._merge(prev, (ii, pf), e), prev[1])
            skipped += [s if s.file else _with_file(s, pf.name) for s in pf.skipped]
        matched: set[int] = set()
        for e in list(self.entries):
            found = self.found.get(id(e), {})
            for (number, _), (ii, pf) in found.items():
                if not number and self._itemised(e, found):
                    # A balance per client, for a client callroom knows invoice by invoice: adding it would
                    # count the same money twice.
                    skipped.append(Skipped(ii.line, None, "balance per client only; callroom already has this "
                                           "client's invoices one by one", "other", e.client.name, ii.email, pf.name))
                    continue
                self._apply(e, number, ii, pf, matched)
            self._replace_balance_line(e, found, matched)
        self._settle_from_skipped(skipped, matched)
        credits = self._credits(files, skipped)
        closable, left_alone = self._missing(files, matched)
        if self.full:
            self._close(closable, files)
        stated = [pf.as_of for pf in files if pf.as_of is not None]
        return ImportPlan(files=[pf.path for pf in files], format_names=[pf.format_name for pf in files],
                          clients=self.entries, skipped=skipped, as_of=self.as_of, full=self.full,
                          default_currency=self.default, questions=self.questions, matched=self.matched,
                          older=self._older(files), accept_older=self.accept_older,
                          file_as_of=max(stated) if stated else None, ledger_as_of=self.ledger_as_of,
                          described=[pf.described for pf in files], credits=credits,
                          file_totals=self._file_totals(files), not_listed=[] if self.full else closable,
                          left_alone=left_alone if self.full else [], sources_recorded=self.sources_recorded)

    def _paid_on(self, pf: ParsedFile | None) -> date:
        """The date of a payment an import finds: the export's as-of date when it states one (the money had
        arrived by then), unless that is after today; else today."""
        if pf is not None and pf.as_of is not None and pf.as_of <= self.as_of:
            return pf.as_of
        return self.as_of

    def _merge(self, prev, new, e: ClientImport) -> ImportedInvoice:
        (a, fa), (b, fb) = prev, new
        if a.balance is not None and b.balance is not None and a.balance != b.balance \
                or (a.currency and b.currency and a.currency != b.currency):
            raise ImportFileError(
                fb.name,
                f"invoice {b.invoice or '(balance)'} for {e.client.name} shows {b.balance} {b.currency or ''} here but "
                f"{a.balance} {a.currency or ''} in {fa.name} (line {a.line})".replace("  ", " "),
                line=b.line, value=str(b.balance),
                hint="Two files disagree about one invoice: import only the newer export, or correct the other one.",
            )
        fill = {f: getattr(b, f) for f in ("balance", "issued", "due", "currency", "amount", "email", "phone", "terms")
                if getattr(a, f) in (None, "") and getattr(b, f) not in (None, "")}
        return _replace(a, **fill) if fill else a

    def _find(self, client_id: int | None, number: str, currency: str) -> Invoice | None:
        if client_id is None:
            return None
        found = self.invoices_by.get((client_id, number), [])
        if not number:
            found = [i for i in found if i.currency == currency]
        if not found:
            return None
        opened = [i for i in found if i.status == "open"]
        return (opened or found)[0]

    def _apply(self, e: ClientImport, number: str, ii: ImportedInvoice, pf: ParsedFile, matched: set[int]) -> None:
        cur = (ii.currency or self.default).upper()
        ex = self._find(e.client.id, number, cur)
        if ex is None:
            e.new_invoices.append(Invoice(
                id=None, client_id=0, number=number, currency=cur, balance=ii.balance, issued=ii.issued, due=ii.due,
                amount=ii.amount, status="open", terms=ii.terms or "", source=pf.source,
                book_status=ii.book_status or ""))
            return
        matched.add(id(ex))
        changes: dict = {}
        if ii.balance is not None and ii.balance != ex.balance:
            changes["balance"] = ii.balance
        if ex.status != "open":
            changes["status"] = "open"
            changes["closed_on"] = None
        for f in ("issued", "due", "amount"):
            v = getattr(ii, f)
            if v is not None and v != getattr(ex, f):
                changes[f] = v
        if ii.terms and ii.terms != ex.terms:
            changes["terms"] = ii.terms
        if ii.currency and ii.currency != ex.currency:
            changes["currency"] = ii.currency
        if ii.book_status is not None and ii.book_status != ex.book_status:
            changes["book_status"] = ii.book_status  # the file has a status: what it says now
        if not is_kind(ex.source) and ex.source not in NOT_IMPORTED and pf.source:
            # Imported before the kind of export was kept: it is now known, for this invoice and (by the earlier
            # file it came from) for the others of that file (see ``_missing``).
            self.legacy.setdefault(ex.source, set()).add(pf.source)
            changes["source"] = pf.source
            self.sources_recorded += 1
        if not changes:
            return
        e.updated_invoices.append(ex.with_(**changes))
        e.before[ex.number] = ex
        if (ex.status == "open" and ex.balance is not None and ii.balance is not None and ii.balance < ex.balance
                and "currency" not in changes):
            e.payments.append(Payment(
                id=None, client_id=0, date=self._paid_on(pf), amount=ex.balance - ii.balance, currency=ex.currency,
                invoices=(ex.number,), source="import", note=f"balance went down in {pf.name}"))

    def _itemised(self, e: ClientImport, found: dict) -> bool:
        if any(number for number, _ in found):
            return True
        return e.client.id is not None and e.client.id in self.itemised_ids

    def _replace_balance_line(self, e: ClientImport, found: dict, matched: set[int]) -> None:
        """Numbered invoices now arrive for a client held as one balance: that balance line is replaced."""
        if e.client.id is None or not any(number for number, _ in found) or any(not n for n, _ in found):
            return
        for inv in self.invoices_by.get((e.client.id, ""), []):
            if inv.status == "open" and id(inv) not in matched:
                matched.add(id(inv))
                e.updated_invoices.append(inv.with_(status="void", closed_on=self.as_of, balance=Decimal(0)))
                e.before[inv.number] = inv

    def _settle_from_skipped(self, skipped: list[Skipped], matched: set[int]) -> None:
        """Open invoices that a file lists as paid or void are updated accordingly."""
        for s in skipped:
            if s.kind not in ("paid", "void") or not s.invoice or not s.client:
                continue
            c = self._existing(s.client, s.email)
            if c is None:
                continue
            ex = next((i for i in self.invoices_by.get((c.id, s.invoice), []) if i.status == "open"), None)
            if ex is None or id(ex) in matched:
                continue
            matched.add(id(ex))
            e = self._entry_for(c)
            paid_on = self._paid_on(self.file_named.get(s.file))
            e.updated_invoices.append(ex.with_(status=s.kind, closed_on=paid_on, balance=Decimal(0)))
            e.before[ex.number] = ex
            if s.kind == "paid" and ex.balance is not None and ex.balance > 0:
                e.payments.append(Payment(
                    id=None, client_id=0, date=paid_on, amount=ex.balance, currency=ex.currency,
                    invoices=(ex.number,), source="import", note=f"shown as paid in {Path(s.file).name}"))

    def _missing(self, files: list[ParsedFile], matched: set[int]) -> tuple[list[LeftOpen], list[LeftOpen]]:
        """The open invoices the files do not list: those a full import may close (the same kind of export as a
        file, in a currency that file lists), and the others with why they are left alone."""
        currencies: dict[str, set[str]] = {}  # kind of export -> the currencies its files list
        for pf in files:
            curs = currencies.setdefault(pf.source, set())
            curs.update((ii.currency or self.default).upper() for ii in pf.invoices)
            curs.update((sk.currency or self.default).upper() for sk in pf.skipped if sk.amount is not None)
            if not pf.invoices:
                curs.add((pf.currency or self.default).upper())
        # An earlier file's invoices (a legacy source) take the kind of the files that list some of them.
        inferred = {src: next(iter(kinds)) for src, kinds in self.legacy.items()
                    if len(kinds) == 1 and src not in NOT_IMPORTED}
        closable: list[LeftOpen] = []
        alone: list[LeftOpen] = []
        for inv in self.existing_invoices:
            if inv.status != "open" or id(inv) in matched:
                continue
            client = self.clients_by_id.get(inv.client_id)
            if client is None:
                continue
            kind = inv.source if is_kind(inv.source) else inferred.get(inv.source)
            if kind is None:
                why = ("from the demo" if inv.source == "demo" else "not from an import" if not inv.source
                       else "from earlier imports these files cannot be tied to")
            elif kind not in currencies:
                why = f"from {source_label(kind)}"
            elif inv.currency not in currencies[kind]:
                why = f"in {inv.currency}, which these files do not list"
            else:
                closable.append(LeftOpen(client.name, inv))
                continue
            alone.append(LeftOpen(client.name, inv, why))
        return closable, alone

    def _close(self, closable: list[LeftOpen], files: list[ParsedFile]) -> None:
        """A full import: the open invoices of the files' kind that they no longer list are paid (by the
        newest as-of date of those files, when they state one)."""
        newest: dict[str, ParsedFile] = {}
        for pf in files:
            have = newest.get(pf.source)
            if have is None or (pf.as_of is not None and (have.as_of is None or pf.as_of > have.as_of)):
                newest[pf.source] = pf
        inferred = {src: next(iter(kinds)) for src, kinds in self.legacy.items() if len(kinds) == 1}
        for lo in closable:
            inv = lo.invoice
            e = self._entry_for(self.clients_by_id[inv.client_id])
            kind = inv.source if is_kind(inv.source) else inferred.get(inv.source, "")
            paid_on = self._paid_on(newest.get(kind))
            e.closed_invoices.append(inv.with_(status="paid", closed_on=paid_on, balance=Decimal(0), source=kind))
            e.before[inv.number] = inv
            if inv.balance is not None and inv.balance > 0:
                e.payments.append(Payment(
                    id=None, client_id=0, date=paid_on, amount=inv.balance, currency=inv.currency,
                    invoices=(inv.number,), source="import", note="closed: not in the full import"))

    # ---- unapplied credits

    def _entry_named(self, name: str | None, email: str | None) -> ClientImport | None:
        """The plan's entry for a name in the files (a ledger client, or a new one the files give an invoice),
        or None."""
        key = self._key(name) if name else ""
        routed = self.route.get(key) if key else None
        if routed is not None and routed.__class__ is not str:
            return self._entry_for(routed)
        if routed is not None:
            key = routed
        else:
            c = (self.by_key.get(key) if key else None) or (self.by_email.get(email.strip().lower()) if email else None)
            if c is not None:
                return self._entry_for(c)
        return (self.new_by_key.get(key) if key else None) or (
            self.new_by_email.get(email.strip().lower()) if email else None)

    def _credits(self, files: list[ParsedFile], skipped: list[Skipped]) -> list[CreditFound]:
        """The files' unapplied credits and payments, per client; each client's kept credit updated from
        the files of the same kind of export (``Client.credits``)."""
        kind_of_file = {pf.name: pf.source for pf in files}
        rows: dict[int, list[Skipped]] = {}
        entries: dict[int, ClientImport] = {}
        strays: dict[str, list[Skipped]] = {}
        for sk in skipped:
            if sk.amount is None or sk.kind not in ("credit", "payment"):
                continue
            e = self._entry_named(sk.client, sk.email)
            if sk.currency is None:
                sk = _replace_skipped(sk, currency=self.default)
            if e is None:
                strays.setdefault(sk.client or sk.email or "?", []).append(sk)
                continue
            rows.setdefault(id(e), []).append(sk)
            entries[id(e)] = e
            self.sources_of.setdefault(id(e), set()).add(kind_of_file.get(sk.file, ""))
        kinds = {pf.source for pf in files}
        if self.full:  # the files list every open item of their kind: a credit they no longer list is gone
            for c in self._clients:
                if any(k.split(" ", 1)[-1] in kinds for k in c.credits):
                    self._entry_for(c)
        for e in self.entries:
            said = self.sources_of.get(id(e), set())
            if not said and not (self.full and e.client.id is not None):
                continue
            now = dict(e.client.credits)
            for key in list(now):
                source = key.split(" ", 1)[1] if " " in key else ""
                if source in said or (self.full and source in kinds):
                    del now[key]  # what these files say replaces what the same kind of export said before
            for sk in rows.get(id(e), ()):
                key = credit_key(sk.currency, kind_of_file.get(sk.file, ""))
                now[key] = _dec(now.get(key)) + sk.amount
            if _credit_values(now) != _credit_values(e.client.credits):
                e.client = e.client.with_(credits={k: v for k, v in now.items() if _dec(v) != 0})
                e.credits_changed = True
        out = []
        for eid, found in rows.items():
            e = entries[eid]
            owed: dict[str, Decimal] = {}
            for ii, _pf in self.found.get(eid, {}).values():
                if ii.balance is not None:
                    cur = (ii.currency or self.default).upper()
                    owed[cur] = owed.get(cur, Decimal(0)) + ii.balance
            out.append(CreditFound(e.client.name, tuple(found), owed, True))
        for name, found in strays.items():
            out.append(CreditFound(name, tuple(found), {}, False))
        return out

    def _file_totals(self, files: list[ParsedFile]) -> list[str]:
        """A file whose own total differs from what its invoices add up to: said, with the unapplied credits
        and payments that make up the difference."""
        out = []
        for pf in files:
            last: dict[str, object] = {}
            for t in pf.totals:
                last[(t.currency or self.default).upper()] = t
            for cur, t in last.items():
                invoices = sum(((ii.balance or Decimal(0)) for ii in pf.invoices
                                if (ii.currency or self.default).upper() == cur), Decimal(0))
                if invoices == t.amount:
                    continue
                credits = sum((sk.amount for sk in pf.skipped if sk.amount is not None
                               and (sk.currency or self.default).upper() == cur), Decimal(0))
                gap = invoices - t.amount
                why = (f"the {_money(credits, cur)} of unapplied credits and payments listed below" if credits == gap
                       else f"they differ by {_money(abs(gap), cur)}, which the file does not explain line by line")
                out.append(f"{pf.name} {pf.where(t.line)} says the total is {_money(t.amount, cur)}; its invoices "
                           f"add up to {_money(invoices, cur)}: {why}.")
        return out


# ---------------------------------------------------------------- helpers

def _replace(ii: ImportedInvoice, **changes) -> ImportedInvoice:
    from dataclasses import replace
    return replace(ii, **changes)


def _replace_skipped(s: Skipped, **changes) -> Skipped:
    from dataclasses import replace
    return replace(s, **changes)


def _dec(value) -> Decimal:
    return Decimal(0) if value is None or value == "" else Decimal(str(value))


def _credit_values(credits: dict) -> dict[str, Decimal]:
    return {k: _dec(v) for k, v in credits.items() if _dec(v) != 0}


def _with_file(s: Skipped, name: str) -> Skipped:
    from dataclasses import replace
    return replace(s, file=name)


def _joined(why: list[str]) -> list[str]:
    """Reasons without repeats, in order."""
    return list(dict.fromkeys(why))


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def _n(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return "unknown"
    try:
        return format_money(amount, currency)
    except Exception:
        return f"{amount} {currency}"


def _totals(invoices) -> str:
    sums: dict[str, Decimal] = {}
    for i in invoices:
        if i.balance is not None:
            sums[i.currency] = sums.get(i.currency, Decimal(0)) + i.balance
    return " + ".join(_money(a, c) for c, a in sorted(sums.items())) or "nothing known"


def _totals_payments(payments) -> str:
    sums: dict[str, Decimal] = {}
    for p in payments:
        sums[p.currency] = sums.get(p.currency, Decimal(0)) + p.amount
    return " + ".join(_money(a, c) for c, a in sorted(sums.items()))


def _details(items: list, text=None, limit: int | None = LIST_MAX, more: str = "") -> list[str]:
    """The first ``limit`` items (all: None) as detail lines (``text`` makes each one's line: only those
    shown are made); ``more``: how to see the rest, said after their count."""
    shown = items if limit is None else items[:limit]
    if text is not None:
        shown = [text(*x) if isinstance(x, tuple) else text(x) for x in shown]
    lines = [f"  - {x}" for x in shown]
    if len(shown) < len(items):
        lines.append(f"  … and {len(items) - len(shown)} more" + (f" ({more})" if more else ""))
    return lines


def _label(c: ClientImport, inv: Invoice) -> str:
    return f"{c.client.name} #{inv.number or '(balance)'}"


def _new_text(c: ClientImport, i: Invoice) -> str:
    return f"{_label(c, i)}: {_money(i.balance, i.currency) if i.balance is not None else 'balance unknown'}"


def _settled_text(c: ClientImport, inv: Invoice, old: Invoice | None) -> str:
    return f"{_label(c, inv)}: shown as {inv.status} in the file" + (
        f" (was {_money(old.balance, old.currency)})" if old and old.balance is not None else "")


def _down_text(c: ClientImport, inv: Invoice, old: Invoice) -> str:
    return (f"{_label(c, inv)}: {_money(old.balance, old.currency)} -> {_money(inv.balance, inv.currency)} "
            f"(payment of {_money(old.balance - inv.balance, inv.currency)})")


def _up_text(c: ClientImport, inv: Invoice, old: Invoice) -> str:
    return f"{_label(c, inv)}: {_money(old.balance, old.currency)} -> {_money(inv.balance, inv.currency)}"


def _other_text(c: ClientImport, inv: Invoice, old: Invoice | None) -> str:
    if inv.status == "void" and not inv.number:
        return f"{c.client.name}: the single balance line is replaced by the invoices listed"
    return f"{_label(c, inv)}: " + (", ".join(_changed(old, inv)) or "details updated")


def _closed_text(c: ClientImport, i: Invoice) -> str:
    return _label(c, i) + (f" ({_money(c.before[i.number].balance, i.currency)})"
                           if i.number in c.before and c.before[i.number].balance is not None else "")


def _credit_text(cf: CreditFound) -> str:
    rows = "; ".join(
        f"{_ROW_WORD.get(s.reason, s.reason)}{' #' + s.invoice if s.invoice else ''} {_money(s.amount, s.currency)} "
        f"({Path(s.file).name} line {s.line})" for s in cf.rows)
    if not cf.kept:
        return f"{cf.name}: {rows}: not kept (no client of that name in callroom, and no open invoice in the files)"
    nets = []
    for cur, credit in sorted(cf.credit.items()):
        owed = cf.owed.get(cur)
        if owed is not None:
            nets.append(f"its invoices here {_money(owed, cur)}, {_money(max(owed - credit, Decimal(0)), cur)} net")
    return f"{cf.name}: {rows}" + (f"; {', '.join(nets)}" if nets else "")


_ROW_WORD = {"payment": "unapplied payment", "credit note": "credit note",
             "credit balance (the client is owed money)": "credit balance", "payment on account": "payment on account"}


def _books_text(c: ClientImport, inv: Invoice) -> str:
    return f"{_label(c, inv)}: {books.WHY[inv.book_status]}"


def _left_text(lo: LeftOpen) -> str:
    owed = f" ({_money(lo.invoice.balance, lo.invoice.currency)})" if lo.invoice.balance is not None else ""
    return f"{lo.invoice.number or '(balance)'} {lo.client}{owed}" + (f": {lo.why}" if lo.why else "")


def _skipped_text(s: Skipped) -> str:
    return (f"{Path(s.file).name or 'file'} line {s.line}: " + (f"{s.client} " if s.client else "")
            + (f"#{s.invoice} " if s.invoice else "") + f"- {s.reason}")


def _changed(old: Invoice | None, new: Invoice) -> list[str]:
    if old is None:
        return []
    names = {"issued": "issue date", "due": "due date", "amount": "amount", "terms": "terms", "currency": "currency",
             "status": "reopened", "book_status": "status in your books"}
    out = []
    for f, label in names.items():
        if getattr(old, f) != getattr(new, f):
            if f == "book_status":
                out.append(f"{label} {old.book_status or 'none'} -> {new.book_status or 'none'}")
                continue
            out.append(label if f == "status" else f"{label} {getattr(old, f) or '-'} -> {getattr(new, f)}")
    return out


def _reason_label(reason: str, n: int) -> str:
    plural = {"total row": "total rows", "credit note": "credit notes", "payment": "payments"}
    return plural.get(reason, reason) if n != 1 else reason


__all__ = ["plan_import", "ImportPlan", "ClientImport", "ImportCounts", "Question", "Decisions", "DecisionError",
           "CreditFound", "LeftOpen"]

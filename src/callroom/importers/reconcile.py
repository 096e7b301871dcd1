"""What an import changes: parsed files against what callroom already knows.

``plan_import`` is a pure function (no I/O). The store applies the plan:

* ``ClientImport.client``: an existing client (id set; email/phone filled in where it
  had none) or a new one (id None);
* ``new_invoices`` (client_id=0: the store fills it), ``updated_invoices`` (existing
  ids, new values), ``payments`` (client_id=0 too), ``closed_invoices`` (existing ids,
  status "paid", closed_on=as_of).

Rules: a client is the same when ``normalise_name`` matches or the email matches
(case-insensitive), in any file; an invoice is the same when the client and the number
match. A balance that went down is a Payment dated ``as_of`` (source "import"); a
balance that went up is only an update. An invoice the file shows as paid (or void)
is updated to paid (with a Payment for what was still owed) or void. An open invoice
missing from the files is closed as paid only when ``full`` is true.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from ..domain.models import Client, Invoice, Payment
from ..domain.money import format_money
from ._speed import gc_paused, name_keys
from .errors import ImportFileError
from .parse import ImportedInvoice, ParsedFile, Skipped

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

    @property
    def has_changes(self) -> bool:
        return bool(self.is_new or self.client_updated or self.new_invoices or self.updated_invoices
                    or self.payments or self.closed_invoices)


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

    def summary_lines(self) -> list[str]:
        """What a user reads after an import, one line per fact (details indented)."""
        out: list[str] = []
        described = ", ".join(f"{Path(f).name} ({fmt})" for f, fmt in zip(self.files, self.format_names))
        out.append(f"Read {_n(len(self.files), 'file')}: {described}." if self.files else "No files read.")
        news = [c for c in self.clients if c.is_new]
        if news:
            out.append(f"New clients: {len(news)}.")
            out += _details([c.client.name for c in news])
        new_invs = [(c, i) for c in self.clients for i in c.new_invoices]
        if new_invs:
            unknown = sum(1 for _, i in new_invs if i.balance is None)
            total = _totals(i for _, i in new_invs)
            extra = f"; {unknown} with a balance the file could not tell" if unknown else ""
            out.append(f"New invoices: {len(new_invs)}, {total} owed{extra}.")
            out += _details(new_invs, _new_text)
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
                else:
                    other.append((c, inv, old))
        payments = [p for c in self.clients for p in c.payments]
        if down:
            out.append(f"Balances that went down, recorded as payments: {len(down)}.")
            out += _details(down, _down_text)
        if settled:
            out.append(f"Invoices the files show as paid or void: {len(settled)}.")
            out += _details(settled, _settled_text)
        if up:
            out.append(f"Balances that went up (updated, no payment recorded): {len(up)}.")
            out += _details(up, _up_text)
        if other:
            out.append(f"Invoices with other changes: {len(other)}.")
            out += _details(other, _other_text)
        closed = [(c, i) for c in self.clients for i in c.closed_invoices]
        if closed:
            out.append(f"Closed as paid because they are not in the files (full import): {len(closed)}.")
            out += _details(closed, _closed_text)
        elif not self.full and self.clients:
            out.append("Invoices missing from the files were left open (use a full import to close them as paid).")
        if payments:
            out.append(f"Payments recorded: {len(payments)}, {_totals_payments(payments)} in all.")
        filled = [c.client.name for c in self.clients if c.client_updated]
        if filled:
            out.append(f"Contact details filled in for {_n(len(filled), 'client')}: " + ", ".join(filled[:LIST_MAX])
                       + (" …" if len(filled) > LIST_MAX else "") + ".")
        if self.skipped:
            reasons = Counter(s.reason for s in self.skipped)
            parts = [f"{n} {_reason_label(r, n)}" for r, n in reasons.most_common()]
            out.append(f"Skipped: {len(self.skipped)} ({'; '.join(parts)}).")
            shown = [s for s in self.skipped if s.kind != "total"]
            out += _details([(s,) for s in shown], _skipped_text)
        if not self.has_changes:
            out.append("Nothing to change: callroom already has all of this.")
        return out


# ---------------------------------------------------------------- the planning

def plan_import(parsed_files: list[ParsedFile], existing_clients: list[Client], existing_invoices: list[Invoice], *,
                as_of: date, full: bool, default_currency: str) -> ImportPlan:
    """The plan for importing ``parsed_files`` (a list, or one ParsedFile); pure, no I/O."""
    files = [parsed_files] if isinstance(parsed_files, ParsedFile) else list(parsed_files)
    with gc_paused():
        return _Planner(existing_clients, existing_invoices, as_of, full, default_currency).plan(files)


class _Planner:
    def __init__(self, clients, invoices, as_of, full, default_currency):
        self.as_of = as_of
        self.full = full
        self.default = (default_currency or "").strip().upper()
        self._key = key_of = name_keys()
        self.clients_by_id: dict[int, Client] = {}
        self.by_key: dict[str, Client] = {}
        self.by_email: dict[str, Client] = {}
        for c in clients:
            if c.id is None:
                continue
            self.clients_by_id.setdefault(c.id, c)
            self.by_key.setdefault(c.key or key_of(c.name), c)
            if c.email:
                self.by_email.setdefault(c.email.strip().lower(), c)
        self.invoices_by: dict[tuple[int, str], list[Invoice]] = {}
        for inv in invoices:
            self.invoices_by.setdefault((inv.client_id, inv.number), []).append(inv)
        self.existing_invoices = list(invoices)
        self.itemised_ids = {i.client_id for i in invoices if i.number and i.status == "open"}
        self.entries: list[ClientImport] = []
        self.entry_of_id: dict[int, ClientImport] = {}
        self.new_by_key: dict[str, ClientImport] = {}
        self.new_by_email: dict[str, ClientImport] = {}
        self.found: dict[int, dict] = {}  # id(entry) -> {(number, currency|None): (ImportedInvoice, file)}

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
        c = self.by_key.get(key) if key else None
        if c is None and email:
            c = self.by_email.get(email.strip().lower())
        return c

    def _resolve(self, ii: ImportedInvoice) -> ClientImport:
        name, email = ii.client.strip(), (ii.email or "").strip() or None
        key = self._key(name) if name else ""  # what _existing works out, inlined: this runs for every invoice
        c = self.by_key.get(key) if key else None
        if c is None and email:
            c = self.by_email.get(email.strip().lower())
        if c is not None:
            e = self.entry_of_id.get(c.id)
            if e is None:
                e = self._entry_for(c)
            if email or ii.phone:
                self._fill(e, email, ii.phone)
            return e
        e = self.new_by_key.get(key) if key else None
        if e is None and email:
            e = self.new_by_email.get(email.lower())
        if e is None:
            e = ClientImport(client=Client(id=None, name=name, email=email or "",
                                           phones=(ii.phone,) if ii.phone else ()), is_new=True)
            self.entries.append(e)
        else:
            cl = e.client
            if email and not cl.email:
                cl = cl.with_(email=email)
            if ii.phone and not cl.phones:
                cl = cl.with_(phones=(ii.phone,))
            if cl.email and cl.name.strip().lower() == cl.email.lower() and name.lower() != (email or "").lower() \
                    and "@" not in name:
                cl = Client(id=None, name=name, email=cl.email, phones=cl.phones)  # a real name instead of the email
            e.client = cl
        if key:
            self.new_by_key.setdefault(key, e)
            self.new_by_key.setdefault(e.client.key, e)
        if e.client.email:
            self.new_by_email.setdefault(e.client.email.lower(), e)
        return e

    def _fill(self, e: ClientImport, email: str | None, phone: str | None) -> None:
        cl = e.client
        changes = {}
        if email and not cl.email:
            changes["email"] = email
        if phone and not cl.phones:
            changes["phones"] = (phone,)
        if changes:
            e.client = cl.with_(**changes)
            e.client_updated = True
            if "email" in changes:
                self.by_email.setdefault(email.lower(), cl)

    # ---- invoices

    def plan(self, files: list[ParsedFile]) -> ImportPlan:
        skipped: list[Skipped] = []
        found_of = self.found
        for pf in files:
            for ii in pf.invoices:
                e = self._resolve(ii)
                bucket = found_of.get(id(e))
                if bucket is None:
                    bucket = found_of[id(e)] = {}
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
        if self.full:
            self._close_missing(matched)
        return ImportPlan(files=[pf.path for pf in files], format_names=[pf.format_name for pf in files],
                          clients=self.entries, skipped=skipped, as_of=self.as_of, full=self.full,
                          default_currency=self.default)

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
                amount=ii.amount, status="open", terms=ii.terms or "", source=pf.name))
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
        if not changes:
            return
        e.updated_invoices.append(ex.with_(**changes))
        e.before[ex.number] = ex
        if (ex.status == "open" and ex.balance is not None and ii.balance is not None and ii.balance < ex.balance
                and "currency" not in changes):
            e.payments.append(Payment(
                id=None, client_id=0, date=self.as_of, amount=ex.balance - ii.balance, currency=ex.currency,
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
            e.updated_invoices.append(ex.with_(status=s.kind, closed_on=self.as_of, balance=Decimal(0)))
            e.before[ex.number] = ex
            if s.kind == "paid" and ex.balance is not None and ex.balance > 0:
                e.payments.append(Payment(
                    id=None, client_id=0, date=self.as_of, amount=ex.balance, currency=ex.currency,
                    invoices=(ex.number,), source="import", note=f"shown as paid in {Path(s.file).name}"))

    def _close_missing(self, matched: set[int]) -> None:
        for inv in self.existing_invoices:
            if inv.status != "open" or id(inv) in matched:
                continue
            client = self.clients_by_id.get(inv.client_id)
            if client is None:
                continue
            e = self._entry_for(client)
            e.closed_invoices.append(inv.with_(status="paid", closed_on=self.as_of, balance=Decimal(0)))
            e.before[inv.number] = inv
            if inv.balance is not None and inv.balance > 0:
                e.payments.append(Payment(
                    id=None, client_id=0, date=self.as_of, amount=inv.balance, currency=inv.currency,
                    invoices=(inv.number,), source="import", note="closed: not in the full import"))


# ---------------------------------------------------------------- helpers

def _replace(ii: ImportedInvoice, **changes) -> ImportedInvoice:
    from dataclasses import replace
    return replace(ii, **changes)


def _with_file(s: Skipped, name: str) -> Skipped:
    from dataclasses import replace
    return replace(s, file=name)


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


def _details(items: list, text=None) -> list[str]:
    """The first LIST_MAX items as detail lines (``text`` makes each one's line: only those shown are made)."""
    shown = items[:LIST_MAX]
    if text is not None:
        shown = [text(*x) for x in shown]
    lines = [f"  - {x}" for x in shown]
    if len(items) > LIST_MAX:
        lines.append(f"  … and {len(items) - LIST_MAX} more")
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


def _skipped_text(s: Skipped) -> str:
    return (f"{Path(s.file).name or 'file'} line {s.line}: " + (f"{s.client} " if s.client else "")
            + (f"#{s.invoice} " if s.invoice else "") + f"- {s.reason}")


def _changed(old: Invoice | None, new: Invoice) -> list[str]:
    if old is None:
        return []
    names = {"issued": "issue date", "due": "due date", "amount": "amount", "terms": "terms", "currency": "currency",
             "status": "reopened"}
    out = []
    for f, label in names.items():
        if getattr(old, f) != getattr(new, f):
            out.append(label if f == "status" else f"{label} {getattr(old, f) or '-'} -> {getattr(new, f)}")
    return out


def _reason_label(reason: str, n: int) -> str:
    plural = {"total row": "total rows", "credit note": "credit notes", "payment": "payments"}
    return plural.get(reason, reason) if n != 1 else reason


__all__ = ["plan_import", "ImportPlan", "ClientImport", "ImportCounts"]

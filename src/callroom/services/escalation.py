"""The escalation desk: the routes weighed against what a client owes overdue, choosing
one (on the record), withdrawing it, the owner's costs, where the money sits at each
stage, and the case file for a lawyer, an agency or a court.

The arithmetic is :mod:`callroom.domain.escalation`; the case file's rows
:mod:`callroom.domain.casefile`, rendered by :mod:`callroom.documents.casefile`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from ..domain import escalation as esc
from ..domain.escalation import Claims, CostBook, CostError, Estimate, Route, StageFigures, StepState, ClosedFigures
from ..domain.models import Client, Escalation
from ..domain.money import format_money
from ..files import write_whole

if TYPE_CHECKING:
    from ..domain.casefile import CaseFile
    from ..domain.clock import Clock
    from ..store.repo import Store

#: The files a case file folder holds (an existing one is refused unless forced).
CASE_FILES = ("casefile.pdf", "statement.csv", "contact-log.csv")
LETTERS = "letters"
_LETTER_NAME = re.compile(r"^\d{2,} \d{4}-\d{2}-\d{2} [a-z-]+\.[a-z]+$")


class EscalationError(Exception):
    """A route could not be chosen or withdrawn: the text says why (nothing was stored)."""


class CaseFileError(Exception):
    """No case file was written: the text says why and where."""


@dataclass(frozen=True)
class Routes:
    """Everything the escalation desk shows for one client."""

    client: Client
    today: date
    claims: Claims
    weighed: dict[str, list[Estimate]]  # per currency overdue, best first
    books: dict[str, CostBook]  # the cost book used per currency
    standing: list[StepState]  # routes standing now
    history: list[StepState]  # every route chosen, oldest first

    @property
    def nothing_overdue(self) -> bool:
        return not self.claims.claims

    def notes(self, locale: str = "en_US") -> list[str]:
        """What is not escalated, and why (disputed, not yet due, balance unknown)."""
        out = []
        for label, invs in (("under dispute, not escalated", self.claims.disputed),
                            ("not yet due, not escalated", self.claims.not_due)):
            if invs:
                listed = ", ".join(f"{i.number} ({format_money(i.balance, i.currency, locale) if i.balance is not None else 'balance unknown'})"
                                   for i in invs)
                out.append(f"{'Invoice' if len(invs) == 1 else 'Invoices'} {listed}: {label}.")
        if self.claims.unknown:
            out.append(f"Overdue with a balance the ledger does not know, not escalated: {', '.join(i.number for i in self.claims.unknown)}.")
        said = []
        for claim in self.claims.claims:
            said += [n for n in claim.due_notes if n not in said]
        if said:
            out.append("* " + "; ".join(said) + ".")
        return out

    def examples_used(self) -> bool:
        return any(e.example for ests in self.weighed.values() for e in ests)


def routes(store: "Store", client_id: int, today: date, locale: str = "en_US") -> Routes:
    cf = store.client_file(client_id)
    policy = store.settings.policy
    profile = store.settings.profile
    cl = esc.claims(cf, today, policy)
    books = {c.currency: esc.book_for(profile, c.currency) for c in cl.claims}
    weighed = {c.currency: esc.weigh(c, books[c.currency], policy, locale) for c in cl.claims}
    return Routes(cf.client, today, cl, weighed, books, esc.current(cf, today), esc.states(cf, today))


def choose(store: "Store", client_id: int, route: Route | str, clock: "Clock", *, currency: str | None = None, note: str = "",
           call_id: int | None = None) -> tuple[Escalation, Estimate]:
    """Record the choice of ``route`` for what the client owes overdue (in ``currency`` when
    it owes in several): the figures it is chosen on, and its deadline or check date. A route
    already standing for that currency ends ('replaced by ...'). Both land together, or
    neither does. EscalationError when there is nothing overdue or the route is not available."""
    r = route if isinstance(route, Route) else Route.parse(route)
    today = clock.today()
    view = routes(store, client_id, today)
    name = view.client.name
    if view.nothing_overdue:
        raise EscalationError(f"{name} has nothing overdue to escalate" + (" (" + " ".join(view.notes()) + ")" if view.notes() else ""))
    curs = list(view.weighed)
    if currency is None:
        if len(curs) > 1:
            raise EscalationError(f"{name} owes overdue money in {', '.join(curs)}: say which currency the route is for (--currency)")
        cur = curs[0]
    else:
        cur = currency.strip().upper()
        if cur not in view.weighed:
            raise EscalationError(f"{name} owes nothing overdue in {cur} (overdue in: {', '.join(curs)})")
    est = next(e for e in view.weighed[cur] if e.route is r)
    if not est.available:
        raise EscalationError(f"{r.label} is {est.why} for {name}")
    claim = view.claims.for_currency(cur)
    assert claim is not None
    step = esc.new_step(client_id, est, claim, clock.now(), note=note.strip(), call_id=call_id)
    with store.transaction():
        for st in view.standing:
            if st.step.currency == cur:
                store.escalations.save(replace(st.step, ended=today, end=f"replaced by {r.label.lower()}"))
        saved = store.escalations.add(step)
    return saved, est


def withdraw(store: "Store", client_id: int, clock: "Clock", *, currency: str | None = None) -> list[Escalation]:
    """End the routes standing for a client (or for one currency) without a payment: the
    client is judged by the normal rules again. EscalationError when none stands."""
    today = clock.today()
    cf = store.client_file(client_id)
    standing = [s for s in esc.current(cf, today) if currency is None or s.step.currency == currency.upper()]
    if not standing:
        raise EscalationError(f"no escalation route stands for {cf.client.name}" + (f" in {currency.upper()}" if currency else ""))
    out = []
    with store.transaction():
        for st in standing:
            out.append(store.escalations.save(replace(st.step, ended=today, end="withdrawn")))
    return out


def stages(store: "Store", today: date) -> tuple[list[StageFigures], ClosedFigures]:
    """Clients and money at each escalation stage, and the routes closed by a payment (the
    queue filter has its figures from today's queue: ``escalation.queue_stage_figures``)."""
    return esc.stage_figures(store.client_files(), today, store.settings.policy)


# ---------------------------------------------------------------------------------- costs


def cost_books(store: "Store") -> dict[str, CostBook]:
    """The owner's cost books; the ledger's default currency always has one (maybe all examples)."""
    books = esc.books(store.settings.profile)
    cur = store.settings.default_currency.upper()
    books.setdefault(cur, CostBook(cur))
    return dict(sorted(books.items()))


def read_cost_settings(texts: Iterable[str]) -> list[esc.CostSetting]:
    """Every ``--cost`` value read first; CostError names the first bad one."""
    return [esc.parse_setting(t) for t in texts]


def set_costs(store: "Store", texts: Iterable[str]) -> dict[str, CostBook]:
    """Apply ``--cost`` values (each checked first; nothing stored on a refusal) as one write."""
    from .writing import set_profile

    set_profile(store, costs=list(texts))
    return cost_books(store)


# ------------------------------------------------------------------------------- case file


def __getattr__(name: str):
    # The case file's module is imported when first used: opening a session does not need it.
    if name in ("CaseFile", "NothingOwed"):
        from ..domain import casefile

        return getattr(casefile, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def case_file(store: "Store", client_id: int, today: date) -> CaseFile:
    from ..domain import casefile as casefile_mod

    cf = store.client_file(client_id)
    written = store.written.for_client(client_id)
    return casefile_mod.build(cf, store.settings.profile, today, store.settings.policy, written=written,
                              saved_exists=lambda p: Path(p).is_file())


def existing_case_file(folder: Path) -> list[str]:
    """What of a case file ``folder`` already holds (empty: nothing)."""
    found = [n for n in CASE_FILES if (folder / n).exists()]
    letters = folder / LETTERS
    if letters.is_dir() and any(_LETTER_NAME.match(p.name) for p in letters.iterdir()):
        found.append(LETTERS + "/")
    return found


@dataclass(frozen=True)
class CaseFileJob:
    """A case file read from the ledger and its folder checked, ready to render and write
    (:func:`write_prepared`, which touches the ledger no more: it may run off the screen's thread)."""

    case: CaseFile
    folder: Path
    force: bool
    logo: object
    when: datetime


def prepare_case_file(store: "Store", client_id: int, folder: Path, clock: "Clock", *, force: bool = False) -> CaseFileJob:
    """The case file's rows from the ledger, and its folder checked. CaseFileError when the
    client owes nothing or the folder already holds a case file (unless ``force``)."""
    from ..domain.casefile import NothingOwed

    try:
        case = case_file(store, client_id, clock.today())
    except NothingOwed as e:
        raise CaseFileError(str(e)) from None
    target = Path(folder).expanduser()
    if target.exists() and not target.is_dir():
        raise CaseFileError(f"{target} is a file, not a folder: no case file was written")
    if target.is_dir() and not force:
        there = existing_case_file(target)
        if there:
            raise CaseFileError(f"{target} already holds a case file ({', '.join(there)}): choose another folder, "
                                "or replace it with --force")
    return CaseFileJob(case, target, force, store.settings.logo, clock.now())


def write_prepared(job: CaseFileJob) -> list[Path]:
    """Render the case file (everything before anything is written), then write it:
    casefile.pdf, statement.csv, contact-log.csv and letters/. With ``force``, the letters a
    case file wrote there before are replaced; other files are left alone. CaseFileError
    (naming what and where) when text cannot be set in the PDF or the folder cannot be written."""
    case, target = job.case, job.folder
    from ..documents import casefile as casefile_doc  # here: fpdf takes a third of a second to import

    try:
        pdf = casefile_doc.pdf_bytes(case, job.logo, job.when)  # type: ignore[arg-type]
    except casefile_doc.Refused as e:
        raise CaseFileError(f"{e}. No case file was written") from None
    files: list[tuple[Path, bytes]] = [(target / "casefile.pdf", pdf), (target / "statement.csv", casefile_doc.statement_csv(case)),
                                       (target / "contact-log.csv", casefile_doc.contact_log_csv(case))]
    letters = target / LETTERS
    for e in case.exhibits:
        files.append((letters / e.name, casefile_doc.letter_text(e)))
        if e.copy:
            try:
                files.append((letters / e.copy, Path(e.saved).read_bytes()))
            except OSError:
                pass  # gone since it was looked at: the text as recorded is there
    try:
        target.mkdir(parents=True, exist_ok=True)
        if case.exhibits:
            letters.mkdir(exist_ok=True)
        if job.force and letters.is_dir():
            keep = {p.name for p, _ in files if p.parent == letters}
            for old in letters.iterdir():
                if _LETTER_NAME.match(old.name) and old.name not in keep and old.is_file():
                    old.unlink()
        for path, data in files:
            write_whole(path, data)
    except OSError as e:
        where = getattr(e, "filename", None) or target
        raise CaseFileError(f"cannot write to {where}: {e.strerror or e}. The case file is not complete there") from None
    return [p for p, _ in files]


def write_case_file(store: "Store", client_id: int, folder: Path, clock: "Clock", *, force: bool = False) -> list[Path]:
    """Write the case file into ``folder`` (made when missing); nothing is written on a refusal
    (see :func:`prepare_case_file` and :func:`write_prepared`)."""
    return write_prepared(prepare_case_file(store, client_id, folder, clock, force=force))


class EscalationDesk:
    """Part of :class:`callroom.services.Desk`: routes, the choice on the record, costs, case files."""

    store: "Store"
    clock: "Clock"

    def routes(self, client_id: int, locale: str = "en_US") -> Routes:
        return routes(self.store, client_id, self.clock.today(), locale)

    def choose_route(self, client_id: int, route: Route | str, *, currency: str | None = None, note: str = "",
                     call_id: int | None = None) -> tuple[Escalation, Estimate]:
        return choose(self.store, client_id, route, self.clock, currency=currency, note=note, call_id=call_id)

    def withdraw_route(self, client_id: int, *, currency: str | None = None) -> list[Escalation]:
        return withdraw(self.store, client_id, self.clock, currency=currency)

    def escalation_stages(self) -> tuple[list[StageFigures], ClosedFigures]:
        return stages(self.store, self.clock.today())

    def cost_books(self) -> dict[str, CostBook]:
        return cost_books(self.store)

    def set_costs(self, texts: Iterable[str]) -> dict[str, CostBook]:
        return set_costs(self.store, texts)

    def case_file(self, client_id: int) -> CaseFile:
        return case_file(self.store, client_id, self.clock.today())

    def write_case_file(self, client_id: int, folder: Path, *, force: bool = False) -> list[Path]:
        return write_case_file(self.store, client_id, folder, self.clock, force=force)

    def prepare_case_file(self, client_id: int, folder: Path, *, force: bool = False) -> CaseFileJob:
        return prepare_case_file(self.store, client_id, folder, self.clock, force=force)

    @staticmethod
    def write_prepared_case_file(job: CaseFileJob) -> list[Path]:
        return write_prepared(job)


__all__ = ["EscalationDesk", "EscalationError", "CaseFileError", "CostError", "Routes", "routes", "choose", "withdraw",
           "stages", "cost_books", "set_costs", "case_file", "write_case_file", "prepare_case_file", "write_prepared", "CaseFileJob", "existing_case_file", "CASE_FILES", "Route", "NothingOwed"]

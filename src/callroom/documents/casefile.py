"""The case file as files: ``casefile.pdf`` on the owner's letterhead (built from
:class:`~callroom.documents.pdf.Paper`), ``statement.csv`` and ``contact-log.csv`` with
the same rows as the PDF's tables, and the text of each letter for ``letters/``.

Dates are ISO (2026-11-23) throughout: a case file may be read in another country.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, time
from decimal import Decimal
from typing import Iterable, Sequence

from ..domain.casefile import CONTACT_COLUMNS, STATEMENT_COLUMNS, CaseFile, Exhibit
from ..domain.escalation import Route, closed_text
from ..domain.history import CHANNEL_LABELS
from ..domain.money import Totals, format_money
from ..domain.profile import Logo
from .pdf import Paper, Party, Refused, check_text, profile_lines

__all__ = ["pdf_bytes", "statement_csv", "contact_log_csv", "letter_text", "Refused"]


def _m(amount: Decimal | None, currency: str) -> str:
    return "" if amount is None else format_money(amount, currency)


def _totals(t: Totals) -> str:
    return t.format(sep=" + ") if t else "nothing"


def _csv(columns: Sequence[str], rows: Iterable[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns))  # RFC 4180: CRLF line ends, quotes where needed
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return buf.getvalue().encode("utf-8")


def statement_csv(case: CaseFile) -> bytes:
    """Every invoice: the rows of the PDF's statement of account."""
    return _csv(STATEMENT_COLUMNS, (r.to_csv() for r in case.statement))


def contact_log_csv(case: CaseFile) -> bytes:
    """Every call and written message, notes and texts verbatim: the rows of the PDF's contact log."""
    return _csv(CONTACT_COLUMNS, (r.to_csv() for r in case.contacts))


def letter_text(e: Exhibit) -> bytes:
    """A letter as recorded: who it went to, when and how, the subject, then the text verbatim."""
    w = e.written
    head = [f"Exhibit {e.number}: {e.title}"]
    if w.to:
        head.append(f"To: {w.to}")
    if w.subject:
        head.append(f"Subject: {w.subject}")
    if e.saved:
        head.append(f"Saved at the time as: {e.saved}")
    return ("\n".join(head) + "\n\n" + (w.text or "") + ("" if (w.text or "").endswith("\n") else "\n")).encode("utf-8")


def _check(case: CaseFile) -> None:
    """Refuse, naming where, text the PDF font cannot set (a note, a name, a letter)."""
    c = case.client
    parts = {"the client's name": c.name, "the client's contact": c.contact, "the client's address": c.address,
             "the client's email": c.email}
    for r in case.contacts:
        when = f"{r.at:%Y-%m-%d %H:%M}"
        if r.contact == "call":
            parts[f"the note of the call of {when}"] = r.notes
            parts[f"what the call of {when} agreed"] = r.agreed
        else:
            parts[f"the message of {when}"] = f"{r.subject}\n{r.notes}\n{r.to}"
    for d in case.disputes:
        parts[f"the dispute opened {d.opened.isoformat()}"] = f"{d.what}\n{d.who}"
    for p in case.payments:
        parts[f"the note of the payment of {p.date.isoformat()}"] = p.note
    for s in case.steps:
        parts[f"the note of the escalation of {s.step.at:%Y-%m-%d}"] = s.step.note
    check_text(parts)


def _party_rows(case: CaseFile) -> tuple[str, str]:
    p, c = case.creditor, case.client
    creditor = Party(p.name or "(business name not set: callroom profile --name)",
                     tuple(x for x in (p.contact, *profile_lines(p)) if x)).text()
    debtor = Party(c.name, tuple(x for x in (c.contact, *(c.address or "").splitlines(), *c.phones, c.email) if x)).text()
    return creditor, debtor


def pdf_bytes(case: CaseFile, logo: Logo | None = None, when: datetime | None = None) -> bytes:
    """casefile.pdf: a summary page, then the statement of account, the contact log, promises,
    disputes, escalation steps and letters sent, then each letter as a numbered exhibit."""
    _check(case)
    c = case.client
    doc = Paper(case.creditor, logo, title=f"Case file: {c.name}", when=when or datetime.combine(case.today, time(9, 0)))
    doc.add_page()

    # -- summary
    doc.heading(f"Case file: {c.name}", 15)
    doc.small(f"Prepared on {case.today.isoformat()} from the ledger kept in callroom. Every figure below is as recorded "
              "there; the only calculations (interest, estimated costs) are labelled as such.")
    creditor, debtor = _party_rows(case)
    doc.table(("Creditor", "Debtor"), [(creditor, debtor)], widths=(1, 1))
    doc.heading("What is owed", 11)
    rows = []
    for cur in sorted(case.owed.keys() | case.overdue.keys() | case.not_due.keys() | case.disputed.keys()):
        rows.append((cur, _m(case.overdue.get(cur, Decimal(0)), cur), _m(case.not_due.get(cur, Decimal(0)), cur),
                     _m(case.disputed.get(cur, Decimal(0)), cur), _m(case.owed.get(cur, Decimal(0)), cur)))
    doc.table(("Currency", "Overdue", "Not yet due", "Disputed", "Total owed"), rows, widths=(1.2, 2, 2, 2, 2), align="LRRRR")
    if case.unknown:
        doc.small(f"Open invoices whose balance the ledger does not know (not counted above): {', '.join(case.unknown)}.")
    if case.interest:
        rates = "; ".join(f"{cur} {r}% a year" for cur, r in case.interest_rates.items())
        doc.paragraph(f"Interest ({rates}, simple, on each overdue balance from its due date to {case.today.isoformat()}; "
                      f"a calculation, not charged in the ledger): {_totals(case.interest_total())}. Itemised in section 1.")
    route = case.route
    doc.heading("Route chosen", 11)
    if route is None:
        doc.paragraph("No escalation route has been chosen yet.")
    else:
        s = route.step
        check = ("deadline" if route.route is Route.FINAL_NOTICE else "check date") + f" {s.check.isoformat()}" if s.check else "no check date"
        doc.paragraph(f"{route.route.label}, chosen on {s.at:%Y-%m-%d}, for {_m(s.claim, s.currency)} overdue "
                      f"(invoices {', '.join(s.invoices) or '-'}); {check}. Estimated cost {_m(s.cost, s.currency)}, leaving "
                      f"{_m(s.keeps, s.currency)} if paid in full" + (" (from example costs)" if s.example else "") + ". "
                      f"Now: {_status(route)}.")
    doc.heading("Contents", 11)
    contents = ["1. Statement of account", "2. Contact log", "3. Promises", "4. Disputes", "5. Escalation steps", "6. Letters sent"]
    contents += [f"Exhibit {e.number}: {e.title}" for e in case.exhibits]
    doc.paragraph("\n".join(contents), 9.5)

    # -- 1. statement of account
    doc.add_page()
    doc.heading("1. Statement of account", 12)
    doc.table(("Invoice", "Issued", "Due", "Amount", "Paid", "Balance", "Days overdue", "Note"),
              [(r.number, r.issued.isoformat() if r.issued else "", r.due.isoformat() if r.due else "", _m(r.amount, r.currency),
                _m(r.paid, r.currency), _m(r.balance, r.currency),
                (str(r.days_overdue) if r.days_overdue and r.days_overdue > 0 else "") if r.days_overdue is not None else "", r.note)
               for r in case.statement],
              widths=(1.9, 2.3, 2.3, 2.4, 2.2, 2.4, 1.8, 2.5), align="LLLRRRRL")
    doc.small("Paid: the invoice's amount less its balance. Days overdue: from the due date to the date of this file.")
    doc.heading("Payments received", 11)
    if case.payments:
        doc.table(("Date", "Amount", "Invoices", "Source", "Note"),
                  [(p.date.isoformat(), _m(p.amount, p.currency), ", ".join(p.invoices), p.source, p.note) for p in case.payments],
                  widths=(2.2, 2.2, 2.5, 1.6, 4.8), align="LRLLL")
    else:
        doc.paragraph("None recorded.")
    if case.interest:
        doc.heading("Interest (a calculation, not charged in the ledger)", 11)
        doc.table(("Invoice", "Balance", "From", "Days", "Rate", "Interest"),
                  [(i.number, _m(i.balance, i.currency), i.since.isoformat(), str(i.days), f"{case.interest_rates[i.currency]}%",
                    _m(i.amount, i.currency)) for i in case.interest],
                  widths=(2, 2.2, 2.2, 1.2, 1.2, 2.2), align="LRLRRR")

    # -- 2. contact log
    doc.add_page()
    doc.heading("2. Contact log", 12)
    doc.small("Every call and written message, oldest first; notes as recorded. A written message's full text is its exhibit."
              + (f" {case.skipped} skip{'s' if case.skipped != 1 else ''} (no call made) left out." if case.skipped else ""))
    if case.contacts:
        rows = []
        for r in case.contacts:
            if r.contact == "call":
                what = " · ".join(x for x in (r.result, r.reason, r.outcome) if x)
                notes = "\n".join(x for x in (r.notes, f"Agreed: {r.agreed}" if r.agreed else "",
                                              f"Next action: {r.next_action.isoformat()}" if r.next_action else "") if x)
                rows.append((f"{r.at:%Y-%m-%d %H:%M}", "Call", what, notes))
            else:
                rows.append((f"{r.at:%Y-%m-%d %H:%M}", "Written", f"{r.result} ({r.channel})" + (f"\nto {r.to}" if r.to else ""),
                             (f"Subject: {r.subject}\n" if r.subject else "") + f"Exhibit {r.exhibit}"))
        doc.table(("Date and time", "Contact", "Result · reason · outcome", "Notes"), rows, widths=(3, 1.4, 3.8, 6.8))
    else:
        doc.paragraph("No calls or written messages recorded.")

    # -- 3. promises
    doc.heading("3. Promises", 12)
    if case.promises:
        doc.table(("Made", "Due", "Amount", "What", "Invoices", "Status", "Paid by due", "Paid late"),
                  [(p.made_on.isoformat(), p.due.isoformat(), _m(p.amount, p.currency), p.what + (f" ({p.method})" if p.method else ""),
                    ", ".join(p.invoices), p.status, _m(p.paid_by_due, p.currency), _m(p.paid_late, p.currency)) for p in case.promises],
                  widths=(2.2, 2.2, 2.2, 2.6, 2, 1.6, 2, 2), align="LLRLLLRR")
        kept = sum(1 for p in case.promises if p.status == "Kept")
        broken = sum(1 for p in case.promises if p.status in ("Broken", "Partly kept"))
        doc.small(f"{kept} kept, {broken} broken or partly kept, of {len(case.promises)} (a promise is kept when the money arrives by its date).")
    else:
        doc.paragraph("No promises recorded.")

    # -- 4. disputes
    doc.heading("4. Disputes", 12)
    if case.disputes:
        doc.table(("Opened", "What", "Invoices", "Who", "How it ended"),
                  [(d.opened.isoformat(), d.what, ", ".join(d.invoices), d.who, d.ended) for d in case.disputes],
                  widths=(2.2, 5.3, 2, 1.8, 3.8))
    else:
        doc.paragraph("No disputes recorded.")

    # -- 5. escalation steps
    doc.heading("5. Escalation steps", 12)
    if case.steps:
        doc.table(("Chosen", "Route", "Claim", "Est. cost", "Keeps", "Deadline / check", "Status"),
                  [(f"{s.step.at:%Y-%m-%d}", s.route.label, _m(s.step.claim, s.step.currency), _m(s.step.cost, s.step.currency),
                    _m(s.step.keeps, s.step.currency), s.step.check.isoformat() if s.step.check else "-", _status(s))
                   for s in case.steps],
                  widths=(2.2, 2.6, 2.2, 2, 2.2, 2.2, 3.4), align="LLRRRLL")
        if any(s.step.example for s in case.steps):
            doc.small("Estimated costs marked as from example costs were worked out from callroom's examples, not the owner's own figures.")
    else:
        doc.paragraph("No escalation route chosen yet.")

    # -- 6. letters sent
    doc.heading("6. Letters sent", 12)
    if case.exhibits:
        doc.table(("Exhibit", "Date", "Message", "How", "To", "File in letters/"),
                  [(str(e.number), f"{e.written.at:%Y-%m-%d}", e.title.split(",")[0], CHANNEL_LABELS.get(e.written.channel, e.written.channel),
                    e.written.to, e.name + (f"\n{e.copy}" if e.copy else "")) for e in case.exhibits],
                  widths=(1.4, 2.2, 2.8, 2.4, 3.2, 4.4))
    else:
        doc.paragraph("No written messages recorded.")

    # -- exhibits
    for e in case.exhibits:
        w = e.written
        doc.add_page()
        doc.heading(f"Exhibit {e.number}: {e.title}", 12)
        meta = [f"Sent: {w.at:%Y-%m-%d %H:%M}"]
        if w.to:
            meta.append(f"To: {w.to}")
        if e.saved:
            meta.append(f"Saved at the time as: {e.saved}")
        doc.small("\n".join(meta))
        if w.subject:
            doc.heading(w.subject, 10.5)
        doc.paragraph(w.text or "(no text recorded)", 10)
    return doc.output_bytes()


def _status(s) -> str:
    if s.status == "running":
        return "running"
    if s.status == "due":
        return "due back: no news by the check date"
    if s.status == "checked":
        return "check date passed; client called since"
    if s.status == "written-off":
        return "written off"
    return closed_text(s)

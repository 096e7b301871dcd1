"""The case file against a hand-built ledger: every row as the ledger holds it (statement,
payments, contact log verbatim, promises kept and broken, disputes, letters as numbered
exhibits), interest only when the owner set a rate, nothing for a client who owes
nothing; the PDF read back with pypdf finds every invoice number and every call date,
and the CSVs carry the same rows."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime, time

import pypdf
import pytest

from callroom.documents import casefile as doc
from callroom.documents.pdf import Refused
from callroom.domain import casefile as cfmod
from callroom.domain import escalation as esc
from callroom.domain.codes import Outcome, Reason, Result
from callroom.domain.escalation import Route
from callroom.domain.models import Call, Written
from callroom.domain.profile import Profile

from domain_builders import TODAY, D, ago, ahead, cfile, client, dispute, invoice, payment, promise

PROFILE = Profile(name="Brightline Studio", contact="Sam Rivera", phone="+1 415-555-0100", email="sam@brightline.example",
                  address="12 Harbor Way\nSan Francisco, CA 94105")


def _call(day, hh, result=Result.REACHED, *, reason=None, outcome=None, note="", next_action=None, details=None, id=None):
    return Call(id, 1, datetime.combine(day, time(hh, 5)), result, reason, outcome, note, next_action, details=details or {})


def ledger():
    """A client who promised, broke it, disputed one invoice, paid one, and was sent two letters."""
    c = replace(client(), address="400 Market St\nSan Francisco, CA 94105", email="ap@acme.example")
    invoices = [
        replace(invoice("1042", "1200.00", overdue=125), amount=D("1200.00"), issued=ago(155)),
        replace(invoice("1043", "300.00", overdue=95), amount=D("800.00"), issued=ago(125)),  # part paid
        replace(invoice("1044", "0", overdue=70, status="paid"), amount=D("450.00"), issued=ago(100), closed_on=ago(82)),
        replace(invoice("1045", "650.00", overdue=40), amount=D("650.00"), issued=ago(70)),  # disputed
        replace(invoice("1046", "990.00", overdue=-12), amount=D("990.00"), issued=ago(18)),  # not yet due
    ]
    calls = [
        _call(ago(90), 9, Result.VOICEMAIL, note="Left a message with the invoice numbers.", next_action=ago(88), id=1),
        _call(ago(60), 14, reason=Reason.CASH_FLOW, outcome=Outcome.PROMISE, next_action=ago(44),
              note='Dana: "We will pay 1042 and 1043 by the 15th", said twice.', details={"amount": "1500.00", "currency": "USD", "date": ago(45).isoformat()}, id=2),
        _call(ago(30), 11, reason=Reason.DISPUTE, outcome=Outcome.DISPUTE, note="Says 1045 billed a day twice.", next_action=ahead(3), id=3),
        _call(ago(29), 10, Result.SKIPPED, details={"skip_reason": "owner away"}, id=4),
        _call(ago(10), 16, reason=Reason.WONT_PAY, outcome=Outcome.ESCALATE, note="Refuses.\nSays: 'take us to court'.", id=5),
    ]
    promises = [promise(ago(60), ago(45), "1500.00", invoices=("1042", "1043")), promise(ago(100), ago(80), "450.00", invoices=("1044",))]
    disputes = [dispute(ago(30), ahead(3), ("1045",)), replace(dispute(ago(140), ago(120), ("1030",), resolved=ago(125)), what="Late delivery")]
    payments = [payment(ago(82), "450.00", invoices=("1044",)), payment(ago(20), "500.00", invoices=("1043",))]
    cf = cfile(c, invoices, calls=calls, promises=promises, disputes=disputes, payments=payments)
    written = [
        Written(21, 1, datetime.combine(ago(10), time(16, 30)), "final-notice", "pdf", subject="Final notice: $1,500.00 to be paid by 3 Dec",
                text="Dear Dana,\n\nThe total overdue is $1,500.00.\n", file="/nowhere/final.pdf"),
        Written(20, 1, datetime.combine(ago(59), time(9, 0)), "confirmation", "eml", subject="Confirming your payment",
                text="Dear Dana,\n\nAs agreed, $1,500.00 by the 15th.\n", to="ap@acme.example", file="/nowhere/conf.eml"),
    ]
    return cf, written


def _case(**kw):
    cf, written = ledger()
    return cfmod.build(cf, kw.pop("profile", PROFILE), TODAY, written=written, **kw)


def test_the_rows_are_the_ledgers_own():
    case = _case()
    assert case.owed == {"USD": D("3140.00")}
    assert case.overdue == {"USD": D("1500.00")} and case.disputed == {"USD": D("650.00")} and case.not_due == {"USD": D("990.00")}
    assert [(r.number, r.amount, r.paid, r.balance, r.status, r.days_overdue, r.note) for r in case.statement] == [
        ("1042", D("1200.00"), D("0.00"), D("1200.00"), "open", 125, ""),
        ("1043", D("800.00"), D("500.00"), D("300.00"), "open", 95, ""),
        ("1044", D("450.00"), D("450.00"), D("0"), "paid", None, f"paid {ago(82).isoformat()}"),
        ("1045", D("650.00"), D("0.00"), D("650.00"), "open", 40, "disputed"),
        ("1046", D("990.00"), D("0.00"), D("990.00"), "open", -12, "not yet due"),
    ]
    assert [(p.date, p.amount) for p in case.payments] == [(ago(82), D("450.00")), (ago(20), D("500.00"))]
    # every call but the skip, and both letters, oldest first, notes verbatim
    kinds = [(r.at.date(), r.contact, r.result) for r in case.contacts]
    assert kinds == [(ago(90), "call", "Voicemail"), (ago(60), "call", "Reached"), (ago(59), "written", "Promise confirmation"),
                     (ago(30), "call", "Reached"), (ago(10), "call", "Reached"), (ago(10), "written", "Final notice")]
    assert case.skipped == 1
    promised = case.contacts[1]
    assert promised.notes == 'Dana: "We will pay 1042 and 1043 by the 15th", said twice.'
    assert promised.agreed == f"1500.00 USD · by {ago(45).isoformat()}" and promised.outcome == "Promise to pay"
    assert case.contacts[4].notes == "Refuses.\nSays: 'take us to court'."
    assert case.contacts[2].notes == "Dear Dana,\n\nAs agreed, $1,500.00 by the 15th.\n" and case.contacts[2].exhibit == 1
    assert case.contacts[5].exhibit == 2
    assert [(p.due, p.status, p.paid_by_due) for p in case.promises] == [(ago(80), "Kept", D("450.00")), (ago(45), "Broken", D("0"))]
    assert [(d.opened, d.ended) for d in case.disputes] == [
        (ago(140), f"resolved on {ago(125).isoformat()}"), (ago(30), f"open: get back by {ahead(3).isoformat()}")]
    assert [(e.number, e.name, e.copy) for e in case.exhibits] == [
        (1, f"01 {ago(59).isoformat()} confirmation.txt", ""), (2, f"02 {ago(10).isoformat()} final-notice.txt", "")]
    assert case.interest == () and case.interest_rates == {}
    assert case.route is None


def test_interest_appears_only_when_the_owner_set_a_rate_and_the_route_chosen_is_named():
    books = esc.apply_settings({}, [esc.parse_setting("interest=10%")], "USD")
    cf, written = ledger()
    claim = esc.claims(cf, TODAY).claims[0]
    step = replace(esc.new_step(1, esc.estimate(Route.LAWYER, claim.amount, "USD", books["USD"]), claim,
                                datetime.combine(ago(2), time(9))), id=3)
    case = cfmod.build(replace(cf, escalations=(step,)), esc.with_books(PROFILE, books), TODAY, written=written)
    assert case.interest_rates == {"USD": D("10")}
    # overdue and not disputed only: 1042 for 125 days and 1043 for 95 days at 10% a year
    assert [(i.number, i.days, i.amount) for i in case.interest] == [("1042", 125, D("41.10")), ("1043", 95, D("7.81"))]
    assert case.interest_total() == {"USD": D("48.91")}
    assert case.route.step is step and case.route.status == esc.RUNNING


def test_a_client_who_owes_nothing_has_no_case_file():
    cf = cfile(invoices=[invoice("1", "0", status="paid")])
    with pytest.raises(cfmod.NothingOwed, match="Acme Ltd owes nothing"):
        cfmod.build(cf, PROFILE, TODAY)


def _pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_read_back_holds_every_invoice_number_every_call_date_and_the_letters():
    books = esc.apply_settings({}, [esc.parse_setting("interest=10%")], "USD")
    case = _case(profile=esc.with_books(PROFILE, books))
    data = doc.pdf_bytes(case, None, datetime(2026, 11, 23, 9, 0))
    text = _pdf_text(data)
    for r in case.statement:
        assert r.number in text, r.number
    for r in case.contacts:
        assert f"{r.at:%Y-%m-%d %H:%M}" in text, r.at
    for needed in ("Case file: Acme Ltd", "Creditor", "Debtor", "Brightline Studio", "12 Harbor Way", "400 Market St",
                   "1. Statement of account", "2. Contact log", "3. Promises", "4. Disputes", "5. Escalation steps", "6. Letters sent",
                   "$1,500.00", "$650.00", "$990.00", "$3,140.00", "Interest (USD 10% a year", "$48.91",
                   "Exhibit 1: Promise confirmation", "Exhibit 2: Final notice", "Dear Dana,", "Late delivery",
                   "No escalation route has been chosen yet.", "Broken", "Kept", "Says: 'take us to court'."):
        assert needed in text, needed
    assert "Page 1 of" in text
    assert pypdf.PdfReader(io.BytesIO(data)).metadata.title == "Case file: Acme Ltd"
    assert "Interest" not in _pdf_text(doc.pdf_bytes(_case(), None))  # no rate: no interest anywhere


def test_the_csvs_carry_the_same_rows():
    case = _case()
    statement = list(csv.DictReader(io.StringIO(doc.statement_csv(case).decode("utf-8"))))
    assert [r["invoice"] for r in statement] == ["1042", "1043", "1044", "1045", "1046"]
    assert statement[1] == {"invoice": "1043", "currency": "USD", "issued": ago(125).isoformat(), "due": ago(95).isoformat(),
                            "amount": "800.00", "paid": "500.00", "balance": "300.00", "status": "open", "days_overdue": "95", "note": ""}
    log = list(csv.DictReader(io.StringIO(doc.contact_log_csv(case).decode("utf-8"))))
    assert [(r["date"], r["contact"]) for r in log] == [(r.at.date().isoformat(), r.contact) for r in case.contacts]
    assert log[4]["notes"] == "Refuses.\nSays: 'take us to court'."
    assert log[5]["text" if "text" in log[5] else "notes"] == "Dear Dana,\n\nThe total overdue is $1,500.00.\n"
    assert log[5]["exhibit"] == "2" and log[5]["subject"].startswith("Final notice")


def test_text_the_pdf_cannot_set_is_refused_naming_where():
    cf, written = ledger()
    calls = cf.calls + (_call(ago(1), 9, note="客户说下周付款", id=9),)
    case = cfmod.build(replace(cf, calls=calls), PROFILE, TODAY, written=written)
    with pytest.raises(Refused, match=f"the note of the call of {ago(1).isoformat()} 09:05"):
        doc.pdf_bytes(case)

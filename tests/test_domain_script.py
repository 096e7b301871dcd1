"""The call script is written from the client's own facts (DOMAIN.md section 3)."""

from __future__ import annotations

from datetime import date
from itertools import combinations

import pytest

from callroom.domain.codes import Reason, Result, Stage
from callroom.domain.models import Client
from callroom.domain.policy import Policy
from callroom.domain.script import compose, invoice_months, join_words

from domain_builders import TODAY, ago, call, cfile, client, dispute, invoice, payment, promise, stand


def may_june_file(**kw):
    """Two invoices from May and June, on 120-day terms: 'personal outreach' on TODAY."""
    invs = [
        invoice("1001", "2000.00", issued=date(2026, 5, 12), due=date(2026, 9, 9)),  # 75 days overdue
        invoice("1002", "2200.00", issued=date(2026, 6, 3), due=date(2026, 10, 1)),
    ]
    return cfile(client(**kw), invs)


def script_for(cf, **kw):
    return compose(stand(cf), TODAY, **kw)


# --- opening ----------------------------------------------------------------------------------

def test_opening_names_the_contact_invoices_months_total_and_terms():
    s = script_for(may_june_file(), caller="Sam", business="Brightline Studio")
    assert stand(may_june_file()).stage is Stage.PERSONAL
    assert s.listen[0] == "Hi Dana, this is Sam from Brightline Studio."
    assert s.listen[1] == "I'm calling about invoices 1001 and 1002 from May and June, $4,200.00 in all."
    assert s.listen[2] == "Can we set up payment on the Net 30 terms we agreed?"
    assert s.stage("listen") == s.listen


def test_greeting_without_caller_business_or_contact():
    assert script_for(may_june_file()).listen[0] == "Hi Dana."
    assert script_for(may_june_file(contact="")).listen[0] == "Hello."


@pytest.mark.parametrize("contact, first", [("Dr. Alan Reyes", "Alan"), ("Ms Fiona Grant", "Fiona"), ("Dr. Reyes", "Dr. Reyes"), ("Mere", "Mere")])
def test_greeting_uses_the_first_name_not_a_title(contact, first):
    assert Client(1, "X", contact=contact).first_name == first
    assert script_for(may_june_file(contact=contact)).listen[0] == f"Hi {first}."


def test_single_invoice_and_no_terms():
    cf = cfile(client(terms=""), [invoice("1033", "12905.25", issued=date(2026, 7, 6), due=date(2026, 10, 5))])
    s = script_for(cf)
    assert s.listen[1] == "I'm calling about invoice 1033 from July, $12,905.25 in all."
    assert s.listen[2] == "Can we set up payment within the terms we agreed?"


def test_months_carry_years_when_they_span_years_or_are_not_this_year():
    span = [invoice("a", issued=date(2025, 12, 5)), invoice("b", issued=date(2026, 1, 9)), invoice("c", issued=date(2025, 12, 20))]
    assert invoice_months(span, TODAY) == "December 2025 and January 2026"
    assert invoice_months([invoice("a", issued=date(2025, 3, 1))], TODAY) == "March 2025"
    assert invoice_months([invoice("a", issued=date(2026, 3, 1)), invoice("b", issued=date(2026, 4, 1)), invoice("c", issued=date(2026, 6, 1))], TODAY) == "March, April and June"
    # no issue date: the due date places it; no dates at all: no months
    assert invoice_months([invoice("a", due=date(2026, 9, 30), issued=None)], TODAY) == "September"
    assert invoice_months([invoice("a", due=None, issued=None, overdue=None)], TODAY) == ""


def test_opening_without_known_months_leaves_them_out():
    cf = cfile(client(), [invoice("9", "10.00", due=None, issued=None, overdue=None)])
    assert script_for(cf).listen[1] == "I'm calling about invoice 9, $10.00."  # no date: not known to be overdue


def test_totals_are_given_per_currency():
    cf = cfile(client(), [invoice("U1", "100.00", issued=date(2026, 8, 1)), invoice("E1", "200.00", issued=date(2026, 8, 15), currency="EUR"),
                          invoice("J1", "48000", issued=date(2026, 9, 2), currency="JPY")])
    line = script_for(cf).listen[1]
    assert line == "I'm calling about invoices U1, E1 and J1 from August and September, €200.00 and ¥48,000 and $100.00 in all."


def test_a_disputed_invoice_is_neither_named_nor_counted():
    cf = cfile(client(), [invoice("KA-19", "6200.00", issued=date(2026, 10, 7)), invoice("KA-23", "1500.00", issued=date(2026, 10, 15), currency="USD")],
               disputes=[dispute(ago(3), date(2026, 11, 27), ("KA-23",))])
    s = script_for(cf, reason=Reason.CASH_FLOW)
    assert s.listen[1] == "I'm calling about invoice KA-19 from October, $6,200.00 in all."
    assert "Could we split $6,200.00 into instalments, say monthly, starting Monday 30 November?" in s.flex


# --- broken promise and escalation ----------------------------------------------------------

def test_broken_promise_line_when_nothing_arrived():
    cf = cfile(client(), [invoice("1001", "500.00", issued=date(2026, 9, 1))],
               calls=[call(date(2026, 11, 1))], promises=[promise(date(2026, 11, 1), date(2026, 11, 10), "500.00")])
    s = script_for(cf)
    assert s.listen[1] == "On Sunday 1 November you told me $500.00 would be paid by Tuesday 10 November. It hasn't arrived. What happened?"
    assert s.listen[2].startswith("I'm calling about invoice 1001")


def test_broken_promise_line_when_part_arrived():
    cf = cfile(client(), [invoice("1001", "300.00", issued=date(2026, 9, 1))],
               calls=[call(date(2026, 11, 1))], promises=[promise(date(2026, 11, 1), date(2026, 11, 10), "500.00")],
               payments=[payment(date(2026, 11, 9), "200.00")])
    assert "Only part of it has arrived. What happened?" in script_for(cf).listen[1]


def test_no_broken_promise_line_once_it_was_talked_about():
    cf = cfile(client(), [invoice("1001", "500.00", issued=date(2026, 9, 1))],
               calls=[call(date(2026, 11, 1)), call(date(2026, 11, 12))], promises=[promise(date(2026, 11, 1), date(2026, 11, 10), "500.00")])
    assert not any("you told me" in line for line in script_for(cf).listen)


def test_escalation_review_wording():
    cf = cfile(client(), [invoice("1019", "3150.00", due=ago(120), issued=date(2026, 6, 27))])
    st = stand(cf)
    assert st.stage is Stage.ESCALATION
    s = compose(st, TODAY)
    assert "The oldest is now 120 days past due. I need us to settle this today." in s.listen
    assert not any(line.startswith("Can we set up payment") for line in s.listen)
    assert "If we can't agree today, a final notice goes out, with payment due by Thursday 3 December." in s.escalate
    assert "Escalation review: 120 days overdue." in s.escalate


def test_escalation_by_broken_promises_says_so():
    prs = [promise(ago(40), ago(30), "100.00"), promise(ago(25), ago(15), "100.00")]
    cf = cfile(client(), [invoice("1001", "400.00", overdue=40)], calls=[call(ago(10))], promises=prs)
    s = script_for(cf)
    assert "Escalation review: 2 broken promises." in s.escalate
    assert "The oldest is now 40 days past due. I need us to settle this today." in s.listen


def test_no_escalation_review_line_below_escalation():
    s = script_for(may_june_file(terms="Net 30"), policy=Policy(escalation_from=400))
    assert not any(line.startswith("Escalation review") for line in s.escalate)
    assert "If we can't agree today, a final notice goes out, with payment due by Thursday 3 December." in s.escalate
    assert "final notice goes out, with payment due by Monday 7 December" in " ".join(script_for(may_june_file(), policy=Policy(final_notice_days=14)).escalate)


# --- flex --------------------------------------------------------------------------------------

EXPECTED_FLEX = {
    None: "Otherwise ask for a date: can $4,200.00 be paid by Monday 30 November?",
    Reason.CASH_FLOW: "Could we split $4,200.00 into instalments, say monthly, starting Monday 30 November?",
    Reason.DISPUTE: "Log what is disputed; say who will look into it and by which date you'll get back.",
    Reason.INVOICE_PROBLEM: "I'll correct it and resend it today. Can you confirm payment once it arrives?",
    Reason.THINKS_PAID: "Thanks. Can you tell me the date it went out and how it was sent?",
    Reason.OVERLOOKED: "Can you put it through by Monday 30 November? What date shall I note down?",
    Reason.STRETCHING: "Our agreement was Net 30; I need us to keep to it.",
    Reason.WONT_PAY: "Move to Escalate.",
}


@pytest.mark.parametrize("reason", list(EXPECTED_FLEX))
def test_flex_lines_fit_the_reason(reason):
    assert EXPECTED_FLEX[reason] in script_for(may_june_file(), reason=reason).flex


def test_every_reason_has_its_own_flex_lines():
    flexes = {r: script_for(may_june_file(), reason=r).flex for r in [None, *Reason]}
    for a, b in combinations(flexes, 2):
        assert flexes[a] != flexes[b], (a, b)


def test_flex_uses_the_promise_days_of_the_policy():
    s = script_for(may_june_file(), reason=Reason.OVERLOOKED, policy=Policy(promise_days=3))
    assert "Can you put it through by Thursday 26 November? What date shall I note down?" in s.flex


def test_stretching_without_terms_points_at_the_invoice():
    assert "Our agreement was the terms on the invoice; I need us to keep to it." in script_for(may_june_file(terms=""), reason=Reason.STRETCHING).flex


# --- close --------------------------------------------------------------------------------------

def test_close_repeats_back_and_gives_payment_instructions():
    s = script_for(may_june_file(instructions="SEPA to NL91 ABNA 0417 1643 00"))
    assert s.close[0].startswith("Repeat back what was agreed")
    assert "Payment details: SEPA to NL91 ABNA 0417 1643 00" in s.close
    assert not any(line.startswith("Payment details") for line in script_for(may_june_file(instructions="")).close)


# --- overdue apart from not yet due (the Atelier Vos case: 66 days overdue, one invoice due next month)

def atelier_vos(contact="Inge Vos"):
    return cfile(client(name="Atelier Vos", contact=contact, terms="Net 30"), [
        invoice("0041", "1500.00", issued=date(2026, 8, 19), due=date(2026, 9, 18), currency="EUR"),
        invoice("0049", "800.00", issued=date(2026, 10, 13), due=date(2026, 11, 12), currency="EUR"),
        invoice("0052", "650.00", issued=date(2026, 11, 18), due=date(2026, 12, 18), currency="EUR"),
    ])


def test_the_script_asks_only_for_what_is_overdue_and_names_the_rest_apart():
    s = script_for(atelier_vos(), reason=Reason.CASH_FLOW)
    assert s.listen[1] == "I'm calling about invoices 0041 and 0049 from August and October, €2,300.00 in all."
    assert "(Not due yet, so not asked for: 0052 (€650.00, due Fri 18 Dec).)" in s.listen
    assert not any("2,950" in line for line in s.listen + s.flex + s.close)
    assert "Could we split €2,300.00 into instalments, say monthly, starting Monday 30 November?" in s.flex
    assert "Otherwise ask for a date: can €2,300.00 be paid by Monday 30 November?" in script_for(atelier_vos()).flex


def test_with_nothing_overdue_the_call_is_about_what_falls_due_and_asks_for_nothing_now():
    cf = cfile(client(), [invoice("0052", "650.00", issued=date(2026, 11, 18), due=date(2026, 12, 18))])
    s = script_for(cf)
    assert s.listen[1] == "I'm calling ahead of invoice 0052 from November, $650.00, due on Friday 18 December."
    assert s.listen[2] == "Is everything in order for it to be paid on time?"
    assert not any("in all" in line or "hasn't been paid" in line for line in s.listen)


# --- voicemail ------------------------------------------------------------------------------------

def test_the_voicemail_message_names_who_and_the_callback_number_never_the_amount():
    s = script_for(atelier_vos(), caller="Sam", business="Brightline Studio", callback_number="+1 415 555 0100")
    assert s.voicemail == (
        "Hello, this is a message for Inge Vos at Atelier Vos.",
        "This is Sam from Brightline Studio.",
        "I'm calling about your account with us; it's a quick question.",
        "Could you call me back on +1 415 555 0100? Thank you.",
    )
    said = " ".join(s.voicemail).lower()
    for secret in ("€", "2,300", "1500", "overdue", "0041", "invoice", "owe", "late", "debt"):
        assert secret not in said


def test_a_voicemail_without_a_callback_number_says_so():
    s = script_for(atelier_vos(contact=""))
    assert s.voicemail[0] == "Hello, this is a message for Atelier Vos."
    assert s.voicemail[-2] == "Could you call me back on [your number]? Thank you."
    assert s.voicemail[-1] == "(No callback number on file: add your phone to your business profile.)"


def test_join_words():
    assert join_words([]) == ""
    assert join_words(["a"]) == "a"
    assert join_words(["a", "b"]) == "a and b"
    assert join_words(["a", "b", "c"]) == "a, b and c"


def test_an_unapplied_credit_in_the_books_is_said_and_not_asked_for_again():
    c = client().with_(credits={"USD export:quickbooks": "300.00"})
    cf = cfile(c, [invoice("1041", "2450.00", issued=date(2025, 12, 18), due=date(2026, 1, 17)),
                   invoice("1067", "875.50", issued=date(2026, 2, 10), due=date(2026, 3, 12))])
    s = script_for(cf)
    assert "I'm calling about invoices 1041 and 1067 from December 2025 and February 2026, $3,325.50 in all." in s.listen
    assert ("Our books also show a credit of $300.00 on your account, not yet applied to these invoices, so "
            "$3,025.50 is left to pay.") in s.listen
    assert any("can $3,025.50 be paid by" in line for line in s.flex)
    assert not any("$3,325.50 be paid" in line for line in s.flex)
    covered = cfile(client().with_(credits={"USD export:quickbooks": "900.00"}), [invoice("1062", "360.00")])
    assert any("which covers them" in line for line in script_for(covered).listen)
    other = cfile(client().with_(credits={"EUR export:xero": "50.00"}), [invoice("1062", "360.00")])
    assert not any("credit" in line for line in script_for(other).listen)  # not in a currency asked for


def test_invoices_the_books_hold_back_are_not_asked_for():
    from dataclasses import replace

    sent = invoice("INV-0409", "1104.00", issued=date(2025, 12, 15), due=date(2026, 1, 20), currency="NZD")
    unsent = replace(invoice("INV-0424", "1322.50", overdue=20, currency="NZD"), book_status="unsent")
    s = script_for(cfile(client(), [sent, unsent]))
    opening = " ".join(s.listen)
    assert "invoice INV-0409 from December 2025, NZ$1,104.00 in all" in opening and "2,426.50" not in opening
    assert "(Not asked for: INV-0424 is not sent yet: send it first.)" in s.listen
    disputed = replace(invoice("0000244", "734.50", overdue=60), book_status="disputed")
    s = script_for(cfile(client(), [disputed]))  # called anyway: everything open is held back
    opening = " ".join(s.listen)
    assert "$734.50" not in opening and "Can we set up payment" not in opening
    assert any(line.startswith("(Your books hold it back: 0000244 is disputed in your books") for line in s.listen)
    assert not any("734.50" in line for line in s.flex)
    for reason in Reason:
        assert not any("734.50" in line for line in script_for(cfile(client(), [disputed]), reason=reason).flex)

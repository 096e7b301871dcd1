"""Written messages from the facts: one kind per outcome, money and dates in the client's
locale, overdue kept apart from not yet due, templates checked (DOMAIN.md section 8)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from callroom.domain import messages as m
from callroom.domain.codes import Outcome, Result
from callroom.domain.messages import Kind, MessageError, MissingProfile, TemplateError
from callroom.domain.policy import Policy
from callroom.domain.profile import Profile, ProfileError, clean_email, clean_phone

from domain_builders import TODAY, ago, ahead, call, cfile, client, dispute, invoice, payment, plan, promise

PROFILE = Profile(
    name="Brightline Studio", contact="Sam Carter", phone="+1 415-555-0100", email="sam@brightline.example",
    address="12 Harbor Way\nSan Francisco, CA 94105", sign_off="Warm regards,",
    instructions={"USD": "ACH to First Harbor Bank, routing 021000021, account 4471 0093 22",
                  "EUR": "SEPA to NL91 ABNA 0417 1643 00"},
)


def _client(**kw):
    return replace(client(instructions=""), email="ap@acme.example", **kw)


def compose(kind, cf, profile=PROFILE, *, policy=Policy(), call_=None, template=None):
    return m.compose(kind, m.gather(kind, cf, profile, TODAY, policy, call=call_), template)


def test_confirmation_names_amount_date_invoices_instructions_and_sign_off():
    cf = cfile(_client(), [invoice("1042", "1200.00", overdue=40), invoice("1043", "300.00", overdue=10)],
               promises=[promise(TODAY, ahead(7), "1500.00", invoices=("1042", "1043"))])
    msg = compose(Kind.CONFIRMATION, cf)
    assert msg.subject == "Confirming your payment of $1,500.00 by November 30, 2026"
    assert "As agreed, Acme Ltd will pay $1,500.00 by November 30, 2026 for invoices 1042 and 1043." in msg.body
    assert "ACH to First Harbor Bank, routing 021000021" in msg.body
    assert "SEPA" not in msg.body  # only the currency of the promise
    assert msg.body.startswith("Dear Dana Whitfield,")
    assert "Warm regards,\n\nSam Carter\nBrightline Studio\n+1 415-555-0100\nsam@brightline.example" in msg.body
    assert msg.to == "ap@acme.example"
    assert msg.facts["promise_amount"] == "$1,500.00"


def test_confirmation_uses_the_latest_promise_or_the_calls_own():
    older = promise(ago(20), ago(13), "100.00", id=1)
    newer = promise(TODAY, ahead(5), "250.00", id=2)
    c = replace(call(TODAY, outcome=Outcome.PROMISE), details={"links": {"promises": [1]}})
    cf = cfile(_client(), [invoice("1", "500", overdue=30)], promises=[older, newer], calls=[c])
    assert compose(Kind.CONFIRMATION, cf).facts["promise_amount"] == "$250.00"
    assert compose(Kind.CONFIRMATION, cf, call_=c).facts["promise_amount"] == "$100.00"


def test_money_and_dates_in_the_clients_language():
    cf = cfile(_client(language="de_DE"), [invoice("HM-311", "9850.00", overdue=40, currency="EUR")],
               promises=[promise(TODAY, ahead(7), "9850.00", "EUR", invoices=("HM-311",))])
    msg = compose(Kind.CONFIRMATION, cf)
    assert "9.850,00\xa0€" in msg.body
    assert "30. November 2026" in msg.body
    assert "SEPA to NL91" in msg.body and "ACH" not in msg.body
    gb = compose(Kind.CONFIRMATION, replace(cf, client=_client(language="en_GB")))
    assert "€9,850.00" in gb.body and "30 November 2026" in gb.body


def test_plan_lists_every_instalment_and_what_happens_if_one_is_missed():
    pl = plan(TODAY, ahead(7), "900.00", count=3, id=77)
    inst = [promise(TODAY, ahead(7 + 30 * k), "300.00", plan_id=77, instalment=k + 1) for k in range(3)]
    cf = cfile(_client(), [invoice("1", "900.00", overdue=50)], plans=[pl], promises=inst)
    msg = compose(Kind.PLAN, cf)
    assert "1. November 30, 2026: $300.00" in msg.body
    assert "2. December 30, 2026: $300.00" in msg.body
    assert "3. January 29, 2027: $300.00" in msg.body
    assert "If one is missed" in msg.body and "falls due" in msg.body
    assert msg.subject == "Your payment plan: 3 instalments, $900.00 in all"


def test_dispute_names_what_and_the_get_back_date_and_does_not_ask_for_it():
    d = dispute(TODAY, ahead(5), ("1042",))
    cf = cfile(_client(), [invoice("1042", "800", overdue=35)], disputes=[d])
    msg = compose(Kind.DISPUTE, cf)
    assert "Site visits billed twice" in msg.body
    assert "by November 28, 2026" in msg.body
    assert "we will not ask you to pay invoice 1042" in msg.body
    # the invoice is named with its date and amount, as under review; nothing asks for it
    assert "- Invoice 1042, due October 19, 2026: $800.00 (under review)" in msg.body
    assert "How to pay" not in msg.body and "overdue" not in msg.body and "Please pay" not in msg.body


def test_receipt_thanks_and_says_what_is_still_open_overdue_apart():
    cf = cfile(_client(), [invoice("2", "400.00", overdue=20), invoice("3", "250.00", due=ahead(12))],
               payments=[payment(TODAY, "600.00", invoices=("1",))])
    msg = compose(Kind.RECEIPT, cf)
    assert "payment of $600.00 on November 23, 2026" in msg.body
    assert "Still open:\n- Invoice 2, due November 3, 2026: $400.00 (20 days overdue)\n" in msg.body
    assert "- Invoice 3, due December 5, 2026: $250.00 (not yet due)\n" in msg.body
    assert "Open in all: $650.00. Overdue: $400.00. Not yet due: $250.00." in msg.body
    paid = compose(Kind.RECEIPT, cfile(_client(), [], payments=[payment(TODAY, "10")]))
    assert "fully paid" in paid.body


def test_reminder_keeps_not_yet_due_apart_and_tone_rises_with_the_stage():
    cf = cfile(_client(), [invoice("1", "2300.00", overdue=10), invoice("2", "650.00", due=ahead(20))])
    msg = compose(Kind.REMINDER, cf)
    assert msg.subject == "A reminder: $2,300.00 overdue"
    assert "In case it slipped through" in msg.body
    assert "- Invoice 1, due November 13, 2026: $2,300.00 (10 days overdue)" in msg.body
    assert "Not yet due, for your information (nothing to pay today): invoice 2, $650.00" in msg.body
    assert "$2,950.00" not in msg.body  # never the overdue and not-yet-due summed as owed
    late = compose(Kind.REMINDER, cfile(_client(), [invoice("1", "2300.00", overdue=120)]))
    assert "long overdue" in late.body and "slipped" not in late.body
    mid = compose(Kind.REMINDER, cfile(_client(), [invoice("1", "2300.00", overdue=45)]))
    assert "now overdue" in mid.body


def test_reminder_leaves_out_disputed_invoices():
    cf = cfile(_client(), [invoice("1", "500", overdue=40), invoice("2", "700", overdue=40)], disputes=[dispute(ago(2), ahead(3), ("2",))])
    msg = compose(Kind.REMINDER, cf)
    assert msg.facts["overdue_total"] == "$500.00"
    assert "Under review, and not part of this request: invoice 2, $700.00." in msg.body


def test_nothing_overdue_refuses_a_reminder_or_final_notice():
    cf = cfile(_client(), [invoice("2", "650.00", due=ahead(20))])
    for kind in (Kind.REMINDER, Kind.FINAL_NOTICE, Kind.MISSED):
        with pytest.raises(MessageError, match="nothing is overdue"):
            compose(kind, cf)


def test_final_notice_deadline_is_today_plus_policy_days_and_calm():
    cf = cfile(_client(), [invoice("1", "5600.00", overdue=125)])
    msg = compose(Kind.FINAL_NOTICE, cf, policy=Policy(final_notice_days=14))
    assert "by December 7, 2026" in msg.body and msg.subject == "Final notice: $5,600.00 to be paid by December 7, 2026"
    assert "125 days overdue" in msg.body
    assert "lawyer's letter, a collection agency or a small claims court" in msg.body
    lowered = msg.body.lower()
    for threat in ("or else", "legal action will", "we will sue", "bailiff", "last chance"):
        assert threat not in lowered


def test_missed_call_is_short_and_its_sms_never_states_the_amount():
    cf = cfile(_client(), [invoice("1", "5600.00", overdue=45)])
    msg = compose(Kind.MISSED, cf)
    assert "call me back at +1 415-555-0100" in msg.body
    assert "$5,600.00" in msg.body  # the written note may name the balance
    assert "$" not in msg.sms and "5,600" not in msg.sms
    assert len(msg.body) < 700


def test_sms_at_most_320_characters_for_every_kind_even_with_long_names():
    long = "Ω" * 200
    prof = replace(PROFILE, name="Brightline " + long, contact="Sam " + long)
    pl = plan(TODAY, ahead(7), "900.00", id=77)
    inst = [promise(TODAY, ahead(7 + 30 * k), "300.00", plan_id=77, instalment=k + 1) for k in range(3)]
    cf = cfile(replace(_client(), name="Acme " + long, contact="Dana " + long),
               [invoice("1", "900.00", overdue=50)], plans=[pl], promises=[*inst, promise(TODAY, ahead(3), "50")],
               disputes=[dispute(TODAY, ahead(4), ("1",))], payments=[payment(TODAY, "5")])
    for kind in Kind:
        if kind in (Kind.REMINDER, Kind.FINAL_NOTICE, Kind.MISSED):
            cf2 = replace(cf, disputes=())
        else:
            cf2 = cf
        msg = compose(kind, cf2, prof)
        assert 0 < len(msg.sms) <= m.SMS_LIMIT, kind


def test_missing_profile_field_names_it_and_the_command():
    cf = cfile(_client(), [invoice("1", "500", overdue=40)], promises=[promise(TODAY, ahead(7), "500")])
    with pytest.raises(MissingProfile, match=r"no contact person.*callroom profile --contact"):
        compose(Kind.CONFIRMATION, cf, replace(PROFILE, contact=""))
    with pytest.raises(MissingProfile, match=r"payment instructions for USD.*--instructions USD=TEXT"):
        compose(Kind.CONFIRMATION, cf, replace(PROFILE, instructions={"EUR": "x"}))
    # the client's own instructions stand in for the profile's
    cf_own = replace(cf, client=replace(cf.client, instructions="Cheque to PO Box 9"))
    msg = compose(Kind.CONFIRMATION, cf_own, replace(PROFILE, instructions={}))
    assert "Cheque to PO Box 9" in msg.body


def test_no_promise_on_file_says_so():
    with pytest.raises(MessageError, match="no promise on file for Acme Ltd"):
        compose(Kind.CONFIRMATION, cfile(_client(), [invoice("1", "5")]))


def test_kind_for_call():
    assert m.kind_for_call(call(TODAY, outcome=Outcome.PROMISE)) is Kind.CONFIRMATION
    assert m.kind_for_call(call(TODAY, outcome=Outcome.PLAN)) is Kind.PLAN
    assert m.kind_for_call(call(TODAY, outcome=Outcome.ESCALATE)) is Kind.FINAL_NOTICE
    assert m.kind_for_call(call(TODAY, Result.VOICEMAIL)) is Kind.MISSED
    assert m.kind_for_call(call(TODAY, outcome=Outcome.CALLBACK)) is Kind.REMINDER


def test_ledger_text_is_never_template_code():
    evil = replace(_client(), name="$total_owed ${business} {{ 7*7 }} $$", contact="$greeting")
    cf = cfile(evil, [invoice("1", "500", overdue=40)], promises=[promise(TODAY, ahead(7), "500")])
    msg = compose(Kind.CONFIRMATION, cf)
    assert "Dear $greeting," in msg.body
    assert "As agreed, $total_owed ${business} {{ 7*7 }} $$ will pay" in msg.body


def test_template_override_and_refusals_name_file_line_placeholder():
    t = m.parse_template("Subject: Paid $promise_amount?\n\nHi $contact,\nsee you $promise_date. $$5 off\n", Kind.CONFIRMATION, "c.txt")
    cf = cfile(_client(), [invoice("1", "500", overdue=40)], promises=[promise(TODAY, ahead(7), "500")])
    msg = compose(Kind.CONFIRMATION, cf, template=t)
    assert msg.subject == "Paid $500.00?" and "see you November 30, 2026. $5 off" in msg.body
    assert msg.template == "c.txt"
    with pytest.raises(TemplateError) as e:
        m.parse_template("Subject: x\n\nline two\n$amount_due here\n", Kind.CONFIRMATION, "c.txt")
    assert (e.value.file, e.value.line, e.value.placeholder) == ("c.txt", 4, "amount_due")
    assert "c.txt, line 4: unknown placeholder $amount_due" in str(e.value)
    with pytest.raises(TemplateError, match=r"line 2: '\$' not followed"):
        m.parse_template("Subject: x\ncosts $ 5\n", Kind.CONFIRMATION, "c.txt")
    with pytest.raises(TemplateError, match="line 1: the first line must be 'Subject"):
        m.parse_template("Hello\n", Kind.REMINDER, "r.txt")
    with pytest.raises(TemplateError, match="deadline"):  # another kind's placeholder
        m.parse_template("Subject: x\n$deadline\n", Kind.CONFIRMATION, "c.txt")


def test_every_default_template_parses_and_uses_only_known_placeholders():
    for kind in Kind:
        assert m.default_template(kind).kind is kind


def test_profile_validation_names_the_field():
    assert clean_phone("+44 20 7946 0321") == "+44 20 7946 0321"
    assert clean_phone("(415) 555-0182", "US").startswith("+1 415")
    with pytest.raises(ProfileError, match="phone: 'call me' is not a phone number"):
        clean_phone("call me")
    with pytest.raises(ProfileError, match="^phone: '123' is not a valid number"):
        clean_phone("123")
    assert clean_email("Sam@Brightline.example") == "Sam@brightline.example"
    with pytest.raises(ProfileError, match="^email: 'sam@' is not an email address"):
        clean_email("sam@")
    with pytest.raises(ProfileError, match="^payment instructions: 'dollars' is not a currency code"):
        Profile().changed(instructions={"dollars": "x"})
    with pytest.raises(ProfileError, match="business name: must be one line"):
        Profile().changed(name="a\nb")
    p = Profile().changed(instructions={"usd": "ACH"}, name="  Brightline  ")
    assert p.instructions == {"USD": "ACH"} and p.name == "Brightline"
    assert p.changed(instructions={"USD": ""}).instructions == {}


def test_profile_record_keeps_keys_it_does_not_know():
    rec = {"name": "B", "instructions": {"usd": "ACH"}, "costs": {"lawyer": "250"}}
    p = Profile.from_record(rec)
    assert p.instructions == {"USD": "ACH"}
    assert p.to_record()["costs"] == {"lawyer": "250"}


@pytest.mark.parametrize("code", ["XYZ", "ABC", "EUX"])
def test_payment_instructions_only_for_an_iso_4217_currency(code):
    with pytest.raises(ProfileError, match=rf"^payment instructions: {code!r} is not an ISO 4217 currency code"):
        Profile().changed(instructions={code: "pay somehow"})
    assert Profile().changed(instructions={"chf": "IBAN CH93", "JPY": "x"}).instructions == {"CHF": "IBAN CH93", "JPY": "x"}


def test_kind_labels_name_the_message():
    assert [k.label for k in Kind] == ["Promise confirmation", "Plan confirmation", "Dispute acknowledgement",
                                       "Payment receipt", "Missed call", "Reminder", "Final notice"]

"""Written messages as a new user reads them: greetings that never take a title for a
first name, dates and money in the client's locale and in the language of the words,
final notices and dispute acknowledgements worded from the facts, and every message
that asks for money naming the invoices with their dates and amounts (DOMAIN.md 8)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, time

import pytest

from callroom.domain import messages as m
from callroom.domain.codes import Result
from callroom.domain.messages import Kind
from callroom.domain.models import Client, Written

from domain_builders import (LONDON_PHONE, TODAY, ago, ahead, call, cfile, client, dispute, invoice, payment, plan,
                             promise)
from test_domain_messages import PROFILE

ENGLISH_MONTHS = re.compile(r"\b(January|February|March|May|June|July|October|December)\b")
GERMAN_MONTHS = re.compile(r"\b(Januar|Februar|März|Mai|Juni|Juli|Oktober|Dezember)\b")
FRENCH_MONTHS = re.compile(r"\b(janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)\b")
US_DATE = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4}")


def _client(**kw):
    return replace(client(instructions=""), email="ap@acme.example", **kw)


def compose(kind, cf, profile=PROFILE, *, written=(), template=None):
    f = m.gather(kind, cf, profile, TODAY, **({"written": written} if written else {}))
    return m.compose(kind, f, template)


def _everything(c: Client, currency: str = "USD"):
    """A client file every kind of message can be written from (nothing disputed, so the
    reminder and final notice have something overdue to ask for)."""
    pl = plan(TODAY, ahead(21), "900.00", currency=currency, id=77)
    inst = [promise(TODAY, ahead(21 + 30 * k), "300.00", currency, plan_id=77, instalment=k + 1) for k in range(3)]
    return cfile(c, [invoice("1042", "1200.00", overdue=40, issued=None, currency=currency),
                     invoice("1043", "300.00", due=ahead(12), currency=currency)],
                 plans=[pl], promises=[*inst, promise(TODAY, ahead(21), "1200.00", currency, invoices=("1042",))],
                 disputes=[dispute(TODAY, ahead(21), ("1043",))], payments=[payment(TODAY, "50.00", currency)])


def _each_kind(cf, profile=PROFILE):
    for kind in Kind:
        f = cf if kind not in (Kind.REMINDER, Kind.FINAL_NOTICE, Kind.MISSED) else replace(cf, disputes=())
        yield kind, compose(kind, f, profile)


# 1. A title is not a first name -----------------------------------------------------------

TITLED = ["Frau Huber", "Herr Huber", "Frau Dr. Huber", "Madame Roux", "Mme Roux", "Monsieur Dupont", "M. Dupont",
          "Señor Ruiz", "Sra. García", "Sr. Pérez", "Mevrouw Jansen", "Dhr. Jansen", "Mr Grant", "Mrs Grant",
          "Ms Grant", "Dr Reyes", "Dr. Reyes", "Prof. Weber"]


@pytest.mark.parametrize("contact", TITLED)
def test_a_titled_contact_is_greeted_with_title_and_name_never_a_bare_title(contact):
    cf = cfile(_client(contact=contact), [invoice("1", "500.00", overdue=40)],
               promises=[promise(TODAY, ahead(7), "500.00")])
    msg = compose(Kind.CONFIRMATION, cf)
    title = contact.split()[0]
    assert msg.body.startswith(f"Dear {contact},")
    assert msg.sms.startswith(f"Hello {contact}, ")
    assert f"Hi {title}," not in msg.sms and f"Hi {title} " not in msg.sms
    assert Client(1, "X", contact=contact).first_name == contact  # title and surname stay whole


def test_an_untitled_contact_is_greeted_by_first_name_in_a_text_and_a_bare_title_not_at_all():
    cf = cfile(_client(contact="Dana Whitfield"), [invoice("1", "500.00", overdue=40)],
               promises=[promise(TODAY, ahead(7), "500.00")])
    assert compose(Kind.CONFIRMATION, cf).sms.startswith("Hi Dana, ")
    bare = compose(Kind.CONFIRMATION, replace(cf, client=_client(contact="Frau")))
    assert bare.sms.startswith("Hello, ") and bare.body.startswith("Hello,")
    assert Client(1, "X", contact="Mr and Mrs Grant").first_name == "Mr and Mrs Grant"
    assert Client(1, "X", contact="Frau Anna Huber").first_name == "Anna"


# 2. Dates and money follow the client's locale; never two languages in one message --------


def test_a_uk_client_by_phone_region_gets_uk_dates_and_money():
    c = _client(phones=(LONDON_PHONE,), region="GB")
    cf = cfile(c, [invoice("MF-4", "1080.00", overdue=40, currency="GBP")],
               promises=[promise(TODAY, ahead(21), "1080.00", "GBP", invoices=("MF-4",))])
    msg = compose(Kind.CONFIRMATION, cf, replace(PROFILE, instructions={"GBP": "Sort code 20-00-00"}))
    assert "£1,080.00 by 14 December 2026" in msg.body
    assert not US_DATE.search(msg.body) and not US_DATE.search(msg.sms) and not US_DATE.search(msg.subject)
    assert msg.locale == "en_GB"


def test_a_client_language_wins_over_the_region_and_the_address_country_over_the_phone():
    cf = cfile(_client(language="en_GB"), [invoice("1", "500.00", overdue=40)],
               promises=[promise(TODAY, ahead(21), "500.00")])
    assert "by 14 December 2026" in compose(Kind.CONFIRMATION, cf).body  # a US phone, but en-GB asked for
    by_address = replace(cf, client=_client(phones=(), address="10 Downing Street\nLondon SW1A 2AA\nUnited Kingdom"))
    assert compose(Kind.CONFIRMATION, by_address).locale == "en_GB"


def test_without_language_or_region_the_profiles_country_decides():
    cf = cfile(_client(phones=(), region=""), [invoice("1", "500.00", overdue=40)],
               promises=[promise(TODAY, ahead(21), "500.00")])
    uk_owner = replace(PROFILE, phone="+44 20 7946 0999", address="1 Bank St\nLondon")
    assert "by 14 December 2026" in compose(Kind.CONFIRMATION, cf, uk_owner).body
    assert "by December 14, 2026" in compose(Kind.CONFIRMATION, cf).body  # a US profile


def test_a_german_client_gets_every_message_in_german_with_german_dates():
    c = _client(language="de", phones=("+49 30 5555 0123",), region="DE")
    for kind, msg in _each_kind(_everything(c, "EUR")):
        text = msg.subject + "\n" + msg.body + "\n" + msg.sms
        assert not ENGLISH_MONTHS.search(text), (kind, text)
        assert not re.search(r"\b(Dear|Invoice|invoice|overdue|Thank you|Kind regards|the)\b", text), (kind, text)
        assert msg.locale == "de_DE"  # the language, with the country of the phone
    conf = compose(Kind.CONFIRMATION, _everything(c, "EUR"))
    assert "1.200,00\xa0€" in conf.body and "14. Dezember 2026" in conf.body


def test_a_language_without_wording_gets_english_words_with_dates_in_english():
    c = _client(language="fr", phones=("+33 1 55 55 01 23",), region="FR")
    for kind, msg in _each_kind(_everything(c, "EUR")):
        text = msg.subject + "\n" + msg.body + "\n" + msg.sms
        assert not FRENCH_MONTHS.search(text), (kind, text)
        assert not GERMAN_MONTHS.search(text), (kind, text)
    conf = compose(Kind.CONFIRMATION, _everything(c, "EUR"))
    assert "14 December 2026" in conf.body and "1\u202f200,00\xa0€" in conf.body  # English words, France's numbers


# 3. A final notice says what happened, from the facts -------------------------------------


def test_final_notice_to_a_client_never_contacted_about_one_invoice():
    cf = cfile(_client(), [invoice("1071", "5600.00", overdue=125)])
    msg = compose(Kind.FINAL_NOTICE, cf)
    assert "Despite" not in msg.body and "calls and messages" not in msg.body
    assert "following invoices" not in msg.body
    assert "Invoice 1071 remains unpaid; it is now 125 days overdue:" in msg.body


def test_final_notice_counts_the_calls_and_messages_on_record():
    calls = [call(ago(30), Result.NO_ANSWER), call(ago(20), Result.VOICEMAIL), call(ago(3))]
    wrote = [Written(1, 1, datetime.combine(ago(19), time(9)), "missed", "eml")]
    cf = cfile(_client(), [invoice("1071", "5600.00", overdue=125), invoice("1075", "1015.75", overdue=25)], calls=calls)
    msg = compose(Kind.FINAL_NOTICE, cf, written=wrote)
    assert "We have called you 3 times and written to you once about this, most recently on November 20, 2026." in msg.body
    assert "The following invoices remain unpaid; the oldest is now 125 days overdue:" in msg.body
    once = compose(Kind.FINAL_NOTICE, replace(cf, calls=calls[2:]))
    assert "We called you about this on November 20, 2026." in once.body


# 4. The signer speaks in the first person -------------------------------------------------


@pytest.mark.parametrize("who", ["", "Maya Lind", "maya lind", "Maya"])
def test_dispute_acknowledgement_in_the_first_person_when_the_signer_follows_up(who):
    prof = replace(PROFILE, contact="Maya Lind")
    d = replace(dispute(TODAY, ahead(5), ("1042",)), who=who)
    msg = compose(Kind.DISPUTE, cfile(_client(), [invoice("1042", "800", overdue=35)], disputes=[d]), prof)
    assert "I will come back to you by November 28, 2026" in msg.body
    assert "Maya Lind will come back" not in msg.body and "Maya will come back" not in msg.body


def test_dispute_acknowledgement_names_someone_else_who_follows_up():
    d = replace(dispute(TODAY, ahead(5), ("1042",)), who="Jordan Park")
    msg = compose(Kind.DISPUTE, cfile(_client(), [invoice("1042", "800", overdue=35)], disputes=[d]))
    assert "Jordan Park will come back to you by November 28, 2026" in msg.body


# 5. The invoices with their dates and amounts, overdue apart from not yet due --------------


def _two_invoices(**kw):
    return cfile(_client(), [invoice("1042", "1200.00", issued=ago(70), due=ago(40)),
                             invoice("1043", "300.00", issued=ago(18), due=ahead(12))], **kw)


def test_promise_confirmation_names_the_invoices_with_dates_amounts_and_the_totals_apart():
    msg = compose(Kind.CONFIRMATION, _two_invoices(promises=[promise(TODAY, ahead(7), "1200.00", invoices=("1042",))]))
    assert "- Invoice 1042 of September 14, 2026, due October 14, 2026: $1,200.00 (40 days overdue)" in msg.body
    assert "- Invoice 1043 of November 5, 2026, due December 5, 2026: $300.00 (not yet due)" in msg.body
    assert "Open in all: $1,500.00. Overdue: $1,200.00. Not yet due: $300.00." in msg.body


def test_plan_receipt_and_dispute_carry_the_invoices_too():
    pl = plan(TODAY, ahead(7), "1200.00", count=2, id=77, )
    inst = [promise(TODAY, ahead(7 + 30 * k), "600.00", plan_id=77, instalment=k + 1) for k in range(2)]
    plan_msg = compose(Kind.PLAN, _two_invoices(plans=[pl], promises=inst))
    assert "- Invoice 1042 of September 14, 2026, due October 14, 2026: $1,200.00 (40 days overdue)" in plan_msg.body
    assert "Open in all: $1,500.00. Overdue: $1,200.00. Not yet due: $300.00." in plan_msg.body
    receipt = compose(Kind.RECEIPT, _two_invoices(payments=[payment(TODAY, "100.00")]))
    assert "- Invoice 1043 of November 5, 2026, due December 5, 2026: $300.00 (not yet due)" in receipt.body
    disp = compose(Kind.DISPUTE, _two_invoices(disputes=[dispute(TODAY, ahead(5), ("1042",))]))
    assert "- Invoice 1042 of September 14, 2026, due October 14, 2026: $1,200.00 (under review)" in disp.body
    assert "How to pay" not in disp.body  # acknowledged, not asked for


def test_one_invoice_reads_in_the_singular():
    cf = cfile(_client(), [invoice("7", "40.00", overdue=1)])
    msg = compose(Kind.REMINDER, cf)
    assert "(1 day overdue)" in msg.body and "1 days" not in msg.body


# 10. One long date style per locale in every written message ------------------------------


@pytest.mark.parametrize("language, phone, region", [("", "+1 212 555 0100", "US"), ("", LONDON_PHONE, "GB"), ("de", "+49 30 5555 0123", "DE")])
def test_every_date_in_every_message_is_the_locales_long_date(language, phone, region):
    from babel.dates import format_date

    c = _client(language=language, phones=(phone,), region=region)
    cf = _everything(c, "EUR")
    dates = {d for inv in cf.invoices for d in (inv.issued, inv.due) if d} | {p.due for p in cf.promises} | {
        TODAY, ahead(21)} | {p.date for p in cf.payments}
    prof = replace(PROFILE, instructions={"EUR": "IBAN NL91"})
    for kind, msg in _each_kind(cf, prof):
        text = msg.subject + "\n" + msg.body + "\n" + msg.sms
        assert not re.search(r"\d{4}-\d\d-\d\d|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}\.\d{1,2}\.\d{2,4}", text), (kind, text)
        for d in dates:
            for style in ("medium", "short"):
                other = format_date(d, style, locale=msg.locale)
                if other != format_date(d, "long", locale=msg.locale):
                    assert other not in text, (kind, style, other)
        for other_locale in ("en_US", "en_GB", "de"):
            if format_date(TODAY, "long", locale=other_locale) != format_date(TODAY, "long", locale=msg.locale):
                for d in dates:
                    assert format_date(d, "long", locale=other_locale) not in text, (kind, other_locale, d)


@pytest.mark.parametrize("contact, formal", [
    ("Frau Anna Huber", "Frau Huber"), ("Mr Oliver Marlow", "Mr Marlow"), ("Dr. Alan Reyes", "Dr. Reyes"),
    ("Mevrouw Anna de Vries", "Mevrouw de Vries"), ("Mevrouw de Vries", "Mevrouw de Vries"),
    ("Sra. García López", "Sra. García López"), ("Herr Dr. Klaus Müller", "Herr Dr. Müller"), ("De heer Jansen", "De heer Jansen"),
])
def test_a_titled_contact_with_a_first_name_is_greeted_by_title_and_surname(contact, formal):
    cf = cfile(_client(contact=contact), [invoice("1", "500.00", overdue=40)], promises=[promise(TODAY, ahead(7), "500.00")])
    msg = compose(Kind.CONFIRMATION, cf)
    assert msg.body.startswith(f"Dear {formal},") and msg.sms.startswith(f"Hello {formal}, ")


def test_a_german_salutation_follows_the_title():
    def greet(contact):
        c = _client(contact=contact, language="de")
        return compose(Kind.CONFIRMATION, cfile(c, [invoice("1", "500.00", overdue=40)],
                                                promises=[promise(TODAY, ahead(7), "500.00")])).body.split("\n")[0]
    assert greet("Frau Anna Huber") == "Sehr geehrte Frau Huber,"
    assert greet("Herr Huber") == "Sehr geehrter Herr Huber,"
    assert greet("Dr. Huber") == "Guten Tag Dr. Huber,"
    assert greet("Jonas Hofmann") == "Guten Tag Jonas Hofmann,"
    assert greet("") == "Guten Tag,"


def test_the_total_says_when_all_of_it_is_overdue_or_none_of_it_due():
    over = cfile(_client(), [invoice("1", "500.00", overdue=40), invoice("2", "250.00", overdue=10)],
                 promises=[promise(TODAY, ahead(7), "750.00")])
    assert "Open in all: $750.00, all of it overdue." in compose(Kind.CONFIRMATION, over).body
    early = cfile(_client(), [invoice("3", "250.00", due=ahead(12))], payments=[payment(TODAY, "100.00")])
    assert "Open in all: $250.00, none of it due yet." in compose(Kind.RECEIPT, early).body


def test_one_message_kept_in_several_forms_counts_once():
    at = datetime.combine(ago(5), time(9))
    wrote = [Written(i, 1, at.replace(minute=i), "reminder", ch) for i, ch in enumerate(("pdf", "eml", "copy", "sms"))]
    wrote.append(Written(9, 1, datetime.combine(ago(2), time(9)), "missed", "sms"))
    cf = cfile(_client(), [invoice("1071", "5600.00", overdue=125)])
    msg = compose(Kind.FINAL_NOTICE, cf, written=wrote)
    assert "We have written to you twice about this, most recently on November 21, 2026." in msg.body
    again = [*wrote, Written(10, 1, datetime.combine(TODAY, time(9)), "final-notice", "text")]
    assert "written to you twice" in compose(Kind.FINAL_NOTICE, cf, written=again).body  # itself, in another form

"""Payment received ($) in the session, by keys (Textual Pilot): the store, the screen,
the history and promise judgement all see it at once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from callroom.domain.codes import PromiseStatus
from callroom.domain.models import Invoice
from callroom.store import open_store
from callroom.ui.app import SESSION_COMMANDS, CallroomApp
from callroom.ui.history import HistoryScreen
from callroom.domain.drafts import DraftError
from callroom.ui.payment import PaymentForm, check_payment
from callroom.ui.report import ReportScreen
from callroom.ui.session import SessionScreen

from support import TODAY, app_for, content, on_disk, screen_text


async def start(app, pilot) -> SessionScreen:
    await pilot.pause()
    s = app.screen
    assert isinstance(s, SessionScreen)
    return s


async def test_payment_for_named_invoice_is_on_disk_and_on_screen(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        s = await start(app, pilot)
        cid = s.slot.entry.client_id
        assert s.slot.entry.name == "Hofmann Maschinenbau GmbH"  # owes €9,850.00 (HM-311) + €4,100.00 (HM-327)
        before = len(demo_store.ledger.payments.for_client(cid))
        await pilot.press("dollar_sign")
        form = app.screen
        assert isinstance(form, PaymentForm)
        assert form.query_one("#f-amount").value == "13950.00"  # default: everything owed in the main currency
        assert form.query_one("#f-date").value == TODAY.isoformat()
        form.query_one("#f-amount").value = ""
        await pilot.press(*"4100", "tab", "tab", *"HM-327", "tab", *"SEPA ref 88")
        assert "HM-327 by €4,100.00 (paid)" in content(form.query_one("#pay-preview"))
        await pilot.press("enter")
        assert app.screen is s  # the form closed only once the payment was stored
        ro = on_disk(demo_store)
        pays = ro.ledger.payments.for_client(cid)
        assert len(pays) == before + 1
        p = max(pays, key=lambda x: x.id)
        assert (p.amount, p.currency, p.date, p.invoices, p.note, p.source) == (Decimal("4100"), "EUR", TODAY, ("HM-327",), "SEPA ref 88", "manual")
        inv = {i.number: i for i in ro.ledger.invoices.for_client(cid)}
        assert inv["HM-327"].status == "paid" and inv["HM-327"].balance == 0 and inv["HM-327"].closed_on == TODAY
        assert inv["HM-311"].balance == Decimal("9850.00")  # the named invoice, not the oldest
        ro.close()
        # the screen shows it at once: one open invoice, the new total
        table = s.query_one("#invoices")
        assert table.row_count == 1
        assert "€9,850.00" in content(s.query_one("#totals")) and "€13,950.00" not in content(s.query_one("#totals"))
        # and so does the history
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        pay_events = [e for e in app.screen.events if e.kind == "payment"]
        assert pay_events and "€4,100.00" in pay_events[0].title
        await pilot.press("escape")
        assert app.screen is s


async def test_payment_that_meets_a_promise_makes_it_kept(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        s = await start(app, pilot)
        harrow = demo_store.clients.find("Harrow Street Dental")
        s.call_client(harrow.id)  # held back today: a promise of £4,540.00 is due in 3 days
        await pilot.pause()
        st = s.desk.standing(harrow.id)
        assert [j.status for j in st.judged] == [PromiseStatus.OPEN]
        assert "Open: promise £4,540.00" in content(s.query_one("#card"))
        await pilot.press("$")
        assert app.screen.query_one("#f-amount").value == "4540.00"
        await pilot.press("enter")  # defaults: all of it, today, oldest first
        assert app.screen is s
        st = s.desk.standing(harrow.id)
        assert [j.status for j in st.judged] == [PromiseStatus.KEPT]
        assert not st.owed
        card = content(s.query_one("#card"))
        assert "Open: promise" not in card and "nothing open" in card
        assert s.query_one("#invoices").row_count == 0
        assert any("kept" in n.message for n in app._notifications)
        # the report counts it: collected within 30 days of the call two days ago, and paid early
        await pilot.press("R")
        assert isinstance(app.screen, ReportScreen)
        r = app.screen.report
        assert r.collected.amounts["GBP"] == Decimal("4540.00")  # (the demo also has a USD instalment paid)
        assert r.promises.paid_early == 1
        await pilot.press("escape")
        assert app.screen is s


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("amount", "twelve", "not an amount"),
        ("amount", "-50", "more than zero"),
        ("amount", "0", "more than zero"),
        ("amount", "10.001", "two decimal places"),
        ("date", "+1", "in the future"),
        ("date", "2026-02-30", "not a date"),
        ("invoices", "HM-999", "No invoice 'HM-999'"),
    ],
)
async def test_bad_input_is_refused_in_place(demo_store, clock, field, value, message):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        s = await start(app, pilot)
        cid = s.slot.entry.client_id
        before = len(demo_store.ledger.payments.for_client(cid))
        await pilot.press("dollar_sign")
        form = app.screen
        form.query_one(f"#f-{field}").value = value
        await pilot.press("enter")
        assert app.screen is form  # still open
        assert message in content(form.query_one(f"#err-{field}"))
        assert form.focused is form.query_one(f"#f-{field}")
        await pilot.press("escape")
        assert app.screen is s
        assert len(demo_store.ledger.payments.for_client(cid)) == before  # nothing stored
        assert s.desk.standing(cid).owed == {"EUR": Decimal("13950.00")}


async def test_more_than_owed_is_refused_naming_the_balance_unless_a_reason_is_given(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        s = await start(app, pilot)
        cid = s.slot.entry.client_id
        before = len(demo_store.ledger.payments.for_client(cid))
        await pilot.press("dollar_sign")
        form = app.screen
        over = form.query_one("#f-over")
        assert not over.display  # asked only when needed
        form.query_one("#f-amount").value = "15000"
        await pilot.pause()
        said = content(form.query_one("#pay-preview"))
        assert "€15,000.00 is more than the €13,950.00 owed in EUR" in said
        assert over.display  # the reason field appears at once
        await pilot.press("enter")
        assert app.screen is form  # refused: nothing stored
        assert "€13,950.00 owed" in content(form.query_one("#pay-preview"))
        assert form.focused is over and over.region.bottom <= form.query_one("#form-help").region.y
        assert len(demo_store.ledger.payments.for_client(cid)) == before
        await pilot.press(*"late fee", "enter")
        assert app.screen is s
        assert not s.desk.standing(cid).owed  # both invoices paid
        ro = on_disk(demo_store)
        p = max(ro.ledger.payments.for_client(cid), key=lambda x: x.id)
        assert p.amount == Decimal("15000") and sum(Decimal(a) for a in p.applied.values()) == Decimal("13950.00")
        assert p.note == "more than owed: late fee"
        ro.close()
        assert any("more than was owed" in n.message for n in app._notifications)


async def test_escape_stores_nothing_and_dollar_in_the_note_is_text(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        s = await start(app, pilot)
        cid = s.slot.entry.client_id
        before = len(demo_store.ledger.payments.for_client(cid))
        await pilot.press("$", "escape")
        assert app.screen is s
        await pilot.press("o", "$", "5", "escape")
        assert app.screen is s and s.query_one("#note").value == "$5"
        assert len(demo_store.ledger.payments.for_client(cid)) == before


async def test_multi_currency_client_chooses_the_currency(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        s = await start(app, pilot)
        cid = s.slot.entry.client_id
        demo_store.ledger.invoices.add(Invoice(None, cid, "US-1", "USD", Decimal("100.00"), due=TODAY - timedelta(days=10)))
        await pilot.press("dollar_sign")
        form = app.screen
        sel = form.query_one("#f-currency")
        assert sel.value == "EUR" and form.query_one("#f-amount").value == "13950.00"
        sel.value = "USD"
        await pilot.pause()
        assert form.query_one("#f-amount").value == "100.00"  # a default amount follows the currency
        form.query_one("#f-invoices").value = "HM-311"
        await pilot.press("enter")
        assert "in EUR, not USD" in content(form.query_one("#err-invoices"))
        form.query_one("#f-invoices").value = "us-1"  # any case
        await pilot.press("enter")
        assert app.screen is s
        p = max(demo_store.ledger.payments.for_client(cid), key=lambda x: x.id)
        assert (p.currency, p.amount, p.invoices) == ("USD", Decimal("100.00"), ("US-1",))


async def test_dollar_key_is_in_help_and_the_palette(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 70)) as pilot:  # tall enough for the whole help list
        s = await start(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        assert "$" in text and "Payment received from this client" in text
        assert " R " in text and "Report: aging" in text
        await pilot.press("escape")
        names = [n for n, *_ in SESSION_COMMANDS]
        assert "Payment received…" in names and "Report" in names
        await pilot.press("ctrl+p")
        await pilot.press(*"Payment received")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PaymentForm)
        assert app.screen.client_id == s.slot.entry.client_id


def test_check_payment_rules(demo_store):
    cid = demo_store.clients.find("Cedar Ridge").id
    cf = demo_store.client_file(cid)  # 1041 $2,450.00 (due first), 1067 $875.50
    e = check_payment({"amount": "3000", "currency": "USD", "date": "", "invoices": "", "note": ""}, cf, TODAY)
    assert e.applies == (("1041", Decimal("2450.00"), True), ("1067", Decimal("550"), False))
    with pytest.raises(DraftError) as err:
        check_payment({"amount": "3325.51", "currency": "", "date": "", "invoices": "", "note": ""}, cf, TODAY)
    assert err.value.field == "over" and "$3,325.51 is more than the $3,325.50 owed in USD" in str(err.value)
    assert e.day == TODAY and e.warnings == ()
    e = check_payment({"amount": "500", "currency": "USD", "date": "2026-11-20", "invoices": "#1067, 1067", "note": "  ck 12 "}, cf, TODAY)
    assert e.applies == (("1067", Decimal("500"), False),) and e.invoices == ("1067",) and e.note == "ck 12"
    assert e.day.isoformat() == "2026-11-20"


async def test_the_session_summary_counts_the_money_received(demo_store, clock):
    """A payment entered with `$` and one made on a call both show in the summary; an undone
    call's payment does not."""
    from callroom.ui.summary import SummaryScreen

    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        s = await start(app, pilot)
        first = s.slot.entry.client_id
        await pilot.press("dollar_sign")
        form = app.screen
        form.query_one("#f-amount").value = "4100"
        await pilot.press("enter")
        assert app.screen is s
        await pilot.press("n", "enter")  # no answer: on to the next client
        second = s.slot.entry
        assert second.client_id != first
        await pilot.press("r", "5", "m")  # reached, paid on the call
        await pilot.press("enter")  # the outcome form, with its default amount
        await pilot.press("enter")  # save
        await pilot.press("u")  # undone: its payment is reversed, and must not count
        assert s.slot.entry.client_id == second.client_id
        await pilot.press("enter")  # the same call again: undo put its details back in the draft
        assert app.screen is s
        mine = [c for c in on_disk(demo_store).calls.for_client(second.client_id) if c.session_id == s.session.id]
        assert len(mine) == 1
        paid_call = mine[0]
        amount = Decimal(paid_call.details["amount"])
        cur = paid_call.details["currency"]
        await pilot.press("q", "y")
        assert isinstance(app.screen, SummaryScreen)
        text = screen_text(app)
        line = next(x for x in text.splitlines() if "Payments received" in x)
        assert "2" in line and "€4,100.00" in line
        from callroom.domain.money import format_money

        assert format_money(amount, cur) in line


def test_tally_counts_payments_on_calls_and_apart_from_them():
    from callroom.domain.codes import Outcome, Result
    from callroom.domain.models import Call, Payment
    from callroom.services import tally
    from support import NOW

    on_call = Call(None, 1, NOW, Result.REACHED, outcome=Outcome.PAID, details={"amount": "250.00", "currency": "USD"})
    promised = Call(None, 2, NOW, Result.REACHED, outcome=Outcome.PROMISE, details={"amount": "99.00", "currency": "USD"})
    apart = Payment(None, 3, TODAY, Decimal("1000"), "EUR")
    t = tally([on_call, promised], [apart])
    assert t.payments == 2
    assert t.received == {"USD": Decimal("250.00"), "EUR": Decimal("1000")}
    assert t.promised == {"USD": Decimal("99.00")}
    assert tally([promised]).payments == 0 and not tally([promised]).received

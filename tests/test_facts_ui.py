"""The facts on the call screen are right and the owner stays in control (Textual Pilot):
overdue kept apart from what is not yet due, amounts above the balance refused, what will
be stored shown as stored, every form usable at 80x24, callbacks at a time, voicemail."""

from __future__ import annotations

from decimal import Decimal

import pytest

from callroom import demo
from callroom.domain.codes import Outcome, Result
from callroom.ui.forms import OutcomeForm, PromptForm
from callroom.ui.payment import PaymentForm
from callroom.ui.report import ReportScreen

from support import TODAY, app_for, content, on_disk, screen_text, session


def visible_within(widget, box) -> bool:
    """The widget's whole region is inside ``box``'s (what the terminal shows of it)."""
    r, b = widget.region, box.region
    return r.height > 0 and b.y <= r.y and r.bottom <= b.bottom and b.x <= r.x and r.right <= b.right


# --- 3. overdue apart from not yet due ---------------------------------------------------------

async def test_the_call_screen_asks_only_for_what_is_overdue(demo_store, clock):
    """Atelier Vos: 0041 and 0049 overdue (€2,300.00), 0052 (€650.00) due next month."""
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        s = await session(app, pilot, "Atelier Vos")
        totals = content(s.query_one("#totals"))
        assert totals.startswith("Overdue €2,300.00  ·  not yet due €650.00  ·  oldest 0041, 66 days")
        script = content(s.query_one("#script"))
        assert "€2,300.00 in all" in script and "2,950" not in script
        assert "Not due yet, so not asked for: 0052 (€650.00, due" in script
        table = s.query_one("#invoices")
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [(r[0], r[3], r[-1]) for r in rows] == [("0041", "66", "61-90"), ("0049", "11", "1-30"), ("0052", "in 25", "not yet due")]
        await pilot.press("r", "1")
        assert "Could we split €2,300.00 into instalments" in content(s.query_one("#script"))
        for key in ("p", "l"):
            await pilot.press(key)
            form = app.screen
            assert isinstance(form, OutcomeForm)
            assert form.query_one("#f-amount").value == "2300.00"
            assert form.query_one("#f-invoices").value == "0041, 0049"
            assert "Not yet due (add to cover it): 0052 (€650.00" in content(form.query_one("#invoices-hint"))
            await pilot.press("escape")
        # the owner picks the invoice not yet due: then, and only then, the promise covers it
        await pilot.press("p")
        form = app.screen
        form.query_one("#f-amount").value = "2950"
        form.query_one("#f-invoices").value = "0041, 0049, 0052"
        await pilot.press("enter")
        assert app.screen is s
        await pilot.press("enter")
        ro = on_disk(demo_store)
        cid = ro.clients.find("Atelier Vos").id
        p = max(ro.promises.for_client(cid), key=lambda x: x.id)
        ro.close()
        assert (p.amount, p.invoices) == (Decimal("2950"), ("0041", "0049", "0052"))


def test_the_totals_line_says_a_balance_is_unknown_rather_than_nothing():
    from callroom.domain.policy import Policy
    from callroom.ui.session import totals_text
    from domain_builders import TODAY as DAY, cfile, client, invoice, stand

    unknown = stand(cfile(client(1), [invoice("M-1", None, overdue=25)]))
    assert str(totals_text(unknown, DAY, Policy())).startswith("Overdue balance unknown on M-1")
    both = stand(cfile(client(1), [invoice("A-1", "100.00", overdue=40), invoice("M-1", None, overdue=25)]))
    assert str(totals_text(both, DAY, Policy())).startswith("Overdue $100.00 + balance unknown on M-1")


# --- 4. more than the balance ----------------------------------------------------------------

async def test_a_promise_above_the_balance_is_refused_in_the_form_until_a_reason_is_given(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        s = await session(app, pilot)  # Hofmann: €13,950.00 overdue
        cid = s.slot.entry.client_id
        await pilot.press("r", "1", "p")
        form = app.screen
        over = form.query_one("#f-over")
        assert not over.display
        form.query_one("#f-amount").value = "99999"
        await pilot.pause()
        said = content(form.query_one("#form-preview"))
        assert "€99,999.00 is more than the €13,950.00 owed on HM-311, HM-327." in said
        await pilot.press("enter")
        assert app.screen is form  # refused
        assert "€13,950.00 owed" in content(form.query_one("#form-preview")) and form.focused is over
        assert visible_within(over, form.query_one("#form-fields"))  # the reason field is in view at 80x24
        assert visible_within(form.query_one("#form-help"), form)
        await pilot.press(*"collection fee", "enter")
        assert app.screen is s
        assert "more than owed: collection fee" in content(s.query_one("#logpanel"))
        await pilot.press("enter")
        ro = on_disk(demo_store)
        call = max(ro.calls.for_client(cid), key=lambda c: c.id)
        p = max(ro.promises.for_client(cid), key=lambda x: x.id)
        ro.close()
        assert call.details["over"] == "collection fee" and p.amount == Decimal("99999")


# --- 5. what will be stored, not what was typed --------------------------------------------------

async def test_the_call_screen_shows_what_will_be_stored(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        s = await session(app, pilot, "Delgado")
        await pilot.press("r", "4", "p")
        form = app.screen
        form.query_one("#f-amount").value = "1200"
        form.query_one("#f-date").value = "+7"
        await pilot.pause()
        assert "Stored: $1,200.00 by Mon 30 Nov · covers 1052" in content(form.query_one("#form-preview"))
        await pilot.press("enter")
        log = content(s.query_one("#logpanel"))
        assert "$1,200.00 by Mon 30 Nov · covers 1052" in log
        assert "Next action: Tue 1 Dec (suggested)" in log
        assert "1200 ·" not in log and "+7" not in log
        await pilot.press("l")  # a plan: the total, the count, the first date, all resolved
        form = app.screen
        form.query_one("#f-amount").value = "1200"
        form.query_one("#f-count").value = "4"
        form.query_one("#f-date").value = "2026-12-14"
        await pilot.press("enter")
        log = content(s.query_one("#logpanel"))
        assert "$1,200.00 in 4 monthly instalments of $300.00 each, from Mon 14 Dec" in log
        assert "2026-12-14" not in log


# --- 6. every form at 80x24 ------------------------------------------------------------------------

FORMS = [
    pytest.param(["r", "1", "p"], id="promise"),
    pytest.param(["r", "1", "l"], id="plan"),
    pytest.param(["r", "1", "m"], id="paid"),
    pytest.param(["r", "2", "x"], id="dispute"),
    pytest.param(["r", "1", "b"], id="callback"),
    pytest.param(["a"], id="next-action"),
    pytest.param(["k"], id="skip"),
    pytest.param(["dollar_sign"], id="payment"),
    pytest.param(["q"], id="confirm-end"),
]


@pytest.mark.parametrize("keys", FORMS)
async def test_every_form_fits_80x24_with_its_ok_line_and_tab_reaches_every_field_in_view(demo_store, clock, keys):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        s = await session(app, pilot)
        demo_store.ledger.invoices.add(  # a second currency: the payment form shows its currency too
            demo_store.ledger.invoices.for_client(s.slot.entry.client_id)[0].with_(id=None, number="US-9", currency="USD"))
        await pilot.press(*keys)
        await pilot.pause()
        form = app.screen
        assert form is not s
        box = form.query_one("#form")
        assert visible_within(box, form) and box.region.bottom <= 24
        help_line = form.query_one("#form-help")
        assert visible_within(help_line, box)
        assert "Enter" in content(help_line) and "Esc" in content(help_line)
        fields = [w for w in form.query("Input, Select") if w.display]
        seen = set()
        for _ in range(len(fields) + 1):
            f = form.focused
            if f is None:
                break
            seen.add(f.id)
            assert visible_within(f, form.query_one("#form-fields")), f"{f.id} is focused but out of view"
            await pilot.press("tab")
            await pilot.pause()
        assert seen >= {w.id for w in fields}, "Tab reaches every field"
        if isinstance(form, OutcomeForm) and form.outcome is Outcome.PLAN:
            preview = content(form.query_one("#form-preview"))
            assert "1. Mon 30 Nov" in preview and "3. Sat 30 Jan 2027" in preview
            assert visible_within(form.query_one("#form-preview"), form.query_one("#form-fields"))  # the schedule in view
        await pilot.press("escape")
        assert app.screen is s


async def test_notices_never_cover_the_balance_and_age_columns(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        s = await session(app, pilot)
        await pilot.press("v", "enter")  # a saved call: a notice
        await pilot.pause()
        toasts = list(app.screen.query("Toast"))
        assert toasts, "the save is announced"
        table = s.query_one("#invoices")
        for t in toasts:
            assert not t.region.overlaps(table.region)
            assert not t.region.overlaps(s.query_one("#totals").region)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_the_footer_keeps_the_essential_keys_at_80_columns(demo_store, clock, size):
    app = app_for(demo_store, clock)
    async with app.run_test(size=size) as pilot:
        await session(app, pilot)
        for keys in ([], ["r"]):
            await pilot.press(*keys)
            await pilot.pause()
            footer = screen_text(app).splitlines()[-1]
            for needed in ("Save", "Help", "End", "Result", "Commands"):
                assert needed in footer, (keys, footer)
            if keys:
                assert "Reason" in footer and "Outcome" in footer, footer


# --- 9. callbacks at a time ------------------------------------------------------------------------

async def test_a_callback_takes_a_time(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        s = await session(app, pilot)
        cid = s.slot.entry.client_id
        await pilot.press("r", "b")
        form = app.screen
        form.query_one("#f-date").value = "tomorrow 15:00"
        await pilot.press("enter")
        assert app.screen is s
        assert "call back Tue 24 Nov 15:00 (16:00 theirs)" in content(s.query_one("#logpanel"))  # Hofmann is in Berlin
        await pilot.press("enter")
        ro = on_disk(demo_store)
        call = max(ro.calls.for_client(cid), key=lambda c: c.id)
        ro.close()
        assert call.details == {"date": "2026-11-24", "time": "15:00", "at": "2026-11-24T15:00:00+00:00"}
        assert call.next_action.isoformat() == "2026-11-24"
        held = next(h for h in s.desk.queue().not_today if h.client_id == cid)
        assert held.why == "callback agreed for 24 Nov at 15:00 your time, 16:00 theirs"  # Hofmann is in Berlin
        await pilot.press("u")  # undone: the time comes back into the draft with the date
        assert s.slot.draft.date == "2026-11-24 15:00" and s.slot.draft.outcome is Outcome.CALLBACK
        assert "call back Tue 24 Nov 15:00" in content(s.query_one("#logpanel"))


async def test_a_callback_time_already_past_is_refused_in_place(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        s = await session(app, pilot)
        await pilot.press("r", "b")
        form = app.screen
        form.query_one("#f-date").value = "today 9:00"  # it is 15:00
        await pilot.press("enter")
        assert app.screen is form and "has passed" in content(form.query_one("#err-date"))


# --- 10. voicemail ----------------------------------------------------------------------------------

async def test_the_voicemail_key_shows_a_message_to_read_out_without_the_amount(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        s = await session(app, pilot)  # Hofmann, €13,950.00
        await pilot.press("v")
        script = content(s.query_one("#script"))
        assert "Voicemail" in script
        assert "Hello, this is a message for Jonas Hofmann at Hofmann Maschinenbau GmbH." in script
        assert "This is Sam from Brightline Studio." in script
        assert f"Could you call me back on {demo.PHONE}? Thank you." in script
        for secret in ("€", "13,950", "9,850", "HM-311", "overdue", "invoice"):
            assert secret not in script
        await pilot.press("r")  # reached after all: back to the script
        assert "Voicemail" not in content(s.query_one("#script")) and "Listen" in content(s.query_one("#script"))


# --- 12. the small things ----------------------------------------------------------------------------

def test_the_demo_caller_works_for_the_business_the_pay_to_line_names(demo_store):
    """The demo's caller (Sam, of Brightline Studio) once asked to be paid to 'Callroom Studio Ltd'."""
    business = demo_store.settings.business
    assert business == demo.BUSINESS == demo_store.settings.profile.name
    texts = list(demo_store.settings.profile.instructions.values()) + [c.instructions for c in demo_store.clients.all() if c.instructions]
    named = [t for t in texts if "transfer to" in t or "cheque to" in t]  # the ones that name a payee
    assert len(named) >= 2
    for t in named:
        assert business in t, t
    assert all("Callroom" not in t for t in texts)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_the_report_shows_its_headings_and_totals_whole(demo_store, clock, size):
    app = app_for(demo_store, clock)
    async with app.run_test(size=size) as pilot:
        await session(app, pilot)
        await pilot.press("r", "1", "p", "enter", "enter")  # a promise this session: the table has rows
        await pilot.press("R")
        assert isinstance(app.screen, ReportScreen)
        seen = []
        for _ in range(12):
            seen.append(screen_text(app))
            await pilot.press("pagedown")
            await pilot.pause()
        text = "\n".join(seen)
        assert "…" not in text
        for whole in ("Session", "Calls", "Reached", "Promises", "per hour", "Promised", "€13,950.00", "£4,540.00", "$9,941.25"):
            assert whole in text, whole

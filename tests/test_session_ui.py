"""The call session driven by keys alone (Textual Pilot); assertions on the store and the screen."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from callroom.domain.codes import Outcome, Reason, Result
from callroom.services import Desk
from callroom.store import open_store
from callroom.ui.app import CallroomApp
from callroom.ui.forms import ConfirmForm, OutcomeForm
from callroom.ui.history import HistoryScreen
from callroom.ui.session import SessionScreen
from callroom.ui.summary import SummaryScreen

from support import TODAY, app_for, on_disk, screen_text


async def test_opens_on_first_client_of_the_queue(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s = app.screen
        assert isinstance(s, SessionScreen)
        first = s.queue.entries[0]
        assert s.slot.entry is first
        assert first.tier == 1  # a follow-up due comes first
        assert first.name in str(s.query_one("#card").content)


async def test_promise_by_keys_is_on_disk_when_the_screen_moves_on(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        client_id = s.slot.entry.client_id
        await pilot.press("r", "1", "p")
        assert isinstance(app.screen, OutcomeForm)
        await pilot.press("enter")  # accept the defaults: total owed, a week away
        assert app.screen is s
        await pilot.press("o", *"will pay friday", "escape", "enter")
        assert s.index == 1  # moved on
        ro = on_disk(demo_store)
        calls = [c for c in ro.calls.for_client(client_id) if c.session_id == s.session.id]
        assert len(calls) == 1
        call = calls[0]
        assert call.result is Result.REACHED and call.reason is Reason.CASH_FLOW and call.outcome is Outcome.PROMISE
        assert call.note == "will pay friday"
        promise = [p for p in ro.promises.for_client(client_id) if p.call_id == call.id][0]
        assert promise.due == TODAY + timedelta(days=7)
        assert call.next_action == TODAY + timedelta(days=8)
        st = s.desk.standing(client_id)
        main_cur = max(st.overdue, key=lambda c: st.overdue[c])
        assert promise.amount == st.overdue[main_cur]
        ro.close()


async def test_form_refuses_bad_amount_and_past_date_in_place(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        client_id = s.slot.entry.client_id
        before = len(demo_store.calls.for_client(client_id))
        await pilot.press("r", "p")
        form = app.screen
        amount = form.query_one("#f-amount")
        amount.value = "-50"
        await pilot.press("enter")
        assert app.screen is form
        assert "more than zero" in str(form.query_one("#err-amount").content)
        amount.value = "12x"
        await pilot.press("enter")
        assert "not an amount" in str(form.query_one("#err-amount").content)
        amount.value = "100"
        form.query_one("#f-date").value = (TODAY - timedelta(days=1)).isoformat()
        await pilot.press("enter")
        assert app.screen is form
        assert "in the past" in str(form.query_one("#err-date").content)
        form.query_one("#f-date").value = "2026-02-31"
        await pilot.press("enter")
        assert "not a date" in str(form.query_one("#err-date").content)
        await pilot.press("escape")
        assert app.screen is s
        assert len(demo_store.calls.for_client(client_id)) == before  # nothing stored


async def test_result_is_required_before_moving_on(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        await pilot.press("enter")
        assert s.index == 0
        assert s.check_action("save", ()) is None  # greyed out in the footer
        await pilot.press("1")  # a reason before reaching anyone does nothing
        assert s.slot.draft.reason is None


async def test_plan_dispute_callback_paid_and_escalate_each_stored(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        ids = []
        # plan: 3 monthly instalments from a week away
        ids.append(s.slot.entry.client_id)
        await pilot.press("r", "1", "l")
        assert isinstance(app.screen, OutcomeForm)
        assert "Schedule" in str(app.screen.query_one("#form-preview").content)
        await pilot.press("enter", "enter")
        # dispute: needs what
        ids.append(s.slot.entry.client_id)
        await pilot.press("r", "2", "x")
        await pilot.press("enter")
        assert isinstance(app.screen, OutcomeForm)  # refused: what is disputed is empty
        await pilot.press(*"hours billed twice")
        await pilot.press("enter", "enter")
        # callback tomorrow
        ids.append(s.slot.entry.client_id)
        await pilot.press("g")
        await pilot.press("enter")
        # paid on the call
        ids.append(s.slot.entry.client_id)
        await pilot.press("r", "5", "m", "enter", "enter")
        # escalate
        ids.append(s.slot.entry.client_id)
        await pilot.press("r", "7", "e")
        assert s.stage == "escalate"
        await pilot.press("enter")
        ro = on_disk(demo_store)
        by = {cid: [c for c in ro.calls.for_client(cid) if c.session_id == s.session.id][0] for cid in ids}
        plan_call = by[ids[0]]
        assert plan_call.outcome is Outcome.PLAN
        plans = [p for p in ro.plans.for_client(ids[0]) if p.call_id == plan_call.id]
        inst = sorted((p for p in ro.promises.for_client(ids[0]) if p.plan_id == plans[0].id), key=lambda p: p.due)
        assert len(inst) == 3 and sum(p.amount for p in inst) == plans[0].total
        disp = [d for d in ro.disputes.for_client(ids[1]) if d.call_id == by[ids[1]].id][0]
        assert disp.what == "hours billed twice" and disp.get_back == TODAY + timedelta(days=7)
        assert by[ids[2]].result is Result.GATEKEEPER and by[ids[2]].next_action == TODAY + timedelta(days=2)
        paid = by[ids[3]]
        assert paid.outcome is Outcome.PAID
        assert ro.ledger.payments.get(paid.details["links"]["payment"]).amount == Decimal(paid.details["amount"])
        assert by[ids[4]].outcome is Outcome.ESCALATE and by[ids[4]].next_action == TODAY + timedelta(days=10)
        ro.close()


async def test_undo_removes_the_last_call_and_restores_the_form(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        cid = s.slot.entry.client_id
        n_promises = len(demo_store.promises.for_client(cid))
        await pilot.press("r", "1", "p", "enter", "enter")
        assert len(demo_store.promises.for_client(cid)) == n_promises + 1
        await pilot.press("u")
        assert s.slot.entry.client_id == cid
        assert s.slot.draft.outcome is Outcome.PROMISE
        ro = on_disk(demo_store)
        assert [c for c in ro.calls.for_client(cid) if c.session_id == s.session.id] == []
        assert len(ro.promises.for_client(cid)) == n_promises
        ro.close()


async def test_skip_needs_a_reason_and_is_stored(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        cid = s.slot.entry.client_id
        await pilot.press("k", "enter")
        assert "Say why" in str(app.screen.query_one("#prompt-error").content)
        await pilot.press(*"owner away", "enter")
        assert s.index == 1
        call = [c for c in demo_store.calls.for_client(cid) if c.session_id == s.session.id][0]
        assert call.result is Result.SKIPPED and "owner away" in call.note


async def test_history_overlay_keeps_half_entered_fields(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        await pilot.press("r", "3", "o", *"asked for PO", "escape", "h")
        assert isinstance(app.screen, HistoryScreen)
        assert app.screen.events  # the demo client has a past
        await pilot.press("escape")
        assert app.screen is s
        assert s.slot.draft.result is Result.REACHED and s.slot.draft.reason is Reason.INVOICE_PROBLEM
        assert s.query_one("#note").value == "asked for PO"


async def test_going_back_and_relogging_replaces_the_call(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        cid = s.slot.entry.client_id
        await pilot.press("v", "enter")
        await pilot.press("left_square_bracket")
        assert s.slot.entry.client_id == cid
        await pilot.press("n", "enter")
        mine = [c for c in demo_store.calls.for_client(cid) if c.session_id == s.session.id]
        assert [c.result for c in mine] == [Result.NO_ANSWER]


async def test_end_shows_summary_with_the_session_figures(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        await pilot.press("r", "1", "p", "enter", "enter")  # reached + promise
        await pilot.press("v", "enter")  # voicemail
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmForm)  # q asks first: a stray q does not end the hour
        assert "End the session?" in screen_text(app)
        await pilot.press("n")
        assert app.screen is s and demo_store.sessions.get(s.session.id).ended is None
        await pilot.press("q", "escape")  # Esc on the question is no too
        assert app.screen is s
        await pilot.press("q", "y")
        assert isinstance(app.screen, SummaryScreen)
        text = screen_text(app)
        assert "2 of" in text
        assert "1  (reach rate 50%)" in text
        sess = demo_store.sessions.get(s.session.id)
        assert sess.ended is not None
        # Esc on the summary goes back to the calls, where they were; the session goes on
        await pilot.press("escape")
        assert app.screen is s and s.index == 2
        await pilot.press("n", "enter")
        assert len(s.saved_ids) == 3
        await pilot.press("q", "enter")  # Enter on the question is yes
        assert isinstance(app.screen, SummaryScreen)
        assert "3 of" in screen_text(app)
        assert demo_store.sessions.get(s.session.id).ended is not None
        await pilot.press("q")  # q on the summary leaves callroom
        await pilot.pause()
        assert app.return_code == 0 and not app.is_running


async def test_empty_ledger_says_how_to_import(empty_store, clock):
    app = app_for(empty_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "callroom import" in screen_text(app)


async def test_help_lists_every_session_key(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        text = screen_text(app)
        for label in ("Reached", "Voicemail", "Cash flow", "Won't pay", "Promise to pay", "Payment plan", "Undo", "history"):
            assert label in text


async def test_an_invoice_number_with_brackets_is_shown_as_it_is(demo_store, clock):
    first = demo_store.clients.find("Hofmann Maschinenbau GmbH")
    inv = next(i for i in demo_store.ledger.open_invoices(first.id) if i.number == "HM-311")
    demo_store.ledger.invoices.save(inv.with_(number="[bold]HM-311[/bold]"))
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        assert s.slot.entry.client_id == first.id
        rows = [line.strip() for line in screen_text(app).splitlines() if "Jul 26" in line]  # the invoice table's row
        assert any(r.startswith("[bold]HM-311[/bold]") for r in rows), rows


async def test_a_client_name_with_brackets_is_shown_as_it_is_on_the_not_today_list(demo_store, clock):
    q = Desk(demo_store, clock).queue()
    held = demo_store.clients.get(q.not_today[0].client_id)
    demo_store.clients.save(replace(held, name="[b]Held & Co[/b]"))
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("z")
        await pilot.pause()
        assert "[b]Held & Co[/b]" in screen_text(app)


async def test_a_client_name_that_looks_like_markup_never_breaks_a_notice(demo_store, clock):
    """Drawn as markup, this notice raised MarkupError and stopped the app (seen in tmux)."""
    first = demo_store.clients.find("Hofmann Maschinenbau GmbH")
    demo_store.clients.save(replace(first, name="Hofmann [/b] [London] GmbH"))
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("n", "enter")
        await pilot.pause()
        notes = list(app._notifications)
        assert notes and all(not n.markup for n in notes)
        saved = next(n for n in notes if n.message.startswith("Saved:"))
        assert saved.message == "Saved: Hofmann [/b] [London] GmbH · No answer  W: write the missed call"
        assert app._exception is None


async def test_the_palette_finds_a_client_whose_name_looks_like_markup(demo_store, clock):
    first = demo_store.clients.find("Harrow Street Dental")
    demo_store.clients.save(replace(first, name="Harrow [/b] [Street] Dental"))
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s: SessionScreen = app.screen
        await pilot.press("ctrl+p", *"harrow")
        await pilot.pause(0.5)
        assert app._exception is None
        assert "Call Harrow [/b] [Street] Dental" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is s and s.slot.entry.client_id == first.id


async def test_a_read_only_ledger_says_so_before_anything_is_typed(ledger, clock):
    from callroom.store import open_store

    from support import app_for, screen_text

    store = open_store(ledger, read_only=True)
    try:
        app = app_for(store, clock)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert "READ-ONLY: nothing is saved" in screen_text(app).splitlines()[0]
    finally:
        store.close()


async def test_a_writable_ledger_has_no_read_only_mark(demo_store, clock):
    from support import app_for, screen_text

    app = app_for(demo_store, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "READ-ONLY" not in screen_text(app)

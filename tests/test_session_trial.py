"""Defects a new-user trial of the call session and the queue found (Textual Pilot and the
domain): the invoice table's widths, the script and the follow-ups once everything is paid,
a dispute's invoices and who looks into it, calling hours after a client's phone changes,
the session summary's counts, callback times at the client's end, due dates an export lacks."""

from __future__ import annotations

from callroom.ui.widgets import InvoiceTable

from support import app_for, content, on_disk, screen_text, session


def rows_drawn(table) -> list[str]:
    return [table.render_line(y).text.rstrip() for y in range(table.row_count + 1)]


# --- the invoice table keeps no stale width --------------------------------------------------

async def test_the_invoice_table_is_drawn_whole_even_when_drawn_before_it_measures_itself(demo_store, clock):
    """Going back with [ and forward, the table was drawn before its idle pass measured the
    columns, and those rows stayed cached at the headings' widths: '$249.0', '1-3'."""
    app = app_for(demo_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        s = app.screen
        table = s.query_one(InvoiceTable)
        st = s.desk.standing(s.desk.find_client("Lumen Yoga").id)
        table.show(st, s.desk.today(), s.desk.policy)
        early = rows_drawn(table)  # a frame drawn before the table's idle pass
        await pilot.pause()
        for drawn in (early, rows_drawn(table)):
            assert drawn[1].split() == ["1077", "10", "Oct", "26", "9", "Nov", "26", "14", "$249.00", "$249.00", "1-30"]
            assert drawn[2].split() == ["1083", "9", "Nov", "26", "9", "Dec", "26", "in", "16", "$249.00", "$249.00", "not", "yet", "due"]
        assert "$249.00  $249.00  1-30" in screen_text(app)


# --- 1. a due date the export did not give is worked out, and said to be -------------------------

def test_a_missing_due_date_is_worked_out_from_its_terms_your_terms_or_assumed_30_days():
    from callroom.domain.aging import due_info, terms_days
    from callroom.domain.models import Invoice
    from callroom.domain.policy import Policy
    from domain_builders import D, ago

    assert [terms_days(t) for t in ("Net 15", "N30", "net-45", "45 days", "Due on receipt", "EOM", "2/10 net 30", "")] == \
        [15, 30, 45, 45, 0, None, None, None]
    bare = Invoice(1, 1, "M-1", "USD", D("500"), issued=ago(50), due=None)
    own = Invoice(2, 1, "M-2", "USD", D("500"), issued=ago(50), due=None, terms="Net 15")
    given = Invoice(3, 1, "M-3", "USD", D("500"), issued=ago(50), due=ago(5))
    assumed = due_info(bare, Policy())
    assert (assumed.day, assumed.basis, assumed.assumed) == (ago(20), "assumed", True)
    assert assumed.note() == "due date assumed: issued + 30 days; the export has none"
    yours = due_info(bare, Policy(usual_terms_days=14))
    assert (yours.day, yours.basis, yours.assumed) == (ago(36), "yours", False)
    assert yours.note() == "due date from your usual terms: issued + 14 days; the export has none"
    assert due_info(own, Policy(usual_terms_days=14)).day == ago(35)  # the invoice's own terms come first
    assert due_info(own, Policy()).by() == "by its terms (Net 15)"
    assert (due_info(given, Policy()).day, due_info(given, Policy()).note()) == (ago(5), "")


def test_a_policy_stored_before_usual_terms_existed_is_not_read_as_the_owners_terms():
    """Ledgers kept 'default_terms_days': 30 with every policy, a default nobody chose."""
    from callroom.domain.policy import Policy

    old = dict(Policy().to_record(), default_terms_days=30)
    del old["usual_terms_days"]
    assert Policy.from_record(old).usual_terms_days is None
    assert Policy.from_record(Policy(usual_terms_days=45).to_record()).usual_terms_days == 45


def test_the_queue_says_when_days_overdue_rest_on_an_assumed_due_date():
    from callroom.domain.models import Invoice
    from callroom.domain.policy import Policy
    from callroom.domain.queue import build
    from domain_builders import NOW, D, ago, cfile, client

    f = cfile(client(1, "Marsh Florists"), [Invoice(1, 1, "M-1", "USD", D("500"), issued=ago(75), due=None)])
    (e,) = build([f], NOW).entries
    assert (e.days, e.why) == (45, "45 days overdue (due date assumed: issued + 30 days; the export has none), $500.00")
    (e,) = build([f], NOW, Policy(usual_terms_days=60)).entries
    assert e.why == "15 days overdue (due date from your usual terms: issued + 60 days; the export has none), $500.00"
    q = build([f], NOW, Policy(usual_terms_days=90))
    assert not q.entries and q.not_today[0].why == "not yet due (due date from your usual terms: issued + 90 days; the export has none)"


# --- 2. a dispute: which invoices, and who looks into it -----------------------------------------

def _two_overdue():
    from domain_builders import cfile, client, invoice, stand

    return stand(cfile(client(1), [invoice("1001", "1000.00", overdue=40), invoice("1002", "250.00", overdue=20)]))


def _dispute(**kw):
    from callroom.domain.codes import Outcome, Reason, Result
    from callroom.domain.drafts import Draft

    return Draft(result=Result.REACHED, reason=Reason.DISPUTE, outcome=Outcome.DISPUTE, date="+7", who="Sam", **kw)


def test_a_dispute_covers_the_invoices_named_said_or_the_only_one_and_otherwise_asks():
    import pytest

    from callroom.domain.drafts import DraftError, build
    from domain_builders import NOW, cfile, client, invoice, stand

    st = _two_overdue()
    assert build(_dispute(what="Hours too high", invoices="1002"), st, NOW).dispute.invoices == ("1002",)
    assert build(_dispute(what="Hours too high", invoices="all"), st, NOW).dispute.invoices == ("1001", "1002")
    assert build(_dispute(what="Hours on #1001 too high"), st, NOW).dispute.invoices == ("1001",)
    assert build(_dispute(what="Hours on 10010 too high", invoices="1001"), st, NOW).dispute.invoices == ("1001",)
    with pytest.raises(DraftError) as e:
        build(_dispute(what="Hours too high"), st, NOW)
    assert e.value.field == "invoices" and "Open: 1001, 1002" in str(e.value)
    with pytest.raises(DraftError) as e:
        build(_dispute(what="Hours too high", invoices="9999"), st, NOW)
    assert e.value.field == "invoices" and "9999" in str(e.value)
    one = stand(cfile(client(1), [invoice("1001", "1000.00", overdue=40)]))
    assert build(_dispute(what="Hours too high"), one, NOW).dispute.invoices == ("1001",)


def test_a_dispute_needs_who_looks_into_it():
    import pytest

    from callroom.domain.codes import Outcome, Reason, Result
    from callroom.domain.drafts import Draft, DraftError, build
    from domain_builders import NOW

    d = Draft(result=Result.REACHED, reason=Reason.DISPUTE, outcome=Outcome.DISPUTE, date="+7", what="Too high", invoices="1001")
    with pytest.raises(DraftError) as e:
        build(d, _two_overdue(), NOW)
    assert e.value.field == "who"
    d.who = "Priya (accounts)"
    assert build(d, _two_overdue(), NOW).dispute.who == "Priya (accounts)"


def test_a_dispute_about_one_invoice_does_not_hold_back_the_others():
    from callroom.domain.codes import Outcome, Reason
    from callroom.domain.queue import build
    from domain_builders import NOW, TODAY, ago, ahead, call, cfile, client, dispute, invoice

    invs = [invoice("1001", "1000.00", overdue=40), invoice("1002", "250.00", overdue=20)]
    talk = call(ago(5), reason=Reason.DISPUTE, outcome=Outcome.DISPUTE, next_action=ahead(10))
    one = cfile(client(1), invs, calls=[talk], disputes=[dispute(ago(5), ahead(10), ("1002",))])
    (e,) = build([one], NOW).entries
    assert e.why == "40 days overdue, $1,000.00"  # 1001 is still asked for; 1002 waits for the dispute
    both = cfile(client(1), invs, calls=[talk], disputes=[dispute(ago(5), ahead(10), ("1001", "1002"))])
    q = build([both], NOW)
    assert not q.entries and q.not_today[0].why.startswith("dispute: get back by")
    # the get-back date comes: the client is back for it, though a later call was about 1001
    later = call(ago(2), reason=Reason.CASH_FLOW, outcome=Outcome.PROMISE, next_action=ahead(20))
    back = cfile(client(1), invs, calls=[talk, later], disputes=[dispute(ago(15), ago(1), ("1002",))])
    (e,) = build([back], NOW).entries
    assert e.why.startswith("dispute: get back by")


# --- UI: the call screen, driven by keys ---------------------------------------------------------


def _drop_due_date(store, client: str, number: str) -> None:
    """As a FreshBooks export gives it: an issue date, no due date, no terms."""
    c = next(x for x in store.clients.all() if x.name.startswith(client))
    inv = next(i for i in store.ledger.open_invoices(c.id) if i.number == number)
    store.ledger.invoices.save(inv.with_(due=None, terms=""))


async def test_the_call_screen_marks_days_counted_from_an_assumed_due_date(demo_store, clock):
    """Lumen Yoga's 1077 was issued 44 days ago with no due date: 14 days overdue only by the
    assumed 30-day terms, and the screen says so; with the owner's 14-day terms, 30 days."""
    from callroom.domain.policy import Policy

    _drop_due_date(demo_store, "Lumen Yoga", "1077")
    app = app_for(demo_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        s = await session(app, pilot, "Lumen Yoga")
        table = s.query_one(InvoiceTable)
        row = [str(c) for c in table.get_row_at(0)]
        assert (row[0], row[2], row[3], row[6]) == ("1077", "9 Nov 26*", "14*", "1-30*")
        totals = content(s.query_one("#totals"))
        assert "oldest 1077, 14 days*" in totals
        assert "* due date assumed: issued + 30 days; the export has none (set yours: callroom settings --terms DAYS)" in totals
        assert "14 days overdue (due date assumed: issued + 30 days" in content(s.query_one("#card"))
        assert "* due date assumed: issued + 30 days" in screen_text(app)  # shown at 80x24, not cut off
    demo_store.settings.set_policy(Policy(usual_terms_days=14))
    app = app_for(demo_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        s = await session(app, pilot, "Lumen Yoga")
        row = [str(c) for c in s.query_one(InvoiceTable).get_row_at(0)]
        assert (row[2], row[3]) == ("24 Oct 26*", "30*")
        totals = content(s.query_one("#totals"))
        assert "* due date from your usual terms: issued + 14 days; the export has none" in totals and "settings --terms" not in totals


def test_settings_terms_sets_the_owners_usual_terms(ledger):
    from click.testing import CliRunner

    from callroom.cli import main
    from callroom.store import open_store

    run = lambda *a: CliRunner().invoke(main, ["--db", str(ledger), *a], catch_exceptions=False)  # noqa: E731
    assert "issued + 30 days, assumed (set yours: callroom settings --terms DAYS)" in run("settings").output
    r = run("settings", "--terms", "45")
    assert r.exit_code == 0 and "issued + 45 days (yours)" in r.output
    store = open_store(ledger, read_only=True)
    assert store.settings.policy.usual_terms_days == 45
    store.close()
    r = run("settings", "--terms", "400")
    assert r.exit_code != 0 and "400" in r.output


async def test_a_dispute_names_its_invoices_and_who_looks_into_it_and_the_rest_stays_asked_for(demo_store, clock):
    """Hofmann owes HM-311 and HM-327; the dispute is about HM-327 only."""
    from callroom.domain.codes import Reason
    from callroom.ui.forms import OutcomeForm
    from callroom.ui.keys import key_for

    app = app_for(demo_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        s = await session(app, pilot, "Hofmann")
        cid = s.slot.entry.client_id
        await pilot.press("r", key_for(Reason.DISPUTE), "x")
        form = app.screen
        assert isinstance(form, OutcomeForm)
        assert form.query_one("#f-who").value == "Sam"  # the caller, by default
        assert form.query_one("#f-invoices").value == ""
        form.query_one("#f-what").value = "Hours on the commissioning too high"
        await pilot.press("enter")
        assert app.screen is form  # two invoices open, none named: it asks which
        assert "Which invoices are disputed? Open: HM-311, HM-327" in screen_text(app)
        form.query_one("#f-what").value = "Hours on HM-327 too high"
        form.query_one("#f-who").value = "Jonas's accountant and Sam"
        await pilot.press("enter")
        assert app.screen is s
        assert "Hours on HM-327 too high: get back by" in content(s.query_one("#logpanel"))
        assert "Jonas's accountant and Sam looks into it · disputed: HM-327" in content(s.query_one("#logpanel"))
        await pilot.press("enter")
        await pilot.pause()
        ro = on_disk(demo_store)
        (d,) = [d for d in ro.disputes.for_client(cid) if d.is_open]
        ro.close()
        assert (d.invoices, d.who) == (("HM-327",), "Jonas's accountant and Sam")
        # HM-311 is still overdue: the dispute about HM-327 does not hold it back (after the
        # usual hold after a call)
        held = next(h for h in s.desk.queue().not_today if h.client_id == cid)
        assert held.why.startswith("called") and "hold until" in held.why
        st = s.desk.standing(cid)
        assert [i.number for i in st.chase] == ["HM-311"]


def test_log_who_names_who_looks_into_a_dispute(ledger):
    from click.testing import CliRunner

    from callroom.cli import main
    from callroom.store import open_store

    from support import TODAY

    run = lambda *a: CliRunner().invoke(main, ["--db", str(ledger), "--as-of", TODAY.isoformat(), *a])  # noqa: E731
    r = run("log", "Hofmann", "--result", "reached", "--reason", "dispute", "--outcome", "dispute", "--what", "Hours too high")
    assert r.exit_code != 0 and "Which invoices are disputed? Open: HM-311, HM-327" in r.output
    r = run("log", "Hofmann", "--result", "reached", "--reason", "dispute", "--outcome", "dispute", "--what", "Hours too high",
            "--invoices", "HM-327", "--who", "Priya")
    assert r.exit_code == 0, r.output
    r2 = run("log", "Atelier", "--result", "reached", "--reason", "dispute", "--outcome", "dispute", "--what", "Wrong rate on 0049")
    assert r2.exit_code == 0, r2.output
    store = open_store(ledger, read_only=True)
    found = {}
    for name in ("Hofmann", "Atelier"):
        c = next(x for x in store.clients.all() if x.name.startswith(name))
        (d,) = [d for d in store.disputes.for_client(c.id) if d.is_open]
        found[name] = (d.invoices, d.who)
    store.close()
    assert found == {"Hofmann": (("HM-327",), "Priya"), "Atelier": (("0049",), "Sam")}  # Sam: the caller in settings


async def test_paid_in_full_on_the_call_sets_no_follow_up_and_the_script_says_so(demo_store, clock):
    """Lumen Yoga: 1077 overdue ($249.00), 1083 not yet due. Paid on the call: nothing is
    left overdue, so no money follow-up; a payment with `$` of everything empties the script
    of collection lines and says why."""
    from callroom.domain.codes import Reason
    from callroom.ui.keys import key_for

    app = app_for(demo_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        s = await session(app, pilot, "Lumen Yoga")
        cid = s.slot.entry.client_id
        await pilot.press("r", key_for(Reason.OVERLOOKED), "m")
        assert app.screen.query_one("#f-amount").value == "249.00"
        await pilot.press("enter")
        assert "Next action: none: nothing is left overdue" in content(s.query_one("#logpanel"))
        await pilot.press("enter")
        await pilot.pause()
        ro = on_disk(demo_store)
        call = max(ro.calls.for_client(cid), key=lambda c: c.id)
        ro.close()
        assert call.outcome.value == "paid" and call.next_action is None
        # going back with [ shows the call as stored, not worked out again against the ledger
        # the payment changed (that suggested a follow-up date)
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert s.slot.entry.client_id == cid
        shown = content(s.query_one("#logpanel"))
        assert "Next action: none: nothing is left overdue" in shown and "suggested" not in shown
        assert "$249.00 paid" in shown
        # back to the client: pay the rest (1083, not yet due) with $
        s.call_client(cid)
        await pilot.pause()
        await pilot.press("dollar_sign")
        form = app.screen
        form.query_one("#f-amount").value = "249.00"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is s
        shown = []
        for _ in range(4):  # every stage of the script, with s
            shown.append(content(s.query_one("#script")))
            await pilot.press("s")
        script = "\n".join(shown)
        assert "Nothing is open on this account: every invoice is paid, so there is nothing to ask for." in script
        assert "Nothing to offer or ask for: nothing is open." in script
        assert "$0.00" not in script and "I'm calling about" not in script and "in all" not in script


async def test_editing_the_phone_moves_the_clients_local_time_and_calling_hours_mark(demo_store, clock):
    """15:00 UTC: Hofmann's Berlin number is in hours (16:00); moved to a New Zealand number
    it is 04:00 there, outside calling hours, and the card says so at once; and back."""
    app = app_for(demo_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        s = await session(app, pilot, "Hofmann")
        cid = s.slot.entry.client_id
        card = lambda: content(s.query_one("#card"))  # noqa: E731
        assert "OUTSIDE CALLING HOURS" not in card() and "(Mon 16:00 local)" in card()
        for number, local, outside in (("+64 7 555 0199", "(Tue 04:00 local)", True), ("+49 30 901820", "(Mon 16:00 local)", False)):
            await pilot.press("E")
            await pilot.pause()
            app.screen.query_one("#d-phone").value = number
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is s
            assert demo_store.clients.get(cid).phone == number
            assert local in card() and ("OUTSIDE CALLING HOURS" in card()) is outside
            assert s.slot.entry.out_of_hours is outside
            assert next(e for e in s.queue.entries if e.client_id == cid).out_of_hours is outside


async def test_the_summary_counts_promises_and_plans_apart_and_calls_per_hour(demo_store, clock):
    from callroom.ui.app import CallroomApp
    from callroom.ui.summary import SummaryScreen

    now = [0.0]
    app = CallroomApp(demo_store, clock=clock, ticker=lambda: now[0])
    async with app.run_test(size=(80, 24)) as pilot:
        s = await session(app, pilot)
        await pilot.press("r", "1", "p", "enter", "enter")  # a promise, with the form's defaults
        now[0] += 600
        await pilot.press("r", "1", "l", "enter", "enter")  # a payment plan
        now[0] += 600
        await pilot.press("n", "enter")  # no answer
        now[0] += 600
        calls = [c for c in s.session_calls()]
        assert [c.outcome.value if c.outcome else None for c in calls] == ["promise", "plan", None]
        await pilot.press("q", "y")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        text = screen_text(app)
        line = lambda head: next(x for x in text.splitlines() if head in x)  # noqa: E731
        assert "3 of" in line("Calls made")
        assert "1 promise · 1 plan" in line("Promises and plans") and "in all" in line("Promises and plans")
        assert "6  (3 calls in 30 min)" in line("Calls per hour")  # 3 calls over 30 minutes
        assert "Payment plans" not in text  # counted once, with the promises


def test_the_tally_counts_a_plan_as_a_plan_not_a_promise_too():
    from decimal import Decimal

    from callroom.domain.codes import Outcome, Result
    from callroom.domain.models import Call
    from callroom.services import tally
    from support import NOW

    promise = Call(None, 1, NOW, Result.REACHED, outcome=Outcome.PROMISE, details={"amount": "100.00", "currency": "USD"})
    plan = Call(None, 2, NOW, Result.REACHED, outcome=Outcome.PLAN, details={"total": "900.00", "amount": "900.00", "currency": "USD"})
    t = tally([promise, plan])
    assert (t.promises, t.plans, t.promised) == (1, 1, {"USD": Decimal("1000.00")})
    assert t.per_hour(1800) == 4.0 and t.per_hour(30) is None and tally([]).per_hour(3600) is None


def test_a_callback_is_said_in_the_clients_time_too_across_midnight():
    from datetime import datetime, timezone

    from callroom.domain.codes import Outcome, Result
    from callroom.domain.models import Call
    from callroom.domain.queue import build
    from domain_builders import NOW, NZ_PHONE, NY_PHONE, TODAY, ago, cfile, client, invoice
    from datetime import timedelta

    def agreed(phone, region):
        tomorrow = TODAY + timedelta(days=1)
        c = Call(1, 1, datetime(2026, 11, 20, 10, 0), Result.REACHED, outcome=Outcome.CALLBACK, next_action=tomorrow,
                 details={"date": tomorrow.isoformat(), "time": "15:00",
                          "at": datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc).isoformat()})
        f = cfile(client(1, phone=phone, region=region), [invoice("1001", "500.00", overdue=40)], calls=[c])
        return build([f], NOW).not_today[0].why

    assert agreed(NZ_PHONE, "NZ") == "callback agreed for 24 Nov at 15:00 your time, 04:00 Wed theirs"
    assert agreed(NY_PHONE, "US") == "callback agreed for 24 Nov at 15:00 your time, 10:00 theirs"
    assert agreed("+44 20 7946 0321", "GB") == "callback agreed for 24 Nov at 15:00"  # the same clock then


def test_a_follow_up_about_money_no_longer_overdue_is_dropped_but_an_agreed_date_is_kept():
    """Everything overdue was paid; only an invoice not yet due is left. A follow-up about the
    money does not bring the client back; a callback or a dispute's get-back date does."""
    from callroom.domain.codes import Outcome, Reason
    from callroom.domain.queue import build
    from domain_builders import NOW, ago, ahead, call, cfile, client, dispute, invoice

    left = [invoice("1001", "0.00", overdue=40), invoice("1002", "250.00", overdue=-10)]
    money = cfile(client(1), left, calls=[call(ago(15), reason=Reason.CASH_FLOW, next_action=ago(1))])
    q = build([money], NOW)
    assert not q.entries and q.not_today[0].why == "not yet due"
    back = cfile(client(1), left, calls=[call(ago(15), reason=Reason.DISPUTE, outcome=Outcome.DISPUTE, next_action=ago(1))],
                 disputes=[dispute(ago(15), ago(1), ("1003",))])
    (e,) = build([back], NOW).entries
    assert e.why.startswith("dispute: get back by")
    cb = cfile(client(1), left, calls=[call(ago(3), outcome=Outcome.CALLBACK, next_action=ago(0))])
    (e,) = build([cb], NOW).entries
    assert e.why.endswith("; nothing overdue now") and e.why.startswith("callback agreed for")


def test_a_session_never_ended_counts_its_calls_per_hour_to_its_last_call():
    from datetime import datetime

    from callroom.domain.codes import Result
    from callroom.domain.models import Call, Session
    from callroom.domain.report import call_figures

    start = datetime(2026, 11, 23, 9, 0)
    calls = [Call(n, 1, datetime(2026, 11, 23, 9, 10 * n), Result.NO_ANSWER) for n in (1, 2, 3)]
    open_ = call_figures(calls, {}, Session(1, start, start.date()))
    assert (open_.calls, open_.minutes, open_.calls_per_hour) == (3, 30.0, 6.0)
    ended = call_figures(calls, {}, Session(1, start, start.date(), ended=datetime(2026, 11, 23, 10, 0)))
    assert (ended.minutes, ended.calls_per_hour) == (60.0, 3.0)


def test_the_escalation_desk_marks_days_counted_from_a_worked_out_due_date():
    """'oldest 45 days' on the routes must say when it rests on an assumed due date, as the
    call screen does: the owner repeats it to a lawyer or an agency."""
    from callroom.domain import escalation as esc
    from callroom.domain.models import Invoice
    from callroom.domain.policy import Policy
    from domain_builders import NOW, D, ago, cfile, client

    given = Invoice(2, 1, "M-2", "USD", D("300"), issued=ago(60), due=ago(30))
    bare = Invoice(1, 1, "M-1", "USD", D("500"), issued=ago(75), due=None)
    (claim,) = esc.claims(cfile(client(1, "Marsh Florists"), [bare, given]), NOW.date()).claims
    assert (claim.days, claim.days_text) == (45, "oldest 45 days*")
    assert claim.due_notes == ("due date assumed: issued + 30 days; the export has none",)
    (claim,) = esc.claims(cfile(client(1, "Marsh Florists"), [bare, given]), NOW.date(), Policy(usual_terms_days=60)).claims
    assert (claim.days, claim.days_text) == (30, "oldest 30 days*")
    assert claim.due_notes == ("due date from your usual terms: issued + 60 days; the export has none",)
    (claim,) = esc.claims(cfile(client(1, "Marsh Florists"), [given]), NOW.date()).claims
    assert (claim.days_text, claim.due_notes) == ("oldest 30 days", ())

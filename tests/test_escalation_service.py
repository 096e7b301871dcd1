"""The escalation desk on a real ledger: a route chosen is on disk with its figures and
check date, replaces the one standing, holds the client out of the queue (and the queue
built by parts agrees with one built afresh), comes back with --as-of, is closed by a
payment; costs are the owner's, kept in the profile beside what other versions keep,
refused naming the field; the case file written whole, or refused with nothing written."""

from __future__ import annotations

import os
import stat
from datetime import timedelta
from decimal import Decimal

import pypdf
import pytest

from callroom.domain import queue as queue_mod
from callroom.domain.clock import Clock
from callroom.domain.escalation import CostError, Route
from callroom.domain.messages import Kind
from callroom.services import Desk
from callroom.services.escalation import CaseFileError, EscalationError
from callroom.store import open_store

from support import NOW, TODAY, on_disk


@pytest.fixture
def desk(demo_store):
    return Desk(demo_store, Clock.at(NOW))


def _id(desk, name):
    return desk.find_client(name).id


def _held(desk, cid):
    q = desk.queue()
    return next((h for h in q.not_today if h.client_id == cid), None), next((e for e in q.entries if e.client_id == cid), None)


def test_a_route_chosen_is_on_disk_and_takes_the_client_out_of_the_queue(desk, demo_store):
    cid = _id(desk, "Quarry Hill")
    held, entry = _held(desk, cid)
    assert held is None and entry is not None  # queued before
    step, est = desk.choose_route(cid, "agency", note="hand over")
    assert (step.route, step.claim, step.check, step.note) == ("agency", Decimal("3600.00"), TODAY + timedelta(days=30), "hand over")
    assert step.cost == est.cost == Decimal("1130.00") and step.example  # the shipped examples
    assert sorted(step.balances) == ["1019", "1080"]
    s = on_disk(demo_store)
    try:
        [kept] = s.escalations.for_client(cid)
        assert (kept.route, kept.cost, kept.check) == ("agency", Decimal("1130.00"), TODAY + timedelta(days=30))
    finally:
        s.close()
    held, entry = _held(desk, cid)
    assert entry is None and held.why == "with the collection agency since 23 Nov: check 23 Dec"
    # the queue worked out again for this client alone agrees with one built from scratch
    fresh = queue_mod.build(demo_store.client_files(), desk.clock.now(), desk.policy)
    assert [e.client_id for e in desk.queue().entries] == [e.client_id for e in fresh.entries]
    # on the check date it comes back first, with why
    later = Desk(demo_store, Clock.on(TODAY + timedelta(days=30)))
    entry = next(e for e in later.queue().entries if e.client_id == cid)
    assert (entry.tier, entry.why, entry.route) == (1, "agency: 30 days without news", "agency")


def test_another_route_replaces_the_one_standing_and_withdrawing_ends_it(desk, demo_store):
    cid = _id(desk, "Quarry Hill")
    desk.choose_route(cid, Route.FINAL_NOTICE)
    desk.choose_route(cid, Route.LAWYER)
    steps = sorted(demo_store.escalations.for_client(cid), key=lambda s: s.id)
    assert [(s.route, s.end) for s in steps] == [("final-notice", "replaced by lawyer's letter"), ("lawyer", "")]
    assert [s.route.value for s in desk.routes(cid).standing] == ["lawyer"]
    desk.withdraw_route(cid)
    assert desk.routes(cid).standing == []
    held, entry = _held(desk, cid)
    assert entry is not None
    with pytest.raises(EscalationError, match="no escalation route stands for Quarry Hill Brewing Co"):
        desk.withdraw_route(cid)


def test_refusals_store_nothing(desk, demo_store):
    before = demo_store.escalations.count()
    with pytest.raises(EscalationError, match="Westfield Accounting Group has nothing overdue to escalate"):
        desk.choose_route(_id(desk, "Westfield"), "lawyer")
    with pytest.raises(EscalationError, match="Small claims court is not available: over the limit of €10,000.00"):
        desk.choose_route(_id(desk, "Hofmann"), "small-claims")
    with pytest.raises(EscalationError, match="owes nothing overdue in GBP"):
        desk.choose_route(_id(desk, "Quarry Hill"), "lawyer", currency="GBP")
    assert demo_store.escalations.count() == before


def test_a_payment_closes_the_route_and_the_report_shows_what_it_saved(desk, demo_store):
    cid = _id(desk, "Quarry Hill")
    step, _ = desk.choose_route(cid, "agency")
    later = Desk(demo_store, Clock.on(TODAY + timedelta(days=5)))
    later.record_payment(cid, Decimal("3600.00"), "USD", TODAY + timedelta(days=4))
    [st] = later.routes(cid).history
    assert (st.status, st.recovered, st.saved) == ("paid", Decimal("3600.00"), Decimal("1130.00"))
    r = later.report()
    assert (r.escalation_closed.paid, r.escalation_closed.saved) == (1, {"USD": Decimal("1130.00")})
    assert r.to_json()["escalation"]["closed_by_payment"]["saved_estimate"] == {"USD": "1130.00"}
    stages = {s.stage: s for s in r.escalation}
    assert stages["agency"].clients == 0
    assert any("saved an estimated $1,130.00" in e.title for e in later.history(cid))


def test_the_queue_filters_figures_match_the_reports_for_the_routes(desk):
    from callroom.domain.escalation import queue_stage_figures

    desk.choose_route(_id(desk, "Quarry Hill"), "agency")
    desk.choose_route(_id(desk, "Northgate"), "lawyer")
    q = desk.queue()
    quick = queue_stage_figures(q.entries, q.not_today)
    full, _ = desk.escalation_stages()
    assert [(s.stage, s.clients, dict(s.money)) for s in quick][1:] == [(s.stage, s.clients, dict(s.money)) for s in full][1:]
    by = {s.stage: s for s in full}
    assert by["agency"].clients == 1 and by["lawyer"].money == {"USD": Decimal("12905.25")}


def test_costs_are_the_owners_kept_with_the_profile_and_nonsense_is_refused(desk, demo_store):
    desk.set_costs(["lawyer=fee:180, hours:1, days:14", "hourly=75", "EUR:agency=commission:25%"])
    s = on_disk(demo_store)
    try:
        p = s.settings.profile
        assert p.name == "Brightline Studio"  # the rest of the profile is untouched
        assert p.extra["costs"]["USD"] == {"hourly": "75", "routes": {"lawyer": {"fees": [["180", None]], "hours": "1", "days": 14}}}
    finally:
        s.close()
    est = next(e for e in desk.routes(_id(desk, "Quarry Hill")).weighed["USD"] if e.route is Route.LAWYER)
    assert (est.cost, est.example) == (Decimal("255.00"), False)
    before = demo_store.settings.profile
    with pytest.raises(CostError, match="collection agency commission: 120% is more than 100%"):
        desk.set_costs(["lawyer=fee:200", "agency=commission:120%"])
    with pytest.raises(CostError, match="lawyer's letter fee: -5 is negative"):
        desk.set_profile(name="Other", costs=["lawyer=fee:-5"])
    assert demo_store.settings.profile == before  # neither the first cost nor the name was stored


def test_the_case_file_is_written_whole(desk, demo_store, tmp_path):
    cid = _id(desk, "Quarry Hill")
    letter = tmp_path / "sent" / "final.pdf"
    letter.parent.mkdir()
    d = desk.compose(cid, Kind.FINAL_NOTICE)
    desk.save_message(d.message, "pdf", letter)
    desk.choose_route(cid, "agency")
    out = tmp_path / "case"
    paths = desk.write_case_file(cid, out)
    names = sorted(str(p.relative_to(out)) for p in paths)
    assert names == ["casefile.pdf", "contact-log.csv", "letters/01 2026-11-23 final-notice.pdf", "letters/01 2026-11-23 final-notice.txt",
                     "statement.csv"]
    assert (out / "letters/01 2026-11-23 final-notice.pdf").read_bytes() == letter.read_bytes()
    text = (out / "letters/01 2026-11-23 final-notice.txt").read_text()
    assert "Exhibit 1: Final notice" in text and d.message.body in text
    pdf = "\n".join(p.extract_text() for p in pypdf.PdfReader(out / "casefile.pdf").pages)
    for needed in ("1019", "1080", "2026-10-14 16:10", "Collection agency, chosen on 2026-11-23", "Exhibit 1: Final notice"):
        assert needed in pdf, needed
    # a folder that holds one is refused, and nothing in it changes ...
    stamp = (out / "casefile.pdf").stat().st_mtime_ns
    with pytest.raises(CaseFileError, match="already holds a case file"):
        desk.write_case_file(cid, out)
    assert (out / "casefile.pdf").stat().st_mtime_ns == stamp
    # ... unless forced: the letters it wrote are replaced, anything else there is left alone
    (out / "letters" / "mine.txt").write_text("my own note")
    (out / "letters" / "07 2026-01-01 reminder.txt").write_text("an old letter")
    desk.write_case_file(cid, out, force=True)
    assert sorted(p.name for p in (out / "letters").iterdir()) == ["01 2026-11-23 final-notice.pdf", "01 2026-11-23 final-notice.txt", "mine.txt"]


def test_case_file_refusals_write_nothing(desk, tmp_path):
    with pytest.raises(CaseFileError, match="Westfield Accounting Group owes nothing: no case file was written"):
        desk.write_case_file(_id(desk, "Westfield"), tmp_path / "w")
    assert not (tmp_path / "w").exists()
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(CaseFileError, match="is a file, not a folder"):
        desk.write_case_file(_id(desk, "Quarry"), a_file)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_folder_is_named(desk, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(CaseFileError, match=f"cannot write to {locked}"):
            desk.write_case_file(_id(desk, "Quarry"), locked / "case")
    finally:
        locked.chmod(stat.S_IRWXU)


def test_an_unwritable_folder_is_named_even_for_root(desk, tmp_path):
    """A path under a file cannot be made, whoever runs it."""
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    with pytest.raises(CaseFileError, match=f"cannot write to {blocker / 'case'}"):
        desk.write_case_file(_id(desk, "Quarry"), blocker / "case")


def test_the_record_check_reads_escalation_steps(desk, demo_store):
    desk.choose_route(_id(desk, "Quarry Hill"), "agency")
    path = demo_store.path
    demo_store.close()
    s = open_store(path, read_only=True)
    try:
        assert s.escalations.count() == 1
    finally:
        s.close()


def test_a_hand_edited_escalation_step_is_named_not_read():
    from datetime import datetime

    from callroom.domain.models import Escalation
    from callroom.store.check import describe, record_problems

    good = Escalation(None, 1, datetime(2026, 11, 23, 10), "agency", "USD", Decimal("3600.00"), Decimal("1130.00"), Decimal("2470.00"),
                      check=TODAY + timedelta(days=30), balances={"1019": "3150.00"}).to_record()
    assert list(record_problems({"escalations": {"1": good}})) == []
    bad = dict(good, cost=1130.5)
    [(table, doc_id, why)] = record_problems({"escalations": {"1": good, "2": bad}})
    assert (table, doc_id) == ("escalations", 2) and "field 'cost': wrong type" in why
    assert describe(table, doc_id, why).startswith("escalation step #2")

"""Escalation routes: the owner's costs (the --cost syntax and its refusals), the arithmetic
of each route in the debt's currency, what is weighed (overdue only), and the queue's
treatment of a client under each route: held while it runs, back on its check date with
why, released by a payment."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from callroom.domain import escalation as esc
from callroom.domain.codes import Outcome, Reason, Stage
from callroom.domain.escalation import Band, CostBook, CostError, Route, RouteCost
from callroom.domain.models import ClientFile
from callroom.domain.policy import Policy
from callroom.domain.profile import Profile
from callroom.domain.queue import build

from domain_builders import NOW, TODAY, D, ago, ahead, call, cfile, client, dispute, invoice, payment

# The owner's own costs in USD: nothing here comes from the examples.
OWN = esc.apply_settings({}, [esc.parse_setting(t) for t in (
    "hourly=75",
    "final-notice=fee:2.50, hours:0.5",
    "lawyer=fee:180, hours:1, days:14",
    "agency=commission:25%, minimum:500, hours:1, days:30",
    "small-claims=limit:5000, fee:35 up to 300, fee:80 up to 1500, fee:205 up to 5000, hours:8, days:90",
    "settle=accept:80%, hours:1, days:14",
    "write-off=hours:0",
)], "USD")["USD"]


def _est(route: Route, claim: str, currency: str = "USD", book: CostBook = OWN, policy: Policy = Policy()) -> esc.Estimate:
    return esc.estimate(route, D(claim), currency, book, policy)


# ------------------------------------------------------------------------------------ costs


def test_the_cost_syntax_reads_every_setting():
    s = esc.parse_setting("small-claims=limit:10000, fee:35 up to 300, fee:80 UP TO 1500, fee:455, hours:8, days:90")
    assert s.currency is None and s.target == "small-claims"
    rc = s.route_cost
    assert rc.limit == D("10000") and rc.hours == D("8") and rc.days == 90
    assert rc.fees == (Band(D("35"), D("300")), Band(D("80"), D("1500")), Band(D("455")))
    a = esc.parse_setting("EUR:agency=commission:33.5%;minimum:200")
    assert a.currency == "EUR" and a.route_cost == RouteCost(commission=D("33.5"), minimum=D("200"))
    assert esc.parse_setting("hourly=60").amount == D("60")
    assert esc.parse_setting("interest=8%").amount == D("8")
    assert esc.parse_setting("lawyer=").route_cost == RouteCost()  # back to the example


@pytest.mark.parametrize("text, field, words", [
    ("lawyer=fee:-5", "cost-lawyer", "lawyer's letter fee: -5 is negative"),
    ("agency=commission:120%", "cost-agency", "collection agency commission: 120% is more than 100%"),
    ("agency=commission:-3%", "cost-agency", "collection agency commission: -3% is negative"),
    ("settle=accept:0%", "cost-settle", "settle for less accept: 0% is writing off"),
    ("lawyer=accept:50%", "cost-lawyer", "accept: applies to settle only"),
    ("final-notice=days:14", "cost-final-notice", "final notice days: the deadline is the collection policy's"),
    ("small-claims=hours:-2", "cost-small-claims", "small claims court hours: -2 is negative"),
    ("lawyer=fee:1,500", "cost-lawyer", "'500' is not SETTING:VALUE"),
    ("lawyer=fee:abc", "cost-lawyer", "lawyer's letter fee: 'abc' is not an amount"),
    ("lawyer=cost:5", "cost-lawyer", "unknown setting 'cost'"),
    ("lawyer=days:2.5", "cost-lawyer", "lawyer's letter days: '2.5' is not a number of days"),
    ("small-claims=fee:30 up to 500, fee:40 up to 500", "cost-small-claims", "two fees up to 500"),
    ("agency=minimum:900, limit:100", "cost-agency", "minimum: 900 is above the limit of 100"),
    ("hourly=-10", "cost-hourly", "hourly value: -10 is negative"),
    ("interest=250%", "cost-interest", "interest rate: 250% is more than 100%"),
    ("tribunal=fee:10", "cost-cost", "unknown route 'tribunal'"),
    ("EURO:lawyer=fee:10", "cost-cost", "'EURO' is not a currency code"),
    ("lawyer", "cost-cost", "write ROUTE=SETTINGS"),
])
def test_nonsense_costs_are_refused_naming_the_field(text, field, words):
    with pytest.raises(CostError) as e:
        esc.parse_setting(text)
    assert e.value.field == field
    assert words in str(e.value)


@given(st.builds(
    RouteCost,
    fees=st.one_of(st.none(), st.lists(st.decimals("0", "100000", places=2), min_size=1, max_size=3, unique=True).map(
        lambda fs: tuple(Band(f, D(1000 * (n + 1))) for n, f in enumerate(fs)))),
    commission=st.one_of(st.none(), st.decimals("0", "100", places=1)),
    minimum=st.one_of(st.none(), st.decimals("0", "500", places=2)),
    hours=st.one_of(st.none(), st.decimals("0", "100", places=1)),
    days=st.one_of(st.none(), st.integers(0, 3650)),
))
@settings(max_examples=60, deadline=None)
def test_a_setting_written_back_in_the_syntax_reads_the_same(rc):
    again = esc.parse_route_cost(Route.AGENCY, rc.to_spec())
    assert again == replace(rc, fees=rc.fees or None)


def test_cost_books_live_in_the_profile_beside_what_they_do_not_know():
    p = Profile(name="Brightline", extra={"something_later": {"x": 1}})
    books = esc.apply_settings(esc.books(p), [esc.parse_setting("lawyer=fee:180"), esc.parse_setting("EUR:hourly=70")], "USD")
    p2 = esc.with_books(p, books)
    again = Profile.from_record(p2.to_record())
    assert again.extra["something_later"] == {"x": 1}
    assert esc.book_for(again, "usd").own(Route.LAWYER) == RouteCost(fees=(Band(D("180")),))
    assert esc.book_for(again, "EUR").hourly == D("70")
    assert esc.book_for(again, "GBP") == CostBook("GBP")  # none set: examples
    cleared = esc.apply_settings(esc.books(again), [esc.parse_setting("lawyer="), esc.parse_setting("EUR:hourly=")], "USD")
    assert "costs" not in esc.with_books(again, cleared).extra


# ------------------------------------------------------------------------------ arithmetic


def test_each_route_costs_and_keeps_what_the_owners_figures_say():
    fn = _est(Route.FINAL_NOTICE, "3600.00")
    assert (fn.cost, fn.keeps, fn.days) == (D("40.00"), D("3560.00"), 10)  # 2.50 + 0.5 h × 75; the policy's 10 days
    lw = _est(Route.LAWYER, "3600.00")
    assert (lw.cost, lw.keeps, lw.days) == (D("255.00"), D("3345.00"), 14)
    ag = _est(Route.AGENCY, "1234.57")
    assert ag.cost == D("383.64") and ag.keeps == D("850.93")  # 25% of 1234.57 = 308.6425 -> 308.64, + 75
    sc = _est(Route.SMALL_CLAIMS, "1500.00")  # exactly at a band's top: that band
    assert sc.cost == D("680.00") and sc.keeps == D("820.00")
    assert _est(Route.SMALL_CLAIMS, "1500.01").cost == D("805.00")  # the next band up
    se = _est(Route.SETTLE, "3600.00")
    assert se.cost == D("75.00") and se.keeps == D("2805.00")  # 80% = 2880.00, less an hour
    wo = _est(Route.WRITE_OFF, "3600.00")
    assert (wo.cost, wo.keeps, wo.days) == (D("0.00"), D("0.00"), 0)
    for e in (fn, lw, ag, sc, se, wo):
        assert not e.example and e.available and not e.uneconomic
        assert isinstance(e.cost, Decimal) and e.cost == e.cost.quantize(D("0.01"))
    assert "$1,234.57 if paid in full" in ag.why and "25% commission $308.64" in ag.why
    assert "a judgment still has to be collected" in sc.why


def test_amounts_are_rounded_to_the_debts_currency_and_never_converted():
    yen = esc.apply_settings({}, [esc.parse_setting("JPY:agency=commission:33.3%, hours:0"),
                                  esc.parse_setting("JPY:lawyer=fee:15000, hours:1"), esc.parse_setting("JPY:hourly=4000")], "USD")["JPY"]
    ag = _est(Route.AGENCY, "123457", "JPY", yen)
    assert ag.cost == D("41111") and ag.keeps == D("82346")  # 41111.181 -> 41111: the yen has no minor unit
    assert ag.currency == "JPY" and "¥41,111" in ag.why
    lw = _est(Route.LAWYER, "123457", "JPY", yen)
    assert lw.cost == D("19000")
    # a EUR debt weighed with the USD book's figures? never: the EUR book (examples) is used
    eur = esc.book_for(esc.with_books(Profile(), {"USD": OWN}), "EUR")
    assert eur == CostBook("EUR")
    assert _est(Route.LAWYER, "1000.00", "EUR", eur).example


def test_availability_a_courts_limit_and_an_agencys_minimum():
    over = _est(Route.SMALL_CLAIMS, "5000.01")
    assert not over.available and over.why == "not available: over the limit of $5,000.00"
    small = _est(Route.AGENCY, "499.99")
    assert not small.available and "below the minimum claim of $500.00" in small.why
    assert _est(Route.AGENCY, "500.00").available
    nofee = esc.apply_settings({}, [esc.parse_setting("small-claims=fee:35 up to 300, limit:1000")], "USD")["USD"]
    gap = esc.estimate(Route.SMALL_CLAIMS, D("400"), "USD", nofee)
    assert not gap.available and "no fee set for a claim of $400.00" in gap.why


def test_a_route_that_costs_more_than_it_keeps_is_marked_and_sorted_last():
    claim = esc.Claim("USD", (invoice("1", "360.00"),), 40)
    ranked = esc.weigh(claim, OWN)
    names = [e.route for e in ranked]
    uneconomic = [e.route for e in ranked if e.uneconomic]
    assert uneconomic == [Route.LAWYER, Route.SMALL_CLAIMS]  # 255 > 105; 80 + 600 > -320
    # those that pay in the usual order, then the one not available (below the agency's minimum), then the rest
    assert names == [Route.FINAL_NOTICE, Route.SETTLE, Route.WRITE_OFF, Route.AGENCY, Route.LAWYER, Route.SMALL_CLAIMS]
    assert not ranked[3].available and not ranked[3].uneconomic
    law = next(e for e in ranked if e.route is Route.LAWYER)
    assert law.why.startswith("costs more than it recovers: ")
    assert law.to_json() == {"route": "lawyer", "label": "Lawyer's letter", "currency": "USD", "claim": "360.00", "cost": "255.00",
                             "keeps": "105.00", "available": True, "uneconomic": True, "why": law.why, "days": 14, "example": False}


def test_examples_are_used_and_said_so_until_the_owner_sets_each_figure():
    blank = CostBook("USD")
    e = esc.estimate(Route.LAWYER, D("1000"), "USD", blank)
    assert e.example and e.cost == D("200.00")  # example fee 150 + an hour at the example 50
    own_fee = esc.apply_settings({}, [esc.parse_setting("lawyer=fee:100, hours:1, days:7")], "USD")["USD"]
    assert esc.estimate(Route.LAWYER, D("1000"), "USD", own_fee).example  # the hourly value is still the example
    assert not esc.estimate(Route.LAWYER, D("1000"), "USD", replace(own_fee, hourly=D("10"))).example


# --------------------------------------------------------------------------- what is weighed


def test_only_overdue_money_is_weighed_not_what_is_not_yet_due_nor_what_is_disputed():
    cf = cfile(invoices=[invoice("A", "1000.00", overdue=120), invoice("B", "500.00", overdue=-10), invoice("C", "700.00", overdue=60),
                         invoice("D", None, overdue=80), invoice("E", "300.00", overdue=95, currency="EUR")],
               disputes=[dispute(ago(5), ahead(5), ("C",))])
    cl = esc.claims(cf, TODAY)
    assert [(c.currency, c.amount, c.days) for c in cl.claims] == [("EUR", D("300.00"), 95), ("USD", D("1000.00"), 120)]
    assert [i.number for i in cl.not_due] == ["B"] and [i.number for i in cl.disputed] == ["C"] and [i.number for i in cl.unknown] == ["D"]
    # a dispute naming no invoice holds everything open
    assert not esc.claims(replace(cf, disputes=(dispute(ago(5), ahead(5)),)), TODAY).claims


# ------------------------------------------------------------------------------- the queue


def _step(route: Route, cf: ClientFile, day=TODAY, *, book: CostBook = OWN, id: int = 500):
    claim = esc.claims(cf, day).claims[0]
    est = esc.estimate(route, claim.amount, claim.currency, book)
    return replace(esc.new_step(cf.client.id, est, claim, datetime.combine(day, time(11, 0))), id=id)


def _refuser(**kw) -> ClientFile:
    return cfile(invoices=[invoice("1019", "3150.00", overdue=150), invoice("1080", "450.00", overdue=5), invoice("1090", "200.00", overdue=-20)],
                 calls=[call(ago(40), reason=Reason.WONT_PAY, outcome=Outcome.ESCALATE, next_action=ago(30))], **kw)


def _place(cf: ClientFile, day):
    q = build([cf], datetime.combine(day, time(16, 0)).replace(tzinfo=NOW.tzinfo))
    entry = next((e for e in q.entries if e.client_id == cf.client.id), None)
    held = next((h for h in q.not_today if h.client_id == cf.client.id), None)
    return entry, held


WHY_HELD = {
    Route.FINAL_NOTICE: ("final notice of 23 Nov: deadline 3 Dec", 10),
    Route.LAWYER: ("lawyer's letter since 23 Nov: check 7 Dec", 14),
    Route.AGENCY: ("with the collection agency since 23 Nov: check 23 Dec", 30),
    Route.SMALL_CLAIMS: ("small claims since 23 Nov: check 21 Feb 2027", 90),
    Route.SETTLE: ("settlement offered 23 Nov: check 7 Dec", 14),
}
WHY_BACK = {
    Route.FINAL_NOTICE: "final notice expired on 3 Dec",
    Route.LAWYER: "lawyer's letter: 14 days without news",
    Route.AGENCY: "agency: 30 days without news",
    Route.SMALL_CLAIMS: "small claims: 90 days on, check the claim",
    Route.SETTLE: "settlement offered: 14 days, not paid",
}


@pytest.mark.parametrize("route", list(WHY_HELD), ids=lambda r: r.value)
def test_a_client_under_a_route_leaves_the_queue_and_comes_back_on_its_check_date_with_why(route):
    base = _refuser()
    entry, _ = _place(base, TODAY)
    assert entry is not None and entry.stage is Stage.ESCALATION and entry.route == ""  # before: escalation review
    cf = replace(base, escalations=(_step(route, base),))
    why, days = WHY_HELD[route]
    check = TODAY + timedelta(days=days)
    assert cf.escalations[0].check == check and cf.escalations[0].claim == D("3600.00")  # 1019 + 1080, not the one not yet due
    entry, held = _place(cf, TODAY)
    assert entry is None and held.why == why and held.until == check
    entry, held = _place(cf, check - timedelta(days=1))
    assert entry is None and held is not None
    entry, held = _place(cf, check)
    assert held is None and entry.tier == 1 and entry.why == WHY_BACK[route] and entry.route == route.value
    # once called on or after the check date, the normal rules take over (a refusal: escalation review)
    talked = replace(cf, calls=cf.calls + (call(check, reason=Reason.WONT_PAY, outcome=Outcome.ESCALATE, next_action=check + timedelta(days=10)),))
    entry, held = _place(talked, check + timedelta(days=1))
    assert entry is None and held.why.startswith("next action")  # the call's own next action now
    assert esc.state(talked.escalations[0], talked, check + timedelta(days=1)).status == esc.CHECKED


def test_a_write_off_takes_the_client_out_for_good():
    base = _refuser()
    cf = replace(base, escalations=(_step(Route.WRITE_OFF, base),))
    assert cf.escalations[0].check is None
    for day in (TODAY, ahead(400)):
        entry, held = _place(cf, day)
        assert entry is None and held.until is None and held.why.startswith("written off on 23 Nov")


@pytest.mark.parametrize("route", list(Route), ids=lambda r: r.value)
def test_a_payment_at_any_point_closes_the_route_and_shows_what_it_saved(route):
    base = replace(_refuser(), invoices=_refuser().invoices[:2])
    step = _step(route, base)
    paid_day = ahead(3)
    # everything escalated paid: the invoices are closed (as a payment or an import leaves them)
    invs = tuple(replace(i, balance=D("0"), status="paid", closed_on=paid_day) if i.number in ("1019", "1080") else i for i in base.invoices)
    cf = replace(base, invoices=invs, payments=(payment(paid_day, "3600.00"),), escalations=(step,))
    s = esc.state(step, cf, ahead(5))
    assert (s.status, s.recovered, s.outstanding, s.saved, s.closed_on) == (esc.PAID, D("3600.00"), D("0"), step.cost, paid_day)
    assert f"saved an estimated {esc.format_money(step.cost, 'USD')}" in esc.closed_text(s)
    entry, held = _place(cf, ahead(5))
    assert entry is None and held.why == "nothing open"
    # a part payment closes it too; what is left comes back by the normal rules
    part = tuple(replace(i, balance=D("2150.00")) if i.number == "1019" else i for i in base.invoices)
    cf = replace(base, invoices=part, payments=(payment(paid_day, "1000.00"),), escalations=(step,))
    s = esc.state(step, cf, ahead(5))
    assert (s.status, s.recovered, s.outstanding, s.saved) == (esc.PART_PAID, D("1000.00"), D("2600.00"), None)
    entry, _ = _place(cf, ahead(5))
    assert entry is not None and entry.route == ""


def test_choosing_another_route_replaces_the_first_and_withdrawing_gives_the_client_back():
    base = _refuser()
    first = replace(_step(Route.FINAL_NOTICE, base), ended=ahead(10), end="replaced by collection agency")
    second = _step(Route.AGENCY, base, ahead(10), id=501)
    cf = replace(base, escalations=(first, second))
    assert [s.status for s in esc.states(cf, ahead(11))] == [esc.REPLACED, esc.RUNNING]
    entry, held = _place(cf, ahead(11))
    assert held.why == "with the collection agency since 3 Dec: check 2 Jan 2027"
    gone = replace(cf, escalations=(first, replace(second, ended=ahead(12), end="withdrawn")))
    assert esc.state(gone.escalations[1], gone, ahead(13)).status == esc.WITHDRAWN
    entry, held = _place(gone, ahead(13))
    assert entry is not None and entry.route == ""


def test_a_route_for_one_currency_does_not_hide_another_currency_overdue():
    base = cfile(invoices=[invoice("U1", "3000.00", overdue=120), invoice("E1", "900.00", overdue=100, currency="EUR")])
    usd = esc.claims(base, TODAY).for_currency("USD")
    step = replace(esc.new_step(1, esc.estimate(Route.AGENCY, usd.amount, "USD", OWN), usd, datetime.combine(TODAY, time(9))), id=9)
    cf = replace(base, escalations=(step,))
    entry, held = _place(cf, TODAY)
    assert held is None and entry is not None and entry.route == "agency"


def test_clients_and_money_at_each_stage():
    a = _refuser()
    b = replace(_refuser(), client=client(2, "Beta"))
    b = replace(b, escalations=(_step(Route.AGENCY, b),))
    c = replace(_refuser(), client=client(3, "Gamma"))
    c = replace(c, escalations=(_step(Route.AGENCY, c, ago(40)),))
    paid = replace(_refuser(), client=client(4, "Delta"))
    step = _step(Route.LAWYER, paid, ago(5))
    paid = replace(paid, invoices=tuple(replace(i, balance=D("0"), status="paid") for i in paid.invoices), escalations=(step,),
                   payments=(payment(ago(1), "3800.00"),))
    stages, closed = esc.stage_figures([a, b, c, paid], TODAY)
    by = {s.stage: s for s in stages}
    assert [s.stage for s in stages] == ["review", *[r.value for r in Route]]
    assert (by["review"].clients, by["review"].money) == (1, {"USD": D("3600.00")})
    # c's route was chosen 40 days ago, when 1080 was not yet due: its claim is 1019 alone
    assert (by["agency"].clients, by["agency"].due, by["agency"].money) == (2, 1, {"USD": D("6750.00")})
    assert by["lawyer"].clients == 0
    # what today's queue says (the queue filter's figures) agrees for the routes, without the ledger
    q = build([a, b, c, paid], NOW)
    quick = {s.stage: s for s in esc.queue_stage_figures(q.entries, q.not_today)}
    assert (quick["agency"].clients, quick["agency"].due, quick["agency"].money) == (2, 1, {"USD": D("6750.00")})
    assert (quick["review"].clients, quick["review"].money) == (1, {"USD": D("3600.00")})
    assert step.claim == D("3150.00")  # 1080 fell due that day: not yet overdue
    assert (closed.paid, closed.recovered, closed.saved) == (1, {"USD": D("3150.00")}, {"USD": step.cost})


def test_interest_only_as_a_labelled_calculation_at_the_owners_rate():
    lines = esc.interest([invoice("1", "3650.00", overdue=100), invoice("2", "100.00", overdue=-3), invoice("3", None, overdue=50)],
                         D("8"), TODAY)
    assert [(i.number, i.days, i.amount, i.since) for i in lines] == [("1", 100, D("80.00"), ago(100))]

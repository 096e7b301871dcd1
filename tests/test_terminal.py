"""Fitting the owner's terminal: the theme kept between runs, a default readable on light and
dark terminals, NO_COLOR, clickable phone and email, copying the number, charts in the report."""

from __future__ import annotations

from datetime import timedelta

import pytest

from callroom.domain import report as report_mod
from callroom.ui import prefs
from callroom.ui.charts import AgingChart, WeekMoneyChart
from callroom.ui.session import SessionScreen

from domain_builders import D, TODAY, ago, ahead, cfile, client, invoice, payment, promise
from support import app_for, screen_text


@pytest.fixture
def config(tmp_path, monkeypatch):
    folder = tmp_path / "config"
    monkeypatch.setenv("CALLROOM_CONFIG_DIR", str(folder))
    monkeypatch.delenv("COLORFGBG", raising=False)
    return folder


# themes

async def test_the_theme_chosen_is_kept_for_the_next_run(config, demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == "textual-dark"
        assert not (config / "settings.toml").exists()  # nothing written until the owner picks one
        app.theme = "nord"
        await pilot.pause()
    assert (config / "settings.toml").read_text() == 'theme = "nord"\n'
    again = app_for(demo_store, clock)
    async with again.run_test() as pilot:
        await pilot.pause()
        assert again.theme == "nord"


async def test_a_damaged_or_unknown_saved_theme_falls_back_to_the_default(config, demo_store, clock):
    config.mkdir()
    for text in ('theme = "no-such-theme"\n', "theme = \n", "\xff\xfe"):
        (config / "settings.toml").write_text(text, encoding="latin-1")
        app = app_for(demo_store, clock)
        async with app.run_test() as pilot:
            await pilot.pause()
            assert app.theme == "textual-dark"


@pytest.mark.parametrize("colorfgbg, theme", [("0;15", "textual-light"), ("15;0", "textual-dark"), ("12;7", "textual-light"),
                                               ("default;default", "textual-dark"), ("", "textual-dark")])
def test_the_default_follows_a_terminal_that_says_it_is_light(colorfgbg, theme):
    assert prefs.default_theme({"COLORFGBG": colorfgbg}) == theme


async def test_a_light_terminal_gets_the_light_theme(config, demo_store, clock, monkeypatch):
    monkeypatch.setenv("COLORFGBG", "0;15")
    app = app_for(demo_store, clock)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == "textual-light"


def _greys(app) -> set[bool]:
    """For every coloured cell on screen: whether its colour is a grey level."""
    found = set()
    for strip in app.screen._compositor.render_strips():
        for seg in strip:
            for colour in (seg.style.color, seg.style.bgcolor) if seg.style else ():
                if colour is not None and colour.triplet is not None:
                    t = colour.triplet
                    found.add(t.red == t.green == t.blue)
    return found


@pytest.mark.parametrize("no_color", [False, True])
async def test_no_color_draws_in_grey_levels_only(config, demo_store, clock, monkeypatch, no_color):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    app = app_for(demo_store, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.no_color is no_color
        assert _greys(app) == ({True} if no_color else {True, False})
        assert "Result:" in screen_text(app)


# contacts

async def test_phone_and_email_are_links_and_y_copies_the_number(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s = app.screen
        assert isinstance(s, SessionScreen)
        c = s._st.client
        card = s.query_one("#card")
        links = {seg.style.link for strip in card.render_lines(card.region.reset_offset) for seg in strip if seg.style and seg.style.link}
        assert any(link.startswith("tel:+") for link in links)
        if c.email:
            assert f"mailto:{c.email}" in links
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard.startswith("+") and app.clipboard.replace("+", "").isdigit()
        assert any(n.message.startswith(f"Copied {app.clipboard}") for n in app._notifications)


def test_a_tel_link_is_the_global_number():
    from callroom.domain import phones

    assert phones.tel_uri(phones.parse("(415) 555-0147", "US")) == "tel:+14155550147"
    assert phones.tel_uri(phones.parse("020 7946 0321", "GB")) == "tel:+442079460321"
    assert phones.tel_uri(phones.parse("call reception", "US")) is None


# charts

def test_money_promised_and_collected_per_week():
    cf = cfile(client(), [invoice("A1", 500)],
               promises=[promise(ago(20), ago(9), 300), promise(ago(20), ago(2), 200, cancelled=True),
                         promise(ago(2), ahead(2), 120), promise(ago(90), ago(80), 999)],
               payments=[payment(ago(8), 250), payment(ago(1), 40, "EUR"), payment(ahead(1), 99)])
    weeks = report_mod.weekly_money([cf], TODAY, weeks=3)
    assert [w.start for w in weeks] == [TODAY - timedelta(days=14), TODAY - timedelta(days=7), TODAY]  # TODAY is a Monday
    assert [w.promised for w in weeks] == [{"USD": D(300)}, {}, {"USD": D(120)}]
    assert [w.collected for w in weeks] == [{"USD": D(250)}, {"EUR": D(40)}, {}]
    assert weeks[0].to_json() == {"week": "2026-W46", "start": "2026-11-09", "promised": {"USD": "300.00"}, "collected": {"USD": "250.00"}}


async def test_the_report_draws_charts_beside_their_numbers(demo_store, clock):
    app = app_for(demo_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        charts = list(app.screen.query(AgingChart))
        assert sorted(c.row.currency for c in charts) == ["EUR", "GBP", "USD"]
        weekly = list(app.screen.query(WeekMoneyChart))
        assert weekly and all(c.weeks == app.screen.report.weekly for c in weekly)
        text = screen_text(app)
        assert "EUR open, by days overdue" in text and "€11,350.00" in text  # chart and the exact figure beside it
        assert "┤" in text and "█" in text


def test_charts_are_drawn_in_the_same_order_whatever_the_hash_seed():
    import os
    import subprocess
    import sys

    code = ("from callroom.ui import charts; import plotext._utility as u;"
            "print(u.no_duplicates([(3, 'a'), (1, 'b'), (3, 'a'), (2, 'c')]))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
            for seed in (1, 2, 3)}
    assert outs == {"[(3, 'a'), (1, 'b'), (2, 'c')]\n"}

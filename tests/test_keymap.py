"""The owner's own keys (keymap.toml), `callroom keys`, and the keys as the screens show them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from callroom.cli import main
from callroom.domain.codes import Outcome, Result
from callroom.ui import keymap
from callroom.ui.help import HelpScreen
from callroom.ui.session import SessionScreen

from support import app_for, screen_text


@pytest.fixture
def config(tmp_path, monkeypatch):
    folder = tmp_path / "config"
    folder.mkdir()
    monkeypatch.setenv("CALLROOM_CONFIG_DIR", str(folder))
    return folder


def write(folder, text: str):
    path = folder / "keymap.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_binding_of_every_screen_has_an_id_and_a_description():
    rows = keymap.bindings()
    ids = [r.id for r in rows]
    assert len(ids) == len(set(ids)) > 50
    assert {"session.save", "result.reached", "outcome.promise", "history.close", "app.palette"} <= set(ids)
    assert all(r.description for r in rows)
    save = next(r for r in rows if r.id == "session.save")
    assert (save.key, save.screens) == ("enter", ("call",))


def test_a_missing_file_is_no_keymap(tmp_path):
    km = keymap.load(tmp_path / "keymap.toml")
    assert km.keys == {} and km.problems == []


def test_lines_are_accepted_in_every_toml_spelling(tmp_path):
    path = write(tmp_path, 'session.save = "ctrl+e"\n"session.history" = "H"\n[result]\nreached = "j"\n'
                           'voicemail = ["f5", "V"]\n')
    km = keymap.load(path)
    assert km.problems == []
    assert km.keys == {"session.save": "ctrl+e", "session.history": "H", "result.reached": "j", "result.voicemail": "f5,V"}


@pytest.mark.parametrize("line, key, why", [
    ('nope.x = "a"', "nope.x", "no action has this id"),
    ('result.reached = "shift+r"', "shift+r", 'write "R"'),
    ('session.skip = "ctrl+i"', "ctrl+i", "send it as Tab"),
    ('session.note = "ctrl+b"', "ctrl+b", "tmux's prefix key"),
    ('session.note = "ctrl+s"', "ctrl+s", "flow control"),
    ('session.stage = "ctrl+1"', "ctrl+1", "digit or sign"),
    ('result.voicemail = "super+v"', "super+v", "super key"),
    ('result.voicemail = "ctrl+shift+v"', "ctrl+shift+v", "ctrl+shift"),
    ('result.voicemail = "banana"', "banana", "no such key"),
    ('session.undo = "r"', "r", "already the key of the action result.reached on the call screen"),
    ('session.undo = "ctrl+p"', "ctrl+p", "already the key of the action app.palette"),
    ('session.undo = "tab"', "Tab", "a built-in action"),
    ('session.undo = 5', "session.undo", "give the key as text"),
])
def test_a_line_that_cannot_be_used_is_refused_naming_file_line_and_key(tmp_path, line, key, why):
    path = write(tmp_path, f'# my keys\nsession.save = "f2"\n{line}\n')
    km = keymap.load(path)
    assert km.keys == {"session.save": "f2"}  # the good line stays
    (p,) = km.problems
    assert (p.path, p.line, p.key) == (path, 3, key)
    assert why in p.why
    assert str(p).startswith(f"{path}, line 3: {key}: ") and str(p).endswith("the default key is kept.")


def test_a_swap_of_two_keys_is_not_a_clash(tmp_path):
    km = keymap.load(write(tmp_path, 'result.reached = "n"\nresult.no-answer = "r"\n'))
    assert km.problems == [] and km.keys == {"result.reached": "n", "result.no-answer": "r"}


def test_of_two_lines_giving_one_key_the_later_is_refused(tmp_path):
    km = keymap.load(write(tmp_path, 'session.undo = "j"\nsession.skip = "j"\n'))
    assert km.keys == {"session.undo": "j"}
    assert [(p.line, p.key) for p in km.problems] == [(2, "j")]


def test_the_same_key_on_two_screens_is_fine(tmp_path):
    km = keymap.load(write(tmp_path, 'history.filter = "j"\nsession.undo = "j"\n'))
    assert km.problems == [] and set(km.keys) == {"history.filter", "session.undo"}


def test_a_file_that_is_not_toml_keeps_every_default(tmp_path):
    km = keymap.load(write(tmp_path, 'session.save = "f2"\nthis is not toml\n'))
    assert km.keys == {}
    (p,) = km.problems
    assert p.line == 2 and "not valid TOML" in p.why and str(p).endswith("every default key is kept.")


def test_callroom_keys_json_reflects_the_keymap_of_the_config_dir(config):
    write(config, 'session.save = "f2"\nresult.reached = "j"\nnope = "x"\n')
    out = CliRunner().invoke(main, ["keys", "--json"])
    assert out.exit_code == 0, out.output
    rows = {r["id"]: r for r in json.loads(out.stdout)}
    assert rows["session.save"]["key"] == "f2" and rows["session.save"]["remapped"] is True
    assert rows["result.reached"] | {} == {"id": "result.reached", "key": "j", "shown": "j", "screens": ["call"],
                                          "description": "Call result: Reached", "remapped": True}
    assert rows["session.help"]["key"] == "question_mark,f1" and rows["session.help"]["shown"] == "?, F1"
    assert rows["session.help"]["remapped"] is False
    assert f"{config / 'keymap.toml'}, line 3: nope: no action has this id" in out.stderr


def test_callroom_keys_table(config):
    write(config, 'session.history = "H"\n')
    out = CliRunner().invoke(main, ["keys"])
    assert out.exit_code == 0
    line = next(x for x in out.stdout.splitlines() if "session.history" in x)
    assert line.startswith("* session.history") and " H " in line and "call" in line
    assert "* your keymap" in out.stdout


async def test_the_app_uses_the_owners_keys_everywhere_it_shows_them(config, demo_store, clock):
    write(config, 'result.reached = "j"\noutcome.promise = "f7"\nsession.help = "f2"\nsession.undo = "n"\n')
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s = app.screen
        assert isinstance(s, SessionScreen)
        # the refused line is said at start, naming file, line and key
        notes = [n.message for n in app._notifications]
        assert any("keymap.toml, line 4: n: already the key of the action result.no-answer" in m for m in notes)
        await pilot.press("r")  # reached moved to j: r is nobody's now
        assert s.slot.draft.result is None
        await pilot.press("j")
        assert s.slot.draft.result is Result.REACHED
        assert "Result: Reached [j]" in screen_text(app)
        await pilot.press("f7")  # the promise, on its new key, opens its form
        await pilot.pause()
        assert app.screen is not s and type(app.screen).__name__.endswith("Form")  # the promise form
        await pilot.press("escape")
        assert "Outcome: F7 l t m x c b e" in screen_text(app)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        help_text = screen_text(app)
        assert "j " in help_text and "Call result: Reached" in help_text
        assert "F2" in help_text
        await pilot.press("escape")


async def test_the_footer_shows_a_remapped_key(config, demo_store, clock):
    write(config, 'session.history = "H"\n')
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert " H History" in footer
        await pilot.press("h")
        assert isinstance(app.screen, SessionScreen)  # h no longer opens it
        await pilot.press("H")
        await pilot.pause()
        assert type(app.screen).__name__ == "HistoryScreen"


async def test_refused_lines_are_one_notice_not_a_stack(config, demo_store, clock):
    write(config, "".join(f'nope{n} = "x"\n' for n in range(6)))
    app = app_for(demo_store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        (note,) = [n for n in app._notifications if n.title == "Keys"]
        assert note.message.count("no action has this id") == 4
        assert note.message.endswith("… and 2 more: callroom keys lists them all.")

"""The writing service on a real ledger: the profile kept with the ledger (backups keep it,
the logo travels), client details, owner templates, saving and recording written contacts."""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import timedelta

import pytest
from PIL import Image

from callroom.services import writing
from callroom.domain import report as report_mod
from callroom.domain.codes import Outcome, Result
from callroom.domain.drafts import Draft as CallDraft
from callroom.domain.messages import Kind, MessageError, MissingProfile
from callroom.domain.profile import ProfileError
from callroom.domain.clock import Clock
from callroom.services import Desk
from callroom.store import keep_backup, open_store

from support import TODAY, on_disk as _on_disk


@contextmanager
def on_disk(store):
    s = _on_disk(store)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLROOM_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config"


def _logo(tmp_path):
    path = tmp_path / "logo.png"
    Image.new("RGB", (240, 80), (200, 40, 40)).save(path, "PNG")
    return path


def _set(store, tmp_path):
    return writing.set_profile(store, name="Brightline Studio", contact="Sam Carter", phone="+1 415 555 0100",
                               email="sam@brightline.example", address="12 Harbor Way\nSan Francisco",
                               sign_off="Warm regards,", instructions={"usd": "ACH 4471", "GBP": "Sort code 20-00-00",
                                                                       "EUR": "SEPA NL91"},
                               logo_path=_logo(tmp_path))


def test_profile_and_logo_are_kept_in_the_ledger_and_its_backups(demo_store, tmp_path):
    _set(demo_store, tmp_path)
    with on_disk(demo_store) as s:
        p = s.settings.profile
        assert (p.name, p.phone, p.instructions["USD"]) == ("Brightline Studio", "+1 415-555-0100", "ACH 4471")
        assert s.settings.logo.mime == "image/png" and s.settings.logo.width == 240
        assert s.settings.business == "Brightline Studio" and s.settings.caller == "Sam Carter"
    backup = keep_backup(demo_store, "import")
    restored = open_store(backup, read_only=True)
    try:
        assert restored.settings.profile.instructions["GBP"] == "Sort code 20-00-00"
        assert restored.settings.logo.data == (tmp_path / "logo.png").read_bytes()
    finally:
        restored.close()


def test_a_bad_value_is_refused_and_nothing_is_stored(demo_store, tmp_path):
    _set(demo_store, tmp_path)
    with pytest.raises(ProfileError, match="^email: "):
        writing.set_profile(demo_store, name="Other name", email="not an address")
    bad = tmp_path / "logo.jpg"
    bad.write_bytes(b"\xff\xd8\xff not a jpeg")
    with pytest.raises(ProfileError, match="^logo: .*not a PNG or JPEG image"):
        writing.set_profile(demo_store, name="Other name", logo_path=bad)
    with on_disk(demo_store) as s:
        assert s.settings.profile.name == "Brightline Studio"


def test_client_details_are_checked_and_stored(demo_store):
    c = demo_store.clients.find("Fjordline")
    writing.set_client_details(demo_store, c.id, phone="+47 22 00 00 00", email="Erik@Fjordline.example",
                               address="Postboks 1\n0101 Oslo", language="nb-NO", instructions="IBAN NO93 8601 1117 947")
    with on_disk(demo_store) as s:
        got = s.clients.get(c.id)
    assert got.phones[0] == "+47 22 00 00 00" and got.email == "Erik@fjordline.example"
    assert got.language == "nb_NO" and got.address == "Postboks 1\n0101 Oslo" and got.instructions.startswith("IBAN")
    with pytest.raises(ProfileError, match="^phone: 'abc' is not a phone number"):
        writing.set_client_details(demo_store, c.id, phone="abc", email="ok@example.com")
    with pytest.raises(ProfileError, match="^language: 'xx-zz' is not a language"):
        writing.set_client_details(demo_store, c.id, language="xx-zz")
    assert demo_store.clients.get(c.id).email == "Erik@fjordline.example"  # nothing changed by the refusals


def _promise(store, name="Delgado"):
    desk = Desk(store, Clock.on(TODAY, 11))
    c = store.clients.find(name)
    draft = CallDraft(result=Result.REACHED, outcome=Outcome.PROMISE, amount="1200.00", date=(TODAY + timedelta(days=11)).isoformat())
    call, _ = desk.log(draft, c.id)
    return c, call


def test_compose_needs_the_profile_and_says_which_field(demo_store):
    c, call = _promise(demo_store)
    writing.set_profile(demo_store, instructions={"USD": ""})  # the demo's own USD instructions taken out
    with pytest.raises(MissingProfile, match=r"payment instructions for USD.*callroom profile --instructions USD=TEXT"):
        writing.compose(demo_store, c.id, Kind.CONFIRMATION, TODAY)


def test_save_records_a_written_contact_that_is_no_call(demo_store, tmp_path):
    _set(demo_store, tmp_path)
    c, call = _promise(demo_store)
    from callroom.domain.clock import Clock
    clock = Clock.on(TODAY, 11)
    before = report_mod.build(demo_store.client_files(), demo_store.sessions.all(), TODAY, demo_store.settings.policy).to_json()
    queue_before = Desk(demo_store, clock).queue().ids()
    d = writing.compose(demo_store, c.id, Kind.CONFIRMATION, TODAY, call_id=call.id)
    assert "$1,200.00" in d.message.body and "December 4, 2026" in d.message.body
    out = tmp_path / "c.pdf"
    w = writing.save(demo_store, d.message, "pdf", out, clock, call_id=call.id)
    assert out.read_bytes().startswith(b"%PDF")
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # an ordinary file, not owner-only
    with on_disk(demo_store) as s:
        [got] = writing.written_for(s, c.id)
    assert (got.kind, got.channel, got.call_id, got.file) == ("confirmation", "pdf", call.id, str(out.resolve()))
    assert got.text == d.message.body and got.subject == d.message.subject
    writing.record_written(demo_store, d.message, "copy", clock, call_id=call.id)
    writing.record_written(demo_store, d.message, "sms", clock)
    after = report_mod.build(demo_store.client_files(), demo_store.sessions.all(), TODAY, demo_store.settings.policy).to_json()
    assert after == before  # reach, promise rates, calls: a written contact is no call
    assert Desk(demo_store, clock).queue().ids() == queue_before
    assert len(writing.written_for(demo_store, c.id)) == 3 and w.channel == "pdf"


def test_unwritable_out_names_the_path_and_records_nothing(demo_store, tmp_path):
    _set(demo_store, tmp_path)
    c, _ = _promise(demo_store)
    from callroom.domain.clock import Clock
    d = writing.compose(demo_store, c.id, Kind.CONFIRMATION, TODAY)
    target = tmp_path / "no" / "such" / "dir" / "c.eml"
    with pytest.raises(writing.WriteError, match=f"cannot write {target}"):
        writing.save(demo_store, d.message, "eml", target, Clock.on(TODAY))
    with pytest.raises(writing.WriteError, match="is a folder"):
        writing.save(demo_store, d.message, "eml", tmp_path, Clock.on(TODAY))
    assert writing.written_for(demo_store, c.id) == []


def test_owner_template_overrides_and_a_bad_one_falls_back_naming_file_line(demo_store, tmp_path, config_dir):
    _set(demo_store, tmp_path)
    c, _ = _promise(demo_store)
    written = writing.write_default_templates()
    assert len(written) == 2 * len(Kind) and all(ok for _, ok in written)  # English and German
    assert (config_dir / "templates" / "final-notice.de.txt").read_text().startswith("Subject: Letzte Mahnung")
    path = config_dir / "templates" / "confirmation.txt"
    path.write_text("Subject: Thanks, $contact\n\nWe expect $promise_amount on $promise_date.\n$signature\n")
    d = writing.compose(demo_store, c.id, Kind.CONFIRMATION, TODAY)
    assert d.message.subject == "Thanks, Rosa Delgado" and d.message.template == str(path) and not d.warning
    path.write_text("Subject: Thanks\n\nWe expect\n$amount on $promise_date.\n")
    d = writing.compose(demo_store, c.id, Kind.CONFIRMATION, TODAY)
    assert d.message.template == "default"
    assert d.warning.startswith(f"{path}, line 4: unknown placeholder $amount")
    states: dict = {}
    for st in writing.template_states():  # the first per kind: what a client without a language of their own gets
        states.setdefault(st.kind, st)
    assert states[Kind.CONFIRMATION].error and states[Kind.REMINDER].path == config_dir / "templates" / "reminder.txt"
    assert writing.write_default_templates() [0][1] is False  # kept unless forced


def test_language_specific_template_is_picked_for_the_clients_language(demo_store, tmp_path, config_dir):
    _set(demo_store, tmp_path)
    c, _ = _promise(demo_store)
    writing.set_client_details(demo_store, c.id, language="de_DE")
    (config_dir / "templates").mkdir(parents=True)
    (config_dir / "templates" / "confirmation.de.txt").write_text("Subject: Zahlung $promise_amount\n\nBis $promise_date.\n")
    d = writing.compose(demo_store, c.id, Kind.CONFIRMATION, TODAY)
    assert d.message.subject == "Zahlung 1.200,00\xa0$" and "4. Dezember 2026" in d.message.body


def test_no_promise_says_so(demo_store, tmp_path):
    _set(demo_store, tmp_path)
    c = demo_store.clients.find("Bluebird")
    with pytest.raises(MessageError, match="no promise on file for Bluebird Florists"):
        writing.compose(demo_store, c.id, Kind.CONFIRMATION, TODAY)


def test_an_owners_german_template_gets_its_lists_and_dates_in_german(demo_store, tmp_path, config_dir):
    _set(demo_store, tmp_path)
    c = demo_store.clients.find("Hofmann")
    writing.set_client_details(demo_store, c.id, language="de_DE")
    (config_dir / "templates").mkdir(parents=True)
    (config_dir / "templates" / "reminder.de.txt").write_text("Subject: Erinnerung\n\n$greeting\n\n$overdue_lines\n\n$signature\n")
    d = writing.compose(demo_store, c.id, Kind.REMINDER, TODAY)
    assert d.message.template.endswith("reminder.de.txt")
    assert "- Rechnung HM-311 vom 28. Juli 2026, fällig am 27. August 2026: 9.850,00\xa0€ (88 Tage überfällig)" in d.message.body
    assert "Invoice" not in d.message.body and "overdue" not in d.message.body


def test_a_final_notice_counts_the_messages_already_written(demo_store, tmp_path):
    _set(demo_store, tmp_path)
    c = demo_store.clients.find("Quarry Hill")
    clock = Clock.on(TODAY, 10)
    before = writing.compose(demo_store, c.id, Kind.FINAL_NOTICE, TODAY).message.body
    writing.record_written(demo_store, writing.compose(demo_store, c.id, Kind.REMINDER, TODAY).message, "eml", clock)
    after = writing.compose(demo_store, c.id, Kind.FINAL_NOTICE, TODAY).message.body
    assert "written to you" not in before and "and written to you once about this" in after

"""Writing from the app: log a promise, write the confirmation, see it in the history; the
profile and client forms store what is valid and refuse the rest in place; snapshots of
the preview and the forms at 80x24 and 120x40."""

from __future__ import annotations

import io
from email import policy
from email.parser import BytesParser

import pypdf
import pytest

from callroom.domain.clock import Clock
from callroom.domain.messages import Kind
from callroom.ui.writing import MessageScreen

from support import NOW, app_for, on_disk, screen_text
from test_snapshots import SIZES, make_app


@pytest.fixture(autouse=True)
def _cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # saved letters default to the current folder


async def _promise_then_write(pilot):
    await pilot.press("r", "p")  # reached, promise: the form opens with the total and a week's date
    await pilot.pause()
    await pilot.press("enter")  # keep the form's values
    await pilot.pause()
    await pilot.press("enter")  # save the call: the next client is shown
    await pilot.pause()
    await pilot.press("W")
    await pilot.pause()


async def test_log_a_promise_write_the_confirmation_and_see_it_in_the_history(demo_store, tmp_path):
    app = app_for(demo_store, Clock.at(NOW))
    copied: list[str] = []
    opened: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    app.open_url = lambda url, **kw: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first = app.screen.slot.entry  # the client called first
        await _promise_then_write(pilot)
        s = app.screen
        assert isinstance(s, MessageScreen) and s.client_id == first.client_id
        text = screen_text(app)
        assert f"Promise confirmation to {first.name}" in text
        # a German client (+49) written to in English: English words, Germany's numbers (en_DE)
        assert "Confirming your payment of 13.950,00\xa0€ by 30 November 2026" in text
        # edit the text: the edited text is what is copied and recorded
        await pilot.press("i", "ctrl+home", *"PS. ", "escape")
        await pilot.press("c")
        await pilot.pause()
        assert copied and copied[0].startswith("Subject: Confirming your payment") and "\n\nPS. Dear Jonas Hofmann," in copied[0]
        assert "Copied subject and text" in screen_text(app)
        await pilot.press("m")
        await pilot.pause()
        assert opened[0].startswith("mailto:buchhaltung@hofmann-mb.example?subject=Confirming%20your%20payment")
        await pilot.press("d")  # PDF: the path prompt, prefilled
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        pdf_path = tmp_path / "2026-11-23 Hofmann Maschinenbau GmbH confirmation.pdf"
        page = pypdf.PdfReader(io.BytesIO(pdf_path.read_bytes())).pages[0].extract_text()
        assert "13.950,00" in page and "30 November 2026" in page and "SEPA to NL91" in page and "PS. Dear Jonas" in page
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        eml = BytesParser(policy=policy.default).parsebytes((tmp_path / "2026-11-23 Hofmann Maschinenbau GmbH confirmation.eml").read_bytes())
        assert "PS. Dear Jonas Hofmann" in eml.get_body(("plain",)).get_content()
        await pilot.press("s")
        await pilot.pause()
        assert len(copied[-1]) <= 320 and "13.950,00\xa0€" in copied[-1]
        await pilot.press("escape")  # back to the call screen
        await pilot.pause()
        await pilot.press("left_square_bracket", "h")  # back to the first client, then its history
        await pilot.pause()
        history = screen_text(app)
        assert "Written: Promise confirmation (copied)" in history
        assert "Written: Promise confirmation (saved as PDF letter)" in history


async def test_written_contacts_are_on_disk_and_no_call(demo_store, tmp_path):
    app = app_for(demo_store, Clock.at(NOW))
    app.copy_to_clipboard = lambda text: None  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        cid = app.screen.slot.entry.client_id
        calls_before = demo_store.calls.count()
        await _promise_then_write(pilot)
        await pilot.press("c", "s")
        await pilot.pause()
    disk = on_disk(demo_store)
    try:
        written = sorted(disk.written.for_client(cid), key=lambda w: w.id)
        assert [(w.kind, w.channel) for w in written] == [("confirmation", "copy"), ("confirmation", "sms")]
        assert written[0].call_id is not None and "13.950,00\xa0€" in written[0].text
        assert disk.calls.count() == calls_before + 1  # the call itself; the messages are not calls
    finally:
        disk.close()


async def test_mail_without_email_says_so_and_records_nothing(demo_store):
    c = demo_store.clients.find("Hofmann")
    demo_store.clients.save(c.with_(email=""))
    app = app_for(demo_store, Clock.at(NOW))
    opened: list[str] = []
    app.open_url = lambda url, **kw: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await _promise_then_write(pilot)
        assert "·  no email on file" in screen_text(app)
        await pilot.press("m")
        await pilot.pause()
        assert not opened and "Hofmann Maschinenbau GmbH has no email address on file" in screen_text(app)
    assert demo_store.written.for_client(c.id) == []


async def test_client_details_form_stores_valid_and_refuses_a_bad_phone_in_place(demo_store):
    app = app_for(demo_store, Clock.at(NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        cid = app.screen.slot.entry.client_id
        await pilot.press("E")
        await pilot.pause()
        await pilot.press("tab")  # contact -> phone
        app.screen.query_one("#d-phone").value = "not a phone"
        await pilot.press("enter")
        await pilot.pause()
        assert "phone: 'not a phone' is not a phone number" in screen_text(app)
        assert demo_store.clients.get(cid).phone == "+49 30 5555 0123"
        app.screen.query_one("#d-phone").value = "+49 30 901820"
        app.screen.query_one("#d-language").value = "de"
        await pilot.press("enter")
        await pilot.pause()
        assert "Client details" not in screen_text(app)
    got = demo_store.clients.get(cid)
    assert got.phone == "+49 30 901820" and got.language == "de"


async def test_profile_form_from_the_palette_key(demo_store):
    app = app_for(demo_store, Clock.at(NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("P")
        await pilot.pause()
        assert "Business profile" in screen_text(app) and "Pay in EUR" in screen_text(app)
        app.screen.query_one("#d-email").value = "nope"
        await pilot.press("enter")
        await pilot.pause()
        assert "email: 'nope' is not an email address" in screen_text(app)
        app.screen.query_one("#d-email").value = "owner@brightline.example"
        app.screen.query_one("#d-address").value = "1 Main St\\nSpringfield"
        await pilot.press("enter")
        await pilot.pause()
    p = demo_store.settings.profile
    assert p.email == "owner@brightline.example" and p.address == "1 Main St\nSpringfield"


async def test_a_receipt_is_titled_as_a_receipt(demo_store):
    app = app_for(demo_store, Clock.at(NOW))
    cid = demo_store.clients.find("Harborview").id  # paid on a past call: a receipt can be written
    from callroom.domain.codes import Outcome, Result
    from callroom.domain.drafts import Draft as CallDraft
    app.desk.log(CallDraft(result=Result.REACHED, outcome=Outcome.PAID, amount="500.00"), cid)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(MessageScreen(app.desk, cid, Kind.RECEIPT))
        await pilot.pause()
        text = screen_text(app)
        assert "Payment receipt to Harborview Bistro" in text and "Payment received to" not in text
        assert "Thank you: $500.00 received" in text


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("keys", [
    pytest.param(["r", "p", "enter", "enter", "W"], id="message-preview"),
    pytest.param(["E"], id="client-form"),
    pytest.param(["P"], id="profile-form"),
])
def test_writing_snapshots(snap_compare, tmp_path, keys, size):
    async def run_before(pilot):
        await pilot.press(*keys)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(make_app(tmp_path), run_before=run_before, terminal_size=size)

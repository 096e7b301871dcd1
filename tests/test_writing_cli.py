"""`callroom profile`, `client`, `write` and `templates` as a user runs them, and the calendar
export covering every future follow-up."""

from __future__ import annotations

import io
import json
from email import policy
from email.parser import BytesParser

import pypdf
import pytest
from click.testing import CliRunner
from icalendar import Calendar
from PIL import Image

from callroom.cli import main
from callroom.store import open_store

from support import TODAY


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLROOM_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config"


def run(ledger, *args):
    return CliRunner().invoke(main, ["--db", str(ledger), "--as-of", TODAY.isoformat(), *args], catch_exceptions=False)


def _profile(ledger, tmp_path):
    logo = tmp_path / "logo.png"
    Image.new("RGB", (200, 80), (10, 120, 80)).save(logo, "PNG")
    r = run(ledger, "profile", "--name", "Brightline Studio", "--contact", "Sam Carter", "--phone", "+1 415 555 0100",
            "--email", "sam@brightline.example", "--address", "12 Harbor Way\\nSan Francisco, CA", "--website", "brightline.example",
            "--logo", str(logo), "--sign-off", "Warm regards,", "--instructions", "USD=ACH to First Harbor Bank, account 4471",
            "--instructions", "EUR=SEPA to NL91 ABNA 0417 1643 00", "--client-instructions", "Delgado=Cheque to PO Box 9")
    assert r.exit_code == 0, r.output
    return r


def test_profile_sets_shows_and_keeps_everything(ledger, tmp_path):
    r = _profile(ledger, tmp_path)
    assert "Business:  Brightline Studio" in r.output and "Phone:     +1 415-555-0100" in r.output
    assert "San Francisco, CA" in r.output and "image/png, 200x80 px" in r.output
    assert "USD: ACH to First Harbor Bank, account 4471" in r.output
    shown = run(ledger, "profile")
    assert shown.output == r.output
    store = open_store(ledger, read_only=True)
    try:
        assert store.settings.profile.address == "12 Harbor Way\nSan Francisco, CA"
        assert store.clients.find("Delgado").instructions == "Cheque to PO Box 9"
    finally:
        store.close()


@pytest.mark.parametrize("args, says", [
    (["--phone", "12"], "phone: '12' is not a valid number"),
    (["--email", "sam at brightline"], "email: 'sam at brightline' is not an email address"),
    (["--instructions", "dollars=x"], "payment instructions: 'dollars' is not a currency code"),
    (["--instructions", "no equals sign"], "use CUR=TEXT"),
    (["--logo", "/nonexistent/logo.png"], "logo: /nonexistent/logo.png: no such file"),
    (["--client-instructions", "Nobody=x"], "--client-instructions: no client matches 'Nobody'"),
])
def test_profile_refuses_a_bad_value_naming_the_field_and_changes_nothing(ledger, tmp_path, args, says):
    _profile(ledger, tmp_path)
    before = ledger.read_bytes()
    r = run(ledger, "profile", "--name", "Changed", *args)
    assert r.exit_code != 0 and says in r.output
    assert ledger.read_bytes() == before


def test_client_details_editable_and_checked(ledger):
    r = run(ledger, "client", "Fjordline", "--phone", "+47 22 00 00 00", "--email", "erik@fjordline.example",
            "--contact", "Erik Hansen", "--address", "Postboks 1\\n0101 Oslo", "--instructions", "IBAN NO93", "--language", "en-GB")
    assert r.exit_code == 0, r.output
    assert "Phone:     +47 22 00 00 00" in r.output and "Language:  en_GB" in r.output and "0101 Oslo" in r.output
    bad = run(ledger, "client", "Fjordline", "--phone", "not a number")
    assert bad.exit_code == 1 and "phone: 'not a number' is not a phone number" in bad.output and "Nothing was changed" in bad.output
    amb = run(ledger, "client", "B", "--email", "x@example.com")
    assert amb.exit_code == 1 and "Bluebird Florists" in amb.output and "Bramble" in amb.output


def _promise(ledger):
    r = run(ledger, "log", "Delgado", "--result", "reached", "--outcome", "promise", "--amount", "1200", "--date", "+11")
    assert r.exit_code == 0, r.output


def _history(ledger, name="Delgado"):
    return json.loads(run(ledger, "history", name, "--json", "--reverse").output)  # oldest first


def test_write_confirmation_every_format_and_the_history_records_it(ledger, tmp_path):
    _profile(ledger, tmp_path)
    _promise(ledger)
    text = run(ledger, "write", "Delgado", "--kind", "confirmation", "--format", "text")
    assert text.exit_code == 0, text.output
    assert text.output.startswith("Subject: Confirming your payment of $1,200.00 by December 4, 2026\n")
    assert "Cheque to PO Box 9" in text.output  # the client's own instructions first
    sms = run(ledger, "write", "Delgado", "--kind", "confirmation", "--format", "sms")
    assert len(sms.output.strip()) <= 320 and "$1,200.00 by December 4, 2026" in sms.output
    pdf_path, eml_path = tmp_path / "c.pdf", tmp_path / "c.eml"
    r = run(ledger, "write", "Delgado", "--kind", "confirmation", "--format", "pdf", "--out", str(pdf_path))
    assert r.exit_code == 0 and "recorded in the history" in r.output
    page = pypdf.PdfReader(io.BytesIO(pdf_path.read_bytes())).pages[0].extract_text()
    assert "$1,200.00" in page and "December 4, 2026" in page and "Cheque to PO Box 9" in page
    run(ledger, "write", "Delgado", "--kind", "confirmation", "--format", "eml", "--out", str(eml_path))
    parsed = BytesParser(policy=policy.default).parsebytes(eml_path.read_bytes())
    assert parsed["To"].addresses[0].addr_spec == "rosa@delgadodental.example"
    assert "$1,200.00 by December 4, 2026" in parsed.get_body(("plain",)).get_content()
    written = [e for e in _history(ledger) if e["kind"] == "written"]
    assert [(w["message_kind"], w["channel"]) for w in written] == [
        ("confirmation", "text"), ("confirmation", "sms"), ("confirmation", "pdf"), ("confirmation", "eml")]
    assert written[2]["file"] == str(pdf_path.resolve()) and "$1,200.00" in written[2]["text"]
    calls = run(ledger, "export", "calls", "--format", "json")
    rows = json.loads(calls.output)
    mine = [r for r in rows if r["contact"] == "written"]
    assert len(mine) == 4 and {r["result"] for r in mine} == {"written"} and mine[0]["client"] == "Delgado Family Dental"
    report = json.loads(run(ledger, "report", "--json").output)
    assert report  # and no written contact among the calls it counts:
    store = open_store(ledger, read_only=True)
    try:
        assert store.calls.count() == sum(1 for r in rows if r["contact"] == "call")
    finally:
        store.close()


def test_preview_records_nothing_and_bad_input_writes_nothing(ledger, tmp_path):
    _promise(ledger)
    run(ledger, "profile", "--instructions", "USD=")  # the demo's USD instructions taken out
    missing = run(ledger, "write", "Delgado", "--kind", "confirmation", "--format", "pdf", "--out", str(tmp_path / "x.pdf"))
    assert missing.exit_code == 1
    assert ("the business profile has no payment instructions for USD: set it with "
            "`callroom profile --instructions USD=TEXT`") in missing.output
    assert not (tmp_path / "x.pdf").exists()
    _profile(ledger, tmp_path)
    r = run(ledger, "write", "Delgado", "--kind", "confirmation", "--format", "text", "--preview")
    assert r.exit_code == 0 and "$1,200.00" in r.output
    out = tmp_path / "missing" / "dir" / "x.eml"
    bad = run(ledger, "write", "Delgado", "--kind", "confirmation", "--format", "eml", "--out", str(out))
    assert bad.exit_code == 1 and f"cannot write {out}" in bad.output and "Nothing was recorded" in bad.output
    none = run(ledger, "write", "Bluebird", "--kind", "confirmation", "--format", "text")
    assert none.exit_code == 1 and "no promise on file for Bluebird Florists" in none.output
    wrong_call = run(ledger, "write", "Delgado", "--kind", "confirmation", "--call", "99999", "--format", "text")
    assert wrong_call.exit_code == 1 and "no call #99999 for Delgado Family Dental" in wrong_call.output
    assert [e for e in _history(ledger) if e["kind"] == "written"] == []


def test_write_for_a_past_call_uses_that_calls_promise(ledger, tmp_path):
    _profile(ledger, tmp_path)
    _promise(ledger)
    first = [e for e in _history(ledger) if e["kind"] == "call"][-1]["id"]
    run(ledger, "log", "Delgado", "--result", "reached", "--outcome", "promise", "--amount", "300", "--date", "+3")
    latest = run(ledger, "write", "Delgado", "--kind", "confirmation", "--format", "text", "--preview")
    assert "$300.00" in latest.output
    past = run(ledger, "write", "Delgado", "--kind", "confirmation", "--call", str(first), "--format", "text")
    assert "$1,200.00" in past.output
    [w] = [e for e in _history(ledger) if e["kind"] == "written"]
    assert w["call_id"] == first


def test_eml_without_client_email_still_written_with_a_note(ledger, tmp_path):
    _profile(ledger, tmp_path)
    _promise(ledger)
    run(ledger, "client", "Delgado", "--email", "")
    out = tmp_path / "d.eml"
    r = run(ledger, "write", "Delgado", "--kind", "confirmation", "--format", "eml", "--out", str(out))
    assert r.exit_code == 0 and "no email address on file" in r.output
    assert BytesParser(policy=policy.default).parsebytes(out.read_bytes())["To"] is None


def test_templates_list_write_and_refuse(ledger, tmp_path, config_dir):
    r = CliRunner().invoke(main, ["templates"])
    assert r.exit_code == 0 and "confirmation  default" in r.output
    r = CliRunner().invoke(main, ["templates", "--write"])
    assert r.exit_code == 0 and f"wrote {config_dir / 'templates' / 'final-notice.txt'}" in r.output
    (config_dir / "templates" / "reminder.txt").write_text("Subject: Hi\n\n$oops\n")
    r = CliRunner().invoke(main, ["templates"])
    assert r.exit_code == 1
    assert f"REFUSED: {config_dir / 'templates' / 'reminder.txt'}, line 3: unknown placeholder $oops" in r.output
    r = CliRunner().invoke(main, ["templates", "--placeholders", "confirmation"])
    assert "$promise_amount" in r.output and "$deadline" not in r.output


def test_calendar_covers_every_future_promise_check_with_phone_and_amount(ledger):
    _promise(ledger)  # checked the day after +11: beyond the old 7-day window
    r = run(ledger, "export", "followups", "--format", "ics")
    cal = Calendar.from_ical(r.stdout_bytes)
    events = [e for e in cal.walk("VEVENT") if "Delgado" in str(e["summary"])]
    [ev] = [e for e in events if "promise-check" in [str(c) for c in e.get("categories").cats]]
    assert ev.decoded("dtstart").isoformat() == "2026-12-05"
    assert str(ev["location"]) == "+1 305 555 0123" and "$1,200.00" in str(ev["description"])
    again = Calendar.from_ical(run(ledger, "export", "followups", "--format", "ics").stdout_bytes)
    assert {str(e["uid"]) for e in again.walk("VEVENT")} == {str(e["uid"]) for e in cal.walk("VEVENT")}
    narrow = Calendar.from_ical(run(ledger, "export", "followups", "--format", "ics", "--days", "7").stdout_bytes)
    assert str(ev["uid"]) not in {str(e["uid"]) for e in narrow.walk("VEVENT")}


def test_profile_on_a_fresh_install_shows_an_empty_profile_and_how_to_set_it(tmp_path):
    fresh = tmp_path / "none" / "ledger.jsonl"
    r = run(fresh, "profile")
    assert r.exit_code == 0, r.output
    assert "Business:  -" in r.output and "Payment instructions: none yet" in r.output
    assert f"No ledger at {fresh} yet: the profile is kept in it. Set it with `callroom profile --name ... --contact ...`" in r.output
    assert not fresh.exists()  # showing writes nothing
    assert run(fresh, "profile", "--name", "Brightline Studio").exit_code == 0
    assert "Business:  Brightline Studio" in run(fresh, "profile").output


@pytest.mark.parametrize("code", ["XYZ", "ABC", "EUX"])
def test_profile_refuses_a_currency_code_that_is_not_iso_4217(ledger, code):
    before = ledger.read_bytes()
    r = run(ledger, "profile", "--instructions", f"{code}=pay somehow")
    assert r.exit_code == 1 and f"payment instructions: {code!r} is not an ISO 4217 currency code" in r.output
    assert ledger.read_bytes() == before
    assert run(ledger, "profile", "--instructions", "chf=IBAN CH93").exit_code == 0


def test_write_names_a_receipt_as_a_receipt(ledger, tmp_path):
    _profile(ledger, tmp_path)
    paid = run(ledger, "log", "Delgado", "--result", "reached", "--outcome", "paid", "--amount", "200")
    assert paid.exit_code == 0, paid.output
    r = run(ledger, "write", "Delgado", "--kind", "receipt", "--format", "pdf", "--out", str(tmp_path / "r.pdf"))
    assert r.exit_code == 0, r.output
    assert "Wrote the payment receipt for Delgado Family Dental" in r.output and "payment received" not in r.output
    hist = run(ledger, "history", "Delgado")
    assert "Payment receipt" in hist.output

"""Documents out: the PDF letter read back with pypdf, the .eml parsed back with the email
package, the logo checked, and any profile text giving a valid file or a clear refusal."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import datetime, timezone
from email import policy
from email.parser import BytesParser
from urllib.parse import parse_qs, unquote, urlparse

import pypdf
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from PIL import Image

from callroom.documents import eml, pdf
from callroom.documents.logo import MAX_BYTES, check_logo, read_logo
from callroom.domain import messages as m
from callroom.domain.messages import Kind, MissingProfile
from callroom.domain.profile import ProfileError

from domain_builders import TODAY, ahead, cfile, client, invoice, promise
from test_domain_messages import PROFILE

WHEN = datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc)


def _png(w=300, h=120, fmt="PNG") -> bytes:
    b = io.BytesIO()
    Image.new("RGB", (w, h), (20, 90, 160)).save(b, fmt)
    return b.getvalue()


LOGO = check_logo(_png())


def _confirmation(profile=PROFILE, **client_kw):
    c = replace(client(instructions=""), email="ap@acme.example", address="400 Market St\nSan Francisco, CA 94105", **client_kw)
    cf = cfile(c, [invoice("1042", "1200.00", overdue=40)], promises=[promise(TODAY, ahead(7), "1200.00", invoices=("1042",))])
    return m.compose(Kind.CONFIRMATION, m.gather(Kind.CONFIRMATION, cf, profile, TODAY))


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(p.extract_text() for p in reader.pages)


def test_pdf_letter_reads_back_with_amount_date_instructions_and_both_addresses():
    msg = _confirmation()
    data = pdf.letter(msg, PROFILE, LOGO, TODAY)
    assert data.startswith(b"%PDF-")
    text = _pdf_text(data)
    for needed in ("$1,200.00", "November 30, 2026", "ACH to First Harbor Bank, routing 021000021",
                   "Brightline Studio", "12 Harbor Way", "sam@brightline.example",
                   "Acme Ltd", "400 Market St", "November 23, 2026", "Warm regards,", "Page 1 of 1"):
        assert needed in text, needed
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.metadata.title == msg.subject
    images = list(reader.pages[0].images)
    assert len(images) == 1  # the logo


def test_pdf_in_the_clients_language_and_non_latin_names():
    msg = _confirmation(language="de_DE", name="Ωmega Кофе Zürich")
    text = _pdf_text(pdf.letter(msg, PROFILE, None, TODAY))
    assert "Ωmega Кофе Zürich" in text
    assert "23. November 2026" in text


def test_pdf_refuses_letters_the_font_lacks_naming_them():
    msg = _confirmation(name="北京 Trading")
    with pytest.raises(pdf.Refused, match=r"the client's name holds characters the PDF font has no letters for: '北京'"):
        pdf.letter(msg, PROFILE, None, TODAY)
    with pytest.raises(pdf.Refused, match="right-to-left"):
        pdf.letter(_confirmation(name="שלום Ltd"), PROFILE, None, TODAY)


def test_multi_page_paper_numbers_its_pages_and_repeats_the_letterhead():
    p = pdf.Paper(PROFILE, LOGO, title="Case file")
    p.add_page()
    p.heading("Statement of account")
    p.table(["Invoice", "Due", "Balance"], [[f"INV-{n}", "2026-01-01", "$10.00"] for n in range(120)], align="LLR")
    data = p.output_bytes()
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 3
    last = reader.pages[-1].extract_text()
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in last and "Brightline Studio" in last
    assert "INV-119" in _pdf_text(data)


def test_eml_parses_back_with_text_html_and_inline_logo():
    msg = _confirmation()
    raw = eml.to_bytes(msg, PROFILE, LOGO, WHEN)
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed["Subject"] == msg.subject
    assert parsed["To"].addresses[0].addr_spec == "ap@acme.example"
    assert parsed["From"].addresses[0].addr_spec == "sam@brightline.example"
    assert parsed["From"].addresses[0].display_name == "Brightline Studio"
    plain = parsed.get_body(("plain",)).get_content()
    assert "$1,200.00 by November 30, 2026" in plain and "ACH to First Harbor Bank" in plain
    html_part = parsed.get_body(("html",))
    assert "$1,200.00 by November 30, 2026" in html_part.get_content()
    related = parsed.get_body(("related",))
    images = [p for p in related.iter_parts() if p.get_content_maintype() == "image"]
    assert len(images) == 1 and images[0].get_content() == LOGO.data
    cid = images[0]["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html_part.get_content()


def test_eml_without_client_email_has_no_to_line_and_mailto_says_so():
    msg = replace(_confirmation(), to="")
    parsed = BytesParser(policy=policy.default).parsebytes(eml.to_bytes(msg, PROFILE, None, WHEN))
    assert parsed["To"] is None and parsed["Subject"] == msg.subject
    with pytest.raises(eml.NoAddress, match="Acme Ltd has no email address on file"):
        eml.mailto(msg)


def test_mailto_encodes_to_subject_and_body():
    msg = _confirmation()
    url = eml.mailto(msg)
    u = urlparse(url)
    assert u.scheme == "mailto" and unquote(u.path) == "ap@acme.example"
    q = parse_qs(u.query)
    assert q["subject"] == [msg.subject]
    assert q["body"][0].replace("\r\n", "\n") == msg.body


def test_html_part_escapes_ledger_text():
    msg = _confirmation(name="<script>alert(1)</script> & Co")
    raw = eml.to_bytes(msg, PROFILE, None, WHEN)
    html = BytesParser(policy=policy.default).parsebytes(raw).get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html


def test_logo_checks(tmp_path):
    assert check_logo(_png(fmt="JPEG")).mime == "image/jpeg"
    assert LOGO.width == 300 and LOGO.height == 120
    with pytest.raises(ProfileError, match="^logo: .*not a PNG or JPEG image"):
        check_logo(b"GIF89a not really")
    with pytest.raises(ProfileError, match="use a PNG or JPEG"):
        b = io.BytesIO()
        Image.new("RGB", (40, 40)).save(b, "GIF")
        check_logo(b.getvalue())
    with pytest.raises(ProfileError, match="is a damaged PNG file"):
        check_logo(_png()[:200])  # cut short
    with pytest.raises(ProfileError, match="at most 512 KB"):
        check_logo(b"\x89PNG" + b"0" * MAX_BYTES)
    with pytest.raises(ProfileError, match="5000x20 pixels"):
        check_logo(_png(5000, 20))
    with pytest.raises(ProfileError, match="no such file"):
        read_logo(tmp_path / "nope.png")


_odd_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=_odd_text, contact=_odd_text, address=_odd_text, instructions=_odd_text)
def test_any_profile_text_gives_a_valid_pdf_and_eml_or_a_clear_refusal(name, contact, address, instructions):
    try:
        prof = PROFILE.changed(name=name.replace("\n", " ") or "B", contact=contact.replace("\n", " ") or "C",
                               address=address, instructions={"USD": instructions or "ACH"})
    except ProfileError as e:
        assert e.field in ("name", "contact", "address", "instructions") and e.why
        return
    try:
        msg = _confirmation(prof)
    except MissingProfile as e:  # a name, contact or instructions of spaces only is no profile: said so
        assert "business profile has no" in str(e)
        return
    try:
        data = pdf.letter(msg, prof, LOGO, TODAY)
    except pdf.Refused as e:
        assert "PDF" in str(e)
    else:
        text = _pdf_text(data)
        assert "$1,200.00" in text
    raw = eml.to_bytes(msg, prof, LOGO, WHEN)
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n").strip() == msg.body.strip()


def test_a_logo_that_is_not_an_image_is_named_with_what_is_wrong_and_no_object_address(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"notanimage")
    with pytest.raises(ProfileError) as e:
        read_logo(bad)
    assert str(e.value) == f"logo: {bad} is not a PNG or JPEG image (its content is not one callroom can read); use a PNG or JPEG"
    cut = tmp_path / "cut.png"
    cut.write_bytes(_png()[:200])
    with pytest.raises(ProfileError) as e:
        read_logo(cut)
    assert str(e.value).startswith(f"logo: {cut} is a damaged PNG")
    for err in (e.value,):
        assert "BytesIO" not in str(err) and " at 0x" not in str(err)


def test_a_german_letter_numbers_its_pages_in_german():
    msg = _confirmation(language="de")
    text = _pdf_text(pdf.letter(msg, PROFILE, None, TODAY))
    assert "Seite 1 von 1" in text and "Page 1" not in text
    assert "23. November 2026" in text


_ANY_DATE = re.compile(
    r"\b\d{4}-\d\d-\d\d\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"  # ISO, numeric
    r"|\b(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4}\b"  # en_US
    r"|\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b"  # en_GB
    r"|\b\d{1,2}\. (?:Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember) \d{4}\b")  # de


@pytest.mark.parametrize("phone, region, language, style", [
    ("+1 212 555 0100", "US", "", r"[A-Z][a-z]+ \d{1,2}, \d{4}"),
    ("+44 20 7946 0321", "GB", "", r"\d{1,2} [A-Z][a-z]+ \d{4}"),
    ("+49 30 5555 0123", "DE", "de", r"\d{1,2}\. [A-ZÄÖÜ][a-zäöü]+ \d{4}"),
])
def test_every_date_on_a_letter_is_in_the_one_long_style_of_its_locale(phone, region, language, style):
    c = replace(client(instructions="", phone=phone, region=region), language=language, address="1 High St")
    cf = cfile(c, [invoice("1042", "1200.00", issued=ahead(-70), due=ahead(-40)), invoice("1043", "300.00", due=ahead(12))],
               promises=[promise(TODAY, ahead(7), "1200.00", invoices=("1042",))])
    msg = m.compose(Kind.CONFIRMATION, m.gather(Kind.CONFIRMATION, cf, PROFILE, TODAY))
    text = " ".join(_pdf_text(pdf.letter(msg, PROFILE, None, TODAY)).split())
    dates = [d.group(0) for d in _ANY_DATE.finditer(text)]
    assert len(dates) >= 5, dates  # the letter's date, the promise's, two due dates, an issue date
    assert all(re.fullmatch(style, d) for d in dates), dates

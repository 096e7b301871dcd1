"""Email files (.eml) and mailto: links, with Python's email package.

An .eml holds the message as plain text and as HTML (the logo shown inline, as a
related part), ready to open in a mail program, check and send. A client without an
email address on file still gets one: the To line is left for the owner to fill in.
"""

from __future__ import annotations

import html
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from urllib.parse import quote

from ..domain.messages import Message
from ..domain.profile import Logo, Profile


class NoAddress(ValueError):
    """A mailto: link needs the client's email address."""


def _address(name: str, addr: str) -> Address | str:
    if not addr:
        return ""
    local, _, domain = addr.rpartition("@")
    try:
        return Address(display_name=" ".join(name.split()), username=local, domain=domain)
    except (ValueError, IndexError):
        return addr


def _html(msg: Message, profile: Profile, cid: str | None) -> str:
    paras = [p for p in msg.body.strip().split("\n\n")]
    body = "\n".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paras)
    logo = (f'<p><img src="cid:{cid[1:-1]}" alt="{html.escape(profile.name)}" style="max-height:64px;max-width:240px"></p>'
            if cid else f"<p><strong>{html.escape(profile.name)}</strong></p>")
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(msg.locale.split("_")[0])}"><head><meta charset="utf-8">'
            f"<title>{html.escape(msg.subject)}</title></head>\n"
            f'<body style="font-family:Helvetica,Arial,sans-serif;font-size:15px;line-height:1.45;color:#212529">\n'
            f"{logo}\n{body}\n</body></html>\n")


def build(msg: Message, profile: Profile, logo: Logo | None, when: datetime) -> EmailMessage:
    em = EmailMessage()
    em["Subject"] = msg.subject
    sender = _address(profile.name or profile.contact, profile.email)
    if sender:
        em["From"] = sender
    if msg.to:
        em["To"] = _address(msg.client.contact or msg.client.name, msg.to)
    em["Date"] = format_datetime(when if when.tzinfo else when.astimezone())
    domain = profile.email.rpartition("@")[2] or "callroom.invalid"
    em["Message-ID"] = make_msgid(domain=domain)
    em["X-Unsent"] = "1"  # opens as a draft to send in Outlook and others
    em.set_content(msg.body)
    cid = make_msgid(domain=domain) if logo is not None else None
    em.add_alternative(_html(msg, profile, cid), subtype="html")
    if logo is not None and cid is not None:
        html_part = em.get_payload()[1]  # type: ignore[index]
        maintype, subtype = logo.mime.split("/")
        html_part.add_related(logo.data, maintype=maintype, subtype=subtype, cid=cid, filename=f"logo.{subtype.replace('jpeg', 'jpg')}")
    return em


def to_bytes(msg: Message, profile: Profile, logo: Logo | None, when: datetime) -> bytes:
    return build(msg, profile, logo, when).as_bytes(policy=SMTP)


def mailto(msg: Message) -> str:
    """``mailto:`` with the address, subject and body percent-encoded (RFC 6068)."""
    if not msg.to:
        raise NoAddress(f"{msg.client.name} has no email address on file: add one with "
                        f"`callroom client {msg.client.name!r} --email ...` (or the client form, E)")
    body = msg.body.replace("\r\n", "\n").replace("\n", "\r\n")
    return f"mailto:{quote(msg.to, safe='@')}?subject={quote(msg.subject, safe='')}&body={quote(body, safe='')}"

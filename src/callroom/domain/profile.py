"""The owner's business profile: who the written messages come from and how to pay.

Kept with the ledger (in its settings), so a backup or a restore keeps it. The logo's
bytes are kept beside it (``Logo``); checking that they are a readable image is the
documents layer's job (it needs an image library), everything else is checked here.

The record is open-ended: keys this version does not know are kept as they were
(``extra``) and written back, so settings added later (escalation costs per route,
for one) survive an older callroom editing the profile.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from typing import Any, Iterable, Mapping


#: The fields ``callroom profile`` and the Profile screen set, with the option that sets each.
FIELDS: dict[str, str] = {
    "name": "--name",
    "contact": "--contact",
    "phone": "--phone",
    "email": "--email",
    "address": "--address",
    "website": "--website",
    "sign_off": "--sign-off",
    "language": "--language",
}

LABELS: dict[str, str] = {
    "name": "business name",
    "contact": "contact person",
    "phone": "phone",
    "email": "email",
    "address": "postal address",
    "website": "website",
    "sign_off": "sign-off",
    "language": "language",
    "instructions": "payment instructions",
    "logo": "logo",
}

MAX_TEXT = 2000  # characters in one profile field (an address, instructions)


class ProfileError(ValueError):
    """A value refused, naming the field and why (``field``: the profile field)."""

    def __init__(self, field_name: str, why: str):
        self.field = field_name
        self.why = why
        super().__init__(f"{LABELS.get(field_name, field_name)}: {why}")


@dataclass(frozen=True)
class Logo:
    data: bytes
    mime: str  # image/png | image/jpeg
    width: int
    height: int


@dataclass(frozen=True)
class Profile:
    name: str = ""
    contact: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""  # several lines
    website: str = ""
    sign_off: str = ""  # 'Kind regards,' ... the closing words before the contact's name
    language: str = ""  # the language messages are written in unless the client's says otherwise ('' = English)
    instructions: Mapping[str, str] = field(default_factory=dict)  # currency: how to pay
    extra: Mapping[str, Any] = field(default_factory=dict)  # keys a later version added

    def instructions_for(self, currency: str) -> str:
        return self.instructions.get((currency or "").upper(), "")

    def to_record(self) -> dict[str, Any]:
        rec = dict(self.extra)
        for f in fields(self):
            if f.name == "extra":
                continue
            v = getattr(self, f.name)
            rec[f.name] = dict(v) if f.name == "instructions" else v
        return rec

    @classmethod
    def from_record(cls, rec: Mapping[str, Any] | None) -> "Profile":
        if not rec:
            return cls()
        names = {f.name for f in fields(cls)} - {"extra"}
        kw: dict[str, Any] = {}
        for k in names:
            v = rec.get(k)
            if k == "instructions":
                kw[k] = {str(c).upper(): str(t) for c, t in v.items()} if isinstance(v, Mapping) else {}
            elif isinstance(v, str):
                kw[k] = v
        extra = {k: v for k, v in rec.items() if k not in names}
        return cls(**kw, extra=extra)

    def changed(self, **values: Any) -> "Profile":
        """This profile with ``values`` set, each checked and tidied (``clean``); raises
        ProfileError naming the first bad one. ``instructions``: {currency: text}, merged
        into what is there (an empty text removes that currency)."""
        out = self
        for k, v in values.items():
            if k == "instructions":
                merged = dict(out.instructions)
                for cur, text in v.items():
                    code = clean_currency(cur)
                    text = clean_text("instructions", text)
                    if text:
                        merged[code] = text
                    else:
                        merged.pop(code, None)
                out = replace(out, instructions=merged)
            elif k in FIELDS:
                out = replace(out, **{k: clean(k, v)})
            else:
                raise ProfileError(k, "not a profile field")
        return out

    def missing(self, needed: tuple[str, ...]) -> list[str]:
        return [k for k in needed if not getattr(self, k)]


def clean_text(name: str, value: str) -> str:
    text = "" if value is None else str(value)
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()
    if len(text) > MAX_TEXT:
        raise ProfileError(name, f"too long ({len(text)} characters; at most {MAX_TEXT})")
    bad = next((ch for ch in text if (ord(ch) < 32 and ch not in "\n\t") or ord(ch) == 127), None)
    if bad is not None:
        raise ProfileError(name, f"holds a control character (U+{ord(bad):04X})")
    return text


@lru_cache(maxsize=1)
def _iso_currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies()) - {"XXX", "XTS"}  # 'no currency' and the testing code


def clean_currency(code: str) -> str:
    """An ISO 4217 currency code as babel knows them ('usd' -> 'USD'); ProfileError otherwise."""
    cur = (code or "").strip().upper()
    if len(cur) != 3 or not cur.isalpha() or not cur.isascii():
        raise ProfileError("instructions", f"{code!r} is not a currency code (like USD, EUR, GBP)")
    if cur not in _iso_currencies():
        raise ProfileError("instructions", f"{cur!r} is not an ISO 4217 currency code (like USD, EUR, GBP, CHF)")
    return cur


def parse_language(value: str) -> str:
    """'de', 'en-GB', 'fr_CA' -> a babel locale name ('de', 'en_GB', 'fr_CA'); '' stays ''.
    ValueError for a language babel does not know."""
    from .locales import known

    name = known(value)
    if not name and (value or "").strip():
        raise ValueError(f"{value!r} is not a language babel knows (like en_US, en_GB, de, fr_CA)")
    return name


def clean_phone(value: str, region: str = "") -> str:
    """A phone number as phonenumbers reads it, in international format ('+1 415-555-0182').
    Without a +country prefix it is read in ``region`` (default US). Empty stays empty."""
    import phonenumbers  # here: its metadata takes a tenth of a second to load

    text = (value or "").strip()
    if not text:
        return ""
    try:
        num = phonenumbers.parse(text, (region or "US").upper())
    except phonenumbers.NumberParseException as e:
        raise ProfileError("phone", f"{text!r} is not a phone number ({_pn_why(e)})") from None
    if not phonenumbers.is_valid_number(num):
        raise ProfileError("phone", f"{text!r} is not a valid number (give it with its +country code)")
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _pn_why(e: Exception) -> str:
    return str(e).split(") ", 1)[-1].rstrip(".").lower() or "unreadable"


def clean_email(value: str) -> str:
    """An email address checked for its form (no network look-up); normalised domain."""
    from email_validator import EmailNotValidError, validate_email  # here: the first screen does without it

    text = (value or "").strip()
    if not text:
        return ""
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as e:
        raise ProfileError("email", f"{text!r} is not an email address ({str(e).rstrip('.')})") from None


def clean_website(value: str) -> str:
    text = clean_text("website", value)
    if text and (" " in text or "\n" in text or "." not in text):
        raise ProfileError("website", f"{text!r} is not a web address")
    return text


def clean(name: str, value: str, region: str = "") -> str:
    if name == "phone":
        return clean_phone(value, region)
    if name == "email":
        return clean_email(value)
    if name == "website":
        return clean_website(value)
    if name == "language":
        try:
            return parse_language(value)
        except ValueError as e:
            raise ProfileError("language", str(e)) from None
    text = clean_text(name, value)
    if name in ("name", "contact") and "\n" in text:
        raise ProfileError(name, "must be one line")
    return text


def payment_instructions(client: Any, profile: Profile, currencies: Iterable[str]) -> str:
    """How this client pays in these currencies: the client's own instructions first
    (``client.instructions``), else the profile's for each currency ('USD: ...' per line
    when there are several). The call script and the messages both say it."""
    override = (client.instructions or "").strip()
    if override:
        return override
    curs = sorted(set(currencies))
    lines = []
    for cur in curs:
        text = profile.instructions_for(cur)
        if text:
            lines.append(text if len(curs) == 1 else f"{cur}: {text}")
    return "\n".join(lines)

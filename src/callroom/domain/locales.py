"""Which locale a written message formats its dates and money in (babel locale names).

The words of a message come in one language (its template's); the locale is chosen to
go with those words, so a message never mixes two languages:

1. the client's language, when the words are in it ('en_GB', 'de', 'de_AT'; a bare
   language takes the client's country when babel knows the pair: 'de' + CH = de_CH);
2. else the words' language with the client's country: the country of the client's
   language ('fr_CA' -> CA), else of their postal address, else of their phone number
   (en + GB = en_GB for a UK client written to in English);
3. else the profile's language or country in the same way;
4. else en_US for English words, the bare language otherwise.

A phone number tells its country only when it is written with its +country code (or
the client has a region to read it in): a national number says nothing, and the owner's
own country is the better guess for it.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from babel import Locale, UnknownLocaleError, localedata

DEFAULT_LOCALE = "en_US"

#: Names a postal address ends with that babel's territory names do not hold.
_ALIASES = {
    "uk": "GB", "u.k.": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "great britain": "GB", "britain": "GB", "usa": "US", "u.s.a.": "US", "u.s.": "US", "united states of america": "US",
    "holland": "NL", "the netherlands": "NL", "schweiz": "CH", "suisse": "CH", "svizzera": "CH", "österreich": "AT",
    "deutschland": "DE", "brd": "DE", "españa": "ES", "italia": "IT", "belgië": "BE", "belgique": "BE", "norge": "NO",
    "sverige": "SE", "danmark": "DK", "suomi": "FI", "éire": "IE", "polska": "PL", "aotearoa": "NZ",
}
_NAME_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "sv", "da", "nb", "fi", "pl")


def lang(locale: str) -> str:
    """'en_GB' -> 'en'; '' -> ''."""
    return (locale or "").split("_")[0]


@lru_cache(maxsize=512)
def known(value: str) -> str:
    """A babel locale name for ``value`` ('en-GB' -> 'en_GB'), or '' when babel does not know it."""
    text = (value or "").strip().replace("-", "_")
    if not text:
        return ""
    try:
        return str(Locale.parse(text))
    except (ValueError, TypeError, UnknownLocaleError):
        return ""


@lru_cache(maxsize=1024)
def _pair(language: str, country: str) -> str:
    if not language or not country:
        return ""
    name = f"{language}_{country}"
    return name if localedata.exists(name) else ""


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    out: dict[str, str] = {}
    for lg in _NAME_LANGUAGES:
        try:
            names = Locale.parse(lg).territories
        except (ValueError, UnknownLocaleError):  # pragma: no cover - babel ships these
            continue
        for code, name in names.items():
            if len(code) == 2 and code.isalpha() and code not in ("ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"):
                out.setdefault(name.lower(), code)
    out.update(_ALIASES)
    return out


def address_country(address: str) -> str:
    """The ISO country an address ends with ('...\\nUnited Kingdom' -> 'GB', 'Deutschland' ->
    'DE'); '' when its last line names none. Two-letter codes are not read: 'CA' ends many
    a Californian address."""
    lines = [ln.strip() for ln in (address or "").splitlines() if ln.strip()]
    if not lines:
        return ""
    last = lines[-1]
    names = _countries()
    for part in (last, last.rsplit(",", 1)[-1]):
        key = re.sub(r"\s+", " ", part).strip().strip(",").lower()
        if key in names:
            return names[key]
        if key.rstrip(".") in names:
            return names[key.rstrip(".")]
    return ""


def phone_country(phones, region: str = "") -> str:
    """The ISO country of the first number that tells one: written with +country, or read in
    ``region`` when one is given; '' otherwise."""
    for raw in phones or ():
        text = (raw or "").strip()
        if not text:
            continue
        if not text.startswith(("+", "00")) and not region:
            continue
        try:
            num = phonenumbers.parse(text, region.upper() if region else None)
        except phonenumbers.NumberParseException:
            continue
        code = phonenumbers.region_code_for_number(num)
        if code and code != "001":
            return code
    return ""


def client_country(client) -> str:
    territory = Locale.parse(known(client.language)).territory if known(getattr(client, "language", "")) else None
    return (territory or address_country(getattr(client, "address", "")) or
            phone_country(getattr(client, "phones", ()), getattr(client, "region", "")))


def profile_country(profile) -> str:
    territory = Locale.parse(known(profile.language)).territory if known(getattr(profile, "language", "")) else None
    return territory or address_country(profile.address) or phone_country((profile.phone,))


def locale_for(words: str, client, profile) -> str:
    """The locale for a message whose words are in ``words`` ('en', 'de') to ``client``."""
    mine = known(getattr(client, "language", ""))
    country = client_country(client)
    if mine and lang(mine) == words:
        if "_" in mine:
            return mine
        return _pair(words, country) or mine
    if country and _pair(words, country):
        return _pair(words, country)
    owner = known(getattr(profile, "language", ""))
    if owner and lang(owner) == words and "_" in owner:
        return owner
    theirs = profile_country(profile)
    if theirs and _pair(words, theirs):
        return _pair(words, theirs)
    if owner and lang(owner) == words:
        return owner
    return DEFAULT_LOCALE if words == "en" else words

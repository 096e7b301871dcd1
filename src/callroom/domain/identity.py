"""Is this the same client? Keys for matching a client across exports on more than the
printed name.

* ``name_key``: case, accents, punctuation and legal suffixes do not matter
  ('O'Brien & Sons Construction LLC' == 'obrien and sons construction');
* ``order_free_key``: the same words in another order ('Kowalski, Anna' and 'Anna Kowalski');
* ``phone_key``: the last nine digits of a phone number, however it is written;
* ``shares_a_word``: two names with a real word in common ('Delgado Dental', 'Delgado Family Dental').

What counts as exact and what as likely is decided where clients are matched
(``callroom.importers.reconcile``): the same key or email is the same client; the same
words in another order with the same phone or invoice number too; a name in another
order alone, or a shared invoice number, is only likely and is put to the owner.
"""

from __future__ import annotations

import re

from .models import normalise_name

name_key = normalise_name

_NOT_WORDS = frozenset({"and", "of", "the", "for", "de", "la", "le", "du", "van", "von", "der", "den", "group",
                        "services", "service", "studio", "partners", "associates", "consulting", "company", "dr", "mr",
                        "mrs", "ms", "north", "south", "east", "west", "central", "sons", "supply", "works", "holdings",
                        "international", "global", "solutions", "enterprises", "trading", "limited"})


def order_free_key(key: str) -> str:
    """A name key with its words sorted: 'kowalski anna' and 'anna kowalski' give the same."""
    return " ".join(sorted(key.split()))


def phone_key(phone: str | None) -> str | None:
    """The last ten digits ('+1 312 555 0164' and '(312) 555-0164' match; so do '+44 20 7946 0321' and
    '020 7946 0321'); a shorter number whole, without a leading trunk 0; None under eight digits.
    Two different numbers never share a key; one number written two ways may not (no match then)."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) >= 10:
        return digits[-10:]
    digits = digits.lstrip("0")
    return digits if len(digits) >= 8 else None


def shares_a_word(a: str, b: str) -> bool:
    """Whether two name keys have a distinctive word (four letters or more) in common."""
    wa = {w for w in a.split() if len(w) >= 4 and w not in _NOT_WORDS}
    return any(w in wa for w in b.split())


__all__ = ["name_key", "order_free_key", "phone_key", "shares_a_word"]

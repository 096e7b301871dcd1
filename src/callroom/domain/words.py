"""Counted words, so no screen or command ever says '1 new clients' or '2 invoice(s)'."""

from __future__ import annotations

_IRREGULAR = {"day": "days", "is": "are", "has": "have"}


def plural(n: int, singular: str, many: str | None = None) -> str:
    """The word for ``n`` of it: 'client' for 1, 'clients' otherwise (``many`` when irregular)."""
    if n == 1:
        return singular
    return many or _IRREGULAR.get(singular) or singular + "s"


def count(n: int, singular: str, many: str | None = None) -> str:
    """'1 new client', '3 new clients', '0 payments': the number and its word
    (a phrase is counted by its last word: 'new client' -> 'new clients')."""
    head, _, last = singular.rpartition(" ")
    word = plural(n, last, many)
    return f"{n:,} {head + ' ' if head else ''}{word}"

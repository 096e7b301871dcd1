"""A contact person's name: the titles in front of it (Frau, Mr, Mme, Sra., Dhr., Dr. ...)
told apart from the names, so that a title is never taken for a first name.

``split("Frau Dr. Anna Huber")`` gives ``Name(titles=("Frau", "Dr."), names=("Anna", "Huber"))``.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Honorifics and academic titles, lower case, without a final dot: English, German,
#: French, Spanish, Portuguese, Italian and Dutch. 'Don' and 'Dona' are left out (first
#: names in English), and so is a lone 'M' without its dot (an initial).
HONORIFICS = frozenset({
    # English
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev", "revd",
    # German
    "herr", "frau", "hr", "fr", "dipl.-ing", "ing",
    # French (M. is written with its dot)
    "m.", "mme", "mlle", "madame", "mademoiselle", "monsieur", "mmes", "mm.", "messrs",
    # Spanish and Portuguese
    "sr", "sra", "srta", "señor", "señora", "señorita", "doña", "dña", "sres", "senhor", "senhora",
    # Italian
    "sig", "sig.ra", "sig.na", "signor", "signora", "signorina", "dott", "dott.ssa", "avv",
    # Dutch
    "dhr", "mevr", "mw", "mevrouw", "heer",
})

#: Words that join two titles ('Mr and Mrs', 'Herr und Frau').
JOINERS = frozenset({"and", "&", "und", "et", "y", "e", "en"})

#: Titles that say how a German salutation is inflected ('Sehr geehrte Frau', 'Sehr geehrter Herr').
FEMININE = frozenset({"frau", "fr", "mrs", "ms", "miss", "mme", "mlle", "madame", "mademoiselle", "sra", "srta",
                      "señora", "señorita", "doña", "dña", "senhora", "signora", "signorina", "sig.ra", "sig.na",
                      "mevr", "mw", "mevrouw", "dott.ssa", "dame"})
MASCULINE = frozenset({"herr", "hr", "mr", "m.", "monsieur", "sr", "señor", "senhor", "signor", "sig", "dhr", "heer", "sir"})


#: Words a surname starts with ('de Vries', 'van der Berg', 'von Hofmann').
PARTICLES = frozenset({"de", "da", "di", "du", "del", "della", "der", "den", "des", "dos", "das", "la", "le", "van", "von",
                       "ten", "ter", "zu", "zur", "st.", "mac", "o'"})

#: Titles after which two surnames are usual (the names are kept whole).
IBERIAN = frozenset({"sr", "sra", "srta", "señor", "señora", "señorita", "doña", "dña", "sres", "senhor", "senhora"})


def _key(word: str) -> str:
    w = word.lower()
    if w in ("m.", "mm."):
        return w
    return w.rstrip(".")


def is_title(word: str) -> bool:
    return _key(word) in HONORIFICS


@dataclass(frozen=True)
class Name:
    titles: tuple[str, ...]  # as written, joiners included ('Mr', 'and', 'Mrs')
    names: tuple[str, ...]

    @property
    def titled(self) -> bool:
        return bool(self.titles)

    @property
    def text(self) -> str:
        return " ".join((*self.titles, *self.names))

    @property
    def first(self) -> str:
        """The first name when one can be told: 'Anna' for 'Frau Anna Huber' or 'Anna Huber';
        '' for 'Frau Huber' (a title and a surname) or a bare title."""
        if self.titles:
            return self.names[0] if len(self.names) >= 2 else ""
        return self.names[0] if self.names else ""

    @property
    def formal(self) -> str:
        """The titles and the surname, as a salutation wants them: 'Frau Huber' for 'Frau Anna
        Huber', 'Mevrouw de Vries' for 'Mevrouw Anna de Vries'. The names stay whole when the
        first of them is a particle ('Mevrouw de Vries'), and after a Spanish or Portuguese
        title ('Sra. García López': two surnames)."""
        names = self.names
        if (len(names) >= 2 and names[0].lower() not in PARTICLES
                and not any(_key(t) in IBERIAN for t in self.titles)):
            names = names[1:]
        return " ".join((*self.titles, *names))

    @property
    def gender(self) -> str:
        """'f', 'm' or '' from the first title (for languages whose salutation is inflected)."""
        keys = [_key(t) for t in self.titles]
        if any(k in JOINERS for k in keys):
            return ""  # 'Herr und Frau Huber'
        for k in keys:
            if k in FEMININE:
                return "f"
            if k in MASCULINE:
                return "m"
        return ""


def split(contact: str) -> Name:
    """The leading titles of ``contact`` and the names after them. 'De heer Jansen' is a title
    too; a joiner counts only between two titles."""
    words = (contact or "").split()
    titles: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if is_title(w):
            titles.append(w)
            i += 1
        elif w.lower() == "de" and i + 1 < len(words) and _key(words[i + 1]) == "heer":
            titles += words[i: i + 2]
            i += 2
        elif titles and _key(w) in JOINERS and i + 1 < len(words) and is_title(words[i + 1]):
            titles.append(w)
            i += 1
        else:
            break
    return Name(tuple(titles), tuple(words[i:]))

"""Printable PDF documents on the owner's letterhead (fpdf2, no browser).

:class:`Paper` is a document whose every page carries the letterhead (logo, business
name, contact line) and a numbered footer; it offers headings, paragraphs and tables,
so a letter (:func:`letter`) and a multi-page case file are built from the same parts.

Text is set in DejaVu Sans, shipped with callroom (Latin, Greek, Cyrillic and more).
Text the font has no letters for (Chinese, say), or right-to-left text, is refused up
front with :class:`Refused` naming the characters and where they are, instead of a PDF
with empty boxes.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ..domain.locales import lang
from ..domain.messages import Message, fmt_date
from ..domain.wording import phrase
from ..domain.profile import Logo, Profile

FONT_DIR = Path(__file__).parent / "fonts"
FONT = "DejaVu"
_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
INK = (33, 37, 41)
MUTED = (108, 117, 125)
RULE = (200, 205, 210)


class Refused(ValueError):
    """The PDF cannot be written as asked: says what and where."""


@lru_cache(maxsize=1)
def _covered() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(FONT_DIR / _FILES[""]), lazy=True) as f:
        regular = set(f.getBestCmap())
    with TTFont(str(FONT_DIR / _FILES["B"]), lazy=True) as f:
        bold = set(f.getBestCmap())
    return frozenset(regular & bold)


def check_text(parts: Mapping[str, str]) -> None:
    """Refuse text the PDF cannot show: letters the font lacks, or right-to-left scripts.
    ``parts``: {where: text}, e.g. {'the business name': ..., 'the body': ...}."""
    have = _covered()
    for where, text in parts.items():
        missing: list[str] = []
        rtl: list[str] = []
        for ch in text or "":
            if ch in "\n\r\t" or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
                continue
            if unicodedata.bidirectional(ch) in ("R", "AL"):
                rtl.append(ch)
            elif ord(ch) not in have and ch not in missing:
                missing.append(ch)
        if rtl:
            raise Refused(f"{where} holds right-to-left text ({''.join(rtl[:8])!r}), which PDF letters cannot set yet; "
                          "use the .eml or text instead")
        if missing:
            shown = "".join(missing[:8])
            names = ", ".join(unicodedata.name(c, f"U+{ord(c):04X}") for c in missing[:3])
            raise Refused(f"{where} holds characters the PDF font has no letters for: {shown!r} ({names}); "
                          "use the .eml or text instead, or write them in Latin letters")


def _clean(text: str) -> str:
    """Text as the PDF sets it: format characters (zero-width joiners, marks) left out, tabs as spaces."""
    return "".join(ch for ch in (text or "").replace("\t", "    ") if unicodedata.category(ch) not in ("Cc", "Cf") or ch == "\n")


@dataclass(frozen=True)
class Party:
    """One side of a letter: a name and the lines under it (contact person, address)."""

    name: str
    lines: tuple[str, ...] = ()

    def text(self) -> str:
        return "\n".join(x for x in (self.name, *self.lines) if x)


def profile_lines(p: Profile) -> list[str]:
    return [x for x in (*p.address.splitlines(), p.phone, p.email, p.website) if x]


class Paper(FPDF):
    """An A4 document on the owner's letterhead; every page numbered 'Page n of N' (in ``language``)."""

    def __init__(self, profile: Profile, logo: Logo | None = None, *, title: str = "", when: datetime | None = None,
                 language: str = "en"):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.profile = profile
        self.logo = logo
        self.language = language  # of the page numbers: a letter's own language
        for style, file in _FILES.items():
            self.add_font(FONT, style, str(FONT_DIR / file))
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(True, margin=20)
        self.set_title(title or profile.name or "Letter")
        self.set_author(profile.name or "")
        self.set_creator("callroom")
        stamp = when or datetime.now(timezone.utc)
        self.set_creation_date(stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc))
        self.alias_nb_pages()
        check_text({"the business name": profile.name, "the contact person": profile.contact,
                    "the business address": profile.address, "the website": profile.website})

    # page furniture -------------------------------------------------------------------------

    def header(self) -> None:
        p = self.profile
        top = self.t_margin
        if self.page_no() == 1:
            if self.logo is not None:
                w, h = self._logo_size(40, 22)
                self.image(io.BytesIO(self.logo.data), x=self.l_margin, y=top, w=w, h=h)
            self.set_xy(self.l_margin, top)
            self.set_font(FONT, "B", 15)
            self.set_text_color(*INK)
            self.multi_cell(self.epw, 7, _clean(p.name), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_font(FONT, "", 8.5)
            self.set_text_color(*MUTED)
            lines = profile_lines(p)
            if lines:
                self.multi_cell(self.epw, 4.2, _clean("\n".join(lines)), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            logo_bottom = top + (self._logo_size(40, 22)[1] if self.logo is not None else 0)
            y = max(self.get_y(), logo_bottom) + 3
        else:
            self.set_font(FONT, "B", 9)
            self.set_text_color(*MUTED)
            self.set_xy(self.l_margin, top)
            self.cell(self.epw, 5, _clean(p.name), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            y = self.get_y() + 2
        self.set_draw_color(*RULE)
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.set_xy(self.l_margin, y + 6)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.cell(self.epw, 5, phrase(self.language, "page", n=str(self.page_no()), total="{nb}"), align="C")
        self.set_text_color(*INK)

    def _logo_size(self, max_w: float, max_h: float) -> tuple[float, float]:
        lg = self.logo
        if lg is None or not lg.width or not lg.height:
            return max_w, max_h
        scale = min(max_w / lg.width, max_h / lg.height)
        return lg.width * scale, lg.height * scale

    # content --------------------------------------------------------------------------------

    def heading(self, text: str, size: float = 12) -> None:
        self.set_font(FONT, "B", size)
        self.multi_cell(self.epw, size * 0.5, _clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def paragraph(self, text: str, size: float = 10.5, *, gap: float = 3) -> None:
        self.set_font(FONT, "", size)
        self.multi_cell(self.epw, size * 0.5, _clean(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(gap)

    def small(self, text: str) -> None:
        self.set_text_color(*MUTED)
        self.paragraph(text, 8.5, gap=2)
        self.set_text_color(*INK)

    def table(self, headings: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[float] | None = None,
              align: str | None = None) -> None:
        """A table that continues over pages; ``align``: one letter a column (L, R, C)."""
        self.set_font(FONT, "", 9)
        kw = {"col_widths": tuple(widths)} if widths else {}
        aligns = tuple(align) if align else None
        with super().table(first_row_as_headings=True, line_height=5, text_align=aligns or "LEFT", v_align="TOP",  # type: ignore[arg-type]
                           borders_layout="HORIZONTAL_LINES", **kw) as t:
            for r in (headings, *rows):
                row = t.row()
                for cell in r:
                    row.cell(_clean(str(cell)))
        self.ln(3)

    def output_bytes(self) -> bytes:
        return bytes(self.output())


def letter(msg: Message, profile: Profile, logo: Logo | None, day: date, *, to: Party | None = None,
           when: datetime | None = None) -> bytes:
    """A one-page (or longer) letter: letterhead, the client's name and address, the date,
    the subject and the body (which carries the payment instructions and the sign-off)."""
    c = msg.client
    to = to or Party(c.name, tuple(x for x in (c.contact, *(getattr(c, "address", "") or "").splitlines()) if x))
    check_text({"the client's name": to.name, "the client's address": "\n".join(to.lines),
                "the subject": msg.subject, "the text": msg.body})
    pdf = Paper(profile, logo, title=msg.subject, when=when or datetime.combine(day, time(9, 0)), language=lang(msg.locale))
    pdf.add_page()
    pdf.set_font(FONT, "", 10.5)
    pdf.multi_cell(pdf.epw * 0.6, 5.2, _clean(to.text()), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    pdf.set_font(FONT, "", 10.5)
    pdf.cell(pdf.epw, 5, fmt_date(day, msg.locale), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)
    pdf.heading(msg.subject, 11.5)
    pdf.paragraph(msg.body)
    return pdf.output_bytes()

"""Bundled fonts: registration, glyph coverage and per-character fallback.

ReportLab draws a character its font lacks as an empty box without a word. A
patient must never meet an empty box where a dose unit or a warning sign
should be, so each text run is split into the body font and a fallback font,
and a character that neither has is an error naming the character.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

STYLES = ("regular", "bold", "italic", "bold_italic")


@dataclass(frozen=True)
class Face:
    """A registered TrueType face: the name ReportLab knows it by and what it can draw."""

    name: str
    chars: frozenset[str]


@cache
def _register(path: Path) -> Face:
    """Register a .ttf once per process, under its file stem."""
    name = path.stem
    font = TTFont(name, str(path))
    pdfmetrics.registerFont(font)
    return Face(name, frozenset(chr(code) for code in font.face.charToGlyph if code <= 0xFFFF))


@dataclass(frozen=True)
class Family:
    """Four faces under one family name, so <b> and <i> pick the right file."""

    name: str
    faces: dict[str, Face]

    def face(self, bold: bool, italic: bool) -> Face:
        key = {(False, False): "regular", (True, False): "bold",
               (False, True): "italic", (True, True): "bold_italic"}[(bold, italic)]
        return self.faces[key]


def load_family(folder: Path, files: dict[str, str]) -> Family:
    """Register a family from ``files`` (style -> path in ``folder``); missing styles reuse
    the nearest one (no italic: regular), so a fallback font may ship two files only."""
    faces: dict[str, Face] = {}
    for style in STYLES:
        chosen = files.get(style) or files.get("bold" if "bold" in style else "regular")
        faces[style] = _register((folder / chosen).resolve())
    family = Family(faces["regular"].name, faces)
    for (bold, italic), style in zip(((0, 0), (1, 0), (0, 1), (1, 1)), STYLES, strict=True):
        addMapping(family.name, bold, italic, faces[style].name)
    return family


def normalise(text: str) -> str:
    """NFC so 'e' + combining accent is drawn from one glyph; whitespace becomes spaces."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass(frozen=True)
class FontSet:
    """The body family and its fallback: turns text into ReportLab paragraph markup."""

    body: Family
    fallback: Family

    def missing(self, text: str) -> list[str]:
        """Characters of ``text`` that no bundled font can draw, in order, once each.
        Characters above U+FFFF (emoji) count as missing: they break the PDF text layer."""
        text = normalise(text)
        if self.drawable.issuperset(text):
            return []
        return sorted(set(text) - self.drawable, key=text.index)

    @cached_property
    def drawable(self) -> frozenset[str]:
        """Every character some face of either family can draw."""
        return frozenset().union(*(face.chars for family in (self.body, self.fallback)
                                   for face in family.faces.values()))

    def runs(self, text: str, bold: bool, italic: bool) -> str:
        """Escaped paragraph markup for ``text`` with fallback-font runs where needed."""
        body = self.body.face(bold, italic).chars
        if body.issuperset(text):
            return escape(text)
        out: list[str] = []
        run: list[str] = []
        in_fallback = False
        for char in text:
            needs_fallback = char not in body and not char.isspace()
            if needs_fallback != in_fallback and run:
                out.append(self._wrap("".join(run), in_fallback))
                run = []
            in_fallback = needs_fallback
            run.append(char)
        if run:
            out.append(self._wrap("".join(run), in_fallback))
        return "".join(out)

    def _wrap(self, text: str, fallback: bool) -> str:
        escaped = escape(text)
        return f'<font name="{self.fallback.name}">{escaped}</font>' if fallback else escaped


def describe_char(char: str) -> str:
    """'✓' (U+2713 CHECK MARK): enough for a user to find and replace it."""
    name = unicodedata.name(char, "unnamed character")
    return f"{char!r} (U+{ord(char):04X} {name})"

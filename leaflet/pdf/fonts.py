"""Bundled fonts: registration, glyph coverage and per-character fallback.

ReportLab draws a character its font lacks as an empty box without a word. A
patient must never meet an empty box where a dose unit or a warning sign
should be, so each text run is split into the body font and a fallback font,
and a character that neither has is an error naming the character.

Chinese is drawn from a third family, Noto Sans SC, registered only when a text holds a
character the other two lack: it is 10 MB a face, and most leaflets never need it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

STYLES = ("regular", "bold", "italic", "bold_italic")

# The CJK family, inside the fonts folder: TrueType outlines, which ReportLab can embed
# (it refuses the CFF outlines of Noto Sans CJK). No italic: italic text stays upright.
CJK_FOLDER = "noto-sans-sc"
CJK_FILES = {"regular": "NotoSansSC_400Regular.ttf", "bold": "NotoSansSC_700Bold.ttf"}

# Blocks whose characters are drawn from the CJK family even where the fallback has a
# glyph (so a Chinese comma or quotation mark matches the characters beside it).
_CJK_BLOCKS = ((0x2E80, 0x2FDF), (0x3000, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F),
               (0xFF00, 0xFFEF))


def is_cjk(char: str) -> bool:
    """Whether ``char`` is in a Chinese, Japanese or Korean block (ideographs, kana,
    CJK punctuation, full-width forms)."""
    code = ord(char)
    return any(first <= code <= last for first, last in _CJK_BLOCKS)


def escape(text: str) -> str:
    """Text as paragraph markup: the three characters markup reserves, as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
    """The body family, its fallback and, when a text needs it, the CJK family: turns
    text into ReportLab paragraph markup."""

    body: Family
    fallback: Family
    cjk_folder: Path | None = None  # where CJK_FILES are; None: no CJK family

    def missing(self, text: str) -> list[str]:
        """Characters of ``text`` that no bundled font can draw, in order, once each.
        Characters above U+FFFF (emoji) count as missing: they break the PDF text layer."""
        text = normalise(text)
        if self.drawable.issuperset(text):
            return []
        lacking = set(text) - self.drawable
        if self.cjk is not None:
            lacking -= self.cjk_chars
        return sorted(lacking, key=text.index)

    @cached_property
    def cjk(self) -> Family | None:
        """The CJK family, registered on first use: only a text with a character the body
        and fallback lack asks for it."""
        return load_family(self.cjk_folder, CJK_FILES) if self.cjk_folder else None

    def load_cjk_for(self, texts: Iterable[str]) -> bool:
        """Register the CJK family now if any of ``texts`` needs it; whether it is loaded.
        Given the words a template set adds in the content's language: the layout runs in
        a child process forked afresh for each build, which would otherwise register the
        large faces again, and lose them, on every build in Chinese."""
        needed = self.cjk_folder is not None and not all(
            self.drawable.issuperset(normalise(text)) for text in texts)
        return needed and self.cjk is not None

    @cached_property
    def cjk_chars(self) -> frozenset[str]:
        return self.cjk.faces["regular"].chars if self.cjk else frozenset()

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
        current: Family | None = None  # None: the body font
        for char in text:
            family = None if char in body or char.isspace() else self._family_for(char)
            if family is not current and run:
                out.append(_wrap("".join(run), current, bold, italic))
                run = []
            current = family
            run.append(char)
        if run:
            out.append(_wrap("".join(run), current, bold, italic))
        return "".join(out)

    def _family_for(self, char: str) -> Family:
        """Which family draws a character the body font lacks: CJK characters from the
        CJK family, the rest from the fallback, and from the CJK family if only it has it."""
        fallback_has = char in self.drawable
        if (is_cjk(char) or not fallback_has) and char in self.cjk_chars:
            assert self.cjk is not None
            return self.cjk
        return self.fallback



def _wrap(text: str, family: Family | None, bold: bool, italic: bool) -> str:
    """A run in another family, named by its face: a <font> tag resets bold and italic to
    those of the face it names, so naming the regular face would undo <b>."""
    escaped = escape(text)
    if family is None:
        return escaped
    return f'<font name="{family.face(bold, italic).name}">{escaped}</font>'


def describe_char(char: str) -> str:
    """'✓' (U+2713 CHECK MARK): enough for a user to find and replace it."""
    name = unicodedata.name(char, "unnamed character")
    return f"{char!r} (U+{ord(char):04X} {name})"

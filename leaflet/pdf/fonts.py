"""Bundled fonts: registration, glyph coverage and per-character fallback.

ReportLab draws a character its font lacks as an empty box without a word. A
patient must never meet an empty box where a dose unit or a warning sign
should be, so each text run is split into the body font and a fallback font,
and a character that neither has is an error naming the character.

Chinese is drawn from a third family, Noto Sans SC, registered only when a text holds a
character the other two lack: it is 10 MB a face, and most leaflets never need it.

What a face can draw is read from its character map alone; ReportLab parses the whole face
(every glyph's width) only when it is registered, which for a fallback face is when it is
first drawn with: a leaflet in English draws one fallback face of two, if any.
"""

from __future__ import annotations

import struct
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


# Printable ASCII, which every bundled face draws. A text of it alone is told by two scans
# in C (str.isascii, str.isprintable), and a face drawing all of it draws that text:
# looking each character up in a face's set of thousands took about 1 µs a text.
_PRINTABLE_ASCII = frozenset(map(chr, range(0x20, 0x7F)))


def _printable_ascii(text: str) -> bool:
    return text.isascii() and text.isprintable()


class Face:
    """A TrueType face: what it can draw, and the name ReportLab draws it by (its file's
    stem), registered with ReportLab when the name is first asked for."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stem = path.stem

    def __repr__(self) -> str:
        return f"Face({self.stem!r})"

    @property
    def name(self) -> str:
        _register(self.path)
        return self.stem

    @cached_property
    def chars(self) -> frozenset[str]:
        """Every character the face maps, as ReportLab reads its character map; above
        U+FFFF left out."""
        codes = _mapped_codes(self.path)
        if codes is None:  # a map this reader does not know: ReportLab's own reading
            codes = _register(self.path).face.charToGlyph
        return frozenset(chr(code) for code in codes if code <= 0xFFFF)

    @cached_property
    def draws_printable_ascii(self) -> bool:
        return self.chars >= _PRINTABLE_ASCII


@cache
def _face(path: Path) -> Face:
    """One Face per file and process, so its character map is read once."""
    return Face(path)


@cache
def _register(path: Path) -> TTFont:
    """Register a .ttf once per process, under its file stem. ReportLab maps <b> and <i>
    in a font it registers to that font itself, so the families' own mappings are made
    again after it, as they stand when every face is registered before any family."""
    font = TTFont(path.stem, str(path))
    pdfmetrics.registerFont(font)
    for name, faces in _families.items():
        _map(name, faces)
    return font


# Each family loaded in this process: its name and faces, the latest loaded last.
_families: dict[str, dict[str, Face]] = {}


def _map(name: str, faces: dict[str, Face]) -> None:
    """<b> and <i> in family ``name`` pick its faces."""
    for (bold, italic), style in zip(((0, 0), (1, 0), (0, 1), (1, 1)), STYLES, strict=True):
        addMapping(name, bold, italic, faces[style].stem)


def _mapped_codes(path: Path) -> Iterable[int] | None:
    """The character codes of the subtable of the face's cmap that ReportLab reads (the
    last Windows one, else a Unicode or Macintosh one), if it is format 4 or 12 (every
    bundled face's is); None otherwise. Each code in a segment counts, as ReportLab counts
    it. Reads only the table directory and the cmap, not the glyphs."""
    try:
        with path.open("rb") as stream:
            head = stream.read(12)
            version, tables = struct.unpack(">LH", head[:6])
            if version not in (0x10000, 0x74727565):  # TrueType; not a collection
                return None
            directory = stream.read(16 * tables)
            cmap = next((struct.unpack_from(">LL", directory, 16 * n + 8)
                         for n in range(tables) if directory[16 * n:16 * n + 4] == b"cmap"),
                        None)
            if cmap is None:
                return None
            stream.seek(cmap[0])
            table = stream.read(cmap[1])
        return _codes_in(table)
    except (OSError, struct.error):
        return None


def _codes_in(table: bytes) -> Iterable[int] | None:
    """The codes of a cmap table (see _mapped_codes), chosen as ReportLab chooses."""
    version, count = struct.unpack_from(">HH", table)
    if count == 0 and version != 0:
        count = version
    chosen, windows = None, False
    for n in range(count):
        platform, encoding, offset = struct.unpack_from(">HHL", table, 4 + 8 * n)
        if platform == 3:
            chosen, windows = offset, True
        elif platform == 1 and encoding == 0 and not windows:
            chosen = offset
        elif (platform == 1 and encoding == 1) or (platform == 0 and encoding != 5):
            chosen, windows = offset, True
    if chosen is None:
        return None
    kind = struct.unpack_from(">H", table, chosen)[0]
    if kind == 4:
        segments = struct.unpack_from(">H", table, chosen + 6)[0] // 2
        ends = struct.unpack_from(f">{segments}H", table, chosen + 14)
        starts = struct.unpack_from(f">{segments}H", table, chosen + 16 + 2 * segments)
        pairs = zip(starts, ends, strict=True)
    elif kind == 12:
        groups = struct.unpack_from(">L", table, chosen + 12)[0]
        triples = struct.unpack_from(f">{3 * groups}L", table, chosen + 16)
        pairs = zip(triples[0::3], triples[1::3], strict=True)
    else:
        return None
    return [code for start, end in pairs for code in range(start, end + 1)]


@cache
def _union(charsets: tuple[frozenset[str], ...]) -> frozenset[str]:
    """Kept, since every build makes its font set afresh; a frozenset keeps its own hash."""
    return frozenset().union(*charsets)


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
    """A family from ``files`` (style -> path in ``folder``); missing styles reuse the
    nearest one (no italic: regular), so a fallback font may ship two files only. Its
    faces are registered when first drawn with (Face.name) or by ``register``."""
    faces: dict[str, Face] = {}
    for style in STYLES:
        chosen = files.get(style) or files.get("bold" if "bold" in style else "regular")
        faces[style] = _face((folder / chosen).resolve())
    family = Family(faces["regular"].stem, faces)
    _families.pop(family.name, None)
    _families[family.name] = faces
    _map(family.name, faces)
    return family


def register(family: Family) -> None:
    """Register every face of ``family`` now, in this process."""
    for face in family.faces.values():
        _register(face.path)


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

    def __post_init__(self) -> None:
        """Register the body family now: every leaflet draws with it."""
        register(self.body)

    def missing(self, text: str) -> list[str]:
        """Characters of ``text`` that no bundled font can draw, in order, once each.
        Characters above U+FFFF (emoji) count as missing: they break the PDF text layer."""
        if self._drawable_as_it_is(text):
            return []
        text = normalise(text)
        if self.drawable.issuperset(text):
            return []
        lacking = set(text) - self.drawable - self.cjk_chars
        return sorted(lacking, key=text.index)

    @cached_property
    def cjk(self) -> Family | None:
        """The CJK family, registered on first use: only a text with a character the body
        and fallback lack asks for it."""
        if self.cjk_folder is None:
            return None
        family = load_family(self.cjk_folder, CJK_FILES)
        register(family)
        return family

    def load_cjk_for(self, texts: Iterable[str]) -> bool:
        """Register the CJK family now if any of ``texts`` needs it; whether it is loaded.
        Given the words a template set adds in the content's language: the layout runs in
        a child process forked afresh for each build, which would otherwise register the
        large faces again, and lose them, on every build in Chinese."""
        needed = self.cjk_folder is not None and not all(
            self._drawable_as_it_is(text) or self.drawable.issuperset(normalise(text))
            for text in texts)
        return needed and self.cjk is not None

    def _drawable_as_it_is(self, text: str) -> bool:
        """Whether ``text`` can be drawn without normalising it first: every character of
        it can be, NFC leaves it as it is (ASCII, or checked in C) and its white space,
        which becomes the space, can be too. Nearly every text is, and normalising each
        of a set's 249 words took the check twice as long."""
        if _printable_ascii(text) and self._draws_printable_ascii:
            return True
        return self.drawable.issuperset(text) and " " in self.drawable \
            and (text.isascii() or unicodedata.is_normalized("NFC", text))

    @cached_property
    def _draws_printable_ascii(self) -> bool:
        return self.drawable >= _PRINTABLE_ASCII

    @cached_property
    def cjk_chars(self) -> frozenset[str]:
        """What the CJK family can draw, from its character map alone: knowing it registers
        no face (a web page, which takes Chinese from the reader's fonts, needs none)."""
        if self.cjk_folder is None:
            return frozenset()
        return _face((self.cjk_folder / CJK_FILES["regular"]).resolve()).chars

    @cached_property
    def drawable(self) -> frozenset[str]:
        """Every character some face of either family can draw."""
        return _union(tuple(face.chars for family in (self.body, self.fallback)
                            for face in family.faces.values()))

    def runs(self, text: str, bold: bool, italic: bool) -> str:
        """Escaped paragraph markup for ``text`` with fallback-font runs where needed."""
        face = self.body.face(bold, italic)
        body = face.chars
        if (face.draws_printable_ascii and _printable_ascii(text)) or body.issuperset(text):
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

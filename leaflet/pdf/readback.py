"""Read the text a PDF page draws, with size, position and width, from its content stream.

pypdf's text extraction rebuilds reading order and parses every font's character map
on every page; checking a leaflet needs only where each piece of text is drawn, how
big and how wide. This reader interprets the content stream's graphics and text
operators itself: one regular expression splits the stream into operations in one
pass, and only the dozen operators that place or show text are looked at in Python
(about 2 ms for a 7-page leaflet, so every build can check its own PDF). Widths come
from each font's own /Widths (exact for the fonts we embed) and text is decoded
through its ToUnicode map, parsed once per font.
"""

from __future__ import annotations

import math
import re
import sys
from codecs import charmap_decode, utf_16_be_decode
from collections.abc import Callable
from typing import Any, NamedTuple

from leaflet.pdf.objects import NUMBER, Stream, hex_bytes, resolved, unescape

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

# Python 3.11 reads possessive quantifiers ("*+", "++"): the matches below never give
# anything back (see _OPERATION), so they are the same, made without keeping a place to
# go back to for every operand and every run of a string's characters. Before 3.11.5 its
# possessive quantifiers matched wrongly (CPython gh-100061, gh-106052), so earlier
# Pythons read the same patterns without them.
POSSESSIVE = sys.version_info >= (3, 11, 5)
_KEEP = b"+" if POSSESSIVE else b""
# A literal string; one not closed runs to the end, so that it is scanned once, not again
# from every parenthesis inside it (which made a run of "(\" take minutes).
_STRING = (rb"\((?:[^()\\]" + _KEEP * 2 + rb"|\\.|\((?:[^()\\]|\\.)*\))*"
           + _KEEP + rb"(?:\)|\\?\Z)")
_OPERAND = (rb"%[^\r\n]*|" + NUMBER + rb"|/[^\s/\[\]()<>{}%]*|" + _STRING
            + rb"|<[0-9A-Fa-f\s]*>|<<|>>|\[(?:[^\[\]()]|" + _STRING + rb")*\]")
# One operation: its operands as written, then its operator. Every operand is matched
# whole (a string holding "Q" or "ET" is never read as an operator), and there is no
# backtracking: what follows the operands is an operator or nothing.
_OPERATION = re.compile(rb"((?:\s*" + _KEEP + rb"(?:" + _OPERAND + rb"))*" + _KEEP
                        + rb")\s*([A-Za-z'\"][A-Za-z0-9'\"*]*)?", re.DOTALL)
_TOKEN = re.compile(rb"(" + NUMBER + rb")|(" + _STRING + rb")|(<[0-9A-Fa-f\s]*>)",
                    re.DOTALL)
# Inline image data is binary: cut it out before reading (it draws no text).
_INLINE_IMAGE = re.compile(rb"(?<!\S)BI\s.*?\sID\s.*?\sEI(?!\S)", re.DOTALL)
MAX_CODE = 0xFFFF  # a font's codes are one or two bytes
MAX_CONTENT = 4_000_000  # bytes of content a page draws, forms included; ours draw ~10 KB
CONTENT_PER_BYTE = 16  # content all pages draw, per byte of the file: ours draw under 1
MAX_FORMS = 10_000  # forms a page draws; a form drawing itself many times multiplies
OPERANDS_KEPT = 1024  # operands read once and kept, per kind, while reading one stream
class TextRun(NamedTuple):
    """One piece of text as drawn: its font's name, effective size, baseline start, width."""

    text: str
    font: str
    size: float
    x: float
    y: float
    width: float


class _Font:
    """What a run's width and text need from a font dictionary."""

    def __init__(self, font: Any) -> None:
        self.name = str(font.get("/BaseFont", "?")).lstrip("/")
        self.two_byte = font.get("/Subtype") == "/Type0"
        self.first = int(font.get("/FirstChar", 0))
        self.widths = [float(w) for w in font.get("/Widths") or []]
        self.default_width = 1000.0 if self.two_byte else _average(self.widths)
        self.cid_widths = _cid_widths(font) if self.two_byte else {}
        self.unicode = _to_unicode(font)
        if not self.two_byte:  # one table lookup a byte, for the common simple fonts
            self.byte_widths = [self.width(code) for code in range(256)]
            self.byte_text = {code: self.unicode.get(code, "\ufffd") if self.unicode
                              else chr(code) for code in range(256)}
            # the same as one character a byte, when it is, for the codec's own table
            # lookup (U+FFFE would read as "no character" there)
            self.byte_table = "".join(self.byte_text.values()) \
                if all(len(text) == 1 and text != "\ufffe" for text in self.byte_text.values()) \
                else None

    def codes(self, data: bytes) -> list[int]:
        if self.two_byte:
            return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data) - 1, 2)]
        return list(data)

    def width(self, code: int) -> float:
        if self.two_byte:
            return self.cid_widths.get(code, self.default_width)
        index = code - self.first
        return self.widths[index] if 0 <= index < len(self.widths) else self.default_width

    def text(self, codes: list[int]) -> str:
        if self.unicode:
            return "".join(self.unicode.get(code, "\ufffd") for code in codes)
        return bytes(c for c in codes if c < 256).decode("latin-1")


_FONTS: dict[tuple[Any, ...], _Font] = {}
_FONTS_KEPT = 64


def _shared_font(font: Any) -> _Font:
    """A simple font read before, by what it is made of (its name, widths and ToUnicode
    map as stored): each personalised leaflet's pages embed the same subsets again, and
    reading their maps was a tenth of holding them to the profile. Other fonts, and
    pypdf's objects (`inspect` of a file leaflet did not make), are read each time."""
    to_unicode = font.get("/ToUnicode")
    if font.get("/Subtype") == "/Type0" or not isinstance(to_unicode, Stream):
        return _Font(font)
    key = (str(font.get("/BaseFont")), font.get("/FirstChar"), tuple(font.get("/Widths") or ()),
           to_unicode.raw, str(to_unicode.get("/Filter")))
    if key not in _FONTS:
        if len(_FONTS) >= _FONTS_KEPT:
            _FONTS.pop(next(iter(_FONTS)))
        _FONTS[key] = _Font(font)
    return _FONTS[key]


def _average(widths: list[float]) -> float:
    drawn = [w for w in widths if w > 0]
    return sum(drawn) / len(drawn) if drawn else 500.0


def _cid_widths(font: Any) -> dict[int, float]:
    """A Type0 font's /W array: 'c [w1 w2 ...]' and 'c_first c_last w' entries."""
    widths: dict[int, float] = {}
    descendants = font.get("/DescendantFonts")
    if not descendants:
        return widths
    array = list(resolved(descendants[0]).get("/W") or [])
    index = 0
    while index + 1 < len(array):
        first, following = int(array[index]), array[index + 1]
        if isinstance(following, list) or hasattr(following, "__iter__"):
            for offset, width in enumerate(following):
                widths[first + offset] = float(width)
            index += 2
        elif index + 2 < len(array):
            for code in range(first, min(int(following), MAX_CODE) + 1):
                widths[code] = float(array[index + 2])
            index += 3
        else:
            break
    return widths


_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f\s]*)>|\[([^\]]*)\]")


def _to_unicode(font: Any) -> dict[int, str]:
    """The ToUnicode map (bfchar and bfrange entries) as code -> text."""
    stream = font.get("/ToUnicode")
    if stream is None:
        return {}
    data = resolved(stream).get_data()
    mapping: dict[int, str] = {}
    for block in _BFCHAR.findall(data):
        values = [v for v, _ in _HEX.findall(block)]
        for source, target in zip(values[::2], values[1::2], strict=False):
            mapping[_hex_int(source)] = _hex_text(target)
    for block in _BFRANGE.findall(data):
        parts = _HEX.findall(block)
        index = 0
        while index + 2 < len(parts):
            low, high = _hex_int(parts[index][0]), min(_hex_int(parts[index + 1][0]), MAX_CODE)
            target, array = parts[index + 2]
            if array:
                for offset, value in enumerate(re.findall(rb"<([0-9A-Fa-f\s]*)>", array)):
                    mapping[low + offset] = _hex_text(value)
            else:
                start = _hex_text(target)
                for offset in range(high - low + 1):
                    mapping[low + offset] = start[:-1] + chr(ord(start[-1]) + offset) \
                        if start else ""
            index += 3
    return mapping


# Hexadecimal digits, or white space among them (which is dropped). A map has hundreds
# of entries and every build reads its fonts' maps afresh (it lays out in a child
# process of its own), so one without white space is read without looking for it.
_WHITE = re.compile(rb"\s")


def _hex_int(value: bytes) -> int:
    return int(value if value.isalnum() else _WHITE.sub(b"", value) or b"0", 16)


def _hex_text(value: bytes) -> str:
    digits = value if value.isalnum() else _WHITE.sub(b"", value)
    # what .decode("utf-16-be", errors="replace") does, without looking the codec up
    return utf_16_be_decode(bytes.fromhex(digits.decode("ascii")), "replace", True)[0]


def _numbers(raw: bytes, count: int) -> list[float] | None:
    """The last ``count`` operands as numbers; None if they are not numbers."""
    parts = raw.split()[-count:]
    if len(parts) < count:
        return None
    try:
        return list(map(float, parts))
    except ValueError:
        return None


def _shown(raw: bytes) -> list[bytes | float] | None:
    """The strings (and, in a TJ array, the adjustments) a text-showing operator shows.
    Operands that are one literal string with no escape or bracket inside, as nearly all
    are, are read without the tokenizer."""
    plain = raw.lstrip()
    if plain[:1] == b"(" and plain[-1:] == b")" and plain.count(b"(") == 1 \
            and plain.count(b")") == 1 and b"\\" not in plain:
        return [plain[1:-1]]
    parts: list[bytes | float] = []
    for number, literal, hexadecimal in _TOKEN.findall(raw):
        if number:
            parts.append(float(number))
        else:
            parts.append(unescape(literal[1:-1]) if literal else hex_bytes(hexadecimal))
    return parts


class _Readings(dict[bytes, Any]):
    """What operands read as, by the operands as written, each read once: a page sets a
    few fonts, sizes, leadings and text positions hundreds of times. Up to OPERANDS_KEPT
    are kept, so that a hostile page's millions of different ones take no memory."""

    def __init__(self, read: Callable[[bytes], Any]) -> None:
        super().__init__()
        self.read = read

    def __missing__(self, operands: bytes) -> Any:
        value = self.read(operands)
        if len(self) < OPERANDS_KEPT:
            self[operands] = value
        return value


def _matrix(operands: bytes) -> tuple[float, ...]:
    values = _numbers(operands, 6)
    return () if values is None else tuple(values)


def _leading(operands: bytes) -> float | None:
    values = _numbers(operands, 1)
    return None if values is None else values[0]


def _multiply(a: Matrix | list[float], b: Matrix) -> Matrix:
    return (a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5])


def _translate(x: float, y: float, m: Matrix) -> Matrix:
    """(1 0 0 1 x y) x m, the move of every Td, T* and glyph advance."""
    return (m[0], m[1], m[2], m[3], x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5])


class _Interpreter:
    """Just enough of the PDF imaging model to know where text goes: the transformation
    matrix (q, Q, cm), the text state and matrices, text shown, and forms drawn (Do)."""

    def __init__(self, fonts: dict[int, _Font], limit: int = MAX_CONTENT) -> None:
        self.font_cache, self.limit = fonts, limit
        self.runs: list[TextRun] = []
        self.content = self.forms = 0  # what the page has drawn so far: bytes, forms

    def run(self, data: bytes, resources: Any, ctm: Matrix, depth: int = 0) -> None:
        """The text state (font, size, leading, spacing, scale, rise) is part of the
        graphics state, so q saves it with the matrix and Q restores it. It is held in
        locals and saved as one tuple: a page has hundreds of q, and this loop is most of
        what every build's proof costs."""
        font_resources = (resources or {}).get("/Font") or {}
        xobjects = (resources or {}).get("/XObject") or {}
        self.content += len(data)
        if self.content > self.limit:
            raise ValueError(f"its pages draw more content than it can hold: a page at most "
                             f"{MAX_CONTENT:,} bytes, all pages {CONTENT_PER_BYTE} times the "
                             "file's size")
        font_settings = _Readings(lambda operands: self._font_setting(operands, font_resources))
        matrices = _Readings(_matrix)  # () for operands that are not six numbers
        leadings = _Readings(_leading)
        if b"BI" in data:
            data = _INLINE_IMAGE.sub(b" ", data)
        stack: list[tuple[Any, ...]] = []
        font: _Font | None = None
        size = leading = char_space = word_space = rise = 0.0
        scale = 1.0
        tm = tlm = IDENTITY
        show = self._show
        for operands, op in _OPERATION.findall(data):
            if op not in _TEXT_OPERATORS:
                continue
            if op == b"q":
                stack.append((ctm, font, size, leading, char_space, word_space, rise, scale))
            elif op == b"Q":
                if stack:
                    ctm, font, size, leading, char_space, word_space, rise, scale = stack.pop()
            elif op == b"Tj" or op == b"TJ":
                if font is not None:
                    shown = _shown(operands)
                    if shown:
                        tm = show(shown if op == b"TJ" else shown[-1:], font, size, char_space,
                                  word_space, scale, rise, tm, ctm)
            elif op == b"cm" or op == b"Tm":
                matrix = matrices[operands]
                if not matrix:
                    continue
                if op == b"cm":
                    ctm = _multiply(matrix, ctm)
                else:
                    tm = tlm = matrix  # type: ignore[assignment]
            elif op == b"TL":
                found = leadings[operands]
                if found is not None:
                    leading = found
            elif op == b"Tf":
                setting = font_settings[operands]
                if setting is not None:
                    font, size = setting
            elif op == b"BT":
                tm = tlm = IDENTITY
            elif op == b"T*":
                tm = tlm = _translate(0, -leading, tlm)
            elif op == b"Td" or op == b"TD":
                values = _numbers(operands, 2)
                if values is not None:
                    if op == b"TD":
                        leading = -values[1]
                    tm = tlm = _translate(values[0], values[1], tlm)
            elif op == b"Do":
                names = operands.split()
                if names and names[-1].startswith(b"/") and depth < 8:
                    self._form(xobjects.get(names[-1].decode("latin-1")), ctm, depth)
            elif op == b"'" or op == b'"':
                shown = _shown(operands)
                if op == b'"' and len(shown or ()) >= 3:
                    word_space, char_space = shown[-3], shown[-2]  # type: ignore[assignment]
                tm = tlm = _translate(0, -leading, tlm)
                if shown and isinstance(shown[-1], bytes) and font is not None:
                    tm = show(shown[-1:], font, size, char_space, word_space, scale, rise,
                              tm, ctm)
            else:
                values = _numbers(operands, 1)
                if values is not None:
                    if op == b"Tc":
                        char_space = values[0]
                    elif op == b"Tw":
                        word_space = values[0]
                    elif op == b"Tz":
                        scale = values[0] / 100
                    else:  # Ts
                        rise = values[0]

    def _show(self, parts: list[bytes | float], font: _Font, size: float, char_space: float,
              word_space: float, scale: float, rise: float, tm: Matrix,
              ctm: Matrix) -> Matrix:
        """Record one text-showing operation; return the text matrix after it."""
        start = _multiply(_translate(0, rise, tm), ctm)
        pieces: list[str] = []
        glyph_units = 0.0  # thousandths of the font size
        spaces = characters = 0
        for part in parts:
            if isinstance(part, float):
                glyph_units -= part
            elif font.two_byte:
                codes = font.codes(part)
                glyph_units += sum(font.width(code) for code in codes)
                pieces.append(font.text(codes))
                characters += len(codes)
            else:
                glyph_units += sum(map(font.byte_widths.__getitem__, part))
                pieces.append(charmap_decode(part, "strict", font.byte_table)[0]
                              if font.byte_table is not None
                              else part.decode("latin-1").translate(font.byte_text))
                spaces += part.count(32)
                characters += len(part)
        adjust = char_space * characters + word_space * spaces
        advance = (glyph_units / 1000 * size + adjust) * scale
        effective = size * math.hypot(start[2], start[3])
        width = advance * math.hypot(start[0], start[1])
        self.runs.append(TextRun("".join(pieces), font.name, effective, start[4], start[5],
                                 width))
        return _translate(advance, 0, tm)

    def _font_setting(self, operands: bytes, font_resources: Any
                      ) -> tuple[_Font | None, float] | None:
        """The font and size a Tf's operands set; None if they set nothing."""
        parts = operands.split()
        found = _numbers(parts[-1], 1) if len(parts) >= 2 else None
        if found is None or not parts[-2].startswith(b"/"):
            return None
        return self._font(font_resources.get(parts[-2].decode("latin-1"))), found[0]

    def _font(self, font: Any) -> _Font | None:
        if font is None:
            return None
        font = resolved(font)
        key = id(font)
        if key not in self.font_cache:
            self.font_cache[key] = _shared_font(font)
        return self.font_cache[key]

    def _form(self, xobject: Any, ctm: Matrix, depth: int) -> None:
        if xobject is None:
            return
        form = resolved(xobject)
        if form.get("/Subtype") != "/Form":
            return
        self.forms += 1
        if self.forms > MAX_FORMS:
            raise ValueError(f"a page draws forms more than {MAX_FORMS:,} times")
        matrix = tuple(float(v) for v in form.get("/Matrix", IDENTITY))
        self.run(form.get_data(), form.get("/Resources"),
                 _multiply(matrix, ctm), depth + 1)  # type: ignore[arg-type]


_TEXT_OPERATORS = frozenset((b"q", b"Q", b"cm", b"BT", b"Tm", b"Td", b"TD", b"T*", b"Tf",
                             b"Tj", b"TJ", b"'", b'"', b"Do", b"TL", b"Tc", b"Tw", b"Tz",
                             b"Ts"))


class PageReader:
    """Text runs page by page; fonts shared between pages are read once. Given the file's
    size, the content all pages draw is held to CONTENT_PER_BYTE times it: pages can share
    one content stream, and a file of a few KB would otherwise draw gigabytes."""

    def __init__(self, file_size: int | None = None) -> None:
        self.fonts: dict[int, _Font] = {}
        self.left = None if file_size is None else MAX_CONTENT + CONTENT_PER_BYTE * file_size

    def runs(self, page: Any) -> list[TextRun]:
        contents = resolved(page.get("/Contents"))
        if contents is None:
            return []
        if isinstance(contents, list):  # several streams: one stream, as if concatenated
            data = b"\n".join(resolved(part).get_data() for part in contents)
        elif hasattr(contents, "get_data"):
            data = contents.get_data()
        else:
            return []
        interpreter = _Interpreter(self.fonts, MAX_CONTENT if self.left is None
                                   else min(MAX_CONTENT, self.left))
        interpreter.run(data, page.get("/Resources"), IDENTITY)
        if self.left is not None:
            self.left -= interpreter.content
        return interpreter.runs

"""Read the text a PDF page draws, with size, position and width, from its content stream.

pypdf's text extraction rebuilds reading order and parses every font's character map
on every page; checking a leaflet needs only where each piece of text is drawn, how
big and how wide. This reader interprets the content stream's graphics and text
operators itself (a few milliseconds a page, so every build can check its own PDF),
takes widths from each font's own /Widths and decodes text through its ToUnicode
map, parsed once per font.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from pypdf.generic import ContentStream

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

_TOKEN = re.compile(rb"""
    (?P<number>[+-]?(?:\d+\.?\d*|\.\d+))
  | (?P<name>/[^\s/\[\]()<>{}%]*)
  | (?P<string>\((?:[^()\\]|\\.|\((?:[^()\\]|\\.)*\))*\))
  | (?P<hex><[0-9A-Fa-f\s]*>)
  | (?P<open>\[)
  | (?P<close>\])
  | (?P<operator>[A-Za-z'"][A-Za-z0-9'"*]*\*?)
""", re.VERBOSE | re.DOTALL)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


@dataclass(frozen=True)
class TextRun:
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
            self.byte_text = [self.unicode.get(code, "\ufffd") if self.unicode else chr(code)
                              for code in range(256)]

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


def _average(widths: list[float]) -> float:
    drawn = [w for w in widths if w > 0]
    return sum(drawn) / len(drawn) if drawn else 500.0


def _cid_widths(font: Any) -> dict[int, float]:
    """A Type0 font's /W array: 'c [w1 w2 ...]' and 'c_first c_last w' entries."""
    widths: dict[int, float] = {}
    descendants = font.get("/DescendantFonts")
    if not descendants:
        return widths
    array = list(descendants[0].get_object().get("/W") or [])
    index = 0
    while index + 1 < len(array):
        first, following = int(array[index]), array[index + 1]
        if isinstance(following, list) or hasattr(following, "__iter__"):
            for offset, width in enumerate(following):
                widths[first + offset] = float(width)
            index += 2
        elif index + 2 < len(array):
            for code in range(first, int(following) + 1):
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
    data = stream.get_object().get_data()
    mapping: dict[int, str] = {}
    for block in _BFCHAR.findall(data):
        values = [v for v, _ in _HEX.findall(block)]
        for source, target in zip(values[::2], values[1::2], strict=False):
            mapping[_hex_int(source)] = _hex_text(target)
    for block in _BFRANGE.findall(data):
        parts = _HEX.findall(block)
        index = 0
        while index + 2 < len(parts):
            low, high = _hex_int(parts[index][0]), _hex_int(parts[index + 1][0])
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


def _hex_int(value: bytes) -> int:
    return int(re.sub(rb"\s", b"", value) or b"0", 16)


def _hex_text(value: bytes) -> str:
    raw = bytes.fromhex(re.sub(rb"\s", b"", value).decode("ascii"))
    return raw.decode("utf-16-be", errors="replace")


def _tokens(data: bytes) -> Iterator[tuple[str | None, bytes]]:
    """(kind, raw bytes) for each token, in one regular-expression pass (white space,
    comments and dictionary brackets fall between matches)."""
    for match in _TOKEN.finditer(data):
        yield match.lastgroup, match.group()


_ESCAPE = re.compile(rb"\\([0-7]{1,3}|\r\n|.)", re.DOTALL)


def _string(kind: str, raw: bytes) -> bytes:
    """The bytes of a literal '(...)' or hex '<...>' string."""
    if kind == "hex":
        digits = re.sub(rb"[^0-9A-Fa-f]", b"", raw)
        return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii"))
    return _ESCAPE.sub(_unescape, raw[1:-1])


def _unescape(match: re.Match[bytes]) -> bytes:
    code = match.group(1)
    if code[:1].isdigit():
        return bytes([int(code, 8) & 0xFF])
    if code in (b"\r\n", b"\r", b"\n"):
        return b""
    return _ESCAPES.get(code, code)


def _multiply(a: Matrix, b: Matrix) -> Matrix:
    return (a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5])


_SEGMENT = re.compile(rb"""
    (?<![A-Za-z])BT\b(?P<text>.*?)\bET\b
  | (?P<matrix>(?:[-+]?[\d.]+\s+){6})cm\b
  | (?<![A-Za-z/])(?P<push>q)\b
  | (?<![A-Za-z/])(?P<pop>Q)\b
  | (?P<xobject>/[^\s/\[\]()<>{}%]+)\s+Do\b
""", re.VERBOSE | re.DOTALL)


@dataclass
class _TextState:
    """Text parameters; part of the graphics state, so q and Q save and restore them."""

    font: _Font | None = None
    size: float = 0.0
    leading: float = 0.0
    char_space: float = 0.0
    word_space: float = 0.0
    scale: float = 1.0
    rise: float = 0.0


class _Interpreter:
    """Just enough of the PDF imaging model to know where text goes. Only text blocks are
    tokenised; outside them only q, Q, cm and Do matter (tables and boxes are skipped)."""

    def __init__(self, fonts: dict[int, _Font]) -> None:
        self.font_cache = fonts
        self.runs: list[TextRun] = []

    def run(self, data: bytes, resources: Any, ctm: Matrix, depth: int = 0) -> None:
        font_resources = (resources or {}).get("/Font") or {}
        fonts: dict[bytes, _Font | None] = {}  # by resource name: resolved once per stream

        def font_named(name: bytes) -> _Font | None:
            if name not in fonts:
                fonts[name] = self._font(font_resources.get(name.decode("latin-1")))
            return fonts[name]

        xobjects = (resources or {}).get("/XObject") or {}
        stack: list[tuple[Matrix, _TextState]] = []
        state = _TextState()
        for match in _SEGMENT.finditer(data):
            if match.group("text") is not None:
                self._text(match.group("text"), font_named, ctm, state)
            elif match.group("matrix"):
                values = tuple(float(v) for v in match.group("matrix").split())
                ctm = _multiply(values, ctm)  # type: ignore[arg-type]
            elif match.group("push"):
                stack.append((ctm, replace(state)))
            elif match.group("pop"):
                if stack:
                    ctm, state = stack.pop()
            elif depth < 8:
                name = match.group("xobject").decode("latin-1")
                self._form(xobjects.get(name), ctm, depth)

    def _text(self, data: bytes, font_named: Callable[[bytes], _Font | None], ctm: Matrix,
              state: _TextState) -> None:
        operands: list[Any] = []
        array: list[Any] | None = None
        tm = tlm = IDENTITY
        for kind, raw in _tokens(data):
            if kind == "open":
                array = []
                continue
            if kind == "close":
                operands.append(array or [])
                array = None
                continue
            if kind != "operator":
                value: Any = float(raw) if kind == "number" else (
                    _string(kind, raw) if kind in ("string", "hex") else raw)
                (array if array is not None else operands).append(value)
                continue
            op = raw
            if op == b"Tm" and len(operands) >= 6:
                tm = tlm = tuple(operands[-6:])  # type: ignore[assignment]
            elif op in (b"Td", b"TD") and len(operands) >= 2:
                if op == b"TD":
                    state.leading = -operands[-1]
                tm = tlm = _multiply((1, 0, 0, 1, operands[-2], operands[-1]), tlm)
            elif op == b"T*":
                tm = tlm = _multiply((1, 0, 0, 1, 0, -state.leading), tlm)
            elif op == b"TL" and operands:
                state.leading = operands[-1]
            elif op == b"Tc" and operands:
                state.char_space = operands[-1]
            elif op == b"Tw" and operands:
                state.word_space = operands[-1]
            elif op == b"Tz" and operands:
                state.scale = operands[-1] / 100
            elif op == b"Ts" and operands:
                state.rise = operands[-1]
            elif op == b"Tf" and len(operands) >= 2:
                state.font = font_named(operands[-2])
                state.size = operands[-1]
            elif op in (b"Tj", b"'", b'"', b"TJ") and operands and state.font is not None:
                if op in (b"'", b'"'):
                    if op == b'"' and len(operands) >= 3:
                        state.word_space, state.char_space = operands[-3], operands[-2]
                    tm = tlm = _multiply((1, 0, 0, 1, 0, -state.leading), tlm)
                parts = operands[-1] if op == b"TJ" else [operands[-1]]
                tm = self._show(parts, state, tm, ctm)
            operands = []

    def _show(self, parts: list[Any], state: _TextState, tm: Matrix, ctm: Matrix) -> Matrix:
        """Record one text-showing operation; return the text matrix after it."""
        font = state.font
        assert font is not None
        start = _multiply((1, 0, 0, 1, 0, state.rise), _multiply(tm, ctm))
        pieces: list[str] = []
        glyph_units = 0.0  # thousandths of the font size
        adjust = 0.0
        spaces = characters = 0
        for part in parts:
            if isinstance(part, float):
                glyph_units -= part
                continue
            if font.two_byte:
                codes = font.codes(part)
                glyph_units += sum(font.width(code) for code in codes)
                pieces.append(font.text(codes))
                characters += len(codes)
            else:
                glyph_units += sum(map(font.byte_widths.__getitem__, part))
                pieces.append("".join(map(font.byte_text.__getitem__, part)))
                spaces += part.count(32)
                characters += len(part)
        adjust = state.char_space * characters + state.word_space * spaces
        advance = (glyph_units / 1000 * state.size + adjust) * state.scale
        effective = state.size * math.hypot(start[2], start[3])
        width = advance * math.hypot(start[0], start[1])
        self.runs.append(TextRun("".join(pieces), font.name, effective, start[4], start[5],
                                 width))
        return _multiply((1, 0, 0, 1, advance, 0), tm)

    def _font(self, font: Any) -> _Font | None:
        if font is None:
            return None
        font = font.get_object()
        key = id(font)
        if key not in self.font_cache:
            self.font_cache[key] = _Font(font)
        return self.font_cache[key]

    def _form(self, xobject: Any, ctm: Matrix, depth: int) -> None:
        if xobject is None:
            return
        form = xobject.get_object()
        if form.get("/Subtype") != "/Form":
            return
        matrix = tuple(float(v) for v in form.get("/Matrix", IDENTITY))
        self.run(form.get_data(), form.get("/Resources"),
                 _multiply(matrix, ctm), depth + 1)  # type: ignore[arg-type]


class PageReader:
    """Text runs page by page; fonts shared between pages are read once."""

    def __init__(self) -> None:
        self.fonts: dict[int, _Font] = {}

    def runs(self, page: Any) -> list[TextRun]:
        contents = page.get_contents()
        if contents is None:
            return []
        data = contents.get_data() if isinstance(contents, ContentStream) else \
            contents.get_object().get_data()
        interpreter = _Interpreter(self.fonts)
        interpreter.run(data, page.get("/Resources"), IDENTITY)
        return interpreter.runs

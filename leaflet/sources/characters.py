"""Which characters a text may hold, and its one normal form.

Text is normalised (NFC) once, where it is read, so every check and the layout see
the same characters: an 'e' followed by a combining accent becomes one 'é', which
the layout draws as one glyph instead of the accent beside the letter.

Refused, naming the character and where it is: characters that are not text
(controls other than newline and tab, noncharacters, lone surrogates, U+FFFD
left where a conversion lost text, and direction controls, which can make text
read differently from how it is stored), and right-to-left scripts, which the
layout would print reversed and unjoined until it learns to lay them out.
"""

from __future__ import annotations

import re
import unicodedata

_ASCII_CONTROLS = "\x00-\x08\x0b-\x1f\x7f"  # tab and line feed are white space
_CONTROLS = _ASCII_CONTROLS + "\x80-\x9f"
_SURROGATES = "\ud800-\udfff"
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000))
_REPLACEMENT = "\ufffd"
_DIRECTION_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"

# Blocks of right-to-left scripts (every character unicodedata calls 'R' or 'AL' is in
# one; tests hold that), each with the script named in the message.
_RIGHT_TO_LEFT = (
    (0x0590, 0x05FF, "Hebrew"),
    (0x0600, 0x06FF, "Arabic script"),
    (0x0700, 0x074F, "Syriac"),
    (0x0750, 0x077F, "Arabic script"),
    (0x0780, 0x07BF, "Thaana"),
    (0x07C0, 0x07FF, "N'Ko"),
    (0x0800, 0x083F, "Samaritan"),
    (0x0840, 0x085F, "Mandaic"),
    (0x0860, 0x086F, "Syriac"),
    (0x0870, 0x08FF, "Arabic script"),
    (0xFB1D, 0xFB4F, "Hebrew"),
    (0xFB50, 0xFDFF, "Arabic script"),
    (0xFE70, 0xFEFE, "Arabic script"),
    (0x10800, 0x10FFF, "a historic right-to-left script"),
    (0x1E800, 0x1E8DF, "Mende Kikakui"),
    (0x1E900, 0x1E95F, "Adlam"),
    (0x1E960, 0x1EFFF, "Arabic script"),
)
_RIGHT_TO_LEFT_CLASS = "".join(f"{chr(first)}-{chr(last)}" for first, last, _ in _RIGHT_TO_LEFT)
_REFUSED = re.compile(f"[{_CONTROLS}{_SURROGATES}{_NONCHARACTERS}{_REPLACEMENT}"
                      f"{_DIRECTION_CONTROLS}{_RIGHT_TO_LEFT_CLASS}]")
# What _REFUSED finds in ASCII: its controls. Most texts are ASCII, and matching a class of
# some forty ranges, most of them above U+FFFF, took four times as long for each character.
_REFUSED_IN_ASCII = re.compile(f"[{_ASCII_CONTROLS}]")


def normalise(text: str) -> str:
    """The one form text is kept in (NFC): what is checked is what is printed."""
    return unicodedata.normalize("NFC", text)


def refused_character(text: str) -> str | None:
    """Why ``text`` cannot be printed, naming its first refused character as U+XXXX and its
    position (1 = the first character); None if it has none."""
    refused = _REFUSED_IN_ASCII if text.isascii() else _REFUSED
    found = refused.search(text)
    if found is None:
        return None
    char = found.group()
    more = len(refused.findall(text, found.end()))
    where = f"at character {found.start() + 1}" + (f" (and {more} more)" if more else "")
    script = _script(char)
    if script:
        name = unicodedata.name(char, "")
        return (f"right-to-left text ({script}) cannot be printed correctly yet: "
                f"{code_point(char)}{' ' + name if name else ''} {where}")
    return f"{describe(char)} {where} is not text; remove it"


def code_point(char: str) -> str:
    return f"U+{ord(char):04X}"


def describe(char: str) -> str:
    """'U+000C (a control character)': a character that is not text, as a message names it."""
    return f"{code_point(char)} ({_kind(char)})"


def _kind(char: str) -> str:
    if re.fullmatch(f"[{_CONTROLS}]", char):
        return "a control character"
    if re.fullmatch(f"[{_SURROGATES}]", char):
        return "half of a surrogate pair, not a character"
    if char == _REPLACEMENT:
        return "the replacement character, left where a conversion lost text"
    if re.fullmatch(f"[{_DIRECTION_CONTROLS}]", char):
        return "a direction control, which can disguise text"
    return "a noncharacter"


def _script(char: str) -> str | None:
    """The right-to-left script ``char`` belongs to; None for every other character."""
    if re.fullmatch(f"[{_NONCHARACTERS}{_DIRECTION_CONTROLS}]", char):
        return None
    number = ord(char)
    return next((script for first, last, script in _RIGHT_TO_LEFT if first <= number <= last),
                None)

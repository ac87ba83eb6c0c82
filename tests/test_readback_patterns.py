"""The content-stream reader's patterns read with possessive quantifiers (Python 3.11 on)
must split a stream into exactly the operations the plain patterns do: the proof of every
build rests on them, and the quantifiers are there for speed only."""

from __future__ import annotations

import random
import re

import pytest
from conftest import BACLOFEN

from leaflet.build import build_pdf
from leaflet.pdf.objects import Document
from leaflet.pdf.readback import _OPERATION, _TOKEN, POSSESSIVE

pytestmark = pytest.mark.skipif(not POSSESSIVE,
                                reason="earlier Pythons read the plain patterns themselves")

# Pieces of content-stream syntax, the awkward ones included: unclosed and nested strings,
# escapes, a backslash at the very end, arrays, dictionaries, comments.
PIECES = [b"(", b")", b"\\", b"\\(", b"\\)", b"\\\\", b"a", b" ", b"\n", b"\r", b"[", b"]",
          b"<", b">", b"<<", b">>", b"<4F>", b"/N", b"12", b"-3.5", b".5", b"0", b"{",
          b"%c\n", b"Tj", b"TJ", b"'", b'"', b"q", b"Q", b"T*", b"BT", b"ET", b"cm"]


def plain(pattern: re.Pattern[bytes]) -> re.Pattern[bytes]:
    """The same pattern with its possessive quantifiers made ordinary ones."""
    source = pattern.pattern.replace(b"]++", b"]").replace(b"*+", b"*")
    assert b"++" not in source and b"*+" not in source
    return re.compile(source, pattern.flags)


def test_the_patterns_are_possessive_here():
    assert b"*+" in _OPERATION.pattern and b"]++" in _TOKEN.pattern


@pytest.mark.parametrize("pattern", [_OPERATION, _TOKEN], ids=["operation", "token"])
def test_random_syntax_splits_as_with_plain_quantifiers(pattern):
    reference = plain(pattern)
    rng = random.Random(13)
    for _ in range(4000):
        data = b"".join(rng.choice(PIECES) for _ in range(rng.randint(0, 24)))
        assert pattern.findall(data) == reference.findall(data), data


def test_a_built_leaflet_splits_as_with_plain_quantifiers():
    reference = plain(_OPERATION)
    document = Document(build_pdf(BACLOFEN).pdf)
    streams = [page["/Contents"].get_data() for page in document.pages]
    assert streams
    for data in streams:
        operations = _OPERATION.findall(data)
        assert any(op == b"Tj" for _, op in operations)
        assert operations == reference.findall(data)


def test_a_to_unicode_map_reads_hex_with_white_space_and_lone_surrogates():
    """The map's hex is read as the codec reads it: white space between digits ignored, a
    surrogate without its pair one replacement character, an empty code 0."""
    from leaflet.pdf.readback import _hex_int, _hex_text

    assert _hex_int(b"00 4\n1") == 0x41 and _hex_int(b" ") == 0
    assert _hex_text(b"0041 0042") == "AB"
    assert _hex_text(b"D83D\tDE00") == "\U0001f600"
    assert _hex_text(b"D83D") == "\ufffd"
    assert _hex_text(b"DE000041") == "\ufffdA"

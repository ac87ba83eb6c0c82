"""Each font subset named by what it holds: ``XXXXXX+Face``, the tag made from its characters.

ReportLab tags a document's subsets by their order alone: the first subset of every face
is ``AAAAAA+`` in every document. A personalised leaflet joins two documents, and a
batch's print file many, so one file held several subsets under one name, each with
other characters (a patient's name draws letters the leaflet does not). PDF asks for a
tag of its own for each subset (ISO 32000-1, 9.6.4), as a viewer, printer or tool that
keeps fonts by name would draw one subset's glyphs for another's codes. Here the tag
is worked out from the subset's characters by code: the same subset has the same name
in every document, and different ones differ but by chance. Six letters give 26**6 (309
million) tags: a batch's print file of 1,000 personalised leaflets holds about 1,000
subsets of a face, and about one such file in 600 has two of them share a name.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any

from reportlab.pdfbase import ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from leaflet.pdf.layout.written_against import written_against

TAG_LETTERS = 6

_rl_add_objects: Callable[[TTFont, Any], None] = TTFont.addObjects
_rl_subset_tag: Callable[..., bytes] = ttfonts.SUBSETN
# The tags of the font whose subsets this thread is adding to a document, by subset
_adding = threading.local()


def tag_of(characters: list[int], attempt: int = 0) -> bytes:
    """Six capital letters from a subset's characters, in code order; another six for each
    further ``attempt``."""
    text = ",".join(map(str, characters))
    digest = hashlib.sha256((f"{attempt};{text}" if attempt else text).encode("ascii")).digest()
    return bytes(65 + byte % 26 for byte in digest[:TAG_LETTERS])


def distinct_tags(subsets: list[list[int]]) -> list[bytes]:
    """The tags of one face's subsets in one document, none twice: ReportLab refuses to
    add a second object under a name it has (each subset's map and descriptor are named
    after its tag), so a subset whose tag another has taken takes its next."""
    tags: list[bytes] = []
    for subset in subsets:
        attempt, tag = 0, tag_of(subset)
        while tag in tags:
            attempt += 1
            tag = tag_of(subset, attempt)
        tags.append(tag)
    return tags


def add_objects(font: TTFont, doc: Any) -> None:
    """TTFont.addObjects, with each subset tagged by what it holds."""
    state = font.state.get(doc)
    _adding.tags = None if state is None else distinct_tags(state.subsets)
    try:
        _rl_add_objects(font, doc)
    finally:
        _adding.tags = None


def subset_tag(n: int, *args: Any) -> bytes:
    """ReportLab's SUBSETN: the tag of subset ``n`` of the font being added."""
    tags = getattr(_adding, "tags", None)
    return tags[n] if tags is not None and 0 <= n < len(tags) else _rl_subset_tag(n, *args)


# In ReportLab's place only over the functions written against: addObjects naming each
# subset with SUBSETN(n) as it goes through the document's subsets in order
if written_against(_rl_add_objects, "TTFont.addObjects", reads={"SUBSETN"}) \
        and written_against(_rl_subset_tag, "SUBSETN"):
    TTFont.addObjects = add_objects
    ttfonts.SUBSETN = subset_tag

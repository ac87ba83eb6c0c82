"""A personalised leaflet: the patient's own pages first, then the leaflet's pages.

The personal section is laid out for every patient; the rest of the leaflet is
the same for everyone given the same content, so it is laid out and finished
once per process and reused, which makes a batch several times faster. The
two parts are joined page by page (pdf/combine.py). Every footer counts
the pages of the whole ("Page 3 of 10"), so the shared part is kept once for
each number of personal pages before it. Reuse is keyed by the shared part
itself, so a template that words the rest of the leaflet differently for a
patient is laid out anew, never mixed up.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import fields, is_dataclass, replace
from typing import Any

from leaflet.errors import Problem, TemplateError
from leaflet.pdf.combine import SharedPart, join, shared_part
from leaflet.pdf.finish import finish
from leaflet.pdf.layout import Layout
from leaflet.render.markup import Document, Metadata, Section

PERSONAL_SECTION = "personal"
CACHE_SIZE = 32

_shared: OrderedDict[tuple[str, int], tuple[SharedPart, int]] = OrderedDict()
_shared_pages: dict[str, int] = {}


def split(document: Document, template: str) -> tuple[Document, Document]:
    """The personal section(s) and the rest; a template set that prints no personal section
    would drop the patient's instructions without a word, so that is an error."""
    personal = [b for b in document.blocks
                if isinstance(b, Section) and b.id == PERSONAL_SECTION]
    if not personal:
        raise TemplateError(Problem(template, None, None,
                                    'a patient was given but this template set prints no '
                                    '<section id="personal">; include '
                                    'sections/personal.xml.j2 as the default set does'))
    rest = [b for b in document.blocks if not any(b is p for p in personal)]
    return (replace(document, blocks=personal), replace(document, blocks=rest))


def render_personalised(document: Document, template: str, layout: Layout,
                        metadata: Metadata, verify: Callable[[bytes], None]) -> tuple[bytes, int]:
    """The finished PDF and its page count: personal pages, then the shared leaflet. The
    joined file, the one that is written, is held to the legibility profile by ``verify``
    (in a batch, a page holding exactly what one already proved held is not read again:
    see inspect_built)."""
    personal, rest = split(document, template)
    key = _key(rest, metadata, layout)
    if key not in _shared_pages:
        _shared_part(key, rest, layout, metadata, 1)
    shared_pages = _shared_pages[key]
    laid = layout.render(personal, metadata, pages_after=shared_pages)
    shared, _ = _shared_part(key, rest, layout, metadata, laid.pages)
    pdf = join(laid.pdf, laid.tree, shared)
    verify(pdf)
    return pdf, laid.pages + shared_pages


def _shared_part(key: str, rest: Document, layout: Layout, metadata: Metadata,
                 pages_before: int) -> tuple[SharedPart, int]:
    """The shared pages numbered after ``pages_before`` personal ones, finished (metadata,
    language, XMP) so the joined file takes its document data from here."""
    slot = (key, pages_before)
    if slot in _shared:
        _shared.move_to_end(slot)
        return _shared[slot]
    laid = layout.render(rest, metadata, pages_before=pages_before)
    part = (shared_part(finish(laid.pdf, metadata, laid.tree)), laid.pages)
    _shared[slot] = part
    _shared_pages[key] = laid.pages
    while len(_shared) > CACHE_SIZE:
        _shared.popitem(last=False)
    return part


def _key(rest: Document, metadata: Metadata, layout: Layout) -> str:
    """What makes the shared pages what they are: their blocks, the metadata, the theme.
    Not the markup lines the blocks came from (kept to name a line in an error): a longer
    personal section moves them down, and the pages are the same."""
    fonts = (layout.fonts.body.name, layout.fonts.fallback.name)
    text = repr((_unplaced(rest), metadata, layout.theme.values, fonts))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _unplaced(value: Any) -> Any:
    """``value`` (markup) as its class and fields, the markup line left out: the same
    whatever line it came from, and told apart from any text by the class."""
    if isinstance(value, list):
        return [_unplaced(item) for item in value]
    kind = type(value)
    if kind not in _FIELDS:
        _FIELDS[kind] = (tuple(f.name for f in fields(kind) if f.name != "line")
                         if is_dataclass(kind) else None)
    names = _FIELDS[kind]
    if names is None:
        return value
    return (kind, *[_unplaced(getattr(value, name)) for name in names])


# each markup class's fields but its line, and None for a value that is not markup
_FIELDS: dict[type, tuple[str, ...] | None] = {}

"""An ePI section's XHTML (text.div) or an SPL <text> as blocks: paragraphs, lists,
tables, headings, pictures.

The two are HTML-like, so one walker serves both by local tag name (p and paragraph,
ul and list, li and item, b and content styleCode="Bold"). Every character of text is
kept: unknown elements are read as running text, never skipped. Where the markup
leaves a line break to the browser (<br/>, a bold line set directly in a <div>), the
line becomes a paragraph of its own, as a reader sees it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from leaflet.sources.characters import normalise, refused_character
from leaflet.sources.importers.model import (
    Block,
    Heading,
    Image,
    Item,
    ItemList,
    Paragraph,
    Table,
)

PARAGRAPHS = frozenset({"p", "paragraph"})
LISTS = frozenset({"ul", "ol", "list", "dl"})
ITEMS = frozenset({"li", "item", "dt", "dd"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
CELLS = frozenset({"td", "th"})
IMAGES = frozenset({"img", "renderMultiMedia"})
BOLD = frozenset({"b", "strong"})
CONTAINERS = frozenset({"div", "section", "blockquote", "text", "body", "thead", "tbody",
                        "tfoot", "tr", "caption", "figure", "excerpt", "highlight"})
NO_TEXT = frozenset({"col", "colgroup", "script", "style", "meta"})

# Hints for the browser, not text: soft hyphen, zero-width space, word joiner, BOM.
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")
_SPACE = re.compile(r"\s+")


class NotText(ValueError):
    """A character the content format refuses (sources/characters.py): the reader names
    the section it is in, so the draft never holds what would not load."""


def clean(text: str) -> str:
    """One space between words, NFC; NotText for a character that cannot be printed."""
    text = _SPACE.sub(" ", _INVISIBLE.sub("", normalise(text))).strip()
    reason = refused_character(text)
    if reason:
        raise NotText(reason)
    return text


def local(tag: object) -> str:
    """'{http://www.w3.org/1999/xhtml}p' -> 'p'; comments and processing instructions -> ''."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def read_blocks(element: Element, media: dict[str, str] | None = None) -> tuple[Block, ...]:
    """The blocks of a narrative, in reading order; ``media`` names pictures by their id
    (SPL keeps a picture's caption apart from where it is shown)."""
    out = _Builder(media=media or {})
    _children(element, out, bold=False)
    out.flush()
    return tuple(out.blocks)


def plain_text(element: Element) -> str:
    """All text of an element in one line: a <br/> is a space, <sup>®</sup> joins on."""
    parts = [element.text or ""]
    for child in element.iter():
        if child is not element:
            parts += [" " if local(child.tag) == "br" else (child.text or ""), child.tail or ""]
    return clean("".join(parts))


def picture_line(alt: str) -> str:
    """What stands where a picture was: a placeholder, so `leaflet check` lists it and
    nobody prints the leaflet without deciding what the picture showed."""
    return f"[picture not imported: {alt}]" if alt else "[picture not imported]"


@dataclass
class _Builder:
    """Collects running text until a block interrupts it. ``in_paragraph`` is False
    directly in a <div>, where authors set one bold line after another with no <p>."""

    blocks: list[Block] = field(default_factory=list)
    runs: list[tuple[str, bool] | None] = field(default_factory=list)  # None: a line break
    in_paragraph: bool = False
    media: dict[str, str] = field(default_factory=dict)

    def text(self, text: str | None, bold: bool) -> None:
        if text:
            self.runs.append((text, bold))

    def line_break(self) -> None:
        self.runs.append(None)

    def add(self, block: Block) -> None:
        self.flush()
        self.blocks.append(block)

    def flush(self) -> None:
        lines: list[list[tuple[str, bool]]] = [[]]
        for run in self.runs:
            if run is None:
                lines.append([])
            else:
                lines[-1].append(run)
        self.runs = []
        for line in lines:
            for part in ([line] if self.in_paragraph else _bold_lines(line)):
                text = clean("".join(text for text, _ in part))
                if text:
                    emphasised = all(bold for text, bold in part if text.strip())
                    self.blocks.append(Paragraph(text, emphasised))


def _bold_lines(line: list[tuple[str, bool]]) -> list[list[tuple[str, bool]]]:
    """Bold runs set directly in a div with only spaces between them are lines of their
    own ('<b>Pregnancy and breast-feeding</b> <b>Pregnancy</b>' is two headings); runs
    that touch ('<b>C</b><b>onsulte</b>') are one word."""
    if not all(bold or not text.strip() for text, bold in line):
        return [line]
    parts: list[list[tuple[str, bool]]] = [[]]
    for text, bold in line:
        if bold:
            parts[-1].append((text, bold))
        elif parts[-1]:
            parts.append([])
    return [part for part in parts if part]


def _children(element: Element, out: _Builder, bold: bool) -> None:
    out.text(element.text, bold)
    for child in element:
        _walk(child, out, bold)
        out.text(child.tail, bold)


def _walk(element: Element, out: _Builder, bold: bool) -> None:
    tag = local(element.tag)
    if not tag or tag in NO_TEXT:
        return
    handlers: dict[str, Callable[[Element, dict[str, str]], Block | None]] = {
        **dict.fromkeys(HEADINGS, _heading), **dict.fromkeys(LISTS, _list),
        "table": _table, **dict.fromkeys(IMAGES, _image)}
    if tag in handlers:
        block = handlers[tag](element, out.media)
        out.flush()
        if block is not None:
            out.add(block)
    elif tag == "br":
        out.line_break()
    elif _is_inline_title(element):
        text = plain_text(element)
        if text:
            out.add(Heading(text))
    elif tag in PARAGRAPHS or tag in CONTAINERS or tag in CELLS or tag in ITEMS:
        out.flush()
        was = out.in_paragraph
        out.in_paragraph = tag in PARAGRAPHS or "paragraph" in _classes(element)
        _children(element, out, bold)
        out.flush()
        out.in_paragraph = was
    else:
        _children(element, out, bold or _is_bold(element))


def _classes(element: Element) -> set[str]:
    return set((element.get("class") or "").split())


def _is_bold(element: Element) -> bool:
    tag = local(element.tag)
    if tag in BOLD:
        return True
    return tag == "content" and "bold" in (element.get("styleCode") or "").lower()


def _is_inline_title(element: Element) -> bool:
    """Norwegian ePIs mark sub-headings as <span class="inline-title">."""
    return local(element.tag) == "span" and "inline-title" in _classes(element)


def _heading(element: Element, media: dict[str, str]) -> Heading | None:
    text = plain_text(element)
    return Heading(text) if text else None


def _image(element: Element, media: dict[str, str]) -> Image:
    """A picture, named by its alt text or, in SPL, by the caption of the media it shows."""
    ref = element.get("referencedObject") or ""
    return Image(clean(element.get("alt") or media.get(ref) or ref))


def _lines(element: Element, media: dict[str, str]) -> list[str]:
    """An item's or a cell's own lines; a list inside it joins the line before it."""
    inner = _Builder(in_paragraph=True, media=media)
    _children(element, inner, bold=False)
    inner.flush()
    lines: list[str] = []
    for block in inner.blocks:
        if isinstance(block, ItemList):
            nested = [" ".join(item.lines) for item in block.items]
            if lines:
                lines[-1] = f"{lines[-1]} {'; '.join(nested)}"
            else:
                lines += nested
        elif isinstance(block, Table):
            lines += [row_line(row) for row in block.rows]
        elif isinstance(block, Image):
            lines.append(picture_line(block.alt))
        else:
            lines.append(block.text)
    return lines


def row_line(row: tuple[tuple[str, ...], ...]) -> str:
    """A table row as one line, its cells apart by a middle dot."""
    return " · ".join(" ".join(cell) for cell in row if cell)


def _only_lists(item: Element) -> bool:
    """An <li> that holds nothing but lists (and spaces)."""
    texts = [item.text, *(child.tail for child in item)]
    return len(item) > 0 and all(local(c.tag) in LISTS for c in item) and not any(
        t and t.strip() for t in texts)


def _list(element: Element, media: dict[str, str]) -> ItemList | None:
    """Items in order. An item that holds only a list lends its items to this one; an item
    with text of its own keeps a list inside it on its last line, after a ';' each."""
    items: list[Item] = []
    for child in element:
        if local(child.tag) not in ITEMS:
            continue
        if _only_lists(child):
            for nested in child:
                block = _list(nested, media)
                items += block.items if block else ()
            continue
        lines = _lines(child, media)
        if lines:
            items.append(Item(tuple(lines)))
    return ItemList(tuple(items)) if items else None


def _table(element: Element, media: dict[str, str]) -> Table | None:
    rows = []
    for row in _rows(element):
        cells = tuple(tuple(_lines(cell, media)) for cell in row if local(cell.tag) in CELLS)
        if any(cells):
            rows.append(cells)
    captions = [plain_text(c) for c in element if local(c.tag) == "caption"]
    if captions and captions[0]:
        rows.insert(0, ((captions[0],),))
    return Table(tuple(rows)) if rows else None


def _rows(table: Element) -> list[Element]:
    """The table's own rows, not those of a table inside a cell."""
    rows = []
    for child in table:
        if local(child.tag) == "tr":
            rows.append(child)
        elif local(child.tag) in ("thead", "tbody", "tfoot"):
            rows += [row for row in child if local(row.tag) == "tr"]
    return rows

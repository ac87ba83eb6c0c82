"""A document tree as one self-contained HTML page: landmarks, a table of contents, headings
that never skip a level, lists, tables with their headers, boxed warnings as labelled
regions, pictures inlined, the leaflet's address online as a link, and no script at all.
The few words the page adds come from the set's catalogues (words.py), in the leaflet's
language.

Text is escaped piece by piece and tags are built only from the tree, so '&', '<' or a
quote in content can never become markup. The same tree gives the same bytes: no dates,
and every id is derived from the tree.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from html import escape
from pathlib import Path

from leaflet.errors import MarkupError, Problem
from leaflet.html.style import stylesheet
from leaflet.html.words import word
from leaflet.render.images import read_image
from leaflet.render.markup import (
    Block,
    Break,
    Callout,
    Cell,
    Document,
    Heading,
    Image,
    Inline,
    ItemList,
    ListItem,
    Metadata,
    PageField,
    Paragraph,
    QRCode,
    Section,
    Span,
    Table,
    plain_text,
    shown_pieces,
)
from leaflet.render.theme import Theme
from leaflet.render.wording import Wording

TICK_BOX = "\u2610"  # the PDF's tick box (pdf/layout/tables.py)
# A page number has no place on a web page: the field goes, with the words tied to it by
# no-break spaces ("Page 3 of 10") and the separator left dangling before it.
_TIED_BEFORE = re.compile(r"\S*\u00a0\Z")
_TIED_AFTER = re.compile(r"\A\u00a0\S*")
_LOOSE_ENDS = "\u00a0 \t\u00b7|,;:\u2013\u2014-"  # spaces, a middle dot, dashes
_ID = re.compile(r"[^A-Za-z0-9_-]+")
_NUMBER = re.compile(r"\A\d+[.)]?\s+")  # "1. " before a numbered section's title
PX_PER_MM = 96 / 25.4  # a CSS pixel is 1/96 inch
MIME = {"PNG": "image/png", "JPEG": "image/jpeg"}

FindImage = Callable[[str], "Path | None"]
Locate = Callable[[int], "tuple[str, int | None]"]


def html_page(document: Document, metadata: Metadata, theme: Theme, wording: Wording,
              find_image: FindImage, locate: Locate, personal: Document | None = None) -> bytes:
    """The page as UTF-8 bytes. ``wording`` is the set's, in the content's language, as the
    templates had it. ``personal`` (a patient's own section) comes first, as it does in the
    PDF; the draft notice, contents and footer are ``document``'s."""
    writer = _Writer(wording, find_image, locate)
    body = writer.body(document, personal)
    css = stylesheet(theme)
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    policy = (f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; "
              "font-src data:; base-uri 'none'; form-action 'none'")
    head = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(document.lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        f"<title>{escape(metadata.title)}</title>",
        f'<meta name="description" content="{escape(metadata.subject)}">',
        f'<meta name="author" content="{escape(metadata.author)}">',
        f'<meta name="keywords" content="{escape(", ".join(metadata.keywords))}">',
        '<meta name="generator" content="leaflet">',
        f"<style>{css}</style>",
        "</head>",
    ]
    return "\n".join([*head, body, "</html>", ""]).encode("utf-8")


@dataclass
class _Writer:
    wording: Wording
    find_image: FindImage
    locate: Locate
    level: int = 0  # the last heading's level as written
    last_heading: str = ""  # its text, the caption of a table under it
    ids: set[str] = field(default_factory=lambda: {"main", "contents"})
    section_ids: dict[int, str] = field(default_factory=dict)  # id(Section) -> its HTML id
    out: list[str] = field(default_factory=list)

    def body(self, document: Document, personal: Document | None) -> str:
        self.out.append("<body>")
        header = _without_page_fields(document.header)
        if header:
            self.out.append(f'<header><div class="draft"><p>{self.inlines(header)}'
                            "</p></div></header>")
        self.out.append('<main id="main">')
        for block in personal.blocks if personal else ():
            self.block(block)
        sections = [b for b in document.blocks if isinstance(b, Section) and _heading(b)]
        listed = _listed_sections(document.blocks, sections)
        title, listing = listed if listed else (None, None)
        for block in document.blocks:
            if block is title:
                self.contents(sections, title)
            elif block is listing:
                continue  # written as the contents' links
            else:
                if title is None and sections and block is sections[0]:
                    self.contents(sections, None)
                self.block(block)
        self.out.append("</main>")
        footer = _without_page_fields(document.footer)
        if footer:
            self.out.append(f"<footer><p>{self.inlines(footer)}</p></footer>")
        self.out.append("</body>")
        return "\n".join(self.out)

    def contents(self, sections: list[Section], title: Heading | None) -> None:
        """The table of contents: a link to each section, by its heading. It is the
        template's own list of the sections under its own ``title`` when it prints one
        (the default set's "What is in this leaflet"), printed as on paper; otherwise the
        page adds one, headed "Contents" in the leaflet's language, for the screen only."""
        for section in sections:
            self.section_ids[id(section)] = self.unique(section.id)
        if title is not None:
            self.out.append('<nav aria-labelledby="contents">')
            self.heading(title, "contents")
        else:
            level = self.heading_level(2)
            self.out.append('<nav class="web-only" aria-labelledby="contents">')
            self.out.append(f'<h{level} id="contents">{escape(self.word("contents"))}'
                            f"</h{level}>")
        self.out.append("<ol>")
        for section in sections:
            heading = _heading(section)
            assert heading is not None
            self.out.append(f'<li><a href="#{self.section_ids[id(section)]}">'
                            f"{self.plain(heading.inlines)}</a></li>")
        self.out.append("</ol>")
        self.out.append("</nav>")

    def block(self, block: Block) -> None:
        if isinstance(block, Paragraph):
            style = "" if block.style == "body" else f' class="{block.style}"'
            self.out.append(f"<p{style}>{self.inlines(block.inlines)}</p>")
        elif isinstance(block, Heading):
            self.heading(block)
        elif isinstance(block, ItemList):
            self.item_list(block)
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, Callout):
            self.callout(block)
        elif isinstance(block, Image):
            self.image(block)
        elif isinstance(block, QRCode):
            self.online(block)
        else:
            self.section(block)

    def heading(self, block: Heading, id_: str | None = None) -> None:
        level = self.heading_level(block.level)
        self.last_heading = " ".join(_text(block.inlines).split())
        attribute = f' id="{id_}"' if id_ else ""
        self.out.append(f"<h{level}{attribute}>{self.inlines(block.inlines)}</h{level}>")

    def heading_level(self, level: int) -> int:
        """The markup's level, never more than one below the heading before it."""
        self.level = min(level, self.level + 1)
        return self.level

    def labelled(self, blocks: list[Block], tag: str, attributes: str, name: str,
                 fallback: str | None = None) -> None:
        """A region named by its first heading (or ``fallback``): a section or a box."""
        heading = next((b for b in blocks if isinstance(b, Heading)), None)
        title = self.unique(f"{name}-title")
        if heading is not None:
            label = f' aria-labelledby="{title}"'
        elif fallback is not None:
            label = f' aria-label="{escape(fallback)}"'
        else:
            label = ""
        self.out.append(f"<{tag}{attributes}{label}>")
        for block in blocks:
            if block is heading:
                self.heading(block, title)
            else:
                self.block(block)
        self.out.append(f"</{tag}>")

    def section(self, block: Section) -> None:
        html_id = self.section_ids.get(id(block)) or self.unique(block.id)
        self.labelled(block.blocks, "section", f' id="{html_id}"', html_id)

    def callout(self, block: Callout) -> None:
        """A boxed warning: a region of its own, so a screen reader can find and skip it;
        headings inside it do not change the level of those after it."""
        outer = self.level
        self.labelled(block.blocks, "section", f' class="box box-{block.kind}"',
                      f"box-{block.kind}", self.word(block.kind))
        self.level = outer

    def online(self, block: QRCode) -> None:
        """The leaflet online, which the PDF gives as a QR code: on a screen the address is
        a link to follow, so no code is drawn, and the PDF's words about scanning it give
        way to the page's own line."""
        url, words = escape(block.url), self.word("online")
        space = "" if words and unicodedata.east_asian_width(words[-1]) in "WF" else " "
        self.out.append(f'<p class="online">{escape(words)}{space}'
                        f'<a href="{url}">{url}</a></p>')

    def item_list(self, block: ItemList) -> None:
        tag = "ol" if block.ordered else "ul"
        self.out.append(f"<{tag}>")
        for item in block.items:
            self.out.append(f"<li>{self.contained(item.blocks)}</li>")
        self.out.append(f"</{tag}>")

    def contained(self, blocks: list[Block]) -> str:
        """A list item's or cell's blocks: one paragraph is written as its bare text."""
        if len(blocks) == 1 and isinstance(blocks[0], Paragraph) and blocks[0].style == "body":
            return self.inlines(blocks[0].inlines)
        start = len(self.out)
        for block in blocks:
            self.block(block)
        inner = "".join(self.out[start:])
        del self.out[start:]
        return inner

    def table(self, block: Table) -> None:
        """Header cells say which way they apply; a header row is the table's head, so
        that a printed table repeats it on every page."""
        caption = self.unique("table-caption") if self.last_heading else ""
        # A table too wide for a phone scrolls inside its own frame, not the whole page; the
        # frame takes the keyboard's focus so that it can be scrolled without a mouse.
        region = f' role="region" aria-labelledby="{caption}"' if caption else ""
        self.out.append(f'<div class="table" tabindex="0"{region}>'
                        f'<table class="{block.style}">')
        if caption:
            self.out.append(f'<caption id="{caption}">{escape(self.last_heading)}</caption>')
        rows = block.rows
        if rows and all(cell.header for cell in rows[0]):
            self.out.append(f"<thead>{self.row(rows[0], 'col')}</thead>")
            rows = rows[1:]
        if rows:
            self.out.append("<tbody>")
            self.out.extend(self.row(row, "row") for row in rows)
            self.out.append("</tbody>")
        self.out.append("</table></div>")

    def row(self, cells: list[Cell], scope: str) -> str:
        written = []
        for cell in cells:
            if cell.header:
                written.append(f'<th scope="{scope}">{self.contained(cell.blocks)}</th>')
            elif cell.box:
                written.append(f'<td class="tick">{TICK_BOX}</td>')
            else:
                written.append(f"<td>{self.contained(cell.blocks)}</td>")
        return f"<tr>{''.join(written)}</tr>"

    def image(self, block: Image) -> None:
        """The picture itself as a data: URI, at the width the template gives, never wider
        than the page; refused as the PDF refuses it."""
        path = self.find_image(block.src)
        checked = read_image(path) if path is not None else "not found inside the template folder"
        if isinstance(checked, str) or path is None:
            name, line = self.locate(block.line)
            raise MarkupError(Problem(name, line, None, f"image {block.src!r} {checked}"))
        data = path.read_bytes()
        mime = MIME["PNG" if data.startswith(b"\x89PNG") else "JPEG"]
        width = round(block.width_mm * PX_PER_MM)
        height = round(width * checked.height / checked.width)
        encoded = base64.b64encode(data).decode("ascii")
        self.out.append(f'<p><img src="data:{mime};base64,{encoded}" alt="{escape(block.alt)}" '
                        f'width="{width}" height="{height}"></p>')

    def inlines(self, inlines: list[Inline]) -> str:
        parts = []
        for item in inlines:
            if isinstance(item, Break):
                parts.append("<br>")
            elif isinstance(item, Span):
                parts.append(_span(item))
        return "".join(parts)

    def plain(self, inlines: list[Inline]) -> str:
        """Text with its placeholders marked but no emphasis: a link in the contents."""
        return "".join(_span(Span(item.text)) if isinstance(item, Span) else " "
                       for item in inlines)

    def word(self, name: str) -> str:
        return word(self.wording, name)

    def unique(self, wanted: str) -> str:
        """``wanted`` as an id no other element has: letters, digits, '-' and '_' only."""
        base = _ID.sub("-", wanted).strip("-") or "section"
        candidate, number = base, 2
        while candidate in self.ids:
            candidate, number = f"{base}-{number}", number + 1
        self.ids.add(candidate)
        return candidate


def _span(span: Span) -> str:
    text = "".join(f'<mark class="placeholder">{escape(piece)}</mark>' if placeholder
                   else escape(piece) for piece, placeholder in shown_pieces(span.text))
    if span.italic:
        text = f"<em>{text}</em>"
    if span.bold:
        text = f"<strong>{text}</strong>"
    return text


def _heading(section: Section) -> Heading | None:
    return next((b for b in section.blocks if isinstance(b, Heading)), None)


def _text(inlines: list[Inline]) -> str:
    return "".join(item.text if isinstance(item, Span) else " " for item in inlines)


def _listed_sections(blocks: list[Block], sections: list[Section]
                     ) -> tuple[Heading, ItemList] | None:
    """The template's own list of the numbered sections, with its heading: a heading
    followed at once by an ordered list, before the first section, whose items are the
    sections' titles in order (without their numbers, which the list's own numbers are)."""
    headings = [_heading(section) for section in sections]
    titles = [_NUMBER.sub("", _words(h.inlines)) for h in headings if h is not None]
    for heading, following in itertools.pairwise(blocks):
        if not titles or heading is sections[0]:
            break
        if isinstance(heading, Heading) and isinstance(following, ItemList) and \
                following.ordered and _item_texts(following.items) == titles:
            return heading, following
    return None


def _item_texts(items: list[ListItem]) -> list[str | None]:
    """Each item's words when it is one paragraph; None for any other item."""
    return [_words(item.blocks[0].inlines) if len(item.blocks) == 1 and
            isinstance(item.blocks[0], Paragraph) else None for item in items]


def _words(inlines: list[Inline]) -> str:
    """The words as read aloud, with one space between them."""
    return " ".join(plain_text(inlines).split())


def _merged(inlines: list[Inline]) -> list[Inline]:
    """Neighbouring spans of the same emphasis as one (the parser splits at entities)."""
    out: list[Inline] = []
    for item in inlines:
        last = out[-1] if out else None
        if isinstance(item, Span) and isinstance(last, Span) and \
                (last.bold, last.italic) == (item.bold, item.italic):
            out[-1] = replace(last, text=last.text + item.text)
        else:
            out.append(item)
    return out


def _without_page_fields(inlines: list[Inline]) -> list[Inline]:
    """The running text without its page number and count, and the words tied to them."""
    if not any(isinstance(item, PageField) for item in inlines):
        return inlines
    out: list[Inline] = []
    after_field = False
    for item in _merged(inlines):
        if isinstance(item, PageField):
            if out and isinstance(out[-1], Span):
                out[-1] = replace(out[-1], text=_TIED_BEFORE.sub("", out[-1].text))
            after_field = True
            continue
        if isinstance(item, Span) and after_field:
            item = replace(item, text=_TIED_AFTER.sub("", item.text))
        after_field = False
        out.append(item)
    spans = [item for item in out if not isinstance(item, Span) or item.text]
    if spans and isinstance(spans[-1], Span):
        spans[-1] = replace(spans[-1], text=spans[-1].text.rstrip(_LOOSE_ENDS))
    if spans and isinstance(spans[0], Span):
        spans[0] = replace(spans[0], text=spans[0].text.lstrip(_LOOSE_ENDS))
    return [item for item in spans if not isinstance(item, Span) or item.text]

"""A Document and a theme in, PDF bytes out: the tree laid out on pages with ReportLab.

`Layout` is the one entry the rest of leaflet calls. Everything visual comes from the
theme. The work sits in the modules beside it:

- `styles`: the paragraph style for each role, and the font table cells start in
- `inline`: content text as paragraph markup (escaping, doses kept whole, placeholders)
- `fragments`: that markup read into ReportLab's fragments without its HTML parser
- `subsets`: ReportLab's split of drawn text into subset codes, in C where nothing is new
- `widths`: ReportLab's text widths, each word's worked out once for its font and size
- `drawn_glyphs`: font subsets that embed only the glyphs drawn, with ASCII codes kept
- `subset_tags`: each subset's name tag made from what it holds, so the documents a file
  joins name different subsets apart (but by chance)
- `pdfdoc_encoding`: ReportLab's writing of text, names and numbers, the plain cases in C
- `written_against`: whether a ReportLab function is the one such a replacement expects
- `blocks`: headings, lists, boxed warnings, images
- `tables`: plain and dose tables, the tick chart
- `page`: page frames, the running header and footer ("Page X of Y")
- `marked`: flowables that draw themselves as tagged content (`leaflet.pdf.tagging`)

The structure tree is built here, beside the flowables, from the same blocks: each block
gets its element under the one it sits in, so the tree follows the Document.
"""

from __future__ import annotations

import io
import itertools
from typing import NamedTuple

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Table
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus.doctemplate import LayoutError as RLLayoutError

from leaflet.errors import LayoutError, Problem
from leaflet.pdf.fonts import FontSet
from leaflet.pdf.layout.blocks import (
    FindImage,
    callout,
    heading,
    image,
    item_list,
    load_qr_code,
    qr_code,
)
from leaflet.pdf.layout.drawn_glyphs import DrawnOnlyState  # noqa: F401  (in ReportLab's place)
from leaflet.pdf.layout.inline import InlineText, Locate, snippet
from leaflet.pdf.layout.marked import Tag
from leaflet.pdf.layout.page import Page, footer_canvas
from leaflet.pdf.layout.pdfdoc_encoding import pdfdoc_enc  # noqa: F401  (in ReportLab's place)
from leaflet.pdf.layout.styles import Styles
from leaflet.pdf.layout.subset_tags import add_objects  # noqa: F401  (in ReportLab's place)
from leaflet.pdf.layout.subsets import split_string  # noqa: F401  (in ReportLab's place)
from leaflet.pdf.layout.tables import chart, table
from leaflet.pdf.layout.widths import string_width  # noqa: F401  (in ReportLab's place)
from leaflet.pdf.tagging import Node, Tagger
from leaflet.render.markup import (
    Block,
    Callout,
    Document,
    Heading,
    Image,
    ItemList,
    Metadata,
    Paragraph,
    QRCode,
    Section,
    plain_text,
)
from leaflet.render.markup import (
    Table as TableBlock,
)
from leaflet.render.theme import Theme

__all__ = ["LaidOut", "Layout", "load_qr_code"]


class LaidOut(NamedTuple):
    """A document laid out: ReportLab's PDF, its number of pages, and the structure tree
    its pages' marked content belongs to (None when laid out untagged), which finishing
    writes into the file."""

    pdf: bytes
    pages: int
    tree: Node | None


class Layout:
    """Turns a Document into PDF bytes with one theme and one font set."""

    def __init__(self, theme: Theme, fonts: FontSet, locate: Locate,
                 find_image: FindImage = lambda src: None, tagged: bool = True) -> None:
        self.theme = theme
        self.tagged = tagged  # False only to measure what tagging costs
        self.find_image = find_image
        self.fonts = fonts
        self.locate = locate
        self.styles = Styles(theme, fonts)
        self.text = InlineText(theme, fonts, locate)
        self.page = Page(theme, fonts, self.styles, self.text)
        self.frame_height = self.page.height  # set for each document by render
        self.tagger = Tagger(tagged)  # a new one for each document
        self.heading_level = 0

    def render(self, document: Document, metadata: Metadata, pages_before: int = 0,
               pages_after: int = 0) -> LaidOut:
        """The document laid out. ``pages_before`` and ``pages_after`` count pages of other
        parts joined to this one, so its footers number the whole."""
        self.styles.wrap_for(metadata.language)
        width = self.page.column_width
        self.tagger = tagger = Tagger(self.tagged)
        self.heading_level = 0
        # the draft notice is read once, first; on later pages it is an artifact, as on the
        # pages of a part that comes after others (a personalised leaflet's shared pages)
        notice = tagger.root.add("P", actual_text=plain_text(document.header)) \
            if document.header and not pages_before else None
        header = self.page.running_box(document.header, tagger, notice)
        footer_space = self.page.footer_height(document.footer)
        self.frame_height = self.page.frame_height(header, footer_space)
        story = self.sequence(document.blocks, width, 0, tagger.root)
        short = self.page.height / 3  # a longer table starts where it is and splits
        for lead_in, following in itertools.pairwise(story):
            if (isinstance(lead_in, RLParagraph) and isinstance(following, Table)
                    and following.wrap(width, self.page.height)[1] < short):
                lead_in.keepWithNext = 1  # "The table shows ..." stays with its table
        buffer = io.BytesIO()
        template = self.page.doc_template(buffer, metadata, header, footer_space)
        pages: list[int] = []

        def footer(canvas: Canvas, page: int, total: int) -> None:
            pages.append(page)
            self.page.draw_header(canvas, header, page == 1 and notice is not None)
            self.page.draw_footer(canvas, document.footer, pages_before + page,
                                  pages_before + total + pages_after, tagger)

        canvas_class = footer_canvas(footer, tagger)
        try:
            template.build(story, canvasmaker=canvas_class)
        except RLLayoutError as exc:
            raise LayoutError(Problem("<layout>", None, None,
                                      f"could not fit on a page: {snippet(str(exc))}")) from exc
        return LaidOut(buffer.getvalue(), len(pages), tagger.root if tagger.enabled else None)

    def sequence(self, blocks: list[Block], width: float, depth: int,
                 parent: Node) -> list[Flowable]:
        """Blocks one after another; a paragraph just before a list is its lead-in ("Baclofen
        is used to treat:") and stays on the page of the list's first items."""
        flowables: list[Flowable] = []
        for block, following in zip(blocks, [*blocks[1:], None], strict=True):
            laid = self.block(block, width, depth, parent)
            if laid and isinstance(block, Paragraph) and isinstance(following, ItemList):
                laid[-1].keepWithNext = 1
            flowables.extend(laid)
        return flowables

    def block(self, block: Block, width: float, depth: int, parent: Node) -> list[Flowable]:
        """The flowables for one block at a width, its element added under ``parent``.
        Blocks inside a list item, box or table cell come back through here, so they are
        drawn (and tagged) as they would be anywhere else."""
        tagger = self.tagger
        if isinstance(block, Paragraph):
            node = parent.add("P", actual_text=plain_text(block.inlines))
            return [self.text.paragraph(block.inlines, self.styles[block.style], block.line,
                                        tag=Tag(tagger, node))]
        if isinstance(block, Heading):
            # tagged by its place in the outline: never more than one level below the last
            level = min(block.level, self.heading_level + 1)
            self.heading_level = level
            words = plain_text(block.inlines)
            node = parent.add(f"H{level}", actual_text=words)
            outline = (words, level - 1) if level <= 2 else None
            return heading(block, self.theme, self.styles, self.text,
                           Tag(tagger, node, outline=outline))
        if isinstance(block, ItemList):
            return item_list(block, width, depth + 1, self.theme, self.styles, self.text,
                             self.block, parent.add("L", numbering="Decimal" if block.ordered
                                                    else "Disc"), tagger)
        if isinstance(block, TableBlock):
            node = parent.add("Table")
            return [chart(block, width, self.theme, self.styles, self.fonts, self.text,
                          self.locate, node, tagger) if block.style == "chart"
                    else table(block, width, self.theme, self.styles, self.text, self.block,
                               node, tagger)]
        if isinstance(block, Callout):
            return callout(block, width, self.frame_height, self.theme, self.styles,
                           self.block, self.locate, parent.add("Sect", title=_title(block)),
                           tagger)
        if isinstance(block, Section):
            return self.sequence(block.blocks, width, depth,
                                 parent.add("Sect", title=_title(block)))
        if isinstance(block, Image):
            node = parent.add("Figure", alt=block.alt)
            return [image(block, width, self.find_image, self.locate, Tag(tagger, node))]
        if isinstance(block, QRCode):
            return qr_code(block, width, self.theme, self.styles, self.text, parent.add("P"),
                           tagger)
        raise AssertionError(f"unknown block {block!r}")


def _title(block: Callout | Section) -> str | None:
    """A box's or section's title: the words of the heading it opens with."""
    first = block.blocks[0] if block.blocks else None
    return plain_text(first.inlines) if isinstance(first, Heading) else None

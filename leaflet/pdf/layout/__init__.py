"""A Document and a theme in, PDF bytes out: the tree laid out on pages with ReportLab.

`Layout` is the one entry the rest of leaflet calls. Everything visual comes from the
theme. The work sits in the modules beside it:

- `styles`: the paragraph style for each role, and the font table cells start in
- `inline`: content text as paragraph markup (escaping, doses kept whole, placeholders)
- `blocks`: headings, lists, boxed warnings, images
- `tables`: plain and dose tables, the tick chart
- `page`: page frames, the running header and footer ("Page X of Y")
"""

from __future__ import annotations

import io
import itertools

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Table
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus.doctemplate import LayoutError as RLLayoutError

from leaflet.errors import LayoutError, Problem
from leaflet.pdf.fonts import FontSet
from leaflet.pdf.layout.blocks import FindImage, callout, heading, image, item_list
from leaflet.pdf.layout.inline import InlineText, Locate, snippet
from leaflet.pdf.layout.page import Page, footer_canvas
from leaflet.pdf.layout.styles import Styles
from leaflet.pdf.layout.tables import chart, table
from leaflet.render.markup import (
    Block,
    Callout,
    Document,
    Heading,
    Image,
    ItemList,
    Metadata,
    Paragraph,
    Section,
)
from leaflet.render.markup import (
    Table as TableBlock,
)
from leaflet.render.theme import Theme


class Layout:
    """Turns a Document into PDF bytes with one theme and one font set."""

    def __init__(self, theme: Theme, fonts: FontSet, locate: Locate,
                 find_image: FindImage = lambda src: None) -> None:
        self.theme = theme
        self.find_image = find_image
        self.fonts = fonts
        self.locate = locate
        self.styles = Styles(theme, fonts)
        self.text = InlineText(theme, fonts, locate)
        self.page = Page(theme, fonts, self.styles, self.text)
        self.frame_height = self.page.height  # set for each document by render

    def render(self, document: Document, metadata: Metadata, pages_before: int = 0,
               pages_after: int = 0) -> tuple[bytes, int]:
        """The PDF bytes and the number of pages. ``pages_before`` and ``pages_after`` count
        pages of other parts joined to this one, so its footers number the whole."""
        self.styles.wrap_for(metadata.language)
        width = self.page.column_width
        header = self.page.running_box(document.header)
        footer_space = self.page.footer_height(document.footer)
        self.frame_height = self.page.frame_height(header, footer_space)
        story = [f for block in document.blocks for f in self.block(block, width)]
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
            self.page.draw_header(canvas, header)
            self.page.draw_footer(canvas, document.footer, pages_before + page,
                                  pages_before + total + pages_after)

        canvas_class = footer_canvas(footer)
        try:
            template.build(story, canvasmaker=canvas_class)
        except RLLayoutError as exc:
            raise LayoutError(Problem("<layout>", None, None,
                                      f"could not fit on a page: {snippet(str(exc))}")) from exc
        return buffer.getvalue(), len(pages)

    def block(self, block: Block, width: float, depth: int = 0) -> list[Flowable]:
        """The flowables for one block at a width. Blocks inside a list item, box or table
        cell come back through here, so they are drawn as they would be anywhere else."""
        if isinstance(block, Paragraph):
            return [self.text.paragraph(block.inlines, self.styles[block.style], block.line)]
        if isinstance(block, Heading):
            return heading(block, self.theme, self.styles, self.text)
        if isinstance(block, ItemList):
            return item_list(block, width, depth + 1, self.theme, self.styles, self.text,
                             self.block)
        if isinstance(block, TableBlock):
            return [chart(block, width, self.theme, self.styles, self.fonts, self.text,
                          self.locate) if block.style == "chart"
                    else table(block, width, self.theme, self.styles, self.text, self.block)]
        if isinstance(block, Callout):
            return callout(block, width, self.frame_height, self.theme, self.styles,
                           self.block, self.locate)
        if isinstance(block, Section):
            return [f for child in block.blocks for f in self.block(child, width, depth)]
        if isinstance(block, Image):
            return [image(block, width, self.find_image, self.locate)]
        raise AssertionError(f"unknown block {block!r}")

"""Lay the document tree out on pages with ReportLab and return the PDF bytes.

Everything visual comes from the theme. Text is escaped piece by piece and tags
are built only from the tree, so '&' or '<' in content can never corrupt a
paragraph. Warnings are boxed and bold as well as coloured.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportlab import rl_config
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import Image as RLImage
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus.doctemplate import LayoutError as RLLayoutError
from reportlab.platypus.flowables import HRFlowable

from leaflet.errors import FontError, LayoutError, MarkupError, Problem
from leaflet.pdf.fonts import FontSet, describe_char
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
    Metadata,
    PageField,
    Paragraph,
    Section,
    Span,
)
from leaflet.render.markup import (
    Table as TableBlock,
)
from leaflet.render.theme import Theme

# Streams stay binary (zlib only): ASCII85 makes files a quarter larger and costs time on
# every build and every inspection, for no gain in a file that is printed or emailed.
rl_config.useA85 = 0

PLACEHOLDER = re.compile(r"(\[[^\[\]]+\])")
# "10" at a line's end and "mg" on the next is a misread dose: number and unit stay together.
DOSE_UNIT = re.compile(r"(?<=\d) (?=(?:mg|g|micrograms|ml|°C)\b)")
DOSE_COLUMNS = (0.34, 0.2, 0.22, 0.24)
TICK_BOX = "\u2610"  # BALLOT BOX; the fallback font (DejaVu Sans) draws it
Locate = Callable[[int], tuple[str, "int | None"]]
FindImage = Callable[[str], "Path | None"]


class Styles:
    """Paragraph styles derived from the theme, one per role."""

    def __init__(self, theme: Theme, fonts: FontSet) -> None:
        body = theme.size("body")
        regular = fonts.body.face(False, False).name
        bold = fonts.body.face(True, False).name
        self.base = ParagraphStyle(
            "body", fontName=regular, fontSize=body, leading=body * theme.line_spacing,
            textColor=theme.colour("text"), alignment=TA_LEFT, spaceAfter=theme.space("paragraph"),
            bulletFontName=regular, bulletFontSize=body, allowWidows=0, allowOrphans=0,
        )
        self.roles: dict[str, ParagraphStyle] = {"body": self.base}
        for level, role in ((1, "h1"), (2, "h2"), (3, "h3")):
            size = theme.size(role)
            self.roles[role] = ParagraphStyle(
                role, parent=self.base, fontName=bold, fontSize=size,
                leading=size * 1.25, keepWithNext=1,
                textColor=theme.colour("heading" if level < 3 else "text"),
                spaceBefore=theme.space("section") if level == 2 else theme.space("paragraph") * 2,
                spaceAfter=theme.space("paragraph") * (2 if level < 3 else 1),
            )
        self.roles["lead"] = ParagraphStyle("lead", parent=self.roles["h3"], spaceBefore=0,
                                            keepWithNext=1, textColor=theme.colour("heading"))
        self.roles["medicine"] = ParagraphStyle("medicine", parent=self.base,
                                                fontSize=theme.size("h3"),
                                                leading=theme.size("h3") * 1.3,
                                                spaceAfter=theme.space("section"))
        small = theme.size("small")
        self.roles["small"] = ParagraphStyle("small", parent=self.base, fontSize=small,
                                             leading=small * theme.line_spacing)
        self.roles["footer"] = ParagraphStyle("footer", parent=self.roles["small"], spaceAfter=0)
        self.roles["notice"] = ParagraphStyle("notice", parent=self.base, fontName=bold,
                                              spaceAfter=0)

    def __getitem__(self, role: str) -> ParagraphStyle:
        return self.roles[role]

    def indented(self, role: str, depth: int, indent: float) -> ParagraphStyle:
        base = self.roles[role]
        return ParagraphStyle(f"{role}-list{depth}", parent=base,
                              leftIndent=base.leftIndent + indent * depth,
                              bulletIndent=base.leftIndent + indent * (depth - 1) + 1,
                              spaceAfter=base.spaceAfter * 0.6)


class Layout:
    """Turns a Document into PDF bytes with one theme and one font set."""

    def __init__(self, theme: Theme, fonts: FontSet, locate: Locate,
                 find_image: FindImage = lambda src: None) -> None:
        self.theme = theme
        self.find_image = find_image
        self.fonts = fonts
        self.locate = locate
        self.styles = Styles(theme, fonts)
        width, height = theme.page_size
        self.page_height = height
        self.text_width = width - theme.margin("left") - theme.margin("right")
        self.column_width = (self.text_width - theme.column_gap * (theme.columns - 1)) \
            / theme.columns

    def render(self, document: Document, metadata: Metadata, pages_before: int = 0,
               pages_after: int = 0) -> tuple[bytes, int]:
        """The PDF bytes and the number of pages. ``pages_before`` and ``pages_after`` count
        pages of other parts joined to this one, so its footers number the whole."""
        story = [f for block in document.blocks for f in self.block(block, self.column_width)]
        short = self.page_height / 3  # a longer table starts where it is and splits
        for lead_in, following in itertools.pairwise(story):
            if (isinstance(lead_in, RLParagraph) and isinstance(following, Table)
                    and following.wrap(self.column_width, self.page_height)[1] < short):
                lead_in.keepWithNext = 1  # "The table shows ..." stays with its table
        buffer = io.BytesIO()
        header = self._running_box(document.header)
        template = self._doc_template(buffer, metadata, header,
                                      self._footer_height(document.footer))
        pages: list[int] = []

        def footer(canvas: Canvas, page: int, total: int) -> None:
            pages.append(page)
            self._draw_header(canvas, header)
            self._draw_footer(canvas, document.footer, pages_before + page,
                              pages_before + total + pages_after)

        canvas_class = _footer_canvas(footer)
        try:
            template.build(story, canvasmaker=canvas_class)
        except RLLayoutError as exc:
            raise LayoutError(Problem("<layout>", None, None,
                                      f"could not fit on a page: {_snippet(str(exc))}")) from exc
        return buffer.getvalue(), len(pages)

    def _footer_height(self, inlines: list[Inline]) -> float:
        """Room the footer needs (it may wrap on narrow paper), measured with the widest
        page numbers it could show, plus the gap and rule above it."""
        if not inlines:
            return 0.0
        text = self.inline_markup(inlines, 0, fields={"number": "9999", "count": "9999"})
        _, height = RLParagraph(text, self.styles["footer"]).wrap(self.text_width,
                                                                  self.page_height)
        return height + 4 * mm

    def _doc_template(self, buffer: io.BytesIO, metadata: Metadata,
                      header: Table | None, footer_space: float) -> BaseDocTemplate:
        theme = self.theme
        bottom = theme.margin("bottom") + footer_space
        header_space = self._height(header) + theme.space("section") if header else 0
        frame_height = self.page_height - theme.margin("top") - header_space - bottom
        frames = [
            Frame(theme.margin("left") + i * (self.column_width + theme.column_gap), bottom,
                  self.column_width, frame_height, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0, id=f"column{i + 1}")
            for i in range(theme.columns)
        ]
        regular = self.fonts.body.face(False, False).name
        template = BaseDocTemplate(
            buffer, pagesize=theme.page_size, leftMargin=theme.margin("left"),
            rightMargin=theme.margin("right"), topMargin=theme.margin("top"),
            bottomMargin=bottom, title=metadata.title, author=metadata.author,
            subject=metadata.subject, keywords=", ".join(metadata.keywords),
            creator="leaflet", producer="leaflet", invariant=1,
            initialFontName=regular, initialFontSize=theme.size("body"),
            initialLeading=theme.size("body") * theme.line_spacing,
        )
        template.addPageTemplates([PageTemplate(id="page", frames=frames)])
        return template

    def _running_box(self, inlines: list[Inline]) -> Table | None:
        """The header, boxed like an urgent warning: on every page, above the text (a draft
        notice must be impossible to miss on any single page)."""
        if not inlines:
            return None
        paragraph = RLParagraph(self.inline_markup(inlines, 0), self.styles["notice"])
        return Table([[paragraph]], colWidths=[self.text_width],
                     style=self._box_style("urgent"), hAlign="LEFT")

    def _height(self, box: Table) -> float:
        return box.wrap(self.text_width, self.page_height)[1]

    def _draw_header(self, canvas: Canvas, box: Table | None) -> None:
        if box is None:
            return
        canvas.saveState()
        box.drawOn(canvas, self.theme.margin("left"),
                   self.page_height - self.theme.margin("top") - self._height(box))
        canvas.restoreState()

    def _draw_footer(self, canvas: Canvas, inlines: list[Inline], page: int, total: int) -> None:
        if not inlines:
            return
        theme = self.theme
        text = self.inline_markup(inlines, 0, fields={"number": str(page), "count": str(total)})
        paragraph = RLParagraph(text, self.styles["footer"])
        _, height = paragraph.wrap(self.text_width, self.page_height)
        y = theme.margin("bottom")
        canvas.saveState()
        canvas.setStrokeColor(theme.colour("rule"))
        canvas.setLineWidth(0.5)
        top = y + height + 2 * mm
        canvas.line(theme.margin("left"), top, theme.margin("left") + self.text_width, top)
        paragraph.drawOn(canvas, theme.margin("left"), y)
        canvas.restoreState()

    # blocks

    def block(self, block: Block, width: float, depth: int = 0) -> list[Flowable]:
        if isinstance(block, Paragraph):
            return [self.paragraph(block.inlines, self.styles[block.style], block.line)]
        if isinstance(block, Heading):
            heading = self.paragraph(block.inlines, self.styles[f"h{block.level}"], block.line)
            if block.level != 2:
                return [heading]
            rule = HRFlowable(width="100%", thickness=1, color=self.theme.colour("rule"),
                              spaceBefore=self.theme.space("section"), spaceAfter=2)
            rule.keepWithNext = 1
            heading.style = ParagraphStyle("h2-ruled", parent=heading.style, spaceBefore=0)
            return [rule, heading]
        if isinstance(block, ItemList):
            return self.item_list(block, width, depth + 1)
        if isinstance(block, TableBlock):
            return [self.chart(block, width) if block.style == "chart"
                    else self.table(block, width)]
        if isinstance(block, Callout):
            return self.callout(block, width)
        if isinstance(block, Section):
            return [f for child in block.blocks for f in self.block(child, width, depth)]
        if isinstance(block, Image):
            return [self.image(block, width)]
        raise AssertionError(f"unknown block {block!r}")

    def paragraph(self, inlines: list[Inline], style: ParagraphStyle, line: int,
                  bullet: str | None = None) -> RLParagraph:
        return RLParagraph(self.inline_markup(inlines, line), style, bulletText=bullet)

    def item_list(self, block: ItemList, width: float, depth: int) -> list[Flowable]:
        indent = self.theme.space("list_indent")
        style = self.styles.indented("body", depth, indent)
        flowables: list[Flowable] = []
        for number, item in enumerate(block.items, start=1):
            bullet = f"{number}." if block.ordered else "•"
            for index, child in enumerate(item.blocks):
                if isinstance(child, Paragraph):
                    flowables.append(self.paragraph(child.inlines, style, child.line,
                                                    bullet if index == 0 else None))
                else:
                    flowables.extend(self.block(child, width, depth))
        if flowables:
            flowables[-1].style = ParagraphStyle("list-end", parent=flowables[-1].style,
                                                 spaceAfter=self.theme.space("paragraph"))
        return flowables

    def table(self, block: TableBlock, width: float) -> Table:
        theme = self.theme
        columns = max(len(row) for row in block.rows)
        shares = DOSE_COLUMNS if block.style == "dose" and columns == len(DOSE_COLUMNS) \
            else (1 / columns,) * columns
        widths = [width * share for share in shares]
        cell_style = ParagraphStyle("cell", parent=self.styles["body"], spaceAfter=0)
        data: list[list[Any]] = []
        for row in block.rows:
            cells: list[Any] = []
            for cell, cell_width in zip(row, widths, strict=False):
                flows: list[Flowable] = []
                for child in cell.blocks:
                    if isinstance(child, Paragraph):
                        inlines = [Span(s.text, True, s.italic) if isinstance(s, Span)
                                   and cell.header else s for s in child.inlines]
                        flows.append(self.paragraph(inlines, cell_style, child.line))
                    else:
                        flows.extend(self.block(child, cell_width))
                cells.append(flows)
            cells.extend([""] * (columns - len(cells)))
            data.append(cells)
        header_rows = 1 if block.rows and all(c.header for c in block.rows[0]) else 0
        style = [
            *self._cell_font(),
            ("GRID", (0, 0), (-1, -1), 0.75, theme.colour("table_border")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ]
        if header_rows:
            style.append(("BACKGROUND", (0, 0), (-1, 0), theme.colour("table_header_background")))
            style.append(("LINEBELOW", (0, 0), (-1, 0), 1.5, theme.colour("table_border")))
        table = Table(data, colWidths=widths, repeatRows=header_rows, splitByRow=1,
                      style=TableStyle(style), hAlign="LEFT", spaceBefore=2,
                      spaceAfter=theme.space("paragraph") * 2)
        return table

    def image(self, block: Image, width: float) -> RLImage:
        """An image from inside the template set, scaled to its width, never wider than
        the column."""
        path = self.find_image(block.src)
        if path is None:
            name, line = self.locate(block.line)
            raise MarkupError(Problem(name, line, None, f"image {block.src!r} not found inside "
                                      "the template folder"))
        try:
            pixel_width, pixel_height = ImageReader(str(path)).getSize()
        except Exception as exc:  # ReportLab raises plain exceptions for unreadable images
            name, line = self.locate(block.line)
            raise MarkupError(Problem(name, line, None, f"image {block.src!r} cannot be read: "
                                      f"{exc}")) from exc
        drawn = min(block.width_mm * mm, width)
        picture = RLImage(str(path), width=drawn, height=drawn * pixel_height / pixel_width)
        picture.hAlign = "LEFT"
        return picture

    def chart(self, block: TableBlock, width: float) -> Table:
        """A tick chart: label columns as wide as they can be, then one narrow column per
        time of day, holding a box for each dose to tick (or a word where there is none).
        Plain cells are drawn as strings, not paragraphs: a chart has a hundred of them."""
        theme = self.theme
        size = theme.values["type"].get("tick_box_size") or theme.size("h2")
        padding = theme.space("box_padding")
        body = self.styles["body"]
        cell_style = ParagraphStyle("chart-cell", parent=body, spaceAfter=0)
        centred = ParagraphStyle("chart-centred", parent=cell_style, alignment=TA_CENTER)
        rows = block.rows
        columns = max(len(row) for row in rows)
        labels = min((i for row in rows for i, cell in enumerate(row) if cell.box),
                     default=columns)
        bold = self.fonts.body.face(True, False).name
        box_face = self.fonts.fallback.face(False, False)
        if TICK_BOX not in box_face.chars:
            name, line = self.locate(block.line)
            raise FontError(Problem(name, line, None, f"{describe_char(TICK_BOX)} is not in the "
                                    "fallback font; the dose chart needs it"))
        box_width = max([stringWidth(TICK_BOX, box_face.name, size)] + [
            stringWidth(_plain(cell), bold, body.fontSize) for row in rows
            for cell in row[labels:]]) + 2 * padding
        label_width = (width - box_width * (columns - labels)) / max(labels, 1)
        widths = [label_width] * labels + [box_width] * (columns - labels)
        regular = self.fonts.body.face(False, False).chars
        data: list[list[Any]] = []
        for row in rows:
            cells: list[Any] = []
            for index, cell in enumerate(row):
                text = _plain(cell)
                if cell.box:
                    cells.append(TICK_BOX)
                elif (not cell.header and index < labels and _single_plain_span(cell)
                        and regular.issuperset(text) and not PLACEHOLDER.search(text)):
                    cells.append(text)
                else:
                    style = cell_style if index < labels else centred
                    cells.append([self.paragraph(
                        [Span(s.text, s.bold or cell.header, s.italic) if isinstance(s, Span)
                         else s for s in child.inlines], style, child.line)
                        for child in cell.blocks if isinstance(child, Paragraph)])
            cells.extend([""] * (columns - len(cells)))
            data.append(cells)
        header = 1 if all(c.header for c in rows[0]) else 0
        style = [
            *self._cell_font(),
            ("FONTNAME", (labels, header), (-1, -1), box_face.name),
            ("FONTSIZE", (labels, header), (-1, -1), size),
            ("LEADING", (labels, header), (-1, -1), size),
            ("ALIGN", (labels, header), (-1, -1), "CENTER"),
            ("GRID", (0, 0), (-1, -1), 0.75, theme.colour("table_border")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), padding),
            ("RIGHTPADDING", (0, 0), (-1, -1), padding),
            ("TOPPADDING", (0, 0), (-1, -1), theme.space("paragraph")),
            ("BOTTOMPADDING", (0, 0), (-1, -1), theme.space("paragraph")),
        ]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), theme.colour("table_header_background")))
        return Table(data, colWidths=widths, repeatRows=header, splitByRow=1,
                     style=TableStyle(style), hAlign="LEFT", spaceBefore=2,
                     spaceAfter=theme.space("paragraph") * 2)

    def _cell_font(self) -> list[tuple[Any, ...]]:
        """Table cells default to Helvetica, which would be referenced unembedded."""
        size = self.theme.size("body")
        return [("FONTNAME", (0, 0), (-1, -1), self.fonts.body.face(False, False).name),
                ("FONTSIZE", (0, 0), (-1, -1), size),
                ("LEADING", (0, 0), (-1, -1), size * self.theme.line_spacing)]

    def callout(self, block: Callout, width: float) -> list[Flowable]:
        """A box drawn as a one-column table, one row per flowable, so it splits across pages
        with its border on each part."""
        theme = self.theme
        padding = theme.space("box_padding")
        inner = width - 2 * padding
        rows = [[f] for child in block.blocks for f in self.block(child, inner)]
        box = Table(rows, colWidths=[width], style=self._box_style(block.kind), splitByRow=1,
                    splitInRow=1, hAlign="LEFT", spaceBefore=theme.space("paragraph"),
                    spaceAfter=theme.space("section"))
        return [box, Spacer(0, 0)]

    def _box_style(self, kind: str) -> TableStyle:
        """A one-column table drawn as a box: 'important' or 'urgent' (thicker border)."""
        theme = self.theme
        padding = theme.space("box_padding")
        thickness = 3 if kind == "urgent" else 1.75
        return TableStyle([
            *self._cell_font(),
            ("BOX", (0, 0), (-1, -1), thickness, theme.colour(f"{kind}_border")),
            ("BACKGROUND", (0, 0), (-1, -1), theme.colour(f"{kind}_background")),
            ("LEFTPADDING", (0, 0), (-1, -1), padding),
            ("RIGHTPADDING", (0, 0), (-1, -1), padding),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, 0), padding),
            ("BOTTOMPADDING", (0, -1), (-1, -1), padding),
        ])

    # inline text

    def inline_markup(self, inlines: list[Inline], line: int,
                      fields: dict[str, str] | None = None) -> str:
        """ReportLab paragraph markup: escaped text, fallback runs, highlighted placeholders."""
        parts: list[str] = []
        for item in inlines:
            if isinstance(item, Break):
                parts.append("<br/>")
            elif isinstance(item, PageField):
                parts.append((fields or {}).get(item.kind, ""))
            else:
                parts.append(self._span(item, line))
        return "".join(parts)

    def _span(self, span: Span, line: int) -> str:
        missing = self.fonts.missing(span.text)
        if missing:
            name, template_line = self.locate(line)
            raise FontError(Problem(name, template_line, None,
                                    f"{describe_char(missing[0])} is in none of the bundled "
                                    f"fonts (in {_snippet(span.text)!r})"))
        pieces = []
        for index, piece in enumerate(PLACEHOLDER.split(DOSE_UNIT.sub("\u00a0", span.text))):
            if not piece:
                continue
            text = self.fonts.runs(piece, span.bold, span.italic)
            if index % 2:
                colour = self.theme.values["colours"]["placeholder_background"]
                text = f'<span backColor="{colour}">{text}</span>'
            pieces.append(text)
        text = "".join(pieces)
        if span.bold:
            text = f"<b>{text}</b>"
        if span.italic:
            text = f"<i>{text}</i>"
        return text


def _single_plain_span(cell: Cell) -> bool:
    """One paragraph of one run of regular text: a cell a string can draw."""
    return (len(cell.blocks) == 1 and isinstance(cell.blocks[0], Paragraph)
            and len(cell.blocks[0].inlines) == 1 and isinstance(cell.blocks[0].inlines[0], Span)
            and not cell.blocks[0].inlines[0].bold and not cell.blocks[0].inlines[0].italic)


def _plain(cell: Cell) -> str:
    """A cell's text without emphasis, to measure how wide its column must be."""
    return " ".join("".join(i.text for i in block.inlines if isinstance(i, Span))
                    for block in cell.blocks if isinstance(block, Paragraph))


def _snippet(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _footer_canvas(draw: Callable[[Canvas, int, int], None]) -> type[Canvas]:
    """A canvas that holds every page until the end, so each footer can say 'of N'."""

    class FooterCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held_pages)
            for number, state in enumerate(self._held_pages, start=1):
                self.__dict__.update(state)
                draw(self, number, total)
                super().showPage()
            super().save()

    return FooterCanvas

"""Tables: plain and dose tables, and the tick chart a patient marks each dose on."""

from __future__ import annotations

from typing import Any

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Table, TableStyle

from leaflet.errors import FontError, Problem
from leaflet.pdf.fonts import FontSet, describe_char
from leaflet.pdf.layout.blocks import LayBlock
from leaflet.pdf.layout.inline import InlineText, Locate
from leaflet.pdf.layout.marked import ARTIFACT, CellMark, CellMarks, Tag
from leaflet.pdf.layout.styles import Styles
from leaflet.pdf.tagging import Node, Tagger
from leaflet.render.markup import PLACEHOLDER, Cell, Paragraph, Span, plain_text
from leaflet.render.markup import Table as TableBlock
from leaflet.render.theme import Theme

# A dose table's four columns as shares of the width; other tables share it evenly.
DOSE_COLUMNS = (0.34, 0.2, 0.22, 0.24)
TICK_BOX = "\u2610"  # BALLOT BOX; the fallback font (DejaVu Sans) draws it
TICK_BOX_ALT = "box to tick"


def cell_node(row: Node, cell: Cell, first_row: bool) -> Node:
    """TH (with its scope: a first row of them heads columns, any other heads its row) or
    TD; a cell of one paragraph is its own text, so it carries that text as ActualText."""
    node = row.add("TH", scope="Column" if first_row else "Row") if cell.header \
        else row.add("TD")
    if len(cell.blocks) == 1 and isinstance(cell.blocks[0], Paragraph):
        node.actual_text = plain_text(cell.blocks[0].inlines)
    return node


def table(block: TableBlock, width: float, theme: Theme, styles: Styles, text: InlineText,
          lay: LayBlock, node: Node, tagger: Tagger) -> Table:
    """A gridded table. Header cells are bold; a first row of them is shaded and repeats on
    each page the table splits onto."""
    columns = max(len(row) for row in block.rows)
    shares = DOSE_COLUMNS if block.style == "dose" and columns == len(DOSE_COLUMNS) \
        else (1 / columns,) * columns
    widths = [width * share for share in shares]
    cell_style = ParagraphStyle("cell", parent=styles["body"], spaceAfter=0)
    data: list[list[Any]] = []
    marks: list[list[CellMark]] = []
    for number, row in enumerate(block.rows):
        cells: list[Any] = []
        tr = node.add("TR")
        for cell, cell_width in zip(row, widths, strict=False):
            flows: list[Flowable] = []
            own = cell_node(tr, cell, number == 0)
            for child in cell.blocks:
                if isinstance(child, Paragraph):
                    inlines = [Span(s.text, True, s.italic) if isinstance(s, Span)
                               and cell.header else s for s in child.inlines]
                    target = own if own.actual_text is not None else own.add(
                        "P", actual_text=plain_text(child.inlines))
                    flows.append(text.paragraph(inlines, cell_style, child.line,
                                                tag=Tag(tagger, target)))
                else:
                    flows.extend(lay(child, cell_width, 0, own))
            cells.append(flows)
        row_marks: list[CellMark] = [None] * len(cells)
        for _ in range(columns - len(cells)):
            tr.add("TD")
            row_marks.append(ARTIFACT)
        cells.extend([""] * (columns - len(cells)))
        data.append(cells)
        marks.append(row_marks)
    header_rows = 1 if block.rows and all(c.header for c in block.rows[0]) else 0
    style = [
        *styles.cell_font,
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
    callback = CellMarks(tagger)
    return callback.register(Table(data, colWidths=widths, repeatRows=header_rows, splitByRow=1,
                                   style=TableStyle(style), hAlign="LEFT", spaceBefore=2,
                                   spaceAfter=theme.space("paragraph") * 2, renderCB=callback),
                             marks)


def chart(block: TableBlock, width: float, theme: Theme, styles: Styles, fonts: FontSet,
          text: InlineText, locate: Locate, node: Node, tagger: Tagger) -> Table:
    """A tick chart: label columns as wide as they can be, then one narrow column per
    time of day, holding a box for each dose to tick (or a word where there is none).
    Plain cells are drawn as strings, not paragraphs: a chart has a hundred of them."""
    size = theme.values["type"].get("tick_box_size") or theme.size("h2")
    padding = theme.space("box_padding")
    body = styles["body"]
    cell_style = ParagraphStyle("chart-cell", parent=body, spaceAfter=0)
    centred = ParagraphStyle("chart-centred", parent=cell_style, alignment=TA_CENTER)
    rows = block.rows
    columns = max(len(row) for row in rows)
    labels = min((i for row in rows for i, cell in enumerate(row) if cell.box),
                 default=columns)
    bold = fonts.body.face(True, False).name
    box_face = fonts.fallback.face(False, False)
    if TICK_BOX not in box_face.chars:
        name, line = locate(block.line)
        raise FontError(Problem(name, line, None, f"{describe_char(TICK_BOX)} is not in the "
                                "fallback font; the dose chart needs it"))
    # A CJK document's cells keep an em free on the right (styles.py): "20:00" still fits.
    box_width = max([stringWidth(TICK_BOX, box_face.name, size)] + [
        stringWidth(_plain(cell), bold, body.fontSize) for row in rows
        for cell in row[labels:]]) + 2 * padding + cell_style.rightIndent
    label_width = (width - box_width * (columns - labels)) / max(labels, 1)
    widths = [label_width] * labels + [box_width] * (columns - labels)
    regular = fonts.body.face(False, False).chars
    data: list[list[Any]] = []
    marks: list[list[CellMark]] = []
    for number, row in enumerate(rows):
        cells: list[Any] = []
        row_marks: list[CellMark] = []
        tr = node.add("TR")
        for index, cell in enumerate(row):
            plain = _plain(cell)
            own = cell_node(tr, cell, number == 0)
            if cell.box:
                cells.append(TICK_BOX)
                row_marks.append(own.add("Figure", alt=TICK_BOX_ALT))
            elif (not cell.header and index < labels and _single_plain_span(cell)
                    and regular.issuperset(plain) and not PLACEHOLDER.search(plain)):
                cells.append(plain)
                row_marks.append(own)
            else:
                style = cell_style if index < labels else centred
                paragraphs = [child for child in cell.blocks if isinstance(child, Paragraph)]
                cells.append([text.paragraph(
                    [Span(s.text, s.bold or cell.header, s.italic) if isinstance(s, Span)
                     else s for s in child.inlines], style, child.line,
                    tag=Tag(tagger, own if own.actual_text is not None else own.add(
                        "P", actual_text=plain_text(child.inlines))))
                    for child in paragraphs])
                row_marks.append(None)
        for _ in range(columns - len(cells)):
            tr.add("TD")
            row_marks.append(ARTIFACT)
        cells.extend([""] * (columns - len(cells)))
        data.append(cells)
        marks.append(row_marks)
    header = 1 if all(c.header for c in rows[0]) else 0
    style = [
        *styles.cell_font,
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
    callback = CellMarks(tagger)
    return callback.register(Table(data, colWidths=widths, repeatRows=header, splitByRow=1,
                                   style=TableStyle(style), hAlign="LEFT", spaceBefore=2,
                                   spaceAfter=theme.space("paragraph") * 2, renderCB=callback),
                             marks)


def _single_plain_span(cell: Cell) -> bool:
    """One paragraph of one run of regular text: a cell a string can draw."""
    return (len(cell.blocks) == 1 and isinstance(cell.blocks[0], Paragraph)
            and len(cell.blocks[0].inlines) == 1 and isinstance(cell.blocks[0].inlines[0], Span)
            and not cell.blocks[0].inlines[0].bold and not cell.blocks[0].inlines[0].italic)


def _plain(cell: Cell) -> str:
    """A cell's text without emphasis, to measure how wide its column must be."""
    return " ".join("".join(i.text for i in block.inlines if isinstance(i, Span))
                    for block in cell.blocks if isinstance(block, Paragraph))

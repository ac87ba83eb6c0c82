"""Headings, lists, boxed warnings and images as ReportLab flowables.

Plain paragraphs are one call in the dispatch (`Layout.block`); tables have their own
module. Warnings are boxed and bold as well as coloured.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from leaflet.errors import LayoutError, MarkupError, Problem
from leaflet.pdf.layout.inline import InlineText, Locate, snippet
from leaflet.pdf.layout.marked import ARTIFACT, CellMarks, MarkedImage, RuleArtifact, Tag
from leaflet.pdf.layout.styles import Styles
from leaflet.pdf.tagging import Node, Tagger
from leaflet.render.images import read_image
from leaflet.render.markup import (
    Block,
    Break,
    Callout,
    Heading,
    Image,
    ItemList,
    Paragraph,
    QRCode,
    Span,
    plain_text,
)
from leaflet.render.theme import Theme

# Lays a nested block out at a width and list depth under a structure element: the Layout's
# own dispatch, passed in so a block inside a list item, box or table cell is drawn (and
# tagged) as it would be anywhere else.
LayBlock = Callable[[Block, float, int, Node], list[Flowable]]
# An image's src to its file inside the template set, or None.
FindImage = Callable[[str], "Path | None"]


def heading(block: Heading, theme: Theme, styles: Styles, text: InlineText,
            tag: Tag) -> list[Flowable]:
    """A heading; a section heading (level 2) sits under a rule that keeps with it."""
    title = text.paragraph(block.inlines, styles[f"h{block.level}"], block.line, tag=tag)
    if block.level != 2:
        return [title]
    rule = RuleArtifact(width="100%", thickness=1, color=theme.colour("rule"),
                        spaceBefore=theme.space("section"), spaceAfter=2)
    rule.tagger = tag.tagger
    rule.keepWithNext = 1
    title.style = ParagraphStyle("h2-ruled", parent=title.style, spaceBefore=0)
    return [rule, title]


def item_list(block: ItemList, width: float, depth: int, theme: Theme, styles: Styles,
              text: InlineText, lay: LayBlock, node: Node, tagger: Tagger) -> list[Flowable]:
    """A bulleted or numbered list, indented by depth; the bullet goes on an item's first
    paragraph, tagged as the item's label (L > LI > Lbl + LBody). An item of one
    paragraph is its body's own text; otherwise each paragraph is a P in the body."""
    indent = theme.space("list_indent")
    style = styles.indented("body", depth, indent)
    flowables: list[Flowable] = []
    item_ends: list[Flowable] = []  # each item's last flowable
    for number, item in enumerate(block.items, start=1):
        bullet = f"{number}." if block.ordered else "•"
        entry = node.add("LI")
        label = entry.add("Lbl") if item.blocks and isinstance(item.blocks[0], Paragraph) \
            else None
        body = entry.add("LBody")
        alone = len(item.blocks) == 1
        for index, child in enumerate(item.blocks):
            if isinstance(child, Paragraph):
                words = plain_text(child.inlines)
                if alone:
                    body.actual_text = words
                own = body if alone else body.add("P", actual_text=words)
                flowables.append(text.paragraph(
                    child.inlines, style, child.line, bullet if index == 0 else None,
                    Tag(tagger, own, label if index == 0 else None)))
            else:
                flowables.extend(lay(child, width, depth, body))
        if flowables:
            item_ends.append(flowables[-1])
    # a page never starts or ends a list with a lone item: the first two items go together
    # (and with the lead-in heading kept with them), and so do the last two
    if len(item_ends) > 1:
        item_ends[0].keepWithNext = item_ends[-2].keepWithNext = 1
    if flowables:
        flowables[-1].style = ParagraphStyle("list-end", parent=flowables[-1].style,
                                             spaceAfter=theme.space("paragraph"))
    return flowables


def callout(block: Callout, width: float, page_room: float, theme: Theme, styles: Styles,
            lay: LayBlock, locate: Locate, node: Node, tagger: Tagger) -> list[Flowable]:
    """A box drawn as a one-column table, one row per flowable, so it splits across pages
    between its paragraphs with its border on each part.

    Rows are never split inside (ReportLab's splitting within a row loops for ever on some
    boxes), so a paragraph taller than the page is refused here, naming its template line,
    rather than failing deep in ReportLab."""
    padding = theme.space("box_padding")
    inner = width - 2 * padding
    rows = [[f] for child in block.blocks for f in lay(child, inner, 0, node)]
    room = page_room - 2 * padding
    for (flowable,) in rows:
        if flowable.wrap(inner, room)[1] > room:
            template, line = locate(block.line)
            text = snippet(flowable.getPlainText()) if hasattr(flowable, "getPlainText") else ""
            raise LayoutError(Problem(template, line, None,
                                      f"a boxed warning holds a paragraph taller than a page "
                                      f"({text!r}); shorten it or make it several points"))
    marks = CellMarks(tagger)
    box = Table(rows, colWidths=[width], style=box_style(block.kind, theme, styles),
                splitByRow=1, splitInRow=0, hAlign="LEFT", spaceBefore=theme.space("paragraph"),
                spaceAfter=theme.space("section"), renderCB=marks)
    return [marks.register(box, [[None] for _ in rows]), Spacer(0, 0)]


def box_style(kind: str, theme: Theme, styles: Styles) -> TableStyle:
    """A one-column table drawn as a box: 'important' or 'urgent' (thicker border)."""
    padding = theme.space("box_padding")
    thickness = 3 if kind == "urgent" else 1.75
    return TableStyle([
        *styles.cell_font,
        ("BOX", (0, 0), (-1, -1), thickness, theme.colour(f"{kind}_border")),
        ("BACKGROUND", (0, 0), (-1, -1), theme.colour(f"{kind}_background")),
        ("LEFTPADDING", (0, 0), (-1, -1), padding),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, 0), padding),
        ("BOTTOMPADDING", (0, -1), (-1, -1), padding),
    ])


def image(block: Image, width: float, find_image: FindImage, locate: Locate,
          tag: Tag) -> MarkedImage:
    """An image from inside the template set, scaled to its width, never wider than
    the column."""
    path = find_image(block.src)
    if path is None:
        name, line = locate(block.line)
        raise MarkupError(Problem(name, line, None, f"image {block.src!r} not found inside "
                                  "the template folder"))
    checked = read_image(path)
    if isinstance(checked, str):
        name, line = locate(block.line)
        raise MarkupError(Problem(name, line, None, f"image {block.src!r} {checked}"))
    drawn = min(block.width_mm * mm, width)
    picture = MarkedImage(str(path), width=drawn, height=drawn * checked.height / checked.width)
    picture.hAlign = "LEFT"
    picture.tag = tag
    return picture


QR_SIZE_MM = 24  # with its quiet zone: modules stay above 0.4 mm for the longest address


def load_qr_code() -> type[Flowable]:
    """ReportLab's QR code flowable, imported on first use rather than with this module:
    most leaflets have no address to link, and its barcode package costs a cold build 8
    to 14 ms. A build whose content gives an address loads it before forking the child
    that lays out, as it does the templates, so the child does not import it every time."""
    from reportlab.graphics.barcode.qr import QrCode

    return QrCode


def qr_code(block: QRCode, width: float, theme: Theme, styles: Styles, text: InlineText,
            node: Node, tagger: Tagger) -> list[Flowable]:
    """A QR code to the online version, its words and the address beside it. Read aloud,
    the words and the address are one paragraph; the code itself is an artifact, since it
    says nothing the address does not."""
    size = QR_SIZE_MM * mm
    # ReportLab's own QR code, drawn straight on the canvas (its Drawing widget would set
    # an unembedded Helvetica); four modules of quiet zone around it
    code = load_qr_code()(block.url, width=size, height=size, qrLevel="M")
    words = plain_text(block.inlines)
    node.actual_text = f"{words} {block.url}" if words else block.url
    inlines = [*block.inlines, Break(), Span(block.url)] if block.inlines else [Span(block.url)]
    style = ParagraphStyle("qr-code", parent=styles["body"], spaceAfter=0)
    words_and_address = text.paragraph(inlines, style, block.line, tag=Tag(tagger, node))
    gap = theme.space("box_padding")
    marks = CellMarks(tagger)
    box = Table([[code, words_and_address]], colWidths=[size + gap, width - size - gap],
                style=TableStyle([*styles.cell_font, ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                  ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                  ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                  ("TOPPADDING", (0, 0), (-1, -1), 0),
                                  ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]),
                hAlign="LEFT", spaceAfter=theme.space("section"), renderCB=marks)
    return [marks.register(box, [[ARTIFACT, None]])]

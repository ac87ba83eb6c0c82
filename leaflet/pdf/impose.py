"""Booklet imposition: A5 pages two-up on A4 landscape sheets in saddle-stitch order.

Printed double-sided (flip on the short edge), stacked, folded in the middle and stapled
on the fold, the sheets read 1, 2, 3, ... in order. Blank pages fill the booklet to a
multiple of four.

The sheets are not tagged (no structure tree, no PDF/UA claim): they are for the
printer, and the same leaflet built flat is the copy to read on screen.
"""

from __future__ import annotations

import io
import math

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from reportlab.lib.pagesizes import A4, landscape


def saddle_stitch(pages: int) -> list[tuple[int | None, int | None]]:
    """(left, right) page numbers, 1-based, for each side of each sheet in printing order;
    None is a blank. Sheet k's front holds the last unused and the first unused page."""
    total = math.ceil(pages / 4) * 4

    def page(number: int) -> int | None:
        return number if number <= pages else None

    sides: list[tuple[int | None, int | None]] = []
    for sheet in range(total // 4):
        sides.append((page(total - 2 * sheet), page(1 + 2 * sheet)))
        sides.append((page(2 + 2 * sheet), page(total - 1 - 2 * sheet)))
    return sides


def impose(pdf: bytes, sheet_size: tuple[float, float] = landscape(A4)) -> bytes:
    """Place each pair of pages side by side on a sheet, each centred in its half (two A5
    pages are 1 mm narrower than A4 landscape)."""
    source = PdfReader(io.BytesIO(pdf))
    pages = source.pages
    width = float(pages[0].mediabox.width)
    height = float(pages[0].mediabox.height)
    sheet_width, sheet_height = sheet_size
    half = sheet_width / 2
    inset_x, inset_y = (half - width) / 2, (sheet_height - height) / 2
    writer = PdfWriter()
    for left, right in saddle_stitch(len(pages)):
        sheet = PageObject.create_blank_page(width=sheet_width, height=sheet_height)
        for number, offset in ((left, inset_x), (right, half + inset_x)):
            if number is not None:
                sheet.merge_transformed_page(pages[number - 1],
                                             Transformation().translate(tx=offset, ty=inset_y))
        writer.add_page(sheet)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

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

SHEET = landscape(A4)


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


def placements(page_size: tuple[float, float], sheet_size: tuple[float, float] = SHEET
               ) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where the left and the right page's lower left corner go on a sheet: each centred
    in its half (two A5 pages are 1 mm narrower than A4 landscape)."""
    (width, height), (sheet_width, sheet_height) = page_size, sheet_size
    half = sheet_width / 2
    inset_x, inset_y = (half - width) / 2, (sheet_height - height) / 2
    return (inset_x, inset_y), (half + inset_x, inset_y)


def impose(pdf: bytes, sheet_size: tuple[float, float] = SHEET) -> bytes:
    """Place each pair of pages side by side on a sheet (see ``placements``)."""
    source = PdfReader(io.BytesIO(pdf))
    pages = source.pages
    places = placements((float(pages[0].mediabox.width), float(pages[0].mediabox.height)),
                        sheet_size)
    writer = PdfWriter()
    for pair in saddle_stitch(len(pages)):
        sheet = PageObject.create_blank_page(width=sheet_size[0], height=sheet_size[1])
        for number, (x, y) in zip(pair, places, strict=True):
            if number is not None:
                sheet.merge_transformed_page(pages[number - 1],
                                             Transformation().translate(tx=x, ty=y))
        writer.add_page(sheet)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

"""Booklet imposition: A5 pages two-up on A4 landscape sheets in saddle-stitch order.

Printed double-sided (flip on the short edge), stacked, folded in the middle and stapled
on the fold, the sheets read 1, 2, 3, ... in order. Blank pages fill the booklet to a
multiple of four.
"""

from __future__ import annotations

import io
import math

from pypdf import PageObject, PdfReader, PdfWriter, Transformation


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


def impose(pdf: bytes) -> bytes:
    """Place each pair of pages side by side on one sheet twice their width."""
    source = PdfReader(io.BytesIO(pdf))
    pages = source.pages
    width = float(pages[0].mediabox.width)
    height = float(pages[0].mediabox.height)
    writer = PdfWriter()
    for left, right in saddle_stitch(len(pages)):
        sheet = PageObject.create_blank_page(width=2 * width, height=height)
        for number, offset in ((left, 0.0), (right, width)):
            if number is not None:
                sheet.merge_transformed_page(pages[number - 1],
                                             Transformation().translate(tx=offset, ty=0))
        writer.add_page(sheet)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

"""What the eye meets: pages rendered to pixels."""

from __future__ import annotations

from pdfread import render_pages

DPI = 40
MM = DPI / 25.4


def dark(pixel: tuple[int, int, int]) -> bool:
    return sum(pixel) < 3 * 160


def test_nothing_is_drawn_in_the_margins(baclofen_pdf):
    band = int(10 * MM)  # every margin of the default theme is wider than 10 mm
    for number, image in enumerate(render_pages(baclofen_pdf, DPI), start=1):
        image = image.convert("RGB")
        width, height = image.size
        pixels = image.load()
        ink = [(x, y) for x in range(width) for y in range(height)
               if (x < band or x >= width - band or y < band or y >= height - band)
               and dark(pixels[x, y])]
        assert ink == [], f"page {number} has ink in the margin at {ink[:3]}"


def test_the_important_box_is_the_first_thing_on_page_one(baclofen_pdf):
    """The box's blue border rows appear in the top third, before any other box."""
    image = render_pages(baclofen_pdf, DPI)[0].convert("RGB")
    width, height = image.size
    pixels = image.load()

    def bluish(p):
        return p[2] > 80 and p[2] > p[0] + 40

    rows = [y for y in range(height) if sum(bluish(pixels[x, y]) for x in range(width)) > width / 2]
    assert rows, "no box border found on page 1"
    assert rows[0] < height / 3

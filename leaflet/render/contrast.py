"""Contrast between a theme's colours, as WCAG 2.x measures it: which colour is drawn on
which, the ratio of each pair, and the pairs too faint to read on paper.

Text needs 4.5:1 against everything it can sit on; rules and box borders 3:1 against
the page (WCAG 1.4.3 and 1.4.11). A leaflet is printed, often in grey on an office
printer, so a colour that passes on screen by a hair only just passes on paper.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TEXT_MINIMUM = 4.5
BORDER_MINIMUM = 3.0

# The page is never painted (the theme has no page colour): it is the paper, white.
PAGE_COLOUR = "#ffffff"

# What each fill is, for a message. The urgent box style also draws the running header
# (the draft notice): pdf/layout/page.py, running_box.
FILLS = {
    "important_background": "important boxes",
    "urgent_background": "urgent boxes and the running header",
    "table_header_background": "table header rows",
    "placeholder_background": "highlighted [placeholders]",
}

# Both text colours can sit on every fill (pdf/layout/styles.py gives body, h3 and
# notices 'text', h1, h2 and lead paragraphs 'heading'): a box may hold headings and
# tables (render/markup.py, CHILDREN), a header cell a lead paragraph, and a placeholder
# may stand in any text (pdf/layout/inline.py). Tables and list items have no fill of
# their own, so inside a box their text is on the box's fill.
TEXT_COLOURS = ("text", "heading")

# Lines are drawn on the page: rules above section headings and the footer
# (pdf/layout/blocks.py, page.py), box edges (blocks.py, box_style) and table grids
# (tables.py).
LINE_COLOURS = ("rule", "important_border", "urgent_border", "table_border")


@dataclass(frozen=True)
class Pair:
    """A colour drawn on another: ``background`` None is the page."""

    foreground: str
    background: str | None
    minimum: float

    @property
    def requirement(self) -> str:
        who = "text needs" if self.minimum == TEXT_MINIMUM else "rules and borders need"
        return f"{who} at least {self.minimum:g}:1"


PAIRS = (
    *(Pair(text, background, TEXT_MINIMUM)
      for text in TEXT_COLOURS for background in (None, *FILLS)),
    *(Pair(line, None, BORDER_MINIMUM) for line in LINE_COLOURS),
)


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of '#rrggbb', from 0 (black) to 1 (white).

    The sRGB threshold is 0.04045 (WCAG's 0.03928 is an old typo of it); no 8-bit
    channel value falls between the two, so both give the same result."""

    def linear(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast_ratio(first: str, second: str) -> float:
    """(lighter + 0.05) / (darker + 0.05): 1 for the same colour, 21 for black on white."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)),
                             reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def format_ratio(ratio: float, minimum: float) -> str:
    """'2.6:1'. A ratio just under the minimum is never rounded up to it ('4.48:1', not
    '4.5:1'; '4.49:1' for 4.4999), or the message would contradict itself."""
    for digits in (1, 2):
        text = f"{ratio:.{digits}f}"
        if float(text) < minimum or ratio >= minimum:
            return f"{text}:1"
    return f"{math.floor(ratio * 100) / 100:.2f}:1"


def failing_pairs(colours: dict[str, str]) -> list[tuple[Pair, float]]:
    """Each pair of ``colours`` below its minimum, with its ratio, in the order of PAIRS.
    Exactly the minimum passes."""
    failing = []
    for pair in PAIRS:
        background = PAGE_COLOUR if pair.background is None else colours[pair.background]
        ratio = contrast_ratio(colours[pair.foreground], background)
        if ratio < pair.minimum:
            failing.append((pair, ratio))
    return failing

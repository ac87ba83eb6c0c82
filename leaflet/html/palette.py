"""The page's colours for a light and a dark screen, from the theme's.

The light palette is the theme's own, which render/theme.py has already held to WCAG
contrast on white. A dark palette is worked out here: the theme's hues, lightened or
darkened step by step until every pair of colours a reader sees together is as far
apart as WCAG 2.2 AA asks (4.5:1 for text, 3:1 for borders), so a theme needs nothing
new to be readable in dark mode.
"""

from __future__ import annotations

import colorsys
from collections.abc import Callable, Iterable

from leaflet.render.contrast import BORDER_MINIMUM, TEXT_MINIMUM, contrast_ratio

LIGHT_PAGE = "#ffffff"
DARK_PAGE = "#121417"
DARK_TEXT = "#ececec"
TEXT_ON_FILLS = ("important_background", "urgent_background", "table_header_background")
BORDERS = ("rule", "important_border", "urgent_border", "table_border")
# Each dark fill is its box's border colour faded into the dark page, as the light fills
# are tints of their borders on white.
FILL_HUES = {"important_background": "important_border",
             "urgent_background": "urgent_border",
             "table_header_background": "heading"}
STEPS = 50


def light_palette(colours: dict[str, str]) -> dict[str, str]:
    """The theme's colours on a white page."""
    return {**colours, "page": LIGHT_PAGE, "placeholder_text": colours["text"]}


def dark_palette(colours: dict[str, str]) -> dict[str, str]:
    """Light text on a dark page; headings, borders and fills in the theme's hues."""
    palette = {"page": DARK_PAGE, "text": DARK_TEXT,
               # a highlighted [placeholder] keeps its light colours: the theme checked them
               "placeholder_background": colours["placeholder_background"],
               "placeholder_text": colours["text"]}
    for fill, hue in FILL_HUES.items():
        palette[fill] = _first(
            (_mix(colours[hue], DARK_PAGE, share) for share in _shares(0.35)),
            lambda candidate: contrast_ratio(DARK_TEXT, candidate) >= TEXT_MINIMUM + 2)
    backgrounds = [DARK_PAGE, *(palette[fill] for fill in TEXT_ON_FILLS)]
    palette["heading"] = _lightened(colours["heading"], backgrounds, TEXT_MINIMUM + 1)
    for border in BORDERS:
        palette[border] = _lightened(colours[border], [DARK_PAGE], BORDER_MINIMUM + 0.5)
    return palette


def _shares(start: float) -> list[float]:
    """From ``start`` down to nothing: how much of the hue goes into a fill."""
    return [start * (STEPS - step) / STEPS for step in range(STEPS + 1)]


def _lightened(colour: str, backgrounds: list[str], minimum: float) -> str:
    """``colour`` with its lightness raised until it stands out on every background."""
    hue, lightness, saturation = colorsys.rgb_to_hls(*_rgb(colour))
    lightnesses = [lightness + (1 - lightness) * step / STEPS for step in range(STEPS + 1)]
    return _first((_hex(colorsys.hls_to_rgb(hue, value, saturation)) for value in lightnesses),
                  lambda candidate: all(contrast_ratio(candidate, background) >= minimum
                                        for background in backgrounds))


def _first(candidates: Iterable[str], good: Callable[[str], bool]) -> str:
    """The first good candidate; the last one (white text, an unfilled box) always is."""
    last = ""
    for candidate in candidates:
        last = candidate
        if good(candidate):
            return candidate
    return last


def _mix(colour: str, base: str, share: float) -> str:
    """``share`` of ``colour`` over ``base``."""
    pairs = zip(_rgb(colour), _rgb(base), strict=True)
    return _hex(tuple(share * a + (1 - share) * b for a, b in pairs))


def _rgb(colour: str) -> tuple[float, float, float]:
    red, green, blue = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return red, green, blue


def _hex(rgb: tuple[float, ...]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb)

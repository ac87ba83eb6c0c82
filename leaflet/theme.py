"""A template set's theme: the one place for the look (paper, margins, fonts, sizes, colours).

No number that shapes the page is buried in layout code; it is read from here,
checked against sane ranges, and reported with file, line and key when wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, A5, LETTER
from reportlab.lib.units import mm

from leaflet.errors import Problem, ThemeError
from leaflet.schema import Choice, Field, Mapping, Number, Text, Walk, colour
from leaflet.yaml_source import read_nodes

PAPER_SIZES = {"a4": A4, "letter": LETTER, "a5": A5}


def _font_files(required: tuple[str, ...], optional: tuple[str, ...]) -> Mapping:
    fields = {k: Field(Text(reader=False)) for k in required}
    fields.update({k: Field(Text(reader=False), required=False) for k in optional})
    return Mapping(fields, description="Font files, relative to the fonts folder")


def _margins() -> Mapping:
    return Mapping({side: Field(Number(minimum=10, maximum=60))
                    for side in ("top", "right", "bottom", "left")},
                   description="Margins in mm; at least 10 mm so office printers print it all")


COLOUR_KEYS = (
    "text", "heading", "rule", "important_border", "important_background",
    "urgent_border", "urgent_background", "table_border", "table_header_background",
    "placeholder_background",
)

THEME = Mapping({
    "page": Field(Mapping({
        "paper": Field(Choice(tuple(PAPER_SIZES))),
        "margins_mm": Field(_margins()),
        "columns": Field(Number(minimum=1, maximum=3)),
        "column_gap_mm": Field(Number(minimum=4, maximum=30)),
    })),
    "fonts": Field(Mapping({
        "body": Field(_font_files(("regular", "bold"), ("italic", "bold_italic"))),
        "fallback": Field(_font_files(("regular",), ("bold", "italic", "bold_italic"))),
    })),
    "type": Field(Mapping({
        "minimum_size": Field(Number(minimum=9, maximum=24,
                                     description="No text may be smaller (points)")),
        "body_size": Field(Number(minimum=9, maximum=30)),
        "line_spacing": Field(Number(minimum=1.15, maximum=2.5,
                                     description="Leading as a multiple of the size")),
        "h1_size": Field(Number(minimum=11, maximum=48)),
        "h2_size": Field(Number(minimum=11, maximum=40)),
        "h3_size": Field(Number(minimum=11, maximum=36)),
        "small_size": Field(Number(minimum=9, maximum=24,
                                   description="Footer and table notes")),
        "tick_box_size": Field(Number(minimum=11, maximum=36,
                                      description="The boxes of a dose chart (default: h2)"),
                               required=False),
    })),
    "spacing_mm": Field(Mapping({
        "paragraph": Field(Number(minimum=0, maximum=20)),
        "section": Field(Number(minimum=0, maximum=40)),
        "list_indent": Field(Number(minimum=2, maximum=20)),
        "box_padding": Field(Number(minimum=1, maximum=15)),
    })),
    "colours": Field(Mapping({key: Field(colour()) for key in COLOUR_KEYS})),
}, description="The look of a template set")


@dataclass(frozen=True)
class Theme:
    """Validated theme values with the units layout code needs."""

    source: Path
    values: dict[str, Any]

    @property
    def page_size(self) -> tuple[float, float]:
        return PAPER_SIZES[self.values["page"]["paper"]]

    def margin(self, side: str) -> float:
        return self.values["page"]["margins_mm"][side] * mm

    @property
    def columns(self) -> int:
        return int(self.values["page"]["columns"])

    @property
    def column_gap(self) -> float:
        return self.values["page"]["column_gap_mm"] * mm

    def size(self, name: str) -> float:
        return self.values["type"][f"{name}_size"]

    @property
    def line_spacing(self) -> float:
        return self.values["type"]["line_spacing"]

    def space(self, name: str) -> float:
        return self.values["spacing_mm"][name] * mm

    def colour(self, name: str) -> colors.Color:
        return colors.HexColor(self.values["colours"][name])

    def font_files(self, role: str) -> dict[str, str]:
        return self.values["fonts"][role]

    def with_paper(self, paper: str) -> Theme:
        page = {**self.values["page"], "paper": paper}
        return Theme(self.source, {**self.values, "page": page})


def load_theme(path: Path) -> Theme:
    """Read and check a theme file; every problem names file, line and key."""
    walk = Walk(file=str(path))
    values = THEME.validate(read_nodes(path, ThemeError), "", walk)
    if values is not None:
        _check_sizes(values, walk)
    if walk.problems:
        raise ThemeError(walk.problems)
    assert values is not None
    return Theme(path, values)


def _check_sizes(values: dict[str, Any], walk: Walk) -> None:
    """Sizes must respect the theme's own minimum; headings stand 2 pt above the body."""
    sizes = values.get("type") or {}
    minimum = sizes.get("minimum_size")
    body = sizes.get("body_size")
    if minimum is None or body is None:
        return
    for key in ("body_size", "small_size", "h1_size", "h2_size", "h3_size"):
        if sizes.get(key) is not None and sizes[key] < minimum:
            walk.problems.append(_problem(walk, f"type.{key}",
                                          f"{sizes[key]:g} pt is below minimum_size "
                                          f"{minimum:g} pt"))
    for key in ("h1_size", "h2_size", "h3_size"):
        if sizes.get(key) is not None and sizes[key] < body + 2:
            walk.problems.append(_problem(walk, f"type.{key}",
                                          f"headings must be at least 2 pt larger than the "
                                          f"body ({body:g} pt); got {sizes[key]:g} pt"))


def _problem(walk: Walk, path: str, message: str) -> Problem:
    return Problem(walk.file, walk.lines.get(path), path, message)

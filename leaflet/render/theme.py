"""A template set's theme: the one place for the look (paper, margins, fonts, sizes, colours,
logo, organisation details).

No number that shapes the page is buried in layout code; it is read from here,
checked against sane ranges, and reported with file, line and key when wrong.
A set that extends another names only the keys it changes. Colours are held to WCAG
contrast (render/contrast.py) on the merged theme, each problem naming the file that set
the colour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, A5, LETTER
from reportlab.lib.units import mm

from leaflet.errors import Problem, ThemeError
from leaflet.render.contrast import FILLS, PAGE_COLOUR, Pair, failing_pairs, format_ratio
from leaflet.render.images import read_image
from leaflet.sources.schema import Choice, Field, Mapping, Number, Spec, Text, Walk, colour
from leaflet.sources.yaml_source import read_nodes

PAPER_SIZES = {"a4": A4, "letter": LETTER, "a5": A5}


# A font is named inside the fonts folder: no absolute path, no '..', so a theme cannot
# have ReportLab read /proc or /dev as a font.
FONT_FILE = r"[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)*\.(ttf|otf|TTF|OTF)"


def _font_file() -> Text:
    return Text(reader=False, pattern=FONT_FILE,
                hint="expected a .ttf or .otf file inside the fonts folder, such as "
                     "'dejavu/DejaVuSans.ttf'")


def _font_files(required: tuple[str, ...], optional: tuple[str, ...]) -> Mapping:
    fields = {k: Field(_font_file()) for k in required}
    fields.update({k: Field(_font_file(), required=False) for k in optional})
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

ORGANISATION = Mapping(
    {key: Field(Text(reader=False), required=False)
     for key in ("name", "address", "phone", "website", "reporting")},
    description="Who hands the leaflet out; printed where the templates say")

THEME = Mapping({
    "extends": Field(Text(reader=False, description="The set this one builds on"),
                     required=False),
    "description": Field(Text(reader=False, description="One line for 'templates list'"),
                         required=False),
    "logo": Field(Text(reader=False, description="PNG or JPEG inside the template folder"),
                  required=False),
    "profile": Field(Text(reader=False, description="Legibility profile checked on every "
                                                    "build (profiles.yaml): eu, us, ..."),
                     required=False),
    "organisation": Field(ORGANISATION, required=False),
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


class PartialTheme(Spec):
    """Theme keys to change (in profiles and layouts): the theme's own checks, none required."""

    def validate(self, node: yaml.Node, path: str, walk: Walk) -> dict[str, Any] | None:
        partial, walk.partial = walk.partial, True
        try:
            return THEME.validate(node, path, walk)
        finally:
            walk.partial = partial

    def json_schema(self) -> dict[str, Any]:
        return THEME.json_schema()


@dataclass(frozen=True)
class ColourSource:
    """Where a colour was set, for a contrast problem to name: a child theme that inherits
    its text colour and sets a dark box fill is told about its own line, not the parent's.
    ``depth`` counts themes down the chain; the deeper of a pair is the one just changed."""

    file: str
    line: int | None
    depth: int


@dataclass(frozen=True)
class Theme:
    """Validated theme values with the units layout code needs."""

    source: Path
    values: dict[str, Any]
    logo: Path | None = None
    colour_sources: dict[str, ColourSource] = field(default_factory=dict, compare=False,
                                                     repr=False)

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

    @property
    def organisation(self) -> dict[str, str]:
        return dict(self.values.get("organisation") or {})

    def with_paper(self, paper: str) -> Theme:
        page = {**self.values["page"], "paper": paper}
        return Theme(self.source, {**self.values, "page": page}, self.logo,
                     self.colour_sources)

    def derive(self, changes: dict[str, Any], walk: Walk) -> Theme:
        """This theme with ``changes`` (a partial theme, already validated) merged in;
        sizes and contrast are checked again, problems go to ``walk``."""
        values = _merge(self.values, changes)
        sources = _colour_sources(self.colour_sources, changes, walk)
        _check_sizes(values, walk)
        if changes.get("colours"):  # else as checked when this theme was made
            _check_contrast(values, sources, walk)
        return Theme(self.source, values, self.logo, sources)


def read_extends(path: Path) -> str | None:
    """The parent a theme names, read before the full check (the parent is needed first)."""
    root = read_nodes(path, ThemeError)
    walk = Walk(file=str(path), partial=True)
    values = THEME.validate(root, "", walk)
    if walk.problems:
        raise ThemeError(walk.problems)
    return (values or {}).get("extends")


def load_theme(path: Path | None, parent: Theme | None = None) -> Theme:
    """Read and check a theme; with a parent, only the keys named here change.

    Every problem names file, line and key. ``path`` None means 'as the parent'."""
    if path is None:
        assert parent is not None
        return parent
    walk = Walk(file=str(path), partial=parent is not None)
    own = THEME.validate(read_nodes(path, ThemeError), "", walk)
    values = _merge(parent.values, own) if own is not None and parent else own
    logo = parent.logo if parent else None
    sources = _colour_sources(parent.colour_sources if parent else {}, own or {}, walk)
    if values is not None:
        _check_sizes(values, walk)
        _check_contrast(values, sources, walk)
        if own and own.get("logo"):
            logo = _check_logo(path.parent, own["logo"], walk)
    if walk.problems:
        raise ThemeError(walk.problems)
    assert values is not None
    return Theme(path, values, logo, sources)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        elif value is not None:
            merged[key] = value
    return merged


def _check_logo(folder: Path, name: str, walk: Walk) -> Path | None:
    """The logo must be a PNG or JPEG inside the template folder that decodes in full."""
    path = (folder / name).resolve()
    problem = None
    if Path(name).is_absolute() or not path.is_relative_to(folder.resolve()):
        problem = f"{name!r} is outside the template folder; put the image inside it"
    elif not path.is_file():
        problem = f"image {name!r} not found in {folder}"
    else:
        checked = read_image(path)
        if isinstance(checked, str):
            problem = f"{name!r} {checked}"
    if problem:
        walk.problems.append(Problem(walk.file, walk.lines.get("logo"), "logo", problem))
        return None
    return path


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


def _colour_sources(inherited: dict[str, ColourSource], own: dict[str, Any],
                    walk: Walk) -> dict[str, ColourSource]:
    """Where each colour was set: ``own`` colours here (``walk``), the rest as inherited."""
    depth = max((source.depth for source in inherited.values()), default=-1) + 1
    sources = dict(inherited)
    for key, value in (own.get("colours") or {}).items():
        if value is not None:
            sources[key] = ColourSource(walk.file, walk.lines.get(f"colours.{key}"), depth)
    return sources


def _check_contrast(values: dict[str, Any], sources: dict[str, ColourSource],
                    walk: Walk) -> None:
    """Text must stay readable on every fill it can sit on, and lines visible on the page:
    one problem per pair, naming where the colour to change was set."""
    colours = values.get("colours") or {}
    if not all(isinstance(colours.get(key), str) for key in COLOUR_KEYS):
        return  # a colour that is not '#rrggbb' is reported already
    problems = []
    for pair, ratio in failing_pairs(colours):
        key, message = _contrast_message(pair, ratio, colours, sources)
        source = sources.get(key)
        file, line = (source.file, source.line) if source else \
            (walk.file, walk.lines.get(f"colours.{key}"))
        problems.append(Problem(file, line, f"colours.{key}", message))
    # In the order of the theme file: every pair a colour fails, under one another; a pair
    # a layout broke is not told again when the profile changes other colours.
    walk.problems.extend(p for p in sorted(problems, key=lambda p: (p.file, p.line or 0))
                         if p not in walk.problems)


def _contrast_message(pair: Pair, ratio: float, colours: dict[str, str],
                      sources: dict[str, ColourSource]) -> tuple[str, str]:
    """The key to blame and what to say. A fill is blamed when it was set further down the
    chain than the text on it (that is what changed); otherwise the text or line colour."""
    need = f"has contrast {format_ratio(ratio, pair.minimum)}; {pair.requirement}"
    front, back = pair.foreground, pair.background
    if back is None:
        return front, f'"{colours[front]}" on the page ({PAGE_COLOUR}) {need}'
    front_depth = sources[front].depth if front in sources else 0
    back_depth = sources[back].depth if back in sources else 0
    if back_depth > front_depth:
        return back, (f'"{colours[back]}" behind colours.{front} ({colours[front]}) in '
                      f"{FILLS[back]} {need}")
    return front, (f'"{colours[front]}" on {FILLS[back]} (colours.{back} {colours[back]}) '
                   f"{need}")

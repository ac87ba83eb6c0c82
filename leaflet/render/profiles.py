"""Legibility profiles and page layouts: data files of the template set (profiles.yaml,
layouts.yaml), each a set of theme changes plus what the finished PDF must prove.

Profiles say how small and how tight text may be (EU 9 pt with 3 mm between lines, US
10 pt, clear print 12 pt, large print 16 pt); layouts say how pages are arranged
(one column, two columns, an A5 booklet). Both are data so a set can change them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leaflet.errors import Problem, TemplateError, ThemeError, UsageError
from leaflet.render.templates import Chain, TemplateSet, find_in_chain
from leaflet.render.theme import PartialTheme, Theme
from leaflet.sources.schema import Boolean, Field, MapOf, Mapping, Number, Text, Walk
from leaflet.sources.yaml_source import read_nodes

PROFILES_FILE = "profiles.yaml"
LAYOUTS_FILE = "layouts.yaml"

PROFILES = MapOf(Mapping({
    "description": Field(Text(reader=False)),
    "minimum_size": Field(Number(minimum=9, maximum=30)),
    "minimum_line_spacing_mm": Field(Number(minimum=0, maximum=20)),
    "theme": Field(PartialTheme()),
}), key_pattern=r"[a-z][a-z0-9-]*", non_empty=True)

LAYOUTS = MapOf(Mapping({
    "description": Field(Text(reader=False)),
    "booklet": Field(Boolean(), required=False),
    "theme": Field(PartialTheme()),
}), key_pattern=r"[a-z][a-z0-9-]*", non_empty=True)


@dataclass(frozen=True)
class Profile:
    """What the finished PDF must prove, and the theme changes that give it its look."""

    name: str
    description: str
    minimum_size: float
    minimum_line_spacing_mm: float
    changes: dict[str, Any]


@dataclass(frozen=True)
class PageLayout:
    """A page layout (layouts.yaml): how it changes the theme, and whether it is a booklet."""

    name: str
    description: str
    booklet: bool
    changes: dict[str, Any]


def _read(chain: Chain, name: str, spec: MapOf) -> tuple[Path, dict[str, Any], Walk]:
    path = find_in_chain(chain, name)
    if path is None:
        raise TemplateError(Problem(str(chain[0][1]), None, None,
                                    f"{name} not found in the set or the sets it extends"))
    walk = Walk(file=str(path))
    values = spec.validate(read_nodes(path, ThemeError), "", walk)
    if walk.problems:
        raise ThemeError(walk.problems)
    return path, values or {}, walk


@functools.cache
def _profiles(chain: Chain) -> dict[str, Profile]:
    _, values, _ = _read(chain, PROFILES_FILE, PROFILES)
    return {name: Profile(name, v["description"], v["minimum_size"],
                          v["minimum_line_spacing_mm"], v["theme"] or {})
            for name, v in values.items()}


@functools.cache
def _layouts(chain: Chain) -> dict[str, PageLayout]:
    _, values, _ = _read(chain, LAYOUTS_FILE, LAYOUTS)
    return {name: PageLayout(name, v["description"], bool(v.get("booklet")),
                             v["theme"] or {})
            for name, v in values.items()}


def profiles(template_set: TemplateSet) -> dict[str, Profile]:
    return _profiles(template_set.chain)


def layouts(template_set: TemplateSet) -> dict[str, PageLayout]:
    return _layouts(template_set.chain)


def _choose(kind: str, name: str, known: dict[str, Any], source: Path | str) -> Any:
    if name not in known:
        raise ThemeError(Problem(str(source), None, kind,
                                 f"no {kind} {name!r}; expected one of: {', '.join(known)}"))
    return known[name]


@dataclass(frozen=True)
class PrintSettings:
    """The theme a build lays out with, and what its output must prove."""

    theme: Theme
    profile: Profile
    layout: PageLayout


def print_settings(template_set: TemplateSet, layout: str = "standard",
                   profile: str | None = None, paper: str | None = None) -> PrintSettings:
    """Set theme, then the layout's changes, then the profile's, then the paper asked for."""
    theme = template_set.theme
    chosen_layout = _choose("layout", layout, layouts(template_set), template_set.folder)
    profile_name = profile or theme.values.get("profile") or "eu"
    chosen_profile = _choose("profile", profile_name, profiles(template_set), theme.source)
    walk = Walk(file=str(template_set.folder / LAYOUTS_FILE))
    theme = theme.derive(chosen_layout.changes, walk)
    walk.file = str(template_set.folder / PROFILES_FILE)
    theme = theme.derive(chosen_profile.changes, walk)
    if paper:
        theme = theme.with_paper(paper)
    if walk.problems:
        raise ThemeError(walk.problems)
    _refuse_conflicts(theme, chosen_profile, chosen_layout)
    return PrintSettings(theme, chosen_profile, chosen_layout)


def _refuse_conflicts(theme: Theme, profile: Profile, layout: PageLayout) -> None:
    """A profile that undoes the layout asked for is a contradiction, not a choice to guess."""
    wanted_columns = layout.changes.get("page", {}).get("columns")
    if wanted_columns and theme.columns != wanted_columns:
        raise UsageError(Problem("--layout", None, None,
                                 f"{profile.name} print is {theme.columns} column(s); it cannot "
                                 f"be laid out as {layout.name}"))
    if layout.booklet and theme.values["page"]["paper"] != "a5":
        raise UsageError(Problem("--layout", None, None,
                                 "a booklet is laid out on A5 pages (two on each A4 sheet); "
                                 f"{profile.name} print or the paper asked for does not fit it"))

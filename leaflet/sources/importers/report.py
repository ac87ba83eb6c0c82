"""What an import did, as data: where each source section went, what was worked out from
the text, what was not copied and why, and what a person must still do. The CLI words
it; tests read it."""

from __future__ import annotations

from dataclasses import dataclass

from leaflet.sources.importers.model import SourceInfo


@dataclass(frozen=True)
class Placement:
    """One source section (or a heading inside its text) and the key its text went to."""

    source: str  # its headings from the top: "2. What you need to know ... > Do not take X"
    key: str  # "sections.before_taking.do_not_take", "extra_sections.x" or "not copied"
    how: str  # "code", "title", "heading in the text", "under its parent", ...


@dataclass(frozen=True)
class Derivation:
    """A value the text gave unambiguously, filled in where the format wants structure."""

    key: str
    value: str
    reason: str  # which words of the source, and why they are unambiguous


@dataclass(frozen=True)
class Todo:
    """What a person must still do, at a key."""

    key: str
    what: str


@dataclass(frozen=True)
class Replaced:
    """Source text not copied because the template prints it or words it itself: a
    heading the format has its own heading for, the name line the title prints, a
    contents list, the standard opening box."""

    text: str
    kind: str  # "heading", "name line", "contents list" or "opening box"


@dataclass(frozen=True)
class ImportReport:
    kind: str
    source: SourceInfo
    placements: tuple[Placement, ...]
    derivations: tuple[Derivation, ...]
    todo: tuple[Todo, ...]
    replaced: tuple[Replaced, ...]
    warnings: tuple[str, ...]
    left_out: tuple[str, ...]

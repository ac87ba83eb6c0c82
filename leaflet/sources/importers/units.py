"""A source's sections as a flat, ordered list of units: a run of blocks and the place
(target) its text goes to.

A section's target comes from its code, else its title; where both name a place and
they differ, the title wins (files are seen coding "4. Possible side effects" as "Use
in children") and the unit says so. A heading inside the text that names a place
starts a unit of its own; one that names none stays in the text where it is. A section
that names no place belongs to its parent's; at the top it becomes a section of its
own, with its parts that name no place either. Inside text for health professionals or
a contents list, nothing is re-placed: their sub-headings stay theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

from leaflet.sources.importers.mapping import Titles, match_code, normalise_title
from leaflet.sources.importers.model import Block, Heading, Paragraph, Section

OPENINGS = frozenset({"opening"})
CLOSED = frozenset({"professionals", "contents", "extra"})  # sub-headings stay theirs
# Headings that say more than the template's ("Madeupol contains lactose" where it prints
# "Madeupol contains"; "Manufacturer" over one of the addresses it prints under "Marketing
# authorisation holder and manufacturer"): found by their wording, but copied as text.
SAYS_MORE = frozenset({"before_contains", "manufacturer"})
SEPARATOR = " > "


@dataclass(frozen=True)
class Unit:
    target: str | None  # None: no place of ours, a section of its own
    path: tuple[str, ...]  # the headings from the top, for the report
    title: str | None  # the heading of this unit, if it has one
    title_kept: bool  # the heading is text to print, not a standard heading we reword
    how: str
    blocks: tuple[Block, ...]
    repeated: str | None = None  # the heading, repeated as the first line of the text

    @property
    def source(self) -> str:
        return SEPARATOR.join(self.path) or "(the text before the first heading)"


def units_of(sections: tuple[Section, ...], titles: Titles) -> list[Unit]:
    found: list[Unit] = []
    for section in sections:
        _visit(section, None, (), titles, found)
    return found


def _visit(section: Section, parent: str | None, path: tuple[str, ...], titles: Titles,
           found: list[Unit]) -> None:
    path = (*path, section.title) if section.title else path
    target, title_kept, how = _place(section, parent, titles)
    blocks, repeated = _without_repeated_title(section.blocks, section.title)
    unit = Unit(target, path, section.title, title_kept, how, blocks, repeated)
    found += [unit] if target in CLOSED or target is None else _split(unit, titles)
    inherited = None if target in OPENINGS else target
    for child in section.children:
        if target in CLOSED or (target is None and not _named(child, titles)):
            _visit_closed(child, target, path, found)
        else:
            _visit(child, inherited, path, titles, found)


def _named(section: Section, titles: Titles) -> bool:
    """The section names a place of ours in the leaflet itself, by its code or title."""
    by_title = titles.match(section.title)
    target = match_code(section.codes) or (by_title.target if by_title else None)
    return target is not None and target not in CLOSED


def _visit_closed(section: Section, target: str | None, path: tuple[str, ...],
                  found: list[Unit]) -> None:
    """A part of a section that keeps its sub-headings: its title stays text."""
    path = (*path, section.title) if section.title else path
    blocks, repeated = _without_repeated_title(section.blocks, section.title)
    found.append(Unit(target, path, section.title, True, "under its parent section", blocks,
                      repeated))
    for child in section.children:
        _visit_closed(child, target, path, found)


def _place(section: Section, parent: str | None,
           titles: Titles) -> tuple[str | None, bool, str]:
    """(target, whether the title is kept as text, how it was found)."""
    by_code = match_code(section.codes)
    by_title = titles.match(section.title)
    if by_title and by_code and by_title.target != by_code:
        return by_title.target, by_title.target in SAYS_MORE, \
            f"by its title (its code means {by_code!r})"
    if by_code:
        kept = section.title is not None and (
            not by_title or by_title.target != by_code or by_code in SAYS_MORE)
        return by_code, kept, "by its code"
    if by_title:
        return by_title.target, by_title.target in SAYS_MORE, "by its title"
    if parent is not None:
        return parent, section.title is not None, "under its parent section"
    return None, section.title is not None, "no heading of ours matches"


def _without_repeated_title(blocks: tuple[Block, ...],
                            title: str | None) -> tuple[tuple[Block, ...], str | None]:
    """ePI sections often repeat their title as the first heading of their text: the
    blocks without it, and the repeated text."""
    first = _heading_text(blocks[0]) if blocks else None
    if title and first is not None and normalise_title(first) == normalise_title(title):
        return blocks[1:], first
    return blocks, None


def _heading_text(block: Block) -> str | None:
    """The text of a block that may be a heading: an explicit one or a bold line."""
    if isinstance(block, Heading):
        return block.text
    if isinstance(block, Paragraph) and block.emphasised:
        return block.text
    return None


def _split(unit: Unit, titles: Titles) -> list[Unit]:
    """Cut a unit where a heading in its text names a place of ours; after the heading of
    the text for health professionals, nothing is cut."""
    units = []
    current = unit
    start = 0
    for index, block in enumerate(unit.blocks):
        text = _heading_text(block)
        match = titles.match(text) if text and current.target != "professionals" else None
        if match is None or match.target in OPENINGS or match.target == current.target:
            continue  # a heading for the place the text is in already labels part of it
        units.append(_with_blocks(current, unit.blocks[start:index]))
        current = Unit(match.target, (*unit.path, text or ""), text,
                       match.target in SAYS_MORE, "by a heading in the text", ())
        start = index + 1
    units.append(_with_blocks(current, unit.blocks[start:]))
    return units


def _with_blocks(unit: Unit, blocks: tuple[Block, ...]) -> Unit:
    return Unit(unit.target, unit.path, unit.title, unit.title_kept, unit.how, blocks,
                unit.repeated)

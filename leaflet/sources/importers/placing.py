"""Units of source text into our content format: every text to a key, in source order.

Each target has a key and a shape. A key printed as paragraphs takes a list's items as
paragraphs; a key printed as a list after the template's own lead-in ("Do not take NAME
if:") takes a paragraph as an item, and says so in the report. A heading that is not
our standard wording is copied as the first line of its text. A part with no place of
ours becomes a section of its own (extra_sections) under its own heading, printed after
the numbered sections. What the format requires and the source does not give becomes a
[placeholder], walked from the format itself so the two cannot drift.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from leaflet.sources.content import CONTENT
from leaflet.sources.importers import deriving
from leaflet.sources.importers.model import (
    Block,
    Heading,
    Image,
    ItemList,
    Paragraph,
    Table,
)
from leaflet.sources.importers.narrative import picture_line, row_line
from leaflet.sources.importers.report import Derivation, Placement, Replaced, Todo
from leaflet.sources.importers.units import CLOSED, Unit
from leaflet.sources.schema import (
    SHORT_CHARS,
    DoseSpec,
    Field,
    Integer,
    ListOf,
    MapOf,
    Mapping,
)

S = "sections."
PARAGRAPH_KEYS = {
    "children": S + "before_taking.children",
    "food_and_alcohol": S + "before_taking.food_and_alcohol",
    "pregnancy": S + "before_taking.pregnancy_and_breastfeeding",
    "driving": S + "before_taking.driving",
    "before_contains": S + "before_taking.contains",
    "overdose": S + "overdose.action",
    "missed_dose": S + "missed_dose",
    "stopping": S + "stopping.advice",
    "side_effects": S + "side_effects.intro",
    "reporting": S + "side_effects.reporting",
    "other_information": S + "other_information.contact",
    "contains": S + "other_information.contains",
    "appearance": S + "other_information.appearance",
    "holder": S + "other_information.holder",
    "manufacturer": S + "other_information.holder",
    "revision": S + "other_information.holder",
    "contact": S + "other_information.contact",
}
ITEM_KEYS = {
    "key_information": S + "key_information.points",
    "read_first": S + "key_information.points",
    "used_for": S + "about.used_for",
    "before_taking": S + "before_taking.talk_to_doctor",
    "do_not_take": S + "before_taking.do_not_take",
    "talk_to_doctor": S + "before_taking.talk_to_doctor",
    "see_doctor": S + "side_effects.see_doctor",
    "storage": S + "storage",
}
# The words each list key is printed after in the default set, for the report.
LEAD_INS = {
    S + "before_taking.do_not_take": "Do not take NAME if:",
    S + "before_taking.talk_to_doctor": "Talk to your doctor or pharmacist before taking "
                                        "NAME if you:",
    S + "about.used_for": "NAME is used to treat:",
    S + "side_effects.see_doctor": "Tell your doctor as soon as you can if:",
}
ABOUT = (S + "about.what_it_is", S + "about.used_for", S + "about.how_it_helps")
USED_FOR = re.compile(r"\b(used|treats?|treatment|indicated)\b", re.IGNORECASE)
DOSING_GENERAL, HOW_TO_TAKE = S + "dosing.general", S + "dosing.how_to_take"
URGENT_SIGNS, FREQUENCY = S + "side_effects.urgent.signs", S + "side_effects.by_frequency"
OTHER_INTRO, OTHER_ITEMS = S + "before_taking.other_medicines.intro", \
    S + "before_taking.other_medicines.items"
# The dose table's numbers: a draft holds [placeholders] there, an approval never.
UNTIL_WRITTEN = "the draft builds with it highlighted and cannot be approved until it is written"
# What a person writes where the source has nothing, by key.
TO_WRITE = {
    "medicine.name": "the medicine's name",
    "medicine.form": "the form, such as tablets",
    "medicine.active_substance": "the active substance",
    S + "about.what_it_is": "what the medicine is",
    S + "about.used_for": "what it is used for, one item each",
    S + "key_information.points": "the most important things to know, one item each",
    S + "before_taking.do_not_take": "who must not take it, one item each",
    S + "before_taking.talk_to_doctor": "when to talk to a doctor first, one item each",
    S + "before_taking.children": "use in children",
    S + "before_taking.other_medicines.intro": "one line before the list of other medicines",
    S + "before_taking.other_medicines.items": "other medicines that affect it, one item "
                                               "each",
    S + "before_taking.food_and_alcohol": "taking it with food, drink and alcohol",
    S + "before_taking.pregnancy_and_breastfeeding": "pregnancy and breast-feeding",
    S + "before_taking.driving": "driving and using machines",
    S + "dosing.general": "how to take it as prescribed",
    S + "dosing.how_to_take": "how to take each dose, one item each",
    S + "missed_dose": "what to do after a missed dose",
    S + "overdose.action": "what to do after taking too much",
    S + "stopping.advice": "what to know before stopping",
    S + "side_effects.intro": "side effects in general",
    S + "side_effects.reporting": "how to report side effects",
    S + "storage": "how to store it, one item each",
    S + "other_information.contains": "the active substance and the other ingredients",
    S + "other_information.appearance": "what it looks like and the pack sizes",
    S + "other_information.holder": "who holds the marketing authorisation and who makes it",
    S + "other_information.contact": "who to ask with questions",
    S + "dosing.schedule.intro": "one line before the dose table",
    S + "dosing.schedule.timing": "the times of day to take each dose",
    S + "dosing.schedule.steps": "the dose table, from the dosing text",
    S + "dosing.schedule.steps.dose": "dose each time",
    S + "dosing.schedule.steps.times_a_day": "how many times a day",
    S + "dosing.maximum_daily_dose": "the maximum dose in one day, such as '80 mg'",
    S + "overdose.signs": "signs of taking too much, one item each",
    S + "stopping.withdrawal_signs": "signs of stopping too quickly, one item each",
    S + "side_effects.urgent.intro": "one line before the signs that need help at once",
    S + "side_effects.urgent.signs": "side effects that need help at once, one item each",
    S + "side_effects.by_frequency": "the side effects by how often they happen, from "
                                     "the text in sections.side_effects.intro",
    "leaflet.revision_date": "month and year of this revision",
    "leaflet.author": "name of the company or pharmacy that issues this leaflet",
    "review.reviewer": "name and role of the pharmacist or doctor who approves this leaflet",
    "review.date": "date of approval, such as 2026-05-14",
    OTHER_INTRO: "one sentence leading into the list of medicines",
}


@dataclass
class Draft:
    """The content being written: texts by key (in source order), one-line texts, extra
    sections, comments by key, and what the report will say."""

    texts: dict[str, list[str]] = field(default_factory=dict)
    singles: dict[str, str] = field(default_factory=dict)
    extras: dict[str, dict[str, Any]] = field(default_factory=dict)
    comments: dict[str, list[str]] = field(default_factory=dict)
    placements: list[Placement] = field(default_factory=list)
    derivations: list[Derivation] = field(default_factory=list)
    todo: list[Todo] = field(default_factory=list)
    replaced: list[Replaced] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    structured: dict[str, Any] = field(default_factory=dict)  # derived values by key
    name: str = "[medicine name]"  # as the lead-ins print it

    def add(self, key: str, lines: list[str], source: str) -> None:
        if not lines:
            return
        self.texts.setdefault(key, []).extend(lines)
        self.cite(key, source)

    def cite(self, key: str, source: str) -> None:
        """Note above ``key`` which source section its text came from."""
        note = f"From: {source}"
        notes = self.comments.setdefault(key, [])
        if note not in notes:
            notes.append(note)

    def derive(self, key: str, shown: str, reason: str) -> None:
        """Record a value worked out from the text (the caller stores it)."""
        self.derivations.append(Derivation(key, shown, reason))
        self.comments.setdefault(key, []).append(f"Worked out from the source ({reason}): "
                                                 "check it.")


def place_units(units: list[Unit], draft: Draft, english: bool) -> None:
    """Every unit's text to its key (or an extra section), in order."""
    for unit in units:
        if unit.target in CLOSED or unit.target is None:
            _extra(unit, draft)
        elif unit.target == "about":
            _about(unit, draft, english)
        elif unit.target == "dosing":
            _dosing(unit, draft)
        elif unit.target == "other_medicines":
            _other_medicines(unit, draft)
        elif unit.target == "side_effects":
            _side_effects(unit, draft, english)
        elif unit.target == "revision":
            _revision(unit, draft)
        elif unit.target in ITEM_KEYS:
            _to_items(unit, ITEM_KEYS[unit.target], draft)
        else:
            _to_paragraphs(unit, PARAGRAPH_KEYS[unit.target], draft)


def _record(unit: Unit, key: str, draft: Draft) -> None:
    draft.placements.append(Placement(unit.source, key, unit.how))
    if unit.title and not unit.title_kept:
        draft.replaced.append(Replaced(unit.title, "heading"))


def _heading_line(unit: Unit) -> list[str]:
    return [unit.title] if unit.title and unit.title_kept else []


def paragraphs(blocks: tuple[Block, ...]) -> list[str]:
    """Blocks as paragraphs: each line of a list item or table cell its own paragraph,
    except a row of single-line cells, which stays one line."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, (Paragraph, Heading)):
            lines.append(block.text)
        elif isinstance(block, ItemList):
            lines += [line for item in block.items for line in item.lines]
        elif isinstance(block, Table):
            lines += _table_lines(block)
        elif isinstance(block, Image):
            lines.append(picture_line(block.alt))
    return lines


def items(blocks: tuple[Block, ...]) -> list[str]:
    """Blocks as list items: an item's lines joined, a paragraph one item. A list after a
    line ending in ':' (other than the first, which leads into the whole list) joins that
    line, its items after a ';' each, so 'medicines for: your immune system; cholesterol'
    does not read as a list of conditions."""
    lines: list[str] = []
    for index, block in enumerate(blocks):
        before = blocks[index - 1] if index else None
        if isinstance(block, ItemList):
            texts = [" ".join(item.lines) for item in block.items]
            if index > 1 and isinstance(before, Paragraph) and before.text.endswith(":"):
                lines[-1] = f"{lines[-1]} {'; '.join(texts)}"
            else:
                lines += texts
        else:
            lines += paragraphs((block,))
    return lines


def _table_lines(table: Table) -> list[str]:
    """A table of one-line cells row by row ('Age · Dose'); a table whose cells hold
    several lines (addresses side by side) cell by cell, each cell's lines on one."""
    if all(len(cell) <= 1 for row in table.rows for cell in row):
        return [row_line(row) for row in table.rows]
    return [" · ".join(cell) for row in table.rows for cell in row if cell]


def _to_paragraphs(unit: Unit, key: str, draft: Draft) -> None:
    _record(unit, key, draft)
    draft.add(key, _heading_line(unit) + paragraphs(unit.blocks), unit.source)


def _to_items(unit: Unit, key: str, draft: Draft) -> None:
    _record(unit, key, draft)
    lines = _heading_line(unit) + items(unit.blocks)
    draft.add(key, lines, unit.source)
    not_listed = bool(_heading_line(unit)) or any(
        not isinstance(block, ItemList) for block in unit.blocks)
    if lines and not_listed and key in LEAD_INS:
        lead_in = LEAD_INS[key].replace("NAME", draft.name)
        draft.todo.append(Todo(key, f"text under {unit.path[-1]!r} that is not a list is "
                                    f"printed as list items after the template's "
                                    f"'{lead_in}': reword it"))


def _about(unit: Unit, draft: Draft, english: bool) -> None:
    """What it is, what it is used for (a list the line before says is what it treats:
    'Madeupol is used in adults' + 'to treat made-up pain'), how it helps
    (the rest). A list after any other line ('risk factors such as:') is not what it
    treats, and without English words to tell, no list is taken for it."""
    _record(unit, S + "about", draft)
    first = next((i for i, b in enumerate(unit.blocks) if isinstance(b, ItemList)), None)
    before = unit.blocks[first - 1] if first else None
    if first is None or not english or not isinstance(before, Paragraph) or \
            not USED_FOR.search(before.text):
        draft.add(ABOUT[0], _heading_line(unit) + paragraphs(unit.blocks), unit.source)
        return
    draft.add(ABOUT[0], _heading_line(unit) + paragraphs(unit.blocks[:first]), unit.source)
    draft.add(ABOUT[1], items(unit.blocks[first:first + 1]), unit.source)
    draft.add(ABOUT[2], paragraphs(unit.blocks[first + 1:]), unit.source)
    lead_in = LEAD_INS[ABOUT[1]].replace("NAME", draft.name)
    draft.todo.append(Todo(ABOUT[1], f"the source's '{before.text}' leads into this list, "
                                     f"and the template prints '{lead_in}' before it: reword "
                                     "one of them"))


def _dosing(unit: Unit, draft: Draft) -> None:
    """A list alone is how to take it; anything else is the general text."""
    only_lists = unit.blocks and all(isinstance(b, ItemList) for b in unit.blocks) and \
        not _heading_line(unit)
    key = HOW_TO_TAKE if only_lists else DOSING_GENERAL
    _record(unit, key, draft)
    draft.add(key, items(unit.blocks) if only_lists else
              _heading_line(unit) + paragraphs(unit.blocks), unit.source)


def _other_medicines(unit: Unit, draft: Draft) -> None:
    """The text before the first list leads into it; without a list, the first paragraph
    leads into the rest."""
    _record(unit, S + "before_taking.other_medicines", draft)
    first = next((i for i, b in enumerate(unit.blocks) if isinstance(b, ItemList)), None)
    lead = _heading_line(unit) + paragraphs(unit.blocks[:first] if first else ())
    rest = items(unit.blocks[first:]) if first is not None else []
    if first is None:
        every = _heading_line(unit) + paragraphs(unit.blocks)
        lead, rest = every[:1], every[1:]
    if lead:
        joined = " ".join(lead)
        intro = f"{draft.singles[OTHER_INTRO]} {joined}" if OTHER_INTRO in draft.singles \
            else joined
        if len(intro) > SHORT_CHARS:
            # The format takes one short text here; the source's stays whole as the first
            # item, and a person writes the sentence leading into the list.
            rest = [intro, *rest]
            intro = f"[{TO_WRITE[OTHER_INTRO]}]"
            draft.todo.append(Todo(OTHER_INTRO, f"the source's text before the list is longer "
                                                f"than the {SHORT_CHARS} characters an intro "
                                                "may have: it is the list's first item; write "
                                                "a sentence leading into the list"))
        draft.singles[OTHER_INTRO] = intro
        draft.cite(OTHER_INTRO, unit.source)
    draft.add(OTHER_ITEMS, rest, unit.source)


def _side_effects(unit: Unit, draft: Draft, english: bool) -> None:
    """In English, the signs the text says need help at once go to the urgent box, and
    lists under the exact frequency words go to their groups; the rest is the text."""
    blocks = unit.blocks
    if english:
        urgent = deriving.urgent_signs(blocks)
        if urgent and URGENT_SIGNS not in draft.structured:
            found, blocks = urgent
            intro, signs = found.value  # type: ignore[misc]
            draft.singles[S + "side_effects.urgent.intro"] = intro
            draft.structured[URGENT_SIGNS] = signs
            draft.derive(URGENT_SIGNS, f"{len(signs)} signs",
                         f"'{found.words}' and the list after it say to get help at once; "
                         "moved here from the text")
        groups, blocks, words = deriving.frequency_groups(blocks)
        for key, effects in groups.items():
            draft.texts.setdefault(f"{FREQUENCY}.{key}", []).extend(effects)
        if groups:
            draft.derive(FREQUENCY, ", ".join(groups),
                         "the text puts them under the exact frequency words the template "
                         f"prints ({', '.join(repr(w) for w in words)}); moved here from the "
                         "text")
    _record(unit, S + "side_effects.intro", draft)
    draft.add(S + "side_effects.intro", _heading_line(unit) + paragraphs(blocks), unit.source)


def _revision(unit: Unit, draft: Draft) -> None:
    """'This leaflet was last revised in ...': the date, which the template prints in its
    own words; the heading is copied if no date can be read from it."""
    found = deriving.revision_date([unit.title or ""])
    if found:
        draft.structured["leaflet.revision_date"] = found.value
        draft.derive("leaflet.revision_date", str(found.value), f"'{found.words}'")
        _record(unit, "leaflet.revision_date", draft)
        draft.add(PARAGRAPH_KEYS["revision"], paragraphs(unit.blocks), unit.source)
        return
    kept = Unit(unit.target, unit.path, unit.title, True, unit.how, unit.blocks)
    _to_paragraphs(kept, PARAGRAPH_KEYS["revision"], draft)


def _extra(unit: Unit, draft: Draft) -> None:
    """A section of its own under its own heading; a part of it (a titled sub-section) is
    copied into it, heading first."""
    parent = next(reversed(draft.extras), None) if draft.extras else None
    if parent is not None and unit.how == "under its parent section" and \
            unit.path[:len(draft.extras[parent]["path"])] == draft.extras[parent]["path"]:
        extra = draft.extras[parent]
        extra["lines"] += _heading_line(unit) + paragraphs(unit.blocks)
        draft.placements.append(Placement(unit.source, f"extra_sections.{parent}", unit.how))
        return
    key = _free_key(unit.title or "section", draft.extras)
    draft.extras[key] = {"path": unit.path, "title": unit.title, "blocks": unit.blocks,
                         "lines": [], "source": unit.source}
    draft.placements.append(Placement(unit.source, f"extra_sections.{key}", unit.how))
    draft.todo.append(Todo(f"extra_sections.{key}", "printed after the numbered sections "
                           "under its own heading: keep it, or move its text where it "
                           "belongs"))


def _free_key(title: str, taken: dict[str, Any]) -> str:
    """A section's key from its title: ASCII letters, digits and '_', unique."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    stem = "_".join(words)[:40].rstrip("_") or "section"
    stem = stem if stem[0].isalpha() else f"section_{stem}"
    key, number = stem, 2
    while key in taken:
        key, number = f"{stem}_{number}", number + 1
    return key


def extra_sections(draft: Draft) -> dict[str, dict[str, Any]]:
    """The extra sections as the format has them: paragraphs, then a list if the source
    ends with one; a heading-only section gets a placeholder to write or delete."""
    found = {}
    for key, extra in draft.extras.items():
        blocks: tuple[Block, ...] = extra["blocks"]
        tail = len(blocks)
        while tail and isinstance(blocks[tail - 1], ItemList):
            tail -= 1
        if extra["lines"] or tail == len(blocks):
            # Sub-sections follow the section's own text, so a list in between is kept in
            # order as paragraphs (the format prints paragraphs before the list).
            lead, listed = paragraphs(blocks) + extra["lines"], []
        else:
            lead, listed = paragraphs(blocks[:tail]), items(blocks[tail:])
        section: dict[str, Any] = {"title": extra["title"] or "[heading of this section]"}
        if lead:
            section["paragraphs"] = lead
        if listed:
            section["items"] = listed
        if not lead and not listed:
            section["paragraphs"] = ["[this section has a heading and no text in the source: "
                                     "write its text or delete the section]"]
        found[key] = section
        draft.comments.setdefault(f"extra_sections.{key}", []).append(
            f"From: {extra['source']}")
    return found


def required_placeholders(draft: Draft, values: dict[str, Any]) -> None:
    """A [placeholder] for every required key the source did not fill, from the format."""
    _fill(CONTENT, "", values, draft)


def _fill(spec: Mapping, path: str, value: dict[str, Any], draft: Draft) -> dict[str, Any]:
    for key, child in spec.fields.items():
        child_path = f"{path}.{key}" if path else key
        if key in value:
            if isinstance(child.spec, Mapping):
                _fill(child.spec, child_path, value[key], draft)
        elif child.required:
            value[key] = _placeholder(child, child_path, draft)
    if spec.at_least_one and not value:
        # frequency groups: the one that claims least about how often
        key = "not_known" if "not_known" in spec.fields else next(iter(spec.fields))
        value[key] = _placeholder(spec.fields[key], f"{path}.{key}", draft)
    return value


def _placeholder(field_: Field, path: str, draft: Draft) -> Any:
    spec = field_.spec
    if isinstance(spec, Mapping):
        return _fill(spec, path, {}, draft)
    words = TO_WRITE.get(path) or TO_WRITE.get(path.rsplit(".", 1)[0]) or \
        path.rsplit(".", 1)[-1].replace("_", " ")
    if isinstance(spec, ListOf) and isinstance(spec.item, Mapping):
        draft.todo.append(Todo(path, f"write {words}: the source gives none a program can "
                                     f"read safely; {UNTIL_WRITTEN}"))
        draft.comments.setdefault(path, []).append(
            "Not in the source as numbers: write it from the text. The draft prints it "
            "highlighted; it cannot be approved until then.")
        return [_fill(spec.item, path, {}, draft)]
    if not path.startswith(S + "dosing.schedule.steps"):
        needs_number = isinstance(spec, (DoseSpec, Integer))
        draft.todo.append(Todo(path, f"write {words}: the source has " + (
            f"no single value for it; {UNTIL_WRITTEN}" if needs_number else "no text for it")))
        draft.comments.setdefault(path, []).append(
            "Not in the source as a value: write it." if needs_number else
            "Not in the source: write it.")
    text = f"[{words}]"
    return [text] if isinstance(spec, (ListOf, MapOf)) else text

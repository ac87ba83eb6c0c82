"""A source document in, a draft content file (data, comments) and its report out.

The medicine's name comes first, from the opening's name line, because headings name
the medicine ("Do not take Madeupol") and are matched with it. Then every unit of text is
placed, the few unambiguous values are worked out, and what is still missing becomes a
placeholder. The content is always a draft.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from leaflet.sources.content import CONTENT
from leaflet.sources.importers import deriving
from leaflet.sources.importers.mapping import Titles
from leaflet.sources.importers.model import Heading, Paragraph, Section, SourceDocument
from leaflet.sources.importers.opening import Medicine, is_standard_box, read_medicine
from leaflet.sources.importers.placing import (
    DOSING_GENERAL,
    HOW_TO_TAKE,
    ITEM_KEYS,
    Draft,
    extra_sections,
    items,
    place_units,
    required_placeholders,
)
from leaflet.sources.importers.report import ImportReport, Placement, Replaced, Todo
from leaflet.sources.importers.units import Unit, units_of
from leaflet.sources.schema import Mapping

LANGUAGES = {"en": "English", "no": "Norwegian", "nb": "Norwegian", "nn": "Norwegian",
             "es": "Spanish", "da": "Danish", "fi": "Finnish"}
OPENING_KEY = ITEM_KEYS["read_first"]
DOSE_KEYS = ("sections.dosing.schedule.steps", "sections.dosing.maximum_daily_dose")
OTHER_INFORMATION = ("sections.other_information.holder", "sections.other_information.contact",
                     "sections.other_information.contains")


@dataclass(frozen=True)
class Drafted:
    data: dict[str, Any]
    comments: dict[str, list[str]]
    report: ImportReport
    language: str


def draft_content(document: SourceDocument) -> Drafted:
    product = document.product
    first = Titles((product.name or "", product.substance or ""))
    opening = next((u.blocks for u in units_of(document.sections, first)
                    if u.target == "opening" and u.blocks), ())
    medicine = read_medicine(opening, product, _titles(document.sections))
    names = (medicine.name or "", product.name or "", medicine.substance or "",
             product.substance or "")
    titles = Titles(names)
    units = units_of(document.sections, titles)
    language, english, warnings = _language(document, titles)
    draft = Draft(warnings=warnings, name=medicine.name or "[medicine name]")
    draft.replaced += [Replaced(u.repeated, "heading") for u in units
                       if u.repeated and not u.title_kept]  # a kept title is printed
    _opening(units, medicine, draft)
    contents = [u for u in units if u.target == "contents" and _is_contents(u, units)]
    place_units([u for u in units if u.target not in ("opening", "read_first")
                 and u not in contents], draft, english)
    _contents(contents, draft)
    if english:
        _dosing_values(draft)
    if "leaflet.revision_date" not in draft.structured:
        _revision_in_text(draft)
    data = _assemble(document, medicine, language, draft)
    report = ImportReport(
        kind=document.kind, source=document.info, placements=tuple(draft.placements),
        derivations=tuple(draft.derivations), todo=tuple(_ordered(draft.todo, data)),
        replaced=tuple(draft.replaced), warnings=tuple(draft.warnings),
        left_out=document.left_out)
    return Drafted(data, draft.comments, report, language)


def _titles(sections: tuple[Section, ...]) -> list[str]:
    found = []
    for section in sections:
        found += [section.title] if section.title else []
        found += [b.text for b in section.blocks if isinstance(b, (Heading, Paragraph))]
        found += _titles(section.children)
    return found


def _language(document: SourceDocument, titles: Titles) -> tuple[str, bool, list[str]]:
    """The declared language, checked against the language its headings are in."""
    counts: Counter[str] = Counter()
    for text in _titles(document.sections):
        match = titles.match(text)
        if match and match.target not in ("opening",):
            counts[match.language] += 1
    heard = counts.most_common(1)[0][0] if counts else None
    declared = document.info.language
    warnings = []
    language = declared or document.usual_language or heard or "und"
    primary = language.split("-")[0].lower()
    if declared and heard and primary != heard:
        warnings.append(f"the file says its language is {declared!r}, but its headings are "
                        f"{LANGUAGES.get(heard, heard)}: check leaflet.language")
    if not declared:
        why = f"a {document.kind} is in that language" if document.usual_language else \
            "that is the language of its headings" if heard else "nothing tells which it is"
        warnings.append(f"the file names no language; leaflet.language is {language!r}: "
                        f"{why}; check it")
    return language, primary == "en", warnings


def _opening(units: list[Unit], medicine: Medicine, draft: Draft) -> None:
    """The name lines become the medicine; the rest of the opening is the key information,
    unless it is the standard box the default template prints itself."""
    openings = [u for u in units if u.target in ("opening", "read_first")]
    for line in medicine.lines:
        draft.replaced.append(Replaced(line, "name line"))
    bodies = []
    skip = len(medicine.lines)
    for unit in openings:
        body = unit.blocks
        if skip and body:
            body, skip = body[skip:], 0
        bodies.append(body)
    every = tuple(block for body in bodies for block in body)
    standard = is_standard_box(every) and not any(u.title_kept for u in openings)
    for unit, body in zip(openings, bodies, strict=True):
        if unit.title and not unit.title_kept:
            draft.replaced.append(Replaced(unit.title, "heading"))
        lines = ([unit.title] if unit.title and unit.title_kept else []) + items(body)
        if not lines:
            key = "medicine" if body is not unit.blocks else "(a heading only)"
        elif standard:
            key = "not copied (the default template prints the same box)"
            draft.replaced += [Replaced(line, "opening box") for line in lines]
        else:
            key = OPENING_KEY
            draft.add(OPENING_KEY, lines, unit.source)
        draft.placements.append(Placement(unit.source, key, unit.how))


def _is_contents(unit: Unit, units: list[Unit]) -> bool:
    """A contents list names the other sections: every line's words are in one of their
    headings ('How to take Madeupol' in '3. How to take Madeupol')."""
    headings = [set(_words(u.title)) for u in units if u.title and u is not unit]
    lines = items(unit.blocks)
    return bool(lines) and all(any(set(_words(line)) <= heading for heading in headings)
                               for line in lines)


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.casefold())


def _contents(units: list[Unit], draft: Draft) -> None:
    for unit in units:
        draft.placements.append(Placement(unit.source, "not copied (a contents list)",
                                          unit.how))
        for line in ([unit.title] if unit.title else []) + items(unit.blocks):
            draft.replaced.append(Replaced(line, "contents list"))


def _dosing_values(draft: Draft) -> None:
    texts = draft.texts.get(DOSING_GENERAL, []) + draft.texts.get(HOW_TO_TAKE, [])
    step = deriving.single_step(texts)
    if step:
        draft.structured[DOSE_KEYS[0]] = [step.value]
        draft.derive(DOSE_KEYS[0], str(step.value), f"'{step.words}' is the only dose in "
                                                    "the dosing text")
    maximum = deriving.maximum_daily_dose(texts)
    if maximum:
        draft.structured[DOSE_KEYS[1]] = maximum.value
        draft.derive(DOSE_KEYS[1], str(maximum.value), f"'{maximum.words}'")


def _revision_in_text(draft: Draft) -> None:
    texts = [text for key in OTHER_INFORMATION for text in draft.texts.get(key, [])]
    found = deriving.revision_date(texts)
    if found:
        draft.structured["leaflet.revision_date"] = found.value
        draft.derive("leaflet.revision_date", str(found.value),
                     f"'{found.words}' (the sentence stays in the text)")


def _assemble(document: SourceDocument, medicine: Medicine, language: str,
              draft: Draft) -> dict[str, Any]:
    info = document.info
    source = {"format": info.format, "file": info.file, "id": info.id,
              "version": info.version, "date": info.date, "language": info.language}
    data: dict[str, Any] = {
        "medicine": {k: v for k, v in (("name", medicine.name),
                                       ("strength", medicine.strength),
                                       ("form", medicine.form),
                                       ("active_substance", medicine.substance)) if v},
        "leaflet": {"language": language,
                    **({"revision_date": draft.structured["leaflet.revision_date"]}
                       if "leaflet.revision_date" in draft.structured else {}),
                    "source": {k: v for k, v in source.items() if v}},
        "review": {"status": "draft"},
        "sections": _sections(CONTENT.fields["sections"].spec, "sections", draft),
    }
    notes = [f"From the name lines: {' / '.join(medicine.lines)}."] if medicine.lines else []
    if medicine.from_data:
        notes.append(f"{', '.join(medicine.from_data).capitalize()}: from the document's "
                     "product data.")
    if notes:
        draft.comments["medicine"] = [" ".join(notes)]
    draft.comments["leaflet.source"] = ["Where the text was imported from; printed beside "
                                        "the revision date."]
    extras = extra_sections(draft)
    if extras:
        data["extra_sections"] = extras
    required_placeholders(draft, data)
    return _in_order(CONTENT, data)


def _in_order(spec: Mapping, value: dict[str, Any]) -> dict[str, Any]:
    """Keys in the format's order (placeholders were added after the texts), so the file
    reads in the order the leaflet prints."""
    ordered = {}
    for key, field in spec.fields.items():
        if key in value:
            child = value[key]
            ordered[key] = _in_order(field.spec, child) if isinstance(field.spec, Mapping) \
                else child
    return ordered


def _sections(spec: Mapping, path: str, draft: Draft) -> dict[str, Any]:
    """The texts placed so far, in the format's own order of keys."""
    found: dict[str, Any] = {}
    for key, field in spec.fields.items():
        key_path = f"{path}.{key}"
        if key_path in draft.structured:
            found[key] = draft.structured[key_path]
        elif key_path in draft.texts:
            found[key] = draft.texts[key_path]
        elif key_path in draft.singles:
            found[key] = draft.singles[key_path]
        elif isinstance(field.spec, Mapping):
            inner = _sections(field.spec, key_path, draft)
            if inner:
                found[key] = inner
    return found


def _ordered(todo: list[Todo], data: dict[str, Any]) -> list[Todo]:
    """Todos in the order of the file, so the report reads top to bottom."""
    order = {key: index for index, key in enumerate(_paths(data))}
    return sorted(todo, key=lambda t: order.get(t.key, len(order)))


def _paths(value: Any, path: str = "") -> list[str]:
    if isinstance(value, dict):
        found = [path] if path else []
        for key, child in value.items():
            found += _paths(child, f"{path}.{key}" if path else key)
        return found
    return [path]

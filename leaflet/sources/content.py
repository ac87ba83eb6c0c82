"""The content format of a leaflet and its loader.

Keys are neutral (not the EU or US headings) so template sets can word and order
sections as their standard demands. Loading validates everything before anything
is rendered and reports every problem at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from leaflet.errors import ContentError, Problem
from leaflet.sources.schema import (
    PLACEHOLDER,
    Choice,
    DoseSpec,
    Field,
    Integer,
    ListOf,
    MapOf,
    Mapping,
    Placeholder,
    Text,
    Walk,
    paragraphs,
)
from leaflet.sources.tablets import SPLITTING
from leaflet.sources.yaml_source import read_nodes

LANGUAGE_TAG = r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*"
# The online version's address: https only, a host name, then only characters a URL may
# hold; short, so that its QR code stays small enough to scan from a printed page.
ONLINE_URL = (r"https://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:[0-9]{1,5})?"
              r"(/[A-Za-z0-9._~!$&'()*+,;=:@%/?#-]*)?")
ONLINE_URL_CHARS = 200
DATE = r"\d{4}-\d{2}-\d{2}"
REVIEW_STATUSES = ("draft", "approved")


def check_steps(steps: list[Any], node: yaml.SequenceNode, path: str, walk: Walk) -> None:
    """Only the last step may run on without an end: every other row needs its days."""
    for index, (step, step_node) in enumerate(zip(steps, node.value, strict=True)):
        if step and index < len(steps) - 1 and "days" not in step:
            walk.fail(step_node, f"{path}[{index}].days",
                      "required on every step but the last (how many days this dose lasts)")


def after(default: str, us_medguide: str | None = None) -> str:
    """Where the built-in sets print a key: the words just before it (NAME is the medicine's
    name), so that a writer phrases items to follow on. Checked against the templates by
    tests/test_new.py; `leaflet new` puts it in each key's comment."""
    if us_medguide is None:
        return f"both sets: after '{default}'"
    return f"default set: after '{default}'; us-medguide: after '{us_medguide}'"


DRAFT_VALUE = " A draft may hold a [placeholder] for a person to write."


def _step(placeholders: bool) -> Mapping:
    """A row of the dose table; content's may hold [placeholders] (a draft from a leaflet
    that gives no dose steps), a patient's never."""
    hint = DRAFT_VALUE if placeholders else ""
    return Mapping(
        {
            "days": Field(Integer(description="How many days this step lasts; the last step "
                                              "may leave it out to mean 'until your doctor "
                                              "says'." + hint,
                                  minimum=1, maximum=3650, placeholder=placeholders),
                          required=False),
            "dose": Field(DoseSpec(description="Dose each time, e.g. '5 mg'." + hint,
                                   placeholder=placeholders)),
            "times_a_day": Field(Integer(description="How many times a day, e.g. 3." + hint,
                                         minimum=1, maximum=24, placeholder=placeholders)),
        },
        description="One row of the dose table.",
    )


STEP = _step(placeholders=False)

# The words each set prints before a group of side effects: (default set, us-medguide).
FREQUENCIES = {
    "very_common": ("Very common (may affect more than 1 in 10 people):",
                    "The most common side effects (more than 1 in 10 people):"),
    "common": ("Common (may affect up to 1 in 10 people):",
               "Common side effects (up to 1 in 10 people):"),
    "uncommon": ("Uncommon (may affect up to 1 in 100 people):",
                 "Uncommon side effects (up to 1 in 100 people):"),
    "rare": ("Rare (may affect up to 1 in 1,000 people):",
             "Rare side effects (up to 1 in 1,000 people):"),
    "very_rare": ("Very rare (may affect up to 1 in 10,000 people):",
                  "Very rare side effects (up to 1 in 10,000 people):"),
    "not_known": ("Not known (frequency cannot be estimated from the available data):",
                  "Other side effects (how often is not known):"),
}

CONTENT = Mapping(
    {
        "medicine": Field(Mapping({
            "name": Field(Text(description="The medicine's name as the leaflet prints it in "
                                           "the title, headings and lead-in words")),
            "strength": Field(Text(description="The strength of one tablet or unit, e.g. "
                                               "'10 mg'; printed after the name in the title"),
                              required=False),
            "form": Field(Text(description="The form, e.g. 'tablets' or 'oral solution'; "
                                           "printed after the strength in the title")),
            "splitting": Field(Choice(SPLITTING, description=(
                "For tablets: 'halves' if a tablet may be split in half (a patient's page may "
                "then say 'half a tablet'), 'whole' if it must be swallowed whole (prolonged-"
                "release, coated): doses are then whole tablets. Left out: halves")),
                required=False),
            "active_substance": Field(Text(description="The active substance, printed under "
                                                       "the title")),
        }, description="The medicine the leaflet is about")),
        "leaflet": Field(Mapping({
            "language": Field(Text(reader=False, pattern=LANGUAGE_TAG,
                                   hint="expected a language tag such as 'en-GB'",
                                   description="The language of the text as a tag, e.g. "
                                               "'en-GB' or 'en-US'")),
            "revision_date": Field(Text(
                description="When the text was last revised: '2026-05' or '2026-05-14', or a "
                            "[placeholder] until it is known",
                pattern=rf"\d{{4}}-\d{{2}}(-\d{{2}})?|{PLACEHOLDER}",
                hint="expected a date like '2026-05' or a [placeholder]")),
            "author": Field(Text(reader=False,
                                 description="Who issues the leaflet (PDF metadata)")),
            "online_url": Field(Text(
                reader=False, pattern=f"{ONLINE_URL}|{PLACEHOLDER}", max_chars=ONLINE_URL_CHARS,
                hint="expected an https:// address such as 'https://example.org/leaflet' or "
                     "a [placeholder]",
                description="Where the leaflet can be read online: printed with a QR code "
                            f"that leads there (https only, at most {ONLINE_URL_CHARS} "
                            "characters). Left out, or a [placeholder]: no code"),
                required=False),
            "source": Field(Mapping({
                "format": Field(Text(reader=False, description="The source's format, e.g. "
                                                               "'FDA SPL document (HL7 v3 XML)'")),
                "file": Field(Text(reader=False, description="The file imported, its name "
                                                             "only")),
                "id": Field(Text(reader=False, description="The document's identifier in "
                                                           "the source"), required=False),
                "version": Field(Text(reader=False, description="The document's version"),
                                 required=False),
                "date": Field(Text(reader=False, description="The document's date, e.g. "
                                                             "'2022-11-09'"), required=False),
                "language": Field(Text(reader=False, description="The language the source "
                                                                 "declares"), required=False),
            }, description="Where the text was imported from; written by leaflet import, "
                           "printed beside the revision date"), required=False),
        }, description="About the leaflet itself: its language, revision date and issuer")),
        "review": Field(Mapping({
            "status": Field(Choice(REVIEW_STATUSES, description="'approved' only once a "
                                   "named pharmacist or doctor has signed the text off")),
            "reviewer": Field(Text(reader=False, description="Who approved it (name and role)"),
                              required=False),
            "date": Field(Text(reader=False, description="When it was approved, e.g. "
                               "'2026-05-14'", pattern=rf"{DATE}|{PLACEHOLDER}",
                               hint="expected a date like '2026-05-14' or a [placeholder]"),
                          required=False),
        }, description="Who signed the content off for patients; without it, or with status "
                       "'draft', every page of the leaflet says it is a draft"),
            required=False),
        "sections": Field(Mapping({
            "about": Field(Mapping({
                "what_it_is": Field(paragraphs(
                    "What the medicine is, in paragraphs. "
                    + after("What NAME is and what it is used for", "What is NAME?"))),
                "used_for": Field(paragraphs(
                    "Conditions it treats, one per item (e.g. 'muscle spasms caused by "
                    "multiple sclerosis'). "
                    + after("NAME is used to treat:",
                            "NAME is a prescription medicine used to treat:"))),
                "how_it_helps": Field(paragraphs(
                    "How it helps and what to expect, in paragraphs. both sets: after the "
                    "used_for list"), required=False),
            }, description="What the medicine is and what it is used for")),
            "key_information": Field(Mapping({
                "points": Field(paragraphs(
                    "The most important facts, one per item, printed in bold. "
                    + after("Most important things to know about NAME", "Read this first"))),
            }, description="The most important information, printed first in a box")),
            "before_taking": Field(Mapping({
                "do_not_take": Field(paragraphs(
                    "Who must not take it, one per item, finishing the sentence (e.g. 'you are "
                    "allergic to ...'). " + after("Do not take NAME if:"))),
                "talk_to_doctor": Field(paragraphs(
                    "Warnings and precautions, one per item, finishing the sentence (e.g. "
                    "'have kidney problems'). "
                    + after("Talk to your doctor or pharmacist before taking NAME if you:",
                            "Before you take NAME, tell your healthcare provider about all of "
                            "your medical conditions, including if you:"))),
                "children": Field(paragraphs(
                    "Use in children and adolescents, in paragraphs. "
                    + after("Children and adolescents", "Children"))),
                "other_medicines": Field(Mapping({
                    "intro": Field(Text(
                        description="One paragraph leading into the list; end it with the "
                                    "words the items finish (e.g. '... This is more likely "
                                    "with:'). " + after("Other medicines and NAME",
                                                        "Other medicines"))),
                    "items": Field(paragraphs(
                        "Medicines or groups of medicines, one per item. both sets: after "
                        "other_medicines.intro")),
                }, description="Other medicines that affect it or that it affects")),
                "food_and_alcohol": Field(paragraphs(
                    "Taking it with food, drink and alcohol, in paragraphs. "
                    + after("NAME with food, drink and alcohol", "Alcohol, food and drink"))),
                "pregnancy_and_breastfeeding": Field(paragraphs(
                    "Pregnancy and breast-feeding, in paragraphs. "
                    + after("Pregnancy and breast-feeding", "Pregnancy and breastfeeding"))),
                "driving": Field(paragraphs(
                    "Effects on driving and using machines, in paragraphs. "
                    + after("Driving and using machines"))),
                "contains": Field(paragraphs(
                    "Ingredients with a known effect and what they mean for the patient, in "
                    "paragraphs. " + after("NAME contains", "Ingredients to know about")),
                                  required=False),
            }, description="What to know before taking it")),
            "dosing": Field(Mapping({
                "general": Field(paragraphs(
                    "Taking it as prescribed, in paragraphs. "
                    + after("How to take NAME", "How should I take NAME?"))),
                "schedule": Field(Mapping({
                    "intro": Field(Text(description="One paragraph introducing the dose "
                                                    "table. " + after("How much to take"))),
                    "timing": Field(Text(
                        description="Explicit times of day for each intake (e.g. 'in the "
                                    "morning and in the evening'). "
                                    + after("When to take each dose:"))),
                    "steps": Field(ListOf(_step(placeholders=True), check=check_steps,
                                          description=(
                        "The rows of the dose table, in order. both sets: after "
                        "schedule.intro, in a table with the columns 'Days', 'Dose each time', "
                        "'How many times a day' and 'Total in one day'"))),
                    "after": Field(paragraphs(
                        "What happens after these steps, in paragraphs. both sets: after the "
                        "schedule.timing line"), required=False),
                }, description="The usual dose, printed as a table")),
                "maximum_daily_dose": Field(DoseSpec(
                    description="The most to take in one day, e.g. '80 mg' (both sets print "
                                "'Highest dose: usually no more than DOSE in one day.')."
                                + DRAFT_VALUE, placeholder=True)),
                "how_to_take": Field(paragraphs(
                    "How to take each dose, one per item (e.g. 'Swallow the tablets with "
                    "water.'). " + after("How to take it", "Never take more than your "
                                         "healthcare provider has told you."))),
            }, description="How much to take, when and how")),
            "missed_dose": Field(paragraphs(
                "What to do after a missed dose, in paragraphs. "
                + after("If you forget to take NAME", "If you miss a dose"))),
            "overdose": Field(Mapping({
                "action": Field(paragraphs(
                    "What to do at once, in paragraphs printed in bold in a box. "
                    + after("Too much NAME is an emergency"))),
                "signs": Field(paragraphs(
                    "Signs of taking too much, one per item. "
                    + after("Signs of taking too much include:"))),
            }, description="What to do after taking too much")),
            "stopping": Field(Mapping({
                "advice": Field(paragraphs(
                    "What to know before stopping, in paragraphs. "
                    + after("If you stop taking NAME", "Do not stop taking NAME suddenly")
                    + " (or after 'If you stop taking NAME' when withdrawal_signs "
                      "is left out)")),
                "withdrawal_signs": Field(paragraphs(
                    "Signs of stopping too quickly, one per item; only for a medicine whose "
                    "dose must be lowered slowly: leave it out and nothing on the leaflet "
                    "speaks of stopping too quickly. "
                    + after("Signs of stopping too quickly include:")), required=False),
            }, description="What happens when you stop taking it")),
            "side_effects": Field(Mapping({
                "intro": Field(paragraphs(
                    "Side effects in general, in paragraphs. default set: after the urgent "
                    "box; us-medguide: after the see_doctor list (or the urgent box)")),
                "urgent": Field(Mapping({
                    "intro": Field(Text(
                        description="One line in bold leading into the signs; end it with the "
                                    "words they finish (e.g. '... go to hospital if you "
                                    "have:'). "
                                    + after("Serious side effects: get help at once",
                                            "Get emergency help right away"))),
                    "signs": Field(paragraphs(
                        "Serious effects that need help at once, one per item, in bold. both "
                        "sets: after urgent.intro, in the box")),
                }, description="Serious effects that need help at once; printed first")),
                "see_doctor": Field(paragraphs(
                    "Effects to tell a doctor about soon, one per item (e.g. 'you feel "
                    "confused'). " + after("Tell your doctor as soon as you can if:",
                                           "Call your healthcare provider as soon as you can "
                                           "if:")), required=False),
                "by_frequency": Field(Mapping(
                    {key: Field(paragraphs("Side effects this common, one per item. "
                                           + after(*words)), required=False)
                     for key, words in FREQUENCIES.items()},
                    at_least_one=True,
                    description="Other side effects by how often they happen: give at least "
                                "one group and delete the groups you have nothing for")),
                "reporting": Field(paragraphs(
                    "How to report side effects, in paragraphs. "
                    + after("Reporting of side effects",
                            "These are not all the possible side effects of NAME."))),
            }, description="Possible side effects")),
            "storage": Field(paragraphs(
                "How to store it and throw it away, one per item. "
                + after("How to store NAME", "How should I store NAME?"))),
            "other_information": Field(Mapping({
                "contains": Field(paragraphs(
                    "The active substance and the other ingredients, in paragraphs. "
                    + after("What NAME contains", "What are the ingredients in NAME?"))),
                "appearance": Field(paragraphs(
                    "What it looks like and the pack sizes, in paragraphs. "
                    + after("What NAME looks like and contents of the pack",
                            "What NAME looks like"))),
                "holder": Field(paragraphs(
                    "Who holds the marketing authorisation and who makes it, in paragraphs. "
                    + after("Marketing authorisation holder and manufacturer", "Made by"))),
                "contact": Field(paragraphs(
                    "Who to ask with questions, in paragraphs. "
                    + after("Questions and contact",
                            "You can ask your pharmacist or healthcare provider for "
                            "information about NAME that is written for health "
                            "professionals."))),
            }, description="Contents of the pack and other information")),
        }, description="The text of the leaflet; each template set words the headings and "
                       "orders the sections")),
        "extra_sections": Field(MapOf(Mapping({
            "title": Field(Text(description="The section's heading")),
            "paragraphs": Field(paragraphs("Paragraphs. both sets: after the title"),
                                required=False),
            "items": Field(paragraphs("A bulleted list, one per item. both sets: after the "
                                      "paragraphs (or the title)"), required=False),
        }, at_least_one=True, description="One section of your own, named with lower-case "
                                          "letters, digits and '_'"),
            description="Sections of your own, printed after the numbered ones: each has a "
                        "title and paragraphs and/or a list"), required=False),
    },
    description="A patient information leaflet's content.",
)


@dataclass(frozen=True)
class ExtraSection:
    """A section of the content's own, as templates read it. A mapping would set a trap:
    `extra.items` is a mapping's own method, so `{% for item in extra.items %}` fails. Here
    it is the list; `extra["items"]` and `"items" in extra` (given in the file) still work."""

    title: str
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()

    def __contains__(self, key: object) -> bool:
        return key in ("title", "paragraphs", "items") and bool(getattr(self, str(key)))

    def __getitem__(self, key: str) -> str | tuple[str, ...]:
        if key not in self:
            raise KeyError(key)
        return getattr(self, key)


def _extra_sections(sections: dict[str, dict[str, Any]]) -> dict[str, ExtraSection]:
    return {key: ExtraSection(section["title"], tuple(section.get("paragraphs", ())),
                              tuple(section.get("items", ())))
            for key, section in sections.items()}


@dataclass(frozen=True)
class Content:
    """A validated content file: the data, where each key was, and every reader-facing text."""

    source: Path
    data: dict[str, Any]
    lines: dict[str, int]
    reader_texts: tuple[tuple[str, str], ...]

    @property
    def name(self) -> str:
        return str(self.source)

    @property
    def review(self) -> dict[str, Any]:
        """The review block; content without one is a draft."""
        return self.data.get("review") or {"status": "draft"}

    @property
    def approved(self) -> bool:
        return self.review.get("status") == "approved"

    def unwritten_doses(self) -> list[tuple[str, str]]:
        """(key, text) of each [placeholder] in the dose table and maximum daily dose: values
        a person has still to write, which nothing may compare or count."""
        dosing = self.data["sections"]["dosing"]
        values = [(f"sections.dosing.schedule.steps[{index}].{key}", value)
                  for index, step in enumerate(dosing["schedule"]["steps"])
                  for key, value in step.items()]
        values.append(("sections.dosing.maximum_daily_dose", dosing["maximum_daily_dose"]))
        return [(key, value) for key, value in values if isinstance(value, Placeholder)]


@dataclass(frozen=True)
class ParsedContent:
    """A content file read as YAML and checked against the format, problems kept, not raised."""

    root: yaml.Node
    content: Content | None
    lines: dict[str, int]
    problems: list[Problem]


def parse_content(path: Path | str) -> ParsedContent:
    """Validate a content file and return every format problem; ``content`` is None if any.

    Unreadable YAML still raises ContentError: there is nothing to report on."""
    path = Path(path)
    root = read_nodes(path, ContentError)
    walk = Walk(file=str(path))
    data = CONTENT.validate(root, "", walk)
    if data and data.get("extra_sections") and not walk.problems:
        data["extra_sections"] = _extra_sections(data["extra_sections"])
    content = None if walk.problems or data is None else Content(
        path, data, walk.lines, tuple(walk.reader_texts))
    return ParsedContent(root, content, walk.lines, walk.problems)


def load_content(path: Path | str) -> Content:
    """Read and fully validate a content file; raise ContentError naming every problem."""
    parsed = parse_content(path)
    if parsed.content is None:
        raise ContentError(parsed.problems)
    return parsed.content


def json_schema() -> str:
    """The content format as JSON Schema (draft 2020-12), for editors."""
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "leaflet content file",
        **CONTENT.json_schema(),
    }
    return json.dumps(schema, indent=2, ensure_ascii=False)

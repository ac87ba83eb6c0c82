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
    Choice,
    DoseSpec,
    Field,
    Integer,
    ListOf,
    MapOf,
    Mapping,
    Text,
    Walk,
    paragraphs,
)
from leaflet.sources.yaml_source import read_nodes

PLACEHOLDER = r"\[[^\[\]]+\]"
LANGUAGE_TAG = r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*"
DATE = r"\d{4}-\d{2}-\d{2}"
REVIEW_STATUSES = ("draft", "approved")


def check_steps(steps: list[Any], node: yaml.SequenceNode, path: str, walk: Walk) -> None:
    """Only the last step may run on without an end: every other row needs its days."""
    for index, (step, step_node) in enumerate(zip(steps, node.value, strict=True)):
        if step and index < len(steps) - 1 and "days" not in step:
            walk.fail(step_node, f"{path}[{index}].days",
                      "required on every step but the last (how many days this dose lasts)")


STEP = Mapping(
    {
        "days": Field(Integer(description="How many days this step lasts; the last step may "
                                          "leave it out to mean 'until your doctor says'",
                              minimum=1, maximum=3650), required=False),
        "dose": Field(DoseSpec(description="Dose each time, e.g. '5 mg'")),
        "times_a_day": Field(Integer(description="Intakes a day", minimum=1, maximum=24)),
    },
    description="One row of the dose table.",
)

CONTENT = Mapping(
    {
        "medicine": Field(Mapping({
            "name": Field(Text(description="The medicine's name as the leaflet uses it")),
            "strength": Field(Text(description="e.g. '10 mg'"), required=False),
            "form": Field(Text(description="e.g. 'tablets', 'oral solution'")),
            "active_substance": Field(Text()),
        })),
        "leaflet": Field(Mapping({
            "language": Field(Text(reader=False, pattern=LANGUAGE_TAG,
                                   hint="expected a language tag such as 'en-GB'")),
            "revision_date": Field(Text(
                description="'2026-05' or '2026-05-14', or a [placeholder] until it is known",
                pattern=rf"\d{{4}}-\d{{2}}(-\d{{2}})?|{PLACEHOLDER}",
                hint="expected a date like '2026-05' or a [placeholder]")),
            "author": Field(Text(reader=False,
                                 description="Who issues the leaflet (PDF metadata)")),
        })),
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
                "what_it_is": Field(paragraphs()),
                "used_for": Field(paragraphs("Conditions it treats")),
                "how_it_helps": Field(paragraphs(), required=False),
            }, description="What the medicine is and what it is used for")),
            "key_information": Field(Mapping({
                "points": Field(paragraphs()),
            }, description="The most important information, printed first in a box")),
            "before_taking": Field(Mapping({
                "do_not_take": Field(paragraphs()),
                "talk_to_doctor": Field(paragraphs("Warnings and precautions")),
                "children": Field(paragraphs()),
                "other_medicines": Field(Mapping({
                    "intro": Field(Text()),
                    "items": Field(paragraphs()),
                })),
                "food_and_alcohol": Field(paragraphs()),
                "pregnancy_and_breastfeeding": Field(paragraphs()),
                "driving": Field(paragraphs()),
                "contains": Field(paragraphs("Ingredients with a known effect"),
                                  required=False),
            })),
            "dosing": Field(Mapping({
                "general": Field(paragraphs()),
                "schedule": Field(Mapping({
                    "intro": Field(Text()),
                    "timing": Field(Text(description="Explicit times of day for each intake")),
                    "steps": Field(ListOf(STEP, check=check_steps)),
                    "after": Field(paragraphs(), required=False),
                })),
                "maximum_daily_dose": Field(DoseSpec()),
                "how_to_take": Field(paragraphs()),
            })),
            "missed_dose": Field(paragraphs()),
            "overdose": Field(Mapping({
                "action": Field(paragraphs("What to do at once")),
                "signs": Field(paragraphs()),
            })),
            "stopping": Field(Mapping({
                "advice": Field(paragraphs()),
                "withdrawal_signs": Field(paragraphs()),
            })),
            "side_effects": Field(Mapping({
                "intro": Field(paragraphs()),
                "urgent": Field(Mapping({
                    "intro": Field(Text()),
                    "signs": Field(paragraphs()),
                }, description="Serious effects that need help at once; printed first")),
                "see_doctor": Field(paragraphs(), required=False),
                "by_frequency": Field(Mapping(
                    {name: Field(paragraphs(), required=False) for name in (
                        "very_common", "common", "uncommon", "rare", "very_rare", "not_known")},
                    at_least_one=True)),
                "reporting": Field(paragraphs()),
            })),
            "storage": Field(paragraphs()),
            "other_information": Field(Mapping({
                "contains": Field(paragraphs()),
                "appearance": Field(paragraphs()),
                "holder": Field(paragraphs()),
                "contact": Field(paragraphs()),
            })),
        })),
        "extra_sections": Field(MapOf(Mapping({
            "title": Field(Text()),
            "paragraphs": Field(paragraphs(), required=False),
            "items": Field(paragraphs(), required=False),
        }, at_least_one=True), description="Sections of your own: each has a title and "
                                            "paragraphs and/or a list"), required=False),
    },
    description="A patient information leaflet's content.",
)


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

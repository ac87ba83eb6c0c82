"""A template set's checking rules, read from data: checks.yaml and plain_words.yaml.

Which sections a leaflet must have, the readability targets and the oldest revision
date allowed differ between standards (an EU package leaflet, a US Medication Guide),
so they live beside the templates that word and order those sections. A set without
its own files uses the built-in default set's.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leaflet.errors import Problem, TemplateError, closest
from leaflet.render.templates import Chain, TemplateSet, find_in_chain
from leaflet.sources.content import CONTENT
from leaflet.sources.schema import Field, ListOf, MapOf, Mapping, Number, Spec, Text, Walk
from leaflet.sources.yaml_source import read_nodes

CHECKS_FILE = "checks.yaml"
PLAIN_WORDS_FILE = "plain_words.yaml"  # English: every set has one
PLAIN_WORDS_IN = "plain_words.{language}.yaml"  # another language: optional
KEY_PATH = r"[a-z_]+(\.[a-z_]+)*"


def _key_path(description: str = "") -> Text:
    return Text(reader=False, pattern=KEY_PATH, description=description,
                hint="expected a content key path such as 'sections.overdose'")


CHECKS = Mapping({
    "required_sections": Field(ListOf(Mapping({
        "key": Field(_key_path()),
        "what": Field(Text(reader=False, description="What the section tells the patient, "
                                                     "for the message when it is missing")),
    }), description="Key paths the content must have, each with real text, not only "
                    "[placeholders]")),
    "get_help_at_once": Field(_key_path("The list of serious effects that need help at once; "
                                        "it must hold at least one real item")),
    "dose_text": Field(ListOf(_key_path(), description="Where doses in the text must agree "
                                                       "with the dose table and maximum")),
    "readability": Field(Mapping({
        "grade_max": Field(Number(minimum=1, maximum=20,
                                  description="Highest Flesch-Kincaid grade per section")),
        "reading_ease_min": Field(Number(minimum=0, maximum=100,
                                         description="Lowest Flesch reading ease per section")),
        "average_sentence_words_max": Field(Number(minimum=5, maximum=60)),
        "sentence_words_max": Field(Number(minimum=5, maximum=100,
                                           description="No sentence may be longer")),
    })),
    "revision_max_age_years": Field(Number(minimum=0.5, maximum=20, description=(
        "A revision date older than this is a warning: the leaflet is due for review"))),
}, description="What `leaflet check` asks of content for this template set")

PLAIN_WORDS = MapOf(Text(reader=False), key_pattern=None, non_empty=True,
                    description="Medical word or phrase -> the plain words to use instead")


@dataclass(frozen=True)
class Readability:
    """The limits the readability check holds the text to (checks.yaml)."""

    grade_max: float
    reading_ease_min: float
    average_sentence_words_max: float
    sentence_words_max: int


@dataclass(frozen=True)
class CheckConfig:
    """The rules of one template set, checked and ready to use."""

    source: Path
    required_sections: tuple[tuple[str, str], ...]
    get_help_at_once: str
    dose_text: tuple[str, ...]
    readability: Readability
    revision_max_age_years: float
    plain_words: dict[str, str]
    plain_words_source: Path
    chain: Chain = ()  # the set's folders, where each language's word list is looked up

    def plain_words_for(self, language: str) -> dict[str, str] | None:
        """The word list for a content language tag: plain_words.yaml for English,
        plain_words.LANG.yaml (LANG the primary subtag, 'es' for 'es-MX') for another,
        the set's own or its parent's; None where the set has none for the language."""
        primary = language.split("-")[0].lower()
        if primary == "en":
            return self.plain_words
        return _load_words(self.chain, PLAIN_WORDS_IN.format(language=primary))


def _data_file(chain: Chain, name: str) -> Path:
    """The set's own file, else its parent's, as templates are looked up."""
    path = find_in_chain(chain, name)
    if path is None:
        raise TemplateError(Problem(str(chain[0][1]), None, None,
                                    f"{name} not found in the set or the sets it extends"))
    return path


def load_config(template_set: TemplateSet) -> CheckConfig:
    """The checks of a template set, read once per process; TemplateError names file,
    line and key."""
    return _load_config(template_set.chain)


@functools.cache
def _load_config(chain: Chain) -> CheckConfig:
    checks_path = _data_file(chain, CHECKS_FILE)
    words_path = _data_file(chain, PLAIN_WORDS_FILE)
    checks, lines = _read(checks_path, CHECKS)
    words, _ = _read(words_path, PLAIN_WORDS)
    _known_keys(checks_path, checks, lines)
    targets = checks["readability"]
    return CheckConfig(
        source=checks_path,
        required_sections=tuple((item["key"], item["what"])
                                for item in checks["required_sections"]),
        get_help_at_once=checks["get_help_at_once"],
        dose_text=tuple(checks["dose_text"]),
        readability=Readability(targets["grade_max"], targets["reading_ease_min"],
                                targets["average_sentence_words_max"],
                                int(targets["sentence_words_max"])),
        revision_max_age_years=checks["revision_max_age_years"],
        plain_words={word.lower(): plain for word, plain in words.items()},
        plain_words_source=words_path,
        chain=chain,
    )


@functools.cache
def _load_words(chain: Chain, name: str) -> dict[str, str] | None:
    path = find_in_chain(chain, name)
    if path is None:
        return None
    words, _ = _read(path, PLAIN_WORDS)
    return {word.lower(): plain for word, plain in words.items()}


def _read(path: Path, spec: Spec) -> tuple[Any, dict[str, int]]:
    """The validated values and the line of each key."""
    walk = Walk(file=str(path))
    values = spec.validate(read_nodes(path, TemplateError), "", walk)
    if walk.problems:
        raise TemplateError(walk.problems)
    return values, walk.lines


def content_key_paths(spec: Spec = CONTENT, prefix: str = "") -> set[str]:
    """Every key path the content format knows, e.g. 'sections.overdose.signs'."""
    paths: set[str] = set()
    if isinstance(spec, Mapping):
        for key, field in spec.fields.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            paths |= content_key_paths(field.spec, path)
    return paths


def _known_keys(path: Path, checks: dict[str, Any], lines: dict[str, int]) -> None:
    """A typo in checks.yaml would make every leaflet fail (or pass) for the wrong reason."""
    known = content_key_paths()
    named = [(f"required_sections[{i}].key", item["key"])
             for i, item in enumerate(checks["required_sections"])]
    named.append(("get_help_at_once", checks["get_help_at_once"]))
    named += [(f"dose_text[{i}]", key) for i, key in enumerate(checks["dose_text"])]
    problems = []
    for where, key in named:
        if key not in known:
            close = closest(key, sorted(known), 0.8)
            hint = f"; did you mean {close!r}?" if close else ""
            problems.append(Problem(str(path), lines.get(where), where,
                                    f"{key!r} is not a key of the content format{hint}"))
    if problems:
        raise TemplateError(problems)

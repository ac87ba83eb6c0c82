"""The patient's text of a content file, grouped by section, as the rules read it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from leaflet.sources.content import PLACEHOLDER, Content

PLACEHOLDER_RE = re.compile(PLACEHOLDER)
_DOSE_FIELD = re.compile(r"\.steps\[\d+\]\.(dose|days|times_a_day)$|\.maximum_daily_dose$")
_SECTION = re.compile(r"sections\.([a-z_]+)")


def section_of(key: str) -> str | None:
    """'overdose' for 'sections.overdose.signs[2]'; None outside the sections."""
    match = _SECTION.match(key)
    return match.group(1) if match else None


def under(key: str, prefix: str) -> bool:
    """Whether ``key`` is ``prefix`` or inside it ('a.b[2]' is under 'a.b', 'a.bc' is not)."""
    return key.startswith(prefix) and (len(key) == len(prefix) or key[len(prefix)] in ".[")


def prose(content: Content) -> Iterator[tuple[str, str]]:
    """(key path, text) for every sentence-bearing text under ``sections``: paragraphs and
    list items, not dose table cells (nor their [placeholders])."""
    for key, text in content.reader_texts:
        if section_of(key) and not _DOSE_FIELD.search(key):
            yield key, text


def without_placeholders(text: str) -> str:
    """The text a patient would read once the [placeholders] are filled in, minus them."""
    return " ".join(PLACEHOLDER_RE.sub(" ", text).split())

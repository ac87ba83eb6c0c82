"""The few words the page adds that no template says: the contents heading and the name of
a box that has no heading of its own. In the leaflet's language where known; otherwise in
English, marked as English so that a screen reader says them right."""

from __future__ import annotations

from dataclasses import dataclass

WORDS: dict[str, dict[str, str]] = {
    "en": {"contents": "Contents", "important": "Important", "urgent": "Urgent"},
    "de": {"contents": "Inhalt", "important": "Wichtig", "urgent": "Dringend"},
    "fr": {"contents": "Sommaire", "important": "Important", "urgent": "Urgent"},
    "es": {"contents": "Índice", "important": "Importante", "urgent": "Urgente"},
    "it": {"contents": "Indice", "important": "Importante", "urgent": "Urgente"},
    "nl": {"contents": "Inhoud", "important": "Belangrijk", "urgent": "Dringend"},
}


@dataclass(frozen=True)
class Word:
    """A word to show and, when it is not in the page's language, its own language."""

    text: str
    lang: str | None = None


def word(name: str, lang: str) -> Word:
    """``name`` ('contents', 'important', 'urgent') in the language tag ``lang``."""
    primary = lang.split("-")[0].lower()
    if primary in WORDS:
        return Word(WORDS[primary][name])
    return Word(WORDS["en"][name], "en")

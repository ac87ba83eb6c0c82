"""Plain words: medical terms from the template set's word list, each a warning with the
plain words to use instead, unless the same text already explains it.

A medical word is explained, and not flagged, when it stands in brackets after the plain
words ("fits (seizures)"), is followed by an explanation in brackets ("antihistamines
(allergy medicines ...)"), or when its plain words appear elsewhere in the same text.
Patients meet both words on packs and in the clinic, so pairing them is good practice.

Each language has its own list (plain_words.yaml for English, plain_words.es.yaml for
Spanish and so on); content in a language the set has no list for is not checked, and
the check says so rather than matching English words against it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from leaflet.check.findings import Finding, Located
from leaflet.check.texts import prose
from leaflet.sources.content import Content


@dataclass(frozen=True)
class Terms:
    """The whole word list as one pattern (one pass over each text), longest terms first so
    'orthostatic hypotension' wins over 'hypotension'."""

    pattern: re.Pattern[str]
    plain: dict[str, str]  # the word as listed, lower case, single-spaced -> plain words

    def plain_for(self, found: str) -> tuple[str, str]:
        """(listed word, plain words) for a match such as 'Tinnitus' or 'hypotensions'."""
        key = " ".join(found.lower().split())
        for candidate in (key, key.removesuffix("es"), key.removesuffix("s")):
            if candidate in self.plain:
                return candidate, self.plain[candidate]
        raise KeyError(found)


@functools.cache
def compile_terms(words: tuple[tuple[str, str], ...]) -> Terms:
    """Whole words, any case, any spacing in phrases, with an optional plural ending."""
    listed = sorted(words, key=lambda item: -len(item[0]))
    bodies = [r"\s+".join(re.escape(part) for part in word.split()) for word, _ in listed]
    pattern = re.compile(rf"(?<![\w-])((?:{'|'.join(bodies)})(?:e?s)?)(?![\w-])",
                         re.IGNORECASE)
    return Terms(pattern, {" ".join(word.lower().split()): plain for word, plain in listed})


def _explained(text: str, match: re.Match[str], plain: str) -> bool:
    before = text[:match.start()].rstrip()
    after = text[match.end():]
    in_brackets = before.endswith("(") and after.startswith(")") and before[:-1].strip()
    followed_by_brackets = after.startswith(" (")
    plain_alone = plain if "..." not in plain else ""
    plain_nearby = bool(plain_alone) and re.search(
        rf"(?<!\w){re.escape(plain_alone)}(?!\w)", text, re.IGNORECASE) is not None
    return bool(in_brackets) or followed_by_brackets or plain_nearby


def _message(word: str, plain: str) -> str:
    message = f'medical word "{word}": say "{plain}" instead'
    if "..." not in plain:
        message += f', or write both: "{plain} ({word})"'
    return message


def check_plain_words(content: Content, words: dict[str, str] | None) -> list[Finding]:
    """A warning for each unexplained medical word; ``words`` None (no list for the
    content's language) gives one note instead."""
    at = Located(content.name, content.lines, "plain-words")
    if words is None:
        language = content.data["leaflet"]["language"]
        primary = language.split("-")[0].lower()
        return [at.note("leaflet.language", f"plain words are not checked in {language!r}: "
                                            f"the template set has no plain_words.{primary}"
                                            ".yaml word list")]
    terms = compile_terms(tuple(words.items()))
    findings = []
    for key, text in prose(content):
        for match in terms.pattern.finditer(text):
            _, plain = terms.plain_for(match.group(1))
            if _explained(text, match, plain):
                continue
            findings.append(at.warning(key, _message(match.group(1), plain), suggestion=plain))
    return sorted(findings, key=lambda f: (f.line or 0, f.message))

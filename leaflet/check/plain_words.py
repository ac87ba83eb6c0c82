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
from collections.abc import Iterator
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
    bodies: dict[str, str]  # the same words -> the pattern each is matched by, in its order
    # For a list in ASCII, the same pattern in lower case (None for any other list): matched
    # without IGNORECASE against a text in ASCII lowered first, it finds what the case-blind
    # pattern finds, three times faster. Lowering is exact only for ASCII on both sides: a
    # listed U+017F (long s) matches an 's' without case, but its lower case is itself.
    lowered: re.Pattern[str] | None

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """Where each listed word stands in ``text``."""
        if self.lowered is not None and text.isascii():
            return (match.span() for match in self.lowered.finditer(text.lower()))
        return (match.span() for match in self.pattern.finditer(text))

    def plain_for(self, found: str) -> tuple[str, str]:
        """(listed word, plain words) for a match such as 'Tinnitus' or 'hypotensions'."""
        key = " ".join(found.lower().split())
        for candidate in (key, key.removesuffix("es"), key.removesuffix("s")):
            if candidate in self.plain:
                return candidate, self.plain[candidate]
        # a word matched without being its lower case ('seizure' for a listed 'seizure'
        # spelt with a long s)
        for listed, body in self.bodies.items():
            if re.fullmatch(rf"(?:{body})(?:e?s)?", found, re.IGNORECASE):
                return listed, self.plain[listed]
        raise KeyError(found)  # the pattern matches only what one of the bodies matches


@functools.cache
def compile_terms(words: tuple[tuple[str, str], ...]) -> Terms:
    """Whole words, any case, any spacing in phrases, with an optional plural ending."""
    listed = sorted(words, key=lambda item: -len(item[0]))

    def body(word: str) -> str:
        return r"\s+".join(re.escape(part) for part in word.split())

    def pattern(case: int, words: list[str]) -> re.Pattern[str]:
        return re.compile(rf"(?<![\w-])(?:{'|'.join(map(body, words))})(?:e?s)?(?![\w-])", case)

    words_listed = [word for word, _ in listed]
    keys = [" ".join(word.lower().split()) for word in words_listed]
    ascii_list = all(word.isascii() for word in words_listed)
    return Terms(pattern(re.IGNORECASE, words_listed),
                 dict(zip(keys, (plain for _, plain in listed), strict=True)),
                 dict(zip(keys, map(body, words_listed), strict=True)),
                 pattern(0, [word.lower() for word in words_listed]) if ascii_list else None)


def _explained(text: str, start: int, end: int, plain: str) -> bool:
    before = text[:start].rstrip()
    after = text[end:]
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
        for start, end in terms.spans(text):
            found = text[start:end]
            _, plain = terms.plain_for(found)
            if _explained(text, start, end, plain):
                continue
            findings.append(at.warning(key, _message(found, plain), suggestion=plain))
    return sorted(findings, key=lambda f: (f.line or 0, f.message))

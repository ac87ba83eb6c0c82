"""Readability per section: Flesch reading ease, Flesch-Kincaid grade, sentence lengths and
the share of long words, against the template set's targets.

Syllables and words are counted by textstat (CMU pronouncing dictionary, pyphen for words
it lacks). Sentences are split here, because a leaflet's list items are fragments: each
list item or paragraph ends a sentence where it ends, and sentences inside it end at '.',
'!', '?' or ':' followed by a capital. textstat's own splitter would not count items of
one or two words ("headache") as sentences at all and would add their words to the
sentence before, so the two standard formulas are applied to our counts below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from leaflet.check.config import Readability
from leaflet.check.findings import Finding, Located
from leaflet.check.texts import prose, section_of, without_placeholders
from leaflet.sources.content import Content

_SENTENCE_BREAK = re.compile(r"(?<=[.!?:])\s+(?=[\"'(]?[A-Z0-9])")
WORST_SENTENCES = 3
QUOTE_WORDS = 10


@dataclass(frozen=True)
class Sentence:
    key: str
    line: int | None
    text: str
    words: int


@dataclass
class SectionReadability:
    """The figures for one section; the formulas need words, sentences and syllables."""

    section: str
    words: int = 0
    syllables: int = 0
    long_words: int = 0
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def words_per_sentence(self) -> float:
        return self.words / len(self.sentences) if self.sentences else 0.0

    @property
    def syllables_per_word(self) -> float:
        return self.syllables / self.words if self.words else 0.0

    @property
    def reading_ease(self) -> float:
        """Flesch (1948): 206.835 - 1.015 words/sentence - 84.6 syllables/word; higher is
        easier, 60-70 is plain English."""
        return 206.835 - 1.015 * self.words_per_sentence - 84.6 * self.syllables_per_word

    @property
    def grade(self) -> float:
        """Flesch-Kincaid (1975): the US school grade that can read it."""
        return 0.39 * self.words_per_sentence + 11.8 * self.syllables_per_word - 15.59

    @property
    def longest(self) -> int:
        return max((s.words for s in self.sentences), default=0)

    @property
    def long_word_share(self) -> float:
        """Words of three or more syllables, as a share of all words."""
        return self.long_words / self.words if self.words else 0.0

    def worst(self, count: int = WORST_SENTENCES) -> list[Sentence]:
        """The longest sentences, longest first; the first to rewrite."""
        return sorted(self.sentences, key=lambda s: -s.words)[:count]


def textstat_language(tag: str) -> str | None:
    """textstat's language for a content language tag; None when the formulas (made for
    English) do not apply."""
    if not tag.lower().startswith("en"):
        return None
    return "en_GB" if tag.lower() in ("en-gb", "en-uk") else "en_US"


def split_sentences(text: str) -> list[str]:
    return [part for part in _SENTENCE_BREAK.split(text) if part.strip()]


def measure(content: Content) -> list[SectionReadability]:
    """Figures for each section in content order; empty if the language is not English."""
    language = textstat_language(content.data["leaflet"]["language"])
    if language is None:
        return []
    import textstat  # loads a pronouncing dictionary: only when readability is measured

    textstat.set_lang(language)
    sections: dict[str, SectionReadability] = {}
    for key, text in prose(content):
        name = section_of(key)
        assert name is not None
        stats = sections.setdefault(name, SectionReadability(name))
        for sentence in split_sentences(without_placeholders(text)):
            words = textstat.lexicon_count(sentence)
            if not words:
                continue
            stats.words += words
            stats.syllables += textstat.syllable_count(sentence)
            stats.long_words += textstat.polysyllabcount(sentence)
            stats.sentences.append(Sentence(key, content.lines.get(key), sentence, words))
    return [stats for stats in sections.values() if stats.words]


def quote(text: str, words: int = QUOTE_WORDS) -> str:
    """The start of a sentence, enough to find it."""
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def check_readability(content: Content, targets: Readability,
                      figures: list[SectionReadability]) -> list[Finding]:
    at = Located(content.name, content.lines, "readability")
    language = content.data["leaflet"]["language"]
    if textstat_language(language) is None:
        return [at.note("leaflet.language", f"readability is not measured: the formulas are "
                                            f"for English, the content is {language!r}")]
    findings: list[Finding] = []
    for stats in figures:
        key = f"sections.{stats.section}"
        longest = stats.worst(1)[0]
        hint = f'; longest sentence ({longest.words} words): "{quote(longest.text)}"'
        if stats.grade > targets.grade_max:
            findings.append(at.warning(key, f"reading grade {stats.grade:.1f} is above "
                                            f"{targets.grade_max:g}: use shorter sentences "
                                            f"and words{hint}"))
        if stats.reading_ease < targets.reading_ease_min:
            findings.append(at.warning(key, f"reading ease {stats.reading_ease:.1f} is below "
                                            f"{targets.reading_ease_min:g}: use shorter "
                                            f"sentences and words{hint}"))
        if stats.words_per_sentence > targets.average_sentence_words_max:
            findings.append(at.warning(key, f"sentences average {stats.words_per_sentence:.1f} "
                                            f"words, more than "
                                            f"{targets.average_sentence_words_max:g}{hint}"))
        for sentence in stats.sentences:
            if sentence.words > targets.sentence_words_max:
                findings.append(at.warning(
                    sentence.key, f"sentence of {sentence.words} words, more than "
                                  f"{targets.sentence_words_max}: split it: "
                                  f'"{quote(sentence.text)}"'))
    return findings

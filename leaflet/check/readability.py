"""Readability per section: the formula made for the content's language, sentence lengths
and the share of long words, against the template set's targets.

English is held to Flesch reading ease and Flesch-Kincaid grade. Another language is
held to the formula made for it where textstat can count its syllables (Szigriszt-Pazos
for Spanish, Kandel-Moles for French, the Wiener Sachtextformel for German, Gulpease for
Italian, Flesch-Douma for Dutch); a language without one is "not measured", never
scored by a formula made for English. docs/checking.md gives each formula's source and
target.

Syllables and words are counted by textstat (CMU pronouncing dictionary, pyphen for words
it lacks). Sentences are split here, because a leaflet's list items are fragments: each
list item or paragraph ends a sentence where it ends, and sentences inside it end at '.',
'!', '?' or ':' followed by a capital. textstat's own splitter would not count items of
one or two words ("headache") as sentences at all and would add their words to the
sentence before, so the two standard formulas are applied to our counts below.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from leaflet.check.config import Readability
from leaflet.check.findings import Finding, Located
from leaflet.check.texts import prose, section_of, without_placeholders
from leaflet.sources.content import Content

_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+")
_OPENING = "\"'(¿¡«„\u201c\u2018"  # may stand before a sentence's first letter
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
    language: str = "en"  # textstat's language: which formula applies
    words: int = 0
    syllables: int = 0
    long_words: int = 0  # three syllables or more
    one_syllable_words: int = 0
    six_letter_words: int = 0  # more than six letters
    letters: int = 0
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

    @property
    def formula(self) -> Formula | None:
        """The formula made for this language; None for English (ease and grade)."""
        return FORMULAS.get(self.language.split("_")[0])

    @property
    def score(self) -> float:
        formula = self.formula
        assert formula is not None
        return formula.score(self)

    def percent(self, count: int) -> float:
        return 100 * count / self.words if self.words else 0.0


@dataclass(frozen=True)
class Formula:
    """A readability formula made for one language, and the score a leaflet must reach.
    ``target`` None takes the set's own target: grade_max for a school-grade formula,
    reading_ease_min for a Flesch reading ease adapted to the language."""

    name: str
    score: Callable[[SectionReadability], float]
    higher_is_easier: bool
    target: float | None = None

    def target_for(self, targets: Readability) -> float:
        if self.target is not None:
            return self.target
        return targets.reading_ease_min if self.higher_is_easier else targets.grade_max

    def misses(self, value: float, targets: Readability) -> bool:
        target = self.target_for(targets)
        return value < target if self.higher_is_easier else value > target


FORMULAS: dict[str, Formula] = {
    # Szigriszt Pazos (1993) perspicuity, read on the INFLESZ scale, which Barrio-Cantalejo
    # et al. (2008) validated on texts for patients: 55 to 65 is "normal".
    "es": Formula("Szigriszt-Pazos perspicuity", lambda s: 206.835 - 62.3 * s.syllables_per_word
                  - s.words_per_sentence, True, 55),
    # Kandel and Moles (1958): Flesch's reading ease fitted to French, on Flesch's scale.
    "fr": Formula("Kandel-Moles reading ease", lambda s: 207 - 1.015 * s.words_per_sentence
                  - 73.6 * s.syllables_per_word, True),
    # Bamberger and Vanecek (1984), first Wiener Sachtextformel: a German school grade.
    "de": Formula("Wiener Sachtextformel grade", lambda s: 0.1935 * s.percent(s.long_words)
                  + 0.1672 * s.words_per_sentence + 0.1297 * s.percent(s.six_letter_words)
                  - 0.0327 * s.percent(s.one_syllable_words) - 0.875, False),
    # Lucisano and Piemontese (1988): under 60 is hard for a reader with middle-school years.
    "it": Formula("Gulpease index", lambda s: 89 + (300 * len(s.sentences) - 10 * s.letters)
                  / s.words, True, 60),
    # Douma (1960): Flesch's reading ease fitted to Dutch, on Flesch's scale.
    "nl": Formula("Flesch-Douma reading ease", lambda s: 206.835 - 0.93 * s.words_per_sentence
                  - 77 * s.syllables_per_word, True),
}

# Languages the default set ships wording for that no formula in textstat is made for.
UNMEASURED_NAMES = {"pl": "Polish", "el": "Greek", "bg": "Bulgarian", "zh": "Chinese"}


def textstat_language(tag: str) -> str | None:
    """textstat's language for a content language tag; None when no formula is made for
    the language."""
    primary = tag.split("-")[0].lower()
    if primary == "en":
        return "en_GB" if tag.lower() in ("en-gb", "en-uk") else "en_US"
    return primary if primary in FORMULAS else None


def split_sentences(text: str) -> list[str]:
    """Sentences end at '.', '!', '?' or ':' followed by a space and a capital or a digit,
    in any script ('¿Tiene…', 'Όταν…')."""
    parts, start = [], 0
    for end in _SENTENCE_END.finditer(text):
        following = text[end.end():].lstrip(_OPENING)[:1]
        if following and (following.isupper() or following.isdigit()):
            parts.append(text[start:end.start()])
            start = end.end()
    parts.append(text[start:])
    return [part for part in parts if part.strip()]


def measure(content: Content) -> list[SectionReadability]:
    """Figures for each section in content order; empty if no formula is made for the
    language."""
    language = textstat_language(content.data["leaflet"]["language"])
    if language is None:
        return []
    import textstat  # loads a pronouncing dictionary: only when readability is measured

    textstat.set_lang(language)
    sections: dict[str, SectionReadability] = {}
    for key, text in prose(content):
        name = section_of(key)
        assert name is not None
        stats = sections.setdefault(name, SectionReadability(name, language))
        for sentence in split_sentences(without_placeholders(text)):
            words = textstat.lexicon_count(sentence)
            if not words:
                continue
            stats.words += words
            stats.syllables += textstat.syllable_count(sentence)
            stats.long_words += textstat.polysyllabcount(sentence)
            if stats.formula is not None:
                stats.one_syllable_words += textstat.monosyllabcount(sentence)
                stats.six_letter_words += textstat.long_word_count(sentence, 6)
                stats.letters += textstat.letter_count(sentence)
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
        name = UNMEASURED_NAMES.get(language.split("-")[0].lower(), repr(language))
        return [at.note("leaflet.language", f"readability is not measured: no readability "
                                            f"formula is made for {name} (the content is "
                                            f"{language!r}); English formulas do not apply")]
    findings: list[Finding] = []
    for stats in figures:
        key = f"sections.{stats.section}"
        longest = stats.worst(1)[0]
        hint = f'; longest sentence ({longest.words} words): "{quote(longest.text)}"'
        formula = stats.formula
        if formula is not None:
            if formula.misses(stats.score, targets):
                side = "below" if formula.higher_is_easier else "above"
                findings.append(at.warning(key, f"{formula.name} {stats.score:.1f} is {side} "
                                                f"{formula.target_for(targets):g}: use shorter "
                                                f"sentences and words{hint}"))
        else:
            findings += _english(at, key, stats, targets, hint)
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


def _english(at: Located, key: str, stats: SectionReadability, targets: Readability,
             hint: str) -> list[Finding]:
    """Flesch-Kincaid grade and Flesch reading ease, the two formulas made for English."""
    findings = []
    if stats.grade > targets.grade_max:
        findings.append(at.warning(key, f"reading grade {stats.grade:.1f} is above "
                                        f"{targets.grade_max:g}: use shorter sentences "
                                        f"and words{hint}"))
    if stats.reading_ease < targets.reading_ease_min:
        findings.append(at.warning(key, f"reading ease {stats.reading_ease:.1f} is below "
                                        f"{targets.reading_ease_min:g}: use shorter "
                                        f"sentences and words{hint}"))
    return findings

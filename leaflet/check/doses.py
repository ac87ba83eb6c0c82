"""Dose consistency: the dose table, the maximum daily dose and the doses in the text agree.

A patient who reads "20 mg three times a day" in the table and "no more than 50 mg a day"
in the text cannot follow both; neither can the pharmacist who hands the leaflet out.
Contradictions are errors. Units that are misread ("mcg" read as "mg", "5.0 mg" read as
"50 mg") are errors wherever they appear.

Numbers are read as the content's language writes them (CLDR, through Babel): "2,500 mg"
is 2500 mg in English and 2,5 mg in German, "2.500 mg" the other way round; a decimal
point or comma that cannot be a thousands separator ("2,5 mg", "2.5 mg") is a decimal
in every language. The wording around the amounts (stated maximums, intakes a day,
numbers of days, times of day) is read in English only: in another language the check
says so once, and still compares every amount with the maximum daily dose.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from typing import Any

from leaflet.check.findings import Finding, Located
from leaflet.check.texts import prose, under
from leaflet.sources.content import Content
from leaflet.sources.schema import Dose, Placeholder
from leaflet.sources.tablets import Tablet, misfit, tablet_of

MICROGRAMS_PER_UNIT = {"micrograms": Decimal(1), "mg": Decimal(1000), "g": Decimal(1_000_000)}
UNIT_WORDS = {
    "mg": "mg", "milligram": "mg", "milligrams": "mg",
    "g": "g", "gram": "g", "grams": "g",
    "microgram": "micrograms", "micrograms": "micrograms",
    "ml": "ml", "mL": "ml", "millilitre": "ml", "millilitres": "ml", "milliliter": "ml",
    "milliliters": "ml",
}
MISREAD_UNITS = {
    "mcg": ("micrograms", "it is misread as \"mg\""),
    "µg": ("micrograms", "it is misread as \"mg\""),
    "μg": ("micrograms", "it is misread as \"mg\""),
    "ug": ("micrograms", "it is misread as \"mg\""),
    "IU": ("units", "it is misread as \"IV\" or \"10\""),
    "U": ("units", "it is misread as \"0\" or \"4\""),
}
NUMBER_WORDS = {"once": 1, "twice": 2, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
                "twelve": 12}
_NUMBER = r"\d+|" + "|".join(NUMBER_WORDS)
_UNITS = "|".join(sorted((*UNIT_WORDS, *MISREAD_UNITS), key=len, reverse=True))
# "4,000 mg" and "4 000 mg" (a space, a no-break or a narrow no-break space) are 4000 mg:
# read as "000 mg", an amount over the maximum would pass unseen.
SPACES = "\u00a0\u202f "
# A letter or digit of a word an amount cannot be part of; Chinese writes no space between
# a word and a number ("服用2.5 mg"), so ideographs and kana do not count.
_WORD = r"[^\W\u3000-\u9fff\uf900-\ufaff]"
# A text with no character from here on has no ideograph or kana: there _WORD is any \w.
_FIRST_LEFT_OUT = "\u3000"
WORDING_LANGUAGE = "en"  # the language the wording patterns below are written for


@dataclass(frozen=True)
class Numbers:
    """How one language writes numbers: its decimal sign and its thousands separators."""

    decimal: str
    groups: str  # the language's own separator and the spaces every language may use
    pattern: re.Pattern[str]

    def amount(self, written: str, grouped: bool) -> str:
        """'2.500' or '2,5' as a Decimal reads it ('2500', '2.5')."""
        if grouped:
            written = re.sub(f"[{re.escape(self.groups)}]", "", written)
        return written.replace(",", ".")

    def show(self, amount: Decimal | str) -> str:
        """An amount as the language writes it: '0,5' in German."""
        return str(amount).replace(".", self.decimal)


# Swiss print groups thousands with an apostrophe ("8'000 mg", "8\u2019000 mg"); read so in every
# language, an amount is never mistaken for the "000 mg" after it.
APOSTROPHES = "'\u2019"


@functools.cache
def numbers_for(language: str, ideographs: bool = True) -> Numbers:
    """The number format of a language tag, from CLDR; English's where CLDR has none.

    ``ideographs`` False is for texts without a character _WORD leaves out, where plain
    \\w reads them the same: compiling _WORD walks its 29,000 characters one by one."""
    from babel import Locale, UnknownLocaleError
    from babel.numbers import get_decimal_symbol, get_group_symbol

    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse("en")
    decimal = get_decimal_symbol(locale)
    group = get_group_symbol(locale)
    groups = "".join(dict.fromkeys((group if group not in (decimal, *SPACES) else "")
                                   + SPACES + APOSTROPHES))
    separators = re.escape(groups)
    word = _WORD if ideographs else r"\w"
    pattern = re.compile(
        rf"(?<![.,{APOSTROPHES}])(?<!{word})(?:(?P<grouped>\d{{1,3}}(?:[{separators}]\d{{3}})+"
        rf"(?:{re.escape(decimal)}\d+)?(?!\d))|(?P<plain>\d+(?:[.,]\d+)?|[.,]\d+))"
        rf" ?(?P<unit>{_UNITS})(?!{word})")
    return Numbers(decimal, groups, pattern)


PER_DAY = re.compile(r"\s*(?:a|per|in one|in a|each|every) day|\s*daily|\s*in 24 hours",
                     re.IGNORECASE)
TIMES = re.compile(rf"\s*((?:{_NUMBER}) times|once|twice)", re.IGNORECASE)
FREQUENCY = re.compile(rf"\b((?:{_NUMBER}) times|once|twice)(?: (?:a|per|each|every) day| daily)\b",
                       re.IGNORECASE)
DAYS = re.compile(rf"\b(?:first|these) ({_NUMBER}) days\b", re.IGNORECASE)
# Words that make an amount a stated maximum: "no more than 80 mg a day", "the highest
# dose is 80 mg a day"; not "if you take more than 30 mg a day", which is a threshold.
MAXIMUM_WORDS = re.compile(r"(?:\b(?:no|not|never)\b[\w\s]{0,20}\bmore than|\bat most|"
                           r"\bthe most|\bmaximum|\bhighest|\bexceed)\W+(?:\w+\W+){0,3}$",
                           re.IGNORECASE)
# The same with the day before the amount: "the most you should take in one day is 80 mg".
MAXIMUM_A_DAY = re.compile(r"(?:\bthe most|\bmaximum|\bhighest|\bno more than|\bat most)"
                           r"[^.;:!?]{0,60}?(?:\b(?:a|per|in one|in a|each|every) day|\bdaily|"
                           r"\bin 24 hours)\b[^.;:!?\d]{0,20}$", re.IGNORECASE)
TIME_OF_DAY = re.compile(r"\b(morning|midday|noon|lunchtime|lunch|afternoon|evening|night|"
                         r"bedtime|breakfast|dinner|supper|teatime)\b|"
                         r"\b\d{1,2}(?::\d{2})? ?(?:am|pm)\b|\b\d{1,2}:\d{2}\b", re.IGNORECASE)
EVERY_HOURS = re.compile(rf"\bevery ({_NUMBER}) hours\b", re.IGNORECASE)
# Forms that are, as a rule, swallowed whole: broken, they release the dose at once.
WHOLE_FORMS = re.compile(r"\b(?:prolonged|modified|extended|delayed|sustained|controlled)"
                         r"[- ]release\b|\bgastro-resistant\b|\benteric[- ]coated\b",
                         re.IGNORECASE)


@dataclass(frozen=True)
class TextDose:
    """An amount written in the text, where it is and what follows it."""

    key: str
    written: str
    amount: str
    unit: str
    before: str
    after: str


def number(word: str) -> int:
    word = word.lower().removesuffix(" times")
    return NUMBER_WORDS[word] if word in NUMBER_WORDS else int(word)


def in_micrograms(dose: Dose) -> Decimal | None:
    """Mass in micrograms, so mg, g and micrograms compare; None for volumes."""
    factor = MICROGRAMS_PER_UNIT.get(dose.unit)
    return dose.amount * factor if factor is not None else None


def times_words(times: int) -> str:
    return {1: "once", 2: "twice"}.get(times, f"{times} times")


def language_of(content: Content) -> str:
    return content.data["leaflet"]["language"]


def content_numbers(content: Content, texts: list[tuple[str, str]]) -> Numbers:
    """How the content's language writes numbers, read in ``texts`` (its prose)."""
    ideographs = any(text and max(text) >= _FIRST_LEFT_OUT for _, text in texts)
    return numbers_for(language_of(content), ideographs)


def text_doses(content: Content) -> Iterator[TextDose]:
    """Every amount in the text, read as the content's language writes numbers: thousands
    separators taken out ("4,000" is 4000 in English), the decimal sign made a point."""
    texts = list(prose(content))
    return _doses_in(texts, content_numbers(content, texts))


def _doses_in(texts: list[tuple[str, str]], numbers: Numbers) -> Iterator[TextDose]:
    for key, text in texts:
        for match in numbers.pattern.finditer(text):
            grouped = match.group("grouped") is not None
            amount = numbers.amount(match.group("grouped" if grouped else "plain"), grouped)
            yield TextDose(key, match.group(0), amount, match.group("unit"),
                           text[:match.start()], text[match.end():])


def in_wording_language(content: Content) -> bool:
    return language_of(content).split("-")[0].lower() == WORDING_LANGUAGE


def check_doses(content: Content, dose_text: tuple[str, ...]) -> list[Finding]:
    at = Located(content.name, content.lines, "dose")
    dosing = content.data["sections"]["dosing"]
    steps: list[dict[str, Any]] = dosing["schedule"]["steps"]
    maximum: Dose | Placeholder = dosing["maximum_daily_dose"]
    english = in_wording_language(content)
    texts = list(prose(content))
    numbers = content_numbers(content, texts)
    doses = list(_doses_in(texts, numbers))
    findings = _unit_spelling(at, doses, numbers.show)
    findings += _table(at, steps, maximum, tablet_of(content.data["medicine"]))
    mentions = [d for d in doses if any(under(d.key, prefix) for prefix in dose_text)]
    if not isinstance(maximum, Placeholder):
        findings += _mentions(at, mentions, maximum, english)
    if not english:
        return [*findings, at.note("leaflet.language", (
            f"dose wording is not checked in {language_of(content)!r}: every amount in the "
            "text is compared with the maximum daily dose, but stated maximums, intakes a "
            "day, numbers of days, times of day and forms swallowed whole are read in "
            "English only"))]
    findings += _splitting(at, content.data["medicine"])
    findings += _timing(at, steps, dosing["schedule"]["timing"])
    texts = [(key, text) for key, text in texts
             if any(under(key, prefix) for prefix in dose_text)]
    findings += _frequencies_and_days(at, texts, steps)
    return findings


def _unit_spelling(at: Located, doses: list[TextDose],
                   show: Callable[[Decimal | str], str]) -> list[Finding]:
    """Everywhere in the text: units and numbers written the way they are misread."""
    findings = []
    for dose in doses:
        if dose.unit in MISREAD_UNITS:
            right, why = MISREAD_UNITS[dose.unit]
            fixed = f"{show(dose.amount)} {right}"
            findings.append(at.error(dose.key, f'write "{fixed}", not "{dose.written}": {why}',
                                     suggestion=fixed))
        unit = UNIT_WORDS.get(dose.unit, MISREAD_UNITS.get(dose.unit, ("",))[0])
        if dose.amount.startswith("."):
            fixed = f"{show('0' + dose.amount)} {unit}"
            findings.append(at.error(dose.key, f'write "{fixed}", not "{dose.written}": '
                                               f"without the 0 it is misread as a whole number",
                                     suggestion=fixed))
        elif "." in dose.amount and dose.amount.endswith("0"):
            fixed = f"{show(f'{Decimal(dose.amount).normalize():f}')} {unit}"
            findings.append(at.error(dose.key, f'write "{fixed}", not "{dose.written}": '
                                               f"a trailing zero is misread as ten times the dose",
                                     suggestion=fixed))
    return findings


def _splitting(at: Located, medicine: dict[str, Any]) -> list[Finding]:
    """A prolonged-release tablet left to the default (halves) would be counted in halves
    on a patient's page: say which it is."""
    form = medicine["form"]
    if "splitting" in medicine or not WHOLE_FORMS.search(form):
        return []
    return [at.warning("medicine.form", f'"{form}" are usually swallowed whole: add '
                                        f"medicine.splitting: whole (or halves, if the "
                                        f"tablet may be split)")]


def _table(at: Located, steps: list[dict[str, Any]], maximum: Dose | Placeholder,
           tablet: Tablet | None) -> list[Finding]:
    """Each step is whole tablets (or halves) and within the maximum daily dose; a
    [placeholder] a person has still to write is skipped (completeness lists it)."""
    findings = []
    doses = [step["dose"] for step in steps if not isinstance(step["dose"], Placeholder)]
    units = {dose.unit for dose in doses}
    for index, step in enumerate(steps):
        dose = step["dose"]
        if not isinstance(dose, Placeholder):
            reason = misfit(dose, tablet) if tablet else None
            if reason:
                findings.append(at.error(f"sections.dosing.schedule.steps[{index}].dose",
                                         f"step {index + 1}: {reason}"))
    if isinstance(maximum, Placeholder):
        return findings + _mixed_units(at, units)
    limit = in_micrograms(maximum)
    units |= {maximum.unit}
    for index, step in enumerate(steps):
        key = f"sections.dosing.schedule.steps[{index}]"
        dose = step["dose"]
        if isinstance(dose, Placeholder) or isinstance(step["times_a_day"], Placeholder):
            continue
        daily = dose.per_day(step["times_a_day"])
        if (in_micrograms(dose) is None) != (limit is None):
            findings.append(at.error(f"{key}.dose", f"a dose in {dose.unit} cannot be checked "
                                                    f"against a maximum daily dose in "
                                                    f"{maximum.unit}; give both in one kind of "
                                                    f"unit"))
            continue
        total = in_micrograms(daily) if limit is not None else daily.amount
        if total > (limit if limit is not None else maximum.amount):
            findings.append(at.error(key, f"step {index + 1}: {dose} "
                                          f"{times_words(step['times_a_day'])} a day is {daily} "
                                          f"a day, more than the maximum daily dose of "
                                          f"{maximum}"))
    return findings + _mixed_units(at, units)


def _mixed_units(at: Located, units: set[str]) -> list[Finding]:
    mass_units = units & set(MICROGRAMS_PER_UNIT)
    if len(mass_units) > 1:
        return [at.warning("sections.dosing.schedule.steps",
                           f"the dose table and maximum daily dose mix "
                           f"{' and '.join(sorted(mass_units))}: use one unit so doses "
                           f"compare at a glance")]
    return []


def _timing(at: Located, steps: list[dict[str, Any]], timing: str) -> list[Finding]:
    """Intakes a day are explicit: the timing names a time for each intake (USP <17>)."""
    key = "sections.dosing.schedule.timing"
    known = [step["times_a_day"] for step in steps
             if not isinstance(step["times_a_day"], Placeholder)]
    if not known:
        return []
    most = max(known)
    every = EVERY_HOURS.search(timing)
    if every:
        hours = number(every.group(1))
        if hours and 24 % hours == 0 and 24 // hours != most:
            return [at.error(key, f'"every {every.group(1)} hours" is {24 // hours} times a day, '
                                  f"but the dose table gives {times_words(most)} a day")]
        return []
    named = {match.group(0).lower() for match in TIME_OF_DAY.finditer(timing)}
    if len(named) < most:
        count = {0: "no time", 1: "1 time"}.get(len(named), f"{len(named)} times")
        return [at.warning(key, f"the timing names {count} of day for a dose taken "
                                f"{times_words(most)} a day: say when to take each one (for "
                                f"example in the morning, at midday and in the evening)")]
    return []


def _mentions(at: Located, mentions: list[TextDose], maximum: Dose,
              english: bool = True) -> list[Finding]:
    """Doses in the text: a stated maximum equals the maximum; no dose or daily amount
    exceeds it. Only the last holds outside English, whose wording the patterns read."""
    findings = []
    limit = in_micrograms(maximum)
    for mention in mentions:
        unit = UNIT_WORDS.get(mention.unit)
        if unit is None or mention.amount.startswith("."):
            continue
        dose = Dose(Decimal(mention.amount), unit)
        if (in_micrograms(dose) is None) != (limit is None):
            continue
        amount = in_micrograms(dose) if limit is not None else dose.amount
        top = limit if limit is not None else maximum.amount
        per_day = english and PER_DAY.match(mention.after)
        times = english and TIMES.match(mention.after)
        stated_maximum = english and ((per_day and MAXIMUM_WORDS.search(mention.before))
                                      or MAXIMUM_A_DAY.search(mention.before))
        if stated_maximum and amount != top:
            findings.append(at.error(mention.key, f'the text says at most "{mention.written}" a '
                                                  f"day, but the maximum daily dose is "
                                                  f"{maximum}"))
        elif amount > top:
            findings.append(at.error(mention.key, f'the text says "{mention.written}", more '
                                                  f"than the maximum daily dose of {maximum}"))
        elif times and PER_DAY.match(mention.after[times.end():]):
            count = number(times.group(1))
            if amount * count > top:
                findings.append(at.error(mention.key, f'the text says "{mention.written} '
                                                      f'{times.group(1)} a day", '
                                                      f"{dose.per_day(count)} a day, more than "
                                                      f"the maximum daily dose of {maximum}"))
    return findings


def _frequencies_and_days(at: Located, texts: list[tuple[str, str]],
                          steps: list[dict[str, Any]]) -> list[Finding]:
    """'three times a day' and 'the first 12 days' in the text match the dose table: a
    number of days is where one of its steps ends. Not while a [placeholder] stands for
    intakes a day or days: the text may be right about the value still to be written."""
    if any(isinstance(step.get(key), Placeholder) for step in steps
           for key in ("days", "times_a_day")):
        return []
    findings = []
    table_times = sorted({step["times_a_day"] for step in steps})
    step_ends = list(accumulate(step.get("days") or 0 for step in steps))
    table_days = step_ends[-1]
    for key, text in texts:
        for match in FREQUENCY.finditer(text):
            if number(match.group(1)) not in table_times:
                given = " or ".join(times_words(t) for t in table_times)
                findings.append(at.error(key, f'the text says "{match.group(0)}", but the dose '
                                              f"table gives {given} a day"))
        for match in DAYS.finditer(text):
            if number(match.group(1)) not in step_ends:
                findings.append(at.error(key, f'the text says "{match.group(0)}", but the dose '
                                              f"table's steps add up to {table_days} days"))
    return findings

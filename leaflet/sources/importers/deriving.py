"""The few structured values the text can give without a guess.

Our format wants a dose table, a maximum daily dose, side effects in frequency groups
and the signs that need help at once; leaflet prose has none of these as data. Each
rule here fills one only where the words leave a single reading, and says which words.
Everything else stays a [placeholder] for a person. The rules read English only (dates
aside): words in another language are not ours to interpret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from leaflet.sources.content import FREQUENCIES
from leaflet.sources.importers.model import Block, Item, ItemList, Paragraph

_NUMBER = {"once": 1, "twice": 2, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
           "six": 6}
_UNIT = r"(mg|g|micrograms|ml)"
URGENT = re.compile(r"\b(right away|immediately|at once|straight away|without delay|"
                    r"urgent(ly)?|emergency|call 911)\b", re.IGNORECASE)
_WHO = re.compile(r"\bif you\b|\bany of\b|\bthe following\b", re.IGNORECASE)
MAXIMUM = re.compile(
    rf"\b(?:no more than|not (?:take|use|give) more than|never (?:take|use|give) more than|"
    rf"maximum (?:daily )?dose is|up to a maximum of|at most) (\d+(?:\.\d+)?) ?{_UNIT} "
    r"(?:a day|per day|in one day|each day|daily|in 24 hours)\b", re.IGNORECASE)
DOSE_STATEMENT = re.compile(
    rf"\b(?:take|usual dose is|recommended dose is) (\d+(?:\.\d+)?) ?{_UNIT} "
    r"(once|twice|one|two|three|four|five|six) ?(?:times )?(?:a|per|each) day\b",
    re.IGNORECASE)
ANY_DOSE = re.compile(r"\b\d+(?:[.,]\d+)? ?(?:mg|g|micrograms?|mcg|ml|mL)\b")
_MONTHS = {
    "en": "january february march april may june july august september october november "
          "december",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
          "diciembre",
    "no": "januar februar mars april mai juni juli august september oktober november "
          "desember",
    "da": "januar februar marts april maj juni juli august september oktober november "
          "december",
}
MONTHS = {word: number for words in _MONTHS.values()
          for number, word in enumerate(words.split(), start=1)}
REVISED = re.compile(r"(?:last revised in|sist oppdatert|última revisión de este prospecto:?|"
                     r"senest ændret|revised:?)\s+(?P<date>.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Derived:
    """A value worked out from the text, and the words it came from."""

    value: object
    words: str


def urgent_signs(blocks: tuple[Block, ...]) -> tuple[Derived, tuple[Block, ...]] | None:
    """'Get help at once if you have:' and the list right after it: the text
    itself says these need help at once. The value is (intro, signs); the blocks come
    back without them, as they move to the urgent box."""
    for index, block in enumerate(blocks[:-1]):
        after = blocks[index + 1]
        if isinstance(block, Paragraph) and isinstance(after, ItemList) and \
                block.text.endswith(":") and URGENT.search(block.text) and \
                _WHO.search(block.text):
            signs = [" ".join(item.lines) for item in after.items]
            rest = blocks[:index] + blocks[index + 2:]
            return Derived((block.text, signs), block.text), rest
    return None


def frequency_groups(blocks: tuple[Block, ...]) -> tuple[dict[str, list[str]],
                                                         tuple[Block, ...], list[str]]:
    """Side effects under the QRD frequency words, only where the words are exactly those
    the templates print ('Common (may affect up to 1 in 10 people):'), so moving the items
    under the printed words loses nothing. A list counts only if every item starts with
    them; a paragraph of just those words takes the list after it."""
    groups: dict[str, list[str]] = {}
    kept: list[Block] = []
    words: list[str] = []
    index = 0
    while index < len(blocks):
        block = blocks[index]
        label = _label(block.text) if isinstance(block, Paragraph) else None
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if label and label[1] == "" and isinstance(following, ItemList):
            groups.setdefault(label[0], []).extend(" ".join(i.lines) for i in following.items)
            words.append(block.text)
            index += 2
            continue
        if isinstance(block, ItemList) and (labelled := _labelled_items(block.items)):
            for key, text in labelled:
                groups.setdefault(key, []).append(text)
            words += [" ".join(item.lines) for item in block.items]
            index += 1
            continue
        kept.append(block)
        index += 1
    return groups, tuple(kept), words


def _label(text: str) -> tuple[str, str] | None:
    """(frequency key, the rest) if ``text`` starts with a group's exact printed words."""
    for key, (default_words, _us) in FREQUENCIES.items():
        bare = default_words.rstrip(":")
        for lead in (default_words, bare):
            if text == lead or text.startswith(lead + " "):
                rest = text[len(lead):].strip()
                return key, rest
    return None


def _labelled_items(items: tuple[Item, ...]) -> list[tuple[str, str]] | None:
    found = []
    for item in items:
        label = _label(" ".join(item.lines))
        if label is None or not label[1] or not label[1][0].isalnum():
            return None
        found.append(label)
    return found


def maximum_daily_dose(texts: list[str]) -> Derived | None:
    """'Do not take more than 80 mg a day': one stated maximum, the same wherever it is
    said."""
    found = {(m.group(1), m.group(2).lower()): _sentence(text, m) for text in texts
             for m in MAXIMUM.finditer(text)}
    if len(found) != 1:
        return None
    (amount, unit), words = next(iter(found.items()))
    return Derived(f"{amount} {unit}", words)


def single_step(texts: list[str]) -> Derived | None:
    """'The usual dose is 10 mg twice a day' as the only amount in all the dosing text
    (a stated maximum aside): one step, until the doctor changes it. Any second amount (a
    higher dose for some, a lower one to start) makes it a table a person must write."""
    statements = [(m, text) for text in texts for m in DOSE_STATEMENT.finditer(text)]
    amounts = [m.group(0) for text in texts for m in ANY_DOSE.finditer(MAXIMUM.sub("", text))]
    if len(statements) != 1 or len(amounts) != 1:
        return None
    found, text = statements[0]
    step = {"dose": f"{found.group(1)} {found.group(2).lower()}",
            "times_a_day": _NUMBER[found.group(3).lower()]}
    return Derived(step, _sentence(text, found))


def _sentence(text: str, match: re.Match[str]) -> str:
    """The sentence a match is in, to quote it whole."""
    start = max(text.rfind(". ", 0, match.start()) + 2, 0) if ". " in text[:match.start()] \
        else 0
    end = text.find(". ", match.end())
    return text[start:end + 1 if end >= 0 else len(text)]


def revision_date(texts: list[str]) -> Derived | None:
    """'This leaflet was last revised in 05/2026', 'sist oppdatert 14.05.2026', 'Fecha de
    la última revisión de este prospecto: mayo 2026': one date, however often it is
    said."""
    found = {}
    for text in texts:
        match = REVISED.search(text)
        date = _date(match.group("date")) if match else None
        if date:
            found[date] = text
    if len(found) != 1:
        return None
    date, words = next(iter(found.items()))
    return Derived(date, words)


def _date(text: str) -> str | None:
    """'05/2026' or 'May 2026' -> '2026-05'; '14.05.2026' -> '2026-05-14' (day first,
    as every European leaflet writes it); None for anything else."""
    text = text.strip().rstrip(".").strip()
    if match := re.fullmatch(r"(\d{1,2})/(\d{4})", text):
        month, year = int(match.group(1)), match.group(2)
        day = None
    elif match := re.fullmatch(r"(\d{1,2})[./](\d{1,2})[./](\d{4})", text):
        day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
    elif match := re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", text):
        year, month = match.group(1), int(match.group(2))
        day = int(match.group(3)) if match.group(3) else None
    elif (match := re.fullmatch(r"([^\W\d]+) (?:de )?(\d{4})", text)) and \
            match.group(1).lower() in MONTHS:
        month, year, day = MONTHS[match.group(1).lower()], match.group(2), None
    else:
        return None
    if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
        return None
    return f"{year}-{month:02d}" + (f"-{day:02d}" if day else "")

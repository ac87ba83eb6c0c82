"""The top of a leaflet: the name line ("Madeupol 10 mg tablets"), the active substance line,
and the box that tells the reader to read and keep the leaflet.

The name, strength, form and substance lines are not copied as text: they become the
medicine block, which the title prints. The box is copied (as the key information)
unless it is the QRD template's standard English box word for word, which the default
template set prints itself.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from leaflet.sources.importers.model import Block, Heading, ItemList, Paragraph, Product

# The QRD template's opening box; templates/default/sections/read_first.xml.j2 prints these
# words (tests/test_import.py holds that it still does).
STANDARD_BOX = frozenset({
    "Read all of this leaflet carefully before you start taking this medicine because it "
    "contains important information for you.",
    "Keep this leaflet. You may need to read it again.",
    "If you have any further questions, ask your doctor or pharmacist.",
    "This medicine has been prescribed for you only. Do not pass it on to others. It may "
    "harm them, even if their signs of illness are the same as yours.",
    "If you get any side effects, talk to your doctor or pharmacist. This includes any "
    "possible side effects not listed in this leaflet. See section 4.",
})
_UNIT = r"(mg|g|mcg|µg|micrograms?|mikrogram|mikrog|ml|mL|IU|I\.E\.|units?|%)"
_AMOUNT = rf"\d+(?:[.,]\d+)?\s?{_UNIT}(?:\s?/\s?\d*(?:[.,]\d+)?\s?(ml|mL|g|dose|h))?"
PRODUCT_LINE = re.compile(
    rf"(?P<name>.+?)\s+(?P<strength>{_AMOUNT}(?:\s?(?:\+|/|and|og|y)\s?{_AMOUNT})*)"
    rf"(?:\s+(?P<form>.+))?")
_TRADEMARKS = re.compile(r"\s*[®™]")
TITLE_LINE_WORDS = 10
MAX_NAME = 200  # characters of a product's name worth reading as name, strength and form


@dataclass(frozen=True)
class Medicine:
    name: str | None
    strength: str | None
    form: str | None
    substance: str | None
    lines: tuple[str, ...]  # the lines of the source that say it
    from_data: tuple[str, ...]  # the fields the document's product data gave instead


def read_medicine(blocks: tuple[Block, ...], product: Product, texts: list[str]) -> Medicine:
    """The medicine as the opening's first lines name it, the structured data filling what
    they leave out. ``texts`` (titles, mostly) show how the text writes the name where the
    name line is in capitals."""
    lines = []
    for block in blocks[:3]:
        if not isinstance(block, (Paragraph, Heading)) or not _title_like(block.text):
            break
        lines.append(block.text)
    name = strength = form = substance = None
    if lines:
        match = PRODUCT_LINE.fullmatch(_TRADEMARKS.sub("", lines[0]))
        if match:
            name, strength, form = match.group("name"), match.group("strength"), \
                match.group("form")
        else:
            name = _TRADEMARKS.sub("", lines[0])
    if len(lines) > 1:
        substance = lines[1]
    if len(lines) > 2 and form is None and len(lines[2].split()) <= 4:
        form = lines[2]
    else:
        lines = lines[:2]
    if name is None:
        lines = []
        match = PRODUCT_LINE.fullmatch(_TRADEMARKS.sub("", product.name or "")[:MAX_NAME])
        if match:  # 'Madeupol 10 mg tablet' as structured data names a product
            name, strength, form = match.group("name"), match.group("strength"), \
                match.group("form")
    own = {"name": _as_written(name, texts) if name else None, "strength": strength,
           "form": form, "substance": substance}
    data = {"name": product.name, "strength": product.strength, "form": product.form,
            "substance": product.substance}
    found = {key: own[key] or data[key] for key in own}
    return Medicine(**found, lines=tuple(lines),
                    from_data=tuple(k for k in own if not own[k] and data[k]))


def is_standard_box(blocks: tuple[Block, ...]) -> bool:
    """Every line of these blocks is a sentence of the QRD template's opening box."""
    lines = [block.text for block in blocks if isinstance(block, (Paragraph, Heading))]
    lines += [" ".join(item.lines) for block in blocks if isinstance(block, ItemList)
              for item in block.items]
    others = [block for block in blocks if not isinstance(block, (Paragraph, Heading,
                                                                  ItemList))]
    return bool(lines) and not others and all(line in STANDARD_BOX for line in lines)


def _title_like(text: str) -> bool:
    """A name or substance line: short, and not a sentence."""
    return len(text.split()) <= TITLE_LINE_WORDS and not re.search(r"[.!?:]$", text)


def _as_written(name: str, texts: list[str]) -> str:
    """'MADEUPOL' as the titles write it ('Madeupol'), if the name line shouts."""
    if not name.isupper():
        return name
    pattern = re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE)
    seen = Counter(found for text in texts for found in pattern.findall(text))
    return seen.most_common(1)[0][0] if seen else name

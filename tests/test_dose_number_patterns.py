"""The dose check reads amounts with a cheaper pattern when no text holds an ideograph or
kana (check/doses.py): it must read every such text exactly as the full pattern does."""

from __future__ import annotations

import pytest

from leaflet.check.doses import content_numbers, numbers_for, text_doses
from leaflet.sources.content import load_content

# decimal comma or point; thousands by comma, point, space, apostrophe
LANGUAGES = ["en-GB", "de", "fr", "de-CH", "pl", "es", "ar", "el", "ru", "hi"]
SAMPLES = [
    "Never take more than 80 mg a day.", "Take 2,500 mg or 2.500 mg or 2 500 mg.",
    "Ein Kind darf 2,5 mg nehmen.", "Ne prenez jamais 2\u202f500 mg.", "x5 mg 5mgx 5 mg5",
    "Nehmen Sie nie 8\u2019000 mg.", "Never take 8'000 mg.", "Take .5 mg, 5.0 mg, 10mcg, 3 IU.",
    "Δόση 2,5 mg ημερησίως", "Доза 2,5 мг или 2,5 mg", "الجرعة \u0662\u066b\u0665 mg أو 2.5 mg",
    "खुराक 2.5 mg", "_5 mg 5 mg_ é5 mg 5 mgé ß5 g",
]


def amounts(language: str, ideographs: bool, text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group(0))
            for m in numbers_for(language, ideographs).pattern.finditer(text)]


@pytest.mark.parametrize("language", ["en-GB", "de", "fr"])
def test_every_character_below_the_ideographs_reads_the_same_beside_an_amount(language):
    full, cheap = numbers_for(language, True), numbers_for(language, False)
    assert full.pattern.pattern != cheap.pattern.pattern
    assert (full.decimal, full.groups) == (cheap.decimal, cheap.groups)
    for code in range(1, 0x3000):
        char = chr(code)
        for text in (f"{char}5 mg", f"5 mg{char}", f"{char}2{full.decimal}5 mg{char}",
                     f"{char}4{full.groups[0]}000 mg"):
            assert amounts(language, False, text) == amounts(language, True, text), \
                (language, hex(code), text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_written_amounts_read_the_same(language):
    for text in SAMPLES:
        assert amounts(language, False, text) == amounts(language, True, text), text


def test_an_ideograph_beside_an_amount_is_read_with_the_full_pattern(write_content):
    def change(data):
        data["leaflet"]["language"] = "zh"
        data["sections"]["dosing"]["general"].append("切勿服用2,500 mg。")

    content = load_content(write_content(change))
    assert "2,500 mg" in [dose.written for dose in text_doses(content)]
    assert numbers_for("zh", False).pattern.search("切勿服用2,500 mg。") is None  # \w alone
    assert content_numbers(content, [("sections.x", "服用2.5 mg")]) is numbers_for("zh", True)
    assert content_numbers(content, [("sections.x", "take 2.5 mg")]) is numbers_for("zh", False)

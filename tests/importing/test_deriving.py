"""A value is worked out only where the words leave one reading; made-up sentences."""

from __future__ import annotations

import pytest

from leaflet.sources.importers import deriving
from leaflet.sources.importers.model import Item, ItemList, Paragraph


def items(*texts: str) -> ItemList:
    return ItemList(tuple(Item((text,)) for text in texts))


def test_signs_the_text_says_need_help_at_once_move_to_the_urgent_box():
    blocks = (Paragraph("Side effects are rare."),
              Paragraph("Get help right away if you have:"), items("a rash", "fever"),
              Paragraph("Other effects:"), items("tiredness"))
    found, rest = deriving.urgent_signs(blocks)
    assert found.value == ("Get help right away if you have:", ["a rash", "fever"])
    assert rest == (blocks[0], blocks[3], blocks[4])


@pytest.mark.parametrize("lead_in", ["Tell your doctor if you have:",  # not at once
                                     "Get help right away.",  # leads into nothing
                                     "Get help at once: the signs are"])  # no list after
def test_no_urgent_signs_without_the_words_and_the_list(lead_in):
    assert deriving.urgent_signs((Paragraph(lead_in), Paragraph("a rash"))) is None
    if lead_in.endswith(":"):
        assert deriving.urgent_signs((Paragraph(lead_in), items("a rash"))) is None


def test_frequency_groups_only_under_the_exact_printed_words():
    blocks = (Paragraph("Common (may affect up to 1 in 10 people):"), items("headache"),
              items("Uncommon (may affect up to 1 in 100 people): cough"),
              items("Rare (may affect up to 1 in 1,000 people): rash", "Very rare: itching"))
    groups, rest, words = deriving.frequency_groups(blocks)
    assert groups == {"common": ["headache"], "uncommon": ["cough"]}
    assert rest == (blocks[3],)  # one item not under the exact words: the list stays
    assert words == ["Common (may affect up to 1 in 10 people):",
                     "Uncommon (may affect up to 1 in 100 people): cough"]


def test_a_maximum_is_one_stated_amount_a_day():
    assert deriving.maximum_daily_dose(["Do not take more than 80 mg a day.",
                                        "Never take more than 80 mg in 24 hours."]).value == \
        "80 mg"
    assert deriving.maximum_daily_dose(["Do not take more than 80 mg a day.",
                                        "For children, no more than 40 mg a day."]) is None
    assert deriving.maximum_daily_dose(["If you take more than 30 mg a day, talk to your "
                                        "doctor."]) is None


def test_one_step_only_where_it_is_the_only_amount():
    assert deriving.single_step(["The usual dose is 10 mg twice a day."]).value == {
        "dose": "10 mg", "times_a_day": 2}
    assert deriving.single_step(["The usual dose is 150 mg once a day. It may be raised to "
                                 "300 mg."]) is None
    assert deriving.single_step(["Take 5 mcg once a day."]) is None  # a unit we never write
    assert deriving.single_step(["The usual dose is 10 mg twice a day. Do not take more "
                                 "than 20 mg a day."]).value["dose"] == "10 mg"


@pytest.mark.parametrize(("text", "date"), [
    ("This leaflet was last revised in 05/2026.", "2026-05"),
    ("This leaflet was last revised in May 2026", "2026-05"),
    ("Dette pakningsvedlegget ble sist oppdatert 14.05.2026", "2026-05-14"),
    ("Fecha de la última revisión de este prospecto: mayo 2026", "2026-05"),
    ("This leaflet was last revised in", None),
    ("This leaflet was last revised in 13/2026", None),
])
def test_the_revision_date_is_read_as_a_date(text, date):
    found = deriving.revision_date([text])
    assert (found.value if found else None) == date


def test_two_revision_dates_are_none():
    assert deriving.revision_date(["last revised in 05/2026", "last revised in 06/2026"]) \
        is None

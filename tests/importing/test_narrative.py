"""XHTML and SPL text as blocks: every character kept, lines where a reader sees lines."""

from __future__ import annotations

import pytest

from leaflet.sources.importers.model import Heading, Image, Item, ItemList, Paragraph, Table
from leaflet.sources.importers.narrative import NotText, clean, read_blocks
from leaflet.sources.importers.reading import parse_xml


def blocks(markup: str, media: dict[str, str] | None = None):
    return read_blocks(parse_xml(markup, "test"), media)


def xhtml(body: str):
    return blocks(f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>')


def spl(body: str, media: dict[str, str] | None = None):
    return blocks(f'<text xmlns="urn:hl7-org:v3">{body}</text>', media)


def test_bold_lines_set_straight_in_a_div_are_lines_of_their_own():
    assert xhtml("<b>Pregnancy and breast-feeding</b> <b>Pregnancy</b><p>Text.</p>") == (
        Paragraph("Pregnancy and breast-feeding", True), Paragraph("Pregnancy", True),
        Paragraph("Text."))


def test_bold_runs_that_touch_are_one_word_and_a_sentence_in_a_paragraph_stays_whole():
    assert xhtml("<p><strong>C</strong><strong>onsult at once,</strong> "
                 "<strong>today</strong></p>") == (Paragraph("Consult at once, today", True),)


def test_a_line_break_starts_a_paragraph_and_spaces_are_one():
    assert spl("<paragraph>Made-up Ltd<br/>1  Example\nStreet</paragraph>") == (
        Paragraph("Made-up Ltd"), Paragraph("1 Example Street"))


def test_text_beside_a_list_in_a_paragraph_leads_into_it():
    assert xhtml('<div class="paragraph">Talk to your doctor:<ul><li>if a</li></ul></div>') \
        == (Paragraph("Talk to your doctor:"), ItemList((Item(("if a",)),)))


def test_an_inline_title_is_a_heading_and_bold_spl_content_is_emphasis():
    assert xhtml('<span class="inline-title">Storage</span>') == (Heading("Storage"),)
    assert spl('<paragraph><content styleCode="bold">Who should not?</content></paragraph>') \
        == (Paragraph("Who should not?", True),)


def test_an_item_keeps_its_lines_and_a_list_inside_it_joins_its_last_line():
    assert spl("<list><item><content styleCode='bold'>Liver. </content>Call if:"
               "<list><item>tired</item><item>yellow skin</item></list></item></list>") == (
        ItemList((Item(("Liver. Call if: tired; yellow skin",)),)),)
    assert xhtml("<ul><li><b>Label</b><p>The usual dose.</p></li></ul>") == (
        ItemList((Item(("Label", "The usual dose.")),)),)


def test_an_item_holding_only_a_list_lends_its_items():
    assert xhtml("<ul><li>a</li><li> <ul><li>b</li><li>c</li></ul> </li></ul>") == (
        ItemList((Item(("a",)), Item(("b",)), Item(("c",)))),)


def test_a_table_keeps_rows_and_cells_and_empty_rows_go():
    assert spl("<table><tbody><tr><td>Age</td><td>Dose</td></tr><tr><td/><td/></tr>"
               "<tr><td>6 to 12</td><td>10 ml</td></tr></tbody></table>") == (
        Table(((("Age",), ("Dose",)), (("6 to 12",), ("10 ml",)))),)


def test_a_picture_is_named_by_its_media_caption():
    assert spl('<renderMultiMedia referencedObject="MM1"/>', {"MM1": "Logo"}) == (
        Image("Logo"),)


def test_unknown_elements_are_read_as_text():
    assert spl("<paragraph>a <footnote>b</footnote> <sup>c</sup></paragraph>") == (
        Paragraph("a b c"),)


@pytest.mark.parametrize("char", ["\x07", "\x9b", "\ufffd"])
def test_a_character_that_is_not_text_is_refused(char):
    with pytest.raises(NotText):
        clean(f"take {char} two")


def test_invisible_hints_go_and_text_is_nfc():
    assert clean("ta\u00adblet e\u0301\u200b") == "tablet é"

"""Where a section's text goes: code first, wording where the code says nothing or
disagrees, headings in the text, parents, sections of their own; made-up leaflets."""

from __future__ import annotations

from leaflet.sources.importers.mapping import Titles, match_code, normalise_title
from leaflet.sources.importers.model import Code, Heading, Paragraph, Section
from leaflet.sources.importers.units import units_of

QRD = "https://spor.ema.europa.eu/v1/lists/200000029659/terms/"
TITLES = Titles(("Madeupol",))


def section(title, *blocks, code=None, children=()):
    codes = (Code(QRD, code),) if code else ()
    return Section(title, codes, tuple(blocks), tuple(children))


def places(*sections):
    return [(u.target, u.title, u.title_kept, [b.text for b in u.blocks])
            for u in units_of(tuple(sections), TITLES)]


def test_wording_is_matched_after_numbering_case_and_marks():
    assert normalise_title("2.  What you need to know before you take MADEUPOL®:") == \
        "what you need to know before you take madeupol"
    assert TITLES.match("3. Cómo tomar Madeupol 5 mg comprimidos").target == "dosing"
    assert TITLES.match("What is Cholesterol?") is None  # 'What is NAME?' is about NAME


def test_a_code_for_the_document_type_says_nothing():
    assert match_code((Code("https://spor.ema.europa.eu/rmswi/", "100000155538"),)) is None


def test_a_title_that_names_another_place_than_its_code_wins_and_says_so():
    found = units_of((section("4. Possible side effects", Paragraph("x"),
                              code="200000029906"),), TITLES)
    assert (found[0].target, found[0].how) == (
        "side_effects", "by its title (its code means 'children')")


def test_a_heading_in_the_text_starts_its_own_unit_and_the_repeated_title_goes():
    assert places(section("2. What you need to know before you take Madeupol",
                          Heading("2. What you need to know before you take Madeupol"),
                          Paragraph("Read this."),
                          Paragraph("Do not take Madeupol", emphasised=True),
                          Paragraph("if you are allergic"),
                          Paragraph("Pregnancy", emphasised=True),
                          Paragraph("Ask first."))) == [
        ("before_taking", "2. What you need to know before you take Madeupol", False,
         ["Read this."]),
        ("do_not_take", "Do not take Madeupol", False,
         ["if you are allergic", "Pregnancy", "Ask first."])]


def test_a_heading_that_says_more_than_ours_is_kept_as_text():
    assert places(section("Madeupol contains lactose", Paragraph("x"), code="200000029904")) \
        == [("before_contains", "Madeupol contains lactose", True, ["x"])]


def test_an_unmatched_child_goes_with_its_parent_and_keeps_its_title():
    assert places(section("3. How to take Madeupol", Paragraph("Daily."),
                          children=[section("Osteoporosis", Paragraph("Yearly."))])) == [
        ("dosing", "3. How to take Madeupol", False, ["Daily."]),
        ("dosing", "Osteoporosis", True, ["Yearly."])]


def test_text_for_professionals_keeps_its_own_headings():
    assert places(section("The following information is intended for healthcare "
                          "professionals only", Paragraph("Prepare."),
                          Paragraph("How to store Madeupol", emphasised=True),
                          Paragraph("Cold."))) == [
        ("professionals", "The following information is intended for healthcare "
                          "professionals only", False,
         ["Prepare.", "How to store Madeupol", "Cold."])]


def test_a_top_section_with_no_place_of_ours_is_one_of_its_own():
    assert places(section("Travelling", Paragraph("Take enough."))) == [
        (None, "Travelling", True, ["Take enough."])]


def test_a_manufacturers_heading_stays_over_its_address():
    assert places(section("Marketing authorisation holder", Paragraph("Made-up Ltd"),
                          Paragraph("Manufacturer", emphasised=True), Paragraph("Other Ltd"))) \
        == [("holder", "Marketing authorisation holder", False, ["Made-up Ltd"]),
            ("manufacturer", "Manufacturer", True, ["Other Ltd"])]


def test_a_heading_for_the_place_the_text_is_in_stays_as_text():
    assert places(section("Children and adolescents", Paragraph("Not under 12."),
                          Paragraph("Use in children", emphasised=True),
                          Paragraph("Not at all."))) == [
        ("children", "Children and adolescents", False,
         ["Not under 12.", "Use in children", "Not at all."])]

"""The spine: content/baclofen.yaml becomes a complete, legible, reproducible PDF."""

from __future__ import annotations

import shutil

import pytest
from conftest import BACLOFEN, build_bytes, fresh_python
from pdfread import body_text, fonts, page_texts, reader, squash, text_runs

from leaflet.build import build_pdf

METADATA_KEYS = {("leaflet", "language"), ("leaflet", "author"), ("leaflet", "revision_date")}
NOT_PRINTED = {"review"}  # who approved the content, and when: a record, not patient text


def reader_strings(data, path=()):
    """Every string in a content file meant for the reader, found without the library."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from reader_strings(value, (*path, key))
    elif isinstance(data, list):
        for item in data:
            yield from reader_strings(item, path)
    elif isinstance(data, str) and path[:2] not in METADATA_KEYS and path[0] not in NOT_PRINTED:
        yield ".".join(path), data


def missing_strings(pdf: bytes, data) -> list[str]:
    text = squash(body_text(pdf))
    return [f"{key}: {value}" for key, value in reader_strings(data)
            if squash(value) not in text]


def test_every_reader_string_reaches_the_page(baclofen_pdf, baclofen_data):
    strings = list(reader_strings(baclofen_data))
    assert len(strings) > 120
    assert missing_strings(baclofen_pdf, baclofen_data) == []


def test_the_check_itself_catches_a_missing_string(baclofen_pdf, baclofen_data):
    data = {"extra": ["This sentence is not in the leaflet at all."]}
    assert missing_strings(baclofen_pdf, data) == [
        "extra: This sentence is not in the leaflet at all."]


def test_text_crossing_a_page_break_is_found_whole(write_content):
    long_paragraph = " ".join(f"Sentence number {n} of a very long paragraph." for n in range(100))
    path = write_content(lambda d: d["sections"]["about"]["what_it_is"].append(long_paragraph))
    pdf = build_bytes(path)
    pages = [squash(t) for t in page_texts(pdf)]
    assert not any(squash(long_paragraph) in page for page in pages)
    assert squash(long_paragraph) in squash(body_text(pdf))


SPECIAL = ' AT&T <b>not bold</b> "quoted" \'single\' 50 µg ≥ 2 at 25 °C; café, naïve, '
SPECIAL += "Ærøskøbing, Łódź; αβγ Ωμέγα; Жизнь и здоровье > 3 < 4"


def test_markup_characters_and_other_scripts_reach_the_page(write_content, baclofen_data):
    def change(data):
        sections = data["sections"]
        sections["about"]["what_it_is"][0] += SPECIAL
        sections["overdose"]["signs"].append("<script>alert(1)</script> & &amp;" + SPECIAL)
        sections["storage"][-1] += SPECIAL
        data["medicine"]["name"] = "Baclofen <&> Ωmega"

    path = write_content(change)
    pdf = build_bytes(path)
    import yaml

    assert missing_strings(pdf, yaml.safe_load(path.read_text("utf-8"))) == []
    assert "<b>not bold</b>" in body_text(pdf)
    assert any("DejaVuSans" in name for name in fonts(pdf))


@pytest.mark.parametrize(("paper", "size"), [
    ("a4", (595.28, 841.89)), ("letter", (612.0, 792.0)), ("a5", (419.53, 595.28))])
def test_paper_sizes(paper, size):
    pdf = build_pdf(BACLOFEN, _options(paper=paper)).pdf
    for page in reader(pdf).pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
            size, abs=0.01)


def _options(**kwargs):
    from leaflet.build import BuildOptions

    return BuildOptions(**kwargs)


def test_default_is_a4_and_page_count_matches_footer(baclofen_pdf):
    pdf = reader(baclofen_pdf)
    assert float(pdf.pages[0].mediabox.width) == pytest.approx(595.28, abs=0.01)
    total = len(pdf.pages)
    assert 3 <= total <= 12
    for number, text in enumerate(page_texts(baclofen_pdf), start=1):
        assert f"Page {number} of {total}" in text


def test_metadata_and_language(baclofen_pdf):
    pdf = reader(baclofen_pdf)
    info = pdf.metadata
    assert info.title == "Baclofen 10 mg tablets: package leaflet"
    assert info.subject == "Baclofen 10 mg tablets"
    assert info.author == "[name of the company or pharmacy that issues this leaflet]"
    assert "baclofen" in info["/Keywords"]
    assert pdf.trailer["/Root"]["/Lang"] == "en-GB"
    xmp = pdf.xmp_metadata
    assert xmp.dc_title == {"x-default": "Baclofen 10 mg tablets: package leaflet"}
    assert xmp.dc_language == ["en-GB"]
    stream = pdf.trailer["/Root"]["/Metadata"].get_object()
    assert (stream["/Type"], stream["/Subtype"]) == ("/Metadata", "/XML")
    assert "/CreationDate" not in info


def test_every_font_embedded_and_no_helvetica(baclofen_pdf):
    found = fonts(baclofen_pdf)
    assert found and all(found.values()), found
    assert not any("Helvetica" in name for name in found)
    assert any("AtkinsonHyperlegible" in name for name in found)


def test_smallest_text_is_at_least_9pt_and_headings_stand_out(baclofen_pdf):
    runs = text_runs(baclofen_pdf)
    assert min(run.size for run in runs) >= 9
    body = max(set(r.size for r in runs), key=lambda s: sum(r.size == s for r in runs))
    heading = next(r for r in runs if r.text.startswith("1. What Baclofen"))
    assert heading.size >= body + 2


def test_same_input_same_bytes(baclofen_pdf):
    assert build_pdf(BACLOFEN).pdf == baclofen_pdf


def test_dose_table_is_unambiguous(baclofen_pdf):
    text = body_text(baclofen_pdf)
    assert "Dose each time" in text and "Total in one day" in text
    for days, dose, total in (("Days 1 to 3", "5 mg", "15 mg"), ("Days 4 to 6", "10 mg", "30 mg"),
                              ("Days 7 to 9", "15 mg", "45 mg"),
                              ("Days 10 to 12", "20 mg", "60 mg")):
        assert [run.text.strip() for run in table_row(baclofen_pdf, days)] == [
            days, dose, "3 times", total]


def table_row(pdf: bytes, first_cell: str):
    """The runs on the same baseline as ``first_cell``, left to right: one table row."""
    runs = text_runs(pdf)
    anchor = next(r for r in runs if r.text.strip() == first_cell)
    row = [r for r in runs if r.page == anchor.page and abs(r.y - anchor.y) < 1]
    return sorted(row, key=lambda r: r.x)


def test_warnings_come_first_and_urgent_items_are_bold(baclofen_pdf):
    first_page = page_texts(baclofen_pdf)[0]
    assert first_page.index("Most important things to know") < first_page.index("1. What")
    urgent = [r for r in text_runs(baclofen_pdf) if "swelling of your face" in r.text]
    assert urgent and all("Bold" in r.font for r in urgent)


def test_reader_strings_of_the_library_agree_with_the_test(baclofen_data):
    from leaflet.sources.content import load_content

    library = {text for _, text in load_content(BACLOFEN).reader_texts}
    assert {value for _, value in reader_strings(baclofen_data)} <= library | {
        "Baclofen", "10 mg", "tablets", "baclofen"}


def test_revision_date_is_printed_as_month_and_year(write_content):
    path = write_content(lambda d: d["leaflet"].update(revision_date="2026-05"))
    text = body_text(build_bytes(path))
    assert "This leaflet was last revised in May 2026." in text


def test_a_plain_build_imports_neither_patient_pages_nor_the_html_companion(tmp_path):
    """Import only what a command uses: a build without a patient or --format html."""
    script = ("import sys; from leaflet.cli import main; "
              f"code = main(['build', {str(BACLOFEN)!r}, '-o', {str(tmp_path / 'l.pdf')!r}]); "
              "print(code, [m for m in sys.modules "
              "if m.startswith(('leaflet.personal', 'leaflet.html'))])")
    assert fresh_python(script).strip().splitlines()[-1] == "0 []"
    assert (tmp_path / "l.pdf").read_bytes().startswith(b"%PDF-")


def test_a_font_file_in_both_roles_draws_the_same_whatever_was_built_before(tmp_path):
    """DejaVu Sans is the default set's fallback; a set whose body it is gives the same
    bytes in a process that built with the default set first as in one that did not."""
    template_set = tmp_path / "dejavu-body"
    shutil.copytree(BACLOFEN.parent.parent / "templates" / "default", template_set)
    theme = template_set / "theme.yaml"
    text = theme.read_text("utf-8")
    for face in ("400Regular", "700Bold", "400Regular_Italic", "700Bold_Italic"):
        text = text.replace(f"atkinson-hyperlegible/AtkinsonHyperlegible_{face}.ttf",
                            "dejavu/DejaVuSans-Bold.ttf" if "Bold" in face
                            else "dejavu/DejaVuSans.ttf")
    theme.write_text(text, "utf-8")
    script = ("import hashlib; from leaflet.build import BuildOptions, build_pdf; "
              "{before}"
              f"pdf = build_pdf({str(BACLOFEN)!r}, BuildOptions(template={str(template_set)!r}))"
              ".pdf; print(hashlib.sha256(pdf).hexdigest())")
    alone = fresh_python(script.format(before=""))
    after = fresh_python(script.format(before=f"build_pdf({str(BACLOFEN)!r}); "))
    assert alone == after

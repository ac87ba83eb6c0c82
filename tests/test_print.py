"""Print and hand out: paper sizes, layouts, booklets, large print, fitting to pages, and
the inspection every build runs on its own PDF."""

from __future__ import annotations

import itertools
import json
import math
import re

import pytest
from conftest import BACLOFEN
from pdfread import reader, render_pages, squash, text_runs
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from test_build import missing_strings

from leaflet.build import BuildOptions, build_pdf
from leaflet.cli import main
from leaflet.errors import LayoutError, UsageError
from leaflet.pdf.impose import saddle_stitch
from leaflet.render.theme import load_theme

SIZES = {"a4": (595.28, 841.89), "letter": (612.0, 792.0), "a5": (419.53, 595.28)}
PAGE = re.compile(r"Page\s+(\d+)\s+of\s+(\d+)")


def pdf_for(**options) -> bytes:
    return build_pdf(BACLOFEN, BuildOptions(**options)).pdf


@pytest.mark.parametrize(("layout", "paper"), [
    ("standard", "a4"), ("standard", "letter"), ("standard", "a5"),
    ("two-column", "a4"), ("two-column", "letter")])
def test_layouts_and_paper_sizes_keep_every_string(layout, paper, baclofen_data):
    pdf = pdf_for(layout=layout, paper=paper)
    for page in reader(pdf).pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
            SIZES[paper], abs=0.01)
    assert missing_strings(pdf, baclofen_data) == []


def halves(pdf: bytes) -> list[tuple[str, str]]:
    """(left text, right text) for each side of each sheet of an imposed booklet."""
    sides = []
    for number, page in enumerate(reader(pdf).pages, start=1):
        middle = float(page.mediabox.width) / 2
        runs = [r for r in text_runs(pdf) if r.page == number]
        sides.append(("".join(r.text for r in runs if r.x < middle),
                      "".join(r.text for r in runs if r.x >= middle)))
    return sides


def test_booklet_sheets_follow_saddle_stitch_order(baclofen_data):
    flat = pdf_for(layout="booklet")
    imposed_sides = halves(flat)
    pages = int(PAGE.search(imposed_sides[0][1]).group(2))
    sheets = math.ceil(pages / 4)
    assert len(reader(flat).pages) == sheets * 2
    for page in reader(flat).pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
            (841.89, 595.28), abs=0.05)
    found_order = []
    for (left, right), (want_left, want_right) in zip(imposed_sides, saddle_stitch(pages),
                                                      strict=True):
        for text, want in ((left, want_left), (right, want_right)):
            match = PAGE.search(text)
            assert (int(match.group(1)) if match else None) == want
            if want:
                found_order.append((want, text))
    reading = "".join(text for _, text in sorted(found_order))
    missing = [v for _, v in __import__("test_build").reader_strings(baclofen_data)
               if squash(v) not in squash(PAGE.sub("", reading))]
    assert missing == []


def test_saddle_stitch_order_for_eight_pages():
    assert saddle_stitch(8) == [(8, 1), (2, 7), (6, 3), (4, 5)]
    assert saddle_stitch(5) == [(None, 1), (2, None), (None, 3), (4, 5)]


def test_large_print_is_16pt_or_more_everywhere_in_one_column(baclofen_data):
    pdf = pdf_for(profile="large")
    assert min(run.size for run in text_runs(pdf)) >= 16
    assert missing_strings(pdf, baclofen_data) == []
    assert float(reader(pdf).pages[0].mediabox.width) == pytest.approx(595.28, abs=0.01)


def test_clear_print_is_12pt_or_more():
    assert min(run.size for run in text_runs(pdf_for(profile="clear"))) >= 12


def test_large_print_cannot_be_two_columns_or_a_booklet(capsys):
    with pytest.raises(UsageError, match="cannot be laid out as two-column"):
        pdf_for(profile="large", layout="two-column")
    assert main(["build", str(BACLOFEN), "--large-print", "--layout", "booklet",
                 "-o", "/tmp/never.pdf"]) == 2
    assert "a booklet is laid out on A5 pages" in capsys.readouterr().err


def test_max_pages_one_fails_with_the_pages_it_needs():
    with pytest.raises(LayoutError) as exc:
        pdf_for(max_pages=1)
    [problem] = exc.value.problems
    assert re.fullmatch(r"the leaflet does not fit on 1 page\(s\): it needs \d+ at the smallest "
                        r"type the eu profile allows \(9 pt\) and the tightest spacing; allow "
                        r"more pages or shorten the content", problem.message)


def test_max_pages_that_fits_succeeds_within_the_limit_and_the_profile(baclofen_data):
    plain = len(reader(pdf_for()).pages)
    pdf = pdf_for(max_pages=plain - 2)
    assert len(reader(pdf).pages) <= plain - 2
    assert min(run.size for run in text_runs(pdf)) >= 9
    assert missing_strings(pdf, baclofen_data) == []


@pytest.mark.parametrize("options", [{}, {"layout": "two-column"}, {"layout": "booklet"},
                                     {"profile": "large"}, {"max_pages": 5}])
def test_same_input_same_bytes_for_every_layout(options):
    assert pdf_for(**options) == pdf_for(**options)


def foreign_pdf(tmp_path):
    """A PDF made with plain ReportLab: unembedded Helvetica at 7 pt, some text in the margin."""
    path = tmp_path / "foreign.pdf"
    canvas = Canvas(str(path), pagesize=A4, invariant=1)
    canvas.setFont("Helvetica", 7)
    canvas.drawString(72, 700, "Take two tablets a day.")
    canvas.drawString(5, 400, "In the margin")
    canvas.save()
    return path


def test_inspect_reports_an_unembedded_font_and_7pt_text(tmp_path, capsys):
    path = foreign_pdf(tmp_path)
    assert main(["inspect", str(path)]) == 1
    out = capsys.readouterr().out
    assert "Helvetica: NOT EMBEDDED" in out
    assert "violation: font Helvetica is not embedded" in out
    assert "violation: page 1: text of 7 pt, smaller than 9 pt" in out
    assert "violation: page 1: text outside the margins: 'In the margin'" in out
    assert main(["inspect", str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["pages"][0]["smallest_text_pt"] == 7
    assert report["fonts"] == [{"name": "Helvetica", "embedded": False}]


def test_inspect_passes_our_own_leaflet(tmp_path, capsys, baclofen_pdf):
    path = tmp_path / "ours.pdf"
    path.write_bytes(baclofen_pdf)
    assert main(["inspect", str(path)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("no violations")


def test_a_build_that_breaks_its_profile_fails(tmp_path):
    """A set whose profile demands 12 pt but whose theme prints 9.5 pt footers is refused."""
    (tmp_path / "theme.yaml").write_text("extends: default\nprofile: clear\n", "utf-8")
    (tmp_path / "profiles.yaml").write_text(
        "clear:\n  description: strict\n  minimum_size: 12\n  minimum_line_spacing_mm: 3\n"
        "  theme: {}\n", "utf-8")
    with pytest.raises(LayoutError) as exc:
        build_pdf(BACLOFEN, BuildOptions(template=str(tmp_path)))
    assert "page 1: text of 9.5 pt, smaller than 12 pt" in str(exc.value)


# pixels


MM = 40 / 25.4


def ink_in_margins(pdf: bytes, margin_mm: float) -> list[tuple[int, int, int]]:
    found = []
    for number, image in enumerate(render_pages(pdf, 40), start=1):
        grey = image.convert("L")
        width, height = grey.size
        band = int(margin_mm * MM)
        pixels = grey.load()
        found += [(number, x, y) for x in range(width) for y in range(height)
                  if (x < band or x >= width - band or y < band or y >= height - band)
                  and pixels[x, y] < 160]
    return found


@pytest.mark.parametrize(("options", "margin"), [({"layout": "two-column"}, 13),
                                                 ({"profile": "large"}, 14),
                                                 ({"paper": "a5"}, 15)])
def test_no_ink_in_the_margins(options, margin):
    assert ink_in_margins(pdf_for(**options), margin) == []


def test_booklet_halves_keep_their_own_margins():
    assert ink_in_margins(pdf_for(layout="booklet"), 11) == []
    image = render_pages(pdf_for(layout="booklet"), 40)[1].convert("L")
    width, height = image.size
    pixels = image.load()
    fold = [(x, y) for x in range(width // 2 - int(11 * MM), width // 2 + int(11 * MM))
            for y in range(height) if pixels[x, y] < 160]
    assert fold == [], "text runs across the fold"


def test_two_column_pages_have_text_in_both_columns():
    images = render_pages(pdf_for(layout="two-column"), 40)
    for image in images[:-1]:
        grey = image.convert("L")
        width, height = grey.size
        pixels = grey.load()
        left = sum(pixels[x, y] < 128 for x in range(width // 2 - 20) for y in range(height))
        right = sum(pixels[x, y] < 128 for x in range(width // 2 + 20, width)
                    for y in range(height))
        assert left > 500 and right > 500


# grayscale


def luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_theme_text_keeps_4_5_to_1_contrast_on_every_background():
    from leaflet.resources import data_dir

    colours = load_theme(data_dir("templates") / "default" / "theme.yaml").values["colours"]
    backgrounds = ["#ffffff", colours["important_background"], colours["urgent_background"],
                   colours["table_header_background"], colours["placeholder_background"]]
    for text in ("text", "heading"):
        for background in backgrounds:
            assert contrast(colours[text], background) >= 4.5, (text, background)
    for border in ("important_border", "urgent_border"):
        assert contrast(colours[border], "#ffffff") >= 4.5


def test_callout_boxes_stay_distinct_in_grayscale(baclofen_pdf):
    """Rendered in grey, every box edge is a dark line between the white page and a tinted
    inside: the box is still seen without colour."""
    image = render_pages(baclofen_pdf, 40, grey=True)[0].convert("L")
    width, height = image.size
    pixels = image.load()
    edges = [y for y in range(3, height - 3)
             if sum(pixels[x, y] < 110 for x in range(width)) > width * 0.6]
    assert len(edges) >= 3, "expected the draft notice box and the important box"
    for y in edges:
        sides = sorted((pixels[width // 2 + 40, y - 3], pixels[width // 2 + 40, y + 3]))
        assert 200 <= sides[0] <= 250 and sides[1] >= 253, (y, sides)


def test_the_two_kinds_of_box_differ_in_grey_too():
    """'Important' and 'urgent' boxes are told apart without colour: different fills in grey
    (and a heavier border on the urgent one)."""
    from leaflet.resources import data_dir

    colours = load_theme(data_dir("templates") / "default" / "theme.yaml").values["colours"]

    def grey(hex_colour: str) -> float:
        r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
        return 0.299 * r + 0.587 * g + 0.114 * b

    assert abs(grey(colours["important_background"]) - grey(colours["urgent_background"])) >= 8


@pytest.mark.parametrize("options", [{}, {"layout": "two-column"}, {"layout": "booklet"},
                                     {"profile": "large"}])
def test_a_dose_is_never_split_between_number_and_unit(options, write_content):
    """'10' at a line's end and 'mg' on the next is a misread dose."""
    filler = "word " * 37
    path = write_content(lambda d: d["sections"]["dosing"]["general"].extend(
        [f"{filler[:n * 5]}then take 10 mg or 250 micrograms each day." for n in range(20)]))
    lines = [run.text for run in text_runs(build_pdf(path, BuildOptions(**options)).pdf)]
    for upper, lower in itertools.pairwise(lines):
        assert not (re.search(r"\d\s*$", upper) and re.match(r"\s*(mg|micrograms)\b", lower)), \
            (upper, lower)


def test_the_dose_table_starts_on_the_page_of_its_heading_and_intro(baclofen_pdf):
    runs = text_runs(baclofen_pdf)
    pages = {text: next(r.page for r in runs if r.text.startswith(text))
             for text in ("How much to take", "The table shows a usual plan", "Days 1 to 3")}
    assert len(set(pages.values())) == 1, pages


@pytest.mark.parametrize("option", [{}, {"profile": "large"},
                                    {"layout": "two-column", "paper": "a5"}])
def test_a_boxed_warning_longer_than_a_page_splits_between_its_points(write_content, option):
    """Forty key points fill more than a page: the box continues on the next one, every
    point printed once (ReportLab's splitting inside a row used to loop for ever here)."""
    points = [f"Key point number {n} about this medicine." for n in range(40)]
    path = write_content(lambda d: d["sections"]["key_information"].update(points=points))
    text = squash(" ".join(page.extract_text() for page in
                           reader(build_pdf(path, BuildOptions(**option)).pdf).pages))
    assert all(text.count(squash(point)) == 1 for point in points)


def test_a_boxed_paragraph_taller_than_a_page_is_refused_by_its_template(write_content):
    path = write_content(lambda d: d["sections"]["key_information"].update(
        points=["Take care. " * 450]))
    with pytest.raises(LayoutError) as caught:
        build_pdf(path)
    assert str(caught.value) == (
        "sections/key_information.xml.j2: a boxed warning holds a paragraph taller than a page "
        "('Take care. Take care. Take care. Take care. Take care. Take…'); shorten it or make "
        "it several points")


@pytest.mark.parametrize(("path", "message"), [
    ("/dev/zero", "is a device, not a file"),
    (".", "is a folder, not a file"),
])
def test_inspect_reads_only_regular_files(path, message, capsys):
    assert main(["inspect", path]) == 2
    assert capsys.readouterr().err.strip() == f"error: {path}: {message}"


@pytest.mark.parametrize("options", [{}, {"layout": "two-column"}, {"paper": "a5"},
                                     {"profile": "large"}],
                         ids=["a4", "two-column", "a5", "large"])
def test_no_list_leaves_an_item_alone_or_its_lead_in_behind(options):
    """A list split across pages keeps at least two items on each side, and the sentence
    that introduces it stays with its first items: a patient never reads "a side effect
    does not go away" at the top of a page without "Tell your doctor ... if:" above it."""
    from pdfread import page_texts, squash

    pages = [squash(text) for text in page_texts(build_pdf(BACLOFEN,
                                                           BuildOptions(**options)).pdf)]

    def page_of(words: str) -> int:
        return next(n for n, text in enumerate(pages) if squash(words) in text)

    for first, last in [
            ("Baclofen is used to treat:", "caused by multiple sclerosis (MS)"),
            ("Tell your doctor as soon as you can if:", "you feel confused"),
            ("you see or hear things that are not there (hallucinations)",
             "a side effect does not go away or gets worse"),
            ("Signs of stopping too quickly include:",
             "seeing or hearing things that are not there (hallucinations)")]:
        assert page_of(first) == page_of(last), (first, last)

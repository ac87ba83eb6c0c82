"""The content-stream reader every build's proof rests on: where text is drawn, how big and
how wide, through the operators a PDF writer may use, and the margins it is held to."""

from __future__ import annotations

import io

import pikepdf
import pytest
from pdfread import reader, text_runs
from reportlab.pdfgen.canvas import Canvas

from leaflet.pdf.inspect import inspect_pdf
from leaflet.pdf.readback import PageReader

# Helvetica without /Widths: every glyph counts 500/1000 em, so widths are easy to check.
STREAM = rb"""q 1 0 0 1 10 10 cm BT /F1 12 Tf 14 TL 50 700 Td (abc) Tj
[(A) -120 (W) 50 (ay)] TJ T* (next) ' 2 1 (quoted) " <48656c6c6f> Tj
0 -20 TD (td line) Tj T* (after) Tj ET Q
BT /F1 9 Tf 1 0 0 1 300 300 Tm (paren \( \) \101 Q ET esc) Tj ET % a comment ( with a paren
BI /W 2 /H 1 /BPC 8 /CS /G ID (( ) Tj EI
BT/F1 10 Tf 5 5 Td(tight)Tj ET
"""
EXPECTED = [
    # text, size, x, y, width
    ("abc", 12, 60, 710, 18),
    ("AWay", 12, 78, 710, 24.84),  # TJ: 4 glyphs, 120 thousandths narrower, 50 wider
    ("next", 12, 60, 682, 24),  # T* then ': two lines down
    ("quoted", 12, 60, 668, 42),  # ": word spacing 2, character spacing 1 (6 x 1 pt)
    ("Hello", 12, 102, 668, 35),  # a hex string, character spacing still 1
    ("td line", 12, 60, 648, 51),  # one space: 2 pt word spacing
    ("after", 12, 60, 628, 35),  # TD set the leading to 20
    ("paren ( ) A Q ET esc", 9, 300, 300, 90),  # Q restored the spacing; escapes decoded
    ("tight", 10, 5, 5, 25),  # no white space between operators; the image was skipped
]


def handmade_pdf() -> bytes:
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font,
                                                Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(STREAM)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def runs_of(data: bytes) -> list[list[tuple]]:
    pages = reader(data).pages
    page_reader = PageReader()
    return [[(run.text, run.size, run.x, run.y, run.width) for run in page_reader.runs(page)]
            for page in pages]


def test_each_text_operator_places_and_measures_its_text():
    (page,) = runs_of(handmade_pdf())
    assert_runs(page, EXPECTED)


def assert_runs(got: list[tuple], want: list[tuple]) -> None:
    assert [run[0] for run in got] == [run[0] for run in want]
    for run, expected in zip(got, want, strict=True):
        assert run[1:] == pytest.approx(expected[1:], abs=1e-6), run[0]


def canvas_pdf(compress: int) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(595, 842), pageCompression=compress, invariant=1)
    canvas.setFont("Helvetica", 10)
    canvas.drawString(40, 800, "plain")
    canvas.saveState()
    canvas.translate(100, 100)
    canvas.rotate(90)
    canvas.scale(2, 2)
    canvas.drawString(0, 0, "turned and doubled")
    canvas.restoreState()
    canvas.beginForm("Stamp")
    canvas.setFont("Times-Roman", 9)
    canvas.drawString(10, 10, "in a form")
    canvas.endForm()
    canvas.saveState()
    canvas.translate(200, 300)
    canvas.doForm("Stamp")
    canvas.restoreState()
    text = canvas.beginText(50, 700)
    text.setFont("Helvetica", 10)
    text.setHorizScale(80)
    text.setRise(2)
    text.textLine("squeezed")
    canvas.drawText(text)
    canvas.drawString(500, 40, "past the right edge of the text area")
    canvas.save()
    return out.getvalue()


@pytest.mark.parametrize("compress", [0, 1])
def test_transformations_forms_and_text_state_place_text(compress):
    (page,) = runs_of(canvas_pdf(compress))
    assert_runs(page, [
        ("plain", 10, 40, 800, 25),
        ("turned and doubled", 20, 100, 100, 180),  # rotated and scaled by the CTM
        ("in a form", 9, 210, 310, 40.5),  # the form's own offset, then where it is drawn
        ("squeezed", 10, 50, 702, 32),  # 80% horizontal scaling, 2 pt rise
        # scaling and rise are text state: they last past ET, until the state is restored
        ("past the right edge of the text area", 10, 500, 42, 144),
    ])
    assert sorted(run[0] for run in page) == sorted(run.text.strip()
                                                    for run in text_runs(canvas_pdf(compress)))


def test_text_running_past_the_right_margin_is_caught():
    report = inspect_pdf(canvas_pdf(1), (10, 10, 10, 10))
    assert report.pages[0].outside_margins == ["past the right edge of the text area"]


@pytest.mark.parametrize("baseline, caught", [(795, False), (799, False), (801, True)])
def test_text_reaching_above_the_top_margin_is_caught(baseline, caught):
    """A run is inside when its baseline is and so is its top, three quarters of its size
    above: 20 pt text on a baseline 14 pt under the 10 mm margin reaches above it."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(595, 842), invariant=1)
    canvas.setFont("Helvetica", 20)
    canvas.drawString(40, baseline, "tall")
    canvas.save()
    # the margin is at 842 - 28.35 = 813.65 pt, with 1 pt of tolerance: 814.65
    report = inspect_pdf(out.getvalue(), (10, 10, 10, 10))
    assert report.pages[0].outside_margins == (["tall"] if caught else [])

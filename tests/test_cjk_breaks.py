"""Chinese lines never break inside an amount or a short aside in brackets: "15 mg (1片"
at a line's end, "半)" on the next, reads as one tablet where the patient takes one and
a half. ReportLab's CJK wrapping, which breaks between any two characters, does."""

from __future__ import annotations

import re
import time

import pytest
import yaml
from conftest import BACLOFEN
from pdfread import page_texts
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph

from leaflet.build import BuildOptions, build_pdf, load_fonts
from leaflet.pdf.layout.cjk_breaks import KEPT_WHOLE, line_texts
from leaflet.pdf.layout.marked import MarkedParagraph
from leaflet.render.profiles import print_settings
from leaflet.render.templates import resolve_set

# Each text, and what must stay on one line wherever it is broken (stated here, not taken
# from the pattern under test); written with escapes where a character looks like an ASCII
# one: full-width digits, letters, brackets, slash, tilde and comma.
WHOLE = {
    "<b>15 mg</b> (1片半)\uff0c每天3次": ["15 mg", "(1片半)", "3次"],
    "<b>5 mg</b> (半片)": ["(半片)"],
    "每次服用10 mg\uff0c每天3次\uff0c共7天": ["10 mg", "3次", "7天"],
    "\uff081片半\uff09每天服用3次": ["\uff081片半\uff09", "3次"],
    "3月12日周四": ["12日", "周四"],
    "每次服用\uff11\uff0f\uff12片\uff0c每天\uff13次": ["\uff11\uff0f\uff12片", "\uff13次"],
    "每次服用\uff11\uff10\uff4d\uff47\uff0c每天两次": ["\uff11\uff10\uff4d\uff47"],
    "每次10毫克\uff0c每天1\uff5e2片": ["10毫克", "1\uff5e2片"],
    "每天服用两次\uff0c每次1/2片\uff0c10mg的剂量": ["1/2片", "10mg"],
    "早上8:00服用": ["8:00"],
}
TEXTS = list(WHOLE)


@pytest.fixture(scope="module")
def style() -> ParagraphStyle:
    fonts = load_fonts(print_settings(resolve_set("default")).theme)
    fonts.load_cjk_for(["片"])
    return ParagraphStyle("cjk", fontName=fonts.body.face(False, False).name, fontSize=16,
                          leading=20, wordWrap="CJK")


def lines_at(kind: type[Paragraph], text: str, style: ParagraphStyle, width: float) -> list[str]:
    paragraph = kind(text, style)
    paragraph.wrap(width, 1000)
    return line_texts(paragraph.blPara)


def broken_runs(lines: list[str]) -> list[str]:
    """Runs a line break falls inside, where the run does not start its line (a run that
    does is wider than the line and has to break)."""
    text, ends, start = "".join(lines), [], 0
    for line in lines[:-1]:
        ends.append((start, start + len(line)))
        start += len(line)
    return [m.group() for m in KEPT_WHOLE.finditer(text)
            if any(first < m.start() < end < m.end() for first, end in ends)]


def split(lines: list[str], whole: list[str]) -> list[str]:
    return [part for part in whole if not any(part in line for line in lines)]


@pytest.mark.parametrize("text", TEXTS)
def test_no_line_breaks_inside_an_amount_or_an_aside_at_any_width(text, style):
    split_by_reportlab = False
    for width in range(48, 260, 2):
        ours = lines_at(MarkedParagraph, text, style, width)
        theirs = lines_at(Paragraph, text, style, width)
        # every character kept (a space where a line breaks may go, as in ReportLab's)
        assert "".join(ours).replace(" ", "") == re.sub(r"<[^>]+>| ", "", text), width
        assert broken_runs(ours) == [], (width, ours)
        fitting = [part for part in WHOLE[text]  # on a line of its own at this width
                   if stringWidth(part, style.fontName, style.fontSize) <= width]
        assert split(ours, fitting) == [], (width, ours)
        split_by_reportlab = split_by_reportlab or split(theirs, fitting) != []
    assert split_by_reportlab, "ReportLab alone would have kept these whole: test nothing"


def test_a_paragraph_without_such_a_break_is_broken_as_reportlab_breaks_it(style):
    text = "请将药品存放在儿童看不到和够不到的地方。不要在纸盒上的有效期之后使用。"
    for width in range(48, 260, 7):
        assert (lines_at(MarkedParagraph, text, style, width)
                == lines_at(Paragraph, text, style, width))


@pytest.mark.parametrize(("text", "width"), [
    ("每天服用3次\uff0c每次1片半\uff1b" * 1600, 120),
    ("服12.5毫克或1\uff5e2片" * 1800, 45),  # a run at nearly every line's end
])
def test_a_paragraph_as_long_as_markup_allows_is_put_right_in_time(style, text, width):
    """20,000 characters (the markup's limit for a paragraph), in a narrow column: every
    line put right, in far less than a build's ten seconds."""
    narrow = ParagraphStyle("narrow", parent=style, fontSize=10, leading=13)
    started = time.process_time()
    lines = lines_at(MarkedParagraph, text, narrow, width)
    assert time.process_time() - started < 5
    assert broken_runs(lines) == []
    assert "".join(lines) == text


def test_a_run_wider_than_a_line_is_left_where_reportlab_breaks_it(style):
    """A batch number too long for any line moves nowhere: moving it would only leave a
    short line behind and break it all the same."""
    text = "请保存批号202605120012345的包装"
    for width in range(60, 110, 2):
        theirs = lines_at(Paragraph, text, style, width)
        assert len(theirs) > 1
        assert lines_at(MarkedParagraph, text, style, width) == theirs, width


@pytest.mark.parametrize("profile", ["eu", "large"])
def test_the_chinese_chart_keeps_each_tablet_count_whole(profile, tmp_path, baclofen_data):
    data = yaml.safe_load(BACLOFEN.read_text("utf-8"))
    data["leaflet"]["language"] = "zh"
    content = tmp_path / "zh.yaml"
    content.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    patient = tmp_path / "patient.yaml"
    patient.write_text("name: Jane Example\nprescriber: Dr Amir Patel\npharmacy: Riverside\n"
                       "start_date: 2026-03-12\ntimes: [8:00, 14:00, 20:00]\n"
                       "steps:\n  - {days: 3, dose: 5 mg, times_a_day: 3}\n"
                       "  - {days: 3, dose: 15 mg, times_a_day: 3}\n"
                       "  - {dose: 20 mg, times_a_day: 3}\n", "utf-8")
    pdf = build_pdf(content, BuildOptions(patient=patient, profile=profile)).pdf
    lines = [line.strip() for text in page_texts(pdf) for line in text.splitlines()]
    assert not [line for line in lines if re.search(r"[(\uff08][^)\uff09]*$", line)]
    assert sum("15 mg (1片半)" in line or line == "(1片半)" for line in lines) >= 3

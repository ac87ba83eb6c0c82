# ruff: noqa: RUF001 (Chinese, Greek and Cyrillic text is the point of these tests)
"""Scripts beyond Latin: Chinese drawn from the CJK font and wrapped inside the column, Greek
and Cyrillic through the fallback font, and right-to-left text refused until it prints
correctly."""

from __future__ import annotations

import hashlib
import io
import itertools
import unicodedata

import pypdfium2
import pytest
import yaml
from pdfread import body_text, fonts, squash, text_runs
from PIL import Image, ImageOps
from test_hostile_content import line_of
from test_pdf_valid import qpdf_check

from leaflet.build import BuildOptions, build_pdf
from leaflet.cli import main

DPI = 300
GRID = 24
# Glyph shapes closer than this are one shape: .notdef boxes measured at most 0.11 apart,
# distinct hanzi at least 0.26.
SAME_SHAPE = 0.18
SCALE = DPI / 72

# Each string holds characters no other string repeats in the same position, so the pixel
# test below has many different glyphs to compare.
CHINESE = {
    ("sections", "about", "what_it_is", 0): (
        "巴氯芬是一种使肌肉放松的药物。它属于一类叫做肌肉松弛剂的药物，可以减轻由多发性硬化症"
        "或脊髓损伤引起的肌肉痉挛、抽筋和僵硬，帮助您更轻松地活动，也能让其他治疗效果更好。"),
    ("sections", "storage", 0): "请将本药放在儿童看不到和够不到的地方。",
    ("sections", "storage", 1): "请在原包装中保存，避免受潮，温度不超过25°C。",
    ("sections", "key_information", "points", 0): "不要突然停止服用巴氯芬，这可能导致严重问题。",
}
LONG = CHINESE["sections", "about", "what_it_is", 0]


def put(data: dict, key: tuple, value: str) -> None:
    *parents, last = key
    for part in parents:
        data = data[part]
    data[last] = value


@pytest.fixture
def chinese(write_content):
    def change(data):
        data["leaflet"]["language"] = "zh-CN"
        for key, text in CHINESE.items():
            put(data, key, text)

    return write_content(change, "zh.yaml")


@pytest.fixture
def chinese_pdf(chinese) -> bytes:
    return build_pdf(chinese).pdf


def test_chinese_text_reads_back_as_written(chinese_pdf):
    text = squash(body_text(chinese_pdf))
    for source in CHINESE.values():
        assert squash(source) in text


def test_chinese_is_drawn_from_the_embedded_cjk_font_in_bold_too(chinese_pdf):
    found = fonts(chinese_pdf)
    cjk = {name: embedded for name, embedded in found.items() if "NotoSansSC" in name}
    assert set(name.split("+")[-1] for name in cjk) == {"NotoSansSC-Regular", "NotoSansSC-Bold"}
    assert all(cjk.values())


def test_a_chinese_heading_is_bold_like_its_style(write_content):
    """A heading's style is bold: the Chinese run in it is drawn from the bold face, not
    reset to the regular one by the font change."""
    def change(data):
        data["leaflet"]["language"] = "zh"
        data["medicine"]["name"] = "巴氯芬"

    runs = [run for run in text_runs(build_pdf(write_content(change)).pdf)
            if run.page == 1 and "巴氯芬" in run.text]
    largest = max(run.size for run in runs)
    assert {run.font.split("+")[-1] for run in runs if run.size == largest} == {
        "NotoSansSC-Bold"}
    assert any(run.font.endswith("NotoSansSC-Regular") for run in runs)  # body text


def test_an_english_leaflet_does_not_carry_the_cjk_font(baclofen_pdf):
    assert not any("NotoSansSC" in name for name in fonts(baclofen_pdf))


def test_chinese_builds_the_same_bytes_twice_and_passes_qpdf_checks(chinese):
    first, second = build_pdf(chinese).pdf, build_pdf(chinese).pdf
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()
    assert qpdf_check(first) == []


def chars_on_pages(pdf: bytes):
    """(page index, character, box in PDF points (left, bottom, right, top), page width)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        for index, page in enumerate(document):
            textpage = page.get_textpage()
            for number in range(textpage.count_chars()):
                char = textpage.get_text_range(number, 1)
                yield index, char, textpage.get_charbox(number), page.get_width()
    finally:
        document.close()


def locate(pdf: bytes, text: str):
    """The page and character boxes where ``text`` is drawn, found by its characters in
    reading order (line breaks in between are skipped)."""
    placed = drawn(pdf)
    target = squash(text)
    start = "".join(char for _, char, _, _ in placed).index(target)
    return placed[start:start + len(target)]


@pytest.mark.parametrize("layout", ["standard", "two-column"])
def test_a_long_chinese_paragraph_wraps_inside_the_column(write_content, layout):
    def change(data):
        data["leaflet"]["language"] = "zh"
        put(data, ("sections", "about", "what_it_is", 0), LONG)

    pdf = build_pdf(write_content(change), BuildOptions(layout=layout)).pdf
    placed = locate(pdf, LONG)
    lines = {round(box[1]) for _, _, box, _ in placed}
    assert len(lines) >= 2  # one line of this length could not fit
    ten_mm = 72 / 25.4 * 10
    for _, char, (left, _, right, _), width in placed:
        assert ten_mm <= left and right <= width - ten_mm, char
    lefts = [box[0] for _, _, box, _ in placed]
    assert max(lefts) - min(lefts) > 100  # spread along the line, not stacked


def drawn(pdf: bytes):
    return [(page, char, box, width) for page, char, box, width in chars_on_pages(pdf)
            if not char.isspace()]


def glyph_bitmaps(pdf: bytes, placed) -> list[bytes]:
    """Each placed character rendered at 300 dpi, cut out along its character box, trimmed
    to its ink and averaged down to 24 x 24 grey pixels: the shape the eye sees,
    wherever on the page (and at whatever fraction of a pixel) it was drawn."""
    document = pypdfium2.PdfDocument(pdf)
    images = {}
    try:
        for page_index in {page for page, _, _, _ in placed}:
            page = document[page_index]
            images[page_index] = (page.render(scale=SCALE, grayscale=True).to_pil(),
                                  page.get_height())
    finally:
        document.close()
    bitmaps = []
    for page_index, _, (left, bottom, right, top), _ in placed:
        image, height = images[page_index]
        crop = image.crop((int(left * SCALE), int((height - top) * SCALE),
                           int(right * SCALE) + 1, int((height - bottom) * SCALE) + 1))
        ink = ImageOps.invert(crop).getbbox()
        shape = crop.crop(ink) if ink else crop
        bitmaps.append(shape.resize((GRID, GRID), Image.Resampling.BOX).tobytes())
    return bitmaps


def difference(one: bytes, other: bytes) -> float:
    """How far apart two glyph shapes are: the mean difference of their grey levels, 0 for
    the same picture, 1 for black where the other is white everywhere."""
    return sum(abs(a - b) for a, b in zip(one, other, strict=True)) / (255 * len(one))


def test_no_chinese_character_is_drawn_as_an_empty_box(chinese_pdf):
    """A missing glyph is drawn as the font's .notdef box: the same picture for every
    character. Each distinct character must have its own, inked picture."""
    samples = (CHINESE["sections", "storage", 0],  # in a list
               CHINESE["sections", "key_information", "points", 0])  # bold, in a box
    placed = [found for text in samples for found in locate(chinese_pdf, text)
              if "\u4e00" <= found[1] <= "\u9fff"]
    bitmaps = dict(zip((char for _, char, _, _ in placed), glyph_bitmaps(chinese_pdf, placed),
                       strict=True))
    assert len(bitmaps) >= 20
    assert all(min(bitmap) < 128 for bitmap in bitmaps.values())  # every glyph has ink
    closest = min(difference(one, other)
                  for one, other in itertools.combinations(bitmaps.values(), 2))
    assert closest > SAME_SHAPE  # and a shape of its own


def test_the_pixel_test_sees_an_empty_box(tmp_path):
    """The same comparison on characters drawn from a font that lacks them: ReportLab draws
    the .notdef box for each, and every box is the same picture, which the test above would
    catch."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from leaflet.build import load_fonts
    from leaflet.render.profiles import print_settings
    from leaflet.render.templates import resolve_set

    body = load_fonts(print_settings(resolve_set("default"), "standard", None, None).theme).body
    text = "请将本药放在儿童看不到"
    out = io.BytesIO()
    SimpleDocTemplate(out, invariant=1).build(
        [Paragraph(text, ParagraphStyle("x", fontName=body.name, fontSize=20))])
    pdf = out.getvalue()
    boxes = glyph_bitmaps(pdf, drawn(pdf))
    assert len(boxes) == len(text)
    assert all(min(box) < 128 for box in boxes)
    assert max(difference(one, other)
               for one, other in itertools.combinations(boxes, 2)) < SAME_SHAPE


# Greek and Cyrillic


@pytest.mark.parametrize(("language", "sentence"), [
    ("el", "Φυλάσσετε το φάρμακο σε μέρος που δεν το βλέπουν και δεν το φτάνουν τα παιδιά."),
    ("bg", "Съхранявайте лекарството на място, където децата не могат да го видят и достигнат."),
])
def test_greek_and_bulgarian_text_read_back_as_written(write_content, language, sentence):
    def change(data):
        data["leaflet"]["language"] = language
        data["sections"]["storage"][0] = sentence

    pdf = build_pdf(write_content(change)).pdf
    assert squash(sentence) in squash(body_text(pdf))
    assert any("DejaVuSans" in name for name in fonts(pdf))


# right-to-left text


@pytest.mark.parametrize(("word", "script"), [("سلام عليكم", "Arabic script"),
                                              ("שלום לכם", "Hebrew")])
def test_right_to_left_content_is_refused_in_one_line_and_writes_no_pdf(
        tmp_path, capsys, write_content, word, script):
    def change(data):
        data["leaflet"]["language"] = "ar" if script != "Hebrew" else "he"
        data["sections"]["storage"][1] = word

    path = write_content(change)
    out = tmp_path / "out.pdf"
    assert main(["build", str(path), "-o", str(out)]) == 1
    err = capsys.readouterr().err.splitlines()
    line = line_of(path.read_text("utf-8"), word)
    assert err == [f"error: {path}:{line}: sections.storage[1]: right-to-left text ({script}) "
                   f"cannot be printed correctly yet: U+{ord(word[0]):04X} "
                   f"{unicodedata.name(word[0])} at character 1 "
                   f"(and {len(word.replace(' ', '')) - 1} more)"]
    assert not out.exists()


@pytest.mark.parametrize(("name", "script"), [("فاطمة", "Arabic script"), ("רחל", "Hebrew")])
def test_a_patient_name_in_a_right_to_left_script_is_refused(tmp_path, capsys, name, script):
    from conftest import BACLOFEN

    patient = tmp_path / "patient.yaml"
    patient.write_text(yaml.safe_dump({
        "name": name, "prescriber": "Dr Patel", "pharmacy": "Riverside Pharmacy",
        "start_date": "2026-03-12", "times": ["8:00"],
        "steps": [{"dose": "5 mg", "times_a_day": 1}]}, allow_unicode=True), "utf-8")
    out = tmp_path / "out.pdf"
    code = main(["build", str(BACLOFEN), "--patient", str(patient), "-o", str(out)])
    err = capsys.readouterr().err.splitlines()
    assert code == 1, err
    assert len(err) == 1 and err[0].startswith(f"error: {patient}:")
    assert f": name: right-to-left text ({script}) cannot be printed correctly yet" in err[0]
    assert not out.exists()

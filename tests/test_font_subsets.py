"""Each embedded font subset holds the characters the leaflet draws in it and no others,
and an ASCII character keeps its own code, so content streams still read as text."""

from __future__ import annotations

import io
import re
import struct
from collections import defaultdict

import pytest
from conftest import BACLOFEN, build_bytes, write_prescriptions
from pdfread import reader, text_runs
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from leaflet.build import load_fonts
from leaflet.cli import main
from leaflet.errors import LayoutError
from leaflet.pdf.layout import drawn_glyphs, subset_tags
from leaflet.pdf.layout import subsets as subsets_module
from leaflet.pdf.layout.drawn_glyphs import DrawnOnlyState
from leaflet.pdf.layout.subset_tags import tag_of
from leaflet.render.templates import resolve_set

_BFCHAR = re.compile(rb"<([0-9A-F]{2})> <([0-9A-F]{4})>")
CJK_MISSING = bool(load_fonts(resolve_set("default").theme).missing("\u8349"))


def subsets(pdf: bytes) -> dict[str, tuple[dict[int, str], int]]:
    """Each embedded subset by its name: its ToUnicode map (code -> character, the codes
    it leaves unused left out) and the glyphs its font file holds (from 'maxp')."""
    found = {}
    for page in reader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            cmap = font["/ToUnicode"].get_object().get_data()
            mapping = {int(code, 16): chr(int(value, 16))
                       for code, value in _BFCHAR.findall(cmap) if int(value, 16)}
            found[str(font["/BaseFont"])] = (mapping, _glyph_count(
                font["/FontDescriptor"].get_object()["/FontFile2"].get_object().get_data()))
    return found


def _glyph_count(font_file: bytes) -> int:
    tables = struct.unpack(">H", font_file[4:6])[0]
    for index in range(tables):
        tag, _, offset, _ = struct.unpack(">4sIII", font_file[12 + 16 * index:28 + 16 * index])
        if tag == b"maxp":
            return struct.unpack(">H", font_file[offset + 4:offset + 6])[0]
    raise AssertionError("no maxp table")


def drawn(pdf: bytes) -> dict[str, set[str]]:
    """The characters drawn in each subset, as a reader other than ours reads them."""
    found: dict[str, set[str]] = defaultdict(set)
    for run in text_runs(pdf):
        found[run.font].update(character for character in run.text if not character.isspace())
    return found


def storage_sentence(language: str, sentence: str):
    def change(data):
        data["leaflet"]["language"] = language
        data["sections"]["storage"][0] = sentence
    return change


KINDS = [
    pytest.param(None, {}, id="default"),
    pytest.param(None, {"profile": "large", "template": "us-medguide"},
                 id="large print, US Medication Guide"),
    pytest.param(storage_sentence("el", "Φυλάσσετε το φάρμακο σε μέρος που δεν το βλέπουν."),
                 {}, id="Greek"),
    pytest.param(storage_sentence("zh", "请将药品存放在儿童看不到、拿不到的地方。"), {},
                 id="Chinese",
                 marks=pytest.mark.skipif(CJK_MISSING, reason="no Chinese font bundled")),
]


@pytest.mark.parametrize("split", ["ours", "ReportLab's"])
@pytest.mark.parametrize("change, options", KINDS)
def test_a_subset_holds_the_characters_drawn_in_it_and_no_others(
        change, options, split, write_content, monkeypatch):
    """Whichever split the text goes through, ours or ReportLab's own."""
    if split != "ours":
        monkeypatch.setattr(TTFont, "splitString", subsets_module._rl_split_string)
    pdf = build_bytes(write_content(change), **options)
    shown = drawn(pdf)
    embedded = subsets(pdf)
    assert set(embedded) == set(shown)
    for name, (mapping, _) in embedded.items():
        assert set(mapping.values()) - {" "} == shown[name], name
        # an ASCII character's code is its own: "(Baclofen) Tj" reads as it prints
        assert all(code == ord(character) for code, character in mapping.items()
                   if " " < character < "\x80"), name


def test_a_face_that_draws_one_sign_embeds_a_glyph_or_two(baclofen_pdf):
    """DejaVu Sans Bold draws only the warning sign in an English leaflet. It embedded
    97 glyphs, one for each ASCII character, when ReportLab gave them codes up front."""
    (mapping, glyphs), = [found for name, found in subsets(baclofen_pdf).items()
                          if name.endswith("+DejaVuSans-Bold")]
    assert set(mapping.values()) == {"\u26a0", " "}
    assert glyphs <= 4  # with the missing-glyph and the U+0000 glyphs


def test_the_content_streams_still_read_as_text(baclofen_pdf):
    contents = b"".join(page.get_contents().get_data() for page in reader(baclofen_pdf).pages)
    assert b"(Baclofen 10 mg tablets) Tj" in contents and b" Page 1 of 7) Tj" in contents


def test_a_character_given_a_code_but_not_put_in_its_subset_fails_the_build(
        write_content, monkeypatch):
    """Were an ASCII character given its code and its glyph left out of the subset, the
    page would draw the subset's empty glyph: the build's own proof reads that code as
    U+0000 and refuses the leaflet."""
    def code_alone(assignments, character):
        if character == ord("k"):
            assignments[character] = character
            return character
        return missing(assignments, character)

    missing = drawn_glyphs._OwnCodeWhenDrawn.__missing__
    monkeypatch.setattr(drawn_glyphs._OwnCodeWhenDrawn, "__missing__", code_alone)
    with pytest.raises(LayoutError, match=r"character\(s\) drawn without a glyph"):
        build_bytes(write_content(None))


def test_a_state_laid_out_otherwise_is_left_as_reportlab_made_it():
    """A face registered without readable ASCII codes is given codes in the order drawn,
    from the start, as ReportLab does."""
    assert TTFont.State is DrawnOnlyState
    face = load_fonts(resolve_set("default").theme).body.face(False, False)
    font = TTFont("unreadable", str(face.path), asciiReadable=0)
    state = TTFont.State(0, font)
    assert type(state.assignments) is dict
    assert state.subsets == [[0] + [32] * 32] and state.nextCode == 1
    assert font.splitString("ab a", _Document()) == [(0, b"\x01\x02 \x01")]


class _Document:
    """What a font keeps its subsets for: any object a weak reference can be made to."""


def subsets_by_name(pdf: bytes) -> dict[str, set[tuple[bytes, bytes]]]:
    """Each subset name in a file, with every different subset (its map and its font file)
    that goes by it."""
    found: dict[str, set[tuple[bytes, bytes]]] = defaultdict(set)
    for page in reader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "/FontDescriptor" not in font:  # one of the standard 14, not embedded
                continue
            descriptor = font["/FontDescriptor"].get_object()
            assert descriptor["/FontName"] == font["/BaseFont"]
            found[str(font["/BaseFont"])].add(
                (font["/ToUnicode"].get_object().get_data(),
                 descriptor["/FontFile2"].get_object().get_data()))
    return found


def test_a_personalised_leaflet_names_each_of_its_subsets_apart(write_content):
    """Its personal pages and the leaflet's pages are two documents joined: the patient's
    name and dates draw letters the leaflet does not, so their subsets differ. ReportLab
    named the first subset of each face AAAAAA+ in both."""
    patient = BACLOFEN.parent.parent / "examples" / "patient.yaml"
    by_name = subsets_by_name(build_bytes(write_content(None), patient=patient))
    assert len(by_name) >= 5
    assert all(len(subsets) == 1 for subsets in by_name.values()), by_name.keys()


def test_a_batch_print_file_names_each_of_its_subsets_apart(tmp_path):
    listing = write_prescriptions(tmp_path / "rx.csv", ["Zoë Quinn", "Max Jaxon", "Amy Li"])
    combined = tmp_path / "day.pdf"
    assert main(["batch", str(listing), "--combined", str(combined),
                 "--out-dir", str(tmp_path / "out")]) == 0
    by_name = subsets_by_name(combined.read_bytes())
    regular = [name for name in by_name if name.endswith("+AtkinsonHyperlegible-Regular")]
    assert len(regular) == 4  # the leaflet's own, and each patient's
    assert all(len(subsets) == 1 for subsets in by_name.values())


def test_a_tag_is_six_capitals_made_from_the_characters_by_code():
    tags = {tag_of(subset) for subset in ([0, 32, 65], [0, 32, 66], [0, 65, 32])}
    assert len(tags) == 3 and all(len(tag) == 6 and tag.isalpha() and tag.isupper()
                                  for tag in tags)
    assert tag_of([0, 32, 65]) == tag_of([0, 32, 65])


def test_two_subsets_of_one_face_whose_tags_meet_are_told_apart(monkeypatch):
    """A face drawing more than 224 characters has two subsets in one document. Were
    their characters to give the same six letters, ReportLab would refuse to add the
    second's map under the first's name: the second takes the next tag its characters
    give."""
    def clashing(characters, attempt=0):
        return b"QWERTY" if attempt == 0 else b"QWERT" + bytes([65 + attempt])

    monkeypatch.setattr(subset_tags, "tag_of", clashing)
    assert subset_tags.distinct_tags([[0, 65], [0, 66], [0, 67]]) == [
        b"QWERTY", b"QWERTB", b"QWERTC"]
    face = load_fonts(resolve_set("default").theme).fallback.face(False, False)
    greek_and_cyrillic = "".join(chr(code) for code in range(0x391, 0x4FF)
                                 if chr(code) in face.chars)
    assert len(greek_and_cyrillic) > 224
    canvas = Canvas(io.BytesIO())
    canvas.setFont(face.name, 10)
    canvas.drawString(10, 10, greek_and_cyrillic)
    names = sorted(subsets_by_name(canvas.getpdfdata()))
    assert [name.split("+")[0] for name in names] == ["/QWERTB", "/QWERTY"]

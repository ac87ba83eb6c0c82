"""Every leaflet but the booklet is a tagged PDF: its structure tree says what the markup
says, nothing on a page is left untagged, a screen reader hears the content's own words,
and independent PDF/UA checkers find no error (and do find the faults we plant)."""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from conftest import BACLOFEN, ROOT, write_prescriptions
from pdftags import (
    drawn_text,
    elements,
    expected_tree,
    heading_skips,
    heard,
    mark_positions,
    open_pdf,
    parent_tree_problems,
    untagged_operators,
)

from leaflet.build import BuildOptions, build_pdf, document_for
from leaflet.cli import main
from leaflet.pdf.objects import serialise, text_string
from leaflet.pdf.tagging import _text_entry
from leaflet.personal.patient import load_patient
from leaflet.personal.personalise import split
from leaflet.render.markup import Document, parse_markup
from leaflet.render.templates import markup_locator, render_markup, resolve_set
from leaflet.sources.content import load_content

PATIENT = ROOT / "examples" / "patient.yaml"
KINDS = {
    "a4": {}, "large print": {"profile": "large"}, "two-column": {"layout": "two-column"},
    "letter": {"paper": "letter"}, "us-medguide": {"template": "us-medguide"},
    "patient": {"patient": PATIENT},
}


def document_of(options: BuildOptions, path: Path = BACLOFEN) -> list[Document]:
    """The Document(s) a build lays out: one, or a personalised build's two parts."""
    content = load_content(path)
    template_set = resolve_set(options.template)
    patient = load_patient(options.patient, content) if options.patient else None
    document, _, _ = document_for(content, template_set, patient)
    return list(split(document, "leaflet")) if patient else [document]


def expected(options: BuildOptions) -> list:
    parts = [expected_tree(part, index == 0) for index, part in enumerate(document_of(options))]
    return [parts[0][0], *(item for part in parts for item in part[1:])]


@pytest.fixture(scope="module")
def built() -> dict[str, bytes]:
    return {kind: build_pdf(BACLOFEN, BuildOptions(**options)).pdf
            for kind, options in KINDS.items()}


@pytest.fixture(scope="module")
def batch_row(tmp_path_factory) -> bytes:
    folder = tmp_path_factory.mktemp("batch")
    listing = write_prescriptions(folder / "rx.csv", ["Patient One"])
    assert main(["batch", str(listing), "--out-dir", str(folder / "out"), "--jobs", "1"]) == 0
    (row,) = sorted((folder / "out").iterdir())
    return row.read_bytes()


def all_outputs(built: dict[str, bytes], batch_row: bytes) -> dict[str, bytes]:
    return {**built, "batch row": batch_row}


@pytest.mark.parametrize("kind", KINDS)
def test_the_tree_matches_the_markup(built, kind):
    assert heard(built[kind]) == expected(BuildOptions(**KINDS[kind]))


def test_a_batch_row_is_tagged_as_its_markup_says(batch_row, tmp_path):
    """The row's patient, written as a patient file: the row's tree is what its markup
    calls for, and the same as a personalised build's."""
    patient = tmp_path / "patient.yaml"
    patient.write_text("name: Patient One\nprescriber: Dr A\npharmacy: Pharmacy\n"
                       "start_date: 2026-03-01\ntimes: ['8:00', '14:00', '20:00']\n"
                       "steps:\n  - {dose: 5 mg, times_a_day: 3}\n", "utf-8")
    options = BuildOptions(patient=patient)
    assert heard(batch_row) == expected(options)
    assert heard(batch_row) == heard(build_pdf(BACLOFEN, options).pdf)


@pytest.mark.parametrize("kind", [*KINDS, "batch row"])
def test_nothing_is_left_untagged(built, batch_row, kind):
    pdf = all_outputs(built, batch_row)[kind]
    assert untagged_operators(pdf) == []
    assert parent_tree_problems(pdf) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_screen_reader_hears_the_words_that_are_drawn(built, kind):
    """Each element's ActualText is what its marked content draws, save the spaces a
    line break swallows; so the words read out are the words on the page, and the
    ActualText puts back the spaces (the tree test shows it equals the markup's text)."""
    pdf = built[kind]
    drawn = drawn_text(pdf)
    checked = 0
    for element in elements(pdf):
        if element.actual_text is None:
            continue
        marks = element.marks + [m for below in element.below for m in below.marks]
        shown = "".join(drawn.get(mark, "") for mark in sorted(marks, key=marks.index))
        assert re.sub(r"\s", "", shown) == re.sub(r"\s", "", element.actual_text), element
        checked += 1
    assert checked > 100
    glued = [e.actual_text for e in elements(pdf) if e.actual_text and
             re.search(r"[a-z][.,:;][A-Za-z]", e.actual_text)]
    assert glued == []


def test_without_actual_text_the_lines_would_run_together(built):
    """Why every paragraph carries ActualText: the drawn text has no space at a line end."""
    pdf = built["a4"]
    drawn = drawn_text(pdf)
    split_paragraphs = [e for e in elements(pdf) if e.role == "P" and len(e.marks) == 1
                        and e.actual_text and len(e.actual_text) > 150]
    assert split_paragraphs
    assert any(drawn[e.marks[0]].replace("\xa0", " ") != e.actual_text
               for e in split_paragraphs)


def test_a_paragraph_split_across_pages_is_one_element_with_a_piece_on_each(write_content):
    long = " ".join(f"Point {n} of this paragraph is about the medicine." for n in range(90))

    def change(data):
        data["sections"]["about"]["what_it_is"] = [long]

    pdf = build_pdf(write_content(change)).pdf
    (paragraph,) = [e for e in elements(pdf) if e.actual_text == long]
    assert paragraph.role == "P"
    assert len({page for page, _ in paragraph.marks}) == 2
    drawn = drawn_text(pdf)
    shown = "".join(drawn[mark] for mark in paragraph.marks)
    assert re.sub(r"\s", "", shown) == re.sub(r"\s", "", long)
    assert untagged_operators(pdf) == [] and parent_tree_problems(pdf) == []


def test_headings_never_skip_a_level(built, batch_row):
    for kind, pdf in all_outputs(built, batch_row).items():
        assert heading_skips(pdf) == [], kind
        assert next(e.role for e in elements(pdf) if e.role.startswith("H")) == "H1", kind


@pytest.mark.parametrize("kind", ["a4", "patient"])
def test_the_draft_notice_is_read_once_then_is_an_artifact(built, kind):
    pdf = built[kind]
    notice = "DRAFT: not yet approved for patients. Do not give this leaflet to patients."
    first = elements(pdf)[1]
    assert (first.role, first.actual_text) == ("P", notice)
    assert {page for page, _ in first.marks} == {0}
    assert sum(e.actual_text == notice for e in elements(pdf)) == 1
    drawn = drawn_text(pdf)
    assert sum(text == notice for text in drawn.values()) == 1  # page 1 only; else artifacts
    assert all(notice in page.extract_text() for page in _pypdf_pages(pdf))


def _pypdf_pages(pdf: bytes):
    import pypdf
    return pypdf.PdfReader(io.BytesIO(pdf)).pages


def test_a_table_header_row_repeats_on_each_page_as_an_artifact(built):
    """The tick chart runs over two pages: its header row is drawn on both, and read once."""
    pdf = built["patient"]
    chart = next(e for e in elements(pdf) if e.role == "Table"
                 and any(b.alt == "box to tick" for b in e.below))
    pages = {page for b in chart.below for page, _ in b.marks}
    assert len(pages) >= 2
    headers = [b for b in chart.below if b.role == "TH"]
    assert {b.scope for b in headers} == {"Column"}
    assert all({page for page, _ in b.marks} == {min(pages)} for b in headers)
    shown = [page.extract_text() for page in _pypdf_pages(pdf)]
    assert all("Date" in shown[page] and "Dose" in shown[page] for page in pages)


def test_the_document_says_it_is_tagged(built):
    for kind, pdf in built.items():
        document = open_pdf(pdf)
        root = document.Root
        assert bool(root.MarkInfo.Marked), kind
        assert str(root.Lang) == "en-GB" and bool(root.ViewerPreferences.DisplayDocTitle)
        assert all(page.obj.Tabs == "/S" for page in document.pages), kind
        with document.open_metadata() as meta:
            assert meta["pdfuaid:part"] == "1", kind
            assert meta["dc:title"]


def outline(pdf: bytes) -> list[tuple[int, str]]:
    """(depth, title) of every bookmark; each must lead to a page of the file."""
    document = open_pdf(pdf)
    pages = {page.objgen for page in document.pages}
    titles: list[tuple[int, str]] = []

    def walk(item, depth):
        while item is not None:
            titles.append((depth, str(item.Title)))
            dest = item.Dest if "/Dest" in item else item.A.D
            assert dest[0].objgen in pages
            walk(item.get("/First"), depth + 1)
            item = item.get("/Next")

    walk(document.Root.Outlines.First, 0)
    return titles


def test_bookmarks_lead_to_every_numbered_section(built):
    for kind in ("a4", "two-column", "patient"):
        titles = outline(built[kind])
        numbered = [title for _, title in titles if re.match(r"\d\. ", title)]
        assert [title[0] for title in numbered] == list("123456"), kind
        assert titles[0] == (0, "Baclofen 10 mg tablets")
        assert all(depth == 1 for depth, _ in titles[1:])


def test_two_columns_are_read_column_by_column(built):
    pdf = built["two-column"]
    document = open_pdf(pdf)
    width = float(document.pages[1].mediabox[2])
    order = [mark for e in elements(pdf) for mark in e.marks if mark[0] == 1]
    x = mark_positions(pdf, 1)
    sides = [x[mcid] > width / 2 for _, mcid in order if mcid in x]
    assert True in sides and False in sides
    assert sides == sorted(sides), "a left-column piece is read after a right-column one"


def test_the_booklet_imposition_claims_no_tagging():
    pdf = build_pdf(BACLOFEN, BuildOptions(layout="booklet")).pdf
    document = open_pdf(pdf)
    assert "/StructTreeRoot" not in document.Root
    with document.open_metadata() as meta:
        assert "pdfuaid:part" not in meta


# ---- broken copies: our own checks and the independent checkers must catch each ----

def unwrap_footer(pdf: bytes) -> bytes:
    """The footer drawn with no Artifact sequence around it."""
    document = open_pdf(pdf)
    for page in document.pages:
        kept, level, footer = [], 0, None
        for operands, operator in pikepdf.parse_content_stream(page):
            name = str(operator)
            if name in ("BDC", "BMC"):
                level += 1
                if (name == "BDC" and isinstance(operands[1], pikepdf.Dictionary)
                        and operands[1].get("/Subtype") == "/Footer"):
                    footer = level
                    continue
            elif name == "EMC":
                level -= 1
                if footer == level + 1:
                    footer = None
                    continue
            kept.append((operands, operator))
        page.Contents = document.make_stream(pikepdf.unparse_content_stream(kept))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def change_element(pdf: bytes, role: str, change) -> bytes:
    document = open_pdf(pdf)

    def find(node):
        if node.get("/S") == role:
            return node
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else []:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid and (hit := find(kid)):
                return hit
        return None

    change(find(document.Root.StructTreeRoot.K[0]))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def broken_copies(pdf: bytes) -> dict[str, bytes]:
    def drop_alt(node):
        del node["/Alt"]

    def deeper(node):
        node.S = pikepdf.Name("/H3")

    return {"untagged footer": unwrap_footer(pdf),
            "missing alt": change_element(pdf, "/Figure", drop_alt),
            "skipped heading level": change_element(pdf, "/H2", deeper)}


def test_our_checks_catch_each_broken_copy(built):
    pdf = built["patient"]  # it has figures (the tick boxes)
    broken = broken_copies(pdf)
    assert untagged_operators(broken["untagged footer"])
    assert not untagged_operators(broken["missing alt"])
    missing = [e for e in elements(broken["missing alt"]) if e.role == "Figure" and not e.alt]
    assert missing
    assert heard(broken["missing alt"]) != heard(pdf)
    assert heading_skips(broken["skipped heading level"]) == ["H1 then H3"]


def pdfua_errors(pdf: bytes, tmp_path: Path) -> list[str]:
    from pdfua import Severity, validate
    path = tmp_path / "checked.pdf"
    path.write_bytes(pdf)
    return [f"{f.rule_id}: {f.message}" for f in validate(str(path)).findings
            if f.severity >= Severity.ERROR]


@pytest.mark.parametrize("kind", [*KINDS, "batch row"])
def test_pdfua_finds_no_error(built, batch_row, kind, tmp_path):
    assert pdfua_errors(all_outputs(built, batch_row)[kind], tmp_path) == []


def test_pdfua_catches_an_untagged_footer_and_a_missing_alt(built, tmp_path):
    broken = broken_copies(built["patient"])
    assert any(e.startswith("UA-01") for e in pdfua_errors(broken["untagged footer"], tmp_path))
    assert any(e.startswith("UA-13") for e in pdfua_errors(broken["missing alt"], tmp_path))


def outloud_errors(files: dict[str, bytes], tmp_path: Path) -> dict[str, list[str]]:
    """outloud's errors for each file, from one run of its command line."""
    paths = {}
    for name, pdf in files.items():
        paths[name] = tmp_path / (re.sub(r"\W", "-", name) + ".pdf")
        paths[name].write_bytes(pdf)
    command = shutil.which("outloud", path=str(Path(sys.executable).parent)) or "outloud"
    run = subprocess.run([command, "--json", "-", "--fail-on", "never",
                          *map(str, paths.values())], capture_output=True, text=True,
                         check=True)
    results = {Path(r["path"]).name: r for r in json.loads(run.stdout)["results"]}
    return {name: [f["rule"] for f in results[path.name]["findings"]
                   if f["severity"] == "error"] for name, path in paths.items()}


def test_outloud_finds_no_error_and_catches_each_broken_copy(built, batch_row, tmp_path):
    broken = broken_copies(built["patient"])
    found = outloud_errors({**all_outputs(built, batch_row), **broken}, tmp_path)
    for kind in [*KINDS, "batch row"]:
        assert found[kind] == [], kind
    for kind in broken:
        assert found[kind], kind
    assert "HDG-001" in found["skipped heading level"]


@pytest.mark.parametrize("kind", ["a4", "two-column", "large print"])
def test_tagging_does_not_change_the_look(kind):
    """The same pages drawn with and without tags render to the same pixels."""
    import pypdfium2
    from PIL import ImageChops

    from leaflet.build import load_fonts, metadata_for
    from leaflet.pdf.layout import Layout
    from leaflet.render.profiles import print_settings

    options = BuildOptions(**KINDS[kind])
    content = load_content(BACLOFEN)
    template_set = resolve_set(options.template)
    settings = print_settings(template_set, options.layout, options.profile, options.paper)
    markup = render_markup(content, template_set)
    locate = markup_locator(markup, template_set)
    document = parse_markup(markup, locate)
    metadata = metadata_for(content, document.title, document.lang)
    fonts = load_fonts(settings.theme)
    pdfs = [Layout(settings.theme, fonts, lambda line: locate(line, ""), template_set.image,
                   tagged=tagged).render(document, metadata)[0] for tagged in (True, False)]
    assert [untagged_operators(pdf) == [] for pdf in pdfs] == [True, False]
    tagged, untagged = (pypdfium2.PdfDocument(pdf) for pdf in pdfs)
    assert len(tagged) == len(untagged)
    for index in range(len(tagged)):
        difference = ImageChops.difference(tagged[index].render(scale=1).to_pil(),
                                           untagged[index].render(scale=1).to_pil())
        assert difference.getbbox() is None, f"page {index + 1}"


def test_an_image_is_a_figure_with_its_alt_around_the_picture(tmp_path):
    from PIL import Image as PILImage
    clinic = tmp_path / "clinic"
    clinic.mkdir()
    PILImage.new("RGB", (240, 80), (90, 45, 130)).save(clinic / "logo.png")
    (clinic / "theme.yaml").write_text("extends: default\nlogo: logo.png\n", "utf-8")
    options = BuildOptions(template=str(clinic))
    pdf = build_pdf(BACLOFEN, options).pdf
    assert heard(pdf) == expected(options)
    (figure,) = [e for e in elements(pdf) if e.role == "Figure"]
    assert figure.alt == "Logo" and len(figure.marks) == 1
    page, mcid = figure.marks[0]
    inside, drawn, document = None, [], open_pdf(pdf)
    for operands, operator in pikepdf.parse_content_stream(document.pages[page]):
        if str(operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary):
            inside = operands[1].get("/MCID")
        elif str(operator) == "EMC":
            inside = None
        elif str(operator) == "Do":
            drawn.append(inside)
    assert drawn == [mcid]


def test_an_elements_words_are_written_as_the_pdf_writer_writes_a_text_string():
    """Printable ASCII is escaped on the spot; anything else goes through text_string.
    Random words with brackets, backslashes, control and non-ASCII characters."""
    chance = random.Random(7)
    alphabet = ["a", "Z", " ", "(", ")", "\\", "\\(", "~", "\x7f", "\t", "\n", "é", "⚠", "\u200b"]
    for _ in range(3000):
        words = "".join(chance.choice(alphabet) for _ in range(chance.randint(0, 12)))
        assert _text_entry(words) == serialise(text_string(words)).decode("latin-1"), words

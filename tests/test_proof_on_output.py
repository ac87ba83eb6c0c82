"""Every build holds the file it writes to its legibility profile: a personalised leaflet
after its parts are joined, a booklet after its pages go two to a sheet. A page that
holds exactly what a page read before held is not read again; a batch's print file
holds the pages its leaflets' builds proved."""

from __future__ import annotations

import gc
import io
import tracemalloc
import weakref
from pathlib import Path

import pytest
from conftest import BACLOFEN, pdf_of
from reportlab.pdfgen.canvas import Canvas

import leaflet.build
import leaflet.personal.personalise
from leaflet.build import BuildOptions, build_pdf, load_fonts, read_patient, render
from leaflet.errors import LayoutError
from leaflet.pdf import inspect
from leaflet.pdf.combine import CombinedWriter
from leaflet.pdf.objects import Document, digest, page_digest
from leaflet.pdf.readback import PageReader
from leaflet.render.profiles import print_settings
from leaflet.render.templates import resolve_set
from leaflet.sources.content import load_content

PATIENT = """\
name: {name}
prescriber: Dr Amir Patel
pharmacy: Riverside Pharmacy
start_date: 2026-03-12
times: [8:00, 14:00, 20:00]
steps:
  - {{days: 3, dose: 5 mg, times_a_day: 3}}
  - {{dose: 10 mg, times_a_day: 3}}
"""


def patient_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name.split()[0].lower()}.yaml"
    path.write_text(PATIENT.format(name=name), "utf-8")
    return path


def small_text_pdf(size: float, pages: int = 1, at: tuple[float, float] = (72, 700),
                   page_size: tuple[float, float] = (595.27, 841.89)) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=page_size, invariant=1)
    for _ in range(pages):
        canvas.setFont("Helvetica", size)
        canvas.drawString(*at, "Take one tablet three times a day.")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def test_a_personalised_leaflet_is_proved_as_joined(monkeypatch, tmp_path):
    """The joined file is the one written, so it is the one proved: joining that shrank
    the text would fail the build, though both parts were fine."""
    monkeypatch.setattr(leaflet.personal.personalise, "join",
                        lambda first, tree, shared: small_text_pdf(5, pages=3))
    with pytest.raises(LayoutError, match="page 1: text of 5 pt"):
        build_pdf(BACLOFEN, BuildOptions(patient=patient_file(tmp_path, "Jane Example")))


def test_a_booklet_is_proved_on_its_sheets(monkeypatch):
    """Imposing that shrank the text would fail the build, though the A5 pages were fine."""
    import leaflet.pdf.impose

    monkeypatch.setattr(leaflet.pdf.impose, "impose",
                        lambda pdf, *args: small_text_pdf(5, page_size=(841.89, 595.27)))
    with pytest.raises(LayoutError, match="page 1: text of 5 pt"):
        build_pdf(BACLOFEN, BuildOptions(layout="booklet"))


def test_text_across_the_fold_of_a_sheet_is_outside_the_margins(monkeypatch):
    """On a sheet, text must lie within one of its two pages' margins: a line drawn across
    the fold would be cut in two by it."""
    import leaflet.pdf.impose

    monkeypatch.setattr(leaflet.pdf.impose, "impose", lambda pdf, *args: small_text_pdf(
        12, at=(330, 300), page_size=(841.89, 595.27)))
    with pytest.raises(LayoutError, match="page 1: text outside the margins"):
        build_pdf(BACLOFEN, BuildOptions(layout="booklet"))


def test_line_spacing_is_measured_on_each_page_of_a_sheet(monkeypatch):
    """Large text set too tight on one page of a sheet is caught, though the other page's
    body text is less than two thirds its size (on one page, text that much larger than
    the smallest is a heading, not the body, and its spacing is not measured)."""
    import leaflet.pdf.impose

    def sheet(pdf: bytes, *args: object) -> bytes:
        out = io.BytesIO()
        canvas = Canvas(out, pagesize=(841.89, 595.27), invariant=1)
        canvas.setFont("Helvetica", 16)
        for line in range(4):  # left page: 16 pt lines 2 mm apart
            canvas.drawString(72, 400 - line * 5.67, "Take one tablet.")
        canvas.setFont("Helvetica", 10)
        for line in range(4):  # right page: 10 pt lines 6 mm apart
            canvas.drawString(500, 400 - line * 17, "Take one tablet.")
        canvas.save()
        return out.getvalue()

    monkeypatch.setattr(leaflet.pdf.impose, "impose", sheet)
    with pytest.raises(LayoutError, match=r"page 1: lines 1\.98 mm apart"):
        build_pdf(BACLOFEN, BuildOptions(layout="booklet"))


def test_a_booklet_sheet_is_read_page_by_page():
    """The real sheets pass; the report names A4 sheets, each with text in both halves."""
    result = build_pdf(BACLOFEN, BuildOptions(layout="booklet"))
    document = Document(result.pdf)
    runs = PageReader().runs(document.pages[1])
    fold = 841.89 / 2
    assert any(run.x < fold for run in runs) and any(run.x > fold for run in runs)
    assert all(run.x + run.width < fold or run.x > fold for run in runs if run.text.strip())


def test_a_batch_reads_the_shared_pages_once(monkeypatch, tmp_path):
    """The second patient's leaflet shares all but its personal pages with the first: at
    most those are read again, and every page is still reported."""
    content, template_set = load_content(BACLOFEN), resolve_set("default")
    settings = print_settings(template_set, "standard", None, None)
    fonts = load_fonts(settings.theme)
    leaflet.personal.personalise._shared.clear()
    leaflet.personal.personalise._shared_pages.clear()
    inspect._proved.clear()
    read: list[int] = []
    runs = PageReader.runs
    monkeypatch.setattr(PageReader, "runs", lambda self, page: read.append(1) or runs(self, page))
    reports: list[inspect.Report] = []
    built = inspect.inspect_built
    monkeypatch.setattr(leaflet.build, "inspect_built",
                        lambda *args: reports.append(built(*args)) or reports[-1])

    results = [render(content, template_set, settings, fonts,
                      read_patient(patient_file(tmp_path, name), content), remember=True)
               for name in ("Jane Example", "Amir Example")]
    first, second = (result.pages for result in results)
    (shared_pages,) = leaflet.personal.personalise._shared_pages.values()
    personal = first - shared_pages
    assert first == second and len(reports) == 2
    assert [len(report.pages) for report in reports] == [first, second]
    # the first reads every page; the second its personal pages, or fewer where one is
    # the same for both patients
    assert first < len(read) <= first + personal
    assert reports[0].pages[personal:] == reports[1].pages[personal:]
    margins = tuple(settings.theme.values["page"]["margins_mm"][side]
                    for side in ("top", "right", "bottom", "left"))
    fresh = inspect.inspect_built(results[1].pdf, margins)  # every page read
    assert fresh.pages == reports[1].pages


def test_a_page_drawing_from_a_changed_object_gets_another_digest(baclofen_pdf):
    """The digest covers every object a page draws from: one byte changed in a font's
    description gives another digest, though the page's own stream is unchanged."""
    original = Document(baclofen_pdf)
    flags = baclofen_pdf.index(b"/Flags ")
    end = baclofen_pdf.index(b"/", flags + 1)
    changed_bytes = (baclofen_pdf[:flags] + b"/Flags " + b"9" * (end - flags - 8) + b" "
                     + baclofen_pdf[end:])
    assert len(changed_bytes) == len(baclofen_pdf)
    changed = Document(changed_bytes)
    assert page_digest(original.pages[0]) != page_digest(changed.pages[0])


def test_a_page_copied_into_the_print_file_keeps_its_digest(tmp_path, baclofen_pdf):
    """In a batch's print file a leaflet's objects have other numbers and other places:
    its pages' digests are the same, which is how the print file is checked."""
    writer = CombinedWriter(tmp_path / "print.pdf", "print")
    writer.add(baclofen_pdf)
    writer.add(baclofen_pdf)
    writer.close()
    source = Document(baclofen_pdf)
    printed = Document((tmp_path / "print.pdf").read_bytes())
    count = len(source.pages)
    second = printed.pages[count + 1:2 * count + 1]  # after the first and its blank page
    assert [page_digest(page) for page in second] == [page_digest(page) for page in source.pages]
    assert second[0].indirect_reference.number != source.pages[0].indirect_reference.number


def test_a_page_copied_wrong_into_the_print_file_stops_it(monkeypatch, tmp_path, baclofen_pdf):
    """A page that does not draw what the proved leaflet's page draws is never printed:
    the print file is dropped and an earlier one left as it was."""
    import leaflet.pdf.writer

    copy = leaflet.pdf.writer.copy_object

    def taller(obj, renumber):  # every page's box 10 points taller
        if isinstance(obj, list) and len(obj) == 4 and obj[:2] == [0, 0]:
            return [0, 0, obj[2], obj[3] + 10]
        return copy(obj, renumber)

    path = tmp_path / "print.pdf"
    path.write_bytes(b"yesterday's print file")
    writer = CombinedWriter(path, "print")
    monkeypatch.setattr(leaflet.pdf.writer, "copy_object", taller)
    with pytest.raises(RuntimeError, match="page 1 of the print file"):
        writer.add(baclofen_pdf)
    assert path.read_bytes() == b"yesterday's print file"
    assert list(tmp_path.iterdir()) == [path]


def test_a_page_with_a_number_changed_past_six_decimals_is_another_page():
    """Values on the page itself are digested as read, every digit kept (a PDF writer
    would round them to six decimals)."""
    boxes = ([0, 0, 595.0000001, 842], [0, 0, 595.0000004, 842])
    assert digest([None, None, boxes[0]]) != digest([None, None, boxes[1]])


def test_a_page_whose_resources_lead_back_to_it_is_read_not_remembered():
    """Objects that lead back to themselves have no digest: such a page is read as any
    other, only not remembered (no leaflet page does this)."""
    data = pdf_of({1: b"<< /Type /Catalog /Pages 2 0 R >>",
                   2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                   3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                      b"/Resources << /Loop 3 0 R >> /Contents 4 0 R >>",
                   4: b"<< /Length 0 >>\nstream\n\nendstream"})
    inspect._proved.clear()
    report = inspect.inspect_built(data, (10, 10, 10, 10), remember=True)
    assert [page.width_mm for page in report.pages] == [209.9]  # 595 pt
    assert not inspect._proved


def test_a_huge_cross_reference_table_is_read_in_little_memory():
    """A table of 200,000 entries (a 4 MB file) is checked a block at a time: checked at
    once, the pattern alone took 54 MB."""
    base = pdf_of({1: b"<< /Type /Catalog /Pages 2 0 R >>",
                   2: b"<< /Type /Pages /Kids [] /Count 0 >>"})
    start = base.rindex(b"\nxref\n") + 1
    count = 200_000
    table = (b"xref\n0 %d\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
             % count + b"0000000000 00000 f \n" * (count - 3))
    data = (base[:start] + table + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n"
            b"%%%%EOF\n" % (count, start))
    tracemalloc.start()
    try:
        document = Document(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert document.offsets == {1: 9, 2: 58}
    assert peak < len(data) / 2


def test_a_read_file_is_freed_without_the_cycle_collector(baclofen_pdf):
    """A file's objects refer to it only weakly, so it goes when its last user lets go:
    a batch worker reading one file per leaflet stays small."""
    gc.disable()
    try:
        document = Document(baclofen_pdf)
        for page in document.pages:
            PageReader().runs(page)
        gone = weakref.ref(document)
        del document, page
        assert gone() is None
    finally:
        gc.enable()


def test_a_cross_reference_table_spaced_otherwise_reads_the_same(baclofen_pdf):
    """Entries as the specification writes them are read a block at a time; a table
    with other spacing is still read, entry by entry, to the same offsets."""
    start = baclofen_pdf.rindex(b"\nxref\n") + 1
    table_end = baclofen_pdf.index(b"trailer", start)
    spaced = baclofen_pdf[start:table_end].replace(b" \n", b"  \n")
    respaced = baclofen_pdf[:start] + spaced + baclofen_pdf[table_end:]
    startxref = respaced.rindex(b"startxref")
    respaced = respaced[:startxref] + b"startxref\n%d\n%%%%EOF\n" % start
    assert Document(respaced).offsets == Document(baclofen_pdf).offsets
    assert len(Document(baclofen_pdf).offsets) > 100

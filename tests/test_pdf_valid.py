"""Every kind of PDF leaflet writes is a valid PDF: qpdf (through pikepdf) checks it without
a single warning, and every XMP packet in it parses as XML whatever the metadata holds."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pikepdf
import pytest
from conftest import BACLOFEN, ROOT, write_prescriptions
from pdfread import reader

from leaflet.build import BuildOptions, build_pdf
from leaflet.cli import main
from leaflet.pdf.xmp import xmp_packet
from leaflet.render.markup import Metadata

KINDS = {
    "a4": {}, "letter": {"paper": "letter"}, "a5": {"paper": "a5"},
    "two-column": {"layout": "two-column"}, "booklet": {"layout": "booklet"},
    "clear print": {"profile": "clear"}, "large print": {"profile": "large"},
    "eu": {"profile": "eu"}, "us": {"profile": "us"}, "us-medguide": {"template": "us-medguide"},
}
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DC = "{http://purl.org/dc/elements/1.1/}"


def qpdf_check(pdf: bytes) -> list[str]:
    """What `qpdf --check` reports beyond 'no errors': every warning and error."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        problems = document.check_pdf_syntax()
        version = document.pdf_version
    if re.search(rb"/Type\s*/XRef\b", pdf) and version < "1.5":
        problems.append(f"a cross-reference stream in a PDF {version} file (needs 1.5)")
    return problems


def xmp_of(pdf: bytes) -> ET.Element:
    """The document's XMP packet, parsed as XML (a malformed packet fails here)."""
    stream = reader(pdf).trailer["/Root"]["/Metadata"].get_object()
    assert (stream["/Type"], stream["/Subtype"]) == ("/Metadata", "/XML")
    return ET.fromstring(stream.get_data())


def xmp_values(packet: ET.Element, name: str) -> list[str]:
    return [item.text or "" for item in packet.iter(f"{DC}{name}")
            for item in item.iter(f"{RDF}li")]


@pytest.fixture(scope="module")
def batch_outputs(tmp_path_factory) -> list[Path]:
    """Two personalised rows and the print file of a batch."""
    folder = tmp_path_factory.mktemp("batch")
    listing = write_prescriptions(folder / "rx.csv", ["Patient 1", "Patient 2"])
    code = main(["batch", str(listing), "--out-dir", str(folder / "out"), "--combined",
                 str(folder / "day.pdf"), "--jobs", "1"])
    assert code == 0
    return [*sorted((folder / "out").iterdir()), folder / "day.pdf"]


def test_the_check_finds_the_fault_earlier_builds_had():
    """pypdf's incremental update left its cross-reference stream out of its own index,
    behind a 1.4 header: the check must see both, or passing it proves nothing."""
    from pypdf import PdfReader, PdfWriter

    pdf = build_pdf(BACLOFEN).pdf
    writer = PdfWriter(PdfReader(io.BytesIO(pdf)), incremental=True)
    writer.add_metadata({"/Title": "updated"})
    stream = io.BytesIO()
    writer.write(stream)
    updated = stream.getvalue()
    found = qpdf_check(updated)
    assert len(found) == 1 and "xref entry for the xref stream itself is missing" in found[0]
    assert qpdf_check(updated.replace(b"%PDF-1.7", b"%PDF-1.4", 1))[1:] == [
        "a cross-reference stream in a PDF 1.4 file (needs 1.5)"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_layout_profile_and_set_is_a_valid_pdf(kind):
    pdf = build_pdf(BACLOFEN, BuildOptions(**KINDS[kind])).pdf
    assert qpdf_check(pdf) == []
    catalog = reader(pdf).trailer["/Root"]
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    assert xmp_values(xmp_of(pdf), "language") == [catalog["/Lang"]] == ["en-GB"]


def test_a_personalised_leaflet_is_a_valid_pdf():
    pdf = build_pdf(BACLOFEN, BuildOptions(patient=ROOT / "examples" / "patient.yaml")).pdf
    assert qpdf_check(pdf) == []
    assert xmp_values(xmp_of(pdf), "title") == [reader(pdf).metadata.title]


def test_batch_rows_and_the_print_file_are_valid_pdfs(batch_outputs):
    assert len(batch_outputs) == 3
    for path in batch_outputs:
        assert qpdf_check(path.read_bytes()) == [], path.name


def test_every_file_is_one_revision_with_one_table(batch_outputs):
    """No incremental update: one %%EOF, one classic cross-reference table."""
    pdfs = [build_pdf(BACLOFEN, BuildOptions(layout="booklet")).pdf,
            *(path.read_bytes() for path in batch_outputs)]
    for pdf in pdfs:
        assert pdf.startswith(b"%PDF-1.7\n")
        assert pdf.count(b"%%EOF") == 1 and pdf.count(b"\nxref\n") == 1


MARKUP = 'Bäclofen & <Co> "10" \'mg\' > Ωмега'


def test_xmp_holds_markup_characters_and_other_scripts_exactly(write_content):
    def change(data):
        data["medicine"]["name"] = MARKUP
        data["medicine"]["active_substance"] = "bäclofen & <x>"
        data["leaflet"]["author"] = "O'Brien & Søn <Ltd> \"Apotek\""

    for options in ({}, {"layout": "booklet"}):
        pdf = build_pdf(write_content(change), BuildOptions(**options)).pdf
        assert qpdf_check(pdf) == []
        packet = xmp_of(pdf)
        info = reader(pdf).metadata
        assert MARKUP in info.title
        assert xmp_values(packet, "title") == [info.title]
        assert xmp_values(packet, "description") == [info.subject]
        assert xmp_values(packet, "creator") == ["O'Brien & Søn <Ltd> \"Apotek\""]
        assert xmp_values(packet, "subject") == [MARKUP, "bäclofen & <x>",
                                                 "patient information leaflet"]


@pytest.mark.parametrize(("given", "kept"), [
    ("tab\tnew line\ncarriage return\r", "tab\tnew line\ncarriage return\r"),
    ("bell\x07 vertical tab\x0b nul\x00 escape\x1b", "bell\ufffd vertical tab\ufffd nul\ufffd "
                                                     "escape\ufffd"),
    ("lone surrogate \ud800, not characters \ufffe\uffff", "lone surrogate \ufffd, not "
                                                            "characters \ufffd\ufffd"),
    ("]]> &amp; <![CDATA[", "]]> &amp; <![CDATA["),
])
def test_an_xmp_packet_is_well_formed_whatever_reaches_it(given, kept):
    """Content with control characters is refused when it is loaded; a packet must still
    parse if one gets this far, keeping every character XML 1.0 can hold."""
    metadata = Metadata(title=given, subject=given, author=given, keywords=(given, "x"),
                        language="en-GB")
    packet = ET.fromstring(xmp_packet(metadata))
    assert xmp_values(packet, "title") == [kept]
    assert xmp_values(packet, "creator") == [kept]
    assert xmp_values(packet, "subject") == [kept, "x"]

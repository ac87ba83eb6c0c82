"""The QR code to the online version: decoded from the rendered page it gives the address
back, the address is printed beside it in words, a screen reader hears the words and the
address once, and there is no code when the content gives no address."""

from __future__ import annotations

import io
import json

import pikepdf
import pypdfium2
import pytest
import zxingcpp
from conftest import BACLOFEN
from pdfread import text_runs
from pdftags import elements, parent_tree_problems, untagged_operators

from leaflet.build import BuildOptions, build_pdf
from leaflet.errors import ContentError, MarkupError
from leaflet.render.markup import parse_markup

URL = "https://leaflets.example.org/baclofen-10-mg?lang=en-GB&v=2"
WORDS = "Read this leaflet online: scan the code or type the address."


def codes_on_page_one(pdf: bytes, dpi: int = 150) -> list[zxingcpp.Barcode]:
    page = pypdfium2.PdfDocument(pdf)[0]
    return zxingcpp.read_barcodes(page.render(scale=dpi / 72).to_pil())


def with_url(write_content, url: str):
    return write_content(lambda data: data["leaflet"].update(online_url=url))


@pytest.mark.parametrize("options", [{}, {"template": "us-medguide"},
                                     {"profile": "large"}, {"layout": "two-column"}])
def test_the_code_decodes_to_the_address_printed_beside_it(write_content, options):
    pdf = build_pdf(with_url(write_content, URL), BuildOptions(**options)).pdf
    (code,) = codes_on_page_one(pdf)
    assert code.format == zxingcpp.BarcodeFormat.QRCode
    assert code.text == URL
    right_of_code = code.position.top_right.x * 72 / 150
    page_height = pypdfium2.PdfDocument(pdf)[0].get_height()
    code_top = page_height - code.position.top_right.y * 72 / 150
    code_bottom = page_height - code.position.bottom_right.y * 72 / 150
    beside = [run for run in text_runs(pdf) if run.page == 1 and run.x > right_of_code
              and code_bottom - 30 < run.y < code_top + 30]
    beside_text = "".join(run.text.strip() for run in beside)
    assert URL in beside_text  # the address may wrap
    assert WORDS.replace(" ", "") in beside_text.replace(" ", "")


def test_a_screen_reader_hears_the_words_and_the_address_and_not_the_code(write_content):
    pdf = build_pdf(with_url(write_content, URL)).pdf
    (element,) = [e for e in elements(pdf) if e.actual_text and URL in e.actual_text]
    assert (element.role, element.actual_text) == ("P", f"{WORDS} {URL}")
    assert untagged_operators(pdf) == []  # so the code's squares are an artifact
    assert parent_tree_problems(pdf) == []


def test_the_tree_with_a_code_matches_the_markup(write_content):
    from pdftags import expected_tree, heard
    from test_tagged import document_of
    path = with_url(write_content, URL)
    (document,) = document_of(BuildOptions(), path)
    assert heard(build_pdf(path).pdf) == expected_tree(document)


def test_no_address_no_code(baclofen_pdf):
    assert codes_on_page_one(baclofen_pdf) == []
    assert not any("online" in run.text for run in text_runs(baclofen_pdf))


@pytest.mark.parametrize("url", [
    "http://leaflets.example.org/baclofen",  # not https
    "https://leaflets example.org",  # a space
    "https://" + "a" * 200 + ".org",  # too long for a code that scans from paper
    "javascript:alert(1)",
])
def test_an_address_that_is_not_a_short_https_url_is_refused(write_content, url):
    with pytest.raises(ContentError) as error:
        build_pdf(with_url(write_content, url))
    assert "leaflet.online_url" in str(error.value)


def test_a_placeholder_address_prints_no_code_yet(write_content):
    pdf = build_pdf(with_url(write_content, "[address of the leaflet online]")).pdf
    assert codes_on_page_one(pdf) == []
    assert not any("online" in run.text for run in text_runs(pdf))


def test_a_template_cannot_point_a_code_elsewhere():
    with pytest.raises(MarkupError, match="must be an https:// address"):
        parse_markup('<leaflet lang="en" title="t"><qr-code href="ftp://x.org/a">Scan'
                     "</qr-code></leaflet>", lambda line, near: ("t.xml.j2", line))


def test_the_content_schema_documents_the_address():
    from leaflet.sources import json_schema
    leaflet = json.loads(json_schema())["properties"]["leaflet"]["properties"]
    assert leaflet["online_url"]["pattern"].startswith("^(?:https://")
    assert leaflet["online_url"]["maxLength"] == 200


def test_the_same_address_gives_the_same_valid_bytes(write_content):
    path = with_url(write_content, URL)
    pdf = build_pdf(path).pdf
    assert pdf == build_pdf(path).pdf
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert document.check_pdf_syntax() == []


def test_the_baclofen_file_has_no_address():
    assert "online_url" not in BACLOFEN.read_text("utf-8")

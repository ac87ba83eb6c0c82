"""`leaflet inspect` on hostile PDFs: one error line and a non-zero exit, or a report,
within a few seconds, never an internal error; and a file our reader refuses only while
walking its pages is read by pypdf, as before our reader."""

from __future__ import annotations

import struct
import time
import zlib

import pytest
from conftest import pdf_of

import leaflet.pdf.inspect
from leaflet.cli import INTERNAL_ERROR, main
from leaflet.pdf.inspect import inspect_pdf
from leaflet.pdf.objects import Document, Unsupported, serialise


def stream(entries: bytes, data: bytes) -> bytes:
    return b"<< " + entries + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def page(content: bytes = b"BT /F1 12 Tf 72 700 Td (Hello) Tj ET",
         font: bytes = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
         resources: bytes = b"<< /Font << /F1 4 0 R >> >>", **more: bytes) -> bytes:
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
               2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
                  + resources + b" /Contents 5 0 R >>",
               4: font, 5: stream(b"", content)}
    objects.update({int(key[1:]): body for key, body in more.items()})
    return pdf_of(objects)


def inspect(tmp_path, capsys, data: bytes) -> tuple[int, str, str]:
    path = tmp_path / "hostile.pdf"
    path.write_bytes(data)
    started = time.monotonic()
    code = main(["inspect", str(path)])
    assert time.monotonic() - started < 5
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def refused(tmp_path, capsys, data: bytes) -> str:
    code, out, err = inspect(tmp_path, capsys, data)
    assert code not in (0, INTERNAL_ERROR), err
    assert out == ""
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    assert "internal error" not in err
    return err


ENCRYPTED = pdf_of(
    {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [] /Count 0 >>"},
    extra_trailer=b"/Encrypt << /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >> ")


@pytest.mark.parametrize("data", [
    pytest.param(ENCRYPTED, id="encrypted"),
    pytest.param(page(resources=b"[1 2]"), id="resources-an-array"),
    pytest.param(page(font=b"5"), id="font-a-number"),
    pytest.param(page(font=b"<< /Subtype /Type0 /DescendantFonts [] >>"),
                 id="no-descendant-font"),
    pytest.param(pdf_of({1: b"<< /Type /Catalog /Pages 2 0 R >>",
                         2: b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"}), id="kids-cycle"),
    pytest.param(pdf_of({1: b"<< /Type /Catalog /Pages 2 0 R >>",
                         2: b"<< /Type /Pages /Kids 7 /Count 1 >>"}), id="kids-a-number"),
    pytest.param(page(**{"o5": stream(b"/Filter [/Foo]", b"BT ET")}), id="unknown-filter"),
    pytest.param(page(content=b"BT /F1 12 Tf 1" + b"0" * 400 + b" 0 0 1 0 0 Tm (x) Tj ET"),
                 id="infinite-matrix"),
    pytest.param(page(**{"o3": b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 5] "
                               b"/Contents 5 0 R >>"}), id="short-mediabox"),
    pytest.param(page(content=b"/X1 Do", resources=b"<< /XObject << /X1 6 0 R >> >>",
                      o6=stream(b"/Subtype /Form /Resources << /XObject << /X1 6 0 R >> >>",
                                b"/X1 Do " * 13)), id="form-drawing-itself-13-times"),
    pytest.param(page(o5=stream(b"/Filter /FlateDecode",
                                zlib.compress(b"\0" * 300_000_000, 9))), id="deflate-bomb"),
])
def test_hostile_file_is_one_error_line(tmp_path, capsys, data):
    assert "not a readable PDF" in refused(tmp_path, capsys, data)


def test_huge_cid_width_range_is_read_in_time(tmp_path, capsys):
    font = (b"<< /Type /Font /Subtype /Type0 /BaseFont /X "
            b"/DescendantFonts [<< /W [0 999999999 5] >>] >>")
    content = b"BT /F1 12 Tf 72 700 Td <0001> Tj ET"
    code, out, err = inspect(tmp_path, capsys, page(content=content, font=font))
    assert code != INTERNAL_ERROR and "page" in out, err


def test_huge_unicode_range_is_read_in_time(tmp_path, capsys):
    font = b"<< /Type /Font /BaseFont /X /FirstChar 0 /Widths [500] /ToUnicode 6 0 R >>"
    cmap = stream(b"", b"beginbfrange <00> <FFFFFFFF> <> endbfrange")
    code, out, err = inspect(tmp_path, capsys, page(font=font, o6=cmap))
    assert code != INTERNAL_ERROR and "page" in out, err


@pytest.mark.parametrize("data", [
    pytest.param(page(**{"o5": b"<< /Length 999 >>\nstream\nBT /F1 12 Tf 72 700 Td (Hello) Tj ET"
                               b"\nendstream"}), id="wrong-length"),
    pytest.param(page(**{"o5": b"<< /Length 99 0 R >>\nstream\nBT /F1 12 Tf 72 700 Td (Hello) "
                               b"Tj ET\nendstream"}), id="length-of-a-missing-object"),
])
def test_file_our_reader_refuses_late_is_read_by_pypdf(tmp_path, capsys, data):
    code, out, err = inspect(tmp_path, capsys, data)
    assert (code, err) == (1, "")  # a report: its one violation is the font not embedded
    assert "Helvetica: NOT EMBEDDED" in out and "209.9 x 297" in out and "12 pt" in out


def test_name_with_hash_escapes_reads_as_the_name_it_stands_for():
    data = page(font=b"<< /Type /Font /Subtype /Type1 /BaseFont /Hel#76etica#20Bold >>",
                resources=b"<< /F#6Fnt << /F1 4 0 R >> >>")
    document = Document(data)
    font = document.pages[0]["/Resources"]["/Font"]["/F1"]
    assert font["/BaseFont"] == "/Helvetica Bold"
    assert serialise(font["/BaseFont"]) == b"/Helvetica#20Bold"  # written back as it was
    assert [f.name for f in inspect_pdf(data).fonts] == ["Helvetica Bold"]


def test_pages_sharing_one_large_content_stream_are_refused_in_time(tmp_path, capsys):
    """A file of a few KB whose hundred pages all draw one stream of a megabyte of text."""
    content = b"BT /F1 12 Tf 72 700 Td " + b"(Hello) Tj " * 100_000 + b"ET"
    pages = 100
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
               2: b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (10 + n)
                                                        for n in range(pages))
                  + b"] /Count %d /MediaBox [0 0 595 842] " % pages
                  + b"/Resources << /Font << /F1 4 0 R >> >> >>",
               4: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               5: stream(b"/Filter /FlateDecode", zlib.compress(content, 9))}
    objects.update({10 + n: b"<< /Type /Page /Parent 2 0 R /Contents 5 0 R >>"
                    for n in range(pages)})
    data = pdf_of(objects)
    assert len(data) < 20_000
    assert "draw more content than it can hold" in refused(tmp_path, capsys, data)


def test_content_with_a_predictor_is_read_with_it():
    """A FlateDecode stream whose bytes went through the PNG 'Sub' predictor: read
    without undoing it, the page would seem to draw no text at all."""
    content = b"BT /F1 5 Tf 72 700 Td (Hello world) Tj ET"
    row = bytes([1]) + bytes((content[i] - (content[i - 1] if i else 0)) & 0xFF
                             for i in range(len(content)))
    data = page(o5=stream(b"/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns %d >>"
                          % len(content), zlib.compress(row)))
    assert inspect_pdf(data).pages[0].smallest_text_pt == 5


def hybrid(size_pt: int = 5) -> bytes:
    """A hybrid-reference file: the font is in an object stream, listed only in the
    cross-reference stream that the trailer's /XRefStm names."""
    content = b"BT /F1 %d Tf 72 700 Td (Hello) Tj ET" % size_pt
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    objstm_body = b"4 0 " + font
    bodies = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
              2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                 b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
              5: b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
              6: b"<< /Type /ObjStm /N 1 /First 4 /Length %d >>\nstream\n" % len(objstm_body)
                 + objstm_body + b"\nendstream"}
    xref_data = struct.pack(">BLH", 2, 6, 0)
    bodies[7] = (b"<< /Type /XRef /Size 8 /W [1 4 2] /Index [4 1] /Length %d >>\nstream\n"
                 % len(xref_data) + xref_data + b"\nendstream")
    out = bytearray(b"%PDF-1.5\n")
    offsets = {}
    for number, body in bodies.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 8\n0000000000 65535 f \n"
    for number in range(1, 8):
        out += (b"%010d 00000 n \n" % offsets[number]) if number in offsets \
            else b"0000000000 00000 f \n"
    out += b"trailer\n<< /Size 8 /Root 1 0 R /XRefStm %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        offsets[7], start)
    return bytes(out)


def test_a_hybrid_reference_file_is_read_whole():
    assert inspect_pdf(hybrid(5)).pages[0].smallest_text_pt == 5


def test_an_unreadable_object_stays_unreadable():
    """A document keeps the objects it has parsed: an object that failed to parse once
    must not read as null the next time."""
    data = page()
    document = Document(data.replace(b"5 0 obj", b"9 0 obj"))
    for _ in range(2):
        with pytest.raises(Unsupported, match="object 5 is not where the table says"):
            document.get(5)


@pytest.mark.parametrize("array", [b"[" + b"1" * 40 + b" /Name]",
                                   b"[1234567890.12345678901234567890 4 0 R]"])
def test_an_array_of_long_numbers_then_something_else_is_read_in_time(array):
    started = time.monotonic()
    document = Document(page(font=b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                                  b"/Odd " + array + b" >>"))
    font = document.pages[0]["/Resources"]["/Font"]["/F1"]
    assert len(font.raw_get("/Odd")) in (2, 3)
    assert time.monotonic() - started < 1


def test_a_content_stream_of_unclosed_strings_is_read_in_time(tmp_path, capsys):
    """Every '(' of '(\\(\\(\\...' starts a string that is never closed."""
    code, out, err = inspect(tmp_path, capsys, page(content=b"BT /F1 12 Tf " + b"(\\" * 20_000))
    assert code != INTERNAL_ERROR and "page" in out, err


def test_an_unreadable_file_is_named_in_its_error(tmp_path, capsys):
    err = refused(tmp_path, capsys, b"%PDF-1.7\ngarbage")
    assert str(tmp_path / "hostile.pdf") in err and "<pdf>" not in err


def test_the_build_proof_reads_its_own_pdf_with_its_own_reader_alone(monkeypatch):
    """Were our reader to refuse a PDF leaflet made, the proof would have read it with
    pypdf instead; now the build fails, since that refusal is a fault of ours."""
    from pathlib import Path

    from leaflet.build import build_pdf

    def refuse(pdf: bytes) -> Document:
        raise Unsupported("planted refusal")

    monkeypatch.setattr(leaflet.pdf.inspect, "Document", refuse)
    with pytest.raises(Unsupported, match="planted refusal"):
        build_pdf(Path(__file__).parent.parent / "content" / "baclofen.yaml")


def test_the_build_proof_holds_the_finished_bytes_to_the_profile(monkeypatch):
    """What finishing hands back is what is written, so that is what is proved: finishing
    that shrank the text to 5 pt would fail the build, though the laid-out pages were fine."""
    import io
    from pathlib import Path

    from reportlab.pdfgen.canvas import Canvas

    import leaflet.build
    from leaflet.build import build_pdf
    from leaflet.errors import LayoutError

    def shrunk(raw: bytes, metadata: object, tree: object = None) -> bytes:
        out = io.BytesIO()
        canvas = Canvas(out, pagesize=(595.27, 841.89), invariant=1)
        canvas.setFont("Helvetica", 5)
        canvas.drawString(72, 700, "Take one tablet three times a day.")
        canvas.save()
        return out.getvalue()

    monkeypatch.setattr(leaflet.build, "finish", shrunk)
    with pytest.raises(LayoutError, match="text of 5 pt"):
        build_pdf(Path(__file__).parent.parent / "content" / "baclofen.yaml")

"""The reader and writer of the PDFs a build makes (leaflet/pdf/objects.py): what they read,
what they refuse, and that a build no longer needs pypdf."""

from __future__ import annotations

import io
import zlib

import pikepdf
import pytest
from conftest import BACLOFEN, ROOT, fresh_python, pdf_of

from leaflet.build import build, build_pdf
from leaflet.errors import LayoutError
from leaflet.pdf.finish import finish
from leaflet.pdf.inspect import inspect_pdf
from leaflet.pdf.objects import (
    Dict,
    Document,
    Name,
    Ref,
    Stream,
    String,
    Unsupported,
    resolved,
    serialise,
    text_string,
)
from leaflet.pdf.writer import PdfOut
from leaflet.render.markup import Metadata


def one_page(content: bytes, page_extra: bytes = b"", pages_extra: bytes = b"",
             **more: bytes) -> bytes:
    data = zlib.compress(content)
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 " + pages_extra + b">>",
        3: b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R " + page_extra + b">>",
        4: b"<< /Length 5 0 R /Filter /FlateDecode >>\nstream\n" + data + b"\nendstream",
        5: b"%d" % len(data),
    }
    objects.update({int(k[1:]): v for k, v in more.items()})
    return pdf_of(objects)


def test_values_are_read_as_written():
    document = Document(one_page(b"BT ET", page_extra=(
        b"/MediaBox [0 0 595.2756 841.8898] /Lit (a\\(b\\) (nested) \\101\\n\\\\) "
        b"/Hex <48 65 6C6C 6f> /Odd <414> /Yes true /No false /Nothing null "
        b"/Neg -12 /Dot .5 % a comment\n/Name /A#20B")))
    page = document.pages[0]
    assert page["/MediaBox"] == [0, 0, 595.2756, 841.8898]
    assert page["/Lit"] == b"a(b) (nested) A\n\\"
    assert page["/Hex"] == b"Hello"
    assert page["/Odd"] == b"A@"  # a last odd digit counts as followed by 0
    assert (page["/Yes"], page["/No"], page["/Nothing"]) == (True, False, None)
    assert (page["/Neg"], page["/Dot"]) == (-12, 0.5)
    assert page["/Name"] == "/A B"  # '#20' stands for a space
    assert serialise(page["/Name"]) == b"/A#20B"  # and is written back the same


def test_a_lookup_follows_a_reference_and_a_copy_keeps_it():
    document = Document(one_page(b"BT ET"))
    page = document.pages[0]
    assert isinstance(page.raw_get("/Contents"), Ref)
    assert page["/Contents"].get_data() == b"BT ET"  # /Length itself is a reference
    assert dict(page.items())["/Contents"] == Ref(4)


def test_a_page_inherits_from_the_page_tree():
    document = Document(one_page(b"", pages_extra=b"/MediaBox [0 0 100 200] /Rotate 90 "))
    assert document.pages[0]["/MediaBox"] == [0, 0, 100, 200]
    assert document.pages[0]["/Rotate"] == 90


def test_an_older_table_fills_in_what_the_newer_does_not_list():
    base = one_page(b"BT ET")
    first_start = int(base.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    update = b"6 0 obj\n(added)\nendobj\n"
    offset = len(base)
    table_at = offset + len(update)
    data = base + update + (b"xref\n6 1\n%010d 00000 n \ntrailer\n<< /Size 7 /Root 1 0 R "
                            b"/Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (offset, first_start,
                                                                      table_at))
    document = Document(data)
    assert document.get(6) == b"added"
    assert document.pages[0]["/Contents"].get_data() == b"BT ET"


@pytest.mark.parametrize("data, reason", [
    (b"not a pdf at all", "no startxref"),
    (one_page(b"x").replace(b"/Filter /FlateDecode", b"/Filter /LZWDecode  "), "LZWDecode"),
])
def test_what_it_cannot_read_is_unsupported(data, reason):
    with pytest.raises(Unsupported, match=reason):
        document = Document(data)
        document.pages[0]["/Contents"].get_data()


def test_a_cross_reference_stream_is_left_to_pypdf(tmp_path):
    """Files leaflet did not make (here one saved with object streams) still inspect."""
    plain = build(BACLOFEN, tmp_path / "l.pdf").pdf
    packed = io.BytesIO()
    with pikepdf.open(io.BytesIO(plain)) as pdf:
        pdf.save(packed, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    with pytest.raises(Unsupported, match="stream"):
        Document(packed.getvalue())
    ours, theirs = inspect_pdf(plain), inspect_pdf(packed.getvalue())
    assert ours.pages == theirs.pages
    assert ours.fonts == theirs.fonts


@pytest.mark.parametrize("body", [
    b"[" * 5000 + b"]" * 5000,  # nesting deeper than any file of ours
    b"[" + b"1 " * 100_001 + b"]",  # longer than any array of ours
    b"<< /Length 99999999 >>\nstream\nabc\nendstream",
    b"(never closed",
    b"<< /Key >>",
])
def test_hostile_objects_are_refused_not_crashed_on(body):
    data = pdf_of({1: b"<< /Type /Catalog /Pages 2 0 R >>",
                   2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                   3: b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>", 4: body})
    with pytest.raises(Unsupported):
        document = Document(data)
        document.pages[0]["/Contents"]


def test_a_page_tree_that_loops_is_refused():
    data = pdf_of({1: b"<< /Type /Catalog /Pages 2 0 R >>",
                   2: b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"})
    with pytest.raises(Unsupported, match="page tree"):
        Document(data)


def test_an_unreadable_file_is_a_layout_error_naming_it():
    with pytest.raises(LayoutError, match="not a readable PDF"):
        inspect_pdf(b"%PDF-1.7\ngarbage")


def test_written_objects_read_back_the_same():
    stream = Stream({"/Type": Name("/XObject"), "/Odd Key": Name("/Has Space#")}, b"\x00\xff")
    values = Dict({"/Int": 3, "/Real": 0.125, "/Whole": 2.0, "/Text": text_string("Ünïcode"),
                   "/Plain": text_string("a (b) \\ c"), "/Bytes": String(b"\x01\x02"),
                   "/List": [1, Name("/N"), None, True, Ref(7)], "/Nested": Dict({"/A": []})})
    buffer = io.BytesIO()
    out = PdfOut(buffer)
    out.put(out.allocate(), values)
    out.put(out.allocate(), stream)
    out.put(out.allocate(), Dict({"/Type": Name("/Page"), "/Parent": Ref(2),
                                  "/MediaBox": [0, 0, 10, 10], "/Resources": Dict()}))
    out.kids.append(6)
    out.close(Dict(), Dict({"/Title": text_string("T")}))
    with pikepdf.open(io.BytesIO(buffer.getvalue())) as pdf:  # a valid file to another reader
        assert pdf.check_pdf_syntax() == []
    document = Document(buffer.getvalue())
    read = document.get(4)
    assert read["/Int"] == 3 and read["/Real"] == 0.125 and read["/Whole"] == 2
    assert read["/Text"].decode("utf-16") == "Ünïcode"
    assert read["/Plain"] == b"a (b) \\ c" and read["/Bytes"] == b"\x01\x02"
    assert dict.__getitem__(read, "/List") == [1, "/N", None, True, Ref(7)]
    assert document.get(5).raw == b"\x00\xff"
    assert document.get(5)["/Odd Key"] == "/Has Space#"
    assert serialise(document.get(4)) == serialise(values)


def test_finishing_copies_each_object_the_layout_wrote_as_it_was(monkeypatch):
    """All but the catalogue and information are copied byte for byte, each under its own
    number, and the structure tree the layout built is written from its dictionaries."""
    import leaflet.build

    laid: list[tuple[bytes, object]] = []

    def keep(pdf, metadata, tree=None):
        laid.append((pdf, tree))
        return finish(pdf, metadata, tree)

    monkeypatch.setattr(leaflet.build, "finish", keep)
    monkeypatch.setattr(leaflet.build, "run_limited", lambda work, limits, on_limit: work())
    finished = build_pdf(BACLOFEN).pdf
    (raw, tree), = laid
    before, after = Document(raw), Document(finished)
    changed = {before.trailer.raw_get("/Root").number, before.trailer.raw_get("/Info").number}
    ends = sorted([*before.offsets.values(), before.table_start])
    for number, start in before.offsets.items():
        if number not in changed:
            written = raw[start:ends[ends.index(start) + 1]]
            assert finished[after.offsets[number]:].startswith(written), number
    assert tree is not None
    assert resolved(after.trailer["/Root"]["/StructTreeRoot"]["/K"][0])["/K"]  # its elements
    assert "/Lang" in after.trailer["/Root"] and "/Lang" not in before.trailer["/Root"]


METADATA = Metadata(title="t", subject="s", author="a", keywords=(), language="en")


def test_finishing_keeps_the_numbers_a_file_left_free_free():
    """A file whose writer left numbers unused (pypdf writes a removed object so) is
    finished with those numbers listed free, in one linked list, and nothing else lost."""
    data = one_page(b"BT ET", page_extra=b"/MediaBox [0 0 100 100] /Resources << >>",
                    o7=b"(kept)", o9=b"[7 0 R]")
    finished = finish(data, METADATA, None)
    table = finished[finished.rindex(b"\nxref\n") + 1:finished.rindex(b"trailer")].splitlines()
    # 0 heads the list of free numbers: 6, then 8, then none
    assert [table[2 + number] for number in (0, 6, 8)] == [
        b"0000000006 65535 f ", b"0000000008 00000 f ", b"0000000000 00000 f "]
    assert all(table[2 + number].endswith(b" n ") for number in (1, 2, 3, 4, 5, 7, 9))
    reader = Document(finished)
    assert reader.get(9) == [Ref(7)] and reader.get(7) == b"kept"
    assert reader.trailer["/Root"]["/Lang"] == b"en"
    with pikepdf.open(io.BytesIO(finished)) as pdf:
        assert pdf.check_pdf_syntax() == []


@pytest.mark.parametrize("change, reason", [
    ("an update", "more than one cross-reference table"),
    ("an object not where the table says", "object 5 is not where the table says"),
])
def test_finishing_refuses_a_file_not_laid_out_by_leaflet(change, reason):
    base = one_page(b"BT ET", page_extra=b"/MediaBox [0 0 100 100]")
    finished = Document(finish(base, METADATA, None))
    assert finished.trailer["/Root"]["/Lang"] == b"en"
    if change == "an update":
        start = int(base.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
        data = base + (b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 6 /Root 1 0 R "
                       b"/Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (start, len(base)))
    else:  # object 5 listed at the file's header
        data = pdf_of({1: b"<< /Type /Catalog /Pages 2 0 R >>",
                       2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                       3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>",
                       4: b"(four)", 5: b"(five)"}, offsets={5: 0})
    assert len(Document(data).pages) == 1  # readable
    with pytest.raises(Unsupported, match=reason):
        finish(data, METADATA, None)


def test_a_plain_build_does_not_import_pypdf(tmp_path):
    """pypdf costs about 50 ms to import and 8 MB: only a booklet (imposition) and
    `leaflet inspect` of a file leaflet did not make need it."""
    script = ("import sys; from leaflet.cli import main; "
              f"code = main(['build', {str(BACLOFEN)!r}, '-o', {str(tmp_path / 'l.pdf')!r}, "
              f"'--patient', {str(ROOT / 'examples' / 'patient.yaml')!r}]); "
              "print(code, [m for m in sys.modules if m.startswith('pypdf')])")
    assert fresh_python(script).strip().splitlines()[-1] == "0 []"


def test_objects_written_together_are_the_objects_written_one_by_one():
    objects = [(3, b"<< /A 1 >>"), (4, b"[1 2 3]"), (9, b"(x)")]
    one, together = PdfOut(io.BytesIO()), PdfOut(io.BytesIO())
    for number, body in objects:
        one.put_raw(number, body)
    together.put_raws(objects)
    assert together.stream.getvalue() == one.stream.getvalue()
    assert together.offsets == one.offsets and together.position == one.position
    assert together.digest.digest() == one.digest.digest()

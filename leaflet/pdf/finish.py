"""Finish a laid-out PDF: our document information, the document language, the viewer
showing the title, XMP, and, when the layout tagged the pages, the structure tree it
handed on, MarkInfo and the PDF/UA-1 declaration (the outline is kept as it is).

The file is written anew through `writer`, not updated incrementally: one revision with
one table. Every object the layout (or the imposition) wrote is copied byte for byte
under its own number, but for the two that change: the catalogue and the information
are written again in their places. The XMP packet and the structure tree's elements are
numbered after the rest. Reading and writing each object as values again took more time
than laying out the footers."""

from __future__ import annotations

import io

from leaflet.pdf.objects import Dict, Document, Name, Ref, Stream, Unsupported, text_string
from leaflet.pdf.tagging import Node, write_tree
from leaflet.pdf.writer import PdfOut
from leaflet.pdf.xmp import xmp_packet
from leaflet.render.markup import Metadata

# the rest of the catalogue (pages, outlines, page mode) is kept as the layout wrote it
REWRITTEN = ("/Type", "/Lang", "/ViewerPreferences", "/Metadata", "/MarkInfo")


def finish(pdf: bytes, metadata: Metadata, tree: Node | None) -> bytes:
    """``pdf`` with ReportLab's information replaced by ours, the language set and XMP;
    with the structure ``tree`` its pages were tagged by (None: they were not)."""
    reader = Document(pdf)
    written = _written_objects(reader)
    trailer = reader.trailer
    root, catalog_number = trailer["/Root"], trailer.raw_get("/Root").number
    info = trailer.raw_get("/Info") if "/Info" in trailer else None
    replaced = {catalog_number, info.number if isinstance(info, Ref) else None}
    out = PdfOut(io.BytesIO(), first=max(written) + 1)
    for number, text in written.items():
        if number not in replaced:
            out.put_written(number, text)
    catalog = Dict({key: root.raw_get(key) for key in root if key not in REWRITTEN})
    catalog["/Type"] = Name("/Catalog")
    catalog["/Lang"] = text_string(metadata.language)
    preferences = Dict(root.get("/ViewerPreferences", {}))
    preferences["/DisplayDocTitle"] = True
    catalog["/ViewerPreferences"] = preferences
    if tree is not None:
        pages = [page.indirect_reference.number for page in reader.pages]
        catalog["/StructTreeRoot"] = Ref(write_tree(tree, pages, out.allocate, out.put_raws))
        catalog["/MarkInfo"] = Dict({"/Marked": True})
    catalog["/Metadata"] = out.add(_xmp_stream(metadata, tree is not None))
    out.put(catalog_number, catalog)
    info_number = info.number if isinstance(info, Ref) else out.allocate()
    out.put(info_number, Dict({key: text_string(value)
                               for key, value in metadata.as_info().items()}))
    out.end(catalog_number, info_number)
    assert isinstance(out.stream, io.BytesIO)
    return out.stream.getvalue()


def _written_objects(reader: Document) -> dict[int, bytes]:
    """Each object of a file with one table, as written, by number: from its offset to
    the next object's (or the table's), which must be the whole object. The layout and
    the imposition write one table and their objects one after another; a file that is
    not so is not one of theirs."""
    data, offsets = reader.data, reader.offsets
    if "/Prev" in reader.trailer or reader.table_start is None:
        raise Unsupported("not a file laid out by leaflet: it has more than one "
                          "cross-reference table")
    starts = sorted((offset, number) for number, offset in offsets.items())
    ends = [offset for offset, _ in starts[1:]] + [reader.table_start]
    written = {}
    for (start, number), end in zip(starts, ends, strict=True):
        text = data[start:end]
        if not (text.startswith(b"%d 0 obj" % number) and text.rstrip().endswith(b"endobj")):
            raise Unsupported(f"object {number} is not where the table says")
        written[number] = text
    return written


def _xmp_stream(metadata: Metadata, tagged: bool) -> Stream:
    """Uncompressed, so that tools which do not read PDF can still find the packet."""
    return Stream({"/Type": Name("/Metadata"), "/Subtype": Name("/XML")},
                  xmp_packet(metadata, tagged))

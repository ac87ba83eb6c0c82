"""Finish a laid-out PDF: our document information, the document language, the viewer
showing the title, and XMP (declaring PDF/UA-1 when the layout tagged the pages; the
structure tree, outline and MarkInfo it wrote are kept as they are).

The file is written anew through `writer`, not updated incrementally: one revision with
one table, the objects read by `objects` and copied as they are."""

from __future__ import annotations

import io

from leaflet.pdf.objects import Dict, Document, Name, Ref, Stream, text_string
from leaflet.pdf.tagging import TREE_KEY, read_tree, write_tree
from leaflet.pdf.writer import PdfOut
from leaflet.pdf.xmp import xmp_packet
from leaflet.render.markup import Metadata

# the rest of the catalogue (outlines, page mode) is kept as the layout wrote it
REWRITTEN = ("/Type", "/Pages", "/Lang", "/ViewerPreferences", "/Metadata", "/MarkInfo",
             TREE_KEY)


def finish(pdf: bytes, metadata: Metadata) -> bytes:
    """``pdf`` with ReportLab's information replaced by ours, the language set and XMP."""
    reader = Document(pdf)
    out = PdfOut(io.BytesIO())
    copy = out.add_pages(reader)
    root = reader.trailer["/Root"]
    catalog = Dict({key: copy(root.raw_get(key)) for key in root if key not in REWRITTEN})
    catalog["/Lang"] = text_string(metadata.language)
    preferences = Dict(copy(root["/ViewerPreferences"]) if "/ViewerPreferences" in root
                       else {})
    preferences["/DisplayDocTitle"] = True
    catalog["/ViewerPreferences"] = preferences
    tagged = TREE_KEY in root
    if tagged:
        tree = read_tree(root[TREE_KEY].get_data())
        number = write_tree(tree, out.kids, out.allocate, out.put_raw)
        catalog["/StructTreeRoot"] = Ref(number)
        catalog["/MarkInfo"] = Dict({"/Marked": True})
    catalog["/Metadata"] = out.add(_xmp_stream(metadata, tagged))
    info = Dict({key: text_string(value) for key, value in metadata.as_info().items()})
    out.close(catalog, info)
    assert isinstance(out.stream, io.BytesIO)
    return out.stream.getvalue()


def _xmp_stream(metadata: Metadata, tagged: bool) -> Stream:
    """Uncompressed, so that tools which do not read PDF can still find the packet."""
    return Stream({"/Type": Name("/Metadata"), "/Subtype": Name("/XML")},
                  xmp_packet(metadata, tagged))

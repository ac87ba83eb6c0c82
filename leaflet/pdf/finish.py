"""Finish a laid-out PDF: our document information, the document language, the viewer
showing the title, and XMP (declaring PDF/UA-1 when the layout tagged the pages; the
structure tree, outline and MarkInfo it wrote are kept as they are).

The file is written anew through `writer`, not updated incrementally: pypdf's
incremental update leaves its cross-reference stream out of its own index (qpdf warns
on every file) and puts a PDF 1.5 structure behind a 1.4 header. Copying the objects
as they are, one revision with one table, is no slower (about 3 ms for a leaflet)."""

from __future__ import annotations

import io

from pypdf.generic import (
    BooleanObject,
    DictionaryObject,
    NameObject,
    StreamObject,
    TextStringObject,
)

from leaflet.pdf.parsed import parsed
from leaflet.pdf.tagging import TREE_KEY, read_tree, write_tree
from leaflet.pdf.writer import PdfOut, ref
from leaflet.pdf.xmp import xmp_packet
from leaflet.render.markup import Metadata

# the rest of the catalogue (outlines, page mode) is kept as the layout wrote it
REWRITTEN = ("/Type", "/Pages", "/Lang", "/ViewerPreferences", "/Metadata", "/MarkInfo",
             TREE_KEY)


def finish(pdf: bytes, metadata: Metadata) -> bytes:
    """``pdf`` with ReportLab's information replaced by ours, the language set and XMP."""
    reader = parsed(pdf)
    out = PdfOut(io.BytesIO())
    copy = out.add_pages(reader)
    root = reader.trailer["/Root"]
    catalog = DictionaryObject({NameObject(key): copy(root.raw_get(key))
                                for key in root if key not in REWRITTEN})
    catalog[NameObject("/Lang")] = TextStringObject(metadata.language)
    preferences = DictionaryObject(copy(root["/ViewerPreferences"])
                                   if "/ViewerPreferences" in root else {})
    preferences[NameObject("/DisplayDocTitle")] = BooleanObject(True)
    catalog[NameObject("/ViewerPreferences")] = preferences
    tagged = TREE_KEY in root
    if tagged:
        tree = read_tree(root[TREE_KEY].get_object().get_data())
        number = write_tree(tree, out.kids, out.allocate, out.put_raw)
        catalog[NameObject("/StructTreeRoot")] = ref(number)
        catalog[NameObject("/MarkInfo")] = DictionaryObject(
            {NameObject("/Marked"): BooleanObject(True)})
    catalog[NameObject("/Metadata")] = out.add(_xmp_stream(metadata, tagged))
    info = DictionaryObject({NameObject(key): TextStringObject(value)
                             for key, value in metadata.as_info().items()})
    out.close(catalog, info)
    assert isinstance(out.stream, io.BytesIO)
    return out.stream.getvalue()


def _xmp_stream(metadata: Metadata, tagged: bool) -> StreamObject:
    """Uncompressed, so that tools which do not read PDF can still find the packet."""
    stream = StreamObject()
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    stream.set_data(xmp_packet(metadata, tagged))
    return stream

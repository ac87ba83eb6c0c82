"""Finish the PDF with pypdf: our metadata, the document language and XMP."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import BooleanObject, DictionaryObject, NameObject, TextStringObject
from pypdf.xmp import XmpInformation

from leaflet.render.markup import Metadata


def finish(pdf: bytes, metadata: Metadata) -> bytes:
    """Replace ReportLab's info with ours, set the document language and XMP.

    An incremental update appends only the changed objects instead of rewriting
    every page and font, which keeps finishing a few milliseconds."""
    writer = PdfWriter(PdfReader(io.BytesIO(pdf)), incremental=True)
    writer.metadata = metadata.as_info()
    root = writer._root_object
    root[NameObject("/Lang")] = TextStringObject(metadata.language)
    root[NameObject("/ViewerPreferences")] = DictionaryObject(
        {NameObject("/DisplayDocTitle"): BooleanObject(True)})
    xmp = XmpInformation.create()
    xmp.dc_title = {"x-default": metadata.title}
    xmp.dc_description = {"x-default": metadata.subject}
    xmp.dc_creator = [metadata.author]
    xmp.dc_language = [metadata.language]
    xmp.dc_subject = list(metadata.keywords)
    xmp.pdf_keywords = ", ".join(metadata.keywords)
    xmp.pdf_producer = "leaflet"
    xmp.xmp_creator_tool = "leaflet"
    writer.xmp_metadata = xmp
    stream = root["/Metadata"].get_object()  # readers look for the type PDF 1.4 requires
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

"""Finish the PDF with pypdf (metadata, language, XMP) and write it without ever leaving
a half-written file or clobbering a good one."""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import BooleanObject, DictionaryObject, NameObject, TextStringObject
from pypdf.xmp import XmpInformation

from leaflet.errors import OutputError, Problem


@dataclass(frozen=True)
class Metadata:
    title: str
    subject: str
    author: str
    keywords: tuple[str, ...]
    language: str

    def as_info(self) -> dict[str, str]:
        """Document information keys; no dates, so the same input gives the same bytes."""
        return {"/Title": self.title, "/Subject": self.subject, "/Author": self.author,
                "/Keywords": ", ".join(self.keywords), "/Creator": "leaflet",
                "/Producer": "leaflet"}


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


def check_output_path(path: Path) -> None:
    """Refuse an output path we cannot write before doing any work."""
    if path.is_dir():
        raise OutputError(Problem(str(path), None, None, "output path is a directory; "
                                  "give a file name such as leaflet.pdf"))
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(Problem(str(path), None, None,
                                  f"output directory {str(parent)!r} does not exist"))


def temporary_beside(path: Path) -> tuple[int, str]:
    """A new temporary file in ``path``'s folder (so renaming it into place is atomic):
    its descriptor and name. OutputError if the folder cannot be written."""
    check_output_path(path)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        return tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise OutputError(Problem(str(path), None, None,
                                  f"cannot write here: {exc.strerror}")) from exc


def write_atomically(data: bytes, path: Path) -> None:
    """Write to a temporary file beside ``path`` and rename it into place."""
    handle, temp_name = temporary_beside(path)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except OSError as exc:
        Path(temp_name).unlink(missing_ok=True)
        raise OutputError(Problem(str(path), None, None,
                                  f"cannot write the PDF: {exc.strerror}")) from exc

"""Join finished PDFs page by page: a personalised leaflet from its personal pages and the
leaflet's own pages, and one print file of a whole batch.

pypdf reads each part and `writer` writes its objects out at once, renumbered,
so only byte offsets and the page list stay in memory (pypdf's own writer keeps
every object until the end, about a third of a megabyte per leaflet). In the
print file a leaflet with an odd number of pages is followed by a blank one, so
that printed double sided, every leaflet starts on a sheet of its own.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, NameObject, PdfObject, TextStringObject

from leaflet.errors import OutputError, Problem
from leaflet.output import temporary_beside
from leaflet.pdf.writer import INFO, PdfOut

DOCUMENT_KEYS = ("/Lang", "/ViewerPreferences", "/Metadata")


@dataclass(frozen=True)
class SharedPart:
    """A finished PDF's objects written once, numbered after the reserved ones, to be
    placed as they are behind many different first parts (the personal pages)."""

    body: bytes
    offsets: dict[int, int]
    pages: tuple[int, ...]
    catalog: DictionaryObject
    info: DictionaryObject

    @property
    def next_id(self) -> int:
        return max(self.offsets, default=INFO) + 1


def shared_part(pdf: bytes) -> SharedPart:
    """Serialise every page of ``pdf`` and what it uses, with its language, viewer
    preferences, XMP and document information for the file it will end up in."""
    reader = PdfReader(io.BytesIO(pdf))
    out = PdfOut(io.BytesIO(), header=False)
    copy = out.add_pages(reader)
    root = reader.trailer["/Root"]
    catalog = DictionaryObject({NameObject(key): copy(root.raw_get(key))
                                for key in DOCUMENT_KEYS if key in root})
    info = copy(reader.trailer["/Info"]) if "/Info" in reader.trailer else DictionaryObject()
    assert isinstance(out.stream, io.BytesIO)
    return SharedPart(out.stream.getvalue(), out.offsets, tuple(out.kids), catalog, info)


def join(first: bytes, shared: SharedPart) -> bytes:
    """The pages of ``first``, then those of ``shared``, as one PDF that takes its document
    data (language, XMP, information) from ``shared``."""
    out = PdfOut(io.BytesIO(), first=shared.next_id)
    out.add_pages(PdfReader(io.BytesIO(first)))
    base = out.position
    out.write(shared.body)
    out.offsets.update({number: base + offset for number, offset in shared.offsets.items()})
    out.kids.extend(shared.pages)
    out.next_id = max(out.next_id, shared.next_id)
    out.close(DictionaryObject(shared.catalog), DictionaryObject(shared.info))
    assert isinstance(out.stream, io.BytesIO)
    return out.stream.getvalue()


class CombinedWriter:
    """The print file of a batch: append finished leaflets in order; ``close`` makes the
    file appear whole, ``abort`` leaves any earlier file untouched."""

    def __init__(self, path: Path, title: str) -> None:
        self.path = path
        self.title = title
        self.language: PdfObject | None = None
        handle, name = temporary_beside(path)
        self.temp = Path(name)
        self.file = os.fdopen(handle, "wb")
        self.out = self._guard(lambda: PdfOut(self.file))

    @property
    def pages(self) -> int:
        return len(self.out.kids)

    def add(self, pdf: bytes) -> None:
        """Copy every page of ``pdf``; pad to an even page count."""
        self._guard(lambda: self._add(PdfReader(io.BytesIO(pdf))))

    def _add(self, reader: PdfReader) -> None:
        if self.language is None:
            self.language = reader.trailer["/Root"].get("/Lang")
        self.out.add_pages(reader)
        if len(reader.pages) % 2:
            self.out.blank_page()

    def close(self) -> None:
        catalog = DictionaryObject()
        if self.language is not None:
            catalog[NameObject("/Lang")] = self.language
        info = DictionaryObject({NameObject("/Title"): TextStringObject(self.title),
                                 NameObject("/Creator"): TextStringObject("leaflet"),
                                 NameObject("/Producer"): TextStringObject("leaflet")})
        self._guard(lambda: self.out.close(catalog, info))

        def flush() -> None:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            os.chmod(self.temp, 0o644)
            os.replace(self.temp, self.path)

        self._guard(flush)

    def abort(self) -> None:
        """Drop the half-made file; an earlier file at ``path`` stays as it was."""
        self.file.close()
        self.temp.unlink(missing_ok=True)

    def _guard(self, action: Callable[[], Any]) -> Any:
        """Run ``action``; on any way out but success (a full disk, Ctrl-C, SIGTERM made an
        exception by the CLI) drop the temporary file first."""
        try:
            return action()
        except OSError as exc:
            self.abort()
            raise OutputError(Problem(str(self.path), None, None,
                                      f"cannot write the PDF: {exc.strerror}")) from exc
        except BaseException:
            self.abort()
            raise

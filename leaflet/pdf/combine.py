"""Join finished PDFs page by page: a personalised leaflet from its personal pages and the
leaflet's own pages, and one print file of a whole batch.

pypdf reads each part; its objects are written out at once, renumbered, so
only byte offsets and the page list stay in memory (pypdf's own writer keeps
every object until the end, about a third of a megabyte per leaflet). In the
print file a leaflet with an odd number of pages is followed by a blank one,
so that printed double sided, every leaflet starts on a sheet of its own.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

from leaflet.errors import OutputError, Problem
from leaflet.output import temporary_beside

CATALOG, PAGES, INFO = 1, 2, 3
INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
DOCUMENT_KEYS = ("/Lang", "/ViewerPreferences", "/Metadata")


def _ref(number: int) -> IndirectObject:
    return IndirectObject(number, 0, None)  # type: ignore[arg-type]


class _PdfOut:
    """Numbers objects from ``first``, writes them to ``stream`` as they come and keeps
    their offsets; ``header`` False writes objects only, to be placed in a file later."""

    def __init__(self, stream: IO[bytes], first: int = INFO + 1, header: bool = True) -> None:
        self.stream = stream
        self.offsets: dict[int, int] = {}
        self.kids: list[int] = []
        self.next_id = first
        self.position = 0
        self.media_box: Any = None
        if header:
            self.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def write(self, data: bytes) -> None:
        self.stream.write(data)
        self.position += len(data)

    def allocate(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def put(self, number: int, obj: PdfObject | None) -> None:
        self.offsets[number] = self.position
        body = io.BytesIO()
        if obj is None:
            body.write(b"null")
        else:
            obj.write_to_stream(body)
        self.write(f"{number} 0 obj\n".encode() + body.getvalue() + b"\nendobj\n")

    def add_pages(self, reader: PdfReader) -> Callable[[Any], Any]:
        """Copy every page of ``reader`` and all it uses; return the copier for any further
        object of the same file (its metadata), so shared objects are written once."""
        numbers: dict[int, int] = {}
        pending: list[IndirectObject] = []

        def renumber(ref: IndirectObject) -> IndirectObject:
            if ref.idnum not in numbers:
                numbers[ref.idnum] = self.allocate()
                pending.append(ref)
            return _ref(numbers[ref.idnum])

        def flush() -> None:
            while pending:
                ref = pending.pop()
                self.put(numbers[ref.idnum], _copy(reader.get_object(ref), renumber))

        def copy(obj: Any) -> Any:
            result = _copy(obj, renumber)
            flush()
            return result

        for page in reader.pages:
            number = self.allocate()
            self.kids.append(number)
            page_copy = DictionaryObject({NameObject(key): _copy(value, renumber)
                                          for key, value in page.items() if key != "/Parent"})
            for key in INHERITED:
                if key not in page_copy and key in page:
                    page_copy[NameObject(key)] = _copy(page[key], renumber)
            page_copy[NameObject("/Parent")] = _ref(PAGES)
            self.media_box = page_copy.get("/MediaBox", self.media_box)
            self.put(number, page_copy)
            flush()
        return copy

    def blank_page(self) -> None:
        number = self.allocate()
        self.kids.append(number)
        page = DictionaryObject({NameObject("/Type"): NameObject("/Page"),
                                 NameObject("/Parent"): _ref(PAGES),
                                 NameObject("/Resources"): DictionaryObject()})
        if self.media_box is not None:
            page[NameObject("/MediaBox")] = self.media_box
        self.put(number, page)

    def close(self, catalog: DictionaryObject, info: DictionaryObject) -> None:
        """The page tree, catalogue, information and cross-reference table."""
        self.put(PAGES, DictionaryObject({
            NameObject("/Type"): NameObject("/Pages"),
            NameObject("/Kids"): ArrayObject(_ref(k) for k in self.kids),
            NameObject("/Count"): NumberObject(len(self.kids))}))
        catalog[NameObject("/Type")] = NameObject("/Catalog")
        catalog[NameObject("/Pages")] = _ref(PAGES)
        self.put(CATALOG, catalog)
        self.put(INFO, info)
        count = self.next_id
        table = [b"xref\n", f"0 {count}\n".encode(), b"0000000000 65535 f \n"]
        table += [f"{self.offsets[n]:010d} 00000 n \n".encode() for n in range(1, count)]
        start = self.position
        self.write(b"".join(table))
        self.write(f"trailer\n<< /Size {count} /Root {CATALOG} 0 R /Info {INFO} 0 R >>\n"
                   f"startxref\n{start}\n%%EOF\n".encode())


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
    out = _PdfOut(io.BytesIO(), header=False)
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
    out = _PdfOut(io.BytesIO(), first=shared.next_id)
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
        self.out = self._guard(lambda: _PdfOut(self.file))

    @property
    def pages(self) -> int:
        return len(self.out.kids)

    def add(self, pdf: bytes) -> None:
        """Copy every page of ``pdf``; pad to an even page count."""
        reader = PdfReader(io.BytesIO(pdf))
        if self.language is None:
            self.language = reader.trailer["/Root"].get("/Lang")
        self._guard(lambda: self.out.add_pages(reader))
        if len(reader.pages) % 2:
            self._guard(self.out.blank_page)

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
        try:
            return action()
        except OSError as exc:
            self.abort()
            raise OutputError(Problem(str(self.path), None, None,
                                      f"cannot write the PDF: {exc.strerror}")) from exc


def _copy(obj: Any, renumber: Callable[[IndirectObject], IndirectObject]) -> Any:
    """``obj`` with every reference renumbered for the file being written."""
    if isinstance(obj, IndirectObject):
        return renumber(obj)
    if isinstance(obj, StreamObject):
        stream = type(obj)()
        for key, value in obj.items():
            if key != "/Length":
                stream[NameObject(key)] = _copy(value, renumber)
        stream._data = obj._data
        return stream
    if isinstance(obj, DictionaryObject):
        return DictionaryObject({NameObject(k): _copy(v, renumber) for k, v in obj.items()})
    if isinstance(obj, ArrayObject):
        return ArrayObject(_copy(v, renumber) for v in obj)
    return obj

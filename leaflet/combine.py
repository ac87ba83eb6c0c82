"""One PDF of many leaflets, for printing a day's run in one go.

pypdf's writer keeps every object of every leaflet in memory until the end
(about a third of a megabyte per leaflet), so a run of thousands would not fit.
Here pypdf reads each finished leaflet and its objects are written out at once,
renumbered; only the byte offsets and the page list stay in memory. A leaflet
with an odd number of pages is followed by a blank one, so that printed double
sided, every leaflet starts on a sheet of its own.
"""

from __future__ import annotations

import io
import os
import tempfile
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
from leaflet.finish import check_output_path

CATALOG, PAGES, INFO = 1, 2, 3
INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")


class CombinedWriter:
    """Append finished leaflets in order; ``close`` makes the file appear whole, ``abort``
    leaves any earlier file untouched."""

    def __init__(self, path: Path, title: str) -> None:
        check_output_path(path)
        self.path = path
        self.title = title
        parent = path.parent if str(path.parent) else Path(".")
        try:
            handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
        except OSError as exc:
            raise OutputError(Problem(str(path), None, None,
                                      f"cannot write here: {exc.strerror}")) from exc
        self.temp = Path(name)
        self.stream: IO[bytes] = os.fdopen(handle, "wb")
        self.offsets: dict[int, int] = {}
        self.kids: list[int] = []
        self.next_id = INFO + 1
        self.language: str | None = None
        self.position = 0
        self._write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    @property
    def pages(self) -> int:
        return len(self.kids)

    def add(self, pdf: bytes) -> None:
        """Copy every page of ``pdf`` and what it uses; pad to an even page count."""
        reader = PdfReader(io.BytesIO(pdf))
        if self.language is None and "/Lang" in reader.trailer["/Root"]:
            self.language = str(reader.trailer["/Root"]["/Lang"])
        numbers: dict[int, int] = {}
        pending: list[IndirectObject] = []

        def renumber(ref: IndirectObject) -> IndirectObject:
            if ref.idnum not in numbers:
                numbers[ref.idnum] = self._allocate()
                pending.append(ref)
            return IndirectObject(numbers[ref.idnum], 0, None)

        media_box: Any = None
        for page in reader.pages:
            number = self._allocate()
            self.kids.append(number)
            copy = DictionaryObject({NameObject(key): _copy(value, renumber)
                                     for key, value in page.items() if key != "/Parent"})
            for key in INHERITED:
                if key not in copy and key in page:
                    copy[NameObject(key)] = _copy(page[key], renumber)
            copy[NameObject("/Parent")] = IndirectObject(PAGES, 0, None)
            media_box = copy.get("/MediaBox", media_box)
            self._object(number, copy)
            while pending:
                ref = pending.pop()
                self._object(numbers[ref.idnum], _copy(reader.get_object(ref), renumber))
        if len(reader.pages) % 2:
            self._blank_page(media_box)

    def close(self) -> None:
        """Write the page tree, catalogue and cross-reference table; rename into place."""
        kids = ArrayObject(IndirectObject(k, 0, None) for k in self.kids)
        self._object(PAGES, DictionaryObject({
            NameObject("/Type"): NameObject("/Pages"), NameObject("/Kids"): kids,
            NameObject("/Count"): NumberObject(len(self.kids))}))
        catalog = DictionaryObject({
            NameObject("/Type"): NameObject("/Catalog"),
            NameObject("/Pages"): IndirectObject(PAGES, 0, None)})
        if self.language:
            catalog[NameObject("/Lang")] = TextStringObject(self.language)
        self._object(CATALOG, catalog)
        self._object(INFO, DictionaryObject({
            NameObject("/Title"): TextStringObject(self.title),
            NameObject("/Creator"): TextStringObject("leaflet"),
            NameObject("/Producer"): TextStringObject("leaflet")}))
        count = self.next_id
        table = [b"xref\n", f"0 {count}\n".encode(), b"0000000000 65535 f \n"]
        table += [f"{self.offsets[n]:010d} 00000 n \n".encode() for n in range(1, count)]
        start = self.position
        self._write(b"".join(table))
        self._write(f"trailer\n<< /Size {count} /Root {CATALOG} 0 R /Info {INFO} 0 R >>\n"
                    f"startxref\n{start}\n%%EOF\n".encode())
        try:
            self.stream.flush()
            os.fsync(self.stream.fileno())
            self.stream.close()
            os.chmod(self.temp, 0o644)
            os.replace(self.temp, self.path)
        except OSError as exc:
            self.abort()
            raise OutputError(Problem(str(self.path), None, None,
                                      f"cannot write the PDF: {exc.strerror}")) from exc

    def abort(self) -> None:
        """Drop the half-made file; an earlier file at ``path`` stays as it was."""
        self.stream.close()
        self.temp.unlink(missing_ok=True)

    def _allocate(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def _blank_page(self, media_box: Any) -> None:
        number = self._allocate()
        self.kids.append(number)
        page = DictionaryObject({
            NameObject("/Type"): NameObject("/Page"),
            NameObject("/Parent"): IndirectObject(PAGES, 0, None),
            NameObject("/Resources"): DictionaryObject()})
        if media_box is not None:
            page[NameObject("/MediaBox")] = media_box
        self._object(number, page)

    def _object(self, number: int, obj: PdfObject | None) -> None:
        self.offsets[number] = self.position
        body = io.BytesIO()
        if obj is None:
            body.write(b"null")
        else:
            obj.write_to_stream(body)
        self._write(f"{number} 0 obj\n".encode() + body.getvalue() + b"\nendobj\n")

    def _write(self, data: bytes) -> None:
        try:
            self.stream.write(data)
        except OSError as exc:
            self.abort()
            raise OutputError(Problem(str(self.path), None, None,
                                      f"cannot write the PDF: {exc.strerror}")) from exc
        self.position += len(data)


def _copy(obj: Any, renumber: Any) -> Any:
    """``obj`` with every reference renumbered for the combined file."""
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

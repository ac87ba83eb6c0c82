"""Write a PDF object by object: every object copied from other PDFs renumbered, written at
once, with one classic cross-reference table at the end.

Every PDF leaflet writes goes through here (finish, the personalised join, the batch's
print file), so all of them have the same plain structure that qpdf and pikepdf check
without a warning: one revision, one page tree, a table that counts every object.
Objects go to the stream as they come, so only byte offsets and the page list stay in
memory (pypdf's own writer keeps every object until the end).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import IO, Any

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

CATALOG, PAGES, INFO = 1, 2, 3
INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


def ref(number: int) -> IndirectObject:
    return IndirectObject(number, 0, None)  # type: ignore[arg-type]


class PdfOut:
    """Numbers objects from ``first``, writes them to ``stream`` as they come and keeps
    their offsets; ``header`` False writes objects only, to be placed in a file later."""

    def __init__(self, stream: IO[bytes], first: int = INFO + 1, header: bool = True) -> None:
        self.stream = stream
        self.offsets: dict[int, int] = {}
        self.kids: list[int] = []
        self.next_id = first
        self.position = 0
        self.media_box: Any = None
        self.digest = hashlib.md5(usedforsecurity=False)
        if header:
            self.write(HEADER)

    def write(self, data: bytes) -> None:
        self.stream.write(data)
        self.digest.update(data)
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

    def put_raw(self, number: int, body: bytes) -> None:
        """Write an object already serialised (the structure tree's many small ones)."""
        self.offsets[number] = self.position
        self.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")

    def add(self, obj: PdfObject) -> IndirectObject:
        """Write a new object; the reference to it."""
        number = self.allocate()
        self.put(number, obj)
        return ref(number)

    def add_pages(self, reader: PdfReader, redirect: dict[int, int] | None = None,
                  page_entries: Callable[[int], dict[str, PdfObject]] | None = None,
                  ) -> Callable[[Any], Any]:
        """Copy every page of ``reader`` and all it uses; return the copier for any further
        object of the same file (its metadata), so shared objects are written once.
        ``redirect`` sends references to some objects to numbers written elsewhere (a
        structure element replaced when files are joined), and ``page_entries`` gives
        entries that replace a page's own, by page index."""
        numbers: dict[int, int] = dict(redirect or {})
        pending: list[IndirectObject] = []

        def renumber(old: IndirectObject) -> IndirectObject:
            if old.idnum not in numbers:
                numbers[old.idnum] = self.allocate()
                pending.append(old)
            return ref(numbers[old.idnum])

        def flush() -> None:
            while pending:
                old = pending.pop()
                self.put(numbers[old.idnum], copy_object(reader.get_object(old), renumber))

        def copy(obj: Any) -> Any:
            result = copy_object(obj, renumber)
            flush()
            return result

        for index, page in enumerate(reader.pages):
            # a page is known by its number to what points at it (outline, structure tree)
            old = page.indirect_reference.idnum
            if old in numbers:
                number = numbers[old]
                pending[:] = [p for p in pending if p.idnum != old]
            else:
                number = numbers[old] = self.allocate()
            self.kids.append(number)
            page_copy = DictionaryObject({NameObject(key): copy_object(value, renumber)
                                          for key, value in page.items() if key != "/Parent"})
            for key in INHERITED:
                if key not in page_copy and key in page:
                    page_copy[NameObject(key)] = copy_object(page[key], renumber)
            if page_entries is not None:
                page_copy.update({NameObject(k): v
                                  for k, v in page_entries(index).items()})
            page_copy[NameObject("/Parent")] = ref(PAGES)
            self.media_box = page_copy.get("/MediaBox", self.media_box)
            self.put(number, page_copy)
            flush()
        return copy

    def blank_page(self) -> None:
        number = self.allocate()
        self.kids.append(number)
        page = DictionaryObject({NameObject("/Type"): NameObject("/Page"),
                                 NameObject("/Parent"): ref(PAGES),
                                 NameObject("/Resources"): DictionaryObject()})
        if self.media_box is not None:
            page[NameObject("/MediaBox")] = self.media_box
        self.put(number, page)

    def close(self, catalog: DictionaryObject, info: DictionaryObject) -> None:
        """The page tree, catalogue, information and cross-reference table. The file
        identifier is a digest of everything before it, so the same file gets the same one."""
        self.put(PAGES, DictionaryObject({
            NameObject("/Type"): NameObject("/Pages"),
            NameObject("/Kids"): ArrayObject(ref(k) for k in self.kids),
            NameObject("/Count"): NumberObject(len(self.kids))}))
        catalog[NameObject("/Type")] = NameObject("/Catalog")
        catalog[NameObject("/Pages")] = ref(PAGES)
        self.put(CATALOG, catalog)
        self.put(INFO, info)
        count = self.next_id
        table = [b"xref\n", f"0 {count}\n".encode(), b"0000000000 65535 f \n"]
        table += [f"{self.offsets[n]:010d} 00000 n \n".encode() for n in range(1, count)]
        start = self.position
        identifier = io.BytesIO()
        ByteStringObject(self.digest.digest()).write_to_stream(identifier)
        self.write(b"".join(table))
        self.write(f"trailer\n<< /Size {count} /Root {CATALOG} 0 R /Info {INFO} 0 R "
                   f"/ID [{identifier.getvalue().decode()} {identifier.getvalue().decode()}] "
                   f">>\nstartxref\n{start}\n%%EOF\n".encode())


def copy_object(obj: Any, renumber: Callable[[IndirectObject], IndirectObject]) -> Any:
    """``obj`` with every reference renumbered for the file being written."""
    if isinstance(obj, IndirectObject):
        return renumber(obj)
    if isinstance(obj, StreamObject):
        stream = type(obj)()
        for key, value in obj.items():
            if key != "/Length":
                stream[NameObject(key)] = copy_object(value, renumber)
        stream._data = obj._data
        return stream
    if isinstance(obj, DictionaryObject):
        return DictionaryObject({NameObject(k): copy_object(v, renumber)
                                 for k, v in obj.items()})
    if isinstance(obj, ArrayObject):
        return ArrayObject(copy_object(v, renumber) for v in obj)
    return obj

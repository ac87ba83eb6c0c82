"""Write a PDF object by object, each written at once, with one classic cross-reference
table at the end: objects copied from other PDFs renumbered (the personalised join, the
batch's print file), or as another file wrote them, under their own numbers (finishing
what the layout or the imposition wrote).

Every PDF leaflet writes goes through here, so all of them have the same plain structure
that qpdf and pikepdf check without a warning: one revision, one page tree, a table that
counts every object.
Objects go to the stream as they come, so only byte offsets and the page list stay in
memory (pypdf's own writer keeps every object until the end).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import IO, Any

from leaflet.pdf.objects import Dict, Document, Name, Ref, Stream, serialise

CATALOG, PAGES, INFO = 1, 2, 3
HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


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
        self.copy: bytearray | None = None  # when set, what is written is kept here too
        if header:
            self.write(HEADER)

    def write(self, data: bytes) -> None:
        self.stream.write(data)
        self.digest.update(data)
        self.position += len(data)
        if self.copy is not None:
            self.copy += data

    def allocate(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def put(self, number: int, obj: Any) -> None:
        self.put_raw(number, serialise(obj))

    def put_written(self, number: int, written: bytes) -> None:
        """Write an object as another file had it, from its "N 0 obj" to its "endobj"."""
        self.offsets[number] = self.position
        self.write(written)

    def put_raw(self, number: int, body: bytes) -> None:
        """Write an object already serialised."""
        self.offsets[number] = self.position
        self.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")

    def put_raws(self, objects: list[tuple[int, bytes]]) -> None:
        """Write objects already serialised, in order, in one write: the structure tree's
        hundreds of small ones."""
        chunks = []
        position = self.position
        for number, body in objects:
            self.offsets[number] = position
            chunk = b"%d 0 obj\n%b\nendobj\n" % (number, body)
            chunks.append(chunk)
            position += len(chunk)
        self.write(b"".join(chunks))

    def add(self, obj: Any) -> Ref:
        """Write a new object; the reference to it."""
        number = self.allocate()
        self.put(number, obj)
        return Ref(number)

    def add_pages(self, reader: Document, redirect: dict[int, int] | None = None,
                  page_entries: Callable[[int], dict[str, Any]] | None = None,
                  ) -> Callable[[Any], Any]:
        """Copy every page of ``reader`` and all it uses; return the copier for any further
        object of the same file (its metadata), so shared objects are written once.
        ``redirect`` sends references to some objects to numbers written elsewhere (a
        structure element replaced when files are joined), and ``page_entries`` gives
        entries that replace a page's own, by page index."""
        numbers: dict[int, int] = dict(redirect or {})
        pending: list[int] = []

        def renumber(old: Ref) -> Ref:
            if old.number not in numbers:
                numbers[old.number] = self.allocate()
                pending.append(old.number)
            return Ref(numbers[old.number])

        def flush() -> None:
            while pending:
                old = pending.pop()
                self.put(numbers[old], copy_object(reader.get(old), renumber))

        def copy(obj: Any) -> Any:
            result = copy_object(obj, renumber)
            flush()
            return result

        for index, page in enumerate(reader.pages):
            # a page is known by its number to what points at it (outline, structure tree)
            old = page.indirect_reference.number
            if old in numbers:
                number = numbers[old]
                pending[:] = [p for p in pending if p != old]
            else:
                number = numbers[old] = self.allocate()
            self.kids.append(number)
            # the page as read holds what it inherits from the page tree, so it stands alone
            page_copy = Dict({key: copy_object(value, renumber)
                              for key, value in page.items() if key != "/Parent"})
            if page_entries is not None:
                page_copy.update(page_entries(index))
            page_copy["/Parent"] = Ref(PAGES)
            self.media_box = page_copy.get("/MediaBox", self.media_box)
            self.put(number, page_copy)
            flush()
        return copy

    def blank_page(self) -> None:
        number = self.allocate()
        self.kids.append(number)
        page = Dict({"/Type": Name("/Page"), "/Parent": Ref(PAGES), "/Resources": Dict()})
        if self.media_box is not None:
            page["/MediaBox"] = self.media_box
        self.put(number, page)

    def close(self, catalog: dict[str, Any], info: dict[str, Any]) -> None:
        """The page tree, catalogue and information, then the table (see `end`)."""
        self.put(PAGES, Dict({"/Type": Name("/Pages"), "/Kids": [Ref(k) for k in self.kids],
                              "/Count": len(self.kids)}))
        catalog["/Type"] = Name("/Catalog")
        catalog["/Pages"] = Ref(PAGES)
        self.put(CATALOG, catalog)
        self.put(INFO, info)
        self.end(CATALOG, INFO)

    def end(self, catalog: int, info: int) -> None:
        """The cross-reference table and trailer, once the objects are written. A number
        no object was written under (one a copied file left free) is listed free, each
        free entry naming the next. The file identifier is a digest of everything before
        it, so the same file gets the same one."""
        count = self.next_id
        free = [number for number in range(1, count) if number not in self.offsets]
        next_free = dict(zip([0, *free], [*free, 0], strict=True))
        table = [b"xref\n", f"0 {count}\n".encode(), f"{next_free[0]:010d} 65535 f \n".encode()]
        table += [f"{self.offsets[n]:010d} 00000 n \n".encode() if n in self.offsets
                  else f"{next_free[n]:010d} 00000 f \n".encode() for n in range(1, count)]
        start = self.position
        identifier = "<" + self.digest.hexdigest() + ">"
        self.write(b"".join(table))
        self.write(f"trailer\n<< /Size {count} /Root {catalog} 0 R /Info {info} 0 R "
                   f"/ID [{identifier} {identifier}] >>\nstartxref\n{start}\n%%EOF\n".encode())


def copy_object(obj: Any, renumber: Callable[[Ref], Ref]) -> Any:
    """``obj`` with every reference renumbered for the file being written."""
    if isinstance(obj, Ref):
        return renumber(obj)
    if isinstance(obj, Stream):
        return Stream({key: copy_object(value, renumber) for key, value in obj.items()
                       if key != "/Length"}, obj.raw)
    if isinstance(obj, dict):
        return Dict({key: copy_object(value, renumber) for key, value in obj.items()})
    if isinstance(obj, list):
        return [copy_object(value, renumber) for value in obj]
    return obj

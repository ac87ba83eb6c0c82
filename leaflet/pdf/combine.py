"""Join finished PDFs page by page: a personalised leaflet from its personal pages and the
leaflet's own pages, and one print file of a whole batch.

`objects` reads each part and `writer` writes its objects out at once, renumbered,
so only byte offsets and the page list stay in memory. In the
print file a leaflet with an odd number of pages is followed by a blank one, so
that printed double sided, every leaflet starts on a sheet of its own.

A personalised leaflet stays tagged: the two parts' structure trees become one, whose
Document holds the personal part's elements, then the leaflet's, and whose ParentTree
holds both parts' pages (the shared pages keep their keys, the personal pages are
numbered after them). The shared part's own Document element is replaced by the joined
one through `redirect`, so its objects are still written once and reused; the personal
part's elements are written from the tree its layout handed on. The
outline is the leaflet's (its numbered sections). The print file of a batch is for the
printer and is not tagged: each leaflet's own PDF is the one to read on screen.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leaflet.errors import OutputError, Problem
from leaflet.output import temporary_beside
from leaflet.pdf.objects import (
    Dict,
    Document,
    Name,
    Ref,
    page_digest,
    resolved,
    text_string,
)
from leaflet.pdf.tagging import Node, write_elements
from leaflet.pdf.writer import INFO, PdfOut

DOCUMENT_KEYS = ("/Lang", "/ViewerPreferences", "/Metadata", "/Outlines", "/PageMode",
                 "/MarkInfo")
# the joined file's structure tree root and Document element, numbered before the
# shared part's objects so that those can be written once for every join
STRUCT_ROOT, JOINED_DOCUMENT = INFO + 1, INFO + 2


@dataclass(frozen=True)
class Structure:
    """One part's structure, copied: its Document's children and, for each of its pages,
    the ParentTree array of the elements its MCIDs belong to."""

    kids: list[Any]
    parents: tuple[Any, ...]


def structure(reader: Document, copy: Callable[[Any], Any]) -> Structure:
    root = reader.trailer["/Root"]["/StructTreeRoot"]
    document = resolved(root["/K"][0])
    numbers = root["/ParentTree"]["/Nums"]
    parents = dict(zip(numbers[::2], numbers[1::2], strict=True))
    return Structure(list(copy(document.raw_get("/K"))),
                     tuple(copy(parents[index]) if index in parents else []
                           for index in range(len(reader.pages))))


def document_element(reader: Document) -> dict[int, int]:
    """The redirect that makes a part's Document element the joined one, if it is tagged."""
    root = reader.trailer["/Root"]
    if "/StructTreeRoot" not in root:
        return {}
    document = root["/StructTreeRoot"].raw_get("/K")[0]
    assert isinstance(document, Ref)
    return {document.number: JOINED_DOCUMENT}


@dataclass(frozen=True)
class SharedPart:
    """A finished PDF's objects written once, numbered after the reserved ones, to be
    placed as they are behind many different first parts (the personal pages)."""

    body: bytes
    offsets: dict[int, int]
    pages: tuple[int, ...]
    catalog: Dict
    info: Dict
    structure: Structure | None

    @property
    def next_id(self) -> int:
        return max(self.offsets, default=INFO) + 1


def shared_part(pdf: bytes) -> SharedPart:
    """Serialise every page of ``pdf`` and what it uses, with its language, viewer
    preferences, XMP and document information for the file it will end up in."""
    reader = Document(pdf)
    redirect = document_element(reader)
    out = PdfOut(io.BytesIO(), first=JOINED_DOCUMENT + 1 if redirect else INFO + 1,
                 header=False)
    copy = out.add_pages(reader, redirect)
    root = reader.trailer["/Root"]
    catalog = Dict({key: copy(root.raw_get(key)) for key in DOCUMENT_KEYS if key in root})
    info = copy(reader.trailer["/Info"]) if "/Info" in reader.trailer else Dict()
    tree = structure(reader, copy) if redirect else None
    assert isinstance(out.stream, io.BytesIO)
    return SharedPart(out.stream.getvalue(), out.offsets, tuple(out.kids), catalog, info,
                      tree)


def join(first: bytes, tree: Node | None, shared: SharedPart) -> bytes:
    """The pages of ``first``, laid out with the structure ``tree``, then those of
    ``shared``, as one PDF that takes its document data (language, XMP, information)
    from ``shared``."""
    out = PdfOut(io.BytesIO(), first=shared.next_id)
    reader = Document(first)
    if shared.structure is None:  # a part laid out untagged makes the whole untagged
        tree = None
    after = len(shared.pages)  # the personal pages' ParentTree keys follow the shared ones'
    out.add_pages(reader, page_entries=lambda index: {
        "/StructParents": after + index} if tree is not None else {})
    personal = None
    if tree is not None:
        written = write_elements(tree["K"], JOINED_DOCUMENT, out.kids, out.allocate,
                                 out.put_raws)
        personal = Structure([Ref(n) for n in written.top],
                             tuple(Ref(n) for n in written.parent_arrays))
    base = out.position
    out.write(shared.body)
    out.offsets.update({number: base + offset for number, offset in shared.offsets.items()})
    out.kids.extend(shared.pages)
    out.next_id = max(out.next_id, shared.next_id)
    catalog = Dict(shared.catalog)
    if personal is not None and shared.structure is not None:
        catalog["/StructTreeRoot"] = _joined_tree(out, personal, shared.structure)
    else:  # a part laid out untagged makes the whole untagged
        catalog.pop("/MarkInfo", None)
    out.close(catalog, Dict(shared.info))
    assert isinstance(out.stream, io.BytesIO)
    return out.stream.getvalue()


def _joined_tree(out: PdfOut, personal: Structure, shared: Structure) -> Ref:
    """The structure tree root and Document element of a joined file, at their reserved
    numbers: the personal part's elements first, as its pages come first."""
    parts = [personal, shared]
    out.put(JOINED_DOCUMENT, Dict({
        "/Type": Name("/StructElem"), "/S": Name("/Document"), "/P": Ref(STRUCT_ROOT),
        "/K": [kid for part in parts for kid in part.kids]}))
    parents = [*shared.parents, *personal.parents]
    numbers = [item for index, array in enumerate(parents) for item in (index, array)]
    out.put(STRUCT_ROOT, Dict({
        "/Type": Name("/StructTreeRoot"), "/K": [Ref(JOINED_DOCUMENT)],
        "/ParentTree": Dict({"/Nums": numbers}), "/ParentTreeNextKey": len(parents)}))
    return Ref(STRUCT_ROOT)


class CombinedWriter:
    """The print file of a batch: append finished leaflets in order; ``close`` makes the
    file appear whole, ``abort`` leaves any earlier file untouched."""

    def __init__(self, path: Path, title: str) -> None:
        self.path = path
        self.title = title
        self.language: Any = None
        handle, name = temporary_beside(path)
        self.temp = Path(name)
        self.file = os.fdopen(handle, "wb")
        self.out = self._guard(lambda: PdfOut(self.file))

    @property
    def pages(self) -> int:
        return len(self.out.kids)

    def add(self, pdf: bytes) -> None:
        """Copy every page of ``pdf``; pad to an even page count."""
        self._guard(lambda: self._add(Document(pdf)))

    def _add(self, reader: Document) -> None:
        if self.language is None:
            self.language = reader.trailer["/Root"].get("/Lang")
        out = self.out
        first_page, first_object, start = len(out.kids), out.next_id, out.position
        out.copy = bytearray()
        try:
            out.add_pages(reader)
            written = Document(bytes(out.copy), {number: offset - start for number, offset
                                                 in out.offsets.items() if number >= first_object})
        finally:
            out.copy = None
        for index, (page, number) in enumerate(zip(reader.pages, out.kids[first_page:],
                                                   strict=True)):
            self._check_copy(page, written.get(number), first_page + index + 1)
        if len(reader.pages) % 2:
            out.blank_page()

    def _check_copy(self, page: Any, copy: Any, number: int) -> None:
        """The page as written to the print file draws what the leaflet's page, which its
        build proved, draws: the same digest of all it is drawn from (objects.page_digest).
        A difference is a fault in copying, not in the leaflet. (The leaflets given here
        were written by PdfOut, whose numbers copy unchanged; a file from elsewhere could
        differ by the writer's rounding of numbers, and be refused.)"""
        if page_digest(page) != page_digest(copy):
            raise RuntimeError(f"page {number} of the print file {self.path} is not the page "
                               "of the leaflet it was copied from")

    def close(self) -> None:
        catalog = Dict()
        if self.language is not None:
            catalog["/Lang"] = self.language
        info = Dict({"/Title": text_string(self.title), "/Creator": text_string("leaflet"),
                     "/Producer": text_string("leaflet")})
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

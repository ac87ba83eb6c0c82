"""Tagged PDF (PDF/UA-1) from ReportLab, which has no tagging of its own.

The layout builds a tree of `Node`s from the Document as it makes the flowables (a
heading, a list item's label and body, a table cell, a boxed warning). When a flowable is
drawn it writes its piece of content as a marked-content sequence
(``/P <</MCID n>> BDC ... EMC``) and the node records where (page, MCID); anything that
is not content (the footer, the running header after page 1, rules, cell shading and grid
lines) is drawn inside ``/Artifact BMC ... EMC``. When the last page is drawn, the tree is
written into the same PDF: StructTreeRoot, one StructElem per node, the ParentTree that
maps every MCID back to its element, and /StructParents and /Tabs /S on each page.

A paragraph split across pages is one element with a marked piece on each page; a
table's header row repeated on a later page is drawn again by the same flowable, so a
second drawing of one flowable is an artifact. Every text element carries /ActualText
with its words as the markup has them, since ReportLab writes no space at a line's end.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFDictionary,
    PDFName,
    PDFObjectReference,
    PDFString,
)
from reportlab.pdfgen.canvas import Canvas


@dataclass(frozen=True)
class Mark:
    """A marked-content sequence: the page (1-based) and its MCID on that page."""

    page: int
    mcid: int


@dataclass(eq=False)
class Node:
    """A structure element to be: its standard role, children in reading order and the
    entries a reader needs (/Alt for a figure, /ActualText, /T, a header cell's /Scope)."""

    role: str
    kids: list[Node | Mark] = field(default_factory=list)
    alt: str | None = None
    actual_text: str | None = None
    title: str | None = None
    scope: str | None = None  # "Column" or "Row", for TH
    numbering: str | None = None  # "Disc" or "Decimal", for L

    def add(self, role: str, **entries: Any) -> Node:
        child = Node(role, **entries)
        self.kids.append(child)
        return child


class Tagger:
    """The structure tree of one laid-out document and the MCIDs handed out per page.
    ``enabled`` False draws the same pages with no tags (to measure what tagging costs)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.root = Node("Document")
        self.next_mcid: dict[int, int] = {}
        self.bookmarks = 0

    def begin(self, canvas: Canvas, node: Node) -> None:
        if not self.enabled:
            return
        page = canvas.getPageNumber()
        mcid = self.next_mcid.get(page, 0)
        self.next_mcid[page] = mcid + 1
        node.kids.append(Mark(page, mcid))
        canvas.addLiteral(f"/{node.role} <</MCID {mcid}>> BDC")

    def end(self, canvas: Canvas) -> None:
        if self.enabled:
            canvas.addLiteral("EMC")

    @contextmanager
    def marked(self, canvas: Canvas, node: Node) -> Iterator[None]:
        self.begin(canvas, node)
        yield
        self.end(canvas)

    def begin_artifact(self, canvas: Canvas, kind: str = "Layout",
                       subtype: str | None = None) -> None:
        """Drawing that is not content: page furniture, rules, shading."""
        if self.enabled:
            extra = f" /Subtype /{subtype}" if subtype else ""
            canvas.addLiteral(f"/Artifact <</Type /{kind}{extra}>> BDC")

    @contextmanager
    def artifact(self, canvas: Canvas, kind: str = "Layout",
                 subtype: str | None = None) -> Iterator[None]:
        self.begin_artifact(canvas, kind, subtype)
        yield
        self.end(canvas)

    def bookmark_key(self) -> str:
        self.bookmarks += 1
        return f"heading{self.bookmarks}"

    def write(self, canvas: Canvas, pages: list[Any]) -> None:
        """The structure tree, ParentTree and page entries into the canvas's document;
        ``pages`` are ReportLab's page objects in order, already added to it."""
        if not self.enabled:
            return
        doc = canvas._doc
        parents: dict[int, dict[int, PDFObjectReference]] = {}
        root = PDFDictionary({"Type": PDFName("StructTreeRoot")})
        root_ref = doc.Reference(root)

        def page_ref(number: int) -> PDFObjectReference:
            return PDFObjectReference(f"Page{number}")

        def element(node: Node, parent: PDFObjectReference) -> PDFObjectReference:
            obj = PDFDictionary({"Type": PDFName("StructElem"), "S": PDFName(node.role),
                                 "P": parent})
            entries = obj.dict
            ref = doc.Reference(obj)
            first_page = next((k.page for k in node.kids if isinstance(k, Mark)), None)
            if first_page is not None:
                entries["Pg"] = page_ref(first_page)
            kids: list[Any] = []
            for kid in node.kids:
                if isinstance(kid, Node):
                    kids.append(element(kid, ref))
                    continue
                parents.setdefault(kid.page, {})[kid.mcid] = ref
                kids.append(kid.mcid if kid.page == first_page else PDFDictionary(
                    {"Type": PDFName("MCR"), "Pg": page_ref(kid.page), "MCID": kid.mcid}))
            if kids:
                entries["K"] = PDFArray(kids)
            for key, value in (("Alt", node.alt), ("ActualText", node.actual_text),
                               ("T", node.title)):
                if value is not None:
                    entries[key] = PDFString(value)
            if node.scope:
                entries["A"] = PDFDictionary({"O": PDFName("Table"),
                                              "Scope": PDFName(node.scope)})
            if node.numbering:
                entries["A"] = PDFDictionary({"O": PDFName("List"),
                                              "ListNumbering": PDFName(node.numbering)})
            return ref

        document = element(self.root, root_ref)
        numbers: list[Any] = []
        for index, page in enumerate(pages):
            page.__NoDefault__ = [*page.__NoDefault__, "StructParents", "Tabs"]
            page.StructParents = index
            page.Tabs = PDFName("S")
            marks = parents.get(index + 1, {})
            numbers += [index, doc.Reference(PDFArray([marks[m] for m in sorted(marks)]))]
        root.dict.update({"K": PDFArray([document]),
                          "ParentTree": doc.Reference(PDFDictionary({"Nums": PDFArray(numbers)})),
                          "ParentTreeNextKey": len(pages)})
        canvas.setCatalogEntry("StructTreeRoot", root_ref)
        canvas.setCatalogEntry("MarkInfo", {"Marked": "true"})
        if self.bookmarks:
            canvas.showOutline()

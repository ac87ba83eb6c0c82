"""Tagged PDF (PDF/UA-1) from ReportLab, which has no tagging of its own.

The layout builds a tree of `Node`s from the Document as it makes the flowables (a
heading, a list item's label and body, a table cell, a boxed warning). When a flowable is
drawn it writes its piece of content as a marked-content sequence
(``/P <</MCID n>> BDC ... EMC``) and the node records where (page, MCID); anything that
is not content (the footer, the running header after page 1, rules, cell shading and grid
lines) is drawn inside ``/Artifact <<...>> BDC ... EMC``. When the last page is drawn,
each page gets /StructParents and /Tabs /S, and the tree goes along with the laid-out PDF
(`leaflet.pdf.layout.LaidOut`); finishing (or joining a personalised leaflet's parts)
writes it as the StructTreeRoot, one StructElem per node, and the ParentTree that maps
every MCID back to its element.

A paragraph split across pages is one element with a marked piece on each page; a
table's header row repeated on a later page is drawn again by the same flowable, so a
second drawing of one flowable is an artifact. Every text element carries /ActualText
with its words as the markup has them, since ReportLab writes no space at a line's end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from reportlab.pdfbase.pdfdoc import PDFName
from reportlab.pdfgen.canvas import Canvas

from leaflet.pdf.objects import serialise, text_string

# A marked-content sequence is one number: its page's index (from 0) above MCID_BITS,
# its MCID on that page below. A number, not a pair: a leaflet has hundreds of them, and
# as pairs they were hundreds more objects to make and write (and for Python's garbage
# collector to look through) on every build. No page can hold 2**32
# sequences: each is tens of bytes of content.
Mark = int
MCID_BITS = 32
_MCID_MASK = (1 << MCID_BITS) - 1

# Node.add's keywords, and the entries they become
_ENTRIES = {"alt": "Alt", "actual_text": "ActualText", "title": "T",
            "scope": "Scope",  # "Column" or "Row", for TH
            "numbering": "ListNumbering"}  # "Disc" or "Decimal", for L


class Node(dict[str, Any]):
    """A structure element to be: its standard role (S), children in reading order (K:
    elements and marks) and the entries a reader needs (/Alt for a figure, /ActualText,
    /T, a header cell's /Scope). A node is the dictionary finishing reads; two nodes are
    equal only if they are the same node."""

    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__  # type: ignore[assignment]

    def __init__(self, role: str, **entries: str | None) -> None:
        self["S"] = role  # item by item: a leaflet makes hundreds of nodes
        for keyword, value in entries.items():
            if value is not None:
                self[_ENTRIES[keyword]] = value
        self["K"] = []

    @property
    def actual_text(self) -> str | None:
        return self.get("ActualText")

    @actual_text.setter
    def actual_text(self, text: str) -> None:
        self["ActualText"] = text

    def add(self, role: str, **entries: str | None) -> Node:
        child = Node(role, **entries)
        self["K"].append(child)
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
        page = canvas.getPageNumber() - 1
        mcid = self.next_mcid.get(page, 0)
        self.next_mcid[page] = mcid + 1
        node["K"].append(page << MCID_BITS | mcid)
        canvas.addLiteral(f"/{node['S']} <</MCID {mcid}>> BDC")

    def end(self, canvas: Canvas) -> None:
        if self.enabled:
            canvas.addLiteral("EMC")

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
        """Each page's /StructParents and /Tabs, and the outline; the tree itself is
        written by finishing (or joining), from ``root``."""
        if not self.enabled:
            return
        for index, page in enumerate(pages):
            # ReportLab writes only the page keys it lists; these two join the list (the
            # tests read both back from every page, so a ReportLab change shows at once)
            page.__NoDefault__ = [*page.__NoDefault__, "StructParents", "Tabs"]
            page.StructParents = index
            page.Tabs = PDFName("S")
        if self.bookmarks:
            canvas.showOutline()


@dataclass
class Written:
    """Structure elements written for one part: the numbers of the top elements, and of
    each page's ParentTree array (the element of each MCID on it), in page order."""

    top: list[int]
    parent_arrays: list[int]


# Objects serialised, by number, in the order they are to be written: a tree's hundreds
# go to the writer in one call (PdfOut.put_raws)
Objects = list[tuple[int, bytes]]


def write_elements(nodes: list[dict[str, Any]], parent: int, pages: list[int],
                   allocate: Callable[[], int], put_all: Callable[[Objects], None]) -> Written:
    """Write ``nodes`` (and all below them) as StructElem objects under the object
    ``parent``; ``pages`` are the numbers of the part's page objects."""
    objects: Objects = []
    written = _elements(nodes, parent, pages, allocate, objects)
    put_all(objects)
    return written


def _elements(nodes: list[dict[str, Any]], parent: int, pages: list[int],
              allocate: Callable[[], int], objects: Objects) -> Written:
    """The elements and each page's ParentTree array, added to ``objects`` as bytes: a
    tree has hundreds of small dictionaries, and building and serialising them as PDF
    objects would cost more than the layout itself."""
    owners: list[dict[int, int]] = [{} for _ in pages]
    page_refs = [f"{page} 0 R" for page in pages]

    def element(node: dict[str, Any], parent: int) -> int:
        number = allocate()
        first = None
        kids: list[str] = []
        for kid in node["K"]:
            if isinstance(kid, dict):
                kids.append(f"{element(kid, number)} 0 R")
                continue
            page, mcid = kid >> MCID_BITS, kid & _MCID_MASK
            owners[page][mcid] = number
            if first is None:
                first = page
            kids.append(str(mcid) if page == first else
                        f"<< /Type /MCR /Pg {page_refs[page]} /MCID {mcid} >>")
        entries = f"<< /Type /StructElem /S /{node['S']} /P {parent} 0 R"
        if first is not None:
            entries += f" /Pg {page_refs[first]}"
        if kids:
            entries += f" /K [{' '.join(kids)}]"
        for key in ("Alt", "ActualText", "T"):
            if key in node:
                entries += f" /{key} {_text_entry(node[key])}"
        if "Scope" in node:
            entries += f" /A << /O /Table /Scope /{node['Scope']} >>"
        if "ListNumbering" in node:
            entries += f" /A << /O /List /ListNumbering /{node['ListNumbering']} >>"
        objects.append((number, f"{entries} >>".encode("latin-1")))
        return number

    top = [element(node, parent) for node in nodes]
    arrays = []
    for owner in owners:
        number = allocate()
        refs = " ".join(f"{owner[mcid]} 0 R" for mcid in sorted(owner))
        objects.append((number, f"[{refs}]".encode("latin-1")))
        arrays.append(number)
    return Written(top, arrays)


def _text_entry(text: str) -> str:
    """A text string as PDF syntax: serialise(text_string(text)), with printable ASCII
    (nearly every element's words) escaped here without making a String first."""
    if text.isascii() and text.isprintable():
        return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"
    return serialise(text_string(text)).decode("latin-1")


def write_tree(tree: dict[str, Any], pages: list[int], allocate: Callable[[], int],
               put_all: Callable[[Objects], None], parents_before: Sequence[int] = ()) -> int:
    """The whole structure tree of a file: its root, Document element and ParentTree
    (after ``parents_before``, the arrays of pages that come first); the root's number."""
    root, document = allocate(), allocate()
    objects: Objects = []
    written = _elements(tree["K"], document, pages, allocate, objects)
    objects.append((document, (f"<< /Type /StructElem /S /Document /P {root} 0 R /K "
                               f"[{' '.join(f'{n} 0 R' for n in written.top)}] >>")
                    .encode("latin-1")))
    arrays = [*parents_before, *written.parent_arrays]
    numbers = " ".join(f"{key} {number} 0 R" for key, number in enumerate(arrays))
    objects.append((root, (f"<< /Type /StructTreeRoot /K [{document} 0 R] /ParentTree << "
                           f"/Nums [{numbers}] >> /ParentTreeNextKey {len(arrays)} >>")
                    .encode("latin-1")))
    put_all(objects)
    return root

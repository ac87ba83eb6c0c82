"""Read a tagged PDF back: its structure tree (pikepdf), what each marked piece of content
draws (pdfplumber), every painting operator outside a tag, and what the markup says the
tree should be. Written apart from leaflet's tagging code, so that the two can disagree."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pdfplumber
import pikepdf

from leaflet.render.markup import (
    Break,
    Callout,
    Document,
    Heading,
    Image,
    ItemList,
    Paragraph,
    QRCode,
    Section,
    Span,
    Table,
)

# operators that put marks on the page: text, path painting, images and shadings
PAINTING = {"Tj", "TJ", "'", '"', "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh", "Do",
            "BI"}
TICK_BOX, TICK_BOX_ALT = "\u2610", "box to tick"


@dataclass
class Element:
    role: str
    depth: int
    actual_text: str | None
    alt: str | None
    scope: str | None
    title: str | None
    marks: list[tuple[int, int]] = field(default_factory=list)  # (page index, MCID)
    below: list[Element] = field(default_factory=list)  # every descendant, in order


def open_pdf(pdf: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(pdf))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def elements(pdf: bytes) -> list[Element]:
    """Every structure element, depth first, as a screen reader walks them."""
    document = open_pdf(pdf)
    pages = {page.objgen: index for index, page in enumerate(document.pages)}
    found: list[Element] = []

    def walk(node: pikepdf.Dictionary, depth: int, page: int | None,
             ancestors: list[Element]) -> None:
        if "/Pg" in node:
            page = pages[node.Pg.objgen]
        if node.get("/Type") == "/MCR" or ("/MCID" in node and "/S" not in node):
            mark = (pages[node.Pg.objgen] if "/Pg" in node else page, int(node.MCID))
            ancestors[-1].marks.append(mark)
            return
        attributes = node.get("/A")
        element = Element(str(node.S)[1:], depth, _text(node.get("/ActualText")),
                          _text(node.get("/Alt")), str(attributes.Scope)[1:]
                          if attributes is not None and "/Scope" in attributes else None,
                          _text(node.get("/T")))
        found.append(element)
        for ancestor in ancestors:
            ancestor.below.append(element)
        kids = node.get("/K")
        kids = [] if kids is None else list(kids) if isinstance(kids, pikepdf.Array) else [kids]
        for kid in kids:
            if isinstance(kid, int):
                assert page is not None, f"{element.role} has an MCID but no page"
                element.marks.append((page, int(kid)))
            else:
                walk(kid, depth + 1, page, [*ancestors, element])

    root = document.Root.StructTreeRoot
    for kid in root.K:
        walk(kid, 0, None, [])
    return found


def drawn_text(pdf: bytes) -> dict[tuple[int, int], str]:
    """The characters drawn in each marked-content sequence, by (page index, MCID)."""
    texts: dict[tuple[int, int], str] = {}
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for index, page in enumerate(document.pages):
            for char in page.chars:
                if char.get("mcid") is not None:
                    key = (index, char["mcid"])
                    texts[key] = texts.get(key, "") + char["text"]
    return texts


def mark_positions(pdf: bytes, page_index: int) -> dict[int, float]:
    """Where each MCID's first character on a page starts (x)."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        positions: dict[int, float] = {}
        for char in document.pages[page_index].chars:
            if char.get("mcid") is not None:
                positions.setdefault(char["mcid"], char["x0"])
    return positions


def untagged_operators(pdf: bytes) -> list[str]:
    """Each painting operator that is neither in an MCID-marked sequence nor an
    artifact, as 'page N: op'; and the MCIDs each page marks, checked against the
    ParentTree elsewhere."""
    problems: list[str] = []
    for number, page in enumerate(open_pdf(pdf).pages, start=1):
        stack: list[bool] = []  # True: this sequence is content or an artifact
        for operands, operator in pikepdf.parse_content_stream(page):
            name = str(operator)
            if name == "BMC":
                stack.append(str(operands[0]) == "/Artifact")
            elif name == "BDC":
                properties = operands[1]
                stack.append(str(operands[0]) == "/Artifact" or (
                    isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties))
            elif name == "EMC":
                if not stack:
                    problems.append(f"page {number}: EMC without a sequence")
                    continue
                stack.pop()
            elif name in PAINTING and not any(stack):
                problems.append(f"page {number}: {name}")
        if stack:
            problems.append(f"page {number}: {len(stack)} sequence(s) left open")
    return problems


def content_mcids(pdf: bytes) -> list[list[int]]:
    """The MCIDs in each page's content stream, in the order they come."""
    result = []
    for page in open_pdf(pdf).pages:
        result.append([int(operands[1].MCID) for operands, operator
                       in pikepdf.parse_content_stream(page, "BDC")
                       if isinstance(operands[1], pikepdf.Dictionary)
                       and "/MCID" in operands[1]])
    return result


def parent_tree_problems(pdf: bytes) -> list[str]:
    """Every MCID in the content is in the ParentTree exactly once, pointing at the one
    element whose content it is; no element claims content that is not there."""
    document = open_pdf(pdf)
    tree = document.Root.StructTreeRoot.ParentTree
    entries: dict[int, pikepdf.Object] = {}

    def numbers(node: pikepdf.Dictionary) -> None:
        if "/Nums" in node:
            items = list(node.Nums)
            entries.update(zip((int(k) for k in items[::2]), items[1::2], strict=True))
        for kid in node.get("/Kids", []):
            numbers(kid)

    numbers(tree)
    claimed: dict[tuple[int, int], int] = {}
    for element in elements(pdf):
        for mark in element.marks:
            claimed[mark] = claimed.get(mark, 0) + 1
    problems = [f"{mark} is claimed by {count} elements" for mark, count in claimed.items()
                if count != 1]
    in_content = content_mcids(pdf)
    for index, page in enumerate(document.pages):
        mcids = in_content[index]
        if sorted(mcids) != sorted(set(mcids)):
            problems.append(f"page {index + 1}: an MCID is used twice")
        if not mcids:
            continue
        key = int(page.obj.get("/StructParents", -1))
        if key not in entries:
            problems.append(f"page {index + 1}: no ParentTree entry")
            continue
        array = list(entries[key])
        if sorted(mcids) != list(range(len(array))):
            problems.append(f"page {index + 1}: MCIDs {sorted(mcids)} but the ParentTree "
                            f"holds {len(array)}")
        for mcid in mcids:
            if claimed.get((index, mcid)) != 1:
                problems.append(f"page {index + 1}: MCID {mcid} belongs to no element")
            elif mcid < len(array):
                owner = array[mcid]
                kids = owner.get("/K")
                kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
                if not any(kid == mcid or (isinstance(kid, pikepdf.Dictionary)
                           and kid.get("/MCID") == mcid) for kid in kids):
                    problems.append(f"page {index + 1}: ParentTree sends MCID {mcid} to "
                                    f"{owner.S}, which does not hold it")
    for page, mcid in claimed:
        if mcid not in in_content[page]:
            problems.append(f"page {page + 1}: MCID {mcid} claimed but not in the content")
    return problems


def words(inlines: list) -> str:
    return "".join(i.text if isinstance(i, Span) else " " if isinstance(i, Break) else ""
                   for i in inlines)


Expected = tuple[str, "str | None", "str | None", "str | None"]


def expected_tree(document: Document, first_part: bool = True) -> list[Expected]:
    """(role, text, alt, scope) for each element the markup calls for, in reading order:
    our statement of the tagging rules, written apart from the layout. The header is read
    in the first part of a leaflet only (a personalised one has two)."""
    out: list[Expected] = [("Document", None, None, None)]
    if document.header and first_part:
        out.append(("P", words(document.header), None, None))
    level = 0

    def paragraphs_in(container: str, blocks: list) -> None:
        """A list body or cell: one paragraph is its own text, else each is a P."""
        for child in blocks:
            if isinstance(child, Paragraph) and len(blocks) > 1:
                out.append(("P", words(child.inlines), None, None))
            elif not isinstance(child, Paragraph):
                block(child)

    def block(item: object) -> None:
        nonlocal level
        if isinstance(item, Paragraph):
            out.append(("P", words(item.inlines), None, None))
        elif isinstance(item, Heading):
            level = min(item.level, level + 1)
            out.append((f"H{level}", words(item.inlines), None, None))
        elif isinstance(item, (Section, Callout)):
            out.append(("Sect", None, None, None))
            for child in item.blocks:
                block(child)
        elif isinstance(item, Image):
            out.append(("Figure", None, item.alt, None))
        elif isinstance(item, ItemList):
            out.append(("L", None, None, None))
            for number, entry in enumerate(item.items, start=1):
                out.append(("LI", None, None, None))
                if entry.blocks and isinstance(entry.blocks[0], Paragraph):
                    out.append(("Lbl", f"{number}." if item.ordered else "•", None, None))
                single = len(entry.blocks) == 1 and isinstance(entry.blocks[0], Paragraph)
                out.append(("LBody", words(entry.blocks[0].inlines) if single else None,
                            None, None))
                paragraphs_in("LBody", entry.blocks)
        elif isinstance(item, Table):
            table(item)
        elif isinstance(item, QRCode):  # the words and the address; the code an artifact
            out.append(("P", f"{words(item.inlines)} {item.url}".strip(), None, None))
        else:
            raise AssertionError(item)

    def table(item: Table) -> None:
        out.append(("Table", None, None, None))
        columns = max(len(row) for row in item.rows)
        for number, row in enumerate(item.rows):
            out.append(("TR", None, None, None))
            for cell in row:
                single = len(cell.blocks) == 1 and isinstance(cell.blocks[0], Paragraph)
                text = words(cell.blocks[0].inlines) if single else None
                scope = ("Column" if number == 0 else "Row") if cell.header else None
                out.append(("TH" if cell.header else "TD", text, None, scope))
                if cell.box:
                    out.append(("Figure", TICK_BOX, TICK_BOX_ALT, None))
                elif item.style == "chart":
                    out.extend(("P", words(child.inlines), None, None) for child in cell.blocks
                               if isinstance(child, Paragraph) and not single)
                else:
                    paragraphs_in("TD", cell.blocks)
            out.extend(("TD", None, None, None) for _ in range(columns - len(row)))

    for item in document.blocks:
        block(item)
    return out


def heard(pdf: bytes) -> list[Expected]:
    """(role, text, alt, scope) for each element in the file: its ActualText, or else the
    text its own marked content draws (a label's bullet, a tick box)."""
    drawn = drawn_text(pdf)
    result: list[Expected] = []
    for element in elements(pdf):
        own = "".join(drawn.get(mark, "") for mark in element.marks) or None
        result.append((element.role, element.actual_text if element.actual_text is not None
                       else own, element.alt, element.scope))
    return result


def heading_skips(pdf: bytes) -> list[str]:
    """Headings that go more than one level below the heading before them (or a first
    heading that is not H1)."""
    last = 0
    skips = []
    for element in elements(pdf):
        if element.role in ("H1", "H2", "H3", "H4", "H5", "H6"):
            level = int(element.role[1])
            if level > last + 1:
                skips.append(f"H{last} then {element.role}")
            last = level
    return skips

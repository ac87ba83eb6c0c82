"""Leaflet markup: the small, strict XHTML subset templates emit, parsed to a document tree.

Templates stay readable (tags people know), nothing ReportLab-specific leaks into
them, and any tag the layout does not know is an error with its line rather than
text silently dropped. The tree is plain Python objects, no ReportLab types.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.parsers import expat

from leaflet.errors import MarkupError, Problem
from leaflet.sources.schema import PLACEHOLDER as PLACEHOLDER_PATTERN


@dataclass(frozen=True)
class Span:
    """A run of text with its emphasis."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Break:
    """A forced line break (<br/>)."""


@dataclass(frozen=True)
class PageField:
    """The current page number or the page count, filled in when the page is drawn."""

    kind: str  # "number" or "count"


Inline = Span | Break | PageField


# Every output shows a span the same way: a [placeholder] highlighted, and a dose's number
# kept with its unit ("10" at a line's end and "mg" on the next is a misread dose).
PLACEHOLDER = re.compile(f"({PLACEHOLDER_PATTERN})")
DOSE_UNIT = re.compile(r"(?<=\d) (?=(?:mg|g|micrograms|ml|°C)\b)")
_PLACEHOLDER_OR_DIGIT = re.compile(r"[\[\d]")  # what either pattern needs to match


def shown_pieces(text: str) -> list[tuple[str, bool]]:
    """A span's text as it is shown, in pieces: (text, whether it is a [placeholder]), a
    number and its unit joined by a no-break space."""
    if _PLACEHOLDER_OR_DIGIT.search(text) is None:  # nothing to join or to highlight
        return [(text, False)] if text else []
    pieces = PLACEHOLDER.split(DOSE_UNIT.sub("\u00a0", text))
    return [(piece, bool(index % 2)) for index, piece in enumerate(pieces) if piece]


def plain_text(inlines: list[Inline]) -> str:
    """The words of a run of inlines as they are read aloud or copied: a forced line
    break is a space, a page field has no words of its own."""
    return "".join(item.text if isinstance(item, Span) else " " if isinstance(item, Break)
                   else "" for item in inlines)


@dataclass
class Paragraph:
    """A paragraph (<p>); ``style`` is its class, such as 'lead'."""

    inlines: list[Inline]
    style: str = "body"
    line: int = 0


@dataclass
class Heading:
    """A heading (<h1> to <h3>)."""

    level: int
    inlines: list[Inline]
    line: int = 0


@dataclass
class ListItem:
    """One item of a list (<li>), which may hold paragraphs and lists of its own."""

    blocks: list[Block]


@dataclass
class ItemList:
    """A bulleted (<ul>) or numbered (<ol>) list."""

    items: list[ListItem]
    ordered: bool = False
    line: int = 0


@dataclass
class Cell:
    """A table cell; ``box`` marks an empty box for the patient to tick (a chart)."""

    blocks: list[Block]
    header: bool = False
    box: bool = False


@dataclass
class Table:
    """A table, row by row; ``style`` is its class, such as 'dose'."""

    rows: list[list[Cell]]
    style: str = "plain"
    line: int = 0


@dataclass
class Callout:
    """A boxed block: 'important' (read first) or 'urgent' (get help at once)."""

    kind: str
    blocks: list[Block]
    line: int = 0


@dataclass
class Section:
    """A section of the leaflet (<section>), named by its ``id``."""

    id: str
    blocks: list[Block]
    line: int = 0


@dataclass
class Image:
    """A picture from the template set (a logo); ``alt`` says in words what it shows."""

    src: str
    alt: str
    width_mm: float
    line: int = 0


@dataclass
class QRCode:
    """A QR code that leads to ``url`` (the leaflet online), printed beside its words and
    the address itself, so that a reader without a phone can type it."""

    url: str
    inlines: list[Inline]
    line: int = 0


Block = Paragraph | Heading | ItemList | Table | Callout | Section | Image | QRCode


@dataclass
class Document:
    """The whole leaflet: its language, title and blocks, and the running header and
    footer printed on every page."""

    lang: str
    title: str
    blocks: list[Block]
    footer: list[Inline] = field(default_factory=list)
    header: list[Inline] = field(default_factory=list)


@dataclass(frozen=True)
class Metadata:
    """What every output declares about itself: the PDF's info and XMP, the HTML head."""

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


INLINE_TAGS = {"strong", "em", "br", "page-number", "page-count"}
BLOCK_TAGS = {"section", "h1", "h2", "h3", "p", "ul", "ol", "table", "aside", "img",
              "qr-code"}
ATTRIBUTES: dict[str, dict[str, tuple[str, ...] | None]] = {
    "leaflet": {"lang": None, "title": None},
    "section": {"id": None},
    "p": {"class": ("body", "lead", "medicine", "small")},
    "aside": {"class": ("important", "urgent")},
    "table": {"class": ("plain", "dose", "chart")},
    "td": {"class": ("box",)},
    "img": {"src": None, "alt": None, "width-mm": None},
    "qr-code": {"href": None},
}
REQUIRED = {"leaflet": ("lang", "title"), "aside": ("class",), "img": ("src", "alt"),
            "qr-code": ("href",)}
TEXT_HOLDERS = {"p", "h1", "h2", "h3", "li", "th", "td", "header", "footer", "qr-code"}
# what a QR code may lead to: an https address, short enough to scan from paper
QR_URL = re.compile(r"https://[^\s<>\"]+")
QR_URL_CHARS = 200
MAX_PARAGRAPH_CHARS = 20_000  # several pages of text; laying out one paragraph grows as its square
CHILDREN: dict[str, set[str]] = {
    "leaflet": BLOCK_TAGS | {"header", "footer"},
    "section": BLOCK_TAGS - {"section"},
    "aside": BLOCK_TAGS - {"section", "aside"},
    "ul": {"li"}, "ol": {"li"},
    "li": INLINE_TAGS | {"p", "ul", "ol"},
    "table": {"tr"}, "tr": {"th", "td"},
    "th": INLINE_TAGS | {"p", "ul"}, "td": INLINE_TAGS | {"p", "ul"},
    "header": INLINE_TAGS, "footer": INLINE_TAGS,
    **{tag: INLINE_TAGS for tag in ("h1", "h2", "h3", "p", "strong", "em", "qr-code")},
    "br": set(), "page-number": set(), "page-count": set(), "img": set(),
}

LineMapper = Callable[[int, str], tuple[str, "int | None"]]


@dataclass
class _Element:
    """An element as parsed, before it is checked and converted."""

    tag: str
    attrs: dict[str, str]
    line: int
    children: list[_Element | str] = field(default_factory=list)


def parse_markup(text: str, where: LineMapper) -> Document:
    """Parse leaflet markup; ``where`` maps a markup line to (template name, template line)."""
    root = _Builder(where).parse(text)
    problems: list[Problem] = []
    # no paragraph holds more text than the markup has characters (an entity stands for
    # fewer than it is written with), so a short markup needs no paragraph measured
    _check(root, where, problems, measure=len(text) > MAX_PARAGRAPH_CHARS)
    if problems:
        raise MarkupError(problems)
    return _Converter().document(root)


class _Builder:
    """expat events -> a light element tree that keeps line numbers."""

    def __init__(self, where: LineMapper) -> None:
        self.where = where
        self.stack: list[_Element] = []
        self.root: _Element | None = None

    def parse(self, text: str) -> _Element:
        self.text = text
        parser = expat.ParserCreate("utf-8")
        parser.StartElementHandler = lambda tag, attrs: self._start(parser, tag, attrs)
        parser.EndElementHandler = lambda tag: self.stack.pop()
        parser.CharacterDataHandler = self._text
        parser.StartDoctypeDeclHandler = self._refuse_doctype
        try:
            parser.Parse(text.encode("utf-8"), True)
        except expat.ExpatError as exc:
            if exc.code == expat.errors.codes[expat.errors.XML_ERROR_TAG_MISMATCH] and self.stack:
                unclosed = self.stack[-1]
                name, line = self.where(unclosed.line, f"<{unclosed.tag}")
                raise MarkupError(Problem(name, line, None, f"malformed markup: <{unclosed.tag}> "
                                          "is not closed before the next closing tag")) from exc
            lines = self.text.split("\n")
            near = lines[exc.lineno - 1][exc.offset:exc.offset + 30] if exc.lineno <= len(
                lines) else ""
            near = near.split(">")[0] + ">" if ">" in near else near
            name, line = self.where(exc.lineno, near.strip())
            message = expat.errors.messages[exc.code]
            if near.strip():
                message += f" near {near.strip()!r}"
            raise MarkupError(Problem(name, line, None, f"malformed markup: {message}")) from exc
        except ValueError as exc:
            name, line = self.where(parser.CurrentLineNumber, "<!DOCTYPE")
            raise MarkupError(Problem(name, line, None, str(exc))) from exc
        assert self.root is not None
        return self.root

    def _start(self, parser: expat.XMLParserType, tag: str, attrs: dict[str, str]) -> None:
        element = _Element(tag, attrs, parser.CurrentLineNumber)
        if self.stack:
            self.stack[-1].children.append(element)
        else:
            self.root = element
        self.stack.append(element)

    def _refuse_doctype(self, *_: object) -> None:
        raise ValueError("a DOCTYPE (and with it, entity definitions) is not allowed")

    def _text(self, data: str) -> None:
        if self.stack:
            self.stack[-1].children.append(data)


def _check(element: _Element, where: LineMapper, problems: list[Problem],
           measure: bool = True) -> None:
    """Unknown tags, attributes, values and misplaced children, all reported at once;
    paragraphs too long to lay out, when ``measure``."""
    def problem(message: str) -> Problem:
        name, line = where(element.line, f"<{element.tag}")
        return Problem(name, line, None, message)

    if element.tag not in CHILDREN and element.tag != "leaflet":
        known = ", ".join(sorted(CHILDREN.keys() - {"leaflet"}))
        problems.append(problem(f"unknown tag <{element.tag}>; known tags: {known}"))
        return
    allowed = ATTRIBUTES.get(element.tag, {})
    for attr, value in element.attrs.items():
        if attr not in allowed:
            problems.append(problem(f"<{element.tag}> has unknown attribute {attr!r}"))
        elif allowed[attr] is not None and value not in allowed[attr]:
            problems.append(problem(f"<{element.tag} {attr}={value!r}>: "
                                    f"expected one of: {', '.join(allowed[attr])}"))
    href = element.attrs.get("href", "") if element.tag == "qr-code" else None
    if href is not None and "href" in element.attrs and not (
            QR_URL.fullmatch(href) and len(href) <= QR_URL_CHARS):
        problems.append(problem(f"<qr-code href> must be an https:// address of at most "
                                f"{QR_URL_CHARS} characters; got {href[:60]!r}"))
    if element.tag == "img" and not _is_width(element.attrs.get("width-mm", "40")):
        problems.append(problem("<img width-mm> must be a number of millimetres from 5 to 180"))
    for attr in REQUIRED.get(element.tag, ()):
        if attr not in element.attrs:
            problems.append(problem(f"<{element.tag}> needs the attribute {attr!r}"))
    if element.attrs.get("class") == "box" and any(
            not isinstance(c, str) or c.strip() for c in element.children):
        problems.append(problem('<td class="box"> is a box to tick and must be empty'))
    if measure and element.tag in TEXT_HOLDERS and \
            (size := _text_size(element)) > MAX_PARAGRAPH_CHARS:
        problems.append(problem(f"<{element.tag}> holds {size:,} characters of text, more than "
                                f"the {MAX_PARAGRAPH_CHARS:,} one paragraph may have; split "
                                "it into shorter paragraphs"))
        return
    for child in element.children:
        if isinstance(child, str):
            if element.tag in {"ul", "ol", "table", "tr", "leaflet", "section",
                               "aside"} and child.strip():
                problems.append(problem(f"text {child.strip()[:40]!r} directly inside "
                                        f"<{element.tag}>; wrap it in <p> or <li>"))
            continue
        if child.tag in CHILDREN and child.tag not in CHILDREN.get(element.tag, set()):
            child_name, child_line = where(child.line, f"<{child.tag}")
            problems.append(Problem(child_name, child_line, None,
                                    f"<{child.tag}> is not allowed inside <{element.tag}>"))
            continue
        _check(child, where, problems, measure)


def _text_size(element: _Element) -> int:
    """Characters of text in one paragraph: its own and its <strong> and <em> runs."""
    return sum(len(child) if isinstance(child, str) else
               _text_size(child) if child.tag in INLINE_TAGS else 0
               for child in element.children)


def _is_width(value: str) -> bool:
    try:
        return 5 <= float(value) <= 180
    except ValueError:
        return False


_SPACE = re.compile(r"[ \t\r\n]+")  # a no-break space a template writes is kept


class _Converter:
    """Checked element tree -> document tree, collapsing white space as HTML does."""

    def document(self, root: _Element) -> Document:
        blocks: list[Block] = []
        running: dict[str, list[Inline]] = {"header": [], "footer": []}
        for child in root.children:
            if isinstance(child, _Element):
                if child.tag in running:
                    running[child.tag] = self.inlines(child)
                else:
                    blocks.append(self.block(child))
        return Document(root.attrs["lang"], root.attrs["title"], blocks, **running)

    def block(self, el: _Element) -> Block:
        tag = el.tag
        if tag == "p":
            return Paragraph(self.inlines(el), el.attrs.get("class", "body"), el.line)
        if tag in ("h1", "h2", "h3"):
            return Heading(int(tag[1]), self.inlines(el), el.line)
        if tag in ("ul", "ol"):
            items = [ListItem(self.mixed(li)) for li in self.elements(el)]
            return ItemList(items, ordered=tag == "ol", line=el.line)
        if tag == "table":
            rows = [[Cell(self.mixed(cell), header=cell.tag == "th",
                          box=cell.attrs.get("class") == "box")
                     for cell in self.elements(tr)] for tr in self.elements(el)]
            return Table(rows, el.attrs.get("class", "plain"), el.line)
        if tag == "aside":
            return Callout(el.attrs["class"], self.blocks(el), el.line)
        if tag == "qr-code":
            return QRCode(el.attrs["href"], self.inlines(el), el.line)
        if tag == "img":
            return Image(el.attrs["src"], el.attrs["alt"], float(el.attrs.get("width-mm", "40")),
                         el.line)
        return Section(el.attrs.get("id", ""), self.blocks(el), el.line)

    @staticmethod
    def elements(el: _Element) -> list[_Element]:
        return [c for c in el.children if isinstance(c, _Element)]

    def blocks(self, el: _Element) -> list[Block]:
        return [self.block(c) for c in self.elements(el)]

    def mixed(self, el: _Element) -> list[Block]:
        """A list item or cell: loose inline text becomes a paragraph of its own."""
        blocks: list[Block] = []
        loose = _Element("p", {}, el.line)
        for child in el.children:
            if isinstance(child, _Element) and child.tag not in INLINE_TAGS:
                self._add_loose(loose, el.line, blocks)
                loose = _Element("p", {}, child.line)
                blocks.append(self.block(child))
            else:
                loose.children.append(child)
        self._add_loose(loose, el.line, blocks)
        return blocks

    def _add_loose(self, loose: _Element, line: int, blocks: list[Block]) -> None:
        inlines = self.inlines(loose)
        if inlines:
            blocks.append(Paragraph(inlines, line=line))

    def inlines(self, el: _Element) -> list[Inline]:
        raw: list[_Text | Break | PageField] = []
        self._collect(el, False, False, raw)
        return _collapse(raw)

    def _collect(self, el: _Element, bold: bool, italic: bool,
                 out: list[_Text | Break | PageField]) -> None:
        for child in el.children:
            if isinstance(child, str):
                out.append((child, bold, italic))
            elif child.tag == "br":
                out.append(Break())
            elif child.tag == "page-number":
                out.append(PageField("number"))
            elif child.tag == "page-count":
                out.append(PageField("count"))
            else:
                self._collect(child, bold or child.tag == "strong",
                              italic or child.tag == "em", out)


# A run of text as collected, before its white space is collapsed: (text, bold, italic).
# A Span is made only of what is kept, once: a leaflet's markup has hundreds of runs, and
# most are the white space between its tags.
_Text = tuple[str, bool, bool]


def _collapse(raw: list[_Text | Break | PageField]) -> list[Inline]:
    """Runs of white space become one space; none at the start, the end or around breaks."""
    out: list[Inline] = []
    for item in raw:
        if not isinstance(item, tuple):
            if isinstance(item, Break) and out and isinstance(out[-1], Span):
                _strip_end(out)
            out.append(item)
            continue
        text, bold, italic = item
        if "  " in text or "\n" in text or "\t" in text or "\r" in text:  # else no run
            text = _SPACE.sub(" ", text)
        prev = out[-1] if out else None
        if (prev is None or isinstance(prev, Break) or
                (isinstance(prev, Span) and prev.text.endswith(" "))):
            text = text.lstrip()
        if text:
            out.append(Span(text, bold, italic))
    if out and isinstance(out[-1], Span):
        _strip_end(out)
    return [item for item in out if not (isinstance(item, Span) and not item.text)]


def _strip_end(out: list[Inline]) -> None:
    """The last span without white space at its end."""
    last = out[-1]
    assert isinstance(last, Span)
    stripped = last.text.rstrip()
    if stripped != last.text:
        out[-1] = Span(stripped, last.bold, last.italic)

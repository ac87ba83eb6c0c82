"""A source leaflet as plain data, before any of it is placed in our format.

Both readers (ePI, SPL) produce a SourceDocument; placing reads only this, so a third
format needs a reader and nothing else. Text here is already cleaned (one space between
words, NFC) but otherwise exactly as the source has it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Paragraph:
    """A run of text; ``emphasised`` when all of it is bold, as headings set in running
    text are (a bold line may also be plain emphasis: placing decides)."""

    text: str
    emphasised: bool = False


@dataclass(frozen=True)
class Heading:
    """An explicit heading (h1-h6, or a span marked as an inline title)."""

    text: str


@dataclass(frozen=True)
class Item:
    """One list item: its lines (a bold label, then a paragraph, ...) in order."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class ItemList:
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Table:
    """Rows of cells, each cell its lines; empty cells are empty tuples."""

    rows: tuple[tuple[tuple[str, ...], ...], ...]


@dataclass(frozen=True)
class Image:
    """A picture: it has no text we can print, so the report names it."""

    alt: str


Block = Paragraph | Heading | ItemList | Table | Image


@dataclass(frozen=True)
class Code:
    system: str
    code: str


@dataclass(frozen=True)
class Section:
    title: str | None
    codes: tuple[Code, ...]
    blocks: tuple[Block, ...]
    children: tuple[Section, ...]


@dataclass(frozen=True)
class SourceInfo:
    """Where the text came from, as the content's leaflet.source block records it."""

    format: str
    file: str
    id: str | None
    version: str | None
    date: str | None
    language: str | None


@dataclass(frozen=True)
class Product:
    """What the document's structured data says about the medicine, where it says it."""

    name: str | None = None
    strength: str | None = None
    form: str | None = None
    substance: str | None = None


@dataclass(frozen=True)
class SourceDocument:
    kind: str  # what it is, in words: "package leaflet", "Drug Facts label", ...
    info: SourceInfo
    product: Product
    sections: tuple[Section, ...]
    left_out: tuple[str, ...] = ()  # what the reader did not take, and why
    usual_language: str | None = None  # the format's language where the file names none

"""Flowables that write their drawing as tagged content (see `leaflet.pdf.tagging`).

A paragraph, an image or a rule knows its structure element (or that it is an artifact)
and wraps what it draws in the marked-content operators; a table's cells, shading and
grid lines are marked through ReportLab's table render callback, which every split part
of a table inherits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from reportlab import rl_config
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Image as RLImage
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table
from reportlab.platypus.flowables import HRFlowable
from reportlab.platypus.paragraph import _drawBullet

from leaflet.pdf.layout.cjk_breaks import break_keeping_runs
from leaflet.pdf.tagging import Node, Tagger


@dataclass(frozen=True)
class Tag:
    """What a flowable's drawing is: content of ``node``; its bullet the content of
    ``label``; ``outline`` a bookmark (title, level) to the place it starts."""

    tagger: Tagger
    node: Node
    label: Node | None = None
    outline: tuple[str, int] | None = None


class MarkedParagraph(RLParagraph):
    """A paragraph drawn as its element's content; its bullet, if any, as a list label."""

    tag: Tag | None = None
    drawn = False
    # the width and style the lines were last broken for, and the size they came to
    _wrapped: tuple[float, ParagraphStyle, tuple[float, float]] | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """The size at a width, the lines broken once for it: ReportLab measures a
        paragraph again wherever it looks (a table cell when sized and when drawn, a
        group kept together and then each of its paragraphs), and its lines depend on
        the width and style only. A split drops the lines, so they are broken again."""
        wrapped = self._wrapped
        if (wrapped is not None and wrapped[0] == availWidth and wrapped[1] is self.style
                and "blPara" in self.__dict__):
            return wrapped[2]
        size = super().wrap(availWidth, availHeight)
        self._wrapped = (availWidth, self.style, size) if "blPara" in self.__dict__ else None
        return size

    def breakLinesCJK(self, maxWidths: Any) -> Any:
        """ReportLab's CJK breaking, never inside an amount or a short bracketed aside."""
        return break_keeping_runs(self, super().breakLinesCJK, maxWidths)

    def split(self, availWidth: float, availHeight: float) -> list[Any]:
        parts = super().split(availWidth, availHeight)
        if self.tag is not None:
            for index, part in enumerate(parts):
                part.tag = self.tag if index == 0 else replace(self.tag, label=None,
                                                                outline=None)
        return parts

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        tag = self.tag
        if tag is None:
            super().drawOn(canvas, x, y, _sW)
            return
        if self.drawn:  # the same flowable again: a table's repeated header row
            with tag.tagger.artifact(canvas, "Pagination"):
                super().drawOn(canvas, x, y, _sW)
            return
        self.drawn = True
        if tag.outline is not None:
            key = tag.tagger.bookmark_key()
            title, level = tag.outline
            canvas.bookmarkPage(key, fit="XYZ", left=x, top=y + self.height)
            canvas.addOutlineEntry(title, key, level)
        if tag.label is not None and self.bulletText and tag.tagger.enabled:
            self._draw_labelled(canvas, x, y, _sW, tag)
            return
        tag.tagger.begin(canvas, tag.node)
        super().drawOn(canvas, x, y, _sW)
        tag.tagger.end(canvas)

    def _draw_labelled(self, canvas: Canvas, x: float, y: float, _sW: float,
                       tag: Tag) -> None:
        """The bullet as the label's content, then the text as the body's: the bullet is
        drawn here as ReportLab would, and the first line moved by what it returns."""
        assert tag.label is not None
        style = self.style
        first = self.blPara if self.blPara.kind == 0 else self.blPara.lines[0]
        top = self.height - (first.fontSize if rl_config.paraFontSizeHeightOffset
                             else getattr(first, "ascent", first.fontSize))
        left = self._hAlignAdjust(x, _sW)
        bullet = self.bulletText
        tagger = tag.tagger
        tagger.begin(canvas, tag.label)
        # the operators canvas.saveState(), translate(left, y) and restoreState() write,
        # written here: drawing a bullet changes none of the state they would save and
        # restore (its text object keeps its own font and colour), and they were a tenth
        # of drawing a list item
        code = canvas._code
        code.append("q")
        code.append(f"{fp_str(1, 0, 0, 1, left, y)} cm")
        offset = _drawBullet(canvas, style.firstLineIndent, top, bullet, style, rtl=False)
        code.append("Q")
        tagger.end(canvas)
        self.bulletText = None
        self._offsets = [offset - style.firstLineIndent, 0.0]
        try:
            tagger.begin(canvas, tag.node)
            super().drawOn(canvas, x, y, _sW)
            tagger.end(canvas)
        finally:
            self.bulletText = bullet
            del self._offsets


class MarkedImage(RLImage):
    """A picture drawn as the content of its Figure element (which carries the alt)."""

    tag: Tag | None = None

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        assert self.tag is not None
        self.tag.tagger.begin(canvas, self.tag.node)
        super().drawOn(canvas, x, y, _sW)
        self.tag.tagger.end(canvas)


class RuleArtifact(HRFlowable):
    """A rule (under a section heading): layout, not content."""

    tagger: Tagger | None = None

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        assert self.tagger is not None
        with self.tagger.artifact(canvas):
            super().drawOn(canvas, x, y, _sW)


# What a cell's drawing is: the content of a node, an artifact, or (None) left to the
# flowables in it, which mark themselves.
CellMark = Node | str | None
ARTIFACT = "artifact"


class CellMarks:
    """The render callback of a table: shading and grid lines are artifacts; a cell drawn
    as a plain string (or a box to tick) is marked as its element's content. Rows are
    known by identity, since a split part of a table holds the same row lists."""

    def __init__(self, tagger: Tagger) -> None:
        self.tagger = tagger
        self.rows: dict[int, list[CellMark]] = {}
        self.kept: list[Any] = []  # the row lists, so that no id is reused
        self.enabled = True
        self.open = False

    def register(self, table: Table, marks: list[list[CellMark]]) -> Table:
        for row, row_marks in zip(table._cellvalues, marks, strict=True):
            self.rows[id(row)] = row_marks
            self.kept.append(row)
        return table

    def __call__(self, table: Table, event: str, *args: Any) -> None:
        if not self.enabled or not self.tagger.enabled:
            return
        canvas = table.canv
        if event in ("startBG", "startLines"):
            self.tagger.begin_artifact(canvas)
        elif event in ("endBG", "endLines"):
            self.tagger.end(canvas)
        elif event == "startCell":
            row, column = args[0], args[1]
            mark = self.rows[id(table._cellvalues[row])][column]
            self.open = mark is not None
            if isinstance(mark, Node):
                self.tagger.begin(canvas, mark)
            elif mark == ARTIFACT:
                self.tagger.begin_artifact(canvas)
        elif event == "endCell" and self.open:
            self.tagger.end(canvas)
            self.open = False

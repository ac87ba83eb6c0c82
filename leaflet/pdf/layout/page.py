"""The page: frames for the text columns, the running header and footer ("Page X of Y")
drawn on every page, and the document template that flows a story onto pages."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import nullcontext
from copy import deepcopy
from typing import Any

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Table
from reportlab.platypus import Paragraph as RLParagraph

from leaflet.pdf.fonts import FontSet
from leaflet.pdf.layout.blocks import box_style
from leaflet.pdf.layout.fragments import paragraph_of
from leaflet.pdf.layout.inline import InlineText
from leaflet.pdf.layout.marked import CellMarks, MarkedParagraph
from leaflet.pdf.layout.styles import Styles
from leaflet.pdf.tagging import Node, Tagger
from leaflet.render.markup import Inline, Metadata
from leaflet.render.theme import Theme

# Streams stay binary (zlib only): ASCII85 makes files a quarter larger and costs time on
# every build and every inspection, for no gain in a file that is printed or emailed.
rl_config.useA85 = 0


class Page:
    """The page size, margins and columns from the theme, and what is drawn on every page."""

    def __init__(self, theme: Theme, fonts: FontSet, styles: Styles, text: InlineText) -> None:
        self.theme = theme
        self.fonts = fonts
        self.styles = styles
        self.text = text
        width, height = theme.page_size
        self.height = height
        self.text_width = width - theme.margin("left") - theme.margin("right")
        self.column_width = (self.text_width - theme.column_gap * (theme.columns - 1)) \
            / theme.columns

    def footer_height(self, inlines: list[Inline]) -> float:
        """Room the footer needs (it may wrap on narrow paper), measured with the widest
        page numbers it could show, plus the gap and rule above it."""
        if not inlines:
            return 0.0
        markup = self.text.markup(inlines, 0, fields={"number": "9999", "count": "9999"})
        _, height = paragraph_of(RLParagraph, markup, self.styles["footer"]).wrap(
            self.text_width, self.height)
        return height + 4 * mm

    def frame_height(self, header: Table | None, footer_space: float) -> float:
        """The height text may fill on a page, between the running header and the footer."""
        header_space = self._height(header) + self.theme.space("section") if header else 0
        return (self.height - self.theme.margin("top") - header_space
                - self.theme.margin("bottom") - footer_space)

    def doc_template(self, buffer: io.BytesIO, metadata: Metadata,
                     header: Table | None, footer_space: float) -> BaseDocTemplate:
        """A template with one frame per column, between the running header and footer."""
        theme = self.theme
        bottom = theme.margin("bottom") + footer_space
        frame_height = self.frame_height(header, footer_space)
        frames = [
            ColumnFrame(theme.margin("left") + i * (self.column_width + theme.column_gap), bottom,
                  self.column_width, frame_height, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0, id=f"column{i + 1}")
            for i in range(theme.columns)
        ]
        regular = self.fonts.body.face(False, False).name
        template = BaseDocTemplate(
            buffer, pagesize=theme.page_size, leftMargin=theme.margin("left"),
            rightMargin=theme.margin("right"), topMargin=theme.margin("top"),
            bottomMargin=bottom, title=metadata.title, author=metadata.author,
            subject=metadata.subject, keywords=", ".join(metadata.keywords),
            creator="leaflet", producer="leaflet", invariant=1,
            initialFontName=regular, initialFontSize=theme.size("body"),
            initialLeading=theme.size("body") * theme.line_spacing,
        )
        template.addPageTemplates([PageTemplate(id="page", frames=frames)])
        return template

    def running_box(self, inlines: list[Inline], tagger: Tagger,
                    notice: Node | None) -> RunningBox | None:
        """The header, boxed like an urgent warning: on every page, above the text (a draft
        notice must be impossible to miss on any single page). Its words are ``notice``'s
        content on the first page; everywhere else the box is an artifact."""
        if not inlines:
            return None
        # a MarkedParagraph, untagged (the box marks it), so that its lines are broken
        # once although the box is measured again on every page
        paragraph = paragraph_of(MarkedParagraph, self.text.markup(inlines, 0, bold=True),
                                 self.styles["notice"])
        marks = CellMarks(tagger)
        box = RunningBox([[paragraph]], colWidths=[self.text_width],
                         style=box_style("urgent", self.theme, self.styles), hAlign="LEFT",
                         renderCB=marks)
        box.tagger = tagger
        marks.register(box, [[notice]])
        return box

    def _height(self, box: Table) -> float:
        return box.wrap(self.text_width, self.height)[1]

    def draw_header(self, canvas: Canvas, box: RunningBox | None, first: bool) -> None:
        if box is None:
            return
        if not first and box.artifact_code is not None:
            canvas._code.extend(box.artifact_code)
            return
        start = len(canvas._code)
        box._renderCB.enabled = first
        canvas.saveState()
        with box.tagger.artifact(canvas, "Pagination", "Header") if not first \
                else nullcontext():
            box.drawOn(canvas, self.theme.margin("left"),
                       self.height - self.theme.margin("top") - self._height(box))
        canvas.restoreState()
        if not first:
            box.artifact_code = canvas._code[start:]

    def draw_footer(self, canvas: Canvas, inlines: list[Inline], page: int, total: int,
                    tagger: Tagger) -> None:
        if not inlines:
            return
        with tagger.artifact(canvas, "Pagination", "Footer"):
            self._draw_footer(canvas, inlines, page, total)

    def _draw_footer(self, canvas: Canvas, inlines: list[Inline], page: int,
                     total: int) -> None:
        theme = self.theme
        markup = self.text.markup(inlines, 0, fields={"number": str(page), "count": str(total)})
        paragraph = paragraph_of(RLParagraph, markup, self.styles["footer"])
        _, height = paragraph.wrap(self.text_width, self.height)
        y = theme.margin("bottom")
        canvas.saveState()
        canvas.setStrokeColor(theme.colour("rule"))
        canvas.setLineWidth(0.5)
        top = y + height + 2 * mm
        canvas.line(theme.margin("left"), top, theme.margin("left") + self.text_width, top)
        paragraph.drawOn(canvas, theme.margin("left"), y)
        canvas.restoreState()


class ColumnFrame(Frame):
    """A text column. ReportLab copies the frame (``copy.deepcopy``) each time it measures
    flowables kept together (a heading and what follows it: dozens of times a leaflet);
    a frame's entries are numbers and strings but for a list, so only that is copied
    further, as deepcopy would, without its generic walk over every number."""

    def __deepcopy__(self, memo: dict[int, Any]) -> ColumnFrame:
        other = ColumnFrame.__new__(ColumnFrame)
        memo[id(self)] = other
        other.__dict__.update({key: value if type(value) in _ATOMIC else deepcopy(value, memo)
                               for key, value in self.__dict__.items()})
        return other


_ATOMIC = frozenset((int, float, str, bool, type(None)))


class RunningBox(Table):
    """The running header's box. After page 1 it is an artifact, the same box at the same
    place on every page, and ReportLab writes every operator of it whatever state the
    canvas is in (each colour, font and position is set again), so its drawing on page 2
    is recorded and written as it is on every later page. Drawing it again would only
    repeat the work: its glyphs are in the font subsets from its first drawing."""

    tagger: Tagger
    artifact_code: list[str] | None = None  # its drawing as an artifact, once made


def footer_canvas(draw: Callable[[Canvas, int, int], None], tagger: Tagger) -> type[Canvas]:
    """A canvas that holds every page until the end, so each footer can say 'of N'; the
    structure tree is written once the last page is."""

    class FooterCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held_pages)
            pages = []
            for number, state in enumerate(self._held_pages, start=1):
                self.__dict__.update(state)
                draw(self, number, total)
                super().showPage()
                pages.append(self._doc.Pages.pages[-1])
            tagger.write(self, pages)
            super().save()

    return FooterCanvas

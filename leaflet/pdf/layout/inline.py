"""Content text as ReportLab paragraph markup: escaped, doses kept whole, placeholders
highlighted, characters the body font lacks drawn in the fallback font.

Text is escaped piece by piece and tags are built only from the tree, so '&' or '<' in
content can never corrupt a paragraph.
"""

from __future__ import annotations

from collections.abc import Callable

from reportlab.lib.fonts import ps2tt
from reportlab.lib.styles import ParagraphStyle

from leaflet.errors import FontError, Problem
from leaflet.pdf.fonts import FontSet, describe_char
from leaflet.pdf.layout.fragments import paragraph_of
from leaflet.pdf.layout.marked import MarkedParagraph, Tag
from leaflet.render.markup import (
    Break,
    Inline,
    PageField,
    Span,
    shown_pieces,
)
from leaflet.render.theme import Theme

# A markup line to the template name and line an error should point at.
Locate = Callable[[int], tuple[str, "int | None"]]


class InlineText:
    """Paragraphs of content text in one theme and font set."""

    def __init__(self, theme: Theme, fonts: FontSet, locate: Locate) -> None:
        self.theme = theme
        self.fonts = fonts
        self.locate = locate

    def paragraph(self, inlines: list[Inline], style: ParagraphStyle, line: int,
                  bullet: str | None = None, tag: Tag | None = None) -> MarkedParagraph:
        """A paragraph that draws itself as the content ``tag`` names (untagged: None)."""
        bold = bool(ps2tt(style.fontName)[1])  # a heading's style is bold, not its spans
        paragraph = paragraph_of(MarkedParagraph, self.markup(inlines, line, bold=bold),
                                 style, bullet)
        paragraph.tag = tag
        return paragraph

    def markup(self, inlines: list[Inline], line: int,
               fields: dict[str, str] | None = None, bold: bool = False) -> str:
        """ReportLab paragraph markup: escaped text, fallback runs, highlighted placeholders.
        ``fields`` fills page fields (the footer's page number and count); ``bold`` says
        the paragraph's style is bold, so fallback runs are drawn bold too."""
        parts: list[str] = []
        for item in inlines:
            if isinstance(item, Break):
                parts.append("<br/>")
            elif isinstance(item, PageField):
                parts.append((fields or {}).get(item.kind, ""))
            else:
                parts.append(self._span(item, line, bold))
        return "".join(parts)

    def _span(self, span: Span, line: int, bold: bool = False) -> str:
        missing = self.fonts.missing(span.text)
        if missing:
            name, template_line = self.locate(line)
            raise FontError(Problem(name, template_line, None,
                                    f"{describe_char(missing[0])} is in none of the bundled "
                                    f"fonts (in {snippet(span.text)!r})"))
        pieces = []
        for piece, placeholder in shown_pieces(span.text):
            text = self.fonts.runs(piece, span.bold or bold, span.italic)
            if placeholder:
                colour = self.theme.values["colours"]["placeholder_background"]
                text = f'<span backColor="{colour}">{text}</span>'
            pieces.append(text)
        text = "".join(pieces)
        if span.bold:
            text = f"<b>{text}</b>"
        if span.italic:
            text = f"<i>{text}</i>"
        return text


def snippet(text: str, limit: int = 60) -> str:
    """Text shortened to one line for an error message."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""The text styles the layout draws with: one paragraph style per role, from the theme
and fonts, the font every table cell starts in, and how lines break in the document's
language."""

from __future__ import annotations

from typing import Any

from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle

from leaflet.pdf.fonts import FontSet
from leaflet.render.theme import Theme

# Languages written without spaces between words: a line may break between any two
# characters (ReportLab's 'CJK' wrapping, which keeps closing punctuation off a line's
# start and breaks a run of Latin letters at a space where it can).
UNSPACED_LANGUAGES = frozenset({"zh", "ja", "ko"})


class Styles:
    """Paragraph styles derived from the theme, one per role."""

    def __init__(self, theme: Theme, fonts: FontSet) -> None:
        body = theme.size("body")
        regular = fonts.body.face(False, False).name
        bold = fonts.body.face(True, False).name
        self.base = ParagraphStyle(
            "body", fontName=regular, fontSize=body, leading=body * theme.line_spacing,
            textColor=theme.colour("text"), alignment=TA_LEFT, spaceAfter=theme.space("paragraph"),
            bulletFontName=regular, bulletFontSize=body, allowWidows=0, allowOrphans=0,
        )
        self.roles: dict[str, ParagraphStyle] = {"body": self.base}
        for level, role in ((1, "h1"), (2, "h2"), (3, "h3")):
            size = theme.size(role)
            self.roles[role] = ParagraphStyle(
                role, parent=self.base, fontName=bold, fontSize=size,
                leading=size * 1.25, keepWithNext=1,
                textColor=theme.colour("heading" if level < 3 else "text"),
                spaceBefore=theme.space("section") if level == 2 else theme.space("paragraph") * 2,
                spaceAfter=theme.space("paragraph") * (2 if level < 3 else 1),
            )
        self.roles["lead"] = ParagraphStyle("lead", parent=self.roles["h3"], spaceBefore=0,
                                            keepWithNext=1, textColor=theme.colour("heading"))
        self.roles["medicine"] = ParagraphStyle("medicine", parent=self.base,
                                                fontSize=theme.size("h3"),
                                                leading=theme.size("h3") * 1.3,
                                                spaceAfter=theme.space("section"))
        small = theme.size("small")
        self.roles["small"] = ParagraphStyle("small", parent=self.base, fontSize=small,
                                             leading=small * theme.line_spacing)
        self.roles["footer"] = ParagraphStyle("footer", parent=self.roles["small"], spaceAfter=0)
        self.roles["notice"] = ParagraphStyle("notice", parent=self.base, fontName=bold,
                                              spaceAfter=0)
        # Table cells default to Helvetica, which would be referenced unembedded.
        self.cell_font: tuple[tuple[Any, ...], ...] = (
            ("FONTNAME", (0, 0), (-1, -1), regular),
            ("FONTSIZE", (0, 0), (-1, -1), body),
            ("LEADING", (0, 0), (-1, -1), body * theme.line_spacing),
        )

    def wrap_for(self, language: str) -> None:
        """Break lines as ``language`` (a tag such as 'zh-CN') is written: a Chinese
        sentence has no spaces, and wrapped only at spaces it would run out of the column.
        ReportLab lets closing punctuation hang past a CJK line's end, so such a line keeps
        one em free on the right for it: the punctuation stays inside the margins."""
        wrap = "CJK" if language.split("-")[0].lower() in UNSPACED_LANGUAGES else None
        for style in self.roles.values():
            style.wordWrap = wrap
            style.rightIndent = style.fontSize if wrap else 0

    def __getitem__(self, role: str) -> ParagraphStyle:
        return self.roles[role]

    def indented(self, role: str, depth: int, indent: float) -> ParagraphStyle:
        base = self.roles[role]
        return ParagraphStyle(f"{role}-list{depth}", parent=base,
                              leftIndent=base.leftIndent + indent * depth,
                              bulletIndent=base.leftIndent + indent * (depth - 1) + 1,
                              spaceAfter=base.spaceAfter * 0.6)

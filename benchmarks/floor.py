"""The floor: plain ReportLab setting the leaflet's own text with the same fonts, sizes and
page geometry, and nothing else.

The text comes from a JSON dump of the finished leaflet's paragraphs (made once,
untimed, by bench_build.py): one entry per paragraph with its role. No
validation, templates, markup, boxes, footer or finishing: the least work that
puts the same words on pages, which the pipeline is measured against.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import yaml
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate

ROOT = Path(__file__).resolve().parent.parent
THEME = ROOT / "templates" / "default" / "theme.yaml"
_styles: dict[str, ParagraphStyle] = {}


def _setup() -> dict[str, ParagraphStyle]:
    if _styles:
        return _styles
    theme = yaml.safe_load(THEME.read_text("utf-8"))
    files = theme["fonts"]["body"]
    for name, key in (("Body", "regular"), ("Body-Bold", "bold")):
        pdfmetrics.registerFont(TTFont(name, str(ROOT / "fonts" / files[key])))
    sizes = theme["type"]
    body = ParagraphStyle("body", fontName="Body", fontSize=sizes["body_size"],
                          leading=sizes["body_size"] * sizes["line_spacing"],
                          alignment=TA_LEFT, spaceAfter=theme["spacing_mm"]["paragraph"] * mm)
    _styles["body"] = body
    for role in ("h1", "h2", "h3"):
        size = sizes[f"{role}_size"]
        _styles[role] = ParagraphStyle(role, parent=body, fontName="Body-Bold", fontSize=size,
                                       leading=size * 1.25, keepWithNext=1)
    _styles["margins"] = theme["page"]["margins_mm"]
    return _styles


def escape(text: str) -> str:
    """Paragraph markup's three special characters. Not xml.sax.saxutils.escape, which
    imports urllib, http.client and email (about 20 ms) for the same three replacements."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build(paragraphs: list[dict[str, str]]) -> bytes:
    styles = _setup()
    story = [Paragraph(escape(p["text"]), styles.get(p["role"], styles["body"]),
                       bulletText="•" if p["role"] == "item" else None) for p in paragraphs]
    margins = styles["margins"]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=margins["left"] * mm,
                      rightMargin=margins["right"] * mm, topMargin=margins["top"] * mm,
                      bottomMargin=margins["bottom"] * mm, invariant=1).build(story)
    return buffer.getvalue()


if __name__ == "__main__":
    paragraphs = json.loads(Path(sys.argv[1]).read_text("utf-8"))
    Path(sys.argv[2]).write_bytes(build(paragraphs))

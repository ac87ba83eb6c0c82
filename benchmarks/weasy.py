"""The same leaflet through WeasyPrint, for the batch benchmark's comparison.

The leaflet markup our templates produce is already a small XHTML subset, so
the equivalent HTML template is that markup with HTML names where they differ
(the box cells of the dose chart, the running footer with page counters) and a
stylesheet carrying the default theme: the same fonts, sizes, line spacing,
margins, boxes and table rules. Needs `pip install weasyprint`; not a
dependency of the project.
"""

from __future__ import annotations

import re
from pathlib import Path

import weasyprint
import yaml

ROOT = Path(__file__).resolve().parent.parent
THEME = yaml.safe_load((ROOT / "templates" / "default" / "theme.yaml").read_text("utf-8"))


def stylesheet() -> str:
    fonts, sizes, space = THEME["fonts"], THEME["type"], THEME["spacing_mm"]
    margins, colours = THEME["page"]["margins_mm"], THEME["colours"]
    faces = "\n".join(
        f"@font-face {{ font-family: {family}; src: url('{_font_url(files[style])}');"
        f" font-weight: {weight}; font-style: {italic}; }}"
        for family, files in (("Body", fonts["body"]), ("Fallback", fonts["fallback"]))
        for style, weight, italic in (("regular", 400, "normal"), ("bold", 700, "normal"),
                                      ("italic", 400, "italic"), ("bold_italic", 700, "italic"))
        if style in files)
    return f"""{faces}
@page {{ size: A4; margin: {margins['top']}mm {margins['right']}mm {margins['bottom'] + 8}mm
        {margins['left']}mm;
  @bottom-left {{ content: element(footer); vertical-align: top; }} }}
body {{ font-family: Body, Fallback; font-size: {sizes['body_size']}pt;
  line-height: {sizes['line_spacing']}; color: {colours['text']}; }}
p {{ margin: 0 0 {space['paragraph']}mm 0; }}
h1 {{ font-size: {sizes['h1_size']}pt; color: {colours['heading']}; margin: 0 0 3mm 0; }}
h2 {{ font-size: {sizes['h2_size']}pt; color: {colours['heading']};
  border-top: 1pt solid {colours['rule']}; padding-top: 1mm; margin: {space['section']}mm 0 3mm;
  break-after: avoid; }}
h3 {{ font-size: {sizes['h3_size']}pt; margin: 3mm 0 {space['paragraph']}mm;
  break-after: avoid; }}
ul, ol {{ margin: 0 0 {space['paragraph']}mm 0; padding-left: {space['list_indent']}mm; }}
aside {{ border: 1.75pt solid {colours['important_border']};
  background: {colours['important_background']}; padding: {space['box_padding']}mm;
  margin: {space['paragraph']}mm 0 {space['section']}mm; }}
aside.urgent {{ border: 3pt solid {colours['urgent_border']};
  background: {colours['urgent_background']}; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 4mm; }}
td, th {{ border: 0.75pt solid {colours['table_border']}; padding: 4pt 5pt; text-align: left;
  vertical-align: top; }}
th {{ background: {colours['table_header_background']}; }}
table.chart td, table.chart th {{ vertical-align: middle; padding: {space['box_padding']}mm; }}
td.box {{ font-size: {sizes.get('tick_box_size', sizes['h2_size'])}pt; text-align: center;
  line-height: 1; }}
p.lead {{ font-weight: bold; color: {colours['heading']}; font-size: {sizes['h3_size']}pt; }}
p.small {{ font-size: {sizes['small_size']}pt; }}
footer {{ position: running(footer); font-size: {sizes['small_size']}pt;
  border-top: 0.5pt solid {colours['rule']}; padding-top: 2mm; width: 174mm; }}
.page-number::after {{ content: counter(page); }}
.page-count::after {{ content: counter(pages); }}
"""


def _font_url(name: str) -> str:
    return (ROOT / "fonts" / name).as_uri()


STYLE = stylesheet()


def to_html(markup: str) -> str:
    """Leaflet markup -> an HTML page that means the same."""
    body = re.sub(r"<\?leaflet-template[^?]*\?>", "", markup)
    body = body.replace('<td class="box"/>', '<td class="box">\u2610</td>')
    body = body.replace("<page-number/>", '<span class="page-number"></span>')
    body = body.replace("<page-count/>", '<span class="page-count"></span>')
    opening = re.search(r'<leaflet lang="([^"]*)" title="([^"]*)">', body)
    assert opening, "not leaflet markup"
    lang, title = opening.groups()
    body = body[opening.end():].replace("</leaflet>", "")
    footer = re.search(r"<footer>.*?</footer>", body, re.S)
    assert footer
    body = footer.group(0) + body.replace(footer.group(0), "")
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{title}</title><style>{STYLE}</style></head><body>{body}</body></html>")


def render_html(markup: str) -> bytes:
    return weasyprint.HTML(string=to_html(markup)).write_pdf()

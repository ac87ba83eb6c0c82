"""The page's one stylesheet, from the theme: its fonts embedded, its colours for a light
and a dark screen, and its sizes relative to the size the reader chose.

Every length is in rem or em and no box has a fixed width, so the text grows with the
reader's font size and zoom and reflows on a phone. Printing uses the theme's own
point sizes, on white.
"""

from __future__ import annotations

import base64

from leaflet.errors import Problem, ThemeError
from leaflet.html.palette import dark_palette, light_palette
from leaflet.render.theme import Theme
from leaflet.resources import data_dir

FAMILY = "Leaflet Body"
FONT_FACES = {"regular": ("normal", "normal"), "bold": ("bold", "normal"),
              "italic": ("normal", "italic"), "bold_italic": ("bold", "italic")}
# CSS custom property names for the palette's colours.
VARIABLES = ("page", "text", "heading", "rule", "important_border", "important_background",
             "urgent_border", "urgent_background", "table_border", "table_header_background",
             "placeholder_background", "placeholder_text")
# Chinese comes from the reader's own fonts (the page embeds only the theme's body font, a
# Latin one): those that Windows, macOS and iOS, Android and Linux ship, named so that a
# browser takes Simplified forms (docs/html.md).
CJK_FAMILIES = ('"Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", '
                '"Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei"')
BODY_REM = 1.125  # a little above the reader's default: the PDF's 11 pt reads small on screen
MIN_LINE_HEIGHT = 1.5


def stylesheet(theme: Theme) -> str:
    """The CSS text; the same theme always gives the same text."""
    colours = theme.values["colours"]
    sizes = theme.values["type"]
    body = sizes["body_size"]
    em = {level: sizes[f"h{level}_size"] / body for level in (1, 2, 3)}
    line = max(MIN_LINE_HEIGHT, sizes["line_spacing"])
    return "\n".join((
        *_font_faces(theme),
        _variables(":root", light_palette(colours)),
        "@media (prefers-color-scheme: dark) {",
        _variables(":root", dark_palette(colours)),
        "}",
        RULES.format(family=FAMILY, cjk=CJK_FAMILIES, body=BODY_REM, line=f"{line:g}",
                     h1=f"{em[1]:.3f}", h2=f"{em[2]:.3f}", h3=f"{em[3]:.3f}",
                     small=f"{sizes['small_size'] / body:.3f}"),
        PRINT.format(body=f"{body:g}", h1=f"{sizes['h1_size']:g}", h2=f"{sizes['h2_size']:g}",
                     h3=f"{sizes['h3_size']:g}", line=f"{sizes['line_spacing']:g}",
                     colours_light=_variables(":root", light_palette(colours)))))


def _variables(selector: str, palette: dict[str, str]) -> str:
    body = " ".join(f"--{name.replace('_', '-')}: {palette[name]};" for name in VARIABLES)
    return f"{selector} {{ {body} }}"


def _font_faces(theme: Theme) -> list[str]:
    """The theme's body fonts as data: URIs, so the page looks like the PDF offline."""
    folder = data_dir("fonts")
    faces = []
    for style, name in sorted(theme.font_files("body").items()):
        path = folder / name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ThemeError(Problem(str(theme.source), None, f"fonts.body.{style}",
                                     f"font file {name!r} cannot be read from {folder}: "
                                     f"{exc.strerror}")) from exc
        kind = "opentype" if name.lower().endswith(".otf") else "truetype"
        weight, slant = FONT_FACES[style]
        encoded = base64.b64encode(data).decode("ascii")
        faces.append(f'@font-face {{ font-family: "{FAMILY}"; font-weight: {weight}; '
                     f"font-style: {slant}; font-display: swap; "
                     f'src: url("data:font/{"otf" if kind == "opentype" else "ttf"};base64,'
                     f'{encoded}") format("{kind}"); }}')
    return faces


RULES = """\
:root {{ color-scheme: light dark; }}
*, *::before, *::after {{ box-sizing: border-box; }}
html {{ -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }}
body {{ margin: 0; background: var(--page); color: var(--text);
  font-family: "{family}", "Atkinson Hyperlegible", system-ui, "DejaVu Sans", sans-serif;
  font-size: {body}rem; line-height: {line}; overflow-wrap: break-word; }}
body:lang(zh) {{ font-family: "{family}", {cjk}, sans-serif; }}
body > header, body > main, body > footer {{ max-width: 46rem; margin: 0 auto;
  padding: 0 1rem; }}
main {{ padding-bottom: 1rem; }}
.lead + h1 {{ margin-top: 0.3em; }}
h1, h2, h3, .lead {{ color: var(--heading); line-height: 1.25; margin: 1.2em 0 0.5em; }}
h1 {{ font-size: {h1}em; }}
h2 {{ font-size: {h2}em; border-top: 0.125rem solid var(--rule); padding-top: 0.5em; }}
h3 {{ font-size: {h3}em; color: var(--text); }}
.box h2 {{ border-top: 0; padding-top: 0; }}
.box h2, .box h3 {{ margin-top: 0; font-size: {h3}em; }}
p {{ margin: 0 0 0.75em; }}
.lead {{ font-size: {h3}em; font-weight: bold; margin-top: 1em; }}
.medicine {{ font-size: {h3}em; }}
.small, footer {{ font-size: {small}em; }}
ul, ol {{ margin: 0 0 0.75em; padding-left: 1.6em; }}
li {{ margin: 0 0 0.35em; }}
li > p:last-child, td > p:last-child, th > p:last-child {{ margin-bottom: 0; }}
a {{ color: var(--heading); text-decoration: underline; text-underline-offset: 0.15em; }}
.online a {{ display: inline-block; max-width: 100%; }}
a:focus-visible {{ outline: 0.2rem solid var(--heading); outline-offset: 0.15rem; }}
mark.placeholder {{ background: var(--placeholder-background); color: var(--placeholder-text);
  padding: 0 0.15em; border-radius: 0.15em; }}
.box {{ border: 0.125rem solid var(--important-border); background: var(--important-background);
  padding: 0.75rem 1rem; margin: 1rem 0; border-radius: 0.25rem; }}
.box-urgent {{ border: 0.25rem solid var(--urgent-border); background: var(--urgent-background); }}
.draft {{ border: 0.25rem solid var(--urgent-border); background: var(--urgent-background);
  padding: 0.75rem 1rem; margin: 1rem 0; font-size: 1.1em; border-radius: 0.25rem; }}
.draft p {{ margin: 0; }}
nav ol {{ padding-left: 0; list-style: none; }}
nav li {{ margin: 0 0 0.5em; }}
.table {{ max-width: 100%; overflow-x: auto; margin: 0 0 1rem; }}
.table:focus-visible {{ outline: 0.2rem solid var(--heading); outline-offset: 0.15rem; }}
table {{ border-collapse: collapse; width: 100%; }}
caption {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
  white-space: nowrap; }}
th, td {{ border: 0.0625rem solid var(--table-border); padding: 0.35em 0.5em;
  text-align: left; vertical-align: top; }}
th {{ background: var(--table-header-background); }}
td.tick {{ font-size: 1.5em; line-height: 1; text-align: center; vertical-align: middle; }}
img {{ max-width: 100%; height: auto; }}
footer {{ padding-bottom: 2rem; }}
footer p {{ border-top: 0.0625rem solid var(--rule); padding-top: 0.75rem; }}
@media (max-width: 30em) {{
  body > header, body > main, body > footer {{ padding: 0 0.5rem; }}
  .box, .draft {{ padding: 0.5rem 0.6rem; }}
  ul, ol {{ padding-left: 1.3em; }}
  th, td {{ padding: 0.25em 0.2em; }}
}}"""

PRINT = """\
@media print {{
{colours_light}
body {{ font-size: {body}pt; line-height: {line}; background: #ffffff; }}
body > header, body > main, body > footer {{ max-width: none; padding: 0; }}
h1 {{ font-size: {h1}pt; }}
h2 {{ font-size: {h2}pt; }}
h3, .lead, .medicine, .box h2, .box h3 {{ font-size: {h3}pt; }}
.web-only {{ display: none; }}
h1, h2, h3, .lead {{ break-after: avoid; }}
.box, tr, li, img {{ break-inside: avoid; }}
a {{ color: inherit; text-decoration: none; }}
}}"""

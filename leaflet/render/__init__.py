"""Content and a template set in, leaflet markup and then a Document out.

`templates` finds a set along its `extends:` chain and renders it in a sandbox; `theme`
and `profiles` read the set's page, type and legibility settings; `markup` parses the
small strict markup into the Document every output shares. Nothing here lays out a page.
"""

from leaflet.render.markup import Document, Metadata, parse_markup
from leaflet.render.profiles import PrintSettings, Profile, print_settings
from leaflet.render.templates import TemplateSet, render_markup, resolve_set
from leaflet.render.theme import Theme, load_theme

__all__ = ["Document", "Metadata", "PrintSettings", "Profile", "TemplateSet", "Theme",
           "load_theme", "parse_markup", "print_settings", "render_markup", "resolve_set"]

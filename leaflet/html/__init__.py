"""The HTML companion: one self-contained, semantic web page from the same document tree
and theme as the PDF, for readers who use a screen reader, zoom or a phone."""

from leaflet.html.page import html_page

__all__ = ["html_page"]

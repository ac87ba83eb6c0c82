"""Work the layout saves must not change a byte: the running header recorded on page 2
and written again on later pages, and a list item's bullet wrapped in its q/cm/Q
operators directly, each give the very PDF that drawing it in full gives."""

from __future__ import annotations

import pytest
from conftest import BACLOFEN, build_bytes
from reportlab import rl_config
from reportlab.platypus.paragraph import _drawBullet

from leaflet.pdf.layout import marked, page
from leaflet.pdf.objects import Document

DRAFT_HEADER = b"/Artifact <</Type /Pagination /Subtype /Header>> BDC"
OPTIONS = [{}, {"layout": "two-column"}, {"paper": "a5"}]


@pytest.mark.parametrize("options", OPTIONS, ids=["a4", "two-column", "a5"])
def test_the_header_written_again_is_the_header_drawn_again(monkeypatch, options):
    recorded = build_bytes(BACLOFEN, **options)
    # a box that never keeps its drawing, so it is drawn afresh on every page
    monkeypatch.setattr(page.RunningBox, "artifact_code",
                        property(lambda self: None, lambda self, code: None))
    drawn = build_bytes(BACLOFEN, **options)
    assert recorded == drawn
    document = Document(recorded)
    pages = document.pages
    assert len(pages) > 2  # the header was written again at least once
    assert all(DRAFT_HEADER in p["/Contents"].get_data() for p in pages[1:])


def _draw_labelled_with_canvas_state(self, canvas, x, y, _sW, tag):
    """The bullet drawn as before: the canvas's state saved, moved and restored."""
    style = self.style
    first = self.blPara if self.blPara.kind == 0 else self.blPara.lines[0]
    top = self.height - (first.fontSize if rl_config.paraFontSizeHeightOffset
                         else getattr(first, "ascent", first.fontSize))
    bullet = self.bulletText
    tag.tagger.begin(canvas, tag.label)
    canvas.saveState()
    canvas.translate(self._hAlignAdjust(x, _sW), y)
    offset = _drawBullet(canvas, style.firstLineIndent, top, bullet, style, rtl=False)
    canvas.restoreState()
    tag.tagger.end(canvas)
    self.bulletText = None
    self._offsets = [offset - style.firstLineIndent, 0.0]
    try:
        tag.tagger.begin(canvas, tag.node)
        super(marked.MarkedParagraph, self).drawOn(canvas, x, y, _sW)
        tag.tagger.end(canvas)
    finally:
        self.bulletText = bullet
        del self._offsets


@pytest.mark.parametrize("options", OPTIONS[:2], ids=["a4", "two-column"])
def test_a_bullet_written_directly_is_the_bullet_drawn_with_canvas_state(monkeypatch,
                                                                          options):
    direct = build_bytes(BACLOFEN, **options)
    monkeypatch.setattr(marked.MarkedParagraph, "_draw_labelled",
                        _draw_labelled_with_canvas_state)
    assert direct == build_bytes(BACLOFEN, **options)
    document = Document(direct)
    assert b"/Lbl <</MCID" in b"".join(p["/Contents"].get_data() for p in document.pages)

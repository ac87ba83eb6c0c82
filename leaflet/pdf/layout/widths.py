"""ReportLab's TrueType text widths, each worked out once for a font, text and size.

Breaking a paragraph into lines measures it word by word, one `TTFont.stringWidth` call
a word, and a leaflet's words repeat: building the baclofen leaflet measures 3,066 words,
870 of them different, and a process that builds one leaflet after another (a `Builder`'s
worker, a batch's) measures the same words again in each. A text's width at a size is
its font's alone, so the answer ReportLab gave is kept and given again: the same number,
so the same lines and the same file. A text longer than a word is measured each time, and
the widths kept are dropped all at once when there are `MAX_KEPT` of them, so a batch of
many different texts keeps a bounded number (a few megabytes at most).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportlab.pdfbase.ttfonts import TTFont

from leaflet.pdf.layout.written_against import written_against

MAX_TEXT = 64  # characters in a text whose width is kept; a word is far shorter
MAX_KEPT = 16_384  # widths kept; one leaflet measures under a thousand different texts

_rl_string_width: Callable[..., float] = TTFont.stringWidth
_kept: dict[tuple[TTFont, str, float], float] = {}


def string_width(font: TTFont, text: Any, size: float, encoding: str = "utf8") -> float:
    """TTFont.stringWidth, exactly: ReportLab's answer, kept for a text of a word or so."""
    if type(text) is not str or len(text) > MAX_TEXT:
        return _rl_string_width(font, text, size, encoding)
    key = (font, text, size)
    width = _kept.get(key)
    if width is None:
        width = _rl_string_width(font, text, size, encoding)
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        _kept[key] = width
    return width


# In its place only over the function it was written against, which measures with the
# font's own widths and nothing else: another ReportLab's might depend on more.
if written_against(_rl_string_width, "TTFont.stringWidth", reads={"instanceStringWidthTTF"},
                   reads_only=True):
    TTFont.stringWidth = string_width

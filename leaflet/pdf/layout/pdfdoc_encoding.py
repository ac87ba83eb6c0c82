"""ReportLab's encoding of what it writes into a file, with ASCII encoded in C.

Writing a file, ReportLab turns each number, name, reference and object header into bytes
with `pdfdoc.pdfdocEnc`, through a Python codec of its own ('extpdfdoc', PDFDocEncoding):
a thousand calls for the baclofen leaflet, 0.3 to 0.45 µs each. That encoding writes every
ASCII character as its own byte but U+0018 to U+001F, which it has no byte for, so a text
of the others is given the same bytes by str.encode("ascii"), in C. Any other text goes
to ReportLab's function, which encodes it, or refuses it, as it always has.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from reportlab.pdfbase import pdfdoc

_rl_pdfdoc_enc: Callable[[Any], Any] = pdfdoc.pdfdocEnc
_NOT_IN_PDFDOC = re.compile("[\x18-\x1f]")  # ASCII that PDFDocEncoding has no byte for


def pdfdoc_enc(text: Any) -> Any:
    """pdfdoc.pdfdocEnc, exactly."""
    if type(text) is str and text.isascii() and (
            text.isprintable() or _NOT_IN_PDFDOC.search(text) is None):
        return text.encode("ascii")
    return _rl_pdfdoc_enc(text)


# In ReportLab's place only over the function it was written against
if getattr(_rl_pdfdoc_enc, "__qualname__", None) == "pdfdocEnc" \
        and "extpdfdoc" in _rl_pdfdoc_enc.__code__.co_consts:
    pdfdoc.pdfdocEnc = pdfdoc_enc

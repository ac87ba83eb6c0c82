"""One parse of a PDF shared by the steps that read the same bytes."""

from __future__ import annotations

import functools
import io

from pypdf import PdfReader


@functools.lru_cache(maxsize=1)
def parsed(pdf: bytes) -> PdfReader:
    """pypdf's reader of ``pdf``, kept for the next step that reads the same bytes: a build
    reads its laid-out PDF to hold it to the profile, then again to finish it, and pypdf
    keeps each object it has parsed. Only the latest PDF is kept. Callers only read it."""
    return PdfReader(io.BytesIO(pdf))

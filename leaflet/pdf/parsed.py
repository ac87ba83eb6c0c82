"""One parse of a PDF shared by the steps that read the same bytes."""

from __future__ import annotations

import functools
from typing import Any

from leaflet.pdf.objects import Document, Unsupported


@functools.lru_cache(maxsize=1)
def parsed(pdf: bytes) -> Document:
    """The objects of ``pdf``, a file a build made, kept for the next step that reads the
    same bytes: a build reads its laid-out PDF to hold it to the profile, then again to
    finish it. Only the latest PDF is kept. Callers only read it."""
    return Document(pdf)


class Unreadable(ValueError):
    """Neither reader can read the file."""


def any_pdf(pdf: bytes) -> Any:
    """A reader of any PDF, for `leaflet inspect`: ours for the files leaflet makes, pypdf's
    for the rest (cross-reference streams, object streams, encryption). Either gives
    pages whose entries are looked up the same way."""
    try:
        return parsed(pdf)
    except Unsupported:
        pass
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return PdfReader(io.BytesIO(pdf))
    except (PyPdfError, ValueError, OSError, KeyError) as exc:
        raise Unreadable(str(exc)) from exc

"""Reading any PDF: the files leaflet makes with its own reader, others with pypdf's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from leaflet.pdf.objects import Document, Unsupported

T = TypeVar("T")
# What walking a malformed file's objects raises: a value of the wrong type where a
# dictionary, array or number belongs, an array too short, a number out of range.
MALFORMED = (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError,
             ZeroDivisionError, RecursionError)


class Unreadable(ValueError):
    """Neither reader can read the file."""


def read_any(pdf: bytes, read: Callable[[Any], T]) -> T:
    """What ``read`` finds in any PDF, for `leaflet inspect`: read with our reader for the
    files leaflet makes, with pypdf's for the rest (cross-reference streams, object
    streams, encryption). Either gives pages whose entries are looked up the same way.
    Our reader parses objects as they are asked for, so a file it cannot read may show
    it only while ``read`` walks the pages: the whole reading is done again with pypdf."""
    try:
        return read(Document(pdf))
    except Unsupported:
        pass
    except MALFORMED as exc:
        raise Unreadable(str(exc) or type(exc).__name__) from exc
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return read(PdfReader(io.BytesIO(pdf)))
    except (PyPdfError, OSError, NotImplementedError, *MALFORMED) as exc:  # an unknown filter
        raise Unreadable(str(exc) or type(exc).__name__) from exc

"""ReportLab's writing of text, names and numbers into a file, the plain cases done in C.

Writing a file, ReportLab turns what it writes into bytes in three small Python functions
of `pdfdoc`, each called hundreds of times for the baclofen leaflet:

- `pdfdocEnc` encodes a text through ReportLab's own codec ('extpdfdoc',
  PDFDocEncoding): a thousand calls, 0.3 to 0.45 µs each. That encoding writes every
  ASCII character as its own byte but U+0018 to U+001F, which it has no byte for, so a
  text of the others gets the same bytes from str.encode("ascii").
- `PDFName` makes a name, escaping its characters one by one in a Python loop (280
  calls). A name of printable ASCII with none of PDF's delimiters, as all of ours are,
  is written as it is.
- `format` writes any value, asking what kind it is; a number, most of what it writes
  (a font's widths), is written by `fp_str` and encoded. `fp_str` writes a whole
  number as str() does (0.44 µs against 0.05), exactly so up to 2**53, past which a
  float no longer holds every whole number. A text, most often a name, is encoded as
  above without the questions.

Each is given the same bytes, in C; anything else goes to ReportLab's own function,
which writes it, or refuses it, as it always has.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from reportlab.pdfbase import pdfdoc

from leaflet.pdf.layout.written_against import written_against

_rl_pdfdoc_enc: Callable[[Any], Any] = pdfdoc.pdfdocEnc
_rl_pdf_name: Callable[..., str] = pdfdoc.PDFName
_rl_format: Callable[..., bytes] = pdfdoc.format
_fp_str: Callable[..., str] = pdfdoc.fp_str
_NOT_IN_PDFDOC = re.compile("[\x18-\x1f]")  # ASCII that PDFDocEncoding has no byte for
EXACT_WHOLE = 2**53  # every whole number below it is a float
_ESCAPED_IN_NAMES = re.compile(r"[^!-~]|[%()<>{}\[\]#]")  # as PDFName escapes them


def pdfdoc_enc(text: Any) -> Any:
    """pdfdoc.pdfdocEnc, exactly."""
    if type(text) is str and text.isascii() and (
            text.isprintable() or _NOT_IN_PDFDOC.search(text) is None):
        return text.encode("ascii")
    return _rl_pdfdoc_enc(text)


def pdf_name(data: Any, *args: Any) -> str:
    """pdfdoc.PDFName, exactly."""
    if not args and type(data) is str and _ESCAPED_IN_NAMES.search(data) is None:
        return "/" + data
    return _rl_pdf_name(data, *args)


def format_value(element: Any, document: Any, toplevel: int = 0) -> bytes:
    """pdfdoc.format, exactly: a number (not a bool, which ReportLab writes by name) as
    fp_str writes it, always ASCII; a text (a name, mostly) encoded."""
    kind = type(element)
    if kind is str:
        return pdfdoc_enc(element)
    if kind is int and -EXACT_WHOLE < element < EXACT_WHOLE:
        return str(element).encode("ascii")
    if kind is int or kind is float:
        return _fp_str(element).encode("ascii")
    return _rl_format(element, document, toplevel)


# In ReportLab's place only over the functions written against
if written_against(_rl_pdfdoc_enc, "pdfdocEnc", holds={"extpdfdoc"}):
    pdfdoc.pdfdocEnc = pdfdoc_enc
if written_against(_rl_pdf_name, "PDFName", holds={"%()<>{}[]#"}) \
        and _rl_pdf_name.__defaults__ == (chr(0x21), chr(0x7E)):
    pdfdoc.PDFName = pdf_name
if written_against(_rl_format, "format", reads={"fp_str", "pdfdocEnc"}):
    pdfdoc.format = format_value

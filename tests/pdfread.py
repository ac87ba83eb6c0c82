"""Read a finished PDF back the way a checker would: text, sizes, fonts, pixels."""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pypdf
from babel.messages.pofile import read_po


@dataclass(frozen=True)
class TextRun:
    page: int
    text: str
    size: float
    x: float
    y: float
    font: str


def reader(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def text_runs(pdf: bytes) -> list[TextRun]:
    """Every text-showing operation with its effective size and position."""
    runs: list[TextRun] = []
    for number, page in enumerate(reader(pdf).pages, start=1):

        def visit(text, cm, tm, font_dict, font_size, number=number):
            if not text.strip():
                return
            m = _multiply(tm, cm)
            size = font_size * math.hypot(m[2], m[3])
            font = str(font_dict.get("/BaseFont", "")) if font_dict else ""
            runs.append(TextRun(number, text, size, m[4], m[5], font))

        page.extract_text(visitor_text=visit)
    return runs


def _multiply(a, b):
    return [
        a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5],
    ]


FOOTER = re.compile(r"Page \d+ of \d+")
DRAFT_NOTICE = "DRAFT: not yet approved for patients. Do not give this leaflet to patients."
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _loose(text: str) -> str:
    """A pattern for ``text`` wherever the lines break."""
    return r"\s+".join(re.escape(word) for word in text.split())


def _running_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The footer's page count and the draft notice in every language a set ships: the
    running lines of a leaflet in any of them."""
    footers, notices = {FOOTER.pattern}, {_loose(DRAFT_NOTICE)}
    for path in TEMPLATES.glob("*/locales/*/LC_MESSAGES/leaflet.po"):
        with path.open("rb") as stream:
            for message in read_po(stream):
                if message.id == "Page %(number)s of %(count)s" and message.string:
                    footers.add(_loose(message.string).replace(r"%\(number\)s", r"\d+")
                                .replace(r"%\(count\)s", r"\d+"))
                elif isinstance(message.id, str) and message.id.startswith("DRAFT:") \
                        and message.string:
                    notices.add(_loose(message.string))
    return (re.compile("|".join(sorted(footers))),
            re.compile("|".join(sorted(notices, key=len, reverse=True))))


RUNNING_FOOTER, RUNNING_NOTICE = _running_patterns()


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in reader(pdf).pages]


def body_text(pdf: bytes) -> str:
    """All pages' text without the running header and footer, in whatever language, so
    text crossing a page break joins up."""
    pages = []
    for text in page_texts(pdf):
        text = RUNNING_NOTICE.sub("", text)
        lines = [line for line in text.splitlines()
                 if line.strip() and not RUNNING_FOOTER.search(line.strip())]
        pages.append("\n".join(lines))
    return "\n".join(pages)


def squash(text: str) -> str:
    """Compare text regardless of line breaks and spacing."""
    return re.sub(r"\s+", "", text)


def fonts(pdf: bytes) -> dict[str, bool]:
    """Base font name -> embedded?, over every page (pdffonts, in Python)."""
    found: dict[str, bool] = {}
    for page in reader(pdf).pages:
        resources = page.get("/Resources")
        if not resources or "/Font" not in resources:
            continue
        for font in resources["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            found[str(font.get("/BaseFont"))] = embedded
    return found


def render_pages(pdf: bytes, dpi: int = 40, grey: bool = False):
    """Rasterise with PDFium (a pip wheel, so CI needs nothing from the system)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    images = [page.render(scale=dpi / 72, grayscale=grey).to_pil() for page in document]
    document.close()
    return images

"""Draw page 1 of the baclofen leaflet as docs/images/page-1.png, the picture in README.md.

Run it after a change that alters page 1: python docs/make_page_one.py
tests/test_docs.py draws the page afresh with render_page_one() and fails when the
committed picture no longer matches, so the README never shows an old leaflet.
"""
# ruff: noqa: INP001  (a script beside the docs, not a package)

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content" / "baclofen.yaml"
PICTURE = ROOT / "docs" / "images" / "page-1.png"
WIDTH_PX = 600  # wide enough to read the headings on a Git host, small enough to commit


def render_page_one():
    """Build content/baclofen.yaml with the library and draw page 1, WIDTH_PX wide (a PIL image)."""
    import pypdfium2

    from leaflet.build import build_pdf

    document = pypdfium2.PdfDocument(build_pdf(CONTENT).pdf)
    try:
        page = document[0]
        return page.render(scale=WIDTH_PX / page.get_width()).to_pil().convert("RGB")
    finally:
        document.close()


def main() -> None:
    PICTURE.parent.mkdir(parents=True, exist_ok=True)
    render_page_one().save(PICTURE, optimize=True)
    print(f"wrote {PICTURE.relative_to(ROOT)}")  # noqa: T201


if __name__ == "__main__":
    main()

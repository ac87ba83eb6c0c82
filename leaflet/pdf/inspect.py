"""Read a finished PDF back and report what it proves: page sizes, the smallest text and
the tightest line spacing on each page, fonts and whether each is embedded, text drawn
outside the margins, and characters drawn without a glyph.

Any PDF can be inspected (``leaflet inspect``); every build inspects its own output
against its legibility profile and fails on a violation, so a theme or template change
can never quietly print 7 pt text.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm

from leaflet.errors import LayoutError, Problem, UsageError
from leaflet.pdf.objects import Document, Unsupported, page_digest, resolved
from leaflet.pdf.parsed import Unreadable, read_any
from leaflet.pdf.readback import PageReader, TextRun
from leaflet.sources.files import read_file

TOLERANCE = 1.0  # points: rounding in the PDF's own numbers
# Where text may be on a page, in points: left, bottom, right, top. A page has one, the
# page inside its margins; a booklet's sheet has two, one for each page on it.
Area = tuple[float, float, float, float]
# Drawn codes that read as no character: what a code its font's map leaves out reads as,
# and what a subset maps a code it has no glyph for to (see layout.drawn_glyphs)
UNMAPPED, UNDRAWN = "\ufffd", "\x00"
MAX_PDF_BYTES = 200_000_000  # read no further: a device or a runaway file is refused


@dataclass
class PageReport:
    number: int
    width_mm: float
    height_mm: float
    smallest_text_pt: float | None = None
    tightest_line_spacing_mm: float | None = None
    outside_margins: list[str] = field(default_factory=list)
    missing_glyphs: list[str] = field(default_factory=list)


# Pages of our own PDFs already read in this process, by what they draw (see
# inspect_built): the leaflets of a batch share all but their personal pages.
PROVED_PAGES = 64
_proved: OrderedDict[tuple[bytes, tuple[float, ...], tuple[Area, ...] | None],
                     PageReport] = OrderedDict()


@dataclass(frozen=True)
class FontReport:
    name: str
    embedded: bool


@dataclass
class Report:
    pages: list[PageReport]
    fonts: list[FontReport]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def table(self, found: list[str]) -> str:
        """The report as a table a pharmacist can read at a glance, then the violations."""
        lines = [f"{'page':>4}  {'size (mm)':<13} {'smallest text':>13}  "
                 f"{'tightest lines':>14}  outside margins"]
        for page in self.pages:
            smallest = f"{page.smallest_text_pt:g} pt" if page.smallest_text_pt else "-"
            spacing = (f"{page.tightest_line_spacing_mm:g} mm"
                       if page.tightest_line_spacing_mm else "-")
            lines.append(f"{page.number:>4}  {page.width_mm:g} x {page.height_mm:<6g} "
                         f"{smallest:>13}  {spacing:>14}  {len(page.outside_margins)}")
        lines += ["", "fonts:"]
        lines += [f"  {font.name}: {'embedded' if font.embedded else 'NOT EMBEDDED'}"
                  for font in self.fonts]
        lines.append("")
        lines += [f"violation: {v}" for v in found] or ["no violations"]
        return "\n".join(lines)


@dataclass(frozen=True)
class Expectations:
    """What a PDF must prove: sizes in points, distances in mm."""

    minimum_size: float
    minimum_line_spacing_mm: float
    page_size: tuple[float, float] | None = None
    margins_mm: tuple[float, float, float, float] = (10, 10, 10, 10)  # top right bottom left


def inspect_pdf(data: bytes,
                margins_mm: tuple[float, float, float, float] = (10, 10, 10, 10),
                name: str = "<pdf>") -> Report:
    """What any PDF shows (the file ``name``, for its error); ``margins_mm`` (top, right,
    bottom, left) say where text may be."""
    try:
        return read_any(data, _reading(len(data), margins_mm))
    except Unreadable as exc:
        raise LayoutError(Problem(name, None, None, f"not a readable PDF: {exc}")) from exc


def inspect_built(data: bytes, margins_mm: tuple[float, float, float, float],
                  areas: tuple[Area, ...] | None = None, remember: bool = False) -> Report:
    """What a PDF a build has just made shows, read by our own reader alone: it reads all
    leaflet writes, so a refusal here is a fault of ours and must fail the build (as an
    internal error), not be quietly read another way. ``areas``: where text may be on
    each page, if not inside ``margins_mm``.

    ``remember``, for a process that proves many files with pages in common (the shared
    pages of personalised leaflets): a page whose contents and resources hold exactly
    what those of a page read before held (the digest of everything it draws from, with
    its media box: see objects.digest) is not read again, as its report is the same.
    Every page of the file is still found and digested."""
    return _reading(len(data), margins_mm, areas, remember)(Document(data))


def _reading(size: int, margins_mm: tuple[float, float, float, float],
             areas: tuple[Area, ...] | None = None, remember: bool = False
             ) -> Callable[[Any], Report]:
    def read(reader: Any) -> Report:
        pages = list(reader.pages)
        page_reader = PageReader(size)

        def report(number: int, page: Any) -> PageReport:
            if not remember:
                return _inspect_page(number, page_reader.runs(page), page, margins_mm, areas)
            try:
                key = (page_digest(page), margins_mm, areas)
            except Unsupported:  # objects with no digest (see digest): read it, unremembered
                return _inspect_page(number, page_reader.runs(page), page, margins_mm, areas)
            known = _proved.get(key)
            if known is None:
                known = _proved[key] = _inspect_page(0, page_reader.runs(page), page,
                                                     margins_mm, areas)
                if len(_proved) > PROVED_PAGES:
                    _proved.popitem(last=False)
            else:
                _proved.move_to_end(key)
            return replace(known, number=number, outside_margins=list(known.outside_margins),
                           missing_glyphs=list(known.missing_glyphs))

        reports = [report(number, page) for number, page in enumerate(pages, start=1)]
        return Report(reports, _fonts(pages))

    return read


def _inspect_page(number: int, runs: list[TextRun], page: Any,
                  margins_mm: tuple[float, float, float, float],
                  areas: tuple[Area, ...] | None = None) -> PageReport:
    left, bottom, right, top = (float(resolved(v)) for v in resolved(page.get("/MediaBox")))
    width, height = right - left, top - bottom
    report = PageReport(number, round(width / mm, 1), round(height / mm, 1))
    runs = [run for run in runs if run.text.strip()]
    if not runs:
        return report
    report.smallest_text_pt = round(min(run.size for run in runs), 2)
    areas = areas or (text_area((0, 0), (width, height), margins_mm),)
    report.tightest_line_spacing_mm = _tightest_spacing_in(runs, areas)
    bounds = [(x0 - TOLERANCE, y0 - TOLERANCE, x1 + TOLERANCE, y1 + TOLERANCE)
              for x0, y0, x1, y1 in areas]
    for run in runs:
        text = run.text
        trailing = len(text) - len(text.rstrip())  # spaces drawn at a line's end
        end = run.x + run.width * (1 - trailing / max(len(text), 1))
        top = run.y + run.size * 0.75  # the ascent
        for left, low, right, high in bounds:
            if run.x >= left and end <= right and run.y >= low and top <= high:
                break
        else:
            report.outside_margins.append(text.strip()[:40])
        if UNMAPPED in text or UNDRAWN in text:  # two scans in C: cheaper than a set
            report.missing_glyphs.extend(c for c in text if c in (UNMAPPED, UNDRAWN))
    return report


def text_area(origin: tuple[float, float], size: tuple[float, float],
              margins_mm: tuple[float, float, float, float]) -> Area:
    """Where text may be on a page of ``size`` (points) with its lower left corner at
    ``origin``: inside its margins (top, right, bottom, left, in mm)."""
    (x, y), (width, height) = origin, size
    top, right, bottom, left = (side * mm for side in margins_mm)
    return (x + left, y + bottom, x + width - right, y + height - top)


def _tightest_spacing_in(runs: list[TextRun], areas: tuple[Area, ...]) -> float | None:
    """The tightest spacing of any one page on a sheet of ``areas`` side by side (a run
    belongs to the page its start is over), so that one page's large text does not hide
    another's small text."""
    if len(areas) == 1:
        return _tightest_spacing(runs)
    pages: dict[int, list[TextRun]] = defaultdict(list)
    for run in runs:
        pages[next((index for index, (x0, _, x1, _) in enumerate(areas)
                    if x0 - TOLERANCE <= run.x <= x1 + TOLERANCE), -1)].append(run)
    found = [spacing for page in pages.values()
             if (spacing := _tightest_spacing(page)) is not None]
    return min(found, default=None)


def _tightest_spacing(runs: list[TextRun]) -> float | None:
    """Smallest distance between neighbouring baselines of one block of text: lines that
    start at the same left edge (cells side by side in a table row do not count)."""
    smallest = min(run.size for run in runs)
    edges: dict[float, set[float]] = defaultdict(set)
    for run in runs:
        if run.size <= smallest * 1.5:
            edges[round(run.x)].add(round(run.y, 1))
    gaps = [upper - lower for baselines in edges.values()
            for lower, upper in zip(sorted(baselines), sorted(baselines)[1:], strict=False)
            if upper - lower > TOLERANCE]
    return round(min(gaps) / mm, 2) if gaps else None


def _fonts(pages: list[Any]) -> list[FontReport]:
    found: dict[str, bool] = {}
    for page in pages:
        resources = page.get("/Resources") or {}
        fonts = resources.get("/Font") or {}
        for font in fonts.values():
            font = resolved(font)
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = resolved(font["/DescendantFonts"][0]).get("/FontDescriptor")
            descriptor = resolved(descriptor) if descriptor is not None else {}
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found[str(font.get("/BaseFont", "?")).lstrip("/")] = embedded
    return [FontReport(name, embedded) for name, embedded in sorted(found.items())]


def violations(report: Report, expect: Expectations) -> list[str]:
    """Every way the PDF falls short, each naming the page."""
    found: list[str] = []
    for font in report.fonts:
        if not font.embedded:
            found.append(f"font {font.name} is not embedded")
    for page in report.pages:
        where = f"page {page.number}"
        if expect.page_size:
            want = tuple(round(v / mm, 1) for v in expect.page_size)
            if abs(page.width_mm - want[0]) > 0.5 or abs(page.height_mm - want[1]) > 0.5:
                found.append(f"{where}: page is {page.width_mm} x {page.height_mm} mm, "
                             f"expected {want[0]} x {want[1]} mm")
        if page.smallest_text_pt is not None and \
                page.smallest_text_pt < expect.minimum_size - 0.01:
            found.append(f"{where}: text of {page.smallest_text_pt:g} pt, smaller than "
                         f"{expect.minimum_size:g} pt")
        if page.tightest_line_spacing_mm is not None and \
                page.tightest_line_spacing_mm < expect.minimum_line_spacing_mm - 0.05:
            found.append(f"{where}: lines {page.tightest_line_spacing_mm:g} mm apart, less than "
                         f"{expect.minimum_line_spacing_mm:g} mm")
        for text in page.outside_margins:
            found.append(f"{where}: text outside the margins: {text!r}")
        if page.missing_glyphs:
            found.append(f"{where}: {len(page.missing_glyphs)} character(s) drawn without a glyph")
    return found


def inspect_file(path: Path, profile_name: str, margin_mm: float) -> tuple[Report, list[str]]:
    """Inspect a PDF on disk against a profile of the default set, with even margins."""
    from leaflet.render.profiles import profiles
    from leaflet.render.templates import resolve_set

    default = resolve_set("default")
    known = profiles(default)
    if profile_name not in known:
        raise UsageError(Problem("--profile", None, None, f"no profile {profile_name!r}; "
                                 f"expected one of: {', '.join(known)}"))
    data = read_file(path, MAX_PDF_BYTES, UsageError,
                     f"larger than {MAX_PDF_BYTES // 1_000_000} MB; a leaflet is far smaller")
    margins = (margin_mm,) * 4
    profile = known[profile_name]
    report = inspect_pdf(data, margins, str(path))
    expect = Expectations(profile.minimum_size, profile.minimum_line_spacing_mm, None, margins)
    return report, violations(report, expect)

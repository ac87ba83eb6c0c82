"""The whole pipeline in one call: content -> checks -> markup -> document -> PDF -> file.

Every build reads its own PDF back and holds it to the legibility profile (pdf/
inspect.py), so no theme, template or fitting step can quietly print text too small,
lines too tight or anything outside the margins.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from leaflet.check import Checker, Finding
from leaflet.check.runner import FileReport
from leaflet.errors import (
    CheckError,
    ContentError,
    FontError,
    LayoutError,
    LimitError,
    Problem,
    TemplateError,
    ThemeError,
    UsageError,
)
from leaflet.limited_worker import LimitedWorker
from leaflet.limits import Limits, OnLimit, Stop, limit_error, raise_if_stopped, run_limited
from leaflet.output import Input, check_outputs, files_in, write_atomically
from leaflet.pdf.finish import finish
from leaflet.pdf.fonts import CJK_FOLDER, FontSet, describe_char, load_family, register
from leaflet.pdf.inspect import Expectations, inspect_built, text_area, violations
from leaflet.pdf.layout import LaidOut, Layout, load_qr_code
from leaflet.render.markup import Document, Metadata, parse_markup
from leaflet.render.profiles import PrintSettings, Profile, print_settings
from leaflet.render.templates import (
    MAIN_TEMPLATE,
    Locator,
    TemplateSet,
    content_wording,
    load_templates,
    markup_locator,
    render_markup,
    resolve_set,
    template_position,
)
from leaflet.render.theme import Theme
from leaflet.resources import data_dir
from leaflet.sources.content import Content, load_content, parse_content
from leaflet.sources.schema import Walk

if TYPE_CHECKING:  # a patient's modules are imported only by a build that has one
    from leaflet.personal.patient import Patient

R = TypeVar("R")
Runner = Callable[..., "Outputs"]  # runs made_outputs with its arguments, here or elsewhere
SIZE_STEP = 0.5  # points: how far --max-pages shrinks type at each try


@dataclass(frozen=True)
class BuildOptions:
    """What the user chose on the command line; None means 'as the template set says'."""

    template: str = "default"
    paper: str | None = None
    layout: str = "standard"
    profile: str | None = None  # eu, us, clear, large; None: the set's own
    max_pages: int | None = None
    strict: bool = False  # check warnings stop the build too
    patient: Path | None = None
    limits: Limits = field(default_factory=Limits)  # what rendering and layout may take


@dataclass(frozen=True)
class BuildResult:
    pdf: bytes
    pages: int  # pages in the file: for a booklet, sides of the sheets
    findings: tuple[Finding, ...] = ()  # what the checks found that did not stop the build
    booklet_pages: int | None = None  # a booklet's own (A5) pages, before imposition


# How many font sets this process has made with each fallback family (its faces' files).
_fallback_sets: Counter[tuple[Path, ...]] = Counter()


def load_fonts(theme: Theme) -> FontSet:
    """The theme's body and fallback families, registered once per process, and the
    bundled CJK family, registered when a text first needs it. The fallback faces wait
    until one is drawn with, unless this process has built with them before: a build lays
    out in a child process (leaflet/limits.py), and what the child registers goes with
    it, so a process that builds again registers them here once, for every later child."""
    folder = data_dir("fonts")
    families = {}
    for role in ("body", "fallback"):
        files = theme.font_files(role)
        for style, name in files.items():
            if not (folder / name).is_file():
                key = f"fonts.{role}.{style}"
                raise ThemeError(Problem(str(theme.source), None, key,
                                         f"font file {name!r} not found in {folder}"))
        families[role] = load_family(folder, files)
    paths = tuple(face.path for face in families["fallback"].faces.values())
    _fallback_sets[paths] += 1
    if _fallback_sets[paths] > 1:
        register(families["fallback"])
    cjk = folder / CJK_FOLDER  # registered only when a text needs it
    return FontSet(families["body"], families["fallback"], cjk if cjk.is_dir() else None)


def check_coverage(content: Content, fonts: FontSet) -> None:
    """Every character of every text must be drawable: name each one that is not."""
    problems = []
    for path, text in content.reader_texts:
        for char in fonts.missing(text):
            problems.append(Problem(content.name, content.lines.get(path), path,
                                    f"{describe_char(char)} is in none of the bundled fonts; "
                                    "replace it with words or a character they have"))
    if problems:
        raise FontError(problems)


def check_patient_coverage(patient: Patient, fonts: FontSet) -> None:
    """A patient's name in a script no bundled font has must fail, not print empty boxes."""
    problems = [patient.problem(path, f"{describe_char(char)} is in none of the bundled "
                                      "fonts; write it with characters they have")
                for path, text in patient.reader_texts for char in fonts.missing(text)]
    if problems:
        raise FontError(problems)

def check_drawable(content: Content, patient: Patient | None, fonts: FontSet) -> None:
    """The content's and the patient's every character, in one of the bundled fonts."""
    check_coverage(content, fonts)
    if patient:
        check_patient_coverage(patient, fonts)


def check_draft_notice(content: Content, document: Document,
                       template_set: TemplateSet) -> None:
    """Content nobody has approved must say so on every page; a template set that prints
    no header for it would hand out a draft as if it were final."""
    if not content.approved and not document.header:
        raise TemplateError(Problem(
            str(template_set.folder / MAIN_TEMPLATE), None, None,
            "the content is not approved, but the template set prints no draft notice: give "
            "unapproved content a <header> (see the draft_notice block of the default set)"))


def metadata_for(content: Content, title: str, language: str) -> Metadata:
    medicine = content.data["medicine"]
    product = " ".join(filter(None, (medicine["name"], medicine.get("strength"),
                                     medicine["form"])))
    keywords = (medicine["name"], medicine["active_substance"], "patient information leaflet")
    source = content.data["leaflet"].get("source")
    if source:  # an imported leaflet says where its text came from, in /Info and XMP alike
        details = [source["format"], *(f"{label} {source[key]}" for key, label in
                   (("id", "document"), ("version", "version"), ("date", "dated"))
                   if key in source)]
        product = f"{product}; imported from {source['file']} ({', '.join(details)})"
    return Metadata(title=title, subject=product, author=content.data["leaflet"]["author"],
                    keywords=tuple(dict.fromkeys(keywords)), language=language)


def verifier(theme: Theme, profile: Profile,
             imposition: tuple[tuple[float, float], tuple[tuple[float, float], ...]] | None
             = None, remember: bool = False) -> Callable[[bytes], None]:
    """A check of a finished PDF against the profile; raises LayoutError naming each page.
    ``imposition``: the sheet size and where each page is placed on a sheet, for a
    booklet, whose text must lie inside the margins of one of the pages on the sheet.
    ``remember``: see inspect_built (for a batch, whose leaflets share pages)."""
    margins = tuple(theme.values["page"]["margins_mm"][side]
                    for side in ("top", "right", "bottom", "left"))
    page_size, areas = theme.page_size, None
    if imposition is not None:
        page_size, placed = imposition
        areas = tuple(text_area(origin, theme.page_size, margins) for origin in placed)
    expect = Expectations(profile.minimum_size, profile.minimum_line_spacing_mm,
                          page_size, margins)

    def verify(pdf: bytes) -> None:
        found = violations(inspect_built(pdf, margins, areas, remember), expect)
        if found:
            raise LayoutError([Problem(str(theme.source), None, f"profile {profile.name}",
                                       message) for message in found])

    return verify


def build_pdf(content_path: Path | str, options: BuildOptions = BuildOptions()) -> BuildResult:
    """Load, validate, render, lay out, verify and finish; raises a LeafletError on bad input.

    No content checks: this renders whatever follows the content format (a preview).
    ``build`` is the gate that refuses to write a leaflet the checks find errors in."""
    return render_content(load_content(content_path), resolve_set(options.template), options)


def render_content(content: Content, template_set: TemplateSet,
                   options: BuildOptions) -> BuildResult:
    settings = print_settings(template_set, options.layout, options.profile, options.paper)
    patient = read_patient(options.patient, content) if options.patient else None
    if patient and (settings.layout.booklet or options.max_pages):
        raise UsageError(Problem("--patient", None, None, "a personalised leaflet is printed "
                                 "flat: leave out --layout booklet and --max-pages"))
    if settings.layout.booklet:  # pypdf imposes the sheets: imported here, not in the child
        import leaflet.pdf.impose  # noqa: F401
    fonts = load_fonts(settings.theme)
    # read once here, kept for the next build, with the fonts its words need
    fonts.load_cjk_for(chain(content_wording(content, template_set).texts(),
                             (text for _, text in content.reader_texts)))
    load_templates(template_set)  # likewise compiled once here, not in every child
    if (content.data.get("leaflet") or {}).get("online_url"):
        load_qr_code()  # and the QR code its address is printed with
    check_drawable(content, patient, fonts)
    return run_limited(
        lambda: render(content, template_set, settings, fonts, patient, options.max_pages),
        options.limits, limit_stops(template_set, options.limits))


def limit_stops(template_set: TemplateSet, limits: Limits) -> OnLimit:
    """The error for a limit hit while rendering with ``template_set``: the set, the limit
    and, when the work was in a template at the time, which template and line."""

    def stopped(stop: Stop, exc: BaseException | None) -> LimitError:
        where = template_position(template_set, exc) if exc is not None else None
        return limit_error(stop, limits, template_set.label, where)

    return stopped


def read_patient(path: Path, content: Content) -> Patient:
    """The patient file, read and checked. The modules that make a patient's pages are
    imported here, in this process, and only for a build with a patient: imported in the
    child that renders, they would be imported again for every build."""
    import leaflet.personal.personalise  # noqa: F401  # used by the child: see above
    from leaflet.personal.patient import load_patient

    return load_patient(path, content)


def document_for(content: Content, template_set: TemplateSet, patient: Patient | None
                 ) -> tuple[Document, Metadata, Locator]:
    """The document tree both outputs are made from, in the content's language: the PDF and
    the HTML companion can then never say different things."""
    wording = content_wording(content, template_set)
    personal = None
    if patient:
        from leaflet.personal.patient import template_context  # see read_patient

        personal = template_context(patient, content, wording)
    markup = render_markup(content, template_set, personal)
    locate = markup_locator(markup, template_set)
    document = parse_markup(markup, locate)
    check_draft_notice(content, document, template_set)
    return document, metadata_for(content, document.title, document.lang), locate


def render(content: Content, template_set: TemplateSet, settings: PrintSettings,
           fonts: FontSet, patient: Patient | None = None,
           max_pages: int | None = None, remember: bool = False) -> BuildResult:
    """The finished leaflet, proved. ``remember``, for a process that makes many
    personalised leaflets (a batch worker): see inspect_built."""
    document, metadata, locate = document_for(content, template_set, patient)

    def lay_out(theme: Theme) -> Layout:
        return Layout(theme, fonts, lambda line: locate(line, ""), template_set.image)

    if patient:
        from leaflet.personal.personalise import render_personalised  # see read_patient

        main_template = str(template_set.folder / MAIN_TEMPLATE)
        pdf, pages = render_personalised(document, main_template, lay_out(settings.theme),
                                         metadata, verifier(settings.theme, settings.profile,
                                                            remember=remember))
        return BuildResult(pdf, pages)
    theme = settings.theme
    laid = lay_out(theme).render(document, metadata)
    if max_pages and laid.pages > max_pages:
        theme, laid = _fit(document, metadata, settings, lay_out, max_pages)
    if settings.layout.booklet:
        from leaflet.pdf.impose import (  # see render_content
            SHEET,
            impose,
            placements,
            saddle_stitch,
        )

        sheets = finish(impose(laid.pdf), metadata, None)  # printed sheets: not tagged
        verifier(theme, settings.profile, (SHEET, placements(theme.page_size)))(sheets)
        return BuildResult(sheets, len(saddle_stitch(laid.pages)), booklet_pages=laid.pages)
    finished = finish(laid.pdf, metadata, laid.tree)
    verifier(theme, settings.profile)(finished)  # what is written, not what was meant
    return BuildResult(finished, laid.pages)


def _tighter(theme: Theme, profile: Profile) -> list[dict[str, object]]:
    """Theme changes to try in turn: less space first, then smaller type, never below the
    profile's minimum, headings always 2 pt above the body."""
    values = theme.values
    spacing = values["spacing_mm"]
    sizes = values["type"]
    tries: list[dict[str, object]] = [
        {"spacing_mm": {k: spacing[k] * factor for k in ("paragraph", "section", "box_padding")},
         "type": {"line_spacing": max(1.2, sizes["line_spacing"] * (0.9 if factor < 0.7 else 1))}}
        for factor in (0.75, 0.5)]
    body = sizes["body_size"] - SIZE_STEP
    while body >= profile.minimum_size - 1e-9:
        shrink = body / sizes["body_size"]
        tries.append({**tries[-1], "type": {
            **tries[-1]["type"],  # type: ignore[dict-item]
            "body_size": body,
            "small_size": max(profile.minimum_size, min(sizes["small_size"], body)),
            **{f"h{level}_size": max(body + 2, sizes[f"h{level}_size"] * shrink)
               for level in (1, 2, 3)}}})
        body -= SIZE_STEP
    return tries


def _fit(document: Document, metadata: Metadata, settings: PrintSettings,
         lay_out: Callable[[Theme], Layout], max_pages: int) -> tuple[Theme, LaidOut]:
    """The first theme in ``_tighter`` that fits; if none does, say what it would take."""
    pages = 0
    for changes in _tighter(settings.theme, settings.profile):
        theme = settings.theme.derive(changes, Walk(file=str(settings.theme.source)))
        laid = lay_out(theme).render(document, metadata)
        pages = laid.pages
        if pages <= max_pages:
            return theme, laid
    raise LayoutError(Problem(
        "--max-pages", None, None,
        f"the leaflet does not fit on {max_pages} page(s): it needs {pages} at the smallest "
        f"type the {settings.profile.name} profile allows ({settings.profile.minimum_size:g} pt) "
        "and the tightest spacing; allow more pages or shorten the content"))


def build(content_path: Path | str, output: Path | str,
          options: BuildOptions = BuildOptions(), today: date | None = None) -> BuildResult:
    """Check, build and write ``output`` atomically; check errors (and with ``strict``,
    warnings) stop it, and a failed build leaves any old file untouched."""
    return _pdf_of(build_outputs(content_path, Path(output), None, options, today))


def _pdf_of(outputs: Outputs) -> BuildResult:
    """The PDF's result of outputs that were asked for a PDF, with the checks' findings."""
    assert outputs.pdf is not None
    return replace(outputs.pdf, findings=outputs.findings)


def build_inputs(content: Path, patient: Path | None,
                 template_set: TemplateSet) -> Iterator[Input]:
    """Every file a build reads, so that its output never replaces one of them."""
    yield Input(content, "the content file")
    if patient is not None:
        yield Input(patient, "the patient file")
    for name, folder in template_set.chain:
        yield from files_in(folder, f"a file of template set {name!r}")
    yield from files_in(data_dir("fonts"), "a bundled font")


def checked_content(path: Path | str, checker: Checker,
                    strict: bool = False) -> tuple[Content, FileReport]:
    """The content of a file that follows the format and passes the checks (with ``strict``,
    without warnings either); CheckError lists every error otherwise."""
    parsed = parse_content(path)
    if parsed.content is None:
        raise ContentError(parsed.problems)
    report = checker.check_parsed(parsed, str(path))
    if strict:
        report = report.strict()
    if not report.passed:
        raise CheckError([Problem(f.file, f.line, f.key, f.message) for f in report.errors()])
    return parsed.content, report


@dataclass(frozen=True)
class Outputs:
    """What ``build_outputs`` wrote: the PDF's result (None when only the HTML was asked
    for) and the HTML page (None when it was not)."""

    pdf: BuildResult | None
    html: bytes | None
    findings: tuple[Finding, ...] = ()


def build_outputs(content_path: Path | str, pdf_output: Path | None, html_output: Path | None,
                  options: BuildOptions = BuildOptions(), today: date | None = None) -> Outputs:
    """``build``, writing the PDF, the HTML companion or both. Both are made before either
    is written, so a failed build writes neither and leaves old files untouched."""
    return _written(content_path, pdf_output, html_output, options, today, _here)


def _here(function: Callable[..., R], *args: object) -> R:
    return function(*args)


def _written(content_path: Path | str, pdf_output: Path | None, html_output: Path | None,
             options: BuildOptions, today: date | None, run: Runner) -> Outputs:
    """The outputs, made by ``run`` (here, or in a Builder's worker) and written here."""
    outputs = [path for path in (pdf_output, html_output) if path is not None]
    if pdf_output is not None and html_output is not None and \
            pdf_output.resolve() == html_output.resolve():
        raise UsageError(Problem(str(html_output), None, None,
                                 "the HTML and the PDF would be the same file; give each its "
                                 "own name"))
    template_set = resolve_set(options.template)
    check_outputs(outputs, build_inputs(Path(content_path), options.patient, template_set))
    made = run(made_outputs, content_path, template_set, pdf_output is not None,
               html_output is not None, options, today or date.today())
    raise_if_stopped()  # a stop the work swallowed still stops the build before it writes
    if made.html is not None and html_output is not None:
        write_atomically(made.html, html_output)
    if made.pdf is not None and pdf_output is not None:
        write_atomically(made.pdf.pdf, pdf_output)
    return made


def made_outputs(content_path: Path | str, template_set: TemplateSet, pdf: bool, html: bool,
                 options: BuildOptions, today: date) -> Outputs:
    """The content checked, then the PDF, the HTML companion or both made, not written."""
    checker = Checker(template_set, today, readability=options.strict)
    content, report = checked_content(content_path, checker, options.strict)
    page = render_html(content, template_set, options) if html else None
    result = render_content(content, template_set, options) if pdf else None
    return Outputs(result, page, report.findings)


class Builder:
    """Builds one leaflet after another in a process kept for them (limited_worker.py),
    for a program that makes many: each build then skips the fork `build` makes for its
    limited part, and the worker keeps what it loaded. It was forked at the first build
    and does not see what this process changes in itself later. Close it when done, or
    use it as a context manager."""

    def __init__(self) -> None:
        self._worker: LimitedWorker | None = None
        self._lock = threading.Lock()  # threads building at once share one worker slot

    def build(self, content_path: Path | str, output: Path | str,
              options: BuildOptions = BuildOptions(), today: date | None = None) -> BuildResult:
        """As ``build``."""
        return _pdf_of(self.build_outputs(content_path, Path(output), None, options, today))

    def build_outputs(self, content_path: Path | str, pdf_output: Path | None,
                      html_output: Path | None, options: BuildOptions = BuildOptions(),
                      today: date | None = None) -> Outputs:
        """As ``build_outputs``."""
        return _written(content_path, pdf_output, html_output, options, today,
                        self._worker_for(options.limits).call)

    def build_pdf(self, content_path: Path | str,
                  options: BuildOptions = BuildOptions()) -> BuildResult:
        """As ``build_pdf``."""
        return self._worker_for(options.limits).call(build_pdf, content_path, options)

    @property
    def worker(self) -> LimitedWorker | None:
        """The process builds are now sent to, if one has been started."""
        return self._worker

    def close(self) -> None:
        """End the worker and wait for it; a later build starts another."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None

    def __enter__(self) -> Builder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _worker_for(self, limits: Limits) -> LimitedWorker:
        """The worker for builds under ``limits``: its memory limit is set for good, so
        builds under other limits replace it."""
        with self._lock:
            if self._worker is None or self._worker.limits != limits:
                self._close()
                self._worker = LimitedWorker(limits)
            return self._worker


def render_html(content: Content, template_set: TemplateSet, options: BuildOptions) -> bytes:
    """The HTML companion, from the same markup and document tree as the PDF, rendered
    under the same limits; a patient's own section comes first, as in the PDF."""
    settings = print_settings(template_set, options.layout, options.profile, options.paper)
    patient = read_patient(options.patient, content) if options.patient else None
    # what the PDF could not print, the page does not show either: content that builds one
    # way builds the other (the check reads the fonts' character maps, no face is loaded)
    check_drawable(content, patient, load_fonts(settings.theme))
    from leaflet.html import html_page  # only for the HTML companion, imported before the child

    def page() -> bytes:
        document, metadata, locate = document_for(content, template_set, patient)
        own = None
        if patient:
            from leaflet.personal.personalise import split  # see read_patient

            own, document = split(document, str(template_set.folder / MAIN_TEMPLATE))
        return html_page(document, metadata, settings.theme,
                         content_wording(content, template_set), template_set.image,
                         lambda line: locate(line, ""), own)

    return run_limited(page, options.limits, limit_stops(template_set, options.limits))

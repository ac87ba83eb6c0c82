"""The whole pipeline in one call: content -> markup -> document -> PDF bytes -> file."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from leaflet.check import Checker, Finding
from leaflet.content import Content, load_content, parse_content
from leaflet.errors import (
    CheckError,
    ContentError,
    FontError,
    Problem,
    TemplateError,
    ThemeError,
)
from leaflet.finish import Metadata, check_output_path, finish, write_atomically
from leaflet.fonts import FontSet, describe_char, load_family
from leaflet.layout import Layout
from leaflet.markup import Document, parse_markup
from leaflet.resources import data_dir
from leaflet.templates import (
    MAIN_TEMPLATE,
    TemplateSet,
    markup_locator,
    render_markup,
    resolve_set,
)
from leaflet.theme import Theme


@dataclass(frozen=True)
class BuildOptions:
    """What the user chose on the command line; None means 'as the theme says'."""

    template: str = "default"
    paper: str | None = None
    strict: bool = False  # check warnings stop the build too


@dataclass(frozen=True)
class BuildResult:
    pdf: bytes
    pages: int
    findings: tuple[Finding, ...] = ()  # what the checks found that did not stop the build


def load_fonts(theme: Theme) -> FontSet:
    """The theme's body and fallback families, registered once per process."""
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
    return FontSet(families["body"], families["fallback"])


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
    return Metadata(title=title, subject=product, author=content.data["leaflet"]["author"],
                    keywords=tuple(dict.fromkeys(keywords)), language=language)


def build_pdf(content_path: Path | str, options: BuildOptions = BuildOptions()) -> BuildResult:
    """Load, validate, render, lay out and finish; raises a LeafletError on bad input.

    No checks: this renders whatever follows the content format (a preview). ``build``
    is the gate that refuses to write a leaflet the checks find errors in."""
    return render_content(load_content(content_path), resolve_set(options.template), options)


def render_content(content: Content, template_set: TemplateSet,
                   options: BuildOptions) -> BuildResult:
    theme = template_set.theme.with_paper(options.paper) if options.paper \
        else template_set.theme
    fonts = load_fonts(theme)
    check_coverage(content, fonts)
    return render(content, template_set, theme, fonts)


def render(content: Content, template_set: TemplateSet, theme: Theme,
           fonts: FontSet) -> BuildResult:
    markup = render_markup(content, template_set)
    locate = markup_locator(markup, template_set)
    document = parse_markup(markup, locate)
    check_draft_notice(content, document, template_set)
    layout = Layout(theme, fonts, lambda line: locate(line, ""), template_set.image)
    metadata = metadata_for(content, document.title, document.lang)
    raw, pages = layout.render(document, metadata)
    return BuildResult(finish(raw, metadata), pages)


def build(content_path: Path | str, output: Path | str,
          options: BuildOptions = BuildOptions(), today: date | None = None) -> BuildResult:
    """Check, build and write ``output`` atomically; check errors (and with ``strict``,
    warnings) stop it, and a failed build leaves any old file untouched."""
    output = Path(output)
    check_output_path(output)
    parsed = parse_content(content_path)
    if parsed.content is None:
        raise ContentError(parsed.problems)
    template_set = resolve_set(options.template)
    checker = Checker(template_set, today or date.today(), readability=options.strict)
    report = checker.check_parsed(parsed, str(content_path))
    if options.strict:
        report = report.strict()
    if not report.passed:
        raise CheckError([Problem(f.file, f.line, f.key, f.message) for f in report.errors()])
    result = render_content(parsed.content, template_set, options)
    write_atomically(result.pdf, output)
    return replace(result, findings=report.findings)

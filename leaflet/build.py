"""The whole pipeline in one call: content -> markup -> document -> PDF bytes -> file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from leaflet.content import Content, load_content
from leaflet.errors import FontError, Problem, ThemeError
from leaflet.finish import Metadata, check_output_path, finish, write_atomically
from leaflet.fonts import FontSet, describe_char, load_family
from leaflet.layout import Layout
from leaflet.markup import parse_markup
from leaflet.patient import Patient, load_patient, template_context
from leaflet.personalise import render_personalised
from leaflet.resources import data_dir
from leaflet.templates import MAIN_TEMPLATE, TemplateSet, markup_locator, render_markup, resolve_set
from leaflet.theme import Theme


@dataclass(frozen=True)
class BuildOptions:
    """What the user chose on the command line; None means 'as the theme says'."""

    template: str = "default"
    paper: str | None = None
    patient: Path | None = None


@dataclass(frozen=True)
class BuildResult:
    pdf: bytes
    pages: int


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


def check_patient_coverage(patient: Patient, fonts: FontSet) -> None:
    """A patient's name in a script no bundled font has must fail, not print empty boxes."""
    problems = [patient.problem(path, f"{describe_char(char)} is in none of the bundled "
                                      "fonts; write it with characters they have")
                for path, text in patient.reader_texts for char in fonts.missing(text)]
    if problems:
        raise FontError(problems)


def metadata_for(content: Content, title: str, language: str) -> Metadata:
    medicine = content.data["medicine"]
    product = " ".join(filter(None, (medicine["name"], medicine.get("strength"),
                                     medicine["form"])))
    keywords = (medicine["name"], medicine["active_substance"], "patient information leaflet")
    return Metadata(title=title, subject=product, author=content.data["leaflet"]["author"],
                    keywords=tuple(dict.fromkeys(keywords)), language=language)


def build_pdf(content_path: Path | str, options: BuildOptions = BuildOptions()) -> BuildResult:
    """Load, validate, render, lay out and finish; raises a LeafletError on bad input."""
    content = load_content(content_path)
    patient = load_patient(options.patient, content) if options.patient else None
    template_set = resolve_set(options.template)
    theme = template_set.theme.with_paper(options.paper) if options.paper \
        else template_set.theme
    fonts = load_fonts(theme)
    check_coverage(content, fonts)
    if patient:
        check_patient_coverage(patient, fonts)
    return render(content, template_set, theme, fonts, patient)


def render(content: Content, template_set: TemplateSet, theme: Theme,
           fonts: FontSet, patient: Patient | None = None) -> BuildResult:
    personal = template_context(patient, content) if patient else None
    markup = render_markup(content, template_set, personal)
    locate = markup_locator(markup, template_set)
    document = parse_markup(markup, locate)
    layout = Layout(theme, fonts, lambda line: locate(line, ""))
    metadata = metadata_for(content, document.title, document.lang)
    if patient:
        main_template = str(template_set.folder / MAIN_TEMPLATE)
        return BuildResult(*render_personalised(document, main_template, layout, metadata))
    raw, pages = layout.render(document, metadata)
    return BuildResult(finish(raw, metadata), pages)


def build(content_path: Path | str, output: Path | str,
          options: BuildOptions = BuildOptions()) -> BuildResult:
    """Build and write ``output`` atomically; a failed build leaves any old file untouched."""
    output = Path(output)
    check_output_path(output)
    result = build_pdf(content_path, options)
    write_atomically(result.pdf, output)
    return result

"""Template and markup mistakes are reported with the template file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import BACLOFEN

from leaflet.build import BuildOptions, build_pdf
from leaflet.errors import MarkupError, TemplateError
from leaflet.resources import data_dir


@pytest.fixture
def template_copy(tmp_path) -> Path:
    folder = tmp_path / "mine"
    shutil.copytree(data_dir("templates") / "default", folder)
    return folder


def edit(folder: Path, name: str, old: str, new: str) -> int:
    """Replace text in a template; return the line the new text is on."""
    path = folder / name
    text = path.read_text("utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text, "utf-8")
    return next(n for n, line in enumerate(text.splitlines(), 1) if new.splitlines()[0] in line)


def problems(exc_info) -> list[str]:
    return [str(p) for p in exc_info.value.problems]


def test_unknown_tag_names_template_and_line(template_copy):
    line = edit(template_copy, "sections/storage.xml.j2", "<ul>", "<blink>hello</blink>\n<ul>")
    with pytest.raises(MarkupError) as exc:
        build_pdf(BACLOFEN, BuildOptions(template=str(template_copy)))
    assert problems(exc) == [f"sections/storage.xml.j2:{line}: unknown tag <blink>; known tags: "
                             "aside, br, em, footer, h1, h2, h3, header, img, li, ol, p, "
                             "page-count, page-number, qr-code, section, strong, table, td, th, "
                             "tr, ul"]


def test_unclosed_tag_names_template(template_copy):
    line = edit(template_copy, "sections/missed_dose.xml.j2", "<p>{{ text }}</p>",
                "<p>{{ text }}")
    with pytest.raises(MarkupError) as exc:
        build_pdf(BACLOFEN, BuildOptions(template=str(template_copy)))
    assert problems(exc) == [f"sections/missed_dose.xml.j2:{line}: malformed markup: <p> is not "
                             "closed before the next closing tag"]


def test_misspelt_field_names_template_and_line(template_copy):
    line = edit(template_copy, "sections/overdose.xml.j2", "overdose.signs", "overdose.sings")
    with pytest.raises(TemplateError) as exc:
        build_pdf(BACLOFEN, BuildOptions(template=str(template_copy)))
    assert problems(exc) == [f"sections/overdose.xml.j2:{line}: 'dict object' has no attribute "
                             "'sings'; check the field name against the content format "
                             "(leaflet schema)"]


def test_jinja_syntax_error_names_template_and_line(template_copy):
    line = edit(template_copy, "sections/storage.xml.j2", "{% endfor %}", "{% endfor %}{{ 1 + }}")
    with pytest.raises(TemplateError) as exc:
        build_pdf(BACLOFEN, BuildOptions(template=str(template_copy)))
    [message] = problems(exc)
    assert message.startswith(f"sections/storage.xml.j2:{line}: template syntax error: ")


def test_content_markup_is_text_not_tags(write_content):
    from pdfread import body_text

    path = write_content(lambda d: d["sections"]["storage"].append("</ul><blink>x</blink>"))
    assert "</ul><blink>x</blink>" in body_text(build_pdf(path).pdf)


def test_unknown_template_set(tmp_path):
    with pytest.raises(TemplateError) as exc:
        build_pdf(BACLOFEN, BuildOptions(template="nope"))
    assert problems(exc) == ["nope: no such template set; built-in sets: default, us-medguide"]

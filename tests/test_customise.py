"""A clinic makes the leaflet its own: every step of the walkthrough in docs/customising.md,
the lookup order, theme checks and the hostile-template battery."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import BACLOFEN
from pdfread import body_text, reader

from leaflet.build import BuildOptions, build_pdf
from leaflet.cli import main
from leaflet.errors import LimitError, MarkupError, TemplateError, ThemeError
from leaflet.limits import Limits
from leaflet.render import templates
from leaflet.render.markup import parse_markup
from leaflet.resources import data_dir

BUILTIN = data_dir("templates").resolve()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def build_text(content: Path, template: Path | str, **options) -> str:
    return body_text(build_pdf(content, BuildOptions(template=str(template), **options)).pdf)


def png(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (240, 80), (90, 45, 130)).save(path)
    return path


@pytest.fixture
def clinic(tmp_path) -> Path:
    folder = tmp_path / "my-clinic"
    folder.mkdir()
    return folder


# lookup order


def test_lookup_order_is_user_folder_then_parents_then_default(clinic):
    write(clinic, "theme.yaml", "extends: us-medguide\n")
    chain = templates.resolve_set(str(clinic)).search_path
    assert chain == [clinic.resolve(), BUILTIN / "us-medguide", BUILTIN / "default"]


def test_a_folder_without_a_theme_extends_default(clinic):
    write(clinic, "sections/storage.xml.j2", "<h2>{{ number }}. {{ title }}</h2>\n")
    assert templates.resolve_set(str(clinic)).search_path == [clinic.resolve(),
                                                              BUILTIN / "default"]


def test_sets_that_extend_each_other_in_a_circle(tmp_path):
    write(tmp_path / "a", "theme.yaml", f"extends: {tmp_path / 'b'}\n")
    write(tmp_path / "b", "theme.yaml", f"extends: {tmp_path / 'a'}\n")
    with pytest.raises(TemplateError, match="extend each other in a circle"):
        templates.resolve_set(str(tmp_path / "a"))



def test_a_set_is_read_again_when_anything_it_was_read_from_changes(clinic, tmp_path):
    """A process keeps each resolved set, and must see an edit at once: even one within
    the file system's clock tick that leaves the theme's size as it was."""
    write(clinic, "theme.yaml", 'colours:\n  heading: "#5a2d82"\n')
    assert templates.resolve_set(str(clinic)).theme.values["colours"]["heading"] == "#5a2d82"
    write(clinic, "theme.yaml", 'colours:\n  heading: "#2d5a82"\n')
    assert templates.resolve_set(str(clinic)).theme.values["colours"]["heading"] == "#2d5a82"
    write(tmp_path / "parent", "theme.yaml", "type:\n  body_size: 10\n")
    write(clinic, "theme.yaml", f"extends: {tmp_path / 'parent'}\n")
    assert templates.resolve_set(str(clinic)).theme.values["type"]["body_size"] == 10
    write(tmp_path / "parent", "theme.yaml", "type:\n  body_size: 11\n")  # a parent's edit
    assert templates.resolve_set(str(clinic)).theme.values["type"]["body_size"] == 11
    (clinic / "theme.yaml").unlink()
    assert templates.resolve_set(str(clinic)).search_path == [clinic.resolve(),
                                                              BUILTIN / "default"]
    png(clinic / "logo.png")
    write(clinic, "theme.yaml", "logo: logo.png\n")
    assert templates.resolve_set(str(clinic)).theme.logo is not None
    (clinic / "logo.png").unlink()
    with pytest.raises(ThemeError, match="logo"):
        templates.resolve_set(str(clinic))



def test_a_set_named_through_a_link_follows_the_link_when_it_is_repointed(tmp_path,
                                                                          monkeypatch):
    """A deployment's `current -> release-2`, for the set and for a parent it extends."""
    for release, colour in (("release-1", "#5a2d82"), ("release-2", "#2d5a82")):
        write(tmp_path / release / "clinic", "theme.yaml", f'colours:\n  heading: "{colour}"\n')
        write(tmp_path / release / "child", "theme.yaml", "extends: current/clinic\n")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "current").symlink_to(tmp_path / "release-1")
    assert templates.resolve_set("current/clinic").theme.values["colours"]["heading"] \
        == "#5a2d82"
    assert templates.resolve_set(str(tmp_path / "release-2" / "child")).search_path[1] \
        == tmp_path / "release-1" / "clinic"
    (tmp_path / "current").unlink()
    (tmp_path / "current").symlink_to(tmp_path / "release-2")
    assert templates.resolve_set("current/clinic").theme.values["colours"]["heading"] \
        == "#2d5a82"
    assert templates.resolve_set(str(tmp_path / "release-2" / "child")).search_path[1] \
        == tmp_path / "release-2" / "clinic"


def test_a_built_in_set_resolves_from_a_folder_that_is_gone(tmp_path, monkeypatch):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    assert templates.resolve_set("default").search_path == [BUILTIN / "default"]


# the walkthrough's steps


def test_step_colours_and_logo(clinic):
    png(clinic / "logo.png")
    write(clinic, "theme.yaml", 'extends: default\nlogo: logo.png\n'
                                'colours:\n  heading: "#5a2d82"\n')
    pdf = build_pdf(BACLOFEN, BuildOptions(template=str(clinic))).pdf
    first = reader(pdf).pages[0]
    assert len(first.images) == 1
    assert b".352941 .176471 .509804 rg" in first.get_contents().get_data()


def test_step_reword_one_heading_changes_only_that_section(clinic):
    source = (BUILTIN / "default/sections/missed_dose.xml.j2").read_text("utf-8")
    write(clinic, "sections/missed_dose.xml.j2",
          source.replace("If you forget to take {{ name }}", "Forgot a dose?"))
    default = build_text(BACLOFEN, "default")
    mine = build_text(BACLOFEN, clinic)
    assert "Forgot a dose?" in mine and "If you forget to take Baclofen" not in mine
    assert mine.replace("Forgot a dose?", "If you forget to take Baclofen") == default


def test_step_add_a_section_of_your_own(clinic, write_content):
    content = write_content(lambda d: d.update(extra_sections={"travel": {
        "title": "Travelling with baclofen",
        "paragraphs": ["Take enough tablets for your whole trip."],
        "items": ["Keep them in your hand luggage."]}}))
    assert "Travelling with baclofen" in build_text(content, "default")
    write(clinic, "sections/travel.xml.j2",
          "<h2>✈ {{ extra.title }}</h2>\n<aside class=\"important\">\n"
          "{% for text in extra.paragraphs %}<p>{{ text }}</p>{% endfor %}\n"
          "<ul>{% for item in extra['items'] %}<li>{{ item }}</li>{% endfor %}</ul>\n"
          "</aside>\n")
    write(clinic, "leaflet.xml.j2",
          '{% extends "!default/leaflet.xml.j2" %}\n'
          "{% block extra_sections %}\n"
          "{% for id, extra in extra_sections.items() %}\n"
          '<section id="{{ id }}">{% include "sections/" ~ id ~ ".xml.j2" %}</section>\n'
          "{% endfor %}\n{% endblock %}\n")
    text = build_text(content, clinic)
    assert "✈ Travelling with baclofen" in text
    assert "Keep them in your hand luggage." in text


def test_step_reorder_sections_renumbers_them(clinic):
    source = (BUILTIN / "default/settings.xml.j2").read_text("utf-8")
    write(clinic, "settings.xml.j2", source.replace(
        '"side_effects", "storage"', '"storage", "side_effects"'))
    text = build_text(BACLOFEN, clinic)
    assert text.index("4. How to store Baclofen") < text.index("5. Possible side effects")
    assert "See section 5." in text


def test_step_print_your_clinic_phone_number(clinic):
    write(clinic, "theme.yaml", "extends: default\norganisation:\n"
                                "  name: Riverside Pharmacy\n  phone: 01632 960 123\n")
    text = build_text(BACLOFEN, clinic)
    assert "Riverside Pharmacy" in text and "Phone: 01632 960 123" in text


def test_replace_one_block_of_the_parent(clinic):
    write(clinic, "leaflet.xml.j2",
          '{% extends "!default/leaflet.xml.j2" %}\n{% block footer %}'
          "<footer>Riverside Pharmacy · Page <page-number/> of <page-count/></footer>"
          "{% endblock %}\n")
    pdf = build_pdf(BACLOFEN, BuildOptions(template=str(clinic))).pdf
    assert "Riverside Pharmacy · Page 1 of" in reader(pdf).pages[0].extract_text()


def test_init_copy_builds_to_the_same_bytes(tmp_path, capsys):
    assert main(["templates", "init", str(tmp_path / "copy")]) == 0
    copied = build_pdf(BACLOFEN, BuildOptions(template=str(tmp_path / "copy"))).pdf
    assert copied == build_pdf(BACLOFEN).pdf
    assert main(["templates", "init", str(tmp_path / "copy")]) == 2
    assert "already exists" in capsys.readouterr().err


def test_templates_list(capsys):
    assert main(["templates", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["default", "us-medguide"]


# the second built-in set


def test_us_medguide_and_default_are_both_complete_and_worded_apart(baclofen_data):
    from test_build import missing_strings

    us = build_pdf(BACLOFEN, BuildOptions(template="us-medguide")).pdf
    eu = build_pdf(BACLOFEN).pdf
    assert missing_strings(us, baclofen_data) == []
    assert missing_strings(eu, baclofen_data) == []
    us_text, eu_text = body_text(us), body_text(eu)
    assert us_text.startswith("Medication Guide")
    assert "What is the most important information I should know about Baclofen?" in us_text
    assert "Who should not take Baclofen?" in us_text
    assert "Package leaflet: Information for the patient" in eu_text
    assert "1. What Baclofen is and what it is used for" in eu_text
    assert "Who should not take" not in eu_text
    questions = ["most important information", "What is Baclofen?", "Who should not take",
                 "tell my healthcare provider", "How should I take", "What should I avoid",
                 "possible side effects of", "How should I store", "General information",
                 "What are the ingredients"]
    positions = [us_text.index(q) for q in questions]
    assert positions == sorted(positions)


def test_us_medguide_text_is_at_least_10pt_on_letter():
    from pdfread import text_runs

    pdf = build_pdf(BACLOFEN, BuildOptions(template="us-medguide")).pdf
    assert min(run.size for run in text_runs(pdf)) >= 10
    assert float(reader(pdf).pages[0].mediabox.width) == pytest.approx(612)


# theme checks


@pytest.mark.parametrize(("theme", "message"), [
    ("extends: default\ncolors:\n  text: '#000000'\n",
     "theme.yaml:2: colors: unknown key; did you mean 'colours'?"),
    ("extends: default\ntype:\n  body_size: 8\n",
     "theme.yaml:3: type.body_size: expected a number from 9 to 30, got 8"),
    ("extends: us-medguide\ntype:\n  body_size: 9.5\n",
     "theme.yaml:3: type.body_size: 9.5 pt is below minimum_size 10 pt"),
    ("extends: default\ncolours:\n  heading: red\n",
     "theme.yaml:3: colours.heading: expected a colour like '#1a1a1a'; got 'red'"),
    ("extends: default\npage:\n  paper: a7\n",
     "theme.yaml:3: page.paper: expected one of: a4, letter, a5; got 'a7'"),
    ("extends: default\nlogo: missing.png\n",
     "theme.yaml:2: logo: image 'missing.png' not found in"),
    ("extends: default\nlogo: theme.yaml\n",
     "theme.yaml:2: logo: 'theme.yaml' is not a PNG or JPEG image"),
    ("extends: default\nlogo: ../outside.png\n",
     "theme.yaml:2: logo: '../outside.png' is outside the template folder"),
])
def test_theme_mistakes_name_file_line_and_key(clinic, theme, message):
    png(clinic.parent / "outside.png")
    write(clinic, "theme.yaml", theme)
    with pytest.raises(ThemeError) as exc:
        build_pdf(BACLOFEN, BuildOptions(template=str(clinic)))
    assert str(exc.value.problems[0]).startswith(f"{clinic / message.split(':')[0]}:"
                                                 + message.split(":", 1)[1])


# hostile templates


HOSTILE = [
    ("{{ ''.__class__.__mro__ }}", TemplateError,
     "not allowed in a template: access to attribute '__class__' of 'str' object is unsafe."),
    ("{{ cycler.__init__.__globals__.os }}", TemplateError,
     "not allowed in a template: access to attribute '__init__'"),
    ("{{ open('/etc/passwd').read() }}", TemplateError, "'open' is undefined"),
    ("{% import 'os' as os %}", TemplateError, "template 'os' not found"),
    ('{% include "../../../../etc/passwd" %}', TemplateError,
     "template '../../../../etc/passwd' not found"),
    ('<img src="../../outside.png" alt="x"/>', MarkupError,
     "image '../../outside.png' not found inside the template folder"),
    ('<img src="/etc/hostname" alt="x"/>', MarkupError,
     "image '/etc/hostname' not found inside the template folder"),
    ("{{ 'x' * 100000000 }}", TemplateError,
     "not allowed in a template: result longer than 5,000,000 items"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
     LimitError, "template set stopped at its time limit of 1 s of CPU time, in "
                 "sections/storage.xml.j2:2; if you trust the set, allow more with --time-limit"),
    ("{% for i in range(100000) %}{{ 'y' * 1000 }}{% endfor %}", TemplateError,
     "template output exceeds 5,000,000 characters; stopped"),
    ("<marquee>hi</marquee>", MarkupError, "unknown tag <marquee>"),
    ("<p>unclosed", MarkupError, "malformed markup: <p> is not closed"),
]


@pytest.mark.parametrize(("snippet", "error", "message"), HOSTILE,
                         ids=[h[2][:40] for h in HOSTILE])
def test_hostile_templates_are_stopped_with_a_clear_error(clinic, snippet, error, message):
    png(clinic.parent / "outside.png")
    source = (BUILTIN / "default/sections/storage.xml.j2").read_text("utf-8")
    write(clinic, "sections/storage.xml.j2", source.replace("<ul>", snippet + "\n<ul>", 1))
    line = 2
    start = time.perf_counter()
    with pytest.raises(error) as exc:
        build_pdf(BACLOFEN, BuildOptions(template=str(clinic), limits=Limits(seconds=1)))
    assert time.perf_counter() - start < 5
    [problem] = exc.value.problems[:1]
    # a limit names the set, and the template and line inside its message
    assert problem.file == (str(clinic) if error is LimitError else "sections/storage.xml.j2")
    assert problem.line in (line, None) or error is MarkupError
    assert message in problem.message


def test_a_failed_template_build_writes_nothing(clinic, tmp_path, capsys):
    write(clinic, "sections/storage.xml.j2", "{{ nonsense.field }}\n")
    out = tmp_path / "out.pdf"
    assert main(["build", str(BACLOFEN), "--template", str(clinic), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.strip() == ("error: sections/storage.xml.j2:1: 'nonsense' is undefined; check "
                           "the field name against the content format (leaflet schema)")
    assert not out.exists()


@pytest.mark.parametrize("words, refused", [(20_000, False), (20_001, True)])
def test_a_paragraph_over_the_limit_is_refused_at_the_first_character_over(words, refused):
    """Markup too short to hold a paragraph over the limit is not measured paragraph by
    paragraph: each side of the limit, a paragraph that fills almost all of it."""
    markup = f'<leaflet lang="en" title="t"><p>{"x" * words}</p></leaflet>'
    if refused:
        with pytest.raises(MarkupError, match="holds 20,001 characters of text"):
            parse_markup(markup, lambda line, needle: ("t.xml", line))
    else:
        document = parse_markup(markup, lambda line, needle: ("t.xml", line))
        assert len(document.blocks[0].inlines[0].text) == words

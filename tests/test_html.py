"""The HTML companion: the same words as the PDF, in a semantic, self-contained page that a
real browser shows legibly at any width, zoom and colour scheme, and that axe-core finds
no WCAG 2.2 AA violation in."""

from __future__ import annotations

import io
import itertools
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po
from browser import Browser, axe_source, chromium_path
from conftest import BACLOFEN, ROOT
from pdfread import body_text, squash
from test_build import SPECIAL, reader_strings
from test_languages import (
    SHIPPED,
    content_texts,
    english_fragments,
    translations,
    with_language,
    write_yaml,
)
from test_patient import PATIENT

from leaflet.build import BuildOptions, build_outputs, render_html
from leaflet.cli import main
from leaflet.errors import TemplateError
from leaflet.html import page as html
from leaflet.html.palette import dark_palette
from leaflet.html.words import CONTEXT, MESSAGES
from leaflet.pdf.layout import inline
from leaflet.render.contrast import contrast_ratio
from leaflet.render.templates import builtin_root, resolve_set
from leaflet.render.wording import CATALOGUE
from leaflet.sources.content import load_content

VOID = {"meta", "br", "img", "link", "input", "hr"}
WCAG = ("wcag2a", "wcag2aa", "wcag21aa", "wcag22aa")
SHOTS = os.environ.get("LEAFLET_SCREENSHOTS")  # a folder to keep the screenshots in
URL = "https://leaflets.example.org/baclofen-10-mg?lang=en-GB&v=2"
LANGUAGES = ("es", "de", "el", "zh")  # Latin, Greek and Chinese script, in a real browser
ONLINE = {"en-GB": "Read this leaflet online: ", "es": "Lea este prospecto en internet: ",
          "de": "Diese Packungsbeilage online lesen: ",
          "el": "Διαβάστε αυτό το φύλλο οδηγιών στο διαδίκτυο: ",
          "zh": "在线阅读本说明书\uff1a"}  # no space after a full-width colon


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.tag, self.attrs, self.children = tag, attrs, []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children
                       if isinstance(c, str) or c.tag not in ("style", "title"))

    def all(self, tag: str | None = None):
        for child in self.children:
            if isinstance(child, Node):
                if tag is None or child.tag == tag:
                    yield child
                yield from child.all(tag)


class Tree(HTMLParser):
    """The page as a tree; fails on a tag closed out of order, so the markup is sound."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]
        self.feed(text)
        self.close()
        assert self.stack == [self.root], [n.tag for n in self.stack]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def page_of(content: Path = BACLOFEN, **options) -> bytes:
    return render_html(load_content(content), resolve_set(options.pop("template", "default")),
                       BuildOptions(**options))


@pytest.fixture(scope="module")
def baclofen_html() -> bytes:
    return page_of()


@pytest.fixture(scope="module")
def patient_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("patient") / "patient.yaml"
    path.write_text(PATIENT, "utf-8")
    return path


@pytest.fixture(scope="module")
def patient_html(patient_file) -> bytes:
    return page_of(patient=patient_file)


@pytest.fixture(scope="module")
def online_pages(tmp_path_factory, _baclofen_source) -> dict[str, bytes]:
    """Baclofen with its address online, in English and in each language tried in the
    browser; the content's own strings stay English, as an untranslated draft's would."""
    folder = tmp_path_factory.mktemp("online")
    return {language: page_of(write_yaml(folder / f"{language}.yaml", with_language(
        _baclofen_source, language, online_url=URL))) for language in ("en-GB", *LANGUAGES)}


def tree(page: bytes) -> Node:
    return Tree(page.decode("utf-8")).root


def missing(page: bytes, data) -> list[str]:
    text = squash(tree(page).text())
    return [f"{key}: {value}" for key, value in reader_strings(data) if squash(value) not in text]


# the same words as the PDF


def test_every_reader_string_reaches_the_page(baclofen_html, medguide_html, baclofen_data):
    assert len(list(reader_strings(baclofen_data))) > 120
    assert missing(baclofen_html, baclofen_data) == []
    assert missing(medguide_html, baclofen_data) == []


def test_the_check_itself_catches_a_missing_string(baclofen_html):
    assert missing(baclofen_html, {"extra": ["Not in the leaflet at all."]}) == [
        "extra: Not in the leaflet at all."]


def test_every_line_of_the_pdf_is_on_the_page(baclofen_html, baclofen_pdf):
    text = squash(tree(baclofen_html).text())
    lines = [re.sub(r"\A(•|\d+\.) ", "", line.strip())  # a list's bullet or number
             for line in body_text(baclofen_pdf).splitlines() if line.strip()]
    assert len(lines) > 150
    assert [line for line in lines if squash(line) not in text] == []


def test_the_patient_s_own_section_comes_first_and_nothing_is_lost(patient_html, baclofen_data):
    root = tree(patient_html)
    main_ = next(root.all("main"))
    first = next(main_.all("section"))
    assert first.attrs["id"] == "personal"
    text = squash(first.text())
    for words in ("For: Jane Example", "Prescribed by: Dr Amir Patel",
                  "From 21 March, until your doctor changes it: take 20 mg (2 tablets) at "
                  "8:00, 14:00 and 20:00", "Your doctor says: Take with food."):
        assert squash(words) in text, words
    assert squash(root.text()).index(squash("Your medicine")) < squash(root.text()).index(
        squash("Package leaflet"))
    assert missing(patient_html, baclofen_data) == []


def test_markup_characters_are_text_never_markup(write_content):
    def change(data):
        data["sections"]["about"]["what_it_is"][0] += SPECIAL
        data["sections"]["overdose"]["signs"].append("<script>alert(1)</script> & &amp;")
        data["medicine"]["name"] = "Baclofen <&> \"Ωmega\""

    path = write_content(change)
    page = page_of(path)
    root = tree(page)
    assert missing(page, yaml.safe_load(path.read_text("utf-8"))) == []
    assert "<script>alert(1)</script> & &amp;" in root.text()
    assert not list(root.all("script")) and not list(root.all("b"))
    assert 'Baclofen &lt;&amp;&gt; &quot;Ωmega&quot;' in page.decode()
    assert next(root.all("title")).text().startswith('Baclofen <&> "Ωmega"')


def test_the_same_content_gives_the_same_bytes(baclofen_html):
    assert page_of() == baclofen_html


def test_placeholders_are_highlighted_and_doses_kept_whole(baclofen_html):
    root = tree(baclofen_html)
    marked = [m.text() for m in root.all("mark")]
    assert "[list of other ingredients]" in marked
    assert all(m.startswith("[") and m.endswith("]") for m in marked)
    assert "80\u00a0mg" in root.text() and "80 mg" not in root.text()


def test_the_rules_are_the_pdf_s():
    assert html.shown_pieces is inline.shown_pieces  # one rule for both, in render/markup


# structure


def test_landmarks_language_and_draft_notice_first(baclofen_html):
    root = tree(baclofen_html)
    page = next(root.all("html"))
    assert page.attrs["lang"] == "en-GB"
    body = next(root.all("body"))
    assert [c.tag for c in body.children if isinstance(c, Node)] == ["header", "main", "footer"]
    assert next(body.all("header")).text().startswith("DRAFT: not yet approved")
    assert len(list(body.all("nav"))) == 1 and len(list(body.all("main"))) == 1
    footer = next(body.all("footer")).text().replace("\u00a0", " ")
    assert footer.startswith("Baclofen 10 mg tablets · Leaflet revised")
    assert "Page" not in footer and not footer.rstrip().endswith("·")


@pytest.mark.parametrize(("inlines", "kept"), [
    (["Leaflet · Page\u00a0", "number", "\u00a0of\u00a0", "count"], "Leaflet"),
    (["Page\u00a0", "number", " · Baclofen"], "Baclofen"),
    (["Revised 2026 \u2013 ", "number"], "Revised 2026"),
    (["number"], ""),
    (["No page number here · "], "No page number here · "),
])
def test_page_numbers_and_the_words_tied_to_them_leave_the_running_text(inlines, kept):
    from leaflet.render.markup import PageField, Span

    items = [PageField(i) if i in ("number", "count") else Span(i) for i in inlines]
    assert "".join(s.text for s in html._without_page_fields(items)) == kept


def test_an_approved_leaflet_has_no_draft_notice(write_content):
    path = write_content(lambda d: d["review"].update(status="approved"))
    root = tree(page_of(path))
    assert not list(root.all("header")) and "DRAFT" not in root.text()


def test_contents_link_every_numbered_section_and_each_section_is_named(baclofen_html):
    root = tree(baclofen_html)
    ids = {n.attrs["id"] for n in root.all() if "id" in n.attrs}
    links = [a for a in next(root.all("nav")).all("a")]
    assert [a.text().split(".")[0] for a in links] == ["1", "2", "3", "4", "5", "6"]
    for link in links:
        target = link.attrs["href"][1:]
        section = next(s for s in root.all("section") if s.attrs.get("id") == target)
        heading = next(h for h in section.all() if h.attrs.get("id") ==
                       section.attrs["aria-labelledby"])
        assert heading.tag == "h2" and heading.text() == link.text()
    labelled = [n.attrs["aria-labelledby"] for n in root.all() if "aria-labelledby" in n.attrs]
    assert len(labelled) > 8 and set(labelled) <= ids
    assert len(ids) == len([n for n in root.all() if "id" in n.attrs])  # each id once


def test_the_sections_are_listed_once_the_template_s_list_being_the_contents(baclofen_html):
    """The default set prints "What is in this leaflet": on the page that list is the
    table of contents, a landmark whose items link to the sections, and no second list
    repeats the titles."""
    root = tree(baclofen_html)
    (nav,) = root.all("nav")
    heading = next(h for h in nav.all() if h.attrs.get("id") == nav.attrs["aria-labelledby"])
    assert (heading.tag, heading.text()) == ("h2", "What is in this leaflet")
    assert "web-only" not in nav.attrs.get("class", "")  # the leaflet's own list: printed
    text = squash(next(root.all("main")).text())
    assert text.count(squash("What is in this leaflet")) == 1
    for title in ("1. What Baclofen is and what it is used for", "5. How to store Baclofen",
                  "6. Contents of the pack and other information"):
        assert text.count(squash(title)) == 2, title  # its link and its section's heading
    assert [len(list(ol.all("li"))) for ol in root.all("ol")] == [6]


def test_a_set_that_lists_no_sections_gets_contents_for_the_screen(medguide_html):
    root = tree(medguide_html)
    (nav,) = root.all("nav")
    assert nav.attrs["class"] == "web-only"
    assert next(nav.all("h2")).text() == "Contents"
    assert len(list(nav.all("a"))) == 10


def child_set(folder: Path, files: dict[str, str]) -> Path:
    """A set of one's own that extends the default one and holds ``files``."""
    (folder / "theme.yaml").parent.mkdir(parents=True, exist_ok=True)
    (folder / "theme.yaml").write_text("extends: default\n", "utf-8")
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, "utf-8")
    return folder


@pytest.mark.parametrize("items", [["One", "Two"], ["What {{ name }} is and what it is used for"]
                                   + ["Another"] * 5])
def test_a_list_that_is_not_the_sections_stays_a_list(tmp_path, items):
    listed = "".join(f"<li>{item}</li>" for item in items)
    folder = child_set(tmp_path / "clinic", {
        "sections/read_first.xml.j2": f"<h3>Other things</h3><ol>{listed}</ol>"})
    root = tree(page_of(template=str(folder)))
    (nav,) = root.all("nav")
    assert nav.attrs["class"] == "web-only" and next(nav.all("h2")).text() == "Contents"
    kept = [ol for ol in root.all("ol") if ol not in nav.all("ol")]
    assert [len(list(ol.all("li"))) for ol in kept] == [len(items)]
    assert squash("Other things") in squash(root.text())


@pytest.mark.parametrize("kind", ["leaflet", "patient", "medguide"])
def test_headings_never_skip_a_level(baclofen_html, patient_html, medguide_html, kind):
    root = tree({"leaflet": baclofen_html, "patient": patient_html,
                 "medguide": medguide_html}[kind])
    levels = [int(n.tag[1]) for n in root.all() if re.fullmatch(r"h[1-6]", n.tag)]
    assert levels[0] == 1 and 3 in levels
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels


def test_boxed_warnings_are_regions_named_by_their_heading(baclofen_html):
    root = tree(baclofen_html)
    boxes = [s for s in root.all("section") if "box" in s.attrs.get("class", "")]
    assert {b.attrs["class"] for b in boxes} == {"box box-important", "box box-urgent"}
    for box in boxes:
        heading = next(h for h in box.all() if h.attrs.get("id") == box.attrs["aria-labelledby"])
        assert heading.text().startswith("⚠")


def test_tables_have_a_caption_and_header_cells_with_scope(baclofen_html, patient_html):
    for page in (baclofen_html, patient_html):
        for table in tree(page).all("table"):
            assert next(table.all("caption")).text().strip()
            head = next(table.all("thead"))
            assert [th.attrs["scope"] for th in head.all("th")] and all(
                th.attrs["scope"] == "col" for th in head.all("th"))
    dose = next(t for t in tree(baclofen_html).all("table") if t.attrs["class"] == "dose")
    assert next(dose.all("caption")).text() == "How much to take"


def test_a_picture_is_inlined_with_its_alt(tmp_path):
    from PIL import Image

    clinic = tmp_path / "clinic"
    clinic.mkdir()
    Image.new("RGB", (240, 80), (90, 45, 130)).save(clinic / "logo.png")
    (clinic / "theme.yaml").write_text("extends: default\nlogo: logo.png\n"
                                       "organisation: {name: Riverside & Co}\n", "utf-8")
    image = next(tree(page_of(template=str(clinic))).all("img"))
    assert image.attrs["alt"] == "Riverside & Co"
    assert image.attrs["src"].startswith("data:image/png;base64,")
    data = __import__("base64").b64decode(image.attrs["src"].split(",", 1)[1])
    assert Image.open(io.BytesIO(data)).size == (240, 80)


def test_no_script_a_strict_policy_and_no_pixel_font_sizes(baclofen_html):
    text = baclofen_html.decode()
    root = tree(baclofen_html)
    assert not list(root.all("script"))
    assert not any(name.startswith("on") for n in root.all() for name in n.attrs)
    policy = next(m for m in root.all("meta") if m.attrs.get("http-equiv") ==
                  "Content-Security-Policy").attrs["content"]
    assert policy.startswith("default-src 'none'; style-src 'sha256-")
    assert "script" not in policy and "unsafe" not in policy
    css = next(root.all("style")).text()
    assert not re.search(r"font-size:\s*[\d.]+px", css)
    screen = css.split("@media print")[0].replace("width: 1px", "")  # a hidden caption
    assert not re.search(r"(?<![-\w])(min-)?width:\s*[\d.]+(px|rem|em)", screen)
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in text


def test_the_dark_palette_meets_wcag_aa_for_every_set():
    for name in ("default", "us-medguide"):
        colours = resolve_set(name).theme.values["colours"]
        dark = dark_palette(colours)
        for fill in ("page", "important_background", "urgent_background",
                     "table_header_background"):
            assert contrast_ratio(dark["text"], dark[fill]) >= 4.5
            assert contrast_ratio(dark["heading"], dark[fill]) >= 4.5
        for border in ("rule", "important_border", "urgent_border", "table_border"):
            assert contrast_ratio(dark[border], dark["page"]) >= 3
        assert contrast_ratio(dark["placeholder_text"], dark["placeholder_background"]) >= 4.5


# the leaflet online


def online_line(page: bytes) -> Node:
    (line,) = [p for p in tree(page).all("p") if p.attrs.get("class") == "online"]
    return line


@pytest.mark.parametrize("language", ONLINE)
def test_the_leaflet_online_is_a_link_after_the_page_s_own_words(online_pages, language):
    """Where the PDF prints its QR code, the page has the address as a link to follow,
    after a line in the leaflet's language; no code, and nothing said about scanning."""
    page = online_pages[language]
    line = online_line(page)
    (link,) = line.all("a")
    assert link.attrs["href"] == URL and link.text() == URL
    assert line.text() == ONLINE[language] + URL
    root = tree(page)
    assert not list(root.all("img")) and "scan" not in root.text()
    main_ = [n for n in next(root.all("main")).children if isinstance(n, Node)]
    assert [n.attrs.get("class") for n in main_[:4]] == ["lead", None, "medicine", "online"]


def test_no_address_no_line(baclofen_html):
    root = tree(baclofen_html)
    assert not [p for p in root.all("p") if p.attrs.get("class") == "online"]
    assert all(a.attrs["href"].startswith("#") for a in root.all("a"))


def test_the_pages_with_an_address_keep_every_string_of_the_content(online_pages,
                                                                      _baclofen_source):
    for page in online_pages.values():
        assert missing(page, _baclofen_source) == []


# the page's own words, from the set's catalogues


@pytest.mark.parametrize(("set_name", "language"),
                         [(s, lang) for s, langs in SHIPPED.items() for lang in langs])
def test_every_shipped_catalogue_words_the_page(set_name, language):
    path = builtin_root() / set_name / "locales" / language / CATALOGUE
    with path.open("rb") as stream:
        catalogue = read_po(stream)
    worded = {m.id: m.string for m in catalogue if m.context == CONTEXT and m.string and
              not m.fuzzy}
    assert set(worded) == set(MESSAGES.values())
    if language != "en":  # "Important" and "Urgent" are French words too
        assert worded["Read this leaflet online:"] != "Read this leaflet online:"


def spanish_with_address(folder: Path, _baclofen_source, language: str = "es") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_yaml(folder / "leaflet.yaml",
                      with_language(_baclofen_source, language, online_url=URL))


WEB_PO = """msgid ""
msgstr ""
"Language: {language}\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

"""


def test_a_set_rewords_the_page_s_words_and_inherits_the_rest(tmp_path, _baclofen_source):
    urgent = "<aside class=\"urgent\"><p>{{ name }}</p></aside>\n"
    folder = child_set(tmp_path / "clinic", {
        "locales/es/LC_MESSAGES/leaflet.po": WEB_PO.format(language="es") + (
            'msgctxt "web page"\nmsgid "Read this leaflet online:"\n'
            'msgstr "Este prospecto, siempre al día:"\n'),
        "sections/storage.xml.j2": (builtin_root() / "default" / "sections" /
                                    "storage.xml.j2").read_text("utf-8") + urgent})
    page = page_of(spanish_with_address(tmp_path, _baclofen_source), template=str(folder))
    assert online_line(page).text() == f"Este prospecto, siempre al día: {URL}"
    box = next(s for s in tree(page).all("section") if s.attrs.get("class") == "box box-urgent"
               and "aria-label" in s.attrs)  # no heading: named by the catalogue's word
    assert box.attrs["aria-label"] == "Urgente"


def test_a_word_missing_in_the_language_is_the_templates_error(tmp_path, _baclofen_source,
                                                               cli):
    """A set that adds Finnish but not the page's words: the PDF builds, the page does not,
    and the error names the message and the catalogue as a template's missing message
    does. No file is written."""
    spanish = (builtin_root() / "default" / "locales" / "es" / CATALOGUE).read_text("utf-8")
    finnish = re.sub(r'"Language: \w+', '"Language: fi',
                     spanish.split('\n\n#. The heading of the web page', 1)[0])
    assert 'msgctxt "web page"' not in finnish and '"Language: fi' in finnish
    folder = child_set(tmp_path / "clinic", {"locales/fi/LC_MESSAGES/leaflet.po": finnish})
    content = spanish_with_address(tmp_path / "content", _baclofen_source, "fi")
    options = BuildOptions(template=str(folder))
    po = folder / "locales" / "fi" / CATALOGUE
    with pytest.raises(TemplateError) as raised:
        build_outputs(content, tmp_path / "fi.pdf", tmp_path / "fi.html", options)
    assert str(raised.value) == (f"{po}: no Finnish wording for the message "
                                 "'Read this leaflet online:': add its msgstr to this "
                                 "catalogue (see docs/languages.md)")
    assert not (tmp_path / "fi.pdf").exists() and not (tmp_path / "fi.html").exists()
    code, _, err = cli("build", str(content), "--template", str(folder), "--format", "html",
                       "-o", str(tmp_path / "fi.html"))
    assert code == 1 and err.startswith(f"error: {po}: no Finnish wording for the message")
    assert build_outputs(content, tmp_path / "fi.pdf", None, options).pdf is not None


# writing the files


@pytest.fixture
def cli(capsys):
    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return code, captured.out, "\n".join(line for line in captured.err.splitlines()
                                             if not line.startswith("warning: "))

    return run


def test_html_beside_the_pdf_and_html_alone(tmp_path, cli, baclofen_html, monkeypatch):
    code, out, _ = cli("build", str(BACLOFEN), "-o", str(tmp_path / "a.pdf"),
                       "--html", str(tmp_path / "a.html"))
    assert code == 0 and out.splitlines() == [f"wrote {tmp_path / 'a.pdf'} (7 pages)",
                                              f"wrote {tmp_path / 'a.html'} (an HTML page)"]
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "a.html").read_bytes() == baclofen_html
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli("build", str(BACLOFEN), "--format", "html")
    assert code == 0 and out == "wrote baclofen.html (an HTML page)\n"
    assert (tmp_path / "baclofen.html").read_bytes() == baclofen_html
    assert not (tmp_path / "baclofen.pdf").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(("args", "message"), [
    (("--format", "html", "-o", "x.pdf"), "x.pdf: the HTML page's name must end in .html"),
    (("--html", "x.txt"), "x.txt: the HTML page's name must end in .html"),
    (("--format", "html", "--html", "y.html"), "--html: with --format html the page is"),
    (("-o", "same.html", "--html", "same.html"), "same.html: the HTML and the PDF would be"),
])
def test_wrong_html_options_are_refused(tmp_path, cli, args, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("build", str(BACLOFEN), *args)
    assert code == 2 and out == "" and err.startswith(f"error: {message}")
    assert list(tmp_path.iterdir()) == []


def test_the_content_file_is_never_the_html(tmp_path, cli):
    content = tmp_path / "leaflet.html"
    content.write_bytes(BACLOFEN.read_bytes())
    code, _, err = cli("build", str(content), "-o", str(tmp_path / "x.pdf"), "--html",
                       str(content))
    assert code == 2 and "is the content file" in err
    assert content.read_bytes() == BACLOFEN.read_bytes()
    assert not (tmp_path / "x.pdf").exists()


def test_a_failed_build_writes_neither_file_and_keeps_the_old_ones(tmp_path, write_content,
                                                                    cli):
    pdf, page = tmp_path / "old.pdf", tmp_path / "old.html"
    pdf.write_bytes(b"old pdf")
    page.write_bytes(b"old page")
    bad = write_content(lambda d: d["medicine"].update(maximum_daily_dose="1 mg"))
    code, _, err = cli("build", str(bad), "-o", str(pdf), "--html", str(page))
    assert code == 1 and err
    assert pdf.read_bytes() == b"old pdf" and page.read_bytes() == b"old page"
    template = tmp_path / "broken"
    assert main(["templates", "init", str(template)]) == 0
    with (template / "leaflet.xml.j2").open("a", encoding="utf-8") as stream:
        stream.write("<p>")
    code, _, err = cli("build", str(BACLOFEN), "--template", str(template), "-o", str(pdf),
                       "--html", str(page))
    assert code == 1 and "malformed markup" in err
    assert pdf.read_bytes() == b"old pdf" and page.read_bytes() == b"old page"


def test_a_personalised_build_writes_both(tmp_path, patient_file, patient_html):
    outputs = build_outputs(BACLOFEN, tmp_path / "p.pdf", tmp_path / "p.html",
                            BuildOptions(patient=patient_file))
    assert outputs.pdf is not None and outputs.html == patient_html
    chart = next(t for t in tree(patient_html).all("table") if t.attrs["class"] == "chart")
    boxes = sum(td.text() == html.TICK_BOX for td in chart.all("td"))
    assert boxes == body_text(outputs.pdf.pdf).count(html.TICK_BOX) == 69  # 23 days, 3 a day
    assert (tmp_path / "p.html").read_bytes() == patient_html


# in a real browser


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    opened = Browser(executable)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def axe() -> str:
    source = axe_source()
    if source is None:
        if os.environ.get("CI"):
            pytest.fail("axe-core is not installed: .ci/run installs it")
        pytest.skip("axe-core is not installed (npm install axe-core)")
    return source


@pytest.fixture(scope="module")
def medguide_html() -> bytes:
    return page_of(template="us-medguide")


@pytest.fixture(scope="module")
def pages(tmp_path_factory, baclofen_html, patient_html, medguide_html) -> dict[str, Path]:
    folder = Path(SHOTS) if SHOTS else tmp_path_factory.mktemp("pages")
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, page in (("baclofen", baclofen_html), ("patient", patient_html),
                       ("medguide", medguide_html)):
        written[name] = folder / f"{name}.html"
        written[name].write_bytes(page)
    return written


VIEWS = {
    "desktop": {"width": 1280},
    "phone": {"width": 320, "height": 640, "mobile": True},
    "zoom-200": {"width": 640, "height": 450, "scale": 2},
    "dark": {"width": 1280, "dark": True},
    "dark-phone": {"width": 320, "height": 640, "mobile": True, "dark": True},
}


@pytest.mark.parametrize("name", ["baclofen", "patient", "medguide"])
@pytest.mark.parametrize("view", list(VIEWS))
def test_axe_finds_no_wcag_violation(browser, axe, pages, name, view):
    browser.view(**VIEWS[view])
    browser.open(pages[name])
    assert browser.axe(axe, WCAG) == []


def test_axe_catches_a_broken_copy(browser, axe, pages, tmp_path):
    text = pages["baclofen"].read_text("utf-8")
    broken = tmp_path / "broken.html"
    broken.write_text(text.replace('<html lang="en-GB">', "<html>").replace(
        "--text: #ececec", "--text: #2a2a2a"), "utf-8")
    browser.view(**VIEWS["dark"])
    browser.open(broken)
    found = {v["id"] for v in browser.axe(axe, WCAG)}
    assert {"html-has-lang", "color-contrast"} <= found


@pytest.mark.parametrize("name", ["baclofen", "patient", "medguide"])
@pytest.mark.parametrize("view", ["phone", "zoom-200", "dark-phone"])
def test_nothing_scrolls_sideways(browser, pages, name, view):
    browser.view(**VIEWS[view])
    browser.open(pages[name])
    width = VIEWS[view]["width"]
    assert browser.evaluate("document.documentElement.scrollWidth") <= width
    wider = browser.evaluate(f"[...document.querySelectorAll('body *')].filter(e => "
                             f"e.getBoundingClientRect().right > {width} + 0.5).length")
    assert wider == 0
    # Every table fits, so its frame never has to scroll (it could, were one wider).
    assert browser.evaluate("[...document.querySelectorAll('.table')].every(frame => "
                            "frame.scrollWidth <= frame.clientWidth)")


def test_the_style_applies_under_the_policy_and_the_fonts_load(browser, pages):
    browser.view(**VIEWS["desktop"])
    browser.open(pages["baclofen"])
    assert browser.evaluate("document.scripts.length") == 0
    assert browser.evaluate("getComputedStyle(document.body).backgroundColor") == \
        "rgb(255, 255, 255)"
    assert browser.evaluate("getComputedStyle(document.querySelector('h1')).color") == \
        "rgb(11, 58, 102)"
    assert browser.evaluate("document.fonts.check('bold 16px \"Leaflet Body\"')")
    assert browser.evaluate("document.fonts.size") == 4
    assert browser.evaluate("[...document.fonts].filter(f => f.status == 'loaded').length") >= 2


def test_text_follows_the_reader_s_font_size(browser, pages):
    browser.view(**VIEWS["desktop"])
    sizes = []
    for standard in (16, 32):
        browser.page("Page.setFontSizes", {"fontSizes": {"standard": standard}})
        browser.open(pages["baclofen"])
        sizes.append(browser.evaluate(
            "['body', 'h1', 'h2', 'footer'].map(s => "
            "parseFloat(getComputedStyle(document.querySelector(s)).fontSize))"))
    browser.page("Page.setFontSizes", {"fontSizes": {"standard": 16}})
    assert sizes[0][0] == 18
    assert sizes[1] == [2 * size for size in sizes[0]]


def luminance(path: Path, box: tuple[int, int, int, int] | None = None) -> float:
    from PIL import Image, ImageStat

    with Image.open(path) as image:
        part = image.convert("L").crop(box) if box else image.convert("L")
        return ImageStat.Stat(part).mean[0]


def test_screenshots_light_dark_phone_and_zoom(browser, pages, tmp_path):
    folder = Path(SHOTS) if SHOTS else tmp_path
    shots = {}
    for view in VIEWS:
        browser.view(**VIEWS[view])
        browser.open(pages["baclofen"])
        shots[view] = browser.screenshot(folder / f"{view}.png")
        assert browser.evaluate("document.querySelector('.draft').getBoundingClientRect()"
                                ".top") < 40
    assert luminance(shots["desktop"]) > 200 and luminance(shots["dark"]) < 60
    from PIL import Image

    with Image.open(shots["desktop"]) as image:  # the draft notice: a dark red frame on top
        red, green, blue = image.convert("RGB").getpixel((image.width // 2, 18))
    assert red > 120 and green < 40 and blue < 40
    with Image.open(shots["zoom-200"]) as image:
        assert image.size == (1280, 900)  # 640 CSS pixels drawn twice as large


def test_print_is_the_leaflet_on_white_with_only_its_own_contents(browser, pages):
    """Printed, the default set's list of sections is there as on paper, its links as plain
    text; contents the page adds for the screen alone (the Medication Guide's) are not."""
    from pypdf import PdfReader

    browser.view(**VIEWS["dark"], print_media=True)
    browser.open(pages["baclofen"])
    assert browser.evaluate("getComputedStyle(document.querySelector('nav')).display") == "block"
    assert browser.evaluate("(s => s.color + s.textDecorationLine)(getComputedStyle("
                            "document.querySelector('nav a')))") == "rgb(26, 26, 26)none"
    assert browser.evaluate("getComputedStyle(document.body).fontSize") == "14.6667px"  # 11pt
    assert browser.evaluate("getComputedStyle(document.body).backgroundColor") == \
        "rgb(255, 255, 255)"
    printed = PdfReader(io.BytesIO(browser.print_pdf()))
    text = squash("".join(p.extract_text() for p in printed.pages))
    assert len(printed.pages) >= 4
    assert squash("Too much Baclofen is an emergency") in text
    assert text.count(squash("What is in this leaflet")) == 1
    assert text.count(squash("How to store Baclofen")) == 2  # listed, and its heading
    browser.open(pages["medguide"])
    assert browser.evaluate("getComputedStyle(document.querySelector('nav')).display") == "none"


@pytest.fixture(scope="module")
def language_files(tmp_path_factory, online_pages) -> dict[str, Path]:
    folder = Path(SHOTS) if SHOTS else tmp_path_factory.mktemp("languages")
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for language, page in online_pages.items():
        written[language] = folder / f"baclofen-{language}.html"
        written[language].write_bytes(page)
    return written


def heard_and_seen(browser) -> str:
    """The page's visible text and the names a screen reader gives without showing them."""
    return squash(browser.evaluate(
        "document.body.innerText + ' ' + [...document.querySelectorAll("
        "'[aria-label], img[alt]')].map(e => e.getAttribute('aria-label') || e.alt)"
        ".join(' ')"))


def english_left(text: str, language: str, content: dict) -> tuple[list[str], list[str]]:
    """(English catalogue words the scan looks for, those of them in ``text``): the words
    that the language's own wording or the content also has are not looked for."""
    own = squash(" ".join(translations("default", language)))
    written = content_texts(content)
    checked = [piece for piece in english_fragments("default")
               if piece not in own and piece not in written]
    return checked, [piece for piece in checked if piece in text]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("view", ["desktop", "dark-phone"])
def test_other_languages_in_the_browser(browser, axe, language_files, language, view,
                                        _baclofen_source):
    """The page in the language: declared so, no WCAG violation, and no English word of
    the set's catalogues in what is seen or heard (the content's own strings stay English
    in this draft, so they are not looked for)."""
    browser.view(**VIEWS[view])
    browser.open(language_files[language])
    assert browser.evaluate("document.documentElement.lang") == language
    assert browser.axe(axe, WCAG) == []
    checked, found = english_left(heard_and_seen(browser), language, _baclofen_source)
    assert len(checked) > 0.7 * len(english_fragments("default"))
    assert found == []
    assert squash(ONLINE[language]) in heard_and_seen(browser)


def test_the_english_scan_finds_english_where_it_is(browser, language_files, _baclofen_source):
    browser.view(**VIEWS["desktop"])
    browser.open(language_files["en-GB"])
    found = [piece for piece in english_fragments("default")
             if piece in heard_and_seen(browser)]
    assert len(found) > 30 and squash("Read this leaflet online") in found


def glyph_shots(browser, selector: str, shot: Path) -> list[tuple[str, object]]:
    """Each character of the element's text as drawn: its ink, cut from a screenshot."""
    from PIL import Image

    boxes = browser.evaluate(
        f"(node => [...node.data].map((c, i) => {{ const r = document.createRange(); "
        f"r.setStart(node, i); r.setEnd(node, i + 1); const b = r.getBoundingClientRect(); "
        f"return [c, b.left, b.top, b.right, b.bottom]; }}))"
        f"((e => (e.scrollIntoView({{block: 'center'}}), e.firstChild))"
        f"(document.querySelector({selector!r})))")
    browser.screenshot(shot)
    glyphs = []
    with Image.open(shot) as image:
        for char, *box in boxes:
            ink = image.convert("L").crop(tuple(round(v) for v in box)).point(
                lambda v: 255 if v < 128 else 0)
            glyphs.append((char, ink.crop(ink.getbbox()) if ink.getbbox() else None))
    return glyphs


def drawn_apart(glyphs: list[tuple[str, object]]) -> bool:
    """Different characters look different: no font's missing-glyph box stands for them
    (a box drawn a fraction of a pixel further on may differ by its edge, so shapes count
    as the same when under a tenth of their pixels differ)."""
    from PIL import ImageChops

    shapes = {char: ink for char, ink in glyphs if char.strip()}
    if len(shapes) < 4 or any(ink is None for ink in shapes.values()):
        return False
    for first, second in itertools.combinations(shapes.values(), 2):
        if abs(first.width - second.width) <= 2 and abs(first.height - second.height) <= 2:
            other = second.resize(first.size)
            differing = sum(ImageChops.difference(first, other).histogram()[1:])
            if differing < 0.1 * first.width * first.height:
                return False
    return True


def test_chinese_is_drawn_not_boxes(browser, language_files, tmp_path):
    """The page embeds only the theme's Latin body font; Chinese comes from a system font
    (docs/html.md; .ci/run installs one). Each character of the contents' heading and of
    the draft notice has its own shape; the same check on characters no font has (from
    the private use area) sees the identical boxes a browser draws for them."""
    fc_list = shutil.which("fc-list")
    if not fc_list or not subprocess.run([fc_list, ":lang=zh"], capture_output=True,
                                         text=True, check=False).stdout.strip():
        if os.environ.get("CI"):
            pytest.fail("no Chinese system font: .ci/run installs fonts-wqy-microhei")
        pytest.skip("no Chinese system font (apt-get install fonts-wqy-microhei)")
    folder = Path(SHOTS) if SHOTS else tmp_path
    browser.view(**VIEWS["desktop"])
    browser.open(language_files["zh"])
    assert drawn_apart(glyph_shots(browser, "#contents", folder / "zh.png"))
    assert drawn_apart(glyph_shots(browser, ".draft strong", folder / "zh.png"))
    broken = tmp_path / "boxes.html"
    text = language_files["zh"].read_text("utf-8")
    broken.write_text(re.sub(r'(<h2 id="contents">)[^<]*', "\\1\ue000\ue001\ue002\ue003\ue004",
                             text), "utf-8")
    browser.open(broken)
    assert not drawn_apart(glyph_shots(browser, "#contents", tmp_path / "boxes.png"))
    browser.view(**VIEWS["desktop"])
    browser.open(language_files["es"])
    browser.screenshot(folder / "es.png")


def test_the_docs_describe_the_page():
    text = (ROOT / "docs" / "html.md").read_text("utf-8")
    assert "--format html" in text and "axe-core" in text


def test_the_patient_s_name_is_in_the_page_but_not_its_title_or_metadata(patient_html):
    root = tree(patient_html)
    head = next(root.all("head"))
    assert "Jane" not in next(head.all("title")).text()
    assert not any("Jane" in (m.attrs.get("content") or "") for m in head.all("meta"))
    assert "Jane Example" in next(root.all("body")).text()

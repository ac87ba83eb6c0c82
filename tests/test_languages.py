"""The fixed wording, dates and numbers of a leaflet in the content's language.

Every shipped language builds with every layout and profile of its set; no English
catalogue string is left on a page in another language; dates and doses are written as
the language writes them (Babel/CLDR); a missing message stops the build, naming the
message and the catalogue; a set can reword one message and inherit the rest.
"""

from __future__ import annotations

import datetime
import re
import shutil
from pathlib import Path

import pytest
import yaml
from babel.dates import format_date, format_skeleton
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from conftest import fresh_python
from pdfread import page_texts, squash

from leaflet.build import BuildOptions, build, build_pdf, load_fonts
from leaflet.errors import CheckError, TemplateError, UsageError
from leaflet.render.profiles import print_settings
from leaflet.render.templates import builtin_root, resolve_set
from leaflet.render.wording import CATALOGUE

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = {"default": ["en", "es", "fr", "de", "it", "pl", "nl", "el", "bg", "no", "zh"],
           "us-medguide": ["en", "es"]}
LAYOUTS = ("standard", "two-column", "booklet")
PROFILES = ("eu", "us", "clear", "large")
PATIENT = """\
name: Jane Example
prescriber: Dr Amir Patel
pharmacy: Riverside Pharmacy
start_date: 2026-03-12
times: [8:00, 14:00, 20:00]
steps:
  - {days: 3, dose: 5 mg, times_a_day: 3}
  - {days: 4, dose: 10 mg, times_a_day: 3}
  - {dose: 15 mg, times_a_day: 3}
chart_days: 10
"""
CJK_MISSING = bool(load_fonts(resolve_set("default").theme).missing("草稿"))
NEEDS_CJK_FONT = pytest.mark.skipif(CJK_MISSING, reason="the bundled fonts cannot draw Chinese "
                                                       "yet (the CJK font lands separately)")


def language_param(set_name: str, language: str):
    marks = [NEEDS_CJK_FONT] if language == "zh" else []
    return pytest.param(set_name, language, marks=marks, id=f"{set_name}-{language}")


ALL = [language_param(s, lang) for s, langs in SHIPPED.items() for lang in langs]
NOT_ENGLISH = [language_param(s, lang) for s, langs in SHIPPED.items() for lang in langs
               if lang != "en"]


def catalogue(set_name: str, language: str):
    path = builtin_root() / set_name / "locales" / language / CATALOGUE
    with path.open("rb") as stream:
        return read_po(stream)


def translations(set_name: str, language: str) -> list[str]:
    """Every msgstr the set's chain holds for the language, plural forms included."""
    out = []
    for name, _ in resolve_set(set_name).chain:
        if (builtin_root() / name / "locales" / language / CATALOGUE).is_file():
            for message in catalogue(name, language):
                if message.id:
                    strings = message.string
                    out += list(strings) if isinstance(strings, tuple) else [strings]
    return out


def with_language(baclofen_data: dict, language: str, **leaflet) -> dict:
    data = yaml.safe_load(yaml.safe_dump(baclofen_data))
    data["leaflet"].update(language=language, **leaflet)
    return data


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def allowed_combinations(set_name: str) -> list[tuple[str, str]]:
    """(layout, profile) pairs the set accepts at all; clear and large print refuse two
    columns whatever the language."""
    combos = []
    for layout in LAYOUTS:
        for profile in PROFILES:
            try:
                print_settings(resolve_set(set_name), layout, profile, None)
            except UsageError:
                continue
            combos.append((layout, profile))
    return combos


# Every language, every layout and profile


@pytest.mark.parametrize(("set_name", "language"), ALL)
def test_every_language_builds_with_every_layout_and_profile(set_name, language, tmp_path,
                                                             baclofen_data):
    path = write_yaml(tmp_path / "leaflet.yaml", with_language(baclofen_data, language))
    wording_page = translations(set_name, language)
    combos = allowed_combinations(set_name)
    assert len(combos) >= 6
    for layout, profile in combos:
        result = build_pdf(path, BuildOptions(template=set_name, layout=layout,
                                              profile=profile))
        text = squash("".join(page_texts(result.pdf)))
        total = result.booklet_pages or result.pages
        page_one = next(t for t in wording_page if "%(number)s" in t)
        assert squash(page_one % {"number": 1, "count": total}) in text, (layout, profile)


# No English left


def english_fragments(set_name: str) -> list[str]:
    """The English wording of the set, cut at its parameters into pieces of real words."""
    pieces = set()
    for text in translations(set_name, "en"):
        for piece in re.split(r"%\(\w+\)s", text):
            piece = squash(piece).strip(":.,()·")
            if len(re.sub(r"\W", "", piece)) >= 4:
                pieces.add(piece)
    return sorted(pieces)


def leaflet_with_patient(set_name: str, language: str, tmp_path: Path,
                         baclofen_data: dict) -> str:
    content = write_yaml(tmp_path / "leaflet.yaml",
                         with_language(baclofen_data, language, revision_date="2026-03"))
    patient = tmp_path / "patient.yaml"
    patient.write_text(PATIENT, "utf-8")
    pdf = build_pdf(content, BuildOptions(template=set_name, patient=patient)).pdf
    return squash("".join(page_texts(pdf)))


def content_texts(baclofen_data: dict) -> str:
    """Every string of the content, squashed: English there is the content's, not ours."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            found.append(squash(node))

    walk(baclofen_data)
    found += ["JaneExample", "DrAmirPatel", "RiversidePharmacy"]
    return "\n".join(found)


@pytest.mark.parametrize(("set_name", "language"), NOT_ENGLISH)
def test_no_english_catalogue_string_is_left_on_the_page(set_name, language, tmp_path,
                                                         baclofen_data):
    text = leaflet_with_patient(set_name, language, tmp_path, baclofen_data)
    own = squash(" ".join(translations(set_name, language)))
    content = content_texts(baclofen_data)
    checked = [piece for piece in english_fragments(set_name)
               if piece not in own and piece not in content]
    assert len(checked) > 0.7 * len(english_fragments(set_name))
    assert [piece for piece in checked if piece in text] == []


@pytest.mark.parametrize("set_name", SHIPPED)
def test_the_scan_finds_english_where_it_is(set_name, tmp_path, baclofen_data):
    """The same scan on the English leaflet finds its words: it can see what it looks for."""
    text = leaflet_with_patient(set_name, "en-GB", tmp_path, baclofen_data)
    found = [piece for piece in english_fragments(set_name) if piece in text]
    assert len(found) > 40
    assert squash("Possible side effects" if set_name == "default"
                  else "Get emergency help right away") in found


# Dates and numbers, as the language writes them


@pytest.mark.parametrize(("set_name", "language"), NOT_ENGLISH)
def test_dates_are_written_as_the_language_writes_them(set_name, language, tmp_path,
                                                       baclofen_data):
    text = leaflet_with_patient(set_name, language, tmp_path, baclofen_data)
    locale = catalogue(set_name, language).locale
    revised = format_skeleton("yMMMM", datetime.date(2026, 3, 1), locale=locale)
    start = format_date(datetime.date(2026, 3, 12), "full", locale=locale)
    chart = format_skeleton("MMMMEd", datetime.date(2026, 3, 13), locale=locale)
    for date in (revised, start, chart):
        assert squash(date) in text, date
    assert "March" not in text and "Thursday" not in text


def test_spanish_dates_read_as_spanish(tmp_path, baclofen_data):
    text = leaflet_with_patient("default", "es", tmp_path, baclofen_data)
    for words in ("Prospecto revisado en marzo de 2026", "Empiece el: jueves, 12 de marzo de 2026",
                  "Del 12 al 14 de marzo:", "Días 1 a 3", "Página 1 de"):
        assert squash(words) in text, words


def test_a_decimal_dose_takes_the_languages_decimal_sign(tmp_path, baclofen_data):
    def halves(language: str) -> str:
        data = with_language(baclofen_data, language)
        step = data["sections"]["dosing"]["schedule"]["steps"][0]
        step.update(dose="2.5 mg", times_a_day=3)
        data["sections"]["dosing"]["maximum_daily_dose"] = "62.5 mg"  # in a sentence
        path = write_yaml(tmp_path / f"{language}.yaml", data)
        return squash("".join(page_texts(build_pdf(path).pdf)))

    german, english = halves("de"), halves("en-GB")
    assert "2,5mg" in german and "7,5mg" in german and "2.5mg" not in german
    assert "nichtmehrals62,5mganeinemTag" in german
    assert "2.5mg" in english and "7.5mg" in english and "2,5mg" not in english
    assert "nomorethan62.5mginoneday" in english


def test_english_stays_as_it_was(baclofen_pdf):
    text = "\n".join(page_texts(baclofen_pdf))
    for words in ("Package leaflet: Information for the patient", "4. Possible side effects",
                  "Leaflet revised [month and year of this revision]", "Days 1 to 3"):
        assert words in text, words


# Catalogues


@pytest.mark.parametrize(("set_name", "language"),
                         [(s, lang) for s, langs in SHIPPED.items() for lang in langs])
def test_every_shipped_catalogue_translates_every_message_of_its_set(set_name, language):
    folder = builtin_root() / set_name
    own = catalogue(set_name, language)
    assert list(own.check()) == []  # python-format placeholders agree with the msgid
    known = set()
    for name, _ in resolve_set(set_name).chain:
        for message in catalogue(name, language):
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.id and not message.fuzzy and all(strings):
                known.add(message.id[0] if isinstance(message.id, tuple) else message.id)
    header = (folder / "locales" / language / CATALOGUE).read_text("utf-8").split("\n\n")[0]
    assert re.search(r'^"X-Native-Review: (yes|no)\\n"$', header, re.MULTILINE)
    if set_name == "default":
        units = {m.id for m in own if m.context == "dose unit" and m.string}
        assert units == {"mg", "g", "micrograms", "ml"}
    method = [("**.j2", "jinja2")]
    options = {"**.j2": {"extensions": "jinja2.ext.i18n", "trim_blocks": "True"}}
    wanted = {m[2][0] if isinstance(m[2], tuple) else m[2]
              for m in extract_from_dir(str(folder), method, options)}
    assert wanted and wanted - known == set()


# A set's own wording: override one message, inherit the rest; missing is an error


STORAGE = '{% trans %}Keep it cold.{% endtrans %}\n'


def child_set(tmp_path: Path, po: str | None = None, storage: str | None = None,
              name: str = "pharmacy-set") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "theme.yaml").write_text("extends: default\n", "utf-8")
    if storage is not None:
        (folder / "sections").mkdir()
        default = builtin_root() / "default" / "sections" / "storage.xml.j2"
        (folder / "sections" / "storage.xml.j2").write_text(
            default.read_text("utf-8") + f"<p>{storage}</p>\n", "utf-8")
    if po is not None:
        target = folder / "locales" / "es" / CATALOGUE
        target.parent.mkdir(parents=True)
        target.write_text('msgid ""\nmsgstr ""\n"Language: es\\n"\n'
                          '"Content-Type: text/plain; charset=UTF-8\\n"\n\n' + po, "utf-8")
    return folder


def spanish(tmp_path: Path, baclofen_data: dict) -> Path:
    return write_yaml(tmp_path / "leaflet.yaml", with_language(baclofen_data, "es"))


def test_a_set_rewords_one_message_and_inherits_every_other(tmp_path, baclofen_data):
    folder = child_set(tmp_path, 'msgid "Possible side effects"\n'
                                 'msgstr "Efectos secundarios que puede notar"\n')
    pdf = build_pdf(spanish(tmp_path, baclofen_data), BuildOptions(template=str(folder))).pdf
    text = squash("".join(page_texts(pdf)))
    assert squash("4. Efectos secundarios que puede notar") in text
    assert squash("Posibles efectos adversos") not in text
    assert squash("Contenido del prospecto") in text  # from the default set's catalogue


def test_a_message_missing_in_the_language_is_an_error_naming_it_and_the_catalogue(
        tmp_path, baclofen_data):
    folder = child_set(tmp_path, storage=STORAGE)
    with pytest.raises(TemplateError) as caught:
        build_pdf(spanish(tmp_path, baclofen_data), BuildOptions(template=str(folder)))
    [problem] = caught.value.problems  # the set's own catalogue, where the message goes
    assert problem.file == str(folder.resolve() / "locales" / "es" / CATALOGUE)
    assert "no Spanish wording for the message 'Keep it cold.'" in problem.message
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("entry", [
    '#, fuzzy\nmsgid "Keep it cold."\nmsgstr "Guárdelo en frío."\n',
    'msgid "Keep it cold."\nmsgstr ""\n',
], ids=["fuzzy", "empty"])
def test_a_fuzzy_or_empty_translation_counts_as_missing(entry, tmp_path, baclofen_data):
    folder = child_set(tmp_path, entry, storage=STORAGE)
    with pytest.raises(TemplateError,
                       match=r"no Spanish wording for the message 'Keep it cold\.'") as caught:
        build_pdf(spanish(tmp_path, baclofen_data), BuildOptions(template=str(folder)))
    assert caught.value.problems[0].file == str(folder.resolve() / "locales" / "es" / CATALOGUE)
    translated = child_set(tmp_path, 'msgid "Keep it cold."\nmsgstr "Guárdelo en frío."\n',
                           storage=STORAGE, name="translated")
    pdf = build_pdf(spanish(tmp_path, baclofen_data), BuildOptions(template=str(translated)))
    assert squash("Guárdelo en frío.") in squash("".join(page_texts(pdf.pdf)))


@pytest.mark.parametrize("msgstr", [
    "Cómo tomar %s",  # would print the parameters' dictionary
    "Cómo tomar %(name)s para %(patient)s",  # a name the message does not give
    "Cómo tomar %(name)s al 100 %",  # a lone percent sign
])
def test_a_translation_fills_in_only_its_message_s_names(msgstr, tmp_path, baclofen_data):
    folder = child_set(tmp_path, f'msgid "How to take %(name)s"\nmsgstr "{msgstr}"\n')
    with pytest.raises(TemplateError) as caught:
        build_pdf(spanish(tmp_path, baclofen_data), BuildOptions(template=str(folder)))
    [problem] = caught.value.problems
    assert problem.file == str(folder.resolve() / "locales" / "es" / CATALOGUE)
    assert problem.line == 6
    assert problem.message.startswith("the translation of 'How to take %(name)s' may fill "
                                      "in only the names its message gives (%(name)s)")
    fine = child_set(tmp_path, 'msgid "How to take %(name)s"\n'
                               'msgstr "Cómo tomar %(name)s al 100 %%"\n', name="fine")
    pdf = build_pdf(spanish(tmp_path, baclofen_data), BuildOptions(template=str(fine))).pdf
    assert squash("3. Cómo tomar Baclofen al 100 %") in squash("".join(page_texts(pdf)))


def test_english_needs_no_catalogue_entry_for_its_own_words(tmp_path, baclofen_data):
    folder = child_set(tmp_path, storage=STORAGE)
    path = write_yaml(tmp_path / "leaflet.yaml", with_language(baclofen_data, "en-GB"))
    pdf = build_pdf(path, BuildOptions(template=str(folder))).pdf
    assert "Keep it cold." in "".join(page_texts(pdf))


def test_a_missing_message_stops_the_cli_build_without_a_pdf(tmp_path, baclofen_data, capsys):
    from leaflet.cli import main

    folder = child_set(tmp_path, storage=STORAGE)
    out = tmp_path / "out.pdf"
    code = main(["build", str(spanish(tmp_path, baclofen_data)), "-o", str(out),
                 "--template", str(folder)])
    assert code != 0 and not out.exists()
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and "'Keep it cold.'" in errors[0] and "leaflet.po" in errors[0]


def test_a_language_with_no_catalogue_names_the_language_and_the_set(tmp_path, baclofen_data):
    path = write_yaml(tmp_path / "leaflet.yaml", with_language(baclofen_data, "fi"))
    with pytest.raises(TemplateError, match="template set 'default' has no fixed wording in "
                                            r"Finnish \('fi'\)"):
        build_pdf(path)
    path = write_yaml(tmp_path / "leaflet.yaml", with_language(baclofen_data, "fr"))
    with pytest.raises(TemplateError, match="template set 'us-medguide' has no fixed wording "
                                            r"in French \('fr'\)|no French wording"):
        build_pdf(path, BuildOptions(template="us-medguide"))


def test_traditional_chinese_does_not_fall_back_to_simplified(tmp_path, baclofen_data):
    path = write_yaml(tmp_path / "leaflet.yaml", with_language(baclofen_data, "zh-TW"))
    with pytest.raises(TemplateError, match="no fixed wording in Chinese \\(Traditional\\)"):
        build_pdf(path)


# Review by a native speaker


def approved(data: dict) -> dict:
    data["review"] = {"status": "approved", "reviewer": "A. Pharmacist, MRPharmS",
                      "date": "2026-05-14"}
    return data


def test_strict_refuses_approved_content_with_unreviewed_wording(tmp_path, baclofen_data):
    message = "fixed wording in Spanish not yet reviewed by a native speaker"
    path = write_yaml(tmp_path / "leaflet.yaml", approved(with_language(baclofen_data, "es")))
    out = tmp_path / "out.pdf"
    with pytest.raises(CheckError) as strict:
        build(path, out, BuildOptions(strict=True), today=datetime.date(2026, 6, 1))
    assert any(message in p.message and p.key == "leaflet.language"
               for p in strict.value.problems)
    assert not out.exists()
    english = write_yaml(tmp_path / "en.yaml", approved(with_language(baclofen_data, "en-GB")))
    with pytest.raises(CheckError) as other:  # the placeholders left in baclofen, not wording
        build(english, out, BuildOptions(strict=True), today=datetime.date(2026, 6, 1))
    assert not any(p.key == "leaflet.language" for p in other.value.problems)


def test_a_reviewed_catalogue_is_not_warned_of(tmp_path, baclofen_data):
    from leaflet.check import Checker

    folder = tmp_path / "reviewed"
    folder.mkdir()
    (folder / "theme.yaml").write_text("extends: default\n", "utf-8")
    target = folder / "locales" / "es" / CATALOGUE
    target.parent.mkdir(parents=True)
    source = builtin_root() / "default" / "locales" / "es" / CATALOGUE
    target.write_text(source.read_text("utf-8").replace("X-Native-Review: no",
                                                        "X-Native-Review: yes"), "utf-8")
    path = spanish(tmp_path, baclofen_data)
    findings = Checker(resolve_set(str(folder)), datetime.date(2026, 6, 1)).check(path).findings
    assert not any(f.rule == "language" for f in findings)
    # ...but a child set's reviewed catalogue does not make the parent's unreviewed one reviewed
    shutil.rmtree(folder / "locales")
    child_po = folder / "locales" / "es" / CATALOGUE
    child_po.parent.mkdir(parents=True)
    child_po.write_text('msgid ""\nmsgstr ""\n"Language: es\\n"\n"X-Native-Review: yes\\n"\n',
                        "utf-8")
    findings = Checker(resolve_set(str(folder)), datetime.date(2026, 6, 1)).check(path).findings
    assert [f.message for f in findings if f.rule == "language"] == [
        "fixed wording in Spanish not yet reviewed by a native speaker"]


def test_the_same_spanish_input_gives_the_same_bytes(tmp_path, baclofen_data):
    path = spanish(tmp_path, baclofen_data)
    assert build_pdf(path).pdf == build_pdf(path).pdf


@NEEDS_CJK_FONT
def test_a_chinese_build_loads_the_chinese_font_before_its_child_lays_out(tmp_path,
                                                                           baclofen_data):
    """The content is English, the set's words Chinese: the font those words need is loaded
    in the building process, kept for its next build, not in each build's forked child."""
    path = write_yaml(tmp_path / "leaflet.yaml", with_language(baclofen_data, "zh"))
    script = ("from reportlab.pdfbase import pdfmetrics; from leaflet.build import build_pdf; "
              f"result = build_pdf({str(path)!r}); "
              "print(result.pages > 0, 'NotoSansSC_400Regular' in "
              "pdfmetrics.getRegisteredFontNames())")
    assert fresh_python(script).split() == ["True", "True"]


@pytest.mark.parametrize(("set_name", "language", "ranges"), [
    ("default", "en", ["12 to 14 March:", "15 to 18 March:"]),
    ("default", "zh", ["3月12日至14日", "3月15日至18日"]),  # the month first, the end short
    ("us-medguide", "en", ["March 12 to 14:", "March 15 to 18:"]),
])
def test_a_range_within_one_month_is_shortened_where_the_language_shortens_it(
        set_name, language, ranges, tmp_path, baclofen_data):
    content = write_yaml(tmp_path / "leaflet.yaml", with_language(baclofen_data, language))
    patient = tmp_path / "patient.yaml"
    patient.write_text(PATIENT, "utf-8")
    pdf = build_pdf(content, BuildOptions(template=set_name, patient=patient)).pdf
    first = squash(page_texts(pdf)[0])
    assert all(squash(text) in first for text in ranges), first[:600]


@pytest.mark.parametrize("profile", ["eu", "large"])
def test_the_chart_s_clock_times_stay_whole_in_chinese(profile, tmp_path, baclofen_data):
    """A CJK document's cells keep room for hanging punctuation; the narrow time columns
    of the tick chart must still hold "20:00" on one line."""
    content = write_yaml(tmp_path / "leaflet.yaml", with_language(baclofen_data, "zh"))
    patient = tmp_path / "patient.yaml"
    patient.write_text(PATIENT, "utf-8")
    pdf = build_pdf(content, BuildOptions(patient=patient, profile=profile)).pdf
    cells = {line.strip() for line in page_texts(pdf)[0].splitlines()}
    assert {"8:00", "14:00", "20:00"} <= cells, sorted(cells)

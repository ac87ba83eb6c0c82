"""`leaflet import`: each real ePI and SPL example becomes a draft content file that loses
none of the source's text, guesses nothing, says what a person must still do, and
builds in every layout and profile once that is done.

The examples are read where CI keeps them, beside the checkout (../shared); their text
belongs to their authors and is never copied into this repository. What the test
"fills in" below is what a pharmacist would write from the leaflet, and stays in a
temporary folder.
"""

from __future__ import annotations

import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT
from pdfread import body_text, reader

from leaflet.cli import main
from leaflet.sources.importers import import_source

EPI = ROOT.parent / "shared" / "examples" / "epi"
V3 = "{urn:hl7-org:v3}"


# Each example's file and the language it is in. The dose table stays as the import left
# it ([placeholders], printed highlighted): a draft builds with it.
EXAMPLES: dict[str, dict[str, Any]] = {
    "aclasta": {"file": "Bundle-545701.json", "language": "no"},
    "karvea": {"file": "Bundle-bundlepackageleaflet-en-dcaa4d32aa6658a8df831551503e52ee.json",
               "language": "en"},
    "tegretol": {"file": "Bundle-bundlepackageleaflet-es-2f37d696067eeb6daf1111cfc3272672"
                         ".json", "language": "es"},
    "triaminic": {"file": "cough.xml", "language": "en-US"},
    "lipitor": {"file": "lipitor-repack.xml", "language": "en-US"},
}
DOSE_TABLE = ["sections.dosing.schedule.steps[0].dose",
              "sections.dosing.schedule.steps[0].times_a_day",
              "sections.dosing.maximum_daily_dose"]
NAMES = sorted(EXAMPLES)
URGENT_SIGN = "a sign the pharmacist writes here"
LAYOUTS = ("standard", "two-column", "booklet")
PROFILES = ("eu", "us", "clear", "large")



def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="session")
def imported(tmp_path_factory) -> dict[str, Path]:
    """Each example imported once with the CLI, as a user runs it."""
    folder = tmp_path_factory.mktemp("imported")
    found = {}
    for name, example in EXAMPLES.items():
        output = folder / f"{name}.yaml"
        assert main(["import", str(EPI / example["file"]), "-o", str(output)]) == 0
        found[name] = output
    return found


def fill_in(path: Path, name: str) -> Path:
    """The import with what `leaflet check` says a person must act on written in: an
    urgent sign, where the text gave none. Nothing else, the dose table least of all."""
    data = yaml.safe_load(path.read_text("utf-8"))
    urgent = data["sections"]["side_effects"]["urgent"]
    if all(sign.startswith("[") for sign in urgent["signs"]):
        urgent["signs"] = [URGENT_SIGN]
    filled = path.with_name(f"{name}-filled.yaml")
    filled.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return filled


@pytest.fixture(scope="session")
def standard_pdfs(imported, tmp_path_factory) -> dict[str, bytes]:
    """Each import, its urgent sign written in, built as `leaflet build` builds it,
    standard layout."""
    folder = tmp_path_factory.mktemp("built")
    pdfs = {}
    for name, path in imported.items():
        pdf = folder / f"{name}.pdf"
        assert main(["build", str(fill_in(path, name)), "-o", str(pdf)]) == 0
        pdfs[name] = pdf.read_bytes()
    return pdfs


# ---- the text a patient section holds, collected without the importer -------------

def _text_nodes(element: ET.Element) -> list[str]:
    nodes = [element.text or ""]
    for child in element:
        nodes += [*_text_nodes(child), child.tail or ""]
    return nodes


def epi_texts(path: Path) -> list[str]:
    """Every title and every text node of every section of the Composition. A narrative
    of only 'unavailable' is these files' way of saying a section has no text."""
    bundle = json.loads(path.read_text("utf-8"))
    composition = bundle["entry"][0]["resource"]
    texts: list[str] = []

    def walk(sections: list[dict[str, Any]]) -> None:
        for section in sections:
            texts.append(section.get("title") or "")
            div = (section.get("text") or {}).get("div")
            if div:
                element = ET.fromstring(div)
                if "".join(element.itertext()).strip() != "unavailable":
                    texts.extend(_text_nodes(element))
            walk(section.get("section", []))

    walk(composition["section"])
    return [text for text in texts if text.strip()]


def spl_texts(path: Path) -> list[str]:
    """Every title and text node of the patient sections: the patient package insert of a
    prescription label, every section of a Drug Facts label but its listing data and the
    carton picture."""
    root = ET.parse(path).getroot()
    if root.find(f"{V3}code").get("code") == "34391-3":
        sections = [s for s in root.iter(f"{V3}section")
                    if s.find(f"{V3}code").get("code") in ("42230-3", "42231-1")]
    else:
        body = root.find(f"{V3}component/{V3}structuredBody")
        sections = [c.find(f"{V3}section") for c in body.findall(f"{V3}component")]
        sections = [s for s in sections
                    if s.find(f"{V3}code").get("code") not in ("48780-1", "51945-4")]
    texts: list[str] = []
    for section in sections:
        for part in section.iter(f"{V3}section"):
            for tag in ("title", "text"):
                element = part.find(f"{V3}{tag}")
                if element is not None:
                    texts.extend(_text_nodes(element))
    return [text for text in texts if text.strip()]


def same(text: str) -> str:
    """Compare regardless of line breaks, spacing, soft hyphens, Unicode form and case
    (the import may write a name line in capitals as the headings do)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text).replace("\u00ad", "")).casefold()


def source_texts(name: str) -> list[str]:
    path = EPI / EXAMPLES[name]["file"]
    return epi_texts(path) if path.suffix == ".json" else spl_texts(path)


@pytest.mark.parametrize("name", NAMES)
def test_every_text_of_the_source_reaches_the_pdf(name, standard_pdfs):
    """All of it, but what the report names as worded by the template itself."""
    printed = same(body_text(standard_pdfs[name]))
    report = import_source(EPI / EXAMPLES[name]["file"]).report
    worded = [same(r.text) for r in report.replaced]
    texts = source_texts(name)
    missing = [text for text in texts
               if same(text) not in printed and not any(same(text) in r for r in worded)]
    assert len(texts) > 60
    assert missing == []


@pytest.mark.parametrize("name", NAMES)
def test_only_headings_name_lines_contents_and_the_standard_box_are_not_copied(name,
                                                                               standard_pdfs):
    report = import_source(EPI / EXAMPLES[name]["file"]).report
    printed = same(body_text(standard_pdfs[name]))
    assert {r.kind for r in report.replaced} <= {"heading", "name line", "contents list",
                                                 "opening box"}
    for replaced in report.replaced:
        if replaced.kind == "opening box":
            assert same(replaced.text) in printed  # the default template's own words
        else:
            assert len(replaced.text.split()) <= 15, replaced  # a heading, not a paragraph


def test_the_standard_opening_box_is_what_the_default_template_prints(standard_pdfs):
    from leaflet.sources.importers.opening import STANDARD_BOX

    printed = same(body_text(standard_pdfs["karvea"]))
    assert all(same(line) in printed for line in STANDARD_BOX)


# ---- what the file says ------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_an_import_is_a_draft_in_the_source_language_that_names_its_source(name, imported):
    data = yaml.safe_load(imported[name].read_text("utf-8"))
    example = EXAMPLES[name]
    assert data["review"] == {"status": "draft"}
    assert data["leaflet"]["language"] == example["language"]
    source = data["leaflet"]["source"]
    assert source["file"] == example["file"]
    assert source["format"] in ("HL7 FHIR ePI document Bundle (JSON)",
                                "FDA SPL document (HL7 v3 XML)")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", source["date"])


@pytest.mark.parametrize("name", NAMES)
def test_the_same_source_gives_the_same_bytes(name, imported, tmp_path, capsys):
    again = tmp_path / imported[name].name
    assert run(capsys, "import", str(EPI / EXAMPLES[name]["file"]), "-o", str(again))[0] == 0
    assert again.read_bytes() == imported[name].read_bytes()


@pytest.mark.parametrize("name", NAMES)
def test_check_finds_errors_only_where_the_report_says_a_person_must_act(name, imported,
                                                                         capsys):
    code, out, _ = run(capsys, "check", str(imported[name]), "--format", "json")
    errors = [f["key"] for file in json.loads(out)["files"] for f in file["findings"]
              if f["severity"] == "error"]
    todo = {t.key for t in import_source(EPI / EXAMPLES[name]["file"]).report.todo}
    assert set(errors) <= todo
    # the urgent box, where the text did not say which signs need help at once (Lipitor's
    # did); the dose table's placeholders are warnings in a draft
    assert errors == ([] if name == "lipitor" else ["sections.side_effects.urgent.signs"])
    assert code == (0 if name == "lipitor" else 1)


@pytest.mark.parametrize("name", NAMES)
def test_check_lists_the_dose_table_for_a_person_to_write(name, imported, capsys):
    _, out, _ = run(capsys, "check", str(imported[name]), "--format", "json")
    dose_table = [f["key"] for file in json.loads(out)["files"] for f in file["findings"]
                  if f["message"].startswith("dose table: a person must write this")]
    assert dose_table == DOSE_TABLE


def test_a_draft_whose_text_names_the_urgent_signs_builds_as_imported(imported, tmp_path,
                                                                      capsys):
    """Lipitor's text says which side effects need help at once: nothing to write first."""
    pdf = tmp_path / "lipitor.pdf"
    code, _, err = run(capsys, "build", str(imported["lipitor"]), "-o", str(pdf))
    assert code == 0, err
    assert "dose each time" in body_text(pdf.read_bytes())


@pytest.mark.parametrize("name", NAMES)
def test_filled_in_it_passes_the_checks(name, imported, capsys):
    code, out, _ = run(capsys, "check", str(fill_in(imported[name], name)))
    assert code == 0, out


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", NAMES)
def test_filled_in_it_builds_in_every_layout(name, layout, imported, tmp_path, capsys):
    pdf = tmp_path / f"{name}.pdf"
    code, out, err = run(capsys, "build", str(fill_in(imported[name], name)), "--layout",
                         layout, "-o", str(pdf))
    assert code == 0, err
    assert out.startswith(f"wrote {pdf} (")


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", NAMES)
def test_filled_in_it_builds_in_every_profile(name, profile, imported, tmp_path, capsys):
    pdf = tmp_path / f"{name}.pdf"
    code, _, err = run(capsys, "build", str(fill_in(imported[name], name)), "--profile",
                       profile, "-o", str(pdf))
    assert code == 0, err


@pytest.mark.parametrize("name", NAMES)
def test_the_pdf_says_where_the_text_came_from(name, standard_pdfs):
    """In the leaflet's language: "Este texto se importó de ..." in a Spanish one."""
    from leaflet.render.templates import resolve_set
    from leaflet.render.wording import wording_for

    printed = same(body_text(standard_pdfs[name]))
    words = wording_for(resolve_set("default").chain, "default", EXAMPLES[name]["language"])
    lead_in = words.text("This text was imported from %(file)s (%(details)s).")
    assert same(lead_in.split("%(file)s")[0] + EXAMPLES[name]["file"] + " (") in printed


# ---- what the report says ----------------------------------------------------------

def test_the_report_names_each_section_its_key_and_the_work_left(capsys, tmp_path):
    output = tmp_path / "karvea.yaml"
    code, out, err = run(capsys, "import", str(EPI / EXAMPLES["karvea"]["file"]), "-o",
                         str(output))
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == (f"imported {EPI / EXAMPLES['karvea']['file']}: a package leaflet (HL7 "
                        "FHIR ePI document Bundle (JSON)), language en")
    assert "      Do not take Karvea -> sections.before_taking.do_not_take (by a heading in " \
           "the text)" in lines
    assert "      Use in children and adolescents -> sections.before_taking.children (by a " \
           "heading in the text)" in lines  # under section 3, moved to its place in 2
    assert "to do by a person (16):" in lines
    assert ("  sections.dosing.schedule.steps: write the dose table, from the dosing text: the "
            "source gives none a program can read safely; the draft builds with it "
            "highlighted and cannot be approved until it is written") in lines
    assert lines[-1] == f"wrote {output} (a draft); next: leaflet check {output}"


@pytest.mark.parametrize(("name", "warnings"), [
    ("aclasta", []),  # Norwegian, and the sets have Norwegian wording: nothing to say
    ("tegretol", []),
    ("lipitor", ["warning: the file names no language; leaflet.language is 'en-US': a "
                 "patient package insert is in that language; check it"]),
])
def test_the_language_is_the_sources_and_an_unnamed_one_is_warned_of(name, warnings,
                                                                      tmp_path, capsys):
    code, _, err = run(capsys, "import", str(EPI / EXAMPLES[name]["file"]), "-o",
                       str(tmp_path / "out.yaml"))
    assert code == 0
    assert err.splitlines() == warnings


def test_a_value_worked_out_from_the_text_is_in_the_report_and_the_file(imported):
    """Lipitor's text says which side effects need a doctor at once: the urgent box takes
    that line and the list after it, as the source words them."""
    report = import_source(EPI / EXAMPLES["lipitor"]["file"]).report
    assert [(d.key, d.value) for d in report.derivations] == [
        ("sections.side_effects.urgent.signs", "8 signs")]
    text = imported["lipitor"].read_text("utf-8")
    urgent = yaml.safe_load(text)["sections"]["side_effects"]["urgent"]
    source = [" ".join(t.split()) for t in source_texts("lipitor")]
    assert urgent["intro"] in source and urgent["intro"].endswith(":")
    assert all(sign in source for sign in urgent["signs"])
    comment = re.search(r"# Worked out from the source \('(.+)\n\s+# (.+)\n\s+signs:", text)
    assert comment and urgent["intro"] in " ".join(comment.groups())


def test_dates_in_other_languages_are_read_only_as_dates(imported):
    """The revision date, written in the text as a date, is the one value a Norwegian or
    Spanish leaflet gives; nothing else is read from words in another language."""
    for name, date in (("aclasta", "2022-11-09"), ("tegretol", "2022-01")):
        report = import_source(EPI / EXAMPLES[name]["file"]).report
        assert [(d.key, d.value) for d in report.derivations] == [
            ("leaflet.revision_date", date)]


def test_no_list_is_taken_for_what_it_treats_unless_the_line_before_says_so(imported):
    """Lipitor's first list follows a line about risk factors, which is not what it
    treats; Karvea's follows a line saying whom it is used in."""
    lipitor = yaml.safe_load(imported["lipitor"].read_text("utf-8"))["sections"]["about"]
    karvea = yaml.safe_load(imported["karvea"].read_text("utf-8"))["sections"]["about"]
    assert lipitor["used_for"] == ["[what it is used for, one item each]"]
    assert len(karvea["used_for"]) == 2
    assert all(item in source_texts("karvea") for item in karvea["used_for"])


def test_an_epi_in_fhir_xml_imports_as_its_json_does(tmp_path, capsys):
    """The Norwegian Bundle written as FHIR XML (by the rules of the FHIR XML format)."""
    bundle = json.loads((EPI / EXAMPLES["aclasta"]["file"]).read_text("utf-8"))
    xml_file = tmp_path / "Bundle-545701.xml"
    xml_file.write_bytes(ET.tostring(fhir_xml(bundle), encoding="utf-8",
                                     xml_declaration=True))
    from_json = import_source(EPI / EXAMPLES["aclasta"]["file"])
    from_xml = import_source(xml_file)
    source = from_xml.data["leaflet"].pop("source")
    from_json.data["leaflet"].pop("source")
    assert source["format"] == "HL7 FHIR ePI document Bundle (XML)"
    assert from_xml.data == from_json.data


def fhir_xml(resource: dict[str, Any]) -> ET.Element:
    """FHIR JSON -> FHIR XML: a primitive is an element with a value attribute, an array
    repeats its element, a resource in an entry sits in <resource>, a narrative's div is
    XHTML."""
    element = ET.Element(f"{{http://hl7.org/fhir}}{resource['resourceType']}")
    _fhir_children(element, resource)
    return element


def _fhir_children(parent: ET.Element, value: dict[str, Any]) -> None:
    for key, child in value.items():
        if key == "resourceType":
            continue
        for item in child if isinstance(child, list) else [child]:
            tag = f"{{http://hl7.org/fhir}}{key}"
            if key == "div":
                parent.append(ET.fromstring(item))
            elif key == "resource":
                ET.SubElement(parent, tag).append(fhir_xml(item))
            elif isinstance(item, dict):
                _fhir_children(ET.SubElement(parent, tag), item)
            else:
                ET.SubElement(parent, tag, value=str(item).lower() if isinstance(item, bool)
                              else str(item))


def test_a_leaflet_that_says_its_doses_plainly_imports_ready_to_check(tmp_path, capsys,
                                                                      monkeypatch):
    """A made-up English ePI whose words leave one reading of the dose, the highest dose,
    a frequency group and the signs that need help at once: each is filled, commented and
    reported, and the draft checks and builds without a person writing numbers."""
    div = '<div xmlns="http://www.w3.org/1999/xhtml">{}</div>'.format
    sections = [
        ("Package leaflet: Information for the user", "<p>Madeupol 10 mg tablets</p>"
                                                      "<p>madeupolol</p>"),
        ("1. What Madeupol is and what it is used for",
         "<p>Madeupol is a made-up medicine. It is used to treat:</p><ul><li>made-up pain"
         "</li></ul>"),
        ("3. How to take Madeupol", "<p>The usual dose is 10 mg twice a day.</p>"
                                    "<p>Do not take more than 20 mg a day.</p>"),
        ("4. Possible side effects", "<p>Get emergency help at once if you have:</p>"
                                     "<ul><li>a swollen face</li></ul>"
                                     "<p>Common (may affect up to 1 in 10 people):</p>"
                                     "<ul><li>headache</li></ul>"),
    ]
    bundle = {"resourceType": "Bundle", "type": "document", "entry": [{"resource": {
        "resourceType": "Composition", "language": "en",
        "type": {"coding": [{"code": "100000155538"}]},
        "section": [{"title": title, "text": {"div": div(body)}} for title, body in sections],
    }}]}
    source = tmp_path / "source.json"
    source.write_text(json.dumps(bundle), "utf-8")
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "import", str(source))[0] == 0  # named after the medicine
    content = tmp_path / "madeupol.yaml"
    data = yaml.safe_load(content.read_text("utf-8"))
    dosing, effects = data["sections"]["dosing"], data["sections"]["side_effects"]
    assert dosing["schedule"]["steps"] == [{"dose": "10 mg", "times_a_day": 2}]
    assert dosing["maximum_daily_dose"] == "20 mg"
    assert effects["urgent"] == {"intro": "Get emergency help at once if you have:",
                                 "signs": ["a swollen face"]}
    assert effects["by_frequency"] == {"common": ["headache"]}
    assert content.read_text("utf-8").count("# Worked out from the source (") == 4
    assert run(capsys, "check", str(content))[0] == 0
    assert run(capsys, "build", str(content), "-o", str(tmp_path / "madeupol.pdf"))[0] == 0


def test_a_section_of_its_own_keeps_paragraphs_as_paragraphs_and_a_list_as_a_list(imported):
    """The Norwegian text for health professionals is prose; the Drug Facts warnings are
    lists."""
    aclasta = yaml.safe_load(imported["aclasta"].read_text("utf-8"))["extra_sections"]
    triaminic = yaml.safe_load(imported["triaminic"].read_text("utf-8"))["extra_sections"]
    (professional,) = aclasta.values()
    assert "items" not in professional and len(professional["paragraphs"]) > 5
    assert all("paragraphs" not in section for key, section in triaminic.items()
               if key.startswith(("when_using", "stop_use")))
    assert all(section["items"] for key, section in triaminic.items()
               if key.startswith(("when_using", "stop_use")))


def test_a_text_too_long_to_lead_into_a_list_is_its_first_item(imported):
    """Tegretol's paragraph before its medicines is longer than an intro may be: it stays
    whole, and a person writes the sentence leading into the list."""
    other = yaml.safe_load(imported["tegretol"].read_text("utf-8"))["sections"][
        "before_taking"]["other_medicines"]
    assert other["intro"] == "[one sentence leading into the list of medicines]"
    assert " ".join(other["items"][0].split()) in [" ".join(t.split()) for t in
                                                   _paragraph_texts("tegretol")]


def _paragraph_texts(name: str) -> list[str]:
    """The text of each XHTML paragraph of an ePI, tags inside it set aside."""
    bundle = json.loads((EPI / EXAMPLES[name]["file"]).read_text("utf-8"))
    found: list[str] = []

    def walk(sections: list[dict[str, Any]]) -> None:
        for section in sections:
            div = (section.get("text") or {}).get("div")
            if div:
                found.extend("".join(p.itertext()) for p in
                             ET.fromstring(div).iter("{http://www.w3.org/1999/xhtml}p"))
            walk(section.get("section", []))

    walk(bundle["entry"][0]["resource"]["section"])
    return found


@pytest.mark.parametrize("name", NAMES)
def test_the_pdf_metadata_names_the_source_in_info_and_xmp(name, standard_pdfs):
    pdf = reader(standard_pdfs[name])
    source = import_source(EPI / EXAMPLES[name]["file"]).data["leaflet"]["source"]
    subject = pdf.metadata.subject
    assert f"; imported from {source['file']} ({source['format']}, " in subject
    assert f"dated {source['date']})" in subject
    assert pdf.xmp_metadata.dc_description == {"x-default": subject}


@pytest.mark.parametrize("name", NAMES)
def test_an_imported_leaflet_is_a_valid_pdf(name, standard_pdfs):
    from test_pdf_valid import qpdf_check

    assert qpdf_check(standard_pdfs[name]) == []

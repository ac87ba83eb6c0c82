"""A file that is not a leaflet we can read, or an output we may not write: one line
saying what it is, exit code 1 (the input) or 2 (the output), nothing written, and an
existing output file left exactly as it was. Every input here is made up."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from leaflet.cli import main
from leaflet.sources.importers import reading

OLD = "# an earlier content file, kept as it was\n"
XHTML = "http://www.w3.org/1999/xhtml"


def bundle(type_: str = "document", composition: dict | None = None) -> dict:
    composition = composition or {
        "resourceType": "Composition",
        "type": {"coding": [{"code": "100000155538"}], "text": "Package Leaflet"},
        "section": [{"title": "1. What Madeupol is and what it is used for",
                     "text": {"div": f'<div xmlns="{XHTML}"><p>Made-up text.</p></div>'}}]}
    return {"resourceType": "Bundle", "type": type_, "entry": [{"resource": composition}]}


def composition(**changes) -> dict:
    found = bundle()["entry"][0]["resource"]
    found.update(changes)
    return found


def spl(code: str, body: str = "") -> str:
    return (f'<document xmlns="urn:hl7-org:v3"><code code="{code}" displayName="A LABEL"/>'
            f"<component><structuredBody>{body}</structuredBody></component></document>")


def as_json(data: object) -> Callable[[Path], Path]:
    return text(json.dumps(data))


def text(content: str, name: str = "source.txt") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_text(content, "utf-8")
        return path
    return make


def fifo(folder: Path) -> Path:
    path = folder / "pipe"
    os.mkfifo(path)
    return path


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]><Bundle>&lol2;</Bundle>')
OTHER_CODES = {"section": [{"title": "4.2 Posology", "code": {"coding": [
    {"system": "https://spor.ema.europa.eu/v1/lists/200000029659", "code": "200000029801"}]},
    "text": {"div": f'<div xmlns="{XHTML}"><p>Made-up text.</p></div>'}}]}

BAD_INPUTS = {
    "missing": (lambda folder: folder / "nowhere.json", "{}: file not found"),
    "a folder": (lambda folder: folder, "{}: is a folder, not a file"),
    "a FIFO": (fifo, "{}: is a FIFO (named pipe), not a file; save what it would send to a file"),
    "empty": (text("  \n"), "{}: the file is empty"),
    "plain text": (text("Take two a day."), "{}: this is neither JSON nor XML: give an ePI (a "
                                           "FHIR Bundle, JSON or XML) or an SPL document "
                                           "(XML)"),
    "broken JSON": (text('{\n  "resourceType": "Bundle",\n  "type" "document"\n}'),
                    "{}:3: broken JSON: Expecting ':' delimiter"),
    "JSON not UTF-8": (lambda folder: _bytes(folder, b'{"title": "caf\xe9"}'),
                       "{}:1: not UTF-8 text (byte 0xe9); FHIR JSON is always UTF-8"),
    "broken XML": (text("<document>\n<title>x</titel>\n</document>"),
                   "{}:2: broken XML: mismatched tag"),
    "XML with entities": (text(BILLION_LAUGHS), "{}: XML with a document type declaration "
                                                "(DTD) is refused: a leaflet needs none, and "
                                                "one can expand entities or fetch files"),
    "other XML": (text('<html xmlns="http://www.w3.org/1999/xhtml"/>'),
                  "{}: this is XML with the root element <html>, neither a FHIR Bundle nor "
                  "an SPL document"),
    "JSON, not FHIR": (as_json({"name": "Madeupol"}), "{}: this is JSON but not a FHIR "
                                                      "resource (no resourceType); an ePI is "
                                                      "a FHIR Bundle"),
    "a FHIR Patient": (as_json({"resourceType": "Patient"}),
                       "{}: this is a FHIR Patient, not a Bundle; an ePI is a FHIR document "
                       "Bundle"),
    "a Composition alone": (as_json(composition()),
                            "{}: this is a FHIR Composition on its own; give the document "
                            "Bundle that holds it"),
    "a transaction Bundle": (as_json(bundle("transaction")),
                             "{}: this is a FHIR Bundle of type 'transaction', not a "
                             "document Bundle; an ePI is a Bundle of type 'document'"),
    "no Composition": (as_json({"resourceType": "Bundle", "type": "document", "entry": []}),
                       "{}: this document Bundle has no Composition, so it holds no leaflet"),
    "an SmPC by its type": (as_json(bundle(composition=composition(
        type={"coding": [{"code": "100000155532"}]}))),
        "{}: this is a summary of product characteristics, not a package leaflet"),
    "an SmPC by its name": (as_json(bundle(composition=composition(
        type={"text": "Summary of Product Characteristics"}))),
        "{}: this is a summary of product characteristics, not a package leaflet"),
    "an SmPC by its headings": (as_json(bundle(composition=composition(
        type={"text": "Product information"}, **OTHER_CODES))),
        "{}: this is a summary of product characteristics, not a package leaflet (its "
        "headings carry that document's codes)"),
    "labelling": (as_json(bundle(composition=composition(
        type={"coding": [{"code": "100000155535"}]}))),
        "{}: this is labelling, not a package leaflet"),
    "a leaflet without text": (as_json(bundle(composition=composition(
        section=[{"title": "1. What Madeupol is and what it is used for"}]))),
        "{}: this package leaflet has no text: none of its sections has any"),
    "broken XHTML": (as_json(bundle(composition=composition(section=[
        {"title": "Dosing", "text": {"div": f'<div xmlns="{XHTML}"><p>Take</div>'}}]))),
        "{}: broken XHTML in the text of section 'Dosing': mismatched tag"),
    "a control character": (as_json(bundle(composition=composition(section=[
        {"title": "Dosing", "text": {"div": f'<div xmlns="{XHTML}"><p>Take \x85 \x9b</p>'
                                            "</div>"}}]))),
        "{}: the text of section 'Dosing' cannot be imported: U+009B (a control character) at "
        "character 6 is not text; remove it"),
    "right-to-left text": (as_json(bundle(composition=composition(section=[
        {"title": "Dosing", "text": {"div": f'<div xmlns="{XHTML}"><p>Take \u05d0</p>'
                                            "</div>"}}]))),
        "{}: the text of section 'Dosing' cannot be imported: right-to-left text (Hebrew) "
        "cannot be printed correctly yet: U+05D0 HEBREW LETTER ALEF at character 6"),
    "an SPL label without patient text": (text(spl("34391-3")),
                                          "{}: this is a human prescription drug label "
                                          "(SPL) without a patient section: it has no "
                                          "patient package insert (42230-3) or Medication "
                                          "Guide (42231-1)"),
    "another SPL document": (text(spl("53452-9")), "{}: this is an SPL document of type 'A "
                                                   "LABEL' (53452-9), not a drug label with a "
                                                   "patient section"),
    "a Drug Facts label without text": (text(spl("34390-5")),
                                        "{}: this Drug Facts label has no text"),
    "nested too deeply": (text(f'<Bundle xmlns="http://hl7.org/fhir">{"<a>" * 5000}'
                               f'{"</a>" * 5000}</Bundle>'),
                          "{}: nested too deeply to be a leaflet; refused"),
}


def _bytes(folder: Path, data: bytes) -> Path:
    path = folder / "source.json"
    path.write_bytes(data)
    return path


@pytest.fixture
def run(tmp_path, capsys):
    """Import into an existing output file; return (exit code, stdout, stderr lines) and
    hold that nothing was written and the old file is as it was."""

    def run_cli(source: Path, *options: str, output: Path | None = None):
        target = output or tmp_path / "out" / "medicine.yaml"
        if output is None:
            target.parent.mkdir()
            target.write_text(OLD, "utf-8")
        folder = target.parent
        before = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else None
        code = main(["import", str(source), "-o", str(target), *options])
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        if output is None:
            assert target.read_text("utf-8") == OLD, "a failed import changed the output"
        after = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else None
        assert after == before, "a failed import left a file behind"
        return code, captured.out, captured.err.splitlines()

    return run_cli


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_a_bad_input_is_one_line_exit_1_and_writes_nothing(case, tmp_path, run):
    make, message = BAD_INPUTS[case]
    folder = tmp_path / "in"
    folder.mkdir()
    source = make(folder)
    code, out, err = run(source, "--force")
    assert (code, out) == (1, "")
    assert err == ["error: " + message.format(source)]


def test_the_size_limit_counts_bytes_read(tmp_path, run, monkeypatch):
    monkeypatch.setattr(reading, "MAX_SOURCE_BYTES", 1000)
    source = tmp_path / "big.json"
    source.write_text(json.dumps(bundle()) + " " * 1000, "utf-8")
    code, _, err = run(source, "--force")
    assert code == 1
    assert err == [f"error: {source}: file is larger than 1,000 bytes; refused"]


def test_a_device_is_refused_without_reading_it(tmp_path, run):
    code, _, err = run(Path("/dev/zero"), "--force")
    assert code == 1
    assert err == ["error: /dev/zero: is a device, not a file"]


@pytest.fixture
def good(tmp_path) -> Path:
    path = tmp_path / "madeupol.json"
    path.write_text(json.dumps(bundle()), "utf-8")
    return path


def test_an_existing_output_is_kept_without_force(good, run):
    code, _, err = run(good)
    assert code == 2
    assert err == [f"error: {good.parent / 'out' / 'medicine.yaml'}: already exists; left as "
                   "it was (give --force to replace it)"]


def test_force_replaces_an_existing_output(good, tmp_path, capsys):
    target = tmp_path / "medicine.yaml"
    target.write_text(OLD, "utf-8")
    assert main(["import", str(good), "-o", str(target), "--force"]) == 0
    assert "medicine:" in target.read_text("utf-8")
    assert capsys.readouterr().out.endswith(f"wrote {target} (a draft); next: leaflet check "
                                            f"{target}\n")


def test_the_source_is_never_the_output_even_with_force(good, run):
    code, _, err = run(good, "--force", output=good)
    assert code == 2
    assert err == [f"error: {good}: is the file being imported; give another output file"]
    assert json.loads(good.read_text("utf-8")) == bundle()


def test_an_output_in_a_missing_folder_is_refused(good, run, tmp_path):
    code, _, err = run(good, output=tmp_path / "no-such-folder" / "x.yaml")
    assert code == 2
    assert err == [f"error: {tmp_path / 'no-such-folder' / 'x.yaml'}: output directory "
                   f"'{tmp_path / 'no-such-folder'}' does not exist"]


def test_a_huge_bold_paragraph_is_not_a_heading_and_costs_no_time(tmp_path, capsys):
    """Heading wordings are matched only against text short enough to be a heading."""
    huge = "Take " + "with water, " * 20000 + ":"
    data = bundle(composition=composition(section=[
        {"title": "3. How to take Madeupol",
         "text": {"div": f'<div xmlns="{XHTML}"><b>{huge}</b><p>Daily.</p></div>'}}]))
    source = tmp_path / "huge.json"
    source.write_text(json.dumps(data), "utf-8")
    start = time.perf_counter()
    assert main(["import", str(source), "-o", str(tmp_path / "out.yaml")]) == 0
    assert time.perf_counter() - start < 5
    capsys.readouterr()

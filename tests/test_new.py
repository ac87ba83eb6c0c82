"""`leaflet new NAME`: a blank content file made from the content format, whose comments
say what each key holds and the words each list is printed after, and which builds once
every placeholder is filled in."""

from __future__ import annotations

import datetime
import html
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from pdfread import body_text, squash

from leaflet.cli import main
from leaflet.errors import ContentError
from leaflet.render import render_markup, resolve_set
from leaflet.sources import CONTENT, load_content
from leaflet.sources.content import PLACEHOLDER
from leaflet.sources.schema import DoseSpec, Field, Integer, ListOf, MapOf, Mapping, Spec
from leaflet.sources.yaml_source import read_nodes

TODAY = datetime.date.today()
SETS = ("default", "us-medguide")
LEAD_IN = re.compile(r"(default set|us-medguide|both sets): after '([^']+)'")
VALUE_PLACEHOLDER = re.compile(r'"\[([^\[\]"]+)\]"')

# What a pharmacist would write for each [placeholder] of `leaflet new Metformin`, by the
# placeholder's words. An unknown placeholder is a KeyError: the test fails.
FILL: dict[str, Any] = {
    "strength": "500 mg",
    "form": "tablets",
    "active substance": "metformin hydrochloride",
    "language": "en-GB",
    "revision date": f"{TODAY:%Y-%m}",
    "author": "Example Pharmacy Ltd",
    "online url": "https://example.org/leaflets/metformin",
    "reviewer": "Sam Example, pharmacist",
    "date": TODAY.isoformat(),
    "what it is": "Metformin is a medicine that lowers the sugar in your blood.",
    "used for": "type 2 diabetes in adults",
    "how it helps": "It helps your body make better use of its own insulin.",
    "points": "Take metformin with a meal.",
    "do not take": "you are allergic to metformin or any of the other ingredients",
    "talk to doctor": "have kidney problems",
    "children": "Your doctor will tell you if metformin is right for a child.",
    "other medicines intro": "Tell your doctor about all the medicines you take, most of "
                             "all:",
    "other medicines items": "water tablets (diuretics)",
    "food and alcohol": "Do not drink a lot of alcohol while you take metformin.",
    "pregnancy and breastfeeding": "Talk to your doctor if you are pregnant or plan to be.",
    "driving": "Metformin on its own does not make you sleepy.",
    "before taking contains": "This medicine has no ingredients you need to know about.",
    "general": "Always take metformin exactly as your doctor has told you.",
    "schedule intro": "The table shows the usual first dose.",
    "timing": "Take one dose in the morning and one in the evening, with a meal.",
    "days": 14,
    "dose": "500 mg",
    "times a day": 2,
    "after": "Your doctor will then check your blood sugar and may change your dose.",
    "maximum daily dose": "2000 mg",
    "how to take": "Swallow each tablet whole with a glass of water.",
    "missed dose": "If you forget a dose, take the next one at the usual time.",
    "action": "If you take too much metformin, go to hospital at once.",
    "overdose signs": "breathing fast",
    "advice": "Talk to your doctor before you stop taking metformin.",
    "withdrawal signs": "feeling very thirsty",
    "side effects intro": "Like all medicines, metformin can cause side effects.",
    "urgent intro": "Go to hospital at once if you have:",
    "urgent signs": "fast breathing with stomach pain and feeling cold",
    "see doctor": "you feel very tired for no clear reason",
    "very common": "feeling sick (nausea)",
    "common": "a change in taste",
    "uncommon": "a rash",
    "rare": "itchy skin",
    "very rare": "yellow skin or eyes",
    "not known": "low vitamin B12 in your blood",
    "reporting": "Tell your doctor or pharmacist about any side effect you get.",
    "storage": "Keep this medicine out of the sight and reach of children.",
    "other information contains": "The active substance is metformin hydrochloride.",
    "appearance": "White, round tablets in packs of 56.",
    "holder": "Example Pharma Ltd, 1 Example Street, Exampletown",
    "contact": "Ask your pharmacist if you have any questions.",
    "title": "Travelling with metformin",
    "paragraphs": "Take enough tablets for your whole trip.",
    "my section items": "Keep them in your hand luggage.",
}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["new", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def blank(tmp_path, monkeypatch, capsys) -> Path:
    """`leaflet new Metformin` run in an empty folder, as a user would."""
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "Metformin") == (
        0, "wrote metformin.yaml: fill in every [placeholder], then run: leaflet check "
           "metformin.yaml\n", "")
    return tmp_path / "metformin.yaml"


def uncomment_extra(text: str) -> str:
    """Use the commented-out block of sections of one's own, as its note says."""
    lines = text.splitlines()
    start = lines.index("# extra_sections:")
    assert all(line.startswith("# ") for line in lines[start:])
    return "\n".join([*lines[:start], *(line[2:] for line in lines[start:])]) + "\n"


def fill(text: str) -> str:
    """Replace each quoted [placeholder] outside comments with its FILL value."""
    def value(match: re.Match[str]) -> str:
        return json.dumps(FILL[match.group(1)], ensure_ascii=False)

    return "\n".join(line if line.lstrip().startswith("#") else
                     VALUE_PLACEHOLDER.sub(value, line) for line in text.splitlines()) + "\n"


def strings(data: Any) -> list[str]:
    if isinstance(data, dict):
        return [s for value in data.values() for s in strings(value)]
    if isinstance(data, list):
        return [s for value in data for s in strings(value)]
    return [data] if isinstance(data, str) else []


@pytest.fixture
def filled(blank) -> Path:
    text = fill(uncomment_extra(blank.read_text("utf-8")))
    assert [s for s in strings(yaml.safe_load(text)) if re.search(PLACEHOLDER, s)] == []
    blank.write_text(text, "utf-8")
    return blank


def format_keys(spec: Spec, path: str = "") -> list[tuple[str, Field]]:
    """Every key of the format a person writes, with its field: 'a.b', 'steps[].dose' for a
    key of a list's items, 'extra_sections.*' for a key of one's own (not leaflet.source,
    which only `leaflet import` writes)."""
    found: list[tuple[str, Field]] = []
    if isinstance(spec, Mapping):
        for key, field in spec.fields.items():
            child = f"{path}.{key}" if path else key
            if child == "leaflet.source":
                continue
            found += [(child, field), *format_keys(field.spec, child)]
    elif isinstance(spec, MapOf):
        found += [(f"{path}.*", Field(spec.value)), *format_keys(spec.value, f"{path}.*")]
    elif isinstance(spec, ListOf):
        found += format_keys(spec.item, f"{path}[]")
    return found


def key_lines(text: str) -> dict[str, int]:
    """Key path -> 0-based line of each key of the file; keys in list items as 'a[].b'."""
    found: dict[str, int] = {}

    def walk(node: yaml.Node, path: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = "*" if path == "extra_sections" else key.value
                child = f"{path}.{child}" if path else child
                found[child] = key.start_mark.line
                walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for value in node.value:
                walk(value, f"{path}[]")

    walk(yaml.compose(text), "")
    return found


def comment_above(lines: list[str], line: int) -> str:
    """The comment lines just above a key, joined; a list item's '- ' line counts too."""
    words = []
    index = line - 1
    while index >= 0 and lines[index].lstrip().startswith("#"):
        words.insert(0, lines[index].lstrip()[1:].strip())
        index -= 1
    return " ".join(words)


def test_the_blank_reads_with_our_loader_and_names_the_medicine(blank):
    root = read_nodes(blank, ContentError)
    data = yaml.safe_load(blank.read_text("utf-8"))
    assert isinstance(root, yaml.MappingNode)
    assert data["medicine"]["name"] == "Metformin"
    assert data["review"]["status"] == "draft"
    assert data["sections"]["dosing"]["schedule"]["steps"] == [
        {"days": "[days]", "dose": "[dose]", "times_a_day": "[times a day]"}]


def test_every_key_of_the_format_is_in_the_blank(blank):
    text = blank.read_text("utf-8")
    expected = [path for path, _ in format_keys(CONTENT)]
    assert list(key_lines(uncomment_extra(text))) == expected
    assert [path for path in expected if path not in key_lines(text)] == [
        path for path in expected if path.startswith("extra_sections")]


def test_every_key_has_a_comment_and_optional_ones_say_so(blank):
    text = uncomment_extra(blank.read_text("utf-8"))
    lines = text.splitlines()
    where = key_lines(text)
    for path, field in format_keys(CONTENT):
        comment = comment_above(lines, where[path])
        assert comment.startswith("(optional) ") == (not field.required), (path, comment)
        assert field.spec.description.replace("NAME", "Metformin") in comment, path
        assert "NAME" not in comment


def test_each_list_comment_carries_its_lead_in_for_both_sets(blank):
    text = uncomment_extra(blank.read_text("utf-8"))
    lines = text.splitlines()
    where = key_lines(text)
    lists = [path for path, field in format_keys(CONTENT) if isinstance(field.spec, ListOf)]
    assert len(lists) == 38
    for path in lists:
        comment = comment_above(lines, where[path])
        assert "both sets: after " in comment or (
            "default set: after " in comment and "us-medguide: after " in comment), path


def test_numbers_and_doses_show_their_form_and_cannot_build_unfilled(blank, capsys):
    lines = blank.read_text("utf-8").splitlines()
    where = key_lines(blank.read_text("utf-8"))
    for path, field in format_keys(CONTENT):
        spec = field.spec
        if isinstance(spec, Integer):
            assert (f"A whole number from {spec.minimum} to {spec.maximum}, without quotes."
                    in comment_above(lines, where[path])), path
        if isinstance(spec, DoseSpec):
            assert "A number, a space and mg, g, micrograms or ml." in comment_above(
                lines, where[path]), path
    assert main(["build", str(blank), "-o", str(blank.with_suffix(".pdf"))]) == 1
    keys = [line.split(": ")[2] for line in capsys.readouterr().err.splitlines()]
    assert keys == ["leaflet.language"]
    assert not blank.with_suffix(".pdf").exists()


def test_filled_in_it_builds_and_passes_the_checks(filled, capsys):
    assert main(["check", str(filled)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"metformin\.yaml: passed: 0 errors, \d+ warnings?", out), out
    for template in SETS:
        pdf = filled.with_name(f"{template}.pdf")
        assert main(["build", str(filled), "--template", template, "-o", str(pdf)]) == 0
        assert capsys.readouterr().out.startswith(f"wrote {pdf} (")
        text = squash(body_text(pdf.read_bytes()))
        for value in ("Metformin 500 mg tablets", FILL["do not take"], FILL["title"]):
            assert squash(value) in text


def test_every_lead_in_is_the_words_the_set_prints_just_before(filled):
    """The descriptions' quoted lead-ins are checked against what each set renders: the
    words, then at once the key's first item."""
    content = load_content(filled)
    rendered = {name: _plain(render_markup(content, resolve_set(name))) for name in SETS}
    checked = 0
    for path, field in format_keys(CONTENT):
        for which, words in LEAD_IN.findall(field.spec.description):
            value = _at(content.data, path)
            first = value[0] if isinstance(value, list) else value
            for name in SETS if which == "both sets" else [which.replace(" set", "")]:
                expected = f"{words.replace('NAME', 'Metformin')} {first}"
                assert expected in rendered[name], (name, path, expected)
                checked += 1
    assert checked > 60


def _plain(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def _at(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data[key]
    return data


def test_the_schema_publishes_the_lead_ins(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    do_not_take = (schema["properties"]["sections"]["properties"]["before_taking"]
                   ["properties"]["do_not_take"])
    assert "both sets: after 'Do not take NAME if:'" in do_not_take["description"]


@pytest.mark.parametrize(("name", "file"), [
    ("Metformin", "metformin.yaml"),
    ("Co-amoxiclav 500 mg/125 mg", "co-amoxiclav-500-mg-125-mg.yaml"),
    ("  Insulin_glargine (pen)  ", "insulin-glargine-pen.yaml"),
    ("Ibuprofène", "ibuprofène.yaml"),
])
def test_the_default_file_name(tmp_path, monkeypatch, capsys, name, file):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, name)
    assert (code, err) == (0, "")
    assert out == f"wrote {file}: fill in every [placeholder], then run: leaflet check {file}\n"
    assert [p.name for p in tmp_path.iterdir()] == [file]
    assert yaml.safe_load((tmp_path / file).read_text("utf-8"))["medicine"]["name"] == name


def test_a_name_with_yaml_characters_is_kept_exactly(tmp_path, capsys):
    name = 'Dr "Q": #1 \\ [x] & Ω'
    path = tmp_path / "odd.yaml"
    assert run(capsys, name, "-o", str(path))[0] == 0
    read_nodes(path, ContentError)
    assert yaml.safe_load(path.read_text("utf-8"))["medicine"]["name"] == name
    assert f"Do not take {name} if:" in path.read_text("utf-8")


@pytest.mark.parametrize(("name", "message"), [
    ("Met\nformin", "error: 'Met\\nformin': the medicine's name must be one line of "
                    "printable text\n"),
    ("   ", "error: '   ': the medicine's name must be one line of printable text\n"),
    ("+/+", "error: '+/+': has no letters or digits to name the file after; give one with "
            "-o\n"),
])
def test_a_name_that_cannot_be_written_is_refused(tmp_path, monkeypatch, capsys, name,
                                                   message):
    monkeypatch.chdir(tmp_path)
    assert run(capsys, name) == (2, "", message)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_never_overwritten(blank, capsys):
    blank.write_text("medicine: mine\n", "utf-8")
    before = blank.stat().st_mtime_ns
    for argv in (["Metformin"], ["Other", "-o", "metformin.yaml"],
                 ["Other", "--output", "metformin.yaml"]):
        assert run(capsys, *argv) == (2, "", "error: metformin.yaml: already exists; left as "
                                             "it was (give another file name with -o)\n")
    assert blank.read_text("utf-8") == "medicine: mine\n"
    assert blank.stat().st_mtime_ns == before
    assert [p.name for p in blank.parent.iterdir()] == ["metformin.yaml"]


def test_a_directory_or_a_missing_folder_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "metformin.yaml").mkdir()
    assert run(capsys, "Metformin") == (
        2, "", "error: metformin.yaml: is a directory; give a file name ending in .yaml\n")
    assert run(capsys, "Metformin", "-o", "nowhere/m.yaml") == (
        2, "", "error: nowhere/m.yaml: output directory 'nowhere' does not exist\n")
    assert list((tmp_path / "metformin.yaml").iterdir()) == []
    assert not (tmp_path / "nowhere").exists()


def test_a_folder_that_cannot_be_written_is_refused(tmp_path, monkeypatch, capsys):
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    path = tmp_path / "m.yaml"
    assert run(capsys, "Metformin", "-o", str(path)) == (
        2, "", f"error: {path}: cannot write here: Permission denied\n")
    assert not path.exists()


def test_without_hard_links_the_file_is_still_written_whole(tmp_path, monkeypatch, capsys):
    def no_links(*args: Any) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "m.yaml"
    assert run(capsys, "Metformin", "-o", str(path))[0] == 0
    assert yaml.safe_load(path.read_text("utf-8"))["medicine"]["name"] == "Metformin"
    assert [p.name for p in tmp_path.iterdir()] == ["m.yaml"]


def test_the_command_is_listed_in_the_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert re.search(r"^\s+new\s+write a blank content file", capsys.readouterr().out, re.M)

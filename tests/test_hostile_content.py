"""Hostile input gets one clear line and exit code 1, never a crash, a hang or a misprint:
files that are not files, numbers YAML reads another way, characters that are not text,
right-to-left text, sizes no leaflet reaches, images that would not print, and messages
that could not disguise what they quote."""

from __future__ import annotations

import contextlib
import csv
import os
import threading
import time
import unicodedata
from pathlib import Path

import pytest
import yaml
from conftest import BACLOFEN
from pdfread import body_text

from leaflet.build import BuildOptions, build_pdf
from leaflet.cli import main
from leaflet.errors import ContentError, ThemeError
from leaflet.render.theme import load_theme
from leaflet.sources import yaml_source
from leaflet.sources.characters import refused_character
from leaflet.sources.files import read_file

GOOD_OLD_PDF = b"%PDF-1.4 an earlier, good leaflet\n"
PATIENT = """\
name: Jane Example
prescriber: Dr Amir Patel
pharmacy: Riverside Pharmacy
start_date: 2026-03-12
times: [8:00, 14:00, 20:00]
steps:
  - {days: 3, dose: 5 mg, times_a_day: 3}
  - {dose: 20 mg, times_a_day: 3}
"""


@pytest.fixture
def run(tmp_path, capsys):
    """`leaflet ARGS...` in-process over an existing output file; (exit code, stderr lines),
    after checking no traceback, the old output untouched on failure, nothing left behind."""

    def run_cli(command: str, *args: str) -> tuple[int, list[str]]:
        target = tmp_path / "out.pdf"
        target.write_bytes(GOOD_OLD_PDF)
        output = ["-o", str(target)] if command == "build" else []
        code = main([command, *args, *output])
        err = capsys.readouterr().err
        assert "Traceback" not in err
        if code:
            assert target.read_bytes() == GOOD_OLD_PDF, "a failed build clobbered the output"
        leftovers = [p.name for p in tmp_path.iterdir()
                     if p.suffix in (".pdf", ".tmp") and p.name != "out.pdf"]
        assert leftovers == [], "a failed build left a file behind"
        return code, err.strip().splitlines()

    return run_cli


def dump(tmp_path: Path, data: dict, name: str = "bad.yaml") -> tuple[str, str]:
    path = tmp_path / name
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6)
    path.write_text(text, "utf-8")
    return str(path), text


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def png(path: Path, size: tuple[int, int] = (240, 80), mode: str = "RGB") -> Path:
    from PIL import Image

    Image.new(mode, size).save(path)
    return path


def cut_short(path: Path) -> Path:
    data = png(path, (400, 200)).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


# files that are not files


@pytest.fixture
def fifo(tmp_path) -> Path:
    """A FIFO nobody writes to; if a reader blocks on it, a writer comes after 3 s, so a
    regression fails on time instead of hanging the test run."""
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)

    def unblock() -> None:
        with contextlib.suppress(OSError):  # nobody is reading it: nothing to unblock
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))

    timer = threading.Timer(3, unblock)
    timer.start()
    yield path
    timer.cancel()


FIFO = "is a FIFO (named pipe), not a file; save what it would send to a file"


@pytest.mark.parametrize("option", ["content", "--patient", "batch"])
def test_a_fifo_is_refused_without_waiting_for_a_writer(run, fifo, option):
    start = time.perf_counter()
    if option == "batch":
        result = run("batch", str(fifo), "--out-dir", str(fifo.parent / "out"))
    elif option == "--patient":
        result = run("build", str(BACLOFEN), "--patient", str(fifo))
    else:
        result = run("build", str(fifo))
    assert time.perf_counter() - start < 2
    assert result == (1, [f"error: {fifo}: {FIFO}"])


def test_a_device_is_refused_before_reading_it(run):
    start = time.perf_counter()
    assert run("build", "/dev/zero") == (1, ["error: /dev/zero: is a device, not a file"])
    assert time.perf_counter() - start < 2


def test_a_folder_is_refused(run, tmp_path):
    folder = tmp_path / "content.yaml"
    folder.mkdir()
    assert run("build", str(folder)) == (1, [f"error: {folder}: is a folder, not a file"])


def test_a_theme_file_that_is_a_device_is_refused():
    with pytest.raises(ThemeError) as exc:
        load_theme(Path("/dev/zero"))
    assert [str(p) for p in exc.value.problems] == ["/dev/zero: is a device, not a file"]


@pytest.mark.skipif(not Path("/proc/self/maps").is_file(), reason="needs Linux /proc")
def test_reading_stops_at_the_limit_whatever_size_the_file_reports():
    maps = Path("/proc/self/maps")
    assert maps.stat().st_size == 0
    with pytest.raises(ContentError) as exc:
        read_file(maps, 10, ContentError, "file is larger than 10 bytes")
    assert [str(p) for p in exc.value.problems] == [f"{maps}: file is larger than 10 bytes"]


# numbers YAML reads another way (these were internal errors)


@pytest.mark.parametrize(("written", "why"), [
    ("03", "a leading 0 makes YAML read it as an octal number"),
    ("017", "a leading 0 makes YAML read it as an octal number"),
    ("1:30", "':' makes YAML read it as a number in base 60, 1:30 as 90"),
    ("0b_", "0b makes YAML read it as a binary number"),
    ("0x1F", "0x makes YAML read it as a hexadecimal number"),
    ("1_0", "YAML skips '_' in a number, other programs do not"),
])
def test_days_written_in_a_way_yaml_reads_otherwise(run, tmp_path, written, why):
    text = BACLOFEN.read_text("utf-8").replace("days: 3", f"days: {written}", 1)
    path = write(tmp_path, "bad.yaml", text)
    assert run("build", str(path)) == (1, [
        f"error: {path}:{line_of(text, f'days: {written}')}: "
        f"sections.dosing.schedule.steps[0].days: expected a whole number in plain digits, "
        f"such as 14; got {written!r} ({why})"])


def test_a_number_of_thousands_of_digits(run, tmp_path):
    text = BACLOFEN.read_text("utf-8").replace("days: 3", "days: " + "9" * 5000, 1)
    path = write(tmp_path, "bad.yaml", text)
    assert run("build", str(path)) == (1, [
        f"error: {path}:{line_of(text, 'days: 999')}: sections.dosing.schedule.steps[0].days: "
        "expected a number from 1 to 3650, got a number of 5,000 digits"])


def test_chart_days_with_a_leading_zero_in_a_patient_file(run, tmp_path):
    patient = write(tmp_path, "patient.yaml", PATIENT + "chart_days: 010\n")
    assert run("build", str(BACLOFEN), "--patient", str(patient)) == (1, [
        f"error: {patient}:9: chart_days: expected a whole number in plain digits, such as "
        "14; got '010' (a leading 0 makes YAML read it as an octal number)"])


@pytest.mark.parametrize(("written", "why"), [
    ("0x0B", " (0x makes YAML read it as a hexadecimal number)"),
    (".inf", " (YAML reads it as infinity)"),
    (".nan", " (YAML reads it as 'not a number')"),
    ("1.1e+1", ""),
])
def test_theme_numbers_written_in_a_way_yaml_reads_otherwise(run, tmp_path, written, why):
    theme = write(tmp_path / "set", "theme.yaml",
                  f"extends: default\ntype:\n  body_size: {written}\n")
    assert run("build", str(BACLOFEN), "--template", str(theme.parent)) == (1, [
        f"error: {theme}:3: type.body_size: expected a number in plain digits, such as 11 or "
        f"9.5; got {written!r}{why}"])


@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_ten_thousand_levels_of_nesting(run, tmp_path, opening):
    closing = "]" if opening == "[" else "}"
    path = write(tmp_path, "bad.yaml", "medicine: " + opening * 10_000 + closing * 10_000)
    assert run("build", str(path)) == (1, [
        f"error: {path}:1: nested more than 20 levels deep; a leaflet needs far fewer"])


def test_nesting_is_counted_in_block_style_too(run, tmp_path):
    lines = "".join(f"{'  ' * depth}a{depth}:\n" for depth in range(25))
    path = write(tmp_path, "bad.yaml", lines + "  " * 25 + "x\n")
    assert run("build", str(path)) == (1, [
        f"error: {path}:21: nested more than 20 levels deep; a leaflet needs far fewer"])


refuse_deep_nesting = yaml_source._refuse_deep_nesting


@pytest.mark.parametrize("composer", ["libyaml", "libyaml, counted first", "Python"])
@pytest.mark.parametrize("style", ["flow", "block"])
def test_twenty_levels_are_read_and_twenty_one_refused(monkeypatch, composer, style):
    """With each composer: libyaml given a text of few indicators, whose levels are
    counted as its nodes are checked; libyaml given a text with many, and Python's own
    composer, which recurses in Python, whose levels are counted before composing."""
    if composer == "Python":
        monkeypatch.setattr(yaml_source, "_Loader", yaml.SafeLoader)
    if composer == "libyaml, counted first":
        monkeypatch.setattr(yaml_source, "MAX_UNCOUNTED_INDICATORS", 0)
    counted = []

    def count_first(*args):
        counted.append(args[1])
        return refuse_deep_nesting(*args)

    monkeypatch.setattr(yaml_source, "_refuse_deep_nesting", count_first)

    def nested(levels: int) -> str:
        if style == "flow":
            return "a: " + "[" * (levels - 1) + "x" + "]" * (levels - 1) + "\n"
        return "".join(f"{'  ' * depth}a{depth}:\n" for depth in range(levels)) \
            + "  " * levels + "x\n"

    assert yaml_source.compose_nodes(nested(20), "f.yaml", ContentError) is not None
    with pytest.raises(ContentError) as refused:
        yaml_source.compose_nodes(nested(21), "f.yaml", ContentError)
    line = 1 if style == "flow" else 21
    assert [(p.line, p.message) for p in refused.value.problems] == [
        (line, "nested more than 20 levels deep; a leaflet needs far fewer")]
    assert counted == ([] if composer == "libyaml" else ["f.yaml", "f.yaml"])


def test_a_thousand_levels_are_refused_at_the_first_too_deep():
    """Many indicators: counted before composing, so the line is the 21st level's, not
    where libyaml stops at its own bound."""
    text = "".join(f"{'  ' * depth}a{depth}:\n" for depth in range(1001)) + "  " * 1001 + "x\n"
    with pytest.raises(ContentError) as refused:
        yaml_source.compose_nodes(text, "f.yaml", ContentError)
    assert [(p.line, p.message) for p in refused.value.problems] == [
        (21, "nested more than 20 levels deep; a leaflet needs far fewer")]


def test_too_deep_is_said_once_however_many_branches_are():
    branch = "[" * 21 + "x" + "]" * 21
    with pytest.raises(ContentError) as refused:
        yaml_source.compose_nodes(f"a: [{branch}, {branch}, {branch}]\n", "f.yaml",
                                  ContentError)
    assert [(p.line, p.message) for p in refused.value.problems] == [
        (1, "nested more than 20 levels deep; a leaflet needs far fewer")]


# characters that are not text


def test_an_ascii_text_is_refused_for_the_characters_any_text_is():
    """ASCII is looked at with a smaller pattern: it must refuse the same characters, and
    say the same of a text that holds several."""
    from leaflet.sources import characters

    for code in range(128):
        text = f"ab{chr(code)}c{chr(code)}"
        assert text.isascii()
        assert refused_character(text) == (
            refused_character(text + "\u00e9") if characters._REFUSED.search(text) else None)
        assert bool(characters._REFUSED_IN_ASCII.search(text)) == \
            bool(characters._REFUSED.search(text)), code
    assert refused_character("ab\x07c\x1f") == \
        "U+0007 (a control character) at character 3 (and 1 more) is not text; remove it"


def test_decomposed_accents_are_printed_as_one_letter(tmp_path, baclofen_data):
    baclofen_data["sections"]["storage"][1] = "Keep it in the cafe\u0301 fridge."
    path, _ = dump(tmp_path, baclofen_data)
    text = body_text(build_pdf(path).pdf)
    assert "caf\u00e9 fridge" in text
    assert "\u0301" not in text


@pytest.mark.parametrize(("char", "kind"), [
    ("\x0c", "a control character"),
    ("\x1b", "a control character"),
    ("\x85", "a control character"),
    ("\uffff", "a noncharacter"),
    ("\ufdd0", "a noncharacter"),
    ("\U0001fffe", "a noncharacter"),
    ("\ufffd", "the replacement character, left where a conversion lost text"),
    ("\u202e", "a direction control, which can disguise text"),
])
def test_a_character_that_is_not_text_is_a_content_error(run, tmp_path, baclofen_data, char,
                                                         kind):
    baclofen_data["sections"]["missed_dose"][0] = f"Take it{char} now."
    path, text = dump(tmp_path, baclofen_data)
    assert run("build", path) == (1, [
        f"error: {path}:{line_of(text, 'Take it')}: sections.missed_dose[0]: "
        f"U+{ord(char):04X} ({kind}) at character 8 is not text; remove it"])


def test_a_lone_surrogate_is_not_text():
    assert refused_character("ab\ud800") == ("U+D800 (half of a surrogate pair, not a "
                                             "character) at character 3 is not text; remove it")


def test_every_refused_character_is_counted(run, tmp_path, baclofen_data):
    baclofen_data["leaflet"]["author"] = "Acme\x07 Pharmacy\x07\x07"
    path, text = dump(tmp_path, baclofen_data)
    assert run("build", path) == (1, [
        f"error: {path}:{line_of(text, 'author:')}: leaflet.author: U+0007 (a control "
        "character) at character 5 (and 2 more) is not text; remove it"])


def test_a_nul_byte_in_the_file_is_one_line_with_its_line(run, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"medicine:\n  name: Bac\x00lofen\n")
    assert run("build", str(path)) == (1, [
        f"error: {path}:2: U+0000 (a control character) in column 12 is not allowed in a YAML "
        "file; remove it"])


def test_a_patient_name_with_a_control_character(run, tmp_path):
    patient = write(tmp_path, "patient.yaml", PATIENT.replace("Jane Example", '"Jane\\a Example"'))
    assert run("build", str(BACLOFEN), "--patient", str(patient)) == (1, [
        f"error: {patient}:1: name: U+0007 (a control character) at character 5 is not text; "
        "remove it"])


def test_a_batch_cell_with_a_control_character(run, tmp_path):
    listing = tmp_path / "list.csv"
    with listing.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows([
            ["content", "name", "prescriber", "pharmacy", "start_date", "times", "schedule"],
            [str(BACLOFEN), "Jane\x1bExample", "Dr Patel", "Riverside", "2026-03-12", "8:00",
             "5 mg once a day"]])
    code, err = run("batch", str(listing), "--out-dir", str(tmp_path / "out"))
    assert (code, err) == (1, [
        f"error: row 1: {listing}:2: name: U+001B (a control character) at character 5 is not "
        "text; remove it"])


def test_chart_days_in_a_csv_cell_is_a_plain_number(tmp_path, capsys):
    listing = tmp_path / "list.csv"
    with listing.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows([
            ["content", "name", "prescriber", "pharmacy", "start_date", "times", "schedule",
             "chart_days"],
            [str(BACLOFEN), "Jane", "Dr Patel", "Riverside", "2026-03-12", "8:00",
             "5 mg once a day", "010"]])
    assert main(["batch", str(listing), "--out-dir", str(tmp_path / "out")]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_chart_days_in_a_csv_cell_of_only_zeros_is_zero(run, tmp_path):
    listing = tmp_path / "list.csv"
    with listing.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows([
            ["content", "name", "prescriber", "pharmacy", "start_date", "times", "schedule",
             "chart_days"],
            [str(BACLOFEN), "Jane", "Dr Patel", "Riverside", "2026-03-12", "8:00",
             "5 mg once a day", "0" * 30]])
    code, err = run("batch", str(listing), "--out-dir", str(tmp_path / "out"))
    assert (code, err) == (1, [f"error: row 1: {listing}:2: chart_days: expected a number from "
                               "1 to 92, got 0"])


# right-to-left text


@pytest.mark.parametrize(("language", "word", "script"), [
    ("Hebrew", "שלום", "Hebrew"),
    ("Arabic", "سلام", "Arabic script"),
    ("Persian", "پزشک", "Arabic script"),
    ("Urdu", "ٹیبلیٹ", "Arabic script"),
    ("Syriac", "ܫܠܡܐ", "Syriac"),
    ("Thaana", "ދިވެހި", "Thaana"),
    ("N'Ko", "ߒߞߏ", "N'Ko"),
])
def test_right_to_left_text_is_refused_until_it_prints_correctly(run, tmp_path, baclofen_data,
                                                                  language, word, script):
    baclofen_data["sections"]["storage"][1] = f"Keep it {word} cool."
    path, text = dump(tmp_path, baclofen_data)
    first = word[0]
    more = len(word) - 1
    assert run("build", path) == (1, [
        f"error: {path}:{line_of(text, 'Keep it')}: sections.storage[1]: right-to-left text "
        f"({script}) cannot be printed correctly yet: U+{ord(first):04X} "
        f"{unicodedata.name(first)} at character 9 (and {more} more)"])


def test_every_right_to_left_character_is_refused():
    missed = [f"U+{code:04X}" for code in range(0x110000)
              if unicodedata.bidirectional(chr(code)) in ("R", "AL")
              and refused_character(chr(code)) is None]
    assert missed == []


def test_a_theme_string_in_a_right_to_left_script(run, tmp_path):
    theme = write(tmp_path / "set", "theme.yaml",
                  "extends: default\norganisation:\n  name: صيدلية\n")
    assert run("build", str(BACLOFEN), "--template", str(theme.parent)) == (1, [
        f"error: {theme}:3: organisation.name: right-to-left text (Arabic script) cannot be "
        "printed correctly yet: U+0635 ARABIC LETTER SAD at character 1 (and 5 more)"])


# sizes no leaflet reaches


def test_a_megabyte_medicine_name_names_its_key(run, tmp_path, baclofen_data):
    baclofen_data["medicine"]["name"] = "x" * 1_048_576
    path, _ = dump(tmp_path, baclofen_data)
    assert run("build", path) == (1, [
        f"error: {path}:2: medicine.name: text is 1,048,576 characters long; at most 500 are "
        "allowed here: shorten it"])


def test_a_paragraph_of_more_than_5000_characters(run, tmp_path, baclofen_data):
    baclofen_data["sections"]["storage"][0] = "word " * 1001
    path, text = dump(tmp_path, baclofen_data)
    assert run("build", path) == (1, [
        f"error: {path}:{line_of(text, 'word word')}: sections.storage[0]: text is 5,005 "
        "characters long; at most 5,000 are allowed here: shorten it"])


def test_a_list_of_more_than_200_items(run, tmp_path, baclofen_data):
    baclofen_data["sections"]["storage"] = ["Keep it cool."] * 201
    path, text = dump(tmp_path, baclofen_data)
    assert run("build", path) == (1, [
        f"error: {path}:{line_of(text, 'storage:') + 1}: sections.storage: list has 201 items; "
        "at most 200 are allowed here: shorten it"])


def test_more_than_1000_sections_of_ones_own(run, tmp_path, baclofen_data):
    baclofen_data["extra_sections"] = {f"s{n}": {"title": "T", "items": ["x"]}
                                       for n in range(1001)}
    path, text = dump(tmp_path, baclofen_data)
    assert run("build", path) == (1, [
        f"error: {path}:{line_of(text, 'extra_sections:') + 1}: extra_sections: mapping has "
        "1,001 keys; at most 1,000 are allowed here: shorten it"])


# images


@pytest.fixture
def clinic(tmp_path) -> Path:
    folder = tmp_path / "my-clinic"
    folder.mkdir()
    return folder


@pytest.mark.parametrize(("make", "message"), [
    (cut_short, "cannot be decoded in full: the file is damaged or cut short; save it again"),
    (lambda path: png(path, (12_000, 12_000), "1"),
     "is 12000 x 12000 pixels (144 megapixels); at most 10 megapixels are allowed: scale it "
     "down"),
    (lambda path: png(path, (14_000, 14_000), "1"),
     "has more than 179 megapixels; at most 10 megapixels are allowed: scale it down"),
    (lambda path: write(path.parent, path.name, "not a picture"), "is not a PNG or JPEG image"),
])
def test_a_logo_that_would_not_print(run, clinic, make, message):
    make(clinic / "logo.png")
    theme = write(clinic, "theme.yaml", "extends: default\nlogo: logo.png\n")
    assert run("build", str(BACLOFEN), "--template", str(clinic)) == (1, [
        f"error: {theme}:2: logo: 'logo.png' {message}"])


def test_a_template_image_cut_short_names_the_template(run, clinic):
    cut_short(clinic / "pictogram.png")
    source = (BACLOFEN.parent.parent / "templates/default/sections/storage.xml.j2").read_text()
    write(clinic, "sections/storage.xml.j2",
          source.replace("<ul>", '<img src="pictogram.png" alt="Keep cool"/>\n<ul>', 1))
    assert run("build", str(BACLOFEN), "--template", str(clinic)) == (1, [
        "error: sections/storage.xml.j2: image 'pictogram.png' cannot be decoded in full: the "
        "file is damaged or cut short; save it again"])


# sections of one's own


@pytest.mark.parametrize("template", ["default", "us-medguide"])
@pytest.mark.parametrize("parts", [("paragraphs",), ("items",), ("paragraphs", "items")])
def test_an_extra_section_may_have_paragraphs_items_or_both(tmp_path, baclofen_data, template,
                                                            parts):
    words = {"paragraphs": "Take enough tablets for your trip.",
             "items": "Keep them in your hand luggage."}
    baclofen_data["extra_sections"] = {"travel": {"title": "Travelling with baclofen",
                                                  **{part: [words[part]] for part in parts}}}
    path, _ = dump(tmp_path, baclofen_data)
    text = body_text(build_pdf(path, BuildOptions(template=template)).pdf)
    assert "Travelling with baclofen" in text
    assert all(words[part] in text for part in parts)


# messages that quote bad input


def test_control_characters_and_direction_overrides_in_messages_are_escaped(run, tmp_path):
    source = BACLOFEN.read_text("utf-8")
    text = source.replace("  form: tablets\n", '  form: tablets\n  "x\\e[31m\\u202eevil": 1\n', 1)
    path = write(tmp_path, "bad.yaml", text)
    assert run("build", str(path)) == (1, [
        f"error: {path}:{line_of(text, 'evil')}: medicine.x\\x1b[31m\\u202eevil: unknown key; "
        "expected one of: name, strength, form, splitting, active_substance"])


def test_an_internal_error_is_one_escaped_line(tmp_path, capsys, monkeypatch):
    from leaflet import build

    def fail(*args, **kwargs):
        raise ValueError("first line\nsecond \x1b[2J line")

    monkeypatch.setattr(build, "build", fail)
    assert main(["build", str(BACLOFEN), "-o", str(tmp_path / "out.pdf")]) == 3
    assert capsys.readouterr().err.splitlines() == [
        "internal error: ValueError: first line\\nsecond \\x1b[2J line (run again with --debug "
        "and report it)"]


def test_the_check_report_escapes_what_it_quotes(tmp_path, capsys):
    source = BACLOFEN.read_text("utf-8")
    text = source.replace("  form: tablets\n", '  form: tablets\n  "x\\e[2J\\u2028": 1\n', 1)
    path = write(tmp_path, "bad.yaml", text)
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "medicine.x\\x1b[2J\\u2028" in out
    assert "\x1b" not in out and "\u2028" not in out


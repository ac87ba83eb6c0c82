"""Bad input never crashes and never loses data: one clear line each, the right exit code,
no traceback, no PDF left behind, and an existing output file untouched."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from conftest import BACLOFEN, fresh_python

from leaflet.cli import main

GOOD_OLD_PDF = b"%PDF-1.4 an earlier, good leaflet\n"


@pytest.fixture
def run(tmp_path, capsys):
    """Run the CLI in-process with an existing output file; return (code, stderr lines)."""

    def run_cli(*args: str, output: str = "out.pdf"):
        target = tmp_path / output
        if output == "out.pdf":
            target.write_bytes(GOOD_OLD_PDF)
        argv = [a.replace("TMP", str(tmp_path)) for a in args]
        code = main(["build", *argv, "-o", str(target)])
        err = capsys.readouterr().err
        assert "Traceback" not in err
        if output == "out.pdf":
            assert target.read_bytes() == GOOD_OLD_PDF, "a failed build clobbered the output"
        leftovers = [p.name for p in tmp_path.iterdir()
                     if p.is_file() and p.suffix in (".pdf", ".tmp") and p.name != "out.pdf"]
        assert leftovers == [], "a failed build left a file behind"
        return code, err.strip().splitlines()

    return run_cli


def dump(tmp_path, data, name="bad.yaml") -> tuple[str, str]:
    path = tmp_path / name
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(text, "utf-8")
    return str(path), text


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_invalid_yaml_syntax(tmp_path, run):
    path = tmp_path / "bad.yaml"
    path.write_text("medicine:\n  name: Baclofen\n  form: [tablets\nleaflet: {}\n", "utf-8")
    code, err = run(str(path))
    assert code == 1
    assert len(err) == 1
    assert err[0].startswith(f"error: {path}:4: invalid YAML: ")


def test_required_section_missing(tmp_path, run, baclofen_data):
    del baclofen_data["sections"]["overdose"]
    path, text = dump(tmp_path, baclofen_data)
    code, err = run(path)
    assert code == 1
    assert err == [f"error: {path}:{line_of(text, 'sections:') + 1}: sections.overdose: "
                   "required key is missing"]


def test_wrong_type(tmp_path, run, baclofen_data):
    baclofen_data["sections"]["overdose"]["signs"] = 42
    path, text = dump(tmp_path, baclofen_data)
    code, err = run(path)
    assert code == 1
    assert err == [f"error: {path}:{line_of(text, 'signs: 42')}: sections.overdose.signs: "
                   "expected a list of strings, got a number"]


def test_unknown_key_suggests_the_right_one(tmp_path, run, baclofen_data):
    sections = baclofen_data["sections"]
    sections["overdos"] = sections.pop("overdose")
    path, text = dump(tmp_path, baclofen_data)
    code, err = run(path)
    assert code == 1
    assert f"error: {path}:{line_of(text, 'overdos:')}: sections.overdos: unknown key; " \
           "did you mean 'overdose'?" in err
    assert any("sections.overdose: required key is missing" in line for line in err)


def test_every_problem_is_reported_at_once(tmp_path, run, baclofen_data):
    baclofen_data["sections"]["storage"] = "keep it cool"
    baclofen_data["sections"]["missed_dose"] = []
    baclofen_data["medicine"]["name"] = 7
    path, _ = dump(tmp_path, baclofen_data)
    code, err = run(path)
    assert code == 1
    assert len(err) == 3
    assert any("sections.missed_dose: list is empty" in line for line in err)


def test_key_given_twice_is_refused(tmp_path, run):
    source = BACLOFEN.read_text("utf-8")
    extra = '    signs:\n      - "only this one would survive"\n'
    anchor = "  stopping:\n"
    path = tmp_path / "bad.yaml"
    path.write_text(source.replace(anchor, extra + anchor, 1), "utf-8")
    text = path.read_text("utf-8")
    first = line_of(text, "    signs:")
    second = next(n for n, line in enumerate(text.splitlines(), start=1)
                  if line == "    signs:" and n > first)
    code, err = run(str(path))
    assert code == 1
    assert err == [f"error: {path}:{second}: signs: key given twice (first at line {first}); "
                   "keep one so nothing is lost"]


def test_top_level_not_a_mapping(tmp_path, run):
    path = tmp_path / "bad.yaml"
    path.write_text("- just\n- a list\n", "utf-8")
    assert run(str(path)) == (1, [f"error: {path}:1: expected a mapping of keys, got a list"])


def test_empty_file(tmp_path, run):
    path = tmp_path / "bad.yaml"
    path.write_text("# nothing here\n", "utf-8")
    assert run(str(path)) == (1, [f"error: {path}:1: the file is empty"])


def test_not_utf8(tmp_path, run):
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"medicine:\n  name: Baclofen\n  form: caf" + b"\xe9\n")
    assert run(str(path)) == (1, [f"error: {path}:3: not UTF-8 text (byte 0xe9); "
                                  "save the file as UTF-8"])


def test_tags_that_build_objects_are_refused(tmp_path, run):
    path = tmp_path / "bad.yaml"
    marker = tmp_path / "pwned"
    path.write_text(f"medicine: !!python/object/apply:os.system ['touch {marker}']\n", "utf-8")
    code, err = run(str(path))
    assert code == 1
    assert err == [f"error: {path}:1: YAML tag "
                   "'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"]
    assert not marker.exists()


def test_alias_bomb_is_refused_quickly(tmp_path, run):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = tmp_path / "bad.yaml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    start = time.perf_counter()
    code, err = run(str(path))
    assert time.perf_counter() - start < 5
    assert code == 1
    assert f"error: {path}:2: anchors and aliases (&, *) are not allowed" in err


def test_ten_megabyte_file_is_refused(tmp_path, run):
    path = tmp_path / "bad.yaml"
    path.write_text("medicine:\n" + ("# padding\n" * 1_100_000), "utf-8")
    start = time.perf_counter()
    assert run(str(path)) == (1, [f"error: {path}: file is larger than 2 MB; refused"])
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize("char", ["😀", "한"])  # Korean: Chinese (漢) is drawn now
def test_character_no_font_has(tmp_path, run, baclofen_data, char):
    baclofen_data["sections"]["storage"][1] = f"Keep it {char} cool."
    path, text = dump(tmp_path, baclofen_data)
    code, err = run(path)
    assert code == 1
    assert len(err) == 1
    assert err[0].startswith(f"error: {path}:{line_of(text, 'Keep it')}: sections.storage[1]: "
                             f"{char!r} (U+{ord(char):04X} ")
    assert err[0].endswith("is in none of the bundled fonts; replace it with words or a "
                           "character they have")


@pytest.mark.parametrize("output", ["out.html", "out.pdf"])
def test_html_page_refuses_a_character_no_font_has_as_the_pdf_does(tmp_path, capsys,
                                                                    baclofen_data, output):
    baclofen_data["sections"]["storage"][1] = "Keep it 한 cool."
    path, text = dump(tmp_path, baclofen_data)
    extra = (["--html", str(tmp_path / "page.html")] if output == "out.pdf"
             else ["--format", "html"])
    code = main(["build", path, "-o", str(tmp_path / output), *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err == [f"error: {path}:{line_of(text, 'Keep it')}: sections.storage[1]: '한' "
                   f"(U+D55C HANGUL SYLLABLE HAN) is in none of the bundled fonts; replace it "
                   f"with words or a character they have"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_the_web_page_s_font_check_loads_no_chinese_face(tmp_path, baclofen_data):
    """The page takes Chinese from the reader's fonts: checking that the bundled fonts could
    print it reads their character maps, and registers none of the 10 MB faces."""
    baclofen_data["leaflet"]["language"] = "zh"
    baclofen_data["sections"]["storage"][1] = "请放在儿童接触不到的地方。"
    path, _ = dump(tmp_path, baclofen_data)
    page = tmp_path / "page.html"
    script = (f"from reportlab.pdfbase import pdfmetrics; from leaflet.cli import main; "
              f"print(main(['build', {path!r}, '--format', 'html', '-o', {str(page)!r}]), "
              f"[n for n in pdfmetrics.getRegisteredFontNames() if 'Noto' in n])")
    assert fresh_python(script).split()[-2:] == ["0", "[]"]
    assert "请放在儿童接触不到的地方。" in page.read_text("utf-8")


def test_content_file_does_not_exist(tmp_path, run):
    assert run(str(tmp_path / "nope.yaml")) == (1, [f"error: {tmp_path / 'nope.yaml'}: "
                                                    "file not found"])


def test_output_directory_does_not_exist(tmp_path, run):
    code, err = run(str(BACLOFEN), output="missing/out.pdf")
    assert code == 2
    assert err == [f"error: {tmp_path / 'missing/out.pdf'}: output directory "
                   f"'{tmp_path / 'missing'}' does not exist"]


def test_output_path_is_a_directory(tmp_path, run):
    (tmp_path / "folder.pdf").mkdir()
    code, err = run(str(BACLOFEN), output="folder.pdf")
    assert code == 2
    assert err == [f"error: {tmp_path / 'folder.pdf'}: output path is a directory; "
                   "give a file name such as leaflet.pdf"]


def test_unwritable_output_directory(tmp_path, capsys):
    """/proc refuses new files even to root; elsewhere a read-only folder does."""
    import os

    locked = Path("/proc") if os.geteuid() == 0 else tmp_path / "locked"
    if locked != Path("/proc"):
        locked.mkdir(mode=0o500)
    assert main(["build", str(BACLOFEN), "-o", str(locked / "leaflet-test.pdf")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {locked / 'leaflet-test.pdf'}: cannot write here: ")
    assert "Traceback" not in err


def test_bad_usage_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["build", str(BACLOFEN), "--paper", "a7"])
    assert exc.value.code == 2
    assert "invalid choice: 'a7'" in capsys.readouterr().err


def test_debug_shows_the_traceback(tmp_path):
    from leaflet.errors import ContentError

    with pytest.raises(ContentError):
        main(["build", str(tmp_path / "nope.yaml"), "--debug"])

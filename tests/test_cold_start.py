"""A `leaflet` process does only what its command needs: it imports no other command's
modules, and running as a process of its own changes nothing in what it writes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import BACLOFEN, ROOT, RUN_AS_PROCESS
from test_cli import command_parsers

from leaflet.cli import _COMMAND_MODULES, main

# Run main as the process's own entry point (no argv), as the leaflet script does, then
# report the exit code and which of leaflet's modules the process imported.
AS_PROCESS = RUN_AS_PROCESS + """
import gc, json, sys
sys.argv = ["leaflet", *json.loads(sys.argv[1])]
def report(code):
    modules = sorted(m for m in sys.modules if m.startswith("leaflet"))
    print(json.dumps([code, gc.isenabled(), modules]), flush=True)
run_as_process(report)
"""


def run_as_process(*args: str) -> tuple[int, bool, list[str]]:
    result = subprocess.run([sys.executable, "-c", AS_PROCESS, json.dumps(args)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    code, collecting, modules = json.loads(result.stdout.strip().splitlines()[-1])
    return code, collecting, modules


def test_a_plain_build_imports_neither_the_batch_nor_patient_pages_nor_the_html_page(tmp_path):
    code, collecting, modules = run_as_process("build", str(BACLOFEN), "-o",
                                               str(tmp_path / "l.pdf"))
    assert code == 0
    assert collecting  # the collector is paused only while the command's modules load
    assert [m for m in modules
            if m.startswith(("leaflet.batch", "leaflet.personal", "leaflet.html"))] == []
    assert (tmp_path / "l.pdf").read_bytes().startswith(b"%PDF-")


def test_a_build_as_its_own_process_writes_the_same_bytes_as_one_called_in_process(tmp_path):
    code, _, _ = run_as_process("build", str(BACLOFEN), "-o", str(tmp_path / "process.pdf"),
                                "--html", str(tmp_path / "process.html"))
    assert code == 0
    assert main(["build", str(BACLOFEN), "-o", str(tmp_path / "called.pdf"),
                 "--html", str(tmp_path / "called.html")]) == 0
    for suffix in ("pdf", "html"):
        assert (tmp_path / f"process.{suffix}").read_bytes() == \
            (tmp_path / f"called.{suffix}").read_bytes()


def test_a_check_imports_no_layout(tmp_path):
    code, _, modules = run_as_process("check", str(BACLOFEN))
    assert code == 0
    assert [m for m in modules if m.startswith(("leaflet.pdf", "leaflet.batch"))] == []


def test_every_command_names_the_module_it_runs_from():
    """What a process imports up front, with the collector paused: a command missing here
    still runs, only slower."""
    commands = {name.split()[0] for name in command_parsers()}
    assert set(_COMMAND_MODULES) == commands


def test_batch_help_shows_the_default_name_pattern(capsys):
    from leaflet.batch.names import DEFAULT_NAME

    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    assert f"(default: {DEFAULT_NAME})" in " ".join(capsys.readouterr().out.split())


def test_a_face_s_characters_are_read_as_reportlab_reads_them():
    """The character map read without parsing the face gives every character ReportLab's
    own parse gives, for every bundled face."""
    from reportlab.pdfbase.ttfonts import TTFont

    from leaflet.pdf.fonts import _mapped_codes

    faces = sorted((ROOT / "fonts").glob("*/*.ttf"))
    assert len(faces) >= 8
    for path in faces:
        codes = _mapped_codes(path)
        assert codes is not None, path
        assert set(codes) == set(TTFont("probe", str(path)).face.charToGlyph), path


# Build twice in one process and say, after each build, which bundled fonts this process
# (not the child that laid the leaflet out) has registered with ReportLab.
TWO_BUILDS = """
import json, sys
from reportlab.pdfbase import pdfmetrics
from leaflet.cli import main
for n in (1, 2):
    assert main(["build", sys.argv[1], "-o", f"{sys.argv[2]}/{n}.pdf"]) == 0
    print("registered", json.dumps(pdfmetrics.getRegisteredFontNames()))
"""


def test_the_fallback_font_is_parsed_where_it_is_drawn_until_a_process_builds_again(tmp_path):
    result = subprocess.run([sys.executable, "-c", TWO_BUILDS, str(BACLOFEN), str(tmp_path)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    first, second = (set(json.loads(line.removeprefix("registered ")))
                     for line in result.stdout.splitlines() if line.startswith("registered "))
    body = {"AtkinsonHyperlegible_400Regular", "AtkinsonHyperlegible_700Bold",
            "AtkinsonHyperlegible_400Regular_Italic", "AtkinsonHyperlegible_700Bold_Italic"}
    assert body <= first and not first & {"DejaVuSans", "DejaVuSans-Bold"}
    assert body | {"DejaVuSans", "DejaVuSans-Bold"} <= second
    for n in (1, 2):  # the warning sign in a heading is drawn from the fallback's bold
        assert b"DejaVuSans-Bold" in (tmp_path / f"{n}.pdf").read_bytes()
    assert (tmp_path / "1.pdf").read_bytes() == (tmp_path / "2.pdf").read_bytes()

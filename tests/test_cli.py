"""The command line as a user meets it."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys

import jsonschema
import pytest
import yaml
from conftest import BACLOFEN, ROOT

from leaflet import __version__
from leaflet.cli import _parser, main


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"leaflet {__version__}"


def test_build_help_lists_every_option(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["build", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for option in ("--output", "--template", "--paper", "--debug"):
        assert option in out


def command_parsers() -> dict[str, argparse.ArgumentParser]:
    """'build', 'templates init', ... -> its parser, for every command the CLI accepts."""
    found = {}

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        subparsers = [action for action in parser._actions
                      if isinstance(action, argparse._SubParsersAction)]
        if path and not subparsers:
            found[" ".join(path)] = parser
        for action in subparsers:
            for name, child in action.choices.items():
                walk(child, (*path, name))

    walk(_parser(), ())
    return found


def visible_options(parser: argparse.ArgumentParser) -> list[str]:
    """Every option --help shows (a hidden --debug, where there is nothing to trace, not)."""
    return [option for action in parser._actions if action.help is not argparse.SUPPRESS
            for option in action.option_strings if option not in ("-h", "--help")]


def cli_md_sections() -> dict[str, str]:
    """'build' -> the text under the heading 'leaflet build' in docs/cli.md."""
    text = (ROOT / "docs" / "cli.md").read_text("utf-8")
    parts = re.split(r"^#{2,3} (.+)$", text, flags=re.MULTILINE)
    return {title.strip().removeprefix("leaflet "): body
            for title, body in zip(parts[1::2], parts[2::2], strict=True)
            if title.startswith("leaflet ")}


def test_every_command_has_its_section_in_the_docs():
    commands = command_parsers()
    assert {"build", "check", "inspect", "batch", "schema", "templates init"} <= set(commands)
    assert sorted(set(commands) - set(cli_md_sections())) == []


def test_every_option_of_every_command_is_documented_in_its_section():
    sections = cli_md_sections()
    options = {name: visible_options(parser) for name, parser in command_parsers().items()}
    assert "--max-pages" in options["build"] and "--shard" in options["batch"]
    missing = [f"leaflet {name} {option}" for name in options for option in options[name]
               if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])",
                                sections.get(name, ""))]
    assert missing == []


def test_the_docs_describe_no_command_that_is_gone():
    assert sorted(set(cli_md_sections()) - set(command_parsers()) - {"--version"}) == []


def test_default_output_goes_to_the_current_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["build", str(BACLOFEN)]) == 0
    assert (tmp_path / "baclofen.pdf").read_bytes().startswith(b"%PDF-")
    out = capsys.readouterr().out
    assert out.startswith("wrote baclofen.pdf (") and out.strip().endswith("pages)")


def test_python_dash_m_works(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "leaflet", "build", str(BACLOFEN), "-o", str(tmp_path / "x.pdf")],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "x.pdf").stat().st_size > 10_000


def test_schema_is_valid_json_schema_and_accepts_our_content(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(schema)
    content = yaml.safe_load(BACLOFEN.read_text("utf-8"))
    jsonschema.validate(content, schema)


def test_schema_rejects_what_the_loader_rejects(capsys):
    main(["schema"])
    schema = json.loads(capsys.readouterr().out)
    content = yaml.safe_load(BACLOFEN.read_text("utf-8"))
    content["sections"]["overdos"] = content["sections"].pop("overdose")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(content, schema)


# standard output buffered, as it is unless PYTHONUNBUFFERED is set
BUFFERED = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}


@pytest.mark.parametrize("command", [["schema"], ["templates", "list"], ["--help"],
                                     ["--version"], ["build", "--help"],
                                     ["check", str(BACLOFEN)]])
def test_standard_output_that_cannot_be_written_is_one_line_not_an_internal_error(command):
    """A full disk (here /dev/full) under standard output: one line naming it, exit code 2,
    and nothing more from Python's own flush at exit."""
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "leaflet", *command], stdout=full,
                                stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120,
                                env=BUFFERED)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines()[-1] == \
        "error: standard output: cannot write: No space left on device"
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


def test_a_build_whose_report_cannot_be_written_still_leaves_its_file(tmp_path):
    """The leaflet is written before the line saying so; that line failing is reported."""
    output = tmp_path / "x.pdf"
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "leaflet", "build", str(BACLOFEN), "-o",
                                 str(output)], stdout=full, stderr=subprocess.PIPE, text=True,
                                cwd=ROOT, timeout=120, env=BUFFERED)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == \
        "error: standard output: cannot write: No space left on device"
    assert output.read_bytes().startswith(b"%PDF-")


def test_a_reader_that_has_gone_is_one_line():
    """`leaflet --help | head -c 1`: the pipe's reader ends before the help is written."""
    with subprocess.Popen([sys.executable, "-m", "leaflet", "--help"], cwd=ROOT, env=BUFFERED,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        assert process.wait(timeout=120) == 2
        assert process.stderr.read() == "error: standard output: cannot write: Broken pipe\n"


@pytest.mark.parametrize("command", [["schema"], ["build", str(BACLOFEN)]])
def test_a_command_started_with_standard_output_closed_runs(command, tmp_path):
    """`leaflet build ... >&-`: Python has no sys.stdout (None), so what would be printed
    goes nowhere, and the command still does its work."""
    result = subprocess.run(["bash", "-c", '"$0" -m leaflet "$@" >&-', sys.executable,
                             *command], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    if command[0] == "build":
        assert (tmp_path / "baclofen.pdf").read_bytes().startswith(b"%PDF-")

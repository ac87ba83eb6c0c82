"""The command line as a user meets it."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest
import yaml
from conftest import BACLOFEN, ROOT

from leaflet import __version__
from leaflet.cli import main


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


def test_every_option_is_documented_in_the_readme(capsys):
    readme = (ROOT / "README.md").read_text("utf-8")
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    options = {word.rstrip(",") for word in capsys.readouterr().out.split()
               if word.startswith("--") and word != "--help"}
    assert options, "no options found"
    assert sorted(o for o in options if o not in readme) == []


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

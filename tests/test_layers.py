"""The stages import only downward: the contract in pyproject.toml holds today, and it
fails on a back-import, so CI's `lint-imports` would stop one from landing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, capture_output=True,
                          text=True, timeout=120, env={"PYTHONPATH": str(tree), "PATH": ""})


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the package and its contract, importable from its own folder."""
    shutil.copytree(ROOT / "leaflet", tmp_path / "leaflet",
                    ignore=shutil.ignore_patterns("__pycache__", "_data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_import(module: Path, line: str) -> None:
    text = module.read_text("utf-8")
    anchor = "from __future__ import annotations\n"
    module.write_text(text.replace(anchor, f"{anchor}\n{line}\n", 1), "utf-8")


def test_the_package_keeps_its_import_contracts(tree):
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(("module", "imported"), [
    ("sources/content.py", "leaflet.render.markup"),
    ("render/markup.py", "leaflet.pdf.fonts"),
    ("check/runner.py", "leaflet.pdf.inspect"),
    ("pdf/finish.py", "leaflet.build"),
])
def test_a_back_import_breaks_the_contract(tree, module, imported):
    add_import(tree / "leaflet" / module, f"import {imported}")
    result = lint_imports(tree)
    assert result.returncode == 1
    assert "Stages import only downward BROKEN" in result.stdout
    stage = "leaflet." + module.split("/")[0]
    above = ".".join(imported.split(".")[:2])
    assert f"{stage} is not allowed to import {above}" in result.stdout


def test_a_new_top_level_module_needs_a_stage(tree):
    (tree / "leaflet" / "utils.py").write_text('"""Helpers."""\n', "utf-8")
    add_import(tree / "leaflet" / "build.py", "import leaflet.utils")
    result = lint_imports(tree)
    assert result.returncode == 1
    assert "leaflet.utils" in result.stdout

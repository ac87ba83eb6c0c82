from __future__ import annotations

import copy
import csv
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from leaflet.build import BuildOptions, build_pdf

ROOT = Path(__file__).resolve().parent.parent
BACLOFEN = ROOT / "content" / "baclofen.yaml"
MAX_DOSE_LINE = next(n for n, line in enumerate(BACLOFEN.read_text("utf-8").splitlines(), 1)
                     if line.strip().startswith("maximum_daily_dose:"))


# A script's part that runs the CLI as its own process does (cli.main() with no arguments)
# and calls report(exit code) in the process that ran the command: for a build, the child
# that did the work, which ends at once (cli._end_now) and would run nothing after main.
RUN_AS_PROCESS = """
import os
from leaflet import cli
def run_as_process(report):
    supervisor, end_now = os.getpid(), cli._end_now
    def end(code):
        if os.getpid() != supervisor:
            report(code)
        end_now(code)
    cli._end_now = end
    report(cli.main())
"""


def fresh_python(script: str) -> str:
    """What ``script`` prints in a Python of its own, whose modules are only those it
    imports; it must succeed."""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def write_prescriptions(path: Path, names: list[str]) -> Path:
    """A batch list of baclofen at 5 mg three times a day, one row for each name."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        rows = csv.writer(stream)
        rows.writerow(["content", "name", "prescriber", "pharmacy", "start_date", "times",
                       "schedule"])
        for name in names:
            rows.writerow([BACLOFEN, name, "Dr A", "Pharmacy", "2026-03-01",
                           "8:00 14:00 20:00", "5 mg 3 times a day"])
    return path


@pytest.fixture(scope="session")
def baclofen_pdf() -> bytes:
    return build_pdf(BACLOFEN).pdf


@pytest.fixture(scope="session")
def _baclofen_source() -> dict:
    return yaml.safe_load(BACLOFEN.read_text("utf-8"))


@pytest.fixture
def baclofen_data(_baclofen_source) -> dict:
    """A fresh copy each test may change."""
    return copy.deepcopy(_baclofen_source)


@pytest.fixture
def write_content(tmp_path, baclofen_data):
    """Write a modified copy of the baclofen content; ``change`` edits the data in place."""

    def write(change=None, name="leaflet.yaml") -> Path:
        data = copy.deepcopy(baclofen_data)
        if change:
            change(data)
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
        return path

    return write


def build_bytes(path: Path, **options) -> bytes:
    return build_pdf(path, BuildOptions(**options)).pdf


def pdf_of(objects: dict[int, bytes], root: int = 1, extra_trailer: bytes = b"",
           offsets: dict[int, int] | None = None) -> bytes:
    """A classic PDF of these object bodies, with a correct cross-reference table;
    ``offsets`` overrides its entries (to make a wrong one)."""
    out = bytearray(b"%PDF-1.7\n")
    table: dict[int, int] = {}
    for number in sorted(objects):
        table[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    table.update(offsets or {})
    start, size = len(out), max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % table[n] if n in table else b"0000000000 00000 f \n"
                    for n in range(1, size))
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        size, root, extra_trailer, start)
    return bytes(out)

"""The files in examples/ build exactly as their comments tell a user to run them, from the
repository's folder."""

from __future__ import annotations

import csv

import pytest
import yaml
from conftest import ROOT
from pdfread import page_texts, squash

from leaflet.cli import main

EXAMPLES = ROOT / "examples"

# What each example patient's first page must say: name, start date, the first step's dates.
PATIENTS = {
    "Ada Example": ["Start on: Thursday, 12 March 2026",
                    "12 to 14 March: take 5 mg (half a tablet) at 8:00, 14:00 and 20:00",
                    "From 21 March, until your doctor changes it: take 20 mg (2 tablets)",
                    "Your doctor says: Take with food."],
    "Ben Example": ["Start on: Friday, 13 March 2026",
                    "13 to 19 March: take 5 mg (half a tablet) at 8:00 and 20:00",
                    "From 20 March, until your doctor changes it: take 10 mg (1 tablet) at "
                    "8:00, 14:00 and 20:00"],
    "Cleo Example": ["Start on: Monday, 16 March 2026",
                     "From 16 March, until your doctor changes it: take 10 mg (1 tablet) at "
                     "8:00, 14:00 and 20:00"],
}


def assert_first_page(pdf: bytes, name: str) -> None:
    first = squash(page_texts(pdf)[0])
    for text in [f"For: {name}", *PATIENTS[name]]:
        assert squash(text) in first, (name, text)


@pytest.fixture(autouse=True)
def at_the_repository_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def test_the_patient_example_builds(tmp_path, capsys):
    output = tmp_path / "patient.pdf"
    assert main(["build", "content/baclofen.yaml", "--patient", "examples/patient.yaml",
                 "-o", str(output)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {output} (")
    pdf = output.read_bytes()
    assert_first_page(pdf, "Ada Example")
    chart = squash("".join(page_texts(pdf)[:2]))
    assert squash("Thu 12 March") in chart and squash("Wed 8 April") in chart  # chart_days: 28
    assert squash("Thu 9 April") not in chart


@pytest.mark.parametrize("listing", ["prescriptions.csv", "prescriptions.yaml"])
def test_each_prescription_list_builds_every_row(tmp_path, capsys, listing):
    out_dir = tmp_path / "out"
    assert main(["batch", f"examples/{listing}", "--out-dir", str(out_dir)]) == 0
    assert capsys.readouterr().out == "built 3 of 3 rows\n"
    built = sorted(out_dir.iterdir())
    assert [path.name for path in built] == ["0001-baclofen.pdf", "0002-baclofen.pdf",
                                            "0003-baclofen.pdf"]
    for path, name in zip(built, PATIENTS, strict=True):
        assert_first_page(path.read_bytes(), name)


def test_the_two_lists_hold_the_same_rows(tmp_path, capsys):
    for listing in ("prescriptions.csv", "prescriptions.yaml"):
        assert main(["batch", f"examples/{listing}", "--out-dir", str(tmp_path / listing),
                     "--jobs", "1"]) == 0
    csv_pdfs = sorted((tmp_path / "prescriptions.csv").iterdir())
    yaml_pdfs = sorted((tmp_path / "prescriptions.yaml").iterdir())
    assert [p.read_bytes() for p in csv_pdfs] == [p.read_bytes() for p in yaml_pdfs]


def test_the_names_are_made_up_and_the_content_is_found_beside_the_list():
    with (EXAMPLES / "prescriptions.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    listed = yaml.safe_load((EXAMPLES / "prescriptions.yaml").read_text("utf-8"))
    patient = yaml.safe_load((EXAMPLES / "patient.yaml").read_text("utf-8"))
    for row in [*rows, *listed]:
        assert (EXAMPLES / row["content"]).resolve() == ROOT / "content" / "baclofen.yaml"
    names = [row["name"] for row in rows] + [row["name"] for row in listed] + [patient["name"]]
    assert all(name.endswith(" Example") for name in names)

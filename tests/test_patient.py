"""A patient's own instructions on the leaflet: dated steps, clock times, a box per dose."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BACLOFEN, MAX_DOSE_LINE, ROOT
from pdfread import body_text, fonts, page_texts, reader, squash, text_runs

from leaflet.build import BuildOptions, build_pdf
from leaflet.cli import main

BOX = "\u2610"

PATIENT = """\
name: Jane Example
prescriber: Dr Amir Patel
pharmacy: Riverside Pharmacy, 4 Mill Lane, Leeds
start_date: 2026-03-12
times: [8:00, 14:00, 20:00]
steps:
  - {days: 3, dose: 5 mg, times_a_day: 3}
  - {days: 3, dose: 10 mg, times_a_day: 3}
  - {days: 3, dose: 15 mg, times_a_day: 3}
  - {dose: 20 mg, times_a_day: 3}
note: Take with food.
"""


def write(tmp_path: Path, text: str, name: str = "patient.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def personal_pdf(tmp_path: Path, text: str = PATIENT, content: Path = BACLOFEN) -> bytes:
    return build_pdf(content, BuildOptions(patient=write(tmp_path, text))).pdf


@pytest.fixture(scope="module")
def jane_pdf(tmp_path_factory) -> bytes:
    return personal_pdf(tmp_path_factory.mktemp("jane"))


def test_the_patient_and_each_dated_step_are_on_the_first_page(jane_pdf):
    first = squash(page_texts(jane_pdf)[0])
    for text in ("Your medicine", "For: Jane Example", "Prescribed by: Dr Amir Patel",
                 "Pharmacy: Riverside Pharmacy, 4 Mill Lane, Leeds",
                 "Start on: Thursday, 12 March 2026",
                 "12 to 14 March: take 5 mg (half a tablet) at 8:00, 14:00 and 20:00",
                 "15 to 17 March: take 10 mg (1 tablet) at 8:00, 14:00 and 20:00",
                 "18 to 20 March: take 15 mg (1 and a half tablets) at 8:00, 14:00 and 20:00",
                 "From 21 March, until your doctor changes it: take 20 mg (2 tablets) at "
                 "8:00, 14:00 and 20:00",
                 "Your doctor says: Take with food."):
        assert squash(text) in first, text


def test_personal_pages_come_first_then_the_whole_leaflet_on_a_fresh_page(jane_pdf):
    pages = page_texts(jane_pdf)
    assert pages[0].startswith("Your medicine")
    leaflet_start = next(i for i, text in enumerate(pages) if text.startswith("Package leaflet"))
    assert leaflet_start in (1, 2)
    assert "Most important things to know" in pages[leaflet_start]
    assert all(f"Page {n} of {len(pages)}" in text for n, text in enumerate(pages, start=1))


def test_every_content_string_still_reaches_the_personalised_leaflet(jane_pdf, baclofen_data):
    from test_build import missing_strings

    assert missing_strings(jane_pdf, baclofen_data) == []


def test_reusing_the_shared_pages_gives_the_bytes_of_a_fresh_process(tmp_path, jane_pdf):
    """The shared pages are laid out once per process and kept; what comes out must not
    depend on what was built before."""
    from leaflet.personal import personalise

    personalise._shared.clear()
    personalise._shared_pages.clear()
    long_chart = personal_pdf(tmp_path, PATIENT + "chart_days: 60\n")
    assert len(reader(long_chart).pages) != len(reader(jane_pdf).pages)
    assert personal_pdf(tmp_path) == jane_pdf
    patient = write(tmp_path, PATIENT)
    result = subprocess.run([sys.executable, "-m", "leaflet", "build", str(BACLOFEN),
                             "--patient", str(patient), "-o", str(tmp_path / "fresh.pdf")],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "fresh.pdf").read_bytes() == jane_pdf


def test_a_longer_personal_section_reuses_the_shared_pages(tmp_path, jane_pdf):
    """In a batch worker the shared pages are kept between rows: a patient with one more
    step moves the rest of the markup down a line, and the pages must still be reused,
    giving the bytes a fresh process gives."""
    from leaflet.build import build_pdf, load_fonts, read_patient, render
    from leaflet.personal import personalise
    from leaflet.render.profiles import print_settings
    from leaflet.render.templates import resolve_set
    from leaflet.sources.content import load_content

    content, template_set = load_content(BACLOFEN), resolve_set("default")
    settings = print_settings(template_set, "standard", None, None)
    fonts = load_fonts(settings.theme)
    shorter = write(tmp_path, PATIENT.replace("  - {days: 3, dose: 15 mg, times_a_day: 3}\n",
                                              ""), "shorter.yaml")
    personalise._shared.clear()
    personalise._shared_pages.clear()
    fresh = build_pdf(BACLOFEN, BuildOptions(patient=shorter)).pdf  # in a child, kept nothing
    assert personalise._shared_pages == {}
    built = [render(content, template_set, settings, fonts, read_patient(path, content)).pdf
             for path in (write(tmp_path, PATIENT, "jane.yaml"), shorter)]
    assert len(personalise._shared_pages) == 1
    assert built == [jane_pdf, fresh]


def test_the_chart_has_one_box_per_dose(jane_pdf):
    # 9 dated days and two weeks of the open-ended last step, 3 doses a day
    assert body_text(jane_pdf).count(BOX) == (9 + 14) * 3
    boxes = [run for run in text_runs(jane_pdf) if BOX in run.text]
    assert sum(run.text.count(BOX) for run in boxes) == (9 + 14) * 3
    assert min(run.size for run in boxes) >= 18
    assert any("DejaVuSans" in name for name in fonts(jane_pdf))
    assert all(fonts(jane_pdf).values())


def test_chart_rows_carry_date_dose_and_a_box_only_at_each_step_s_own_times(tmp_path):
    text = PATIENT.replace("  - {days: 3, dose: 5 mg, times_a_day: 3}",
                           "  - {days: 2, dose: 5 mg, times_a_day: 1, times: [22:00]}")
    pdf = personal_pdf(tmp_path, text)
    assert body_text(pdf).count(BOX) == 2 * 1 + (6 + 14) * 3
    page_text = squash(body_text(pdf))
    assert squash("12 to 13 March: take 5 mg (half a tablet) at 22:00") in page_text
    assert squash("Thu 12 March 5 mg (half a tablet) no dose no dose no dose") in page_text
    assert squash("Sat 14 March 10 mg (1 tablet)") in page_text


def test_chart_days_sets_the_chart_length(tmp_path):
    pdf = personal_pdf(tmp_path, PATIENT + "chart_days: 5\n")
    assert body_text(pdf).count(BOX) == 5 * 3


def test_steps_crossing_the_new_year_print_the_year(tmp_path):
    text = PATIENT.replace("2026-03-12", "2026-12-30")
    first = squash(page_texts(personal_pdf(tmp_path, text))[0])
    assert squash("30 December 2026 to 1 January 2027: take 5 mg") in first
    assert squash("2 to 4 January 2027: take 10 mg") in first


def test_patient_text_with_markup_characters_and_other_scripts_reaches_the_page(tmp_path):
    text = PATIENT.replace("Jane Example", "Zoë O'Brien & <Ωμέγα> Жанна").replace(
        "Take with food.", "Take <b>with</b> food & water.")
    page = squash(page_texts(personal_pdf(tmp_path, text))[0])
    assert squash("For: Zoë O'Brien & <Ωμέγα> Жанна") in page
    assert squash("Your doctor says: Take <b>with</b> food & water.") in page


def test_patient_data_stays_out_of_the_metadata(jane_pdf):
    pdf = reader(jane_pdf)
    info = " ".join(str(value) for value in pdf.metadata.values())
    xmp = pdf.xmp_metadata.rdf_root.toxml() if pdf.xmp_metadata else ""
    for personal in ("Jane", "Amir Patel", "Riverside"):
        assert personal not in info and personal not in xmp
    assert pdf.metadata.title == "Baclofen 10 mg tablets: package leaflet"


def test_same_patient_same_bytes(tmp_path, jane_pdf):
    assert personal_pdf(tmp_path) == jane_pdf


@pytest.fixture
def run(tmp_path, capsys):
    def run_cli(patient_text: str) -> tuple[int, list[str]]:
        patient = write(tmp_path, patient_text)
        code = main(["build", str(BACLOFEN), "--patient", str(patient),
                     "-o", str(tmp_path / "out.pdf")])
        err = capsys.readouterr().err
        assert "Traceback" not in err
        if code:
            assert not (tmp_path / "out.pdf").exists()
        return code, err.strip().splitlines()

    return run_cli


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_a_dose_above_the_content_maximum_is_refused(run, tmp_path):
    text = PATIENT.replace("{dose: 20 mg, times_a_day: 3}", "{dose: 30 mg, times_a_day: 3}")
    code, err = run(text)
    assert code == 1
    line = line_of(text, "30 mg")
    assert err == [f"error: {tmp_path / 'patient.yaml'}:{line}: steps[3].dose: 30 mg 3 times a "
                   "day is 90 mg a day, above the maximum of 80 mg a day "
                   f"({BACLOFEN}:{MAX_DOSE_LINE})"]


def test_a_dose_in_another_unit_is_compared_after_converting(run):
    text = PATIENT.replace("{dose: 20 mg, times_a_day: 3}", "{dose: 0.03 g, times_a_day: 3}")
    code, err = run(text)
    assert code == 1 and "90 mg a day" not in err[0] and "above the maximum of 80 mg" in err[0]
    code, err = run(PATIENT.replace("{dose: 20 mg, times_a_day: 3}",
                                    "{dose: 5 ml, times_a_day: 3}"))
    assert code == 1 and "cannot be compared with the maximum of 80 mg" in err[0]


@pytest.mark.parametrize(("times", "key", "message"), [
    ("[8:00, 14:00, 24:00]", "times[2]", "expected a time like '8:00' or '14:00'"),
    ("[8:00, 14:60, 20:00]", "times[1]", "expected a time like '8:00' or '14:00'"),
    ("[8am, 14:00, 20:00]", "times[0]", "got '8am'"),
    ("[8:00, 20:00]", "times", "2 times (8:00, 20:00) for step 1, which has 3 doses a day"),
    ("[8:00, 8:00, 20:00]", "times[1]", "8:00 is given twice"),
])
def test_times_must_be_clock_times_one_per_dose(run, tmp_path, times, key, message):
    text = PATIENT.replace("[8:00, 14:00, 20:00]", times)
    code, err = run(text)
    assert code == 1
    assert err[0].startswith(f"error: {tmp_path / 'patient.yaml'}:5: {key}: ")
    assert message in err[0]


@pytest.mark.parametrize(("change", "expected"), [
    (("2026-03-12", "2026-02-30"), "start_date: '2026-02-30' is not a date in the calendar"),
    (("2026-03-12", "12/03/2026"), "start_date: expected a date like '2026-03-12'"),
    (("2026-03-12", "9999-12-25"), "start_date: '9999-12-25' is outside the years 2000 to "
                                   "2199; check the year"),
    (("2026-03-12", "0026-03-12"), "start_date: '0026-03-12' is outside the years"),
    (("name: Jane Example\n", ""), "name: required key is missing"),
    (("  - {days: 3, dose: 15 mg, times_a_day: 3}\n", "  - {dose: 15 mg, times_a_day: 3}\n"),
     "steps[2].days: required on every step but the last"),
    (("note: Take with food.", "notes: Take with food."),
     "notes: unknown key; did you mean 'note'?"),
    (("name: Jane Example", "name: 김민준"), "name: '김' (U+AE40"),  # Chinese is drawn now
])
def test_bad_patient_fields_are_named(run, change, expected):
    code, err = run(PATIENT.replace(*change))
    assert code == 1
    assert any(expected in line for line in err), err


def test_a_template_set_without_the_personal_block_is_refused(tmp_path):
    folder = tmp_path / "set"
    shutil.copytree(ROOT / "templates" / "default", folder)
    main_template = folder / "leaflet.xml.j2"
    main_template.write_text(main_template.read_text("utf-8").replace(
        '{% include "sections/personal.xml.j2" %}', ""), "utf-8")
    from leaflet.errors import TemplateError

    with pytest.raises(TemplateError, match='prints no <section id="personal">'):
        build_pdf(BACLOFEN, BuildOptions(template=str(folder),
                                         patient=write(tmp_path, PATIENT)))


def test_a_dose_that_is_not_whole_half_tablets_is_refused(run, tmp_path):
    text = PATIENT.replace("{days: 3, dose: 15 mg, times_a_day: 3}",
                           "{days: 3, dose: 12 mg, times_a_day: 3}")
    code, err = run(text)
    assert code == 1
    assert err == [f"error: {tmp_path / 'patient.yaml'}:{line_of(text, '12 mg')}: "
                   "steps[2].dose: 12 mg is not a whole number of half tablets of 10 mg "
                   f"({BACLOFEN}:{line_of(BACLOFEN.read_text('utf-8'), 'strength:')}); "
                   "check the prescription"]

"""The content format fits medicines other than baclofen: one that can simply be stopped,
tablets that must be swallowed whole, a draft whose dose table a person has still to write,
sections of one's own read as a template author writes them."""

from __future__ import annotations

import html
import re

import pytest
from conftest import BACLOFEN

from leaflet.check import Checker
from leaflet.errors import PatientError
from leaflet.personal import load_patient, template_context
from leaflet.render import render_markup, resolve_set
from leaflet.render.templates import content_wording
from leaflet.sources import load_content

SETS = ("default", "us-medguide")


def plain(markup: str) -> str:
    """The words of the markup, tags and template origins left out."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


@pytest.fixture(scope="module")
def checker():
    import datetime

    return Checker(resolve_set("default"), datetime.date.today(), readability=False)


def no_withdrawal(data: dict) -> None:
    data["sections"]["stopping"] = {"advice": [
        "You can stop taking it when your doctor says your treatment is over."]}


@pytest.mark.parametrize("template", SETS)
def test_a_medicine_that_can_simply_be_stopped_says_nothing_of_tapering(write_content,
                                                                        template):
    content = load_content(write_content(no_withdrawal))
    text = plain(render_markup(content, resolve_set(template)))
    assert "If you stop taking Baclofen You can stop taking it when your doctor says" in text
    assert "too quickly" not in text
    assert "stop taking Baclofen suddenly" not in text


@pytest.mark.parametrize(("template", "heading"), [
    ("default", "If you stop taking Baclofen"),
    ("us-medguide", "Do not stop taking Baclofen suddenly"),
])
def test_withdrawal_signs_keep_their_lead_in(template, heading):
    text = plain(render_markup(load_content(BACLOFEN), resolve_set(template)))
    assert f"{heading} Do not stop taking baclofen suddenly." in text
    assert ("Signs of stopping too quickly include: seeing or hearing things that are not "
            "there (hallucinations)") in text


def test_completeness_asks_for_stopping_advice_not_withdrawal_signs(write_content, checker):
    report = checker.check(write_content(no_withdrawal))
    assert report.passed
    assert [f for f in report.findings if f.key and "stopping" in f.key] == []


PATIENT = """\
name: Jane Example
prescriber: Dr Amir Patel
pharmacy: Riverside Pharmacy
start_date: 2026-03-12
times: [8:00, 20:00]
steps:
  - {days: 7, dose: 500 mg, times_a_day: 2}
  - {dose: 1000 mg, times_a_day: 2}
"""


def prolonged_release(splitting: str | None):
    """Baclofen's text around 500 mg tablets: enough for a patient's pages, not a leaflet."""
    def change(data: dict) -> None:
        data["medicine"].update(strength="500 mg", form="prolonged-release tablets")
        if splitting:
            data["medicine"]["splitting"] = splitting
        data["sections"]["dosing"]["maximum_daily_dose"] = "2000 mg"
        data["sections"]["dosing"]["schedule"]["steps"] = [
            {"days": 7, "dose": "500 mg", "times_a_day": 2},
            {"dose": "1000 mg", "times_a_day": 2}]
    return change


def personal_text(tmp_path, content_path, patient: str = PATIENT) -> str:
    content = load_content(content_path)
    (tmp_path / "patient.yaml").write_text(patient, "utf-8")
    template_set = resolve_set("default")
    person = template_context(load_patient(tmp_path / "patient.yaml", content), content,
                              content_wording(content, template_set))
    return plain(render_markup(content, template_set, person))


def test_tablets_swallowed_whole_are_counted_in_whole_tablets(tmp_path, write_content):
    text = personal_text(tmp_path, write_content(prolonged_release("whole")))
    assert "take 500 mg (1 tablet) at 8:00 and 20:00" in text
    assert "take 1000 mg (2 tablets) at 8:00 and 20:00" in text


def test_a_dose_of_half_a_tablet_swallowed_whole_is_refused(tmp_path, write_content):
    content = write_content(prolonged_release("whole"))
    strength_line = next(n for n, line in enumerate(content.read_text("utf-8").splitlines(), 1)
                         if "strength:" in line)
    with pytest.raises(PatientError) as caught:
        personal_text(tmp_path, content, PATIENT.replace("dose: 1000 mg", "dose: 750 mg"))
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path / 'patient.yaml'}:8: steps[1].dose: 750 mg is not a whole number of "
        f"tablets of 500 mg, and these are swallowed whole ({content}:{strength_line}); check "
        "the prescription"]


def test_tablets_that_may_be_split_are_counted_in_halves(tmp_path, write_content):
    text = personal_text(tmp_path, write_content(prolonged_release("halves")),
                         PATIENT.replace("dose: 1000 mg", "dose: 750 mg"))
    assert "take 750 mg (1 and a half tablets) at 8:00 and 20:00" in text


def test_the_dose_table_is_held_to_the_tablet(write_content, checker):
    def change(data: dict) -> None:
        prolonged_release("whole")(data)
        data["sections"]["dosing"]["schedule"]["steps"][1]["dose"] = "750 mg"

    report = checker.check(write_content(change))
    assert [f.message for f in report.findings if f.key and f.key.endswith("steps[1].dose")] \
        == ["step 2: 750 mg is not a whole number of tablets of 500 mg, and these are "
            "swallowed whole"]


def test_a_prolonged_release_form_must_say_whether_it_may_be_split(write_content, checker):
    report = checker.check(write_content(prolonged_release(None)))
    assert [(f.severity.value, f.key, f.message) for f in report.findings
            if f.key == "medicine.form"] == [
        ("warning", "medicine.form", '"prolonged-release tablets" are usually swallowed '
                                     "whole: add medicine.splitting: whole (or halves, if the "
                                     "tablet may be split)")]
    report = checker.check(write_content(prolonged_release("whole")))
    assert [f for f in report.findings if f.key == "medicine.form"] == []


def unwritten_table(data: dict) -> None:
    """A draft from a leaflet whose prose gives no dose steps."""
    data["sections"]["dosing"]["schedule"]["steps"] = [
        {"days": "[days]", "dose": "[dose]", "times_a_day": "[times a day]"},
        {"dose": "[dose]", "times_a_day": 3}]
    data["sections"]["dosing"]["maximum_daily_dose"] = "[maximum daily dose]"


@pytest.mark.parametrize("template", SETS)
def test_a_draft_prints_its_unwritten_dose_table_as_placeholders(write_content, template):
    text = plain(render_markup(load_content(write_content(unwritten_table)),
                               resolve_set(template)))
    assert ("Days Dose each time How many times a day Total in one day "
            "[days] [dose] [times a day] [total in one day] "
            "Then until your doctor changes it [dose] 3 times [total in one day]") in text
    assert "Highest dose: usually no more than [maximum daily dose] in one day." in text


def test_check_says_a_person_must_write_each_value_of_the_table(write_content, checker):
    path = write_content(unwritten_table)
    report = checker.check(path)
    assert report.passed
    dose_findings = [(f.severity.value, f.rule, f.key, f.message) for f in report.findings
                     if f.key and f.key.startswith("sections.dosing.")
                     and f.rule in ("completeness", "dose")]
    steps = "sections.dosing.schedule.steps"
    assert dose_findings == [
        ("warning", "completeness", f"{steps}[0].days",
         "dose table: a person must write this before approval: [days]"),
        ("warning", "completeness", f"{steps}[0].dose",
         "dose table: a person must write this before approval: [dose]"),
        ("warning", "completeness", f"{steps}[0].times_a_day",
         "dose table: a person must write this before approval: [times a day]"),
        ("warning", "completeness", f"{steps}[1].dose",
         "dose table: a person must write this before approval: [dose]"),
        ("warning", "completeness", "sections.dosing.maximum_daily_dose",
         "dose table: a person must write this before approval: [maximum daily dose]")]


def test_approved_content_may_not_leave_its_dose_table_to_a_person(write_content, checker):
    def change(data: dict) -> None:
        unwritten_table(data)
        data["review"] = {"status": "approved", "reviewer": "A. Example, pharmacist",
                          "date": "2026-01-05"}

    report = checker.check(write_content(change))
    assert not report.passed
    assert ("error", "sections.dosing.schedule.steps[0].dose",
            "placeholder left in approved content: [dose]") in [
        (f.severity.value, f.key, f.message) for f in report.findings]


def test_a_patient_s_leaflet_needs_a_written_dose_table(tmp_path, write_content):
    content = write_content(unwritten_table)
    line = next(n for n, text in enumerate(content.read_text("utf-8").splitlines(), 1)
                if "[days]" in text)
    with pytest.raises(PatientError) as caught:
        personal_text(tmp_path, content, PATIENT.replace("500 mg", "10 mg")
                      .replace("1000 mg", "20 mg"))
    assert [str(p) for p in caught.value.problems] == [
        f"{content}:{line}: sections.dosing.schedule.steps[0].days: the dose table is not "
        "written yet ([days], [dose], [times a day], [maximum daily dose]): a person must "
        "write it before a leaflet for a patient can be built"]


def test_a_patient_s_dose_cannot_be_a_placeholder(tmp_path):
    content = load_content(BACLOFEN)
    (tmp_path / "patient.yaml").write_text(PATIENT.replace("500 mg", '"[dose]"'), "utf-8")
    with pytest.raises(PatientError) as caught:
        load_patient(tmp_path / "patient.yaml", content)
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path / 'patient.yaml'}:7: steps[0].dose: expected a dose like '5 mg' (number, "
        "space, unit); got '[dose]'"]


def test_a_section_of_one_s_own_reads_as_a_template_author_writes_it(tmp_path,
                                                                       write_content):
    folder = tmp_path / "my-clinic"
    (folder / "sections").mkdir(parents=True)
    (folder / "sections" / "travel.xml.j2").write_text(
        "<h2>{{ extra.title }}</h2>\n"
        "{% for text in extra.paragraphs %}<p>{{ text }}</p>{% endfor %}\n"
        "<ul>{% for item in extra.items %}<li>{{ item }}</li>{% endfor %}</ul>\n"
        "<ul>{% for item in extra['items'] %}<li>again: {{ item }}</li>{% endfor %}</ul>\n",
        "utf-8")
    (folder / "leaflet.xml.j2").write_text(
        '{% extends "!default/leaflet.xml.j2" %}\n{% block extra_sections %}\n'
        "{% for id, extra in extra_sections.items() %}\n"
        '<section id="{{ id }}">{% include "sections/" ~ id ~ ".xml.j2" %}</section>\n'
        "{% endfor %}\n{% endblock %}\n", "utf-8")
    content = load_content(write_content(lambda d: d.update(extra_sections={"travel": {
        "title": "Travelling with baclofen", "items": ["Keep them in your hand luggage."]}})))
    text = plain(render_markup(content, resolve_set(str(folder))))
    assert ("Travelling with baclofen Keep them in your hand luggage. "
            "again: Keep them in your hand luggage.") in text

"""A patient's own instructions: the personal file, its checks against the content, and the
dose schedule worked out into dated steps and a tick chart.

A misread date or clock time harms as surely as a wrong dose, so every date is
computed here once, from the start date and the steps, and the template only
words it. The same schema checks a patient file, a row of a YAML batch list and
a CSV row (turned into nodes first), so all three report problems alike.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from leaflet.errors import PatientError, Problem
from leaflet.render.wording import Wording
from leaflet.sources.content import STEP, Content, check_steps
from leaflet.sources.schema import (
    PARAGRAPH_CHARS,
    Dose,
    Field,
    Integer,
    ListOf,
    Mapping,
    Spec,
    Text,
    Walk,
    describe,
)
from leaflet.sources.tablets import misfit, tablet_halves, tablet_of
from leaflet.sources.yaml_source import read_nodes

TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
OPEN_STEP_CHART_DAYS = 14
MAX_CHART_DAYS = 92
_UNIT_IN_MG = {"mg": Decimal(1), "g": Decimal(1000), "micrograms": Decimal("0.001")}


@dataclass(frozen=True, order=True)
class ClockTime:
    """A time of day on the 24-hour clock, printed '8:00' as on a pharmacy label."""

    hour: int
    minute: int

    def __str__(self) -> str:
        return f"{self.hour}:{self.minute:02d}"


@dataclass
class TimeSpec(Spec):
    """'8:00' or '14:00'. YAML 1.1 reads an unquoted 14:00 as the number 840, so the text as
    written is checked, whatever type YAML gave it."""

    description: str = "A time of day, 24-hour clock: '8:00', '14:00'"

    def validate(self, node: yaml.Node, path: str, walk: Walk) -> ClockTime | None:
        walk.lines[path] = node.start_mark.line + 1
        text = str(node.value).strip() if isinstance(node, yaml.ScalarNode) else ""
        match = _TIME.fullmatch(text)
        if not match:
            got = repr(text) if isinstance(node, yaml.ScalarNode) else describe(node)
            walk.fail(node, path, f"expected a time like '8:00' or '14:00' (24-hour clock, "
                                  f"HH:MM); got {got}")
            return None
        return ClockTime(int(match.group(1)), int(match.group(2)))

    def json_schema(self) -> dict[str, Any]:
        return self._schema({"type": "string", "pattern": f"^{_TIME.pattern}$"})


YEARS = (2000, 2199)  # the years a patient's treatment can be dated in


@dataclass
class DateSpec(Spec):
    """'2026-03-12': the one date format nobody reads the wrong way round."""

    description: str = "A date written year-month-day, e.g. '2026-03-12'"

    def validate(self, node: yaml.Node, path: str, walk: Walk) -> datetime.date | None:
        walk.lines[path] = node.start_mark.line + 1
        text = str(node.value).strip() if isinstance(node, yaml.ScalarNode) else ""
        if not _DATE.fullmatch(text):
            got = repr(text) if isinstance(node, yaml.ScalarNode) else describe(node)
            walk.fail(node, path, f"expected a date like '2026-03-12' (year-month-day); got {got}")
            return None
        try:
            day = datetime.date.fromisoformat(text)
        except ValueError:
            walk.fail(node, path, f"{text!r} is not a date in the calendar")
            return None
        if not YEARS[0] <= day.year <= YEARS[1]:  # a typo, not a treatment: 0026, 9999
            walk.fail(node, path, f"{text!r} is outside the years {YEARS[0]} to {YEARS[1]}; "
                                  "check the year")
            return None
        return day

    def json_schema(self) -> dict[str, Any]:
        return self._schema({"type": "string", "pattern": rf"^{_DATE.pattern}$"})


def _check_times(times: list[Any], node: yaml.SequenceNode, path: str, walk: Walk) -> None:
    """The same time twice would be two doses at once: refuse it rather than guess."""
    seen: dict[ClockTime, int] = {}
    for index, (time, time_node) in enumerate(zip(times, node.value, strict=True)):
        if time is None:
            continue
        if time in seen:
            walk.fail(time_node, f"{path}[{index}]",
                      f"{time} is given twice; each dose needs its own time")
        seen.setdefault(time, index)


TIMES = ListOf(TimeSpec(), check=_check_times,
               description="Clock times of the doses in a day, one per dose")

PATIENT_STEP = Mapping(
    {**STEP.fields, "times": Field(TIMES, required=False)},
    description="One step of the prescribed schedule; 'times' overrides the patient's times.",
)

PATIENT_FIELDS = {
    "name": Field(Text(description="The patient's name as printed on the leaflet")),
    "prescriber": Field(Text(description="Who prescribed the medicine")),
    "pharmacy": Field(Text(description="The pharmacy's name and how to reach it")),
    "start_date": Field(DateSpec(description="The day of the first dose, e.g. '2026-03-12'")),
    "times": Field(TIMES, required=False),
    "steps": Field(ListOf(PATIENT_STEP, check=check_steps,
                          description="The prescribed schedule, in order")),
    "note": Field(Text(description="An instruction from the prescriber, printed as written",
                       max_chars=PARAGRAPH_CHARS), required=False),
    "chart_days": Field(Integer(description="How many days the tick chart covers",
                                minimum=1, maximum=MAX_CHART_DAYS), required=False),
}

PATIENT = Mapping(PATIENT_FIELDS, description="One patient's instructions for a leaflet.")


@dataclass(frozen=True)
class Step:
    dose: Dose
    times: tuple[ClockTime, ...]
    days: int | None


@dataclass(frozen=True)
class Patient:
    """A checked patient: what the personal block prints, and where each value was written."""

    source: str
    name: str
    prescriber: str
    pharmacy: str
    start_date: datetime.date
    steps: tuple[Step, ...]
    note: str | None
    chart_days: int
    reader_texts: tuple[tuple[str, str], ...]
    lines: dict[str, int] = field(default_factory=dict)

    def problem(self, path: str, message: str) -> Problem:
        return Problem(self.source, self.lines.get(path), path, message)


def load_patient(path: Path | str, content: Content) -> Patient:
    """Read and check a patient file against the content it goes with."""
    root = read_nodes(Path(path), PatientError, frozenset({TIMESTAMP_TAG}))
    return patient_from_node(root, str(path), content)


def patient_from_node(node: yaml.Node, source: str, content: Content,
                      spec: Mapping = PATIENT) -> Patient:
    """Validate ``node`` (a patient mapping; ``spec`` may allow more keys, as a batch row
    does) and check it against ``content``; raise PatientError with every problem, or
    with one alone when the content's dose table is still to be written: nothing can be
    checked against it."""
    unwritten = content.unwritten_doses()
    if unwritten:
        key = unwritten[0][0]
        texts = ", ".join(dict.fromkeys(text for _, text in unwritten))
        raise PatientError(Problem(content.name, content.lines.get(key), key,
                                   f"the dose table is not written yet ({texts}): a person "
                                   "must write it before a leaflet for a patient can be "
                                   "built"))
    walk = Walk(file=source)
    data = spec.validate(node, "", walk)
    if data is not None and not walk.problems:
        _check_against_content(data, content, walk)
    if walk.problems:
        raise PatientError(walk.problems)
    assert data is not None
    steps = tuple(Step(step["dose"], tuple(sorted(step.get("times") or data["times"])),
                       step.get("days")) for step in data["steps"])
    texts = tuple((path, text) for path, text in walk.reader_texts
                  if path in ("name", "prescriber", "pharmacy", "note"))
    return Patient(source, data["name"], data["prescriber"], data["pharmacy"],
                   data["start_date"], steps, data.get("note"),
                   data.get("chart_days") or default_chart_days(steps), texts,
                   dict(walk.lines))


def _check_against_content(data: dict[str, Any], content: Content, walk: Walk) -> None:
    """Each dose is whole tablets (or halves, where they may be split), times match the
    doses a day, no day goes above the content's maximum, the chart stays within the
    schedule: each a problem at the key that is wrong."""
    maximum: Dose = content.data["sections"]["dosing"]["maximum_daily_dose"]
    max_path = "sections.dosing.maximum_daily_dose"
    where = f"{content.name}:{content.lines.get(max_path, '?')}"

    def fail(path: str, message: str) -> None:
        walk.problems.append(Problem(walk.file, walk.lines.get(path), path, message))

    tablet = tablet_of(content.data["medicine"])
    strength_at = f"{content.name}:{content.lines.get('medicine.strength', '?')}"
    for index, step in enumerate(data["steps"]):
        path = f"steps[{index}]"
        times = step.get("times") or data.get("times")
        times_path = f"{path}.times" if step.get("times") else "times"
        if not times:
            fail(path, "no times: give 'times' for the whole schedule or for this step")
        elif len(times) != step["times_a_day"]:
            listed = ", ".join(str(t) for t in times)
            fail(times_path, f"{len(times)} times ({listed}) for step {index + 1}, which has "
                             f"{step['times_a_day']} doses a day; give one time per dose")
        daily = _in_mg(step["dose"].per_day(step["times_a_day"]))
        limit = _in_mg(maximum)
        if daily is None or limit is None:
            if step["dose"].unit != maximum.unit:
                fail(f"{path}.dose", f"{step['dose']} cannot be compared with the maximum of "
                                     f"{maximum} a day ({where}); use the same unit")
        elif daily > limit:
            fail(f"{path}.dose", f"{step['dose']} {step['times_a_day']} times a day is "
                                 f"{step['dose'].per_day(step['times_a_day'])} a day, above "
                                 f"the maximum of {maximum} a day ({where})")
        reason = misfit(step["dose"], tablet) if tablet else None
        if reason:
            fail(f"{path}.dose", f"{reason} ({strength_at}); check the prescription")
    dated = sum(step.get("days") or 0 for step in data["steps"])
    open_ended = "days" not in data["steps"][-1]
    if data.get("chart_days") and not open_ended and data["chart_days"] > dated:
        fail("chart_days", f"the schedule ends after {dated} days; the chart cannot cover "
                           f"{data['chart_days']}")


def _in_mg(dose: Dose) -> Decimal | None:
    factor = _UNIT_IN_MG.get(dose.unit)
    return dose.amount * factor if factor is not None else None


def default_chart_days(steps: tuple[Step, ...]) -> int:
    """The dated steps, and two weeks of a last step that runs on until the doctor says."""
    dated = sum(step.days or 0 for step in steps)
    extra = OPEN_STEP_CHART_DAYS if steps[-1].days is None else 0
    return min(dated + extra, MAX_CHART_DAYS)


# The schedule worked out in dates


@dataclass(frozen=True)
class DatedStep:
    first: datetime.date
    last: datetime.date | None
    step: Step


def dated_steps(patient: Patient) -> list[DatedStep]:
    """Each step with its first and last day; the last is None for 'until the doctor says'."""
    out: list[DatedStep] = []
    day = patient.start_date
    for step in patient.steps:
        last = day + datetime.timedelta(days=step.days - 1) if step.days else None
        out.append(DatedStep(day, last, step))
        if last is not None:
            day = last + datetime.timedelta(days=1)
    return out


def chart_rows(patient: Patient) -> tuple[tuple[ClockTime, ...],
                                          list[tuple[datetime.date, Step]]]:
    """The chart's time columns (every time used on any day) and one row per day."""
    rows: list[tuple[datetime.date, Step]] = []
    for dated in dated_steps(patient):
        day = dated.first
        while len(rows) < patient.chart_days and (dated.last is None or day <= dated.last):
            rows.append((day, dated.step))
            day += datetime.timedelta(days=1)
    columns = tuple(sorted({time for _, step in rows for time in step.times}))
    return columns, rows


def day_range(first: datetime.date, last: datetime.date | None, start_year: int,
              wording: Wording) -> tuple[str, str | None, bool]:
    """The two ends of a step as the language prints them, and whether one end is the day
    alone: ('12', '14 March', True), or ('3月12日', '14日', True) where the month comes
    first; ('30 March', '2 April', False), ('12 March', None, False) for one day or an open
    end; the year only where it changes."""
    if last is None or last == first:
        return wording.day_month(first, first.year != start_year), None, False
    show_year = first.year != last.year or first.year != start_year
    if first.month == last.month and first.year == last.year:
        if wording.month_first:
            return wording.day_month(first, show_year), wording.day_number(last), True
        return wording.day_number(first), wording.day_month(last, show_year), True
    return wording.day_month(first, show_year), wording.day_month(last, show_year), False


def template_context(patient: Patient, content: Content, wording: Wording) -> dict[str, Any]:
    """Plain values for the personal template: dates, doses and times already worked out,
    in the leaflet's language (``wording``: render/wording.py)."""
    year = patient.start_date.year
    tablet = tablet_of(content.data["medicine"])

    def dose_values(step: Step) -> dict[str, Any]:
        halves = tablet_halves(step.dose, tablet) if tablet else None
        times = [str(t) for t in step.times]
        return {"dose": wording.dose(step.dose), "tablet_halves": halves, "times": times,
                "times_text": wording.join(times), "times_a_day": len(step.times)}

    steps = []
    for dated in dated_steps(patient):
        first, last, same_month = day_range(dated.first, dated.last, year, wording)
        steps.append({"first": first, "last": last, "same_month": same_month,
                      "until_changed": dated.last is None,
                      "days": dated.step.days, **dose_values(dated.step)})
    columns, rows = chart_rows(patient)
    chart = {"times": [str(t) for t in columns],
             "days": [{"date": wording.chart_date(day), **dose_values(step),
                       "boxes": [time in step.times for time in columns]}
                      for day, step in rows]}
    return {"name": patient.name, "prescriber": patient.prescriber,
            "pharmacy": patient.pharmacy, "start": wording.long_date(patient.start_date),
            "note": patient.note, "steps": steps, "chart": chart}

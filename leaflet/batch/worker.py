"""What runs in each worker process of a batch: fonts and templates loaded once per
process, then one leaflet per task.

Kept apart from run.py so the main process, which only reads and
checks the list, never imports ReportLab or pypdf's writer for layout.
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from typing import Any

from leaflet.batch.jobs import Job, RowResult
from leaflet.build import (
    check_coverage,
    check_patient_coverage,
    checked_content,
    load_fonts,
    render,
)
from leaflet.check import Checker
from leaflet.errors import LeafletError, Problem
from leaflet.output import write_atomically
from leaflet.render.profiles import print_settings
from leaflet.render.templates import resolve_set
from leaflet.sources.content import Content

_setup: dict[str, Any] = {}


def start_worker(template: str, paper: str | None) -> None:
    """Pool initializer: resolve the template set and register the fonts once. A failure is
    kept and reported with the first row, because a pool restarts a worker that dies."""
    _setup.clear()
    try:
        template_set = resolve_set(template)
        settings = print_settings(template_set, paper=paper)
        _setup.update(template_set=template_set, settings=settings,
                      fonts=load_fonts(settings.theme),
                      checker=Checker(template_set, date.today(), readability=False))
    except LeafletError as exc:
        _setup["error"] = tuple(exc.problems)


@functools.cache
def _content(path: Path) -> Content:
    """Each content file is loaded, checked (as `leaflet build` checks it) and its characters
    checked once per worker: a leaflet the checks refuse is refused in a batch too."""
    content, _ = checked_content(path, _setup["checker"])
    check_coverage(content, _setup["fonts"])
    return content


def build_row(job: Job) -> RowResult:
    """Build one row; every failure comes back as the row's problems, never as an exception
    that would stop the other rows."""
    if job.problems:
        return RowResult(job.row, problems=job.problems)
    if "error" in _setup:
        return RowResult(job.row, problems=_setup["error"], setup_failed=True)
    assert job.content is not None and job.patient is not None
    try:
        content = _content(job.content)
        check_patient_coverage(job.patient, _setup["fonts"])
        result = render(content, _setup["template_set"], _setup["settings"], _setup["fonts"],
                        job.patient)
        if job.output is not None:
            write_atomically(result.pdf, job.output)
        return RowResult(job.row, result.pages, pdf=result.pdf if job.want_pdf else None)
    except LeafletError as exc:
        return RowResult(job.row, problems=tuple(exc.problems))
    except Exception as exc:  # a bug must not stop the other rows; it is reported as one
        return RowResult(job.row, problems=(Problem(
            str(job.content), None, None,
            f"internal error: {type(exc).__name__}: {exc} (please report it)"),))

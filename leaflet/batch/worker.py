"""What runs in each worker process of a batch: fonts and templates loaded once per
process, then one leaflet per task, each under the time limit, the whole worker under
the memory limit.

Kept apart from run.py so the main process, which only reads and
checks the list, never imports ReportLab or pypdf's writer for layout.
"""

from __future__ import annotations

import functools
import os
import signal
import traceback
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from leaflet.batch.jobs import Job, RowResult
from leaflet.build import (
    check_coverage,
    check_patient_coverage,
    checked_content,
    limit_stops,
    load_fonts,
    render,
)
from leaflet.check import Checker, Severity
from leaflet.errors import LeafletError, Problem
from leaflet.limits import (
    NO_MEMORY,
    Limits,
    OutOfTime,
    cpu_limit,
    die_with_parent,
    set_memory_limit,
)
from leaflet.output import write_atomically
from leaflet.render.profiles import print_settings
from leaflet.render.templates import resolve_set
from leaflet.sources.content import Content

_setup: dict[str, Any] = {}
_warned: set[Path] = set()  # content files whose warnings this worker has sent


class _Stopped(BaseException):
    """SIGTERM: the batch is stopping. Not an Exception, so no row's handler keeps it."""


_stoppable = False  # serving rows, where _Stopped is caught; not on the way in or out
_writing = False  # a PDF is being written, or written and not yet reported: SIGTERM waits
_stop_asked = False


def _on_sigterm(signum: int, frame: Any) -> None:
    """Stop at once, except halfway through a PDF; raise once only, since the main
    process may send SIGTERM again while this one is already on its way out."""
    global _stop_asked
    first = not _stop_asked
    _stop_asked = True
    if first and _stoppable and not _writing:
        raise _Stopped


def serve(conn: Connection, template: str, paper: str | None, limits: Limits) -> None:
    """A worker's life (leaflet/batch/pool.py has the protocol): build rows until asked to
    stop, until a row leaves the process in doubt (a limit hit or a bug halfway through
    a row may leave a cache half-filled), or until the batch is gone. Ctrl-C belongs to
    the main process, which stops the workers; none prints a traceback on the way out."""
    global _stoppable, _writing
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})  # held in the fork server
    parent = os.getppid()
    watch_parent = not die_with_parent(parent)
    try:
        _stoppable = True
        set_memory_limit(limits)
        start_worker(template, paper, limits)
        while not _stop_asked:
            while watch_parent and not conn.poll(1.0):
                if os.getppid() != parent:
                    return
            message = conn.recv()
            if message is None:
                return
            index, job = message
            result = build_row(job)
            conn.send((index, result, "spent" in _setup))
            _writing = False  # reported: the main process knows the file is there
            if "spent" in _setup:
                return
    except (_Stopped, EOFError, OSError):
        return  # asked to stop, or the main process is gone
    except MemoryError:  # sending or receiving a row at the memory limit: no traceback
        os._exit(NO_MEMORY)
    finally:
        _stoppable = False


def start_worker(template: str, paper: str | None, limits: Limits) -> None:
    """Resolve the template set and register the fonts once. A failure is kept and
    reported with the first row: it stops the batch, since no row could be built."""
    _setup.clear()
    try:
        template_set = resolve_set(template)
        settings = print_settings(template_set, paper=paper)
        _setup.update(template_set=template_set, settings=settings,
                      fonts=load_fonts(settings.theme), limits=limits,
                      stopped=limit_stops(template_set, limits),
                      checker=Checker(template_set, date.today(), readability=False))
    except LeafletError as exc:
        _setup["error"] = tuple(exc.problems)
    except Exception as exc:  # a bug: the batch stops with an internal error (exit code 3)
        _setup["error"] = (Problem(template, None, None, f"{type(exc).__name__}: {exc}"),)
        _setup["trace"] = traceback.format_exc()


@functools.cache
def _content(path: Path) -> tuple[Content, tuple[str, ...]]:
    """Each content file is loaded, checked (as `leaflet build` checks it) and its characters
    checked once per worker: a leaflet the checks refuse is refused in a batch too. The
    checks' warnings come back with the first row built from it, as `build` prints them."""
    content, report = checked_content(path, _setup["checker"])
    check_coverage(content, _setup["fonts"])
    return content, tuple(str(f) for f in report.findings if f.severity is Severity.WARNING)


def build_row(job: Job) -> RowResult:
    """Build one row; every failure comes back as the row's problems, never as an exception
    that would stop the other rows. After a limit hit or a bug the worker is "spent"."""
    if job.problems:
        return RowResult(job.row, problems=job.problems, trace=job.trace)
    if "error" in _setup:
        return RowResult(job.row, problems=_setup["error"], setup_failed=True,
                         trace=_setup.get("trace", ""))
    assert job.content is not None and job.patient is not None
    try:
        content, warnings = _content(job.content)
        warnings = () if job.content in _warned else warnings
        check_patient_coverage(job.patient, _setup["fonts"])
        with cpu_limit(_setup["limits"]):
            result = render(content, _setup["template_set"], _setup["settings"],
                            _setup["fonts"], job.patient, remember=True)
        if job.output is not None:
            _write(result.pdf, job.output)
        _warned.add(job.content)  # sent with a row that reaches the report as built
        return RowResult(job.row, result.pages, pdf=result.pdf if job.want_pdf else None,
                         warnings=warnings)
    except (OutOfTime, MemoryError) as exc:
        _setup["spent"] = True
        stop = "memory" if isinstance(exc, MemoryError) else "time"
        return RowResult(job.row, problems=tuple(_setup["stopped"](stop, exc).problems))
    except LeafletError as exc:
        return RowResult(job.row, problems=tuple(exc.problems))
    except Exception as exc:  # a bug must not stop the other rows; it is reported as one
        _setup["spent"] = True
        return RowResult(job.row, problems=(Problem(str(job.content), None, None,
                                                    _internal(exc)),),
                         trace=traceback.format_exc())


def _write(pdf: bytes, output: Path) -> None:
    """Write atomically, with SIGTERM held off until the file is whole and, once it is,
    until its row is reported (`serve` clears the flag after sending): a file on disk the
    report does not list would be a leaflet nobody knows was printed."""
    global _writing
    _writing = True
    try:
        write_atomically(pdf, output)
    except BaseException:
        _writing = False
        raise


def _internal(exc: Exception) -> str:
    return f"internal error: {type(exc).__name__}: {exc} (please report it)"

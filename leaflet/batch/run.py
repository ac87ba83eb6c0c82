"""Many personalised leaflets from one list of prescriptions (CSV or a YAML list).

The main process reads the list, names every row's file, refuses unsafe or
duplicate names, and checks each row against its content file; worker
processes, each with fonts and templates loaded once, lay out and write the
PDFs. Rows are independent: a bad row is reported with its row number, column
and reason, and the others are built all the same; so is a row that hits a time or
memory limit (leaflet/limits.py) or a bug, even one that takes its worker down.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import traceback
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from leaflet.batch.jobs import (
    BatchOptions,
    BatchReport,
    Job,
    Progress,
    RowFailure,
    RowResult,
    Shard,
)
from leaflet.batch.names import check_pattern, name_files
from leaflet.batch.pool import WorkerPool
from leaflet.batch.rows import Entry, Listing, Row, as_column
from leaflet.errors import (
    ContentError,
    LeafletError,
    OutputError,
    PatientError,
    Problem,
    UsageError,
)
from leaflet.limits import (
    NO_MEMORY,
    ChildTraceback,
    Limits,
    Stop,
    Terminated,
    limit_error,
    sigterm_as_exception,
)
from leaflet.output import Input, check_outputs, files_in, remove_abandoned
from leaflet.personal import PATIENT, PATIENT_FIELDS, Patient, patient_from_node
from leaflet.render import resolve_set
from leaflet.resources import data_dir
from leaflet.sources import Content, load_content
from leaflet.sources.schema import Field, Mapping, Text

if TYPE_CHECKING:
    from leaflet.pdf.combine import CombinedWriter

WINDOW = 16  # rows handed out ahead of the oldest unfinished one, per worker

BATCH_ROW = Mapping({
    **PATIENT_FIELDS,
    "content": Field(Text(reader=False, description="The content file, relative to the list")),
    "output": Field(Text(reader=False, description="The PDF's file name in the output folder"),
                    required=False),
}, description="One row of a batch list: a content file and one patient's instructions.")


def run_batch(list_path: Path, options: BatchOptions,
              progress: Progress | None = None) -> BatchReport:
    """Build every row of the list (of the chosen shard); raise only for problems with the
    whole run (the list itself, an option, the template set); each row's problems go into
    the report. Ctrl-C or SIGTERM stop the batch early: the report then says which rows
    were written (each PDF whole) and no combined file is written."""
    if options.out_dir is None and options.combined is None:
        raise UsageError(Problem("batch", None, None,
                                 "give --out-dir, --combined or both: where the PDFs go"))
    fields = check_pattern(options.name_pattern)
    listing = Listing(list_path, fields)
    names, refused = name_files(listing.entries(), options.name_pattern, listing.source)
    shard = options.shard or Shard(1, 1)
    count = sum(1 for number in range(1, listing.count + 1) if shard.holds(number))
    _check_outputs(listing, names, shard, options)
    out_dir = _prepare(options.out_dir) if options.out_dir else None
    label = resolve_set(options.template).label  # a set that cannot be used stops it here
    report = BatchReport(count)
    writer = _combined_writer(options.combined, count) if options.combined else None
    entries = (entry for entry in listing.entries() if shard.holds(entry.number))
    planned: dict[int, tuple[Path, tuple[int, int] | None]] = {}
    jobs = _noting_outputs(_jobs(listing, entries, names, refused, _row_spec(fields), out_dir,
                                 want_pdf=writer is not None), planned)
    pool = _pool(options, count, label)
    finished = False
    try:
        with sigterm_as_exception():
            try:
                for result in pool.imap(jobs):
                    _record(result, report, writer)
                    if progress:
                        progress(report.built + len(report.failed), count, len(report.failed))
                if writer is not None and writer.pages:
                    writer.close()
                    report.combined_pages = writer.pages
                finished = True
            except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM as Terminated
                report.interrupted = signal.SIGTERM if isinstance(exc, Terminated) \
                    else signal.SIGINT
                for result in pool.close():  # what was written while the workers stopped
                    _record(result, report, None)
                _written_unreported(report, planned)
    finally:
        pool.close()  # a no-op when the interrupt already closed it
        if out_dir is not None:
            remove_abandoned(out_dir)  # what a worker killed mid-write left behind
        if writer is not None and not (finished and writer.pages):
            writer.abort()  # stopped early, or nothing built: no print file
    report.built_rows.sort()
    report.failed.sort(key=lambda failure: failure.row)
    return report


def _check_outputs(listing: Listing, names: dict[int, str], shard: Shard,
                   options: BatchOptions) -> None:
    """Refuse, before any work, a print file or a row's file that is a device, a pipe or a
    file the run reads (the list, a content file, the template set)."""
    outputs = [options.combined] if options.combined else []
    if options.out_dir is not None and options.out_dir.is_dir():
        outputs += [options.out_dir / name for number, name in names.items()
                    if shard.holds(number)]
    if options.combined and options.out_dir is not None:
        combined = options.combined.resolve()
        for number, name in names.items():
            if shard.holds(number) and (options.out_dir / name).resolve() == combined:
                raise OutputError(Problem(str(options.combined), None, None,
                                          f"the print file would also be row {number}'s file; "
                                          "give it a name of its own"))
    check_outputs(outputs, _inputs(listing, options.template))


def _inputs(listing: Listing, template: str) -> Iterator[Input]:
    yield Input(listing.path, "the batch list")
    contents = (_content_path(content, listing.source) for entry in listing.entries()
                if (content := entry.values.get("content")))
    for path in dict.fromkeys(contents):
        yield Input(path, "a content file of the list")
    for name, folder in resolve_set(template).chain:
        yield from files_in(folder, f"a file of template set {name!r}")
    yield from files_in(data_dir("fonts"), "a bundled font")


def _content_path(content: str, source: str) -> Path:
    """A row's content file: relative to the list, not to the current folder."""
    path = Path(content)
    return path if path.is_absolute() else Path(source).parent / path


def _record(result: RowResult, report: BatchReport, writer: CombinedWriter | None) -> None:
    if result.setup_failed:
        if result.trace:  # a bug, not the set's fault
            raise RuntimeError(f"a batch worker could not start: "
                               f"{result.problems[0].message}") from ChildTraceback(result.trace)
        raise LeafletError(list(result.problems))
    report.warnings.update(dict.fromkeys(result.warnings))
    if result.problems:
        report.failed.append(RowFailure(result.row, result.problems, result.trace))
        return
    report.built += 1
    report.built_rows.append(result.row)
    if writer is not None and result.pdf is not None:
        writer.add(result.pdf)


def _noting_outputs(jobs: Iterable[Job],
                    planned: dict[int, tuple[Path, tuple[int, int] | None]]) -> Iterator[Job]:
    """The jobs, noting each row's file as it is before the row is built."""
    for job in jobs:
        if job.output is not None and not job.problems:
            planned[job.row] = (job.output, _identity(job.output))
        yield job


def _written_unreported(report: BatchReport,
                        planned: dict[int, tuple[Path, tuple[int, int] | None]]) -> None:
    """Rows whose file this run wrote although their result was lost as the batch stopped
    (a signal between a worker's last write and its report reaching the list): a file
    renamed into place is a new file, so one that changed was written by this run. The
    report then lists every leaflet on disk, which is what a pharmacist checks against."""
    known = set(report.built_rows) | {failure.row for failure in report.failed}
    for row, (output, before) in planned.items():
        now = _identity(output)
        if row not in known and now is not None and now != before:
            report.built += 1
            report.built_rows.append(row)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _prepare(out_dir: Path) -> Path:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(Problem(str(out_dir), None, None,
                                  f"cannot make the output folder: {exc.strerror}")) from exc
    if not out_dir.is_dir():
        raise OutputError(Problem(str(out_dir), None, None, "is not a folder"))
    return out_dir


def _combined_writer(path: Path, rows: int) -> CombinedWriter:
    from leaflet.pdf.combine import CombinedWriter  # pypdf only when a print file is asked for

    return CombinedWriter(path, f"Patient leaflets ({rows} rows)")


def default_jobs() -> int:
    """The cores this process may use (a container's limit, not the machine's)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _serve(conn: Connection, template: str, paper: str | None, limits: Limits) -> None:
    from leaflet.batch.worker import serve  # the layout is imported in the workers only

    serve(conn, template, paper, limits)


def _start_server_deaf_to_sigterm() -> None:
    """Start the fork server ignoring SIGTERM. A SIGTERM sent to the whole process group
    must stop the batch through this process, which gives each worker time to finish the
    file it is writing; a server ended by it would take its workers with it (they die with
    their parent), halfway through a file. SIGTERM is held meanwhile, so one sent to this
    process while the server starts still arrives; the workers let it through again."""
    from multiprocessing import forkserver

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    handler = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGTERM, handler)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


def _pool(options: BatchOptions, count: int, label: str) -> WorkerPool[Job, RowResult]:
    """Workers forked from a server that has imported the layout once (so this process
    stays small), each loading fonts and templates once; at most one per row."""
    processes = min(options.jobs or default_jobs(), max(count, 1))
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:
        context.set_forkserver_preload(["leaflet.batch.run", "leaflet.batch.worker"])
        _start_server_deaf_to_sigterm()
    limits = options.limits

    def lost(job: Job, exitcode: int | None) -> RowResult:
        """A row whose worker was killed at the wall clock, or ended while building it."""
        if exitcode is None or exitcode in (-signal.SIGXCPU, NO_MEMORY):
            stop: Stop = "wall" if exitcode is None else \
                "memory" if exitcode == NO_MEMORY else "time"
            return RowResult(job.row, problems=tuple(limit_error(stop, limits, label).problems))
        ending = f"killed by {signal.Signals(-exitcode).name}" if exitcode < 0 \
            else f"exit status {exitcode}"
        return RowResult(job.row, problems=(Problem(
            str(job.content), None, None, f"internal error: the worker building this row "
                                          f"ended unexpectedly ({ending}) (please report it)"),))

    return WorkerPool(context, _serve, (options.template, options.paper, limits), processes,
                      limits.wall_seconds, lost, window=WINDOW * processes)


def _row_spec(pattern_fields: set[str]) -> Mapping:
    """A YAML row may also carry the keys the name pattern uses (an id, a ward)."""
    extra = {name: Field(Text(reader=False), required=False) for name in pattern_fields
             if name not in BATCH_ROW.fields}
    return Mapping({**BATCH_ROW.fields, **extra}, description=BATCH_ROW.description)


def _jobs(listing: Listing, entries: Iterable[Entry], names: dict[int, str],
          refused: dict[int, list[Problem]], spec: Mapping, out_dir: Path | None,
          want_pdf: bool) -> Iterator[Job]:
    """Check each row against its content as the workers ask for work, so checking overlaps
    with building; a refused row travels as a job that carries its problems, and so does
    a row that hits a bug here: the other rows are built all the same."""
    contents: dict[Path, Content | ContentError] = {}
    for entry in entries:
        try:
            row = listing.row(entry, names.get(entry.number), refused.get(entry.number, []))
            job = _job(row, spec, out_dir, want_pdf, contents)
        except LeafletError as exc:
            job = Job(entry.number, problems=tuple(exc.problems))
        except Exception as exc:
            job = Job(entry.number, problems=(Problem(
                listing.source, entry.line, None,
                f"internal error: {type(exc).__name__}: {exc} (please report it)"),),
                trace=traceback.format_exc())
        yield job


def _job(row: Row, spec: Mapping, out_dir: Path | None, want_pdf: bool,
         contents: dict[Path, Content | ContentError]) -> Job:
    if not row.content:
        row.problems.append(Problem(row.source, row.line, "content", "required: the "
                                    "content file this row's leaflet is made from"))
    if row.problems:
        return Job(row.number, problems=tuple(row.problems))
    path = _content_path(row.content, row.source)
    if path not in contents:
        try:
            contents[path] = load_content(path)
        except ContentError as exc:
            contents[path] = exc
    content = contents[path]
    if isinstance(content, ContentError):
        return Job(row.number, problems=tuple(content.problems))
    try:
        patient = _patient(row, spec, content)
    except PatientError as exc:
        return Job(row.number, problems=tuple(exc.problems))
    output = out_dir / row.file_name if out_dir and row.file_name else None
    return Job(row.number, path, patient, output, want_pdf)


def _patient(row: Row, spec: Mapping, content: Content) -> Patient:
    if not row.from_csv:
        return patient_from_node(row.node, row.source, content, spec)
    try:
        return patient_from_node(row.node, row.source, content, PATIENT)
    except PatientError as exc:
        raise PatientError([as_column(p) for p in exc.problems]) from exc

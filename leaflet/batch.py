"""Many personalised leaflets from one list of prescriptions (CSV or a YAML list).

The main process reads the list, names every row's file, refuses unsafe or
duplicate names, and checks each row against its content file; worker
processes, each with fonts and templates loaded once, lay out and write the
PDFs. Rows are independent: a bad row is reported with its row number, column
and reason, and the others are built all the same.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import string
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leaflet.batch_list import Entry, Listing, Row, as_column
from leaflet.content import Content, load_content
from leaflet.errors import ContentError, LeafletError, OutputError, Problem, UsageError
from leaflet.patient import (
    PATIENT,
    PATIENT_FIELDS,
    Patient,
    PatientError,
    patient_from_node,
)
from leaflet.schema import Field, Mapping, Text

if TYPE_CHECKING:
    from leaflet.combine import CombinedWriter

DEFAULT_NAME = "{row:04d}-{content}.pdf"
MAX_NAME_BYTES = 200
CHUNK = 4

BATCH_ROW = Mapping({
    **PATIENT_FIELDS,
    "content": Field(Text(reader=False, description="The content file, relative to the list")),
    "output": Field(Text(reader=False, description="The PDF's file name in the output folder"),
                    required=False),
}, description="One row of a batch list: a content file and one patient's instructions.")

@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` holds the rows whose number leaves ``index - 1`` when
    divided by ``count``: stable, so hosts agree without talking to each other."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = re.fullmatch(r"(\d+)/(\d+)", text.strip())
        if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
            raise UsageError(Problem("--shard", None, None,
                                     f"expected I/N with 1 <= I <= N, e.g. 2/3; got {text!r}"))
        return cls(int(match.group(1)), int(match.group(2)))

    def holds(self, row: int) -> bool:
        return (row - 1) % self.count == self.index - 1


@dataclass(frozen=True)
class BatchOptions:
    out_dir: Path | None = None
    combined: Path | None = None
    jobs: int | None = None
    shard: Shard | None = None
    name_pattern: str = DEFAULT_NAME
    template: str = "default"
    paper: str | None = None


@dataclass(frozen=True)
class Job:
    """One row to build; ``problems`` set means the row was refused before any work."""

    row: int
    content: Path | None = None
    patient: Patient | None = None
    output: Path | None = None
    want_pdf: bool = False
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class RowResult:
    row: int
    pages: int = 0
    problems: tuple[Problem, ...] = ()
    pdf: bytes | None = None
    setup_failed: bool = False


@dataclass(frozen=True)
class RowFailure:
    row: int
    problems: tuple[Problem, ...]


@dataclass
class BatchReport:
    """Counts, and the problems of each row that failed (only those are kept)."""

    rows: int
    built: int = 0
    failed: list[RowFailure] = field(default_factory=list)
    combined_pages: int | None = None


Progress = Callable[[int, int, int], None]


def run_batch(list_path: Path, options: BatchOptions,
              progress: Progress | None = None) -> BatchReport:
    """Build every row of the list (of the chosen shard); raise only for problems with the
    whole run (the list itself, an option); each row's problems go into the report."""
    if options.out_dir is None and options.combined is None:
        raise UsageError(Problem("batch", None, None,
                                 "give --out-dir, --combined or both: where the PDFs go"))
    fields = check_pattern(options.name_pattern)
    listing = Listing(list_path, fields)
    names, refused = name_files(listing.entries(), options.name_pattern, listing.source)
    shard = options.shard or Shard(1, 1)
    count = sum(1 for number in range(1, listing.count + 1) if shard.holds(number))
    out_dir = _prepare(options.out_dir) if options.out_dir else None
    report = BatchReport(count)
    writer = _combined_writer(options.combined, count) if options.combined else None
    try:
        rows = (listing.row(entry, names.get(entry.number), refused.get(entry.number, []))
                for entry in listing.entries() if shard.holds(entry.number))
        jobs = _jobs(rows, _row_spec(fields), out_dir, want_pdf=writer is not None)
        for result in _results(jobs, options, count):
            if result.setup_failed:
                raise LeafletError(list(result.problems))
            if result.problems:
                report.failed.append(RowFailure(result.row, result.problems))
            else:
                report.built += 1
                if writer is not None and result.pdf is not None:
                    writer.add(result.pdf)
            if progress:
                progress(report.built + len(report.failed), count, len(report.failed))
        if writer is not None and writer.pages:
            writer.close()
            report.combined_pages = writer.pages
        elif writer is not None:
            writer.abort()
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    return report


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
    from leaflet.combine import CombinedWriter  # pypdf only when a print file is asked for

    return CombinedWriter(path, f"Patient leaflets ({rows} rows)")


def default_jobs() -> int:
    """The cores this process may use (a container's limit, not the machine's)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _start_worker(template: str, paper: str | None) -> None:
    from leaflet.batch_worker import start_worker

    start_worker(template, paper)


def _build_row(job: Job) -> RowResult:
    from leaflet.batch_worker import build_row

    return build_row(job)


def _results(jobs: Iterable[Job], options: BatchOptions, count: int) -> Iterator[RowResult]:
    """Results in row order: in this process for one job, else from a pool whose workers
    load fonts and templates once each (the layout modules are imported there only, so
    this process stays small)."""
    processes = min(options.jobs or default_jobs(), max(count, 1))
    if processes == 1:
        _start_worker(options.template, options.paper)
        yield from map(_build_row, jobs)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:
        context.set_forkserver_preload(["leaflet.batch_worker"])
    with context.Pool(processes, initializer=_start_worker,
                      initargs=(options.template, options.paper)) as pool:
        yield from pool.imap(_build_row, jobs, chunksize=CHUNK)


def _row_spec(pattern_fields: set[str]) -> Mapping:
    """A YAML row may also carry the keys the name pattern uses (an id, a ward)."""
    extra = {name: Field(Text(reader=False), required=False) for name in pattern_fields
             if name not in BATCH_ROW.fields}
    return Mapping({**BATCH_ROW.fields, **extra}, description=BATCH_ROW.description)


def _jobs(rows: Iterable[Row], spec: Mapping, out_dir: Path | None,
          want_pdf: bool) -> Iterator[Job]:
    """Check each row against its content as the pool asks for work, so checking overlaps
    with building; a refused row travels as a job that carries its problems."""
    contents: dict[Path, Content | ContentError] = {}
    for row in rows:
        if not row.content:
            row.problems.append(Problem(row.source, row.line, "content", "required: the "
                                        "content file this row's leaflet is made from"))
        if row.problems:
            yield Job(row.number, problems=tuple(row.problems))
            continue
        path = Path(row.content)
        if not path.is_absolute():
            path = Path(row.source).parent / path
        if path not in contents:
            try:
                contents[path] = load_content(path)
            except ContentError as exc:
                contents[path] = exc
        content = contents[path]
        if isinstance(content, ContentError):
            yield Job(row.number, problems=tuple(content.problems))
            continue
        try:
            patient = _patient(row, spec, content)
        except PatientError as exc:
            yield Job(row.number, problems=tuple(exc.problems))
            continue
        output = out_dir / row.file_name if out_dir and row.file_name else None
        yield Job(row.number, path, patient, output, want_pdf)


def _patient(row: Row, spec: Mapping, content: Content) -> Patient:
    if not row.from_csv:
        return patient_from_node(row.node, row.source, content, spec)
    try:
        return patient_from_node(row.node, row.source, content, PATIENT)
    except PatientError as exc:
        raise PatientError([as_column(p) for p in exc.problems]) from exc


# File names


def check_pattern(pattern: str) -> set[str]:
    """The fields a name pattern uses; refuse one that could reach outside the folder or
    into Python objects ('{row.__class__}')."""
    def refuse(reason: str) -> UsageError:
        return UsageError(Problem("--name", None, None, f"{reason}; got {pattern!r}"))

    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise refuse(f"not a valid pattern ({exc})") from exc
    fields: set[str] = set()
    for literal, name, _spec, conversion in parts:
        if "/" in literal or "\\" in literal:
            raise refuse("a name pattern makes file names, not paths: no '/'")
        if name is None:
            continue
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or conversion:
            raise refuse("fields are plain names such as {row}, {content} or a column")
        fields.add(name)
    if not pattern.lower().endswith(".pdf"):
        raise refuse("the pattern must end in .pdf")
    return fields - {"row", "content"}


def name_files(entries: Iterable[Entry], pattern: str,
               source: str) -> tuple[dict[int, str], dict[int, list[Problem]]]:
    """Every row's file name, or its problems: unsafe names and names two rows share are
    refused (every row that claims the name, since either could be the wrong one). All
    rows take part, whichever shard is built, so shards never write the same file."""
    names: dict[int, str] = {}
    problems: dict[int, list[Problem]] = {}
    claimed: dict[str, list[tuple[int, int, str]]] = {}  # name -> (row, line, column)
    for entry in entries:
        output = entry.values.get("output", "")
        column = "output" if output else "--name"
        name, reason = (output, None) if output else _from_pattern(entry, pattern)
        if name is not None:
            reason = unsafe_name(name)
            if reason:
                reason = f"{name!r} {reason}"
            else:
                names[entry.number] = name
                claimed.setdefault(unicodedata.normalize("NFC", name).casefold(),
                                   []).append((entry.number, entry.line, column))
        if reason:
            problems[entry.number] = [Problem(source, entry.line, column, reason)]
    for same in claimed.values():
        for number, line, column in same if len(same) > 1 else ():
            others = ", ".join(str(other) for other, _, _ in same if other != number)
            problems[number] = [Problem(source, line, column,
                                        f"{names.pop(number)!r} is also the file of row "
                                        f"{others}; every row needs a file of its own")]
    return names, problems


def _from_pattern(entry: Entry, pattern: str) -> tuple[str | None, str | None]:
    values: dict[str, Any] = {**entry.values, "row": entry.number,
                              "content": Path(entry.values.get("content", "")).stem}
    try:
        return pattern.format(**values), None
    except KeyError as exc:
        return None, (f"the name pattern uses {{{exc.args[0]}}}, which this row does not "
                      "have")
    except ValueError as exc:
        return None, f"the name pattern does not fit this row: {exc}"


def unsafe_name(name: str) -> str | None:
    """Why ``name`` is not a plain PDF file name to write inside the output folder."""
    if "/" in name or "\\" in name:
        return "is a path; give a plain file name such as 'leaflet-0001.pdf'"
    if name.startswith("."):
        return "starts with '.'; give a plain file name such as 'leaflet-0001.pdf'"
    if any(unicodedata.category(char) == "Cc" for char in name):
        return "contains a control character"
    if not name.lower().endswith(".pdf"):
        return "must end in .pdf"
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return f"is longer than {MAX_NAME_BYTES} bytes"
    return None

"""Many personalised leaflets from one list of prescriptions (CSV or a YAML list).

The main process reads the list, names every row's file, refuses unsafe or
duplicate names, and checks each row against its content file; worker
processes, each with fonts and templates loaded once, lay out and write the
PDFs. Rows are independent: a bad row is reported with its row number, column
and reason, and the others are built all the same.
"""

from __future__ import annotations

import csv
import difflib
import io
import multiprocessing
import os
import re
import string
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from leaflet.content import Content, load_content
from leaflet.errors import ContentError, LeafletError, OutputError, Problem, UsageError
from leaflet.patient import (
    PATIENT,
    PATIENT_FIELDS,
    TIMESTAMP_TAG,
    Patient,
    PatientError,
    patient_from_node,
)
from leaflet.schema import Field, Mapping, Text
from leaflet.yaml_source import compose_nodes

DEFAULT_NAME = "{row:04d}-{content}.pdf"
REQUIRED_COLUMNS = ("content", "name", "prescriber", "pharmacy", "start_date", "schedule")
OPTIONAL_COLUMNS = ("output", "times", "note", "chart_days")
MAX_LIST_BYTES = 64 * 1024 * 1024
MAX_NAME_BYTES = 200
CHUNK = 4

BATCH_ROW = Mapping({
    **PATIENT_FIELDS,
    "content": Field(Text(reader=False, description="The content file, relative to the list")),
    "output": Field(Text(reader=False, description="The PDF's file name in the output folder"),
                    required=False),
}, description="One row of a batch list: a content file and one patient's instructions.")

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_TIMES_A_DAY = {"once": 1, "twice": 2}
_CLOCK = r"\d{1,2}:\d{2}"
_STEP = re.compile(
    rf"(?P<dose>.+?)\s+(?P<often>once|twice|\d+\s+times?)\s+a\s+day"
    rf"(?:\s+at\s+(?P<at>{_CLOCK}(?:(?:\s*,\s*and\s+|\s*,\s*|\s+and\s+|\s+){_CLOCK})*))?"
    rf"(?:\s+for\s+(?P<days>\d+)\s+days?)?", re.IGNORECASE)


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


@dataclass
class Row:
    """A row as read: its patient fields as YAML nodes, and what the name pattern may use."""

    number: int
    source: str
    line: int
    node: yaml.MappingNode
    content: str
    output: str
    values: dict[str, str]
    from_csv: bool
    problems: list[Problem] = field(default_factory=list)
    file_name: str | None = None


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


@dataclass(frozen=True)
class Built:
    row: int
    output: Path | None
    pages: int


@dataclass
class BatchReport:
    rows: int
    built: list[Built] = field(default_factory=list)
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
    rows = read_rows(list_path, fields)
    name_files(rows, options.name_pattern)
    if options.shard:
        rows = [row for row in rows if options.shard.holds(row.number)]
    out_dir = _prepare(options.out_dir) if options.out_dir else None
    report = BatchReport(len(rows))
    names = {row.number: row.file_name for row in rows}
    writer = _combined_writer(options.combined, len(rows)) if options.combined else None
    try:
        jobs = _jobs(rows, _row_spec(fields), out_dir, want_pdf=writer is not None)
        for result in _results(jobs, options, len(rows)):
            if result.setup_failed:
                raise LeafletError(list(result.problems))
            if result.problems:
                report.failed.append(RowFailure(result.row, result.problems))
            else:
                output = out_dir / str(names[result.row]) if out_dir else None
                report.built.append(Built(result.row, output, result.pages))
                if writer is not None and result.pdf is not None:
                    writer.add(result.pdf)
            if progress:
                progress(len(report.built) + len(report.failed), len(rows), len(report.failed))
        if writer is not None:
            writer.close()
            report.combined_pages = writer.pages
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


def _combined_writer(path: Path, rows: int) -> Any:
    from leaflet.combine import CombinedWriter

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


def _jobs(rows: list[Row], spec: Mapping, out_dir: Path | None,
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
        raise PatientError([_as_column(p) for p in exc.problems]) from exc


def _as_column(problem: Problem) -> Problem:
    """Name a CSV column, not the key path the row was turned into."""
    key = problem.key or ""
    step = re.match(r"steps\[(\d+)\](\.days)?", key)
    if step:
        message = problem.message
        if step.group(2) and message.startswith("required"):
            message = "needs 'for N days': only the last step may run on without an end"
        return Problem(problem.file, problem.line, "schedule",
                       f"step {int(step.group(1)) + 1}: {message}")
    column = re.split(r"[.\[]", key, maxsplit=1)[0]
    return Problem(problem.file, problem.line, "schedule" if column == "steps" else column,
                   problem.message)


# Reading the list


def read_rows(path: Path, pattern_fields: set[str]) -> list[Row]:
    """The rows of a .csv or .yaml list; a problem with the file itself raises."""
    text = _read_list(path)
    if path.suffix.lower() == ".csv":
        return _csv_rows(text, str(path), pattern_fields)
    if path.suffix.lower() in (".yaml", ".yml"):
        return _yaml_rows(text, str(path))
    raise UsageError(Problem(str(path), None, None,
                             "expected a .csv file or a .yaml list of rows"))


def _read_list(path: Path) -> str:
    name = str(path)
    try:
        if path.stat().st_size > MAX_LIST_BYTES:
            raise ContentError(Problem(name, None, None, "file is larger than "
                                       f"{MAX_LIST_BYTES // (1024 * 1024)} MB; split it"))
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ContentError(Problem(name, None, None, "file not found")) from exc
    except IsADirectoryError as exc:
        raise ContentError(Problem(name, None, None, "is a directory, not a file")) from exc
    except OSError as exc:
        raise ContentError(Problem(name, None, None, f"cannot read file: {exc.strerror}")) \
            from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError(Problem(name, line, None, f"not UTF-8 text (byte "
                                   f"0x{data[exc.start]:02x}); save the file as UTF-8")) from exc


def _csv_rows(text: str, name: str, pattern_fields: set[str]) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise ContentError(Problem(name, 1, None, "the file is empty")) from None
    _check_header(header, name, pattern_fields)
    rows: list[Row] = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append(_csv_row(len(rows) + 1, line, header, cells, name))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ContentError(Problem(name, reader.line_num, None, f"not valid CSV: {exc}")) \
            from exc
    return rows


def _check_header(header: list[str], name: str, pattern_fields: set[str]) -> None:
    """Required columns present, none twice, and none that looks like a misspelt known
    column (its values would be lost); other columns (an id, a ward) are kept for names."""
    known = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    problems = []
    for column in header:
        if header.count(column) > 1:
            problems.append(Problem(name, 1, column, "column given twice; keep one"))
        elif column not in known and column not in pattern_fields:
            close = difflib.get_close_matches(column.lower(), known, n=1, cutoff=0.75)
            if close:
                problems.append(Problem(name, 1, column, f"unknown column; did you mean "
                                        f"{close[0]!r}? (a misspelt column would be ignored)"))
    problems += [Problem(name, 1, column, "required column is missing")
                 for column in REQUIRED_COLUMNS if column not in header]
    if problems:
        raise ContentError(list(dict.fromkeys(problems)))


def _csv_row(number: int, line: int, header: list[str], cells: list[str], name: str) -> Row:
    values = {column: (cells[i].strip() if i < len(cells) else "")
              for i, column in enumerate(header)}
    mark = yaml.Mark(name, 0, line - 1, 0, None, None)
    problems: list[Problem] = []
    if len(cells) > len(header):
        problems.append(Problem(name, line, None, f"{len(cells)} cells but the header has "
                                f"{len(header)} columns; quote a cell that holds a comma"))

    def scalar(value: str, tag: str = _STR) -> yaml.ScalarNode:
        return yaml.ScalarNode(tag, value, mark, mark)

    pairs: list[tuple[yaml.Node, yaml.Node]] = []
    for column in ("name", "prescriber", "pharmacy", "start_date"):
        pairs.append((scalar(column), scalar(values.get(column, ""))))
    if values.get("note"):
        pairs.append((scalar("note"), scalar(values["note"])))
    if values.get("chart_days"):
        digits = values["chart_days"].isdigit()
        pairs.append((scalar("chart_days"), scalar(values["chart_days"], _INT if digits
                                                   else _STR)))
    if values.get("times"):
        pairs.append((scalar("times"), _times_node(values["times"], mark)))
    steps, step_problems = _schedule_node(values.get("schedule", ""), mark, name, line)
    problems += step_problems
    pairs.append((scalar("steps"), steps))
    node = yaml.MappingNode("tag:yaml.org,2002:map", pairs, mark, mark)
    return Row(number, name, line, node, values.get("content", ""), values.get("output", ""),
               values, True, problems)


def _times_node(text: str, mark: yaml.Mark) -> yaml.SequenceNode:
    parts = [p for p in re.split(r"\s*,\s*and\s+|\s*,\s*|\s+and\s+|\s+", text.strip()) if p]
    return yaml.SequenceNode("tag:yaml.org,2002:seq",
                             [yaml.ScalarNode(_STR, p, mark, mark) for p in parts], mark, mark)


def _schedule_node(text: str, mark: yaml.Mark, name: str,
                   line: int) -> tuple[yaml.SequenceNode, list[Problem]]:
    """'5 mg 3 times a day for 3 days; 10 mg 3 times a day' -> the steps a patient file
    writes out; a step that does not read so is a problem naming it."""
    steps: list[yaml.Node] = []
    problems: list[Problem] = []
    for index, part in enumerate((p.strip() for p in text.split(";") if p.strip()), start=1):
        match = _STEP.fullmatch(part)
        if not match:
            problems.append(Problem(name, line, "schedule", f"step {index} {part!r}: expected "
                                    "e.g. '5 mg 3 times a day for 3 days' (the last step may "
                                    "leave out 'for N days'; add 'at 8:00 and 20:00' for times "
                                    "of its own)"))
            continue
        often = match.group("often").lower()
        times_a_day = _TIMES_A_DAY.get(often) or int(often.split()[0])
        pairs: list[tuple[yaml.Node, yaml.Node]] = [
            (yaml.ScalarNode(_STR, "dose", mark, mark),
             yaml.ScalarNode(_STR, match.group("dose"), mark, mark)),
            (yaml.ScalarNode(_STR, "times_a_day", mark, mark),
             yaml.ScalarNode(_INT, str(times_a_day), mark, mark))]
        if match.group("days"):
            pairs.append((yaml.ScalarNode(_STR, "days", mark, mark),
                          yaml.ScalarNode(_INT, match.group("days"), mark, mark)))
        if match.group("at"):
            pairs.append((yaml.ScalarNode(_STR, "times", mark, mark),
                          _times_node(match.group("at"), mark)))
        steps.append(yaml.MappingNode("tag:yaml.org,2002:map", pairs, mark, mark))
    return yaml.SequenceNode("tag:yaml.org,2002:seq", steps, mark, mark), problems


def _yaml_rows(text: str, name: str) -> list[Row]:
    root = compose_nodes(text, name, ContentError, frozenset({TIMESTAMP_TAG}))
    if not isinstance(root, yaml.SequenceNode):
        raise ContentError(Problem(name, root.start_mark.line + 1, None,
                                   "expected a list of rows (each '- content: ...')"))
    rows: list[Row] = []
    for number, node in enumerate(root.value, start=1):
        line = node.start_mark.line + 1
        if not isinstance(node, yaml.MappingNode):
            rows.append(Row(number, name, line, yaml.MappingNode("tag:yaml.org,2002:map", []), "",
                            "", {}, False, [Problem(name, line, None, "expected a mapping of "
                                                    "keys (content, name, ...)")]))
            continue
        values = {str(k.value): str(v.value) for k, v in node.value
                  if isinstance(v, yaml.ScalarNode)}
        rows.append(Row(number, name, line, node, values.get("content", ""),
                        values.get("output", ""), values, False))
    return rows


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


def name_files(rows: list[Row], pattern: str) -> None:
    """Give every row its file name, or a problem: unsafe names and names two rows share
    are refused (every row that claims the name, since either could be the wrong one)."""
    claimed: dict[str, list[Row]] = {}
    for row in rows:
        name = row.output or _from_pattern(row, pattern)
        if name is None:
            continue
        reason = unsafe_name(name)
        column = "output" if row.output else "--name"
        if reason:
            row.problems.append(Problem(row.source, row.line, column,
                                        f"{name!r} {reason}"))
            continue
        row.file_name = name
        claimed.setdefault(unicodedata.normalize("NFC", name).casefold(), []).append(row)
    for same in claimed.values():
        if len(same) < 2:
            continue
        for row in same:
            others = ", ".join(str(o.number) for o in same if o is not row)
            column = "output" if row.output else "--name"
            row.problems.append(Problem(row.source, row.line, column,
                                        f"{row.file_name!r} is also the file of row "
                                        f"{others}; every row needs a file of its own"))
            row.file_name = None


def _from_pattern(row: Row, pattern: str) -> str | None:
    values: dict[str, Any] = {**row.values, "row": row.number,
                              "content": Path(row.content).stem}
    try:
        return pattern.format(**values)
    except KeyError as exc:
        row.problems.append(Problem(row.source, row.line, "--name",
                                    f"the name pattern uses {{{exc.args[0]}}}, which this row "
                                    "does not have"))
    except ValueError as exc:
        row.problems.append(Problem(row.source, row.line, "--name",
                                    f"the name pattern does not fit this row: {exc}"))
    return None


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

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


@dataclass(frozen=True)
class Entry:
    """A row as far as naming its file needs. Cheap to make, so a long list is read twice
    (every name first, for duplicates; then the rows of the shard, one at a time) rather
    than held whole as rows."""

    number: int
    line: int
    values: dict[str, str]
    cells: int = 0


class Listing:
    """A .csv or .yaml list of rows, checked as a whole when opened (a problem with the
    file itself raises); its rows are made one at a time."""

    def __init__(self, path: Path, pattern_fields: set[str]) -> None:
        self.source = str(path)
        text = _read_list(path)
        suffix = path.suffix.lower()
        if suffix == ".csv":
            self.text = text
            records = self._csv_records()
            header = next(records, None)
            if header is None:
                raise ContentError(Problem(self.source, 1, None, "the file is empty"))
            self.header = [cell.strip() for cell in header[2]]
            _check_header(self.header, self.source, pattern_fields)
            self.count = sum(1 for _ in records)
            self.nodes: list[yaml.Node] = []
        elif suffix in (".yaml", ".yml"):
            root = compose_nodes(text, self.source, ContentError, frozenset({TIMESTAMP_TAG}))
            if not isinstance(root, yaml.SequenceNode):
                raise ContentError(Problem(self.source, root.start_mark.line + 1, None,
                                           "expected a list of rows (each '- content: ...')"))
            self.nodes = root.value
            self.count = len(self.nodes)
        else:
            raise UsageError(Problem(self.source, None, None,
                                     "expected a .csv file or a .yaml list of rows"))

    def entries(self) -> Iterator[Entry]:
        if not self.nodes:
            records = self._csv_records()
            next(records, None)
            for number, line, cells in records:
                yield Entry(number, line, {column: (cells[i].strip() if i < len(cells) else "")
                                           for i, column in enumerate(self.header)}, len(cells))
            return
        for number, node in enumerate(self.nodes, start=1):
            values = {str(k.value): str(v.value) for k, v in node.value
                      if isinstance(v, yaml.ScalarNode)} \
                if isinstance(node, yaml.MappingNode) else {}
            yield Entry(number, node.start_mark.line + 1, values)

    def row(self, entry: Entry, file_name: str | None, problems: list[Problem]) -> Row:
        """The row of ``entry``, its patient fields as YAML nodes, with the problems its
        file name has."""
        values = entry.values
        if not self.nodes:
            node, found = _csv_node(values, self.source, entry.line)
            problems = problems + found
            if entry.cells > len(self.header):
                problems.append(Problem(self.source, entry.line, None, "more cells than the "
                                        "header has columns; quote a cell that holds a comma"))
        else:
            node = self.nodes[entry.number - 1]
            if not isinstance(node, yaml.MappingNode):
                problems = [*problems, Problem(self.source, entry.line, None, "expected a "
                                               "mapping of keys (content, name, ...)")]
                node = yaml.MappingNode("tag:yaml.org,2002:map", [])
        return Row(entry.number, self.source, entry.line, node, values.get("content", ""),
                   values.get("output", ""), values, not self.nodes, list(problems), file_name)

    def _csv_records(self) -> Iterator[tuple[int, int, list[str]]]:
        """(row number, line, cells) for the header (row 0) and every non-blank row."""
        reader = csv.reader(io.StringIO(self.text, newline=""))
        number = 0
        line = 1
        try:
            for cells in reader:
                if number == 0 or any(cell.strip() for cell in cells):
                    yield number, line, cells
                    number += 1
                line = reader.line_num + 1
        except csv.Error as exc:
            raise ContentError(Problem(self.source, reader.line_num, None,
                                       f"not valid CSV: {exc}")) from exc


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


def _csv_node(values: dict[str, str], name: str,
              line: int) -> tuple[yaml.MappingNode, list[Problem]]:
    """A CSV row's cells as the nodes a patient file would have, so one schema checks both;
    a schedule cell that does not read is a problem naming it."""
    mark = yaml.Mark(name, 0, line - 1, 0, None, None)

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
    steps, problems = _schedule_node(values.get("schedule", ""), mark, name, line)
    pairs.append((scalar("steps"), steps))
    return yaml.MappingNode("tag:yaml.org,2002:map", pairs, mark, mark), problems


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
    claimed: dict[str, list[Entry]] = {}
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
                                   []).append(entry)
        if reason:
            problems[entry.number] = [Problem(source, entry.line, column, reason)]
    for same in claimed.values():
        for entry in same if len(same) > 1 else ():
            others = ", ".join(str(o.number) for o in same if o is not entry)
            column = "output" if entry.values.get("output") else "--name"
            problems[entry.number] = [Problem(source, entry.line, column,
                                              f"{names.pop(entry.number)!r} is also the file "
                                              f"of row {others}; every row needs a file of "
                                              "its own")]
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

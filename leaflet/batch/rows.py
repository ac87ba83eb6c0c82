"""Reading a prescription list: a CSV file or a YAML list of rows.

A CSV row's cells are turned into the nodes a patient file would have (its
schedule cell into steps), so one schema checks a patient file, a YAML row and
a CSV row alike, and problems name the CSV column the user wrote.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from leaflet.errors import ContentError, Problem, UsageError, closest
from leaflet.personal.patient import TIMESTAMP_TAG
from leaflet.sources.files import read_file, text_lines
from leaflet.sources.yaml_source import compose_nodes

REQUIRED_COLUMNS = ("content", "name", "prescriber", "pharmacy", "start_date", "schedule")
OPTIONAL_COLUMNS = ("output", "times", "note", "chart_days")
MAX_LIST_BYTES = 64 * 1024 * 1024
_TOO_BIG = f"file is larger than {MAX_LIST_BYTES // (1024 * 1024)} MB; split it"
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_TIMES_A_DAY = {"once": 1, "twice": 2}
_CLOCK = r"\d{1,2}:\d{2}"
_STEP = re.compile(
    rf"(?P<dose>.+?)\s+(?P<often>once|twice|\d+\s+times?)\s+a\s+day"
    rf"(?:\s+at\s+(?P<at>{_CLOCK}(?:(?:\s*,\s*and\s+|\s*,\s*|\s+and\s+|\s+){_CLOCK})*))?"
    rf"(?:\s+for\s+(?P<days>\d+)\s+days?)?", re.IGNORECASE)


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
        self.path = path
        text = _read_list(path)
        suffix = path.suffix.lower()
        if suffix == ".csv":
            del text  # checked as UTF-8; rows are read from the file as they are needed
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
        with text_lines(self.path, MAX_LIST_BYTES, ContentError, _TOO_BIG) as lines:
            reader = csv.reader(lines)
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
    data = read_file(path, MAX_LIST_BYTES, ContentError, _TOO_BIG)
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
            close = closest(column.lower(), known, 0.75)
            if close:
                problems.append(Problem(name, 1, column, f"unknown column; did you mean "
                                        f"{close!r}? (a misspelt column would be ignored)"))
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
        digits = re.fullmatch(r"\d+", values["chart_days"])
        pairs.append((scalar("chart_days"), scalar(_number(values["chart_days"]), _INT)
                      if digits else scalar(values["chart_days"])))
    if values.get("times"):
        pairs.append((scalar("times"), _times_node(values["times"], mark)))
    steps, problems = _schedule_node(values.get("schedule", ""), mark, name, line)
    pairs.append((scalar("steps"), steps))
    return yaml.MappingNode("tag:yaml.org,2002:map", pairs, mark, mark), problems


def _number(digits: str) -> str:
    """A CSV cell's digits as the loader reads numbers: '010' is 10 (not YAML's octal 8),
    any script's digits count; too many to be a count are left for the range check."""
    significant = digits.lstrip("0") or "0"
    return str(int(significant)) if len(significant) <= 20 else significant


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
        times_a_day = _TIMES_A_DAY.get(often) or _number(often.split()[0])
        pairs: list[tuple[yaml.Node, yaml.Node]] = [
            (yaml.ScalarNode(_STR, "dose", mark, mark),
             yaml.ScalarNode(_STR, match.group("dose"), mark, mark)),
            (yaml.ScalarNode(_STR, "times_a_day", mark, mark),
             yaml.ScalarNode(_INT, str(times_a_day), mark, mark))]
        if match.group("days"):
            pairs.append((yaml.ScalarNode(_STR, "days", mark, mark),
                          yaml.ScalarNode(_INT, _number(match.group("days")), mark, mark)))
        if match.group("at"):
            pairs.append((yaml.ScalarNode(_STR, "times", mark, mark),
                          _times_node(match.group("at"), mark)))
        steps.append(yaml.MappingNode("tag:yaml.org,2002:map", pairs, mark, mark))
    return yaml.SequenceNode("tag:yaml.org,2002:seq", steps, mark, mark), problems


def as_column(problem: Problem) -> Problem:
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

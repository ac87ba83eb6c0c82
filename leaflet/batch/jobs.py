"""What passes between the batch's processes, and out to the caller: the options, one row's
job and result, the report. Plain data, so the worker imports this and not the pool."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from leaflet.batch.names import DEFAULT_NAME
from leaflet.errors import Problem, UsageError
from leaflet.limits import Limits

if TYPE_CHECKING:  # the command line imports this module for any command
    from leaflet.personal import Patient


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
    limits: Limits = field(default_factory=Limits)  # for each row's rendering and layout


@dataclass(frozen=True)
class Job:
    """One row to build; ``problems`` set means the row was refused before any work."""

    row: int
    content: Path | None = None
    patient: Patient | None = None
    output: Path | None = None
    want_pdf: bool = False
    problems: tuple[Problem, ...] = ()
    trace: str = ""  # the traceback of an internal error that refused the row, for --debug


@dataclass(frozen=True)
class RowResult:
    row: int
    pages: int = 0
    problems: tuple[Problem, ...] = ()
    pdf: bytes | None = None
    setup_failed: bool = False  # the worker could not load the set or fonts: no row can be built
    trace: str = ""  # an internal error's traceback, for --debug
    warnings: tuple[str, ...] = ()  # the checks' warnings on the row's content, the first time


@dataclass(frozen=True)
class RowFailure:
    row: int
    problems: tuple[Problem, ...]
    trace: str = ""


@dataclass
class BatchReport:
    """Counts, the rows written, and the problems of each row that failed. ``interrupted``
    is the signal (SIGINT, SIGTERM) that stopped the batch early, if one did."""

    rows: int
    built: int = 0
    failed: list[RowFailure] = field(default_factory=list)
    combined_pages: int | None = None
    built_rows: list[int] = field(default_factory=list)
    interrupted: int | None = None
    warnings: dict[str, None] = field(default_factory=dict)  # each once, in the order found


Progress = Callable[[int, int, int], None]

"""Every row's file name: from the row's own `output` or the name pattern, never a path,
never a name two rows share."""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leaflet.errors import Problem, UsageError

if TYPE_CHECKING:  # rows reads CSV and YAML; naming files needs neither
    from leaflet.batch.rows import Entry

DEFAULT_NAME = "{row:04d}-{content}.pdf"
MAX_NAME_BYTES = 200


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

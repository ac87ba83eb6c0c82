"""The draft as a content file: YAML with a comment on where each text came from, the
same bytes for the same source, and written whole or not at all.

Every string is written as a JSON string, which YAML reads as the same string (no
'yes' read as true, no '#' read as a comment), and the text is read back before it is
written: if it does not give the same data, that is a bug, not a file. An existing file
is replaced only when asked (--force), never when it is the file being imported.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path
from typing import Any

import yaml

from leaflet.errors import OutputError, Problem
from leaflet.output import check_output_path, write_text_file

WIDTH = 92
INDENT = "  "
EXISTS_HINT = "give --force to replace it"
# Characters YAML reads as line breaks even inside a quoted string, so they are escaped.
_YAML_BREAKS = {"\x85": "\\x85", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def to_yaml(data: dict[str, Any], comments: dict[str, list[str]], header: list[str]) -> str:
    lines = [_comment(line, 0) for line in header] if header else []
    lines = [line for wrapped in lines for line in wrapped]
    for key, value in data.items():
        if lines:
            lines.append("")
        lines += _entry(key, value, key, 0, comments)
    text = "\n".join(lines) + "\n"
    if yaml.safe_load(text) != data:
        raise RuntimeError("the YAML written does not read back as the content imported")
    return text


def _entry(key: str, value: Any, path: str, depth: int,
           comments: dict[str, list[str]]) -> list[str]:
    pad = INDENT * depth
    lines = [line for note in comments.get(path, []) for line in _comment(note, depth)]
    if isinstance(value, dict):
        lines.append(f"{pad}{key}:")
        for index, (child, child_value) in enumerate(value.items()):
            if depth == 0 and path in ("sections", "extra_sections") and index:
                lines.append("")
            lines += _entry(child, child_value, f"{path}.{child}", depth + 1, comments)
    elif isinstance(value, list):
        lines.append(f"{pad}{key}:")
        for item in value:
            lines += _item(item, depth + 1)
    else:
        lines.append(f"{pad}{key}: {scalar(value)}")
    return lines


def _item(item: Any, depth: int) -> list[str]:
    pad = INDENT * depth
    if isinstance(item, dict):
        entries = [f"{key}: {scalar(value)}" for key, value in item.items()]
        return [f"{pad}- {entries[0]}", *(f"{pad}  {entry}" for entry in entries[1:])]
    return [f"{pad}- {scalar(item)}"]


def scalar(value: Any) -> str:
    """A number as it is; anything else as a JSON string, which YAML reads alike."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = json.dumps(str(value), ensure_ascii=False)
    for char, escaped in _YAML_BREAKS.items():
        text = text.replace(char, escaped)
    return text


def _comment(text: str, depth: int) -> list[str]:
    """A comment wrapped to the width; a line that starts '- ' hangs under its text."""
    pad = INDENT * depth + "#"
    if not text:
        return [pad]
    hang = "  " if text.startswith("- ") else ""
    return textwrap.wrap(text, WIDTH, initial_indent=pad + " ",
                         subsequent_indent=pad + " " + hang,
                         break_on_hyphens=False, break_long_words=False)


def check_output(output: Path, source: Path, force: bool) -> None:
    """Refuse, before any work, an output that is the source, a folder, in a missing
    folder, or an existing file without ``force``."""
    if _same_file(output, source):
        raise OutputError(Problem(str(output), None, None, "is the file being imported; "
                                  "give another output file"))
    check_output_path(output)
    if not force and (output.exists() or output.is_symlink()):
        raise OutputError(_exists(output))


def write_content(text: str, output: Path, source: Path, force: bool) -> None:
    """Write ``text`` to ``output`` whole; an existing file only with ``force``, and never
    the source itself."""
    check_output(output, source, force)
    write_text_file(text, output, replace=force, exists_hint=EXISTS_HINT)


def _same_file(output: Path, source: Path) -> bool:
    try:
        return output.resolve() == source.resolve() or (
            output.exists() and os.path.samefile(output, source))
    except OSError:
        return False


def _exists(path: Path) -> Problem:
    return Problem(str(path), None, None,
                   f"already exists; left as it was ({EXISTS_HINT})")

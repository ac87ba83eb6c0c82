"""A blank content file for a new medicine, written from the content format itself.

Walking CONTENT rather than copying a file kept by hand means the blank cannot drift from
what the loader accepts. Every key is there with the schema's description as its comment,
so the writer sees what each key holds and the words each list is printed after. Values
are [placeholders] (`leaflet check` lists them, the layout highlights them), but for the
name given and review.status, which starts as draft. The dose table's placeholders load,
as a draft's may: `leaflet check` says a person must write them, approval and a patient's
leaflet are refused until then, so no made-up dose can reach a patient. A placeholder
where the format wants a language is refused until filled in.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

from leaflet.errors import OutputError, Problem, UsageError
from leaflet.output import write_text_file
from leaflet.sources.content import CONTENT
from leaflet.sources.schema import (
    DOSE_UNITS,
    Choice,
    DoseSpec,
    Field,
    Integer,
    ListOf,
    MapOf,
    Mapping,
    Spec,
    Text,
)

WIDTH = 92
INDENT = "  "
EXAMPLE_KEY = "my_section"  # the key of a MapOf's example entry (a section of your own)
NAME_PATH = ("medicine", "name")
EXISTS_HINT = "give another file name with -o"
IMPORTED_ONLY = (("leaflet", "source"),)  # written by leaflet import; a blank has no source

HEADER = """\
# Content of the {name} patient leaflet.
#
# 1. Replace every [placeholder] with the leaflet's text. The comment above each key says
#    what it holds and, for a list, the words printed just before it: write items that
#    follow on from those words. Write numbers without quotes (days: 7).
# 2. Keys marked (optional) may be deleted.
# 3. Check it:  leaflet check {file}
# 4. Build it:  leaflet build {file}
#    Every page says DRAFT until a pharmacist or doctor approves the text (review.status).
"""


def default_file_name(name: str) -> Path:
    """'Metformin' -> metformin.yaml: lower case, each run of other characters one '-'."""
    _one_line("the medicine's name", name)
    stem = re.sub(r"[\W_]+", "-", name.lower()).strip("-")
    if not stem:
        raise UsageError(Problem(repr(name), None, None, "has no letters or digits to name "
                                                         "the file after; give one with -o"))
    return Path(f"{stem}.yaml")


def blank_content(name: str, file_name: str) -> str:
    """The blank content file's text for medicine ``name``; ``file_name`` is what its header
    tells the reader to check and build."""
    _one_line("the medicine's name", name)
    _one_line("the file name", file_name)
    body = _Blank(name).fields(CONTENT, (), 0)
    return HEADER.format(name=name, file=file_name) + "\n" + "\n".join(body) + "\n"


def write_blank(name: str, path: Path) -> None:
    """Write the blank for ``name`` to ``path`` whole, never replacing an existing file."""
    if path.is_dir():
        raise OutputError(Problem(str(path), None, None, "is a directory; give a file name "
                                  "ending in .yaml"))
    if path.exists() or path.is_symlink():
        raise OutputError(_exists(path))
    write_text_file(blank_content(name, path.name), path, replace=False,
                    exists_hint=EXISTS_HINT)


def _exists(path: Path) -> Problem:
    return Problem(str(path), None, None, f"already exists; left as it was ({EXISTS_HINT})")


def _one_line(what: str, text: str) -> None:
    """A line break in the name would end a comment early and turn the rest into YAML."""
    if not text.strip() or not text.isprintable():
        raise UsageError(Problem(repr(text), None, None,
                                 f"{what} must be one line of printable text"))


def _leaf_paths(spec: Spec, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """The key path of every value to fill in (a list's items share the list's path)."""
    if isinstance(spec, Mapping):
        for key, field in spec.fields.items():
            if (*path, key) not in IMPORTED_ONLY:
                yield from _leaf_paths(field.spec, (*path, key))
    elif isinstance(spec, MapOf):
        yield from _leaf_paths(spec.value, (*path, EXAMPLE_KEY))
    elif isinstance(spec, ListOf):
        yield from _leaf_paths(spec.item, path)
    else:
        yield path


def _label(path: tuple[str, ...], leaves: list[tuple[str, ...]]) -> str:
    """The placeholder's words: the fewest last keys that name this value alone, so
    'intro' becomes 'urgent intro' but 'do_not_take' stays 'do not take'."""
    size = next(size for size in range(1, len(path) + 1)
                if sum(leaf[-size:] == path[-size:] for leaf in leaves) == 1)
    return " ".join(path[-size:]).replace("_", " ")


class _Blank:
    """Writes the lines of the blank: a comment above each key, then the key and its value."""

    def __init__(self, name: str) -> None:
        self.name = name
        leaves = list(_leaf_paths(CONTENT, ()))
        self.labels = {path: _label(path, leaves) for path in leaves}

    def fields(self, spec: Mapping, path: tuple[str, ...], depth: int) -> list[str]:
        lines: list[str] = []
        after_block = False
        for key, field in spec.fields.items():
            if (*path, key) in IMPORTED_ONLY:
                continue
            block = isinstance(field.spec, (Mapping, MapOf))
            if lines and (block or after_block):
                lines.append("")  # a blank line around each block of keys
            after_block = block
            lines += self.comment(field, depth)
            entry = self.entry(key, field.spec, (*path, key), depth)
            if isinstance(field.spec, MapOf) and not field.required:
                entry = _commented_out(entry, depth)
            lines += entry
        return lines

    def entry(self, key: str, spec: Spec, path: tuple[str, ...], depth: int) -> list[str]:
        """``key:`` and its value at ``depth``; a list gets one example item."""
        pad = INDENT * depth
        if isinstance(spec, Mapping):
            return [f"{pad}{key}:", *self.fields(spec, path, depth + 1)]
        if isinstance(spec, MapOf):
            return [f"{pad}{key}:", *self.comment(Field(spec.value), depth + 1),
                    *self.entry(EXAMPLE_KEY, spec.value, (*path, EXAMPLE_KEY), depth + 1)]
        if isinstance(spec, ListOf):
            return [f"{pad}{key}:", *self.item(spec.item, path, depth + 1)]
        return [f"{pad}{key}: {self.value(spec, path)}"]

    def item(self, spec: Spec, path: tuple[str, ...], depth: int) -> list[str]:
        """One list item; a mapping's first key goes on the '- ' line, its comment above."""
        pad = INDENT * depth
        if not isinstance(spec, Mapping):
            return [f"{pad}- {self.value(spec, path)}"]
        lines = self.fields(spec, path, depth + 1)
        first = next(i for i, line in enumerate(lines) if not line.lstrip().startswith("#"))
        above = [pad + line.lstrip() for line in lines[:first]]
        return [*above, f"{pad}- {lines[first].lstrip()}", *lines[first + 1:]]

    def value(self, spec: Spec, path: tuple[str, ...]) -> str:
        """The medicine's name, a choice's first word ('draft'), else a [placeholder]."""
        if path == NAME_PATH:
            text = self.name
        elif isinstance(spec, Choice):
            text = spec.choices[0]
        elif isinstance(spec, (Text, DoseSpec, Integer)):
            text = f"[{self.labels[path]}]"
        else:
            raise TypeError(f"leaflet new cannot fill in a {type(spec).__name__}")
        return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML string

    def comment(self, field: Field, depth: int) -> list[str]:
        """The key's description with NAME filled in, the form a value the format checks
        must take, and whether the key may be left out."""
        spec = field.spec
        description = spec.description.replace("NAME", self.name)
        words = [description if description.endswith((".", ".'")) else description + "."]
        if not field.required:
            words.insert(0, "(optional)")
        if isinstance(spec, Integer):
            words.append(f"A whole number from {spec.minimum} to {spec.maximum}, "
                         "without quotes.")
        elif isinstance(spec, DoseSpec):
            words.append(f"A number, a space and {', '.join(DOSE_UNITS[:-1])} or "
                         f"{DOSE_UNITS[-1]}.")
        elif isinstance(spec, Choice):
            words.append(f"One of: {', '.join(spec.choices)}.")
        pad = INDENT * depth + "# "
        return textwrap.wrap(" ".join(words), WIDTH, initial_indent=pad,
                             subsequent_indent=pad, break_on_hyphens=False)


def _commented_out(entry: list[str], depth: int) -> list[str]:
    """An optional block whose placeholders would print a section of their own, shown as
    comments: the writer removes one '# ' from each line to use it."""
    pad = INDENT * depth
    note = textwrap.wrap("A placeholder here would print a section of its own, so this is "
                         "commented out: to use it, remove the first '# ' from each line "
                         "below.", WIDTH, initial_indent=pad + "# ",
                         subsequent_indent=pad + "# ")
    return [*note, *(pad + "# " + line[len(pad):] for line in entry)]

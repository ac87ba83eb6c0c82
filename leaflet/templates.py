"""Template sets: find them, render content through them into leaflet markup.

A set is a folder with a theme.yaml and Jinja2 templates; ``leaflet.xml.j2`` is
the main one. Rendering is sandboxed, autoescaped and strict about undefined
names, so a typo in a field name is an error, not a silently empty section.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from leaflet.content import Content
from leaflet.errors import Problem, TemplateError
from leaflet.resources import data_dir
from leaflet.theme import Theme, load_theme

MAIN_TEMPLATE = "leaflet.xml.j2"
Locator = Callable[[int, str], tuple[str, "int | None"]]
MAX_MARKUP_CHARS = 5_000_000
ORIGIN_START = "<?leaflet-template {name}?>"
ORIGIN_END = "<?leaflet-template-end?>"


@dataclass(frozen=True)
class TemplateSet:
    """A resolved set: its folder and its theme."""

    name: str
    folder: Path
    theme: Theme

    def source_line(self, template: str, needle: str) -> int | None:
        """First line of ``template`` containing ``needle``: where a markup problem was written."""
        path = self.folder / template
        try:
            for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
                if needle in line:
                    return number
        except (OSError, UnicodeDecodeError):
            return None
        return None


def builtin_sets() -> list[str]:
    """Names of the template sets shipped with the package."""
    root = data_dir("templates")
    return sorted(p.name for p in root.iterdir() if (p / "theme.yaml").is_file())


def resolve_set(name_or_path: str) -> TemplateSet:
    """A built-in set's name or a folder path -> the set, its theme checked."""
    candidate = Path(name_or_path)
    folder = data_dir("templates") / name_or_path
    if not (folder / "theme.yaml").is_file():
        folder = candidate
    if not folder.is_dir():
        known = ", ".join(builtin_sets())
        raise TemplateError(Problem(name_or_path, None, None,
                                    f"no such template set; built-in sets: {known}"))
    theme_path = folder / "theme.yaml"
    if not theme_path.is_file():
        raise TemplateError(Problem(str(folder), None, None, "template set has no theme.yaml"))
    return TemplateSet(folder.name, folder.resolve(), load_theme(theme_path))


class _MarkedLoader(jinja2.FileSystemLoader):
    """Wraps each template's output in processing instructions naming the template, on the
    same line so template line numbers are unchanged; markup errors can then name it."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        marked = ORIGIN_START.format(name=template) + source + ORIGIN_END
        return marked, filename, uptodate


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between runs (a cold build skips recompiling); a cache
    folder that cannot be written only costs time, never the build."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError):
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "leaflet" / f"templates-jinja{jinja2.__version__}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _QuietBytecodeCache(str(folder))


@functools.cache
def _environment(folder: Path) -> ImmutableSandboxedEnvironment:
    """One environment per folder and process, so each template is compiled once (Jinja
    still notices a template file that changed)."""
    env = ImmutableSandboxedEnvironment(
        loader=_MarkedLoader(str(folder)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(),
    )
    env.filters["month_year"] = month_year
    return env


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def month_year(value: str) -> str:
    """'2026-05' or '2026-05-14' -> 'May 2026'; a [placeholder] stays as written."""
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-\d{2})?", value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return value
    return f"{_MONTHS[int(match.group(2)) - 1]} {match.group(1)}"


def render_markup(content: Content, template_set: TemplateSet,
                  patient: dict[str, Any] | None = None) -> str:
    """Content -> leaflet markup text; TemplateError names template file and line.
    ``patient`` is the personal block's values (leaflet/patient.py), or None for none."""
    env = _environment(template_set.folder)
    context = {
        "medicine": content.data["medicine"],
        "leaflet": content.data["leaflet"],
        "sections": content.data["sections"],
        "patient": patient,
    }
    try:
        template = env.get_template(MAIN_TEMPLATE)
        return _bounded(template.generate(context))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(Problem(exc.name or exc.filename or MAIN_TEMPLATE, exc.lineno, None,
                                    f"template syntax error: {exc.message}")) from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(Problem(str(template_set.folder), None, None,
                                    f"template {exc.name!r} not found")) from exc
    except jinja2.UndefinedError as exc:
        name, line = _template_position(template_set)
        raise TemplateError(Problem(name, line, None, f"{exc.message}; check the field name "
                                    "against the content format (leaflet schema)")) from exc
    except jinja2.exceptions.SecurityError as exc:
        name, line = _template_position(template_set)
        raise TemplateError(Problem(name, line, None, f"not allowed in a template: {exc}")) \
            from exc
    except TemplateError:
        raise
    except Exception as exc:  # a template may raise anything; it is the template's fault
        name, line = _template_position(template_set)
        raise TemplateError(Problem(name, line, None,
                                    f"template failed: {type(exc).__name__}: {exc}")) from exc


def _bounded(chunks: Iterator[str]) -> str:
    """Join the output, refusing a template that produces absurd amounts of it."""
    out: list[str] = []
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > MAX_MARKUP_CHARS:
            name, line = _template_position(None)
            raise TemplateError(Problem(name, line, None,
                                        f"template output exceeds {MAX_MARKUP_CHARS:,} "
                                        "characters; stopped"))
        out.append(chunk)
    return "".join(out)


def _template_position(template_set: TemplateSet | None) -> tuple[str, int | None]:
    """The innermost template frame of the exception being handled (Jinja maps its lines)."""
    tb = sys.exc_info()[2]
    found: tuple[str, int | None] = ("<template>", None)
    for frame, line in traceback.walk_tb(tb):
        filename = frame.f_code.co_filename
        if filename.endswith(".j2"):
            root = str(template_set.folder) + "/" if template_set else ""
            found = (filename.removeprefix(root), line)
    return found


_ORIGIN = re.compile(r"<\?leaflet-template (\S+)\?>|<\?leaflet-template-end\?>")


def origin_map(markup: str) -> list[str]:
    """For each markup line (index 0 = line 1), the template that wrote its first text."""
    names: list[str] = []
    stack = [MAIN_TEMPLATE]
    for line in markup.split("\n"):
        owner: str | None = None
        position = 0
        for match in _ORIGIN.finditer(line):
            if owner is None and line[position:match.start()].strip():
                owner = stack[-1]
            if match.group(1):
                stack.append(match.group(1))
            elif len(stack) > 1:
                stack.pop()
            position = match.end()
        if owner is None and line[position:].strip():
            owner = stack[-1]
        names.append(owner or stack[-1])
    return names


def markup_locator(markup: str, template_set: TemplateSet) -> Locator:
    """A function from (markup line, text to look for) to (template, template line)."""
    origins = origin_map(markup)

    def locate(line: int, needle: str) -> tuple[str, int | None]:
        name = origins[min(max(line, 1), len(origins)) - 1]
        return name, template_set.source_line(name, needle) if needle else None

    return locate

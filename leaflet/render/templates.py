"""Template sets: find them, render content through them into leaflet markup.

A set is a folder with a theme.yaml and Jinja2 templates; ``leaflet.xml.j2`` is
the main one. Rendering is sandboxed, autoescaped and strict about undefined
names, so a typo in a field name is an error, not a silently empty section. How long
rendering may run and how much memory it may take is bounded outside, by the process it
runs in (leaflet/limits.py); here only sizes are: a template file, one '*', the output.
"""

from __future__ import annotations

import functools
import marshal
import os
import re
import shutil
import sys
import traceback
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import jinja2.ext
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from leaflet.cache import cache_folder, read_sealed, source_hash, write_sealed
from leaflet.errors import OutputError, Problem, TemplateError
from leaflet.render.theme import Theme, load_theme, read_extends
from leaflet.render.wording import Wording, wording_for
from leaflet.resources import data_dir
from leaflet.sources.content import Content
from leaflet.sources.schema import Dose

MAIN_TEMPLATE = "leaflet.xml.j2"
Locator = Callable[[int, str], tuple[str, "int | None"]]
MAX_MARKUP_CHARS = 5_000_000
MAX_TEMPLATE_BYTES = 1024 * 1024
MAX_COMPILED_BYTES = 8 * MAX_TEMPLATE_BYTES  # a compiled template, as kept between runs
ORIGIN_START = "<?leaflet-template {name}?>"
ORIGIN_END = "<?leaflet-template-end?>"


@dataclass(frozen=True)
class TemplateSet:
    """A resolved set: where its templates are looked up, in order, and its merged theme.

    ``chain`` is (set name, folder) from the set itself through its parents to the
    built-in default: a template found in an earlier folder overrides later ones."""

    name: str
    chain: tuple[tuple[str, Path], ...]
    theme: Theme

    @property
    def folder(self) -> Path:
        return self.chain[0][1]

    @property
    def label(self) -> str:
        """How messages name the set: a built-in set by its name, any other by its folder."""
        builtin = self.folder.parent == builtin_root()
        return self.name if builtin else str(self.folder)

    @property
    def search_path(self) -> list[Path]:
        return [folder for _, folder in self.chain]

    def find(self, template: str) -> Path | None:
        """The file a template name stands for: '!set/name' is that set's own file."""
        return find_in_chain(self.chain, template)

    def source_line(self, template: str, needle: str) -> int | None:
        """First line of ``template`` containing ``needle``: where a markup problem was written."""
        path = self.find(template)
        if path is None:
            return None
        try:
            for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
                if needle in line:
                    return number
        except (OSError, UnicodeDecodeError):
            return None
        return None

    def image(self, src: str) -> Path | None:
        """An image a template names, only from inside the set's folders."""
        if Path(src).is_absolute():
            return None
        path = self.find(src)
        if path is None or not any(path.resolve().is_relative_to(folder.resolve())
                                   for _, folder in self.chain):
            return None
        return path


Chain = tuple[tuple[str, Path], ...]


def find_in_chain(chain: Chain, template: str) -> Path | None:
    """First folder of the chain holding ``template``; names cannot climb out of a folder."""
    if template.startswith("!"):
        prefix, _, template = template[1:].partition("/")
        chain = tuple((n, f) for n, f in chain if n == prefix)
    try:
        parts = split_template_path(template)
    except jinja2.TemplateNotFound:
        return None
    for _, folder in chain:
        path = folder.joinpath(*parts)
        if path.is_file() and path.resolve().is_relative_to(folder.resolve()):
            return path
    return None


def builtin_root() -> Path:
    """The built-in sets' folder, links followed."""
    return data_dir("templates")


def builtin_sets() -> list[str]:
    """Names of the template sets shipped with the package."""
    return sorted(p.name for p in builtin_root().iterdir() if (p / "theme.yaml").is_file())


# Sets resolved in this process, by name and working folder: what each was read from
# (its names, as given, with the logos of their themes), and the set
Named = list[tuple[str, "Path | None"]]
_resolved: dict[tuple[str, str], tuple[Named, tuple[object, ...], TemplateSet]] = {}
MAX_RESOLVED = 64  # sets kept: a service that makes a folder for each request reads anew


def resolve_set(name_or_path: str) -> TemplateSet:
    """A built-in set's name or a folder path -> the set with its parents and merged theme.

    A folder without theme.yaml, or whose theme names no parent, extends 'default'. Read
    once per process while everything it was read from stays as it was (_read_from): a
    program that builds many leaflets reads the theme files once, not twice a build."""
    try:
        key = (name_or_path, os.getcwd())
    except OSError:  # the working folder is gone: only a built-in or absolute name resolves
        key = (name_or_path, "")
    kept = _resolved.get(key)
    if kept is not None and kept[1] == _read_from(kept[0], kept[2]):
        return kept[2]
    named: Named = []
    template_set = _resolve(name_or_path, (), named)
    if len(_resolved) >= MAX_RESOLVED:
        del _resolved[next(iter(_resolved))]
    _resolved[key] = (named, _read_from(named, template_set), template_set)
    return template_set


def _read_from(named: Named, template_set: TemplateSet) -> tuple[object, ...]:
    """What a resolved set depends on: the folder each of its names (the set's own, then
    each one extends) stands for now, links followed, and each theme's logo file; each
    folder of its chain as it stands (a theme added or removed changes it) and each
    theme's text."""
    def stat(path: Path) -> tuple[int, ...] | None:
        try:
            found = path.stat()
        except OSError:
            return None
        return found.st_dev, found.st_ino, found.st_mtime_ns, found.st_ctime_ns, found.st_size

    def text(path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except OSError:
            return None

    return (tuple((_folder_named(name), stat(logo) if logo is not None else None)
                  for name, logo in named),
            tuple((stat(folder), text(folder / "theme.yaml")) for _, folder in template_set.chain))


def _folder_named(name_or_path: str) -> Path | None:
    """The folder a set's name stands for, as _resolve finds it, links followed."""
    try:
        builtin = builtin_root() / name_or_path
        if "/" not in name_or_path and (builtin / "theme.yaml").is_file():
            return builtin.resolve()
        return Path(name_or_path).resolve()
    except (OSError, RuntimeError):
        return None


def _resolve(name_or_path: str, _seen: tuple[str, ...], named: Named) -> TemplateSet:
    builtin = builtin_root() / name_or_path
    is_builtin = "/" not in name_or_path and (builtin / "theme.yaml").is_file()
    folder = builtin if is_builtin else Path(name_or_path)
    if not folder.is_dir():
        known = ", ".join(builtin_sets())
        raise TemplateError(Problem(name_or_path, None, None,
                                    f"no such template set; built-in sets: {known}"))
    key = str(folder.resolve())
    if key in _seen:
        raise TemplateError(Problem(str(folder / "theme.yaml"), None, "extends",
                                    "the sets extend each other in a circle"))
    theme_path = folder / "theme.yaml"
    has_theme = theme_path.is_file()
    parent_name = read_extends(theme_path) if has_theme else None
    if parent_name is None and not (is_builtin and name_or_path == "default"):
        parent_name = "default"
    name = name_or_path if is_builtin else folder.name
    if parent_name is None:
        theme = load_theme(theme_path)
        named.append((name_or_path, theme.logo))
        return TemplateSet(name, ((name, folder.resolve()),), theme)
    parent = _resolve(parent_name, (*_seen, key), named)
    theme = load_theme(theme_path if has_theme else None, parent.theme)
    named.append((name_or_path, theme.logo))
    return TemplateSet(name, ((name, folder.resolve()), *parent.chain), theme)


def describe_sets() -> list[tuple[str, str]]:
    """(name, one-line description) for each built-in set."""
    return [(name, resolve_set(name).theme.values.get("description", ""))
            for name in builtin_sets()]


def init_set(source: str, destination: Path) -> Path:
    """Copy a built-in set to a new folder to edit; never overwrite an existing one."""
    if source not in builtin_sets():
        raise TemplateError(Problem(source, None, None, "no such built-in set; built-in sets: "
                                    + ", ".join(builtin_sets())))
    if destination.exists():
        raise OutputError(Problem(str(destination), None, None,
                                  "already exists; choose a new folder name"))
    if not destination.parent.is_dir():
        raise OutputError(Problem(str(destination), None, None,
                                  f"folder {str(destination.parent)!r} does not exist"))
    try:
        shutil.copytree(builtin_root() / source, destination)
    except OSError as exc:
        raise OutputError(Problem(str(destination), None, None,
                                  f"cannot copy: {exc.strerror}")) from exc
    return destination


class _SetLoader(jinja2.BaseLoader):
    """Looks a template up along the set's chain; '!set/name' reaches one set's own file.

    Each template's output is wrapped in processing instructions naming it (on the
    same line, so template line numbers are unchanged) so markup errors can name it."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        path = find_in_chain(self.chain, template)
        if path is None:
            raise jinja2.TemplateNotFound(template)
        with path.open("rb") as stream:
            data = stream.read(MAX_TEMPLATE_BYTES + 1)
        if len(data) > MAX_TEMPLATE_BYTES:
            raise TemplateError(Problem(template, None, None, "template file is larger than "
                                        f"{MAX_TEMPLATE_BYTES // (1024 * 1024)} MB; a template "
                                        "holds wording and layout, not data"))
        source = data.decode("utf-8")
        mtime = path.stat().st_mtime
        marked = ORIGIN_START.format(name=template) + source + ORIGIN_END
        return marked, str(path), lambda: path.stat().st_mtime == mtime


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept between runs (a cold build skips recompiling), in the cache's
    sealed entries: Jinja's own file cache unpickles what it finds, which would run the code
    of whoever wrote the file. An entry is the template source's checksum and its marshalled
    code; one that does not match is compiled afresh. A cache folder that cannot be written
    only costs time, never the build."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        payload = read_sealed(self.folder, bucket.key, MAX_COMPILED_BYTES)
        if payload is None:
            return
        checksum, _, code = payload.partition(b"\n")
        if checksum != bucket.checksum.encode():
            return
        try:
            loaded = marshal.loads(code)
        except (EOFError, ValueError, TypeError):
            return
        if isinstance(loaded, types.CodeType):
            bucket.code = loaded

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        write_sealed(self.folder, bucket.key,
                     bucket.checksum.encode() + b"\n" + marshal.dumps(bucket.code))


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    # Compiled code depends on the environment that compiled it (the sandbox's checks, the
    # i18n extension, finalize), which Jinja's cache key does not see: the folder is named
    # by this module's source too, so a change here compiles afresh.
    source = source_hash(__file__)
    if source is None:
        return None
    folder = cache_folder(f"templates-{sys.implementation.cache_tag}-"
                          f"jinja{jinja2.__version__}-{source[:16]}")
    return None if folder is None else _CompiledTemplates(folder)


class _BoundedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox, plus a limit on what one '*' or '**' may build ('x' * 10**9)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any,
                   right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > 100:
            raise jinja2.exceptions.SecurityError("exponent too large")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int) \
                        and len(seq) * times > MAX_MARKUP_CHARS:
                    raise jinja2.exceptions.SecurityError(
                        f"result longer than {MAX_MARKUP_CHARS:,} items")
        return super().call_binop(context, operator, left, right)


@functools.cache
def _environment(chain: Chain) -> ImmutableSandboxedEnvironment:
    """One environment per set and process, so each template is compiled once (Jinja
    still notices a template file that changed). The words and formats of the content's
    language arrive with each render (``wording`` in the context), not here."""
    env = _BoundedSandbox(
        loader=_SetLoader(chain),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(),
        extensions=[jinja2.ext.i18n],  # imported above, not in each build's child process
        finalize=_finalize,
    )
    env.newstyle_gettext = True  # type: ignore[attr-defined]  # {% trans %} takes names
    env.filters["month_year"] = _month_year
    env.filters["number"] = _number
    env.filters["unbroken"] = _unbroken
    return env


def load_templates(template_set: TemplateSet) -> None:
    """Have this process's environment hold a built-in set's templates compiled. A build
    renders in a forked child (leaflet/limits.py), which inherits what is loaded here but
    whose own loading is thrown away with it: without this every build loads them again.
    Only built-in sets: another set's templates are loaded in the child, under the limits."""
    env = _environment(template_set.chain)
    for name in _builtin_template_names(template_set.chain):
        env.get_template(name)  # once compiled, a check that the file has not changed


@functools.cache
def _builtin_template_names(chain: Chain) -> tuple[str, ...]:
    """Every template name of a chain of built-in sets; none for any other chain."""
    root = builtin_root()
    if not all(folder.resolve().parent == root for _, folder in chain):
        return ()
    return tuple(sorted({path.relative_to(folder).as_posix() for _, folder in chain
                         for path in folder.rglob("*.j2")}))


@jinja2.pass_context
def _finalize(context: jinja2.runtime.Context, value: Any) -> Any:
    """A dose printed anywhere is written as the language writes numbers ('2,5 mg')."""
    if isinstance(value, Dose):
        return context["wording"].dose(value)
    return value


@jinja2.pass_context
def _month_year(context: jinja2.runtime.Context, value: str) -> str:
    """'2026-05' -> 'May 2026', 'mayo de 2026'; a [placeholder] stays as written."""
    return context["wording"].month_year(value)


@jinja2.pass_context
def _number(context: jinja2.runtime.Context, value: Any) -> str:
    """'2.5' or '2,5', as the language writes a decimal."""
    return context["wording"].number(value)


def _unbroken(value: Any) -> Markup:
    """Spaces that never break a line ('Page 3 of 9' stays on one line)."""
    text = value if isinstance(value, Markup) else escape(value)
    return Markup(str(text).replace(" ", "\u00a0"))


def _translators(wording: Wording) -> dict[str, Callable[..., str]]:
    """gettext and friends for one render: the message in the language, its %(name)s
    parameters filled (and escaped), a missing message an error (wording.py)."""

    def fill(context: jinja2.runtime.Context, text: str, variables: dict[str, Any]) -> str:
        variables = {name: wording.dose(value) if isinstance(value, Dose) else value
                     for name, value in variables.items()}  # finalize does not see these
        if context.eval_ctx.autoescape:
            return escape(text) % variables
        return text % variables

    @jinja2.pass_context
    def gettext(context: jinja2.runtime.Context, message: str, /, **variables: Any) -> str:
        return fill(context, wording.text(message), variables)

    @jinja2.pass_context
    def pgettext(context: jinja2.runtime.Context, where: str, message: str, /,
                 **variables: Any) -> str:
        return fill(context, wording.text(message, where), variables)

    @jinja2.pass_context
    def ngettext(context: jinja2.runtime.Context, singular: str, plural: str, count: int, /,
                 **variables: Any) -> str:
        variables.setdefault("num", count)  # as Jinja's own ngettext does
        return fill(context, wording.plural(singular, plural, count), variables)

    return {"gettext": gettext, "pgettext": pgettext, "ngettext": ngettext}


def content_wording(content: Content, template_set: TemplateSet) -> Wording:
    """The set's fixed words for the content's language (leaflet.language); NoWording,
    at that key, when the set has none in that language."""
    key = "leaflet.language"
    where = Problem(content.name, content.lines.get(key), key, "")
    return wording_for(template_set.chain, template_set.label,
                       content.data["leaflet"]["language"], where)


def render_markup(content: Content, template_set: TemplateSet,
                  patient: dict[str, Any] | None = None) -> str:
    """Content -> leaflet markup text; TemplateError names template file and line.
    ``patient`` is the personal block's values (leaflet/patient.py), or None for none."""
    env = _environment(template_set.chain)
    theme = template_set.theme
    wording = content_wording(content, template_set)
    context = {
        **_translators(wording),
        "wording": wording,
        "medicine": content.data["medicine"],
        "leaflet": content.data["leaflet"],
        "sections": content.data["sections"],
        "extra_sections": content.data.get("extra_sections") or {},
        "organisation": theme.organisation,
        "logo": theme.values.get("logo") if theme.logo else None,
        "review": content.review,
        "patient": patient,
    }
    try:
        template = env.get_template(MAIN_TEMPLATE)
        return _bounded(template.generate(context))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(Problem(exc.name or exc.filename or MAIN_TEMPLATE, exc.lineno, None,
                                    f"template syntax error: {exc.message}")) from exc
    except jinja2.TemplateNotFound as exc:
        name, line = _template_position(template_set)
        if line is None:
            name = str(template_set.folder)
        raise TemplateError(Problem(name, line, None, f"template {exc.name!r} not found "
                                    "in the set or the sets it extends")) from exc
    except jinja2.UndefinedError as exc:
        name, line = _template_position(template_set)
        raise TemplateError(Problem(name, line, None, f"{exc.message}; check the field name "
                                    "against the content format (leaflet schema)")) from exc
    except jinja2.exceptions.SecurityError as exc:
        name, line = _template_position(template_set)
        raise TemplateError(Problem(name, line, None, f"not allowed in a template: {exc}")) \
            from exc
    except (TemplateError, MemoryError):
        raise  # MemoryError: the memory limit, which the caller reports (leaflet/limits.py)
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
            writing = origin_map("".join([*out, chunk]))[-1]
            raise TemplateError(Problem(writing, None, None,
                                        f"template output exceeds {MAX_MARKUP_CHARS:,} "
                                        "characters; stopped"))
        out.append(chunk)
    return "".join(out)


def template_position(template_set: TemplateSet, exc: BaseException) -> str | None:
    """'sections/x.xml.j2:12' if ``exc`` was raised in template code (or in what a template
    called), for a message that says where a limit was hit; None if not."""
    name, line = _template_position(template_set, exc.__traceback__)
    if line is None:
        return None
    return f"{name}:{line}"


def _template_position(template_set: TemplateSet | None,
                       tb: Any = None) -> tuple[str, int | None]:
    """The innermost template frame of ``tb``, by default the traceback of the exception
    being handled: any file a template includes or imports, whatever its name. Jinja maps
    the lines of the exceptions it handles (its frames then carry __jinja_exception__); one
    it lets pass (the time limit's) has the compiled code's lines, mapped here as Jinja would."""
    found: tuple[str, int | None] = ("<template>", None)
    for frame, line in traceback.walk_tb(tb or sys.exc_info()[2]):
        compiled = frame.f_globals.get("__jinja_template__")
        if compiled is not None:
            line = compiled.get_corresponding_lineno(line)
        if compiled is not None or "__jinja_exception__" in frame.f_globals:
            found = (_template_name(template_set, Path(frame.f_code.co_filename)), line)
    return found


def _template_name(template_set: TemplateSet | None, path: Path) -> str:
    """'sections/x.xml.j2' in the set's own folder, '!parent/sections/x.xml.j2' beyond it."""
    for index, (name, folder) in enumerate(template_set.chain if template_set else ()):
        if path.is_relative_to(folder):
            relative = path.relative_to(folder).as_posix()
            return relative if index == 0 else f"!{name}/{relative}"
    return str(path)


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

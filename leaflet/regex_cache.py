"""Regular expressions compiled by an earlier run, kept for the next one, as Python keeps
compiled modules in ``__pycache__``.

A cold ``leaflet`` process compiles about 150 regular expressions while it imports its
modules and ReportLab's, Jinja's, PyYAML's and Babel's, about 40 ms of a 270 ms build;
one of ReportLab's (a web address pattern, matched without regard to case over most of
Unicode) takes 20 ms on its own. Python keeps what it compiles only for the life of a
process, in the ``re`` module's cache. So a process that runs one command
(cli._as_process) first puts there the programs an earlier run's imports compiled, and
notes what its own imports ask for; after the command it stores what they asked for
that the entry did not hold, when that was worth a write (SHARE_WORTH_A_WRITE).

A program is kept exactly as Python's compiler made it, with the pattern and flags it was
made from; when it is first stored, it is built into a pattern again and must be equal to
the one compiled. The entry is named after this Python (its version and the regular
expression engine's magic number) and this module's source, and is kept like every other
cache entry (leaflet/cache.py): in a folder that is the user's alone, sealed with its
SHA-256, which finds damage, not intent. An entry is trusted as the user's own files are
(as compiled templates are): one planted there could make a pattern match what it should
not; Python's engine checks only that each program is well formed before it runs it.
This relies on ``re``'s private parts (its cache, parser and code generator), so anything
unexpected there, or a Python before 3.11, turns the shortcut off: a run then compiles as
it would without it.
"""

from __future__ import annotations

import _sre
import hashlib
import marshal
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from leaflet.cache import cache_folder, read_sealed, source_hash, write_sealed

MAX_ENTRY_BYTES = 8 * 1024 * 1024  # about 60 times what a build's imports need
# A command's entry is written again only when compiling what it lacked took at least this
# share of what all it asked for takes to compile (each program's time is kept with it). A
# few patterns are made anew by every process, from sets, whose order changes from one
# process to the next: about a tenth of that time for `leaflet check`, a twentieth for a
# build. A smaller change (a library's new version changing a cheap pattern) is compiled
# by every run.
SHARE_WORTH_A_WRITE = 0.25

Key = tuple[type, "str | bytes", int]  # as re's cache names a pattern: type, pattern, flags
Program = tuple[Any, ...]  # _sre.compile's arguments, with the flags the pattern was asked with

_FAILURES = (ImportError, MemoryError, AttributeError, TypeError, ValueError, RuntimeError,
             IndexError, KeyError, OverflowError, EOFError, RecursionError, re.error)


class PatternCache:
    """One process's use of the entry: what it put into ``re``'s cache, and what its
    imports asked ``re`` to compile while it watched, with the time each call took."""

    def __init__(self, folder: Path, key: str, programs: dict[Key, Program],
                 costs: dict[Key, float], uses: dict[str, tuple[Key, ...]]) -> None:
        self.folder = folder
        self.key = key
        self.programs = programs
        self.costs = costs  # seconds each program took to compile, when it was first stored
        self.uses = uses
        self.asked: list[tuple[Any, Any, float]] = []
        self._compile: Callable[[Any, Any], re.Pattern[Any]] | None = None

    def watch(self) -> None:
        """Note every pattern ``re`` is asked to compile (or finds in its cache) from now."""
        original = re._compile  # type: ignore[attr-defined]
        asked = self.asked

        def compile_noted(pattern: Any, flags: Any) -> re.Pattern[Any]:
            started = time.perf_counter()
            try:
                return original(pattern, flags)  # type: ignore[no-any-return]
            finally:
                asked.append((pattern, flags, time.perf_counter() - started))

        self._compile = original
        re._compile = compile_noted  # type: ignore[attr-defined]

    def stop(self) -> None:
        if self._compile is not None:
            re._compile = self._compile  # type: ignore[attr-defined]
            self._compile = None

    def save(self, command: str) -> None:
        """Store the programs this command's imports asked for, beside those other
        commands' imports use, when compiling what the entry lacked took long enough to
        be worth it (SHARE_WORTH_A_WRITE)."""
        self.stop()
        took: dict[Key, float] = {}
        for pattern, flags, seconds in self.asked:
            key = _key(pattern, flags)
            if key is not None and key not in took:
                took[key] = seconds
        missing = [key for key in took if key not in self.programs]
        whole = sum(self.costs.get(key, seconds) for key, seconds in took.items())
        if command in self.uses and sum(took[key] for key in missing) <= \
                whole * SHARE_WORTH_A_WRITE:
            return
        try:
            made = {key: _program(*key[1:]) for key in missing}
        except _FAILURES:
            return
        programs = {**self.programs, **{key: program for key, program in made.items()
                                        if program is not None}}
        costs = {**self.costs, **{key: took[key] for key in made}}
        uses = {**self.uses, command: tuple(key for key in took if key in programs)}
        kept = list(dict.fromkeys(key for keys in uses.values() for key in keys))
        index = {key: number for number, key in enumerate(kept)}
        entry = (tuple(programs[key] for key in kept),
                 {name: tuple(index[key] for key in keys) for name, keys in uses.items()},
                 tuple(costs[key] for key in kept))
        write_sealed(self.folder, self.key, marshal.dumps(entry))


def start() -> PatternCache | None:
    """Put the programs an earlier run stored into ``re``'s cache, and watch what is
    compiled from now; None when there is no cache to keep them in, or this Python's
    ``re`` is not as this module expects."""
    try:
        from re import _compiler, _parser  # type: ignore[attr-defined]  # noqa: F401  # Python 3.11 on

        key = _entry_key(_sre.MAGIC, _sre.CODESIZE)
        if key is None or not isinstance(re._cache, dict):  # type: ignore[attr-defined]
            return None
        folder = cache_folder("patterns")
        if folder is None:
            return None
    except _FAILURES:
        return None
    try:
        programs, costs, uses = _read(read_sealed(folder, key, MAX_ENTRY_BYTES))
        compiled = {found: _pattern(program) for found, program in programs.items()}
    except _FAILURES:  # an entry this code cannot use: compile, and replace it after
        programs, costs, uses, compiled = {}, {}, {}, {}
    cache = PatternCache(folder, key, programs, costs, uses)
    cache.watch()
    re._cache.update(compiled)  # type: ignore[attr-defined]
    return cache


def _entry_key(magic: int, codesize: int) -> str | None:
    own = source_hash(__file__)
    if own is None:
        return None
    made_by = f"{sys.version}\n{sys.maxunicode}\n{magic}\n{codesize}\n{own}".encode()
    return "patterns-" + hashlib.sha256(made_by).hexdigest()[:32]


def _read(payload: bytes | None) -> tuple[dict[Key, Program], dict[Key, float],
                                          dict[str, tuple[Key, ...]]]:
    """The entry's programs and what each took to compile, by key, and which each command
    uses; nothing from an entry that is not as ``save`` writes it."""
    if payload is None:
        return {}, {}, {}
    stored, uses, times = marshal.loads(payload)
    if not (isinstance(stored, tuple) and isinstance(uses, dict) and isinstance(times, tuple)
            and len(times) == len(stored)
            and all(isinstance(seconds, float) for seconds in times)):
        raise TypeError("not a pattern cache entry")
    programs: dict[Key, Program] = {}
    costs: dict[Key, float] = {}
    for program, seconds in zip(stored, times, strict=True):
        pattern, flags, final, code, groups, groupindex, indexgroup = program
        if not (isinstance(pattern, (str, bytes)) and isinstance(code, list)
                and all(isinstance(value, int) for value in (flags, final, groups))
                and isinstance(groupindex, dict) and isinstance(indexgroup, tuple)):
            raise TypeError("not a compiled pattern")
        key = (type(pattern), pattern, flags)
        programs[key], costs[key] = program, seconds
    keys = list(programs)
    return programs, costs, {str(name): tuple(keys[number] for number in numbers)
                             for name, numbers in uses.items()}


def _key(pattern: Any, flags: Any) -> Key | None:
    """What ``re`` names a pattern it was asked for in its cache; None for what it does
    not keep there (a pattern already compiled, the DEBUG flag)."""
    flags = int(flags)
    if not isinstance(pattern, (str, bytes)) or flags & re.DEBUG:
        return None
    return (type(pattern), pattern, flags)


def _program(pattern: str | bytes, flags: int) -> Program | None:
    """What Python's compiler makes of ``pattern`` (as re._compiler.compile does), or None
    when that, built again, is not equal to the pattern ``re`` compiles."""
    from re import _compiler, _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern, flags)
    code = [int(value) for value in _compiler._code(parsed, flags)]
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, number in groupindex.items():
        indexgroup[number] = name
    program = (pattern, flags, flags | parsed.state.flags, code, parsed.state.groups - 1,
               groupindex, tuple(indexgroup))
    return program if _pattern(program) == re.compile(pattern, flags) else None


def _pattern(program: Program) -> re.Pattern[Any]:
    """The pattern a program makes (the flags it was asked with are not _sre's)."""
    return _sre.compile(program[0], *program[2:])  # type: ignore[no-any-return]

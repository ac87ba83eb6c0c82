"""Mutated content never crashes, hangs or loses data: every mutant of baclofen.yaml builds
(exit 0) or is refused (exit 1) with lines that name the content file, and a refused build
leaves the existing output file as it was and nothing else behind.

Seeded, so a failure names a mutant that fails again; MUTANTS bounds the time (about
30 s on two cores, well inside the two minutes CI allows).
"""

from __future__ import annotations

import copy
import faulthandler
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import BACLOFEN

from leaflet.cli import main

SEED = 20260514
MUTANTS = 900
MUTANT_SECONDS = 20  # a mutant slower than this is a hang
SENTINEL = b"%PDF-1.4 the leaflet printed yesterday\n"

ODD_SCALARS = ("03", "017", "010", "1:30", "0b_", "0x0B", "0o17", ".inf", "-.inf", ".nan",
               "1_000", "1e400", "-0", "+7", "~", "null", "yes", "no", "on", "off", "2026-02-30",
               "2026-03-12 10:00:00", "[]", "{}", '"   "', "''", "!!binary aGVsbG8=",
               "!!python/object/apply:os.system ['true']", "&anchor x", "*anchor", "? x",
               '"\\ud800"', '"\\uffff"', '"\\x00"', '"\\f"', '"\\u202e"', '"\\ufffd"',
               '"e\\u0301"', "|", ">-", "- x", "<<: {}", "=", "'unclosed", '"\\', "%TAG")
ODD_TEXT = ("\x00", "\x07", "\x0c", "\x1b[31m", "\x7f", "\x85", "\u2028", "\u202e", "\u200f",
            "\ufdd0", "\ufffe", "\uffff", "\ufffd", "\U0010ffff", "e\u0301", "\u0301",
            "שלום", "سلام", "ܐܒ", "ހށ", "ߊߋ", "\ufeff", "\t", "\r", "😀", "漢")


@dataclass(frozen=True)
class Mutant:
    """A content file's bytes, what was done, and the key a refusal must name, if any."""

    data: bytes
    what: str
    key: str | None = None


def _paths(node: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(key path, value) for every value in the data, in the loader's key-path notation."""
    found = [(prefix, node)] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, f"{prefix}[{index}]")
    return found


def _parent(data: dict[str, Any], path: str) -> tuple[Any, str | int]:
    """The list or mapping holding the value at ``path``, and its key or index there."""
    parts = [int(p) if p.isdigit() else p
             for p in path.replace("[", ".").replace("]", "").split(".")]
    node: Any = data
    for part in parts[:-1]:
        node = node[part]
    return node, parts[-1]


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    node, key = _parent(data, path)
    node[key] = value


def _dump(data: dict[str, Any]) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6).encode()


def _other_type(value: Any, rng: random.Random) -> Any:
    """A value of another kind than ``value``: what a wrong type at a key looks like."""
    choices: list[Any] = [7, 2.5, True, None, ["a list"], {"a": "mapping"}, "some text"]
    return rng.choice([c for c in choices if type(c) is not type(value)
                       and not (isinstance(value, str) and isinstance(c, str))])


def _mutators(source: bytes, data: dict[str, Any]) -> list[Callable[[random.Random], Mutant]]:
    text = source.decode()
    lines = text.splitlines(keepends=True)
    paths = _paths(data)
    strings = [(p, v) for p, v in paths if isinstance(v, str)]

    def byte_flip(rng: random.Random) -> Mutant:
        at = rng.randrange(len(source))
        flipped = source[:at] + bytes([source[at] ^ (1 << rng.randrange(8))]) + source[at + 1:]
        return Mutant(flipped, f"flip a bit of byte {at}")

    def delete(rng: random.Random) -> Mutant:
        at = rng.randrange(len(source))
        size = rng.choice((1, 2, 5, 40, 400))
        return Mutant(source[:at] + source[at + size:], f"delete {size} bytes at {at}")

    def duplicate_lines(rng: random.Random) -> Mutant:
        first = rng.randrange(len(lines))
        last = min(len(lines), first + rng.choice((1, 3, 10)))
        copied = lines[:last] + lines[first:last] + lines[last:]
        return Mutant("".join(copied).encode(), f"repeat lines {first + 1}-{last}")

    def truncate(rng: random.Random) -> Mutant:
        at = rng.randrange(len(source))
        return Mutant(source[:at], f"cut at byte {at}")

    def odd_scalar(rng: random.Random) -> Mutant:
        candidates = [i for i, line in enumerate(lines) if ": " in line]
        index = rng.choice(candidates)
        scalar = rng.choice(ODD_SCALARS)
        head = lines[index].split(": ", 1)[0]
        changed = [*lines[:index], f"{head}: {scalar}\n", *lines[index + 1:]]
        return Mutant("".join(changed).encode(), f"line {index + 1} value -> {scalar}")

    def raw_insert(rng: random.Random) -> Mutant:
        at = rng.randrange(len(text))
        piece = rng.choice(ODD_TEXT)
        return Mutant((text[:at] + piece + text[at:]).encode("utf-8", "surrogatepass"),
                      f"insert {piece!r} at character {at}")

    def text_insert(rng: random.Random) -> Mutant:
        path, value = rng.choice(strings)
        piece = rng.choice(ODD_TEXT)
        at = rng.randrange(len(value) + 1)
        changed = copy.deepcopy(data)
        _set(changed, path, value[:at] + piece + value[at:])
        return Mutant(_dump(changed), f"{path}: insert {piece!r}")

    def type_swap(rng: random.Random) -> Mutant:
        path, value = rng.choice(paths)
        changed = copy.deepcopy(data)
        other = _other_type(value, rng)
        _set(changed, path, other)
        return Mutant(_dump(changed), f"{path} -> {other!r}", path)

    def huge_string(rng: random.Random) -> Mutant:
        path, _ = rng.choice(strings)
        size = rng.choice((600, 6_000, 100_000, 1_000_000))
        word = rng.choice(("x", "word "))
        changed = copy.deepcopy(data)
        _set(changed, path, (word * size)[:size])
        return Mutant(_dump(changed), f"{path}: {size:,} characters")

    def deep_nesting(rng: random.Random) -> Mutant:
        path, _ = rng.choice(paths)
        depth = rng.choice((15, 25, 999, 5_000))
        flow = rng.choice(("[", "{a: "))
        closing = "]" if flow == "[" else "}"
        nested = flow * depth + "x" + closing * depth
        changed = copy.deepcopy(data)
        _set(changed, path, "NESTED")
        return Mutant(_dump(changed).replace(b"NESTED", nested.encode(), 1),
                      f"{path}: nested {depth} deep")

    def long_list(rng: random.Random) -> Mutant:
        path, value = rng.choice([(p, v) for p, v in paths if isinstance(v, list)])
        changed = copy.deepcopy(data)
        _set(changed, path, value * rng.choice((20, 300)))
        return Mutant(_dump(changed), f"{path}: a long list")

    def drop_key(rng: random.Random) -> Mutant:
        path, _ = rng.choice([(p, v) for p, v in paths if not p.endswith("]")])
        changed = copy.deepcopy(data)
        node, key = _parent(changed, path)
        del node[key]
        return Mutant(_dump(changed), f"drop {path}")

    def extra_section(rng: random.Random) -> Mutant:
        parts = rng.choice((("paragraphs",), ("items",), ("paragraphs", "items"), ()))
        title = rng.choice(("Travelling", "", "x" * 600, "Trav\x0celling", 7))
        changed = copy.deepcopy(data)
        changed["extra_sections"] = {rng.choice(("travel", "Travel", "a b")): {
            "title": title, **{part: ["Keep them in your hand luggage."] for part in parts}}}
        return Mutant(_dump(changed), f"an extra section: {title!r:.20}, {parts}")

    return [byte_flip, delete, duplicate_lines, truncate, odd_scalar, raw_insert,
            text_insert, type_swap, huge_string, deep_nesting, long_list, drop_key,
            extra_section]


def mutants(count: int = MUTANTS, seed: int = SEED) -> list[Mutant]:
    source = BACLOFEN.read_bytes()
    data = yaml.safe_load(source)
    mutators = _mutators(source, data)
    rng = random.Random(seed)
    return [mutators[n % len(mutators)](rng) for n in range(count)]


def build_mutant(mutant: Mutant, folder: Path, capsys: pytest.CaptureFixture[str]) -> int:
    """Build one mutant over a sentinel output file and hold it to every promise."""
    for old in folder.iterdir():
        old.unlink()
    content = folder / "mutant.yaml"
    content.write_bytes(mutant.data)
    output = folder / "out.pdf"
    output.write_bytes(SENTINEL)
    start = time.perf_counter()
    code = main(["build", str(content), "-o", str(output)])
    seconds = time.perf_counter() - start
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert seconds < MUTANT_SECONDS, f"took {seconds:.1f} s"
    assert code in (0, 1)
    assert "Traceback" not in err
    assert sorted(p.name for p in folder.iterdir()) == ["mutant.yaml", "out.pdf"]
    if code == 0:
        assert output.read_bytes().startswith(b"%PDF-")
        assert all(line.startswith(f"warning: {content}:") for line in lines)
        return code
    assert output.read_bytes() == SENTINEL, "a refused build changed the output file"
    assert lines
    for line in lines:
        assert line.startswith(f"error: {content}:"), line
    if mutant.key:
        assert any(f": {mutant.key}:" in line for line in lines), mutant.key
    return code


@pytest.fixture
def hang_guard():
    """Arm before each mutant: one that hangs ends the run with every thread's stack, not a
    silent CI timeout."""

    def arm() -> None:
        faulthandler.dump_traceback_later(MUTANT_SECONDS * 3, exit=True, file=sys.__stderr__)

    yield arm
    faulthandler.cancel_dump_traceback_later()


def test_every_mutant_builds_or_is_refused_cleanly(tmp_path, capsys, hang_guard):
    exits: Counter[int] = Counter()
    for number, mutant in enumerate(mutants()):
        hang_guard()
        try:
            exits[build_mutant(mutant, tmp_path, capsys)] += 1
        except AssertionError as exc:
            raise AssertionError(f"mutant {number} ({mutant.what}): {exc}") from exc
    assert exits[0] and exits[1], exits  # both outcomes occur, or the mutants are too tame

"""Read a YAML file into position-carrying nodes, refusing what would lose or hide data.

PyYAML silently keeps the last of two equal keys, builds Python objects from
tags and expands aliases without bound. A content file that says a warning
twice must not lose one, so we compose nodes ourselves and check them.

Composing recurses once per level of nesting, so a text that may nest deeply has its
levels counted in the event stream first, which takes no stack (lists in lists 10,000
deep; PyYAML 6.0.1's libyaml crashed at 100,000 levels). Every collection holds an
indicator of its own, a '[', '{', '-', ':' or '?', so a text with few of them cannot nest
deeply: libyaml composes it straight away, in C, and the nodes are held to MAX_NESTING
as they are checked. Counting first took a build 0.4 ms, for every content file.
Python's own composer, which recurses in Python, is always given a text counted first.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from leaflet.errors import LeafletError, Problem
from leaflet.sources.characters import describe
from leaflet.sources.files import read_file

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_NESTING = 20  # levels of lists and mappings; a content file uses 6
# Indicators in a text libyaml composes uncounted: it nests at most this deep, which C's
# stack holds, and never reaches libyaml's own bound (1,000 levels, where it has one).
# The baclofen content has 230.
MAX_UNCOUNTED_INDICATORS = 900
_TOO_DEEP = f"nested more than {MAX_NESTING} levels deep; a leaflet needs far fewer"

PLAIN_TAGS = frozenset({
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
})

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_nodes(path: Path, error: type[LeafletError],
               extra_tags: frozenset[str] = frozenset()) -> yaml.Node:
    """Return the root node of ``path`` or raise ``error`` listing every problem found.
    ``extra_tags`` lets a format accept more plain scalars (a patient file's dates)."""
    name = str(path)
    text = _read_text(path, name, error)
    return compose_nodes(text, name, error, extra_tags)


def compose_nodes(text: str, name: str, error: type[LeafletError],
                  extra_tags: frozenset[str] = frozenset()) -> yaml.Node:
    """YAML text -> checked root node; ``name`` is what problems call the file."""
    try:
        if not _composes_uncounted(text):
            _refuse_deep_nesting(text, name, error)
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = f"invalid YAML: {exc.problem or exc.context}"
        if "maximum nesting depth" in reason:  # libyaml's own limit, met while looking ahead
            reason = _TOO_DEEP
        raise error(Problem(name, line, None, reason)) from exc
    except yaml.reader.ReaderError as exc:
        raise error(_unreadable_character(text, name, exc.reason)) from exc
    except yaml.YAMLError as exc:
        raise error(Problem(name, None, None, f"invalid YAML: {exc}")) from exc
    if root is None:
        raise error(Problem(name, 1, None, "the file is empty"))
    problems: list[Problem] = []
    _check(root, name, set(), problems, PLAIN_TAGS | extra_tags)
    if problems:
        raise error(problems)
    return root


def _composes_uncounted(text: str) -> bool:
    """Whether ``text`` can be composed before its levels are counted: libyaml composes
    it, and it holds too few indicators to nest deeper than C's stack allows."""
    if not yaml.__with_libyaml__ or not issubclass(_Loader, yaml.CSafeLoader):
        return False
    indicators = sum(map(text.count, "[{-:?"))
    return indicators <= MAX_UNCOUNTED_INDICATORS


def _refuse_deep_nesting(text: str, name: str, error: type[LeafletError]) -> None:
    """Lists in lists 10,000 deep would exhaust the stack while composing: count the levels
    in the event stream first, which takes no stack."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise error(Problem(name, event.start_mark.line + 1, None, _TOO_DEEP))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


# What YAML refuses to read: controls but tab, newline, CR and NEL; surrogates; U+FFFE/F.
_NOT_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd"
                       "\U00010000-\U0010ffff]")


def _unreadable_character(text: str, name: str, reason: str) -> Problem:
    """The character YAML refused, by line and column: its own error counts bytes or
    characters depending on the parser, and runs to two lines."""
    found = _NOT_YAML.search(text)
    if found is None:  # a parser stricter than the YAML 1.1 spec
        return Problem(name, None, None, f"invalid YAML: {reason}")
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
    return Problem(name, line, None, f"{describe(found.group())} in column {column} is not "
                                     "allowed in a YAML file; remove it")


def _read_text(path: Path, name: str, error: type[LeafletError]) -> str:
    limit = MAX_FILE_BYTES // (1024 * 1024)
    data = read_file(path, MAX_FILE_BYTES, error, f"file is larger than {limit} MB; refused")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        raise error(
            Problem(name, line, None, f"not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8")
        ) from exc
    if not text.strip():
        raise error(Problem(name, 1, None, "the file is empty"))
    return text


def _check(node: yaml.Node, name: str, seen: set[int], problems: list[Problem],
           allowed: frozenset[str] = PLAIN_TAGS, level: int = 0) -> None:
    """Refuse aliases, object-building tags, repeated keys and nesting deeper than
    MAX_NESTING, all at once. ``level``: the collections ``node`` is inside."""
    line = node.start_mark.line + 1
    if id(node) in seen:
        problems.append(Problem(name, line, None, "anchors and aliases (&, *) are not allowed"))
        return
    seen.add(id(node))
    if node.tag not in allowed:
        problems.append(Problem(name, line, None, f"YAML tag {node.tag!r} is not allowed"))
        return
    if isinstance(node, yaml.CollectionNode):
        level += 1
        if level > MAX_NESTING:  # said once, at the first, as counting first says it
            if not any(problem.message == _TOO_DEEP for problem in problems):
                problems.append(Problem(name, line, None, _TOO_DEEP))
            return
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check(item, name, seen, problems, allowed, level)
    elif isinstance(node, yaml.MappingNode):
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(name, key_node.start_mark.line + 1, None,
                                        "a key must be a word, not a list or mapping"))
                continue
            _check(key_node, name, seen, problems, allowed, level)
            key = str(key_node.value)
            key_line = key_node.start_mark.line + 1
            if key in first_line:
                problems.append(
                    Problem(name, key_line, key,
                            f"key given twice (first at line {first_line[key]}); "
                            "keep one so nothing is lost")
                )
            else:
                first_line[key] = key_line
            _check(value_node, name, seen, problems, allowed, level)


"""Read a YAML file into position-carrying nodes, refusing what would lose or hide data.

PyYAML silently keeps the last of two equal keys, builds Python objects from
tags and expands aliases without bound. A content file that says a warning
twice must not lose one, so we compose nodes ourselves and check them.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from leaflet.errors import LeafletError, Problem

MAX_FILE_BYTES = 2 * 1024 * 1024

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
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or exc.context
        raise error(Problem(name, line, None, f"invalid YAML: {reason}")) from exc
    except yaml.YAMLError as exc:
        raise error(Problem(name, None, None, f"invalid YAML: {exc}")) from exc
    if root is None:
        raise error(Problem(name, 1, None, "the file is empty"))
    problems: list[Problem] = []
    _check(root, name, set(), problems, PLAIN_TAGS | extra_tags)
    if problems:
        raise error(problems)
    return root


def _read_text(path: Path, name: str, error: type[LeafletError]) -> str:
    try:
        if path.is_dir():
            raise error(Problem(name, None, None, "is a directory, not a file"))
        if path.stat().st_size > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // (1024 * 1024)
            raise error(Problem(name, None, None, f"file is larger than {limit} MB; refused"))
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise error(Problem(name, None, None, "file not found")) from exc
    except OSError as exc:
        raise error(Problem(name, None, None, f"cannot read file: {exc.strerror}")) from exc
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
           allowed: frozenset[str] = PLAIN_TAGS) -> None:
    """Refuse aliases, object-building tags and repeated keys, all at once."""
    line = node.start_mark.line + 1
    if id(node) in seen:
        problems.append(Problem(name, line, None, "anchors and aliases (&, *) are not allowed"))
        return
    seen.add(id(node))
    if node.tag not in allowed:
        problems.append(Problem(name, line, None, f"YAML tag {node.tag!r} is not allowed"))
        return
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check(item, name, seen, problems, allowed)
    elif isinstance(node, yaml.MappingNode):
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            _check(key_node, name, seen, problems, allowed)
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
            _check(value_node, name, seen, problems, allowed)


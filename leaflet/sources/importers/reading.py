"""Read a file to import, contained: a regular file only, never more than a limit, XML
without entities, DTDs or network access, and every refusal one line naming what it is.

The size a file reports is not what reading it returns (a FIFO, /dev/zero, a file
growing while read), so the kind is checked on what was opened and reading stops one
byte past the limit. Expanding entities ("billion laughs") or fetching a DTD would let a
small file cost unbounded memory or reach the network; defusedxml refuses both.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden

from leaflet.errors import Problem, SourceError

MAX_SOURCE_BYTES = 10 * 1024 * 1024  # a leaflet's ePI or SPL is 50-500 KB; a whole label 3 MB
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def refuse(name: str, message: str, line: int | None = None) -> SourceError:
    return SourceError(Problem(name, line, None, message))


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The whole file, if it is a regular file of at most ``limit`` bytes (by default
    MAX_SOURCE_BYTES)."""
    limit = MAX_SOURCE_BYTES if limit is None else limit
    name = str(path)
    try:
        handle = os.open(path, _OPEN_FLAGS)  # never blocks, even on a FIFO
    except FileNotFoundError as exc:
        raise refuse(name, "file not found") from exc
    except OSError as exc:
        raise refuse(name, f"cannot read file: {exc.strerror}") from exc
    kind = _not_a_file(os.fstat(handle).st_mode)  # what was opened, not what was named
    if kind:
        os.close(handle)
        raise refuse(name, f"is {kind}, not a file")
    with os.fdopen(handle, "rb") as stream:
        try:
            data = stream.read(limit + 1)
        except OSError as exc:
            raise refuse(name, f"cannot read file: {exc.strerror}") from exc
    if len(data) > limit:
        raise refuse(name, f"file is larger than {_size(limit)}; refused")
    if not data.strip():
        raise refuse(name, "the file is empty")
    return data


def _size(limit: int) -> str:
    megabytes = limit / (1024 * 1024)
    return f"{megabytes:g} MB" if megabytes >= 1 else f"{limit:,} bytes"


def _not_a_file(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a socket" if stat.S_ISSOCK(mode) else "not a regular file"


def parse_json(data: bytes, name: str) -> Any:
    """JSON text -> Python data; broken JSON names its line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise refuse(name, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); FHIR JSON is "
                           "always UTF-8", line) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise refuse(name, f"broken JSON: {exc.msg}", exc.lineno) from exc
    except RecursionError as exc:
        raise refuse(name, "broken JSON: nested too deeply") from exc


def parse_xml(data: bytes | str, name: str, what: str = "XML", lines: bool = True) -> Element:
    """XML -> its root element, refusing entity declarations, DTDs and external references;
    broken XML names its line (unless ``lines`` is False: XHTML inside a JSON string has
    lines of its own, not the file's)."""
    try:
        return defusedxml.ElementTree.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden as exc:
        raise refuse(name, f"{what} with a document type declaration (DTD) is refused: a "
                           "leaflet needs none, and one can expand entities or fetch files"
                     ) from exc
    except EntitiesForbidden as exc:
        raise refuse(name, f"{what} that declares entities is refused: they can expand to "
                           "gigabytes or fetch files") from exc
    except DefusedXmlException as exc:
        raise refuse(name, f"{what} refused: {exc}") from exc
    except ParseError as exc:
        line, _column = exc.position
        reason = str(exc).split(":")[0]
        raise refuse(name, f"broken {what}: {reason}", line if lines else None) from exc

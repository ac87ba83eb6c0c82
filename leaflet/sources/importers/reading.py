"""Read a file to import, contained: a regular file only, never more than a limit, XML
without entities, DTDs or network access, and every refusal one line naming what it is.

Which files are read, and how far, is sources/files.py's: regular files only, reading
stopping one byte past the limit whatever size the file reports. Expanding entities
("billion laughs") or fetching a DTD would let a small file cost unbounded memory or
reach the network; defusedxml refuses both.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden

from leaflet.errors import Problem, SourceError
from leaflet.sources.files import read_file

MAX_SOURCE_BYTES = 10 * 1024 * 1024  # a leaflet's ePI or SPL is 50-500 KB; a whole label 3 MB


def refuse(name: str, message: str, line: int | None = None) -> SourceError:
    return SourceError(Problem(name, line, None, message))


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The whole file, if it is a regular file of at most ``limit`` bytes (by default
    MAX_SOURCE_BYTES)."""
    limit = MAX_SOURCE_BYTES if limit is None else limit
    data = read_file(path, limit, SourceError, f"file is larger than {_size(limit)}; refused")
    if not data.strip():
        raise refuse(str(path), "the file is empty")
    return data


def _size(limit: int) -> str:
    megabytes = limit / (1024 * 1024)
    return f"{megabytes:g} MB" if megabytes >= 1 else f"{limit:,} bytes"


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

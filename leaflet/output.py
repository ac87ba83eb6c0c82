"""Where a finished file goes: refuse a path we cannot write before any work, then write
without ever leaving a half-written file or clobbering a good one. Every output format
shares this, so it sits below all of them."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from leaflet.errors import OutputError, Problem


def check_output_path(path: Path) -> None:
    """Refuse an output path we cannot write before doing any work."""
    if path.is_dir():
        raise OutputError(Problem(str(path), None, None, "output path is a directory; "
                                  "give a file name such as leaflet.pdf"))
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(Problem(str(path), None, None,
                                  f"output directory {str(parent)!r} does not exist"))


def temporary_beside(path: Path) -> tuple[int, str]:
    """A new temporary file in ``path``'s folder (so renaming it into place is atomic):
    its descriptor and name. OutputError if the folder cannot be written."""
    check_output_path(path)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        return tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise OutputError(Problem(str(path), None, None,
                                  f"cannot write here: {exc.strerror}")) from exc


def write_atomically(data: bytes, path: Path) -> None:
    """Write to a temporary file beside ``path`` and rename it into place."""
    handle, temp_name = temporary_beside(path)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except OSError as exc:
        Path(temp_name).unlink(missing_ok=True)
        raise OutputError(Problem(str(path), None, None,
                                  f"cannot write the PDF: {exc.strerror}")) from exc

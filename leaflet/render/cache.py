"""What a build keeps between runs in the user's cache folder, so a cold process skips work
an earlier one did: compiled templates (templates.py) and parsed catalogues (wording.py).

Everything here is only ever a shortcut: an entry is named by a hash of all it was made
from, and a folder that cannot be made, read or written costs time, never a build.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def cache_folder(name: str) -> Path | None:
    """``~/.cache/leaflet/<name>`` (or under $XDG_CACHE_HOME), made if need be; None when it
    cannot be."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "leaflet" / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def read_entry(folder: Path, key: str) -> bytes | None:
    """The entry stored under ``key``; None when there is none or it cannot be read."""
    try:
        return (folder / key).read_bytes()
    except OSError:
        return None


def write_entry(folder: Path, key: str, data: bytes) -> None:
    """Store ``data`` under ``key`` whole or not at all: another process reading the entry
    meanwhile (a batch's workers) sees the old state or the new, never half a file."""
    target = folder / key
    partial = folder / f"{key}.{os.getpid()}.partial"
    try:
        partial.write_bytes(data)
        os.replace(partial, target)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink()

"""Where the bundled templates and fonts live, installed or in a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """``templates`` or ``fonts``: inside the wheel under _data, else the checkout's top level;
    links followed. Worked out once a process (where the package is does not change while
    it runs), not on each of the several times a build asks."""
    installed = _PACKAGE / "_data" / name
    return (installed if installed.is_dir() else _PACKAGE.parent / name).resolve()

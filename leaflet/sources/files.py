"""Open and read the files we are given: regular files only, never more than a limit.

A path may name a FIFO (opening it waits for a writer, for ever), a device
(/dev/zero never ends and reports a size of 0) or a folder, and the size a file
reports is not what reading it returns. So the kind is checked before opening and
again on what was opened, the open never blocks, and reading stops one byte past
the limit whatever size was reported.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from leaflet.errors import LeafletError, Problem

# A FIFO put in place between the check and the open must not block the open either.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def _not_a_file(mode: int) -> str | None:
    """Why a file of this mode cannot be read as a file, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a FIFO (named pipe), not a file; save what it would send to a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file"
    return "is not a regular file"


def open_regular(path: Path, error: type[LeafletError]) -> BinaryIO:
    """``path`` opened for reading if it is a regular file; ``error`` naming it otherwise."""
    name = str(path)

    def refuse(message: str) -> LeafletError:
        return error(Problem(name, None, None, message))

    try:
        reason = _not_a_file(os.stat(path).st_mode)
        if reason:
            raise refuse(reason)
        handle = os.open(path, _OPEN_FLAGS)
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise refuse("file not found") from exc
    except OSError as exc:
        raise refuse(f"cannot read file: {exc.strerror}") from exc
    except ValueError as exc:  # a NUL character in the path (a CSV cell can hold one)
        raise refuse("is not a usable file name (it holds a NUL character)") from exc
    try:
        reason = _not_a_file(os.fstat(handle).st_mode)  # what was opened, not what was seen
        if reason:
            raise refuse(reason)
        return os.fdopen(handle, "rb")
    except BaseException:
        os.close(handle)
        raise


def read_file(path: Path, limit: int, error: type[LeafletError], too_big: str) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; ``too_big`` is the message
    for a longer one."""
    with open_regular(path, error) as stream:
        try:
            data = stream.read(limit + 1)
        except OSError as exc:
            raise error(Problem(str(path), None, None,
                                f"cannot read file: {exc.strerror}")) from exc
    if len(data) > limit:
        raise error(Problem(str(path), None, None, too_big))
    return data


@contextlib.contextmanager
def text_lines(path: Path, limit: int, error: type[LeafletError],
               too_big: str) -> Iterator[Iterator[str]]:
    """The lines of a UTF-8 text file, read as they are needed, stopping with ``too_big``
    once more than ``limit`` characters have come (a file that grew since it was checked)."""
    with open_regular(path, error) as raw, \
            io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as stream:

        def lines() -> Iterator[str]:
            left = limit
            try:
                while line := stream.readline(left + 1):
                    left -= len(line)
                    if left < 0:
                        raise error(Problem(str(path), None, None, too_big))
                    yield line
            except UnicodeDecodeError as exc:  # changed since it was checked
                raise error(Problem(str(path), None, None, "not UTF-8 text; save the file "
                                    "as UTF-8")) from exc

        yield lines()

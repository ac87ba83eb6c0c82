"""Where a finished file goes: refuse a path we cannot or must not write before any work,
then write without ever leaving a half-written file, a stray temporary file or clobbering
a good one. Every output format shares this, so it sits below all of them.

A temporary file is named ``.NAME.leaflet-HOST-PID-XXXXXXXX.tmp``: beside its output (so
renaming it into place is atomic), hidden, and saying which process on which machine
made it. A run killed outright (SIGKILL, a power cut) cannot remove its own, so the next
run that writes to the folder removes those whose process is gone, and only those.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from leaflet.errors import OutputError, Problem

MAX_NAME_IN_TEMPORARY = 100  # bytes of the output's name kept in its temporary file's name
_TEMPORARY = re.compile(r"\A\..*\.leaflet-(?P<host>[A-Za-z0-9]+)-(?P<pid>[0-9]+)-[a-z0-9_]+"
                        r"\.tmp\Z", re.DOTALL)
_SPECIAL = {stat.S_IFCHR: "a device", stat.S_IFBLK: "a device", stat.S_IFIFO: "a named pipe",
            stat.S_IFSOCK: "a socket"}
_swept: set[str] = set()  # folders this process has already cleared of abandoned files


@dataclass(frozen=True)
class Input:
    """A file the run reads, and what it is to the user ('the content file'). A file
    found in a folder is named by the string the listing gave: a build lists some 80,
    and making each a Path took longer than looking at it."""

    path: Path | str
    what: str


def files_in(folder: Path, what: str) -> Iterator[Input]:
    """Every file under ``folder`` as an input: a template set, the bundled fonts. Its
    folders come too, unchecked: an output is a regular file, never the same as a folder,
    and telling them apart here would look at each file twice. Listed with os.scandir,
    in a third of the time Path.rglob takes (every build lists some 80 files); like
    rglob, it does not go into a folder through a symbolic link."""
    folders = [os.fspath(folder)]
    while folders:
        try:
            with os.scandir(folders.pop()) as entries:
                for entry in entries:
                    yield Input(entry.path, what)
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(entry.path)
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue  # gone, or not to be read by this run either (as Path.rglob skips it)


def check_output_path(path: Path, inputs: Iterable[Input] = ()) -> None:
    """Refuse an output path we cannot or must not write before doing any work."""
    check_outputs([path], inputs)


def check_outputs(paths: Iterable[Path], inputs: Iterable[Input] = ()) -> None:
    """Refuse, naming each, every path that is a folder, a device or pipe (a file renamed
    over it would break whatever uses it), in a folder that does not exist, or the same
    file as one of ``inputs`` by any name (a symbolic or hard link too). ``inputs`` is only
    read if an output already exists: a path that does not exist replaces nothing."""
    problems: list[Problem] = []
    read: list[tuple[os.stat_result, Input]] | None = None
    for path in paths:
        found = _stat(path)
        problem = _unwritable(path, found)
        if problem is None and found is not None:
            if read is None:
                read = [(status, each) for each in inputs
                        if (status := _stat(each.path)) is not None]
            same = next((each for status, each in read if os.path.samestat(status, found)),
                        None)
            if same is not None:
                problem = (f"output path is {same.what} ({same.path}), which this run reads; "
                           "choose another path")
        if problem is not None:
            problems.append(Problem(str(path), None, None, problem))
    if problems:
        raise OutputError(problems)


def _stat(path: Path | str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def _unwritable(path: Path, found: os.stat_result | None) -> str | None:
    """Why ``path`` cannot take a file, from its status (None: it does not exist)."""
    if found is not None and stat.S_ISDIR(found.st_mode):
        return "output path is a directory; give a file name such as leaflet.pdf"
    if found is not None and not stat.S_ISREG(found.st_mode):
        kind = _SPECIAL.get(stat.S_IFMT(found.st_mode), "a special file")
        return f"output path is {kind}, not a regular file; give a file name such as leaflet.pdf"
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        return f"output directory {str(parent)!r} does not exist"
    return None


def temporary_beside(path: Path) -> tuple[int, str]:
    """A new temporary file in ``path``'s folder (so renaming it into place is atomic):
    its descriptor and name. OutputError if the folder cannot be written. The first time
    in a process, the folder is cleared of temporary files that killed runs left."""
    check_output_path(path)
    parent = path.parent if str(path.parent) else Path(".")
    folder = str(parent.resolve())
    if folder not in _swept:
        remove_abandoned(parent)
        _swept.add(folder)
    name = path.name.encode()[:MAX_NAME_IN_TEMPORARY].decode(errors="ignore")
    try:
        return tempfile.mkstemp(prefix=f".{name}.leaflet-{_host()}-{os.getpid()}-",
                                suffix=".tmp", dir=parent)
    except OSError as exc:
        raise OutputError(Problem(str(path), None, None,
                                  f"cannot write here: {exc.strerror}")) from exc


def remove_abandoned(folder: Path) -> list[Path]:
    """Remove the temporary files in ``folder`` that a process on this machine made and
    can no longer remove, because it is gone; return them. A file whose process still
    runs, or that another machine made (a shared folder), or not named as ours is left."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if match is None or match["host"] != _host() or _running(int(match["pid"])):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue  # removed meanwhile by another run, or not ours to remove
    return removed


def _host() -> str:
    """This machine's name, letters and digits only, so a temporary file's name parses. POSIX
    gives it without the socket module (which a build would import for this alone)."""
    if hasattr(os, "uname"):
        name = os.uname().nodename
    else:
        import socket

        name = socket.gethostname()
    return re.sub(r"[^A-Za-z0-9]", "", name)[:32] or "localhost"


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists; when that cannot be known, it is taken to."""
    if os.name != "posix":
        return True  # os.kill would end the process there, not test it
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process: alive
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Whether ``pid`` has ended and only waits to be reaped (Linux's /proc says 'Z'): a
    worker killed with its fork server lingers so, and writes nothing more."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text("ascii", "replace")
    except OSError:
        return False
    return stat[stat.rfind(")") + 2:][:1] == "Z"


def write_atomically(data: bytes, path: Path) -> None:
    """Write to a temporary file beside ``path`` and rename it into place. However this
    ends (a full disk, Ctrl-C, SIGTERM turned into an exception by the CLI), the temporary
    file goes with it."""
    handle, temp_name = temporary_beside(path)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except BaseException as exc:
        Path(temp_name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(Problem(str(path), None, None,
                                      f"cannot write the PDF: {exc.strerror}")) from exc
        raise


def write_text_file(text: str, path: Path, replace: bool, exists_hint: str) -> None:
    """Write ``text`` (UTF-8, '\\n' line ends) to ``path`` whole, through a temporary file
    beside it. An existing file is replaced only if ``replace``; otherwise a hard link puts
    the file in place, which, unlike a rename, refuses a file that appeared meanwhile, and
    the refusal names ``path`` with ``exists_hint`` ('give --force to replace it')."""
    exists = Problem(str(path), None, None, f"already exists; left as it was ({exists_hint})")
    handle, temp_name = temporary_beside(path)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, 0o644)
        if replace:
            os.replace(temp_name, path)
        else:
            _link_new(temp_name, path, exists)
    except OSError as exc:
        raise OutputError(Problem(str(path), None, None,
                                  f"cannot write the file: {exc.strerror}")) from exc
    finally:
        Path(temp_name).unlink(missing_ok=True)


def _link_new(temp_name: str, path: Path, exists: Problem) -> None:
    try:
        os.link(temp_name, path)
    except FileExistsError as exc:
        raise OutputError(exists) from exc
    except OSError:  # a file system without hard links (FAT, some network shares)
        if path.exists():
            raise OutputError(exists) from None
        os.replace(temp_name, path)

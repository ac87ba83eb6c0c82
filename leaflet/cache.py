"""What a build keeps between runs in the user's cache folder, so a cold process skips work
an earlier one did: compiled templates (render/templates.py), parsed catalogues
(render/wording.py) and compiled regular expressions (regex_cache.py).

Everything here is only ever a shortcut: an entry is named by a hash of all it was made
from, and a folder that cannot be made, read or written costs time, never a build. What
is read back becomes the words and code of a leaflet, so a folder is used only when it is
the user's alone (theirs, not a link, writable by nobody else); an entry is read only from
a regular file of bounded size, never through a link, and only when it carries the hash
of its contents; it is written under a name nobody can guess, then renamed into place.

Entries are named by what made them, so a template edited or a new version of leaflet
leaves the old ones behind, never to be read again. An entry read is marked as used
(its modification time is set to now), and the first time a process writes an entry, it
sweeps the whole cache (`sweep`): what was not used for KEPT_DAYS goes, each folder keeps
the ENTRIES_KEPT used last, and a folder the sweep empties goes too, unless this process
uses it. Another process may be about to write into a folder so removed: its write then
fails, as any write may, and costs that one entry until a later run makes it again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import stat
import tempfile
import time
from pathlib import Path

KEPT_DAYS = 30  # an entry not used for this long is removed by the next sweep
ENTRIES_KEPT = 2000  # in one folder, those used last; an entry is a few to a few tens of KB
PARTIAL_HOURS = 1  # a half-written entry this old was left by a process that died
_swept: set[Path] = set()  # caches this process has swept
_in_use: set[Path] = set()  # folders this process has asked for: never removed by its sweep


def cache_folder(name: str) -> Path | None:
    """``~/.cache/leaflet/<name>`` (or under $XDG_CACHE_HOME when it is an absolute path, as
    the XDG specification asks), made if need be; None when it cannot be, or when it or
    the folder above it is not the user's alone."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        home = os.path.expanduser("~")  # "~" or "/" when no home is known
        if not os.path.isabs(home) or Path(home).parent == Path(home):
            return None
        base = os.path.join(home, ".cache")
    if Path(base).parent == Path(base):  # the cache would be /leaflet
        return None
    folder = Path(base) / "leaflet" / name
    try:
        folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
        private = (all(_private(path) for path in (folder.parent, folder))
                   and all(_kept(path) for path in Path(base).resolve(strict=True).parents)
                   and _kept(Path(base).resolve(strict=True)))
    except (OSError, RuntimeError):
        return None
    if not private:
        return None
    _in_use.add(folder)
    return folder


def _private(path: Path) -> bool:
    """A folder itself (not a link to one), this user's, that nobody else may write in."""
    found = os.lstat(path)
    return (stat.S_ISDIR(found.st_mode) and found.st_uid == os.geteuid()
            and not found.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _kept(path: Path) -> bool:
    """A folder above the cache that nobody else can rename the cache out of: this user's
    or the system's, and writable by nobody else unless only owners may rename in it (the
    sticky bit, as on /tmp)."""
    found = os.stat(path)
    return (found.st_uid in (os.geteuid(), 0)
            and (not found.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
                 or bool(found.st_mode & stat.S_ISVTX)))


@functools.cache
def source_hash(module_file: str) -> str | None:
    """A hash of a module's source, to name what it made: a change to the code that made an
    entry makes it anew. None (keep no entries) when the source cannot be read, since then
    a change could not be told apart."""
    try:
        return hashlib.sha256(Path(module_file).read_bytes()).hexdigest()
    except OSError:
        return None


def read_sealed(folder: Path, key: str, limit: int) -> bytes | None:
    """What ``write_sealed`` stored under ``key``; None when there is no such entry, or it
    is damaged (its hash does not match what follows it)."""
    entry = read_entry(folder, key, limit)
    if entry is None:
        return None
    digest, _, payload = entry.partition(b"\n")
    return payload if digest == hashlib.sha256(payload).hexdigest().encode() else None


def write_sealed(folder: Path, key: str, payload: bytes) -> None:
    """Store ``payload`` under ``key`` behind a line holding its SHA-256."""
    write_entry(folder, key, hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)


def read_entry(folder: Path, key: str, limit: int) -> bytes | None:
    """The entry stored under ``key``; None when there is none, it cannot be read, it is
    not a regular file of this user's with no other name (a link, a pipe, a device), or it
    is larger than ``limit`` bytes."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        handle = os.open(folder / key, flags)
    except OSError:
        return None
    try:
        found = os.fstat(handle)
        if not (stat.S_ISREG(found.st_mode) and found.st_uid == os.geteuid()
                and found.st_nlink == 1):
            return None
        with os.fdopen(handle, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)
        if len(data) > limit:
            return None
        with contextlib.suppress(OSError):
            os.utime(handle)  # used now: the sweep keeps what is used
    except OSError:
        return None
    finally:
        os.close(handle)
    return data


def write_entry(folder: Path, key: str, data: bytes) -> None:
    """Store ``data`` under ``key`` whole or not at all: another process reading the entry
    meanwhile (a batch's workers) sees the old state or the new, never half a file."""
    try:
        handle, partial = tempfile.mkstemp(dir=folder, prefix=f"{key}.", suffix=".partial")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(partial, folder / key)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        return
    if folder in _in_use and folder.parent not in _swept:  # a folder of the cache's own
        _swept.add(folder.parent)
        sweep(folder.parent, time.time())


def sweep(base: Path, now: float) -> list[Path]:
    """Remove from each folder of the cache ``base`` the entries not used for KEPT_DAYS,
    all but the ENTRIES_KEPT used last, and half-written ones left for PARTIAL_HOURS; then
    the folder, if that left it empty and this process does not use it. Only this user's
    own folders are entered and only their regular files removed, never through a link;
    what cannot be removed is left. The removed files, for the tests."""
    removed: list[Path] = []
    try:
        with os.scandir(base) as listing:
            folders = [Path(entry.path) for entry in listing
                       if entry.is_dir(follow_symlinks=False)]
    except OSError:
        return removed
    for folder in folders:
        try:
            if not _private(folder):
                continue
            gone = _sweep_folder(folder, now)
        except OSError:
            continue
        removed += gone
        if gone and folder not in _in_use:  # emptied now, and not one this process uses
            with contextlib.suppress(OSError):
                os.rmdir(folder)  # only if empty
    return removed


def _sweep_folder(folder: Path, now: float) -> list[Path]:
    entries: list[tuple[float, Path]] = []
    with os.scandir(folder) as listing:
        for entry in listing:
            with contextlib.suppress(OSError):
                found = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(found.st_mode) and found.st_uid == os.geteuid():
                    entries.append((found.st_mtime, Path(entry.path)))
    entries.sort(reverse=True)  # the last used first
    removed = []
    for index, (written, path) in enumerate(entries):
        age = now - written
        if (index >= ENTRIES_KEPT or age > KEPT_DAYS * 86400
                or (path.name.endswith(".partial") and age > PARTIAL_HOURS * 3600)):
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed.append(path)
    return removed

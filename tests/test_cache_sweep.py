"""The cache folder does not grow for ever (leaflet/cache.py): entries of templates since
edited, or of an older leaflet, are never read again, so the first write of a process
removes what was not used for a month, keeps each folder's 2,000 used last, and leaves
alone whatever is not the user's own plain file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import BACLOFEN, ROOT

from leaflet import cache
from leaflet.cache import read_entry, sweep, write_entry

DAY = 86400


def entry(folder: Path, name: str, age_days: float, data: bytes = b"x") -> Path:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    when = time.time() - age_days * DAY
    os.utime(path, (when, when))
    return path


@pytest.fixture
def base(tmp_path) -> Path:
    folder = tmp_path / "leaflet"
    folder.mkdir(mode=0o700)
    return folder


def test_what_was_not_used_for_a_month_goes_and_the_rest_stays(base):
    folder = base / "templates"
    old = entry(folder, "old", 31)
    recent = entry(folder, "recent", 29)
    left = entry(folder, "key.abc.partial", 2 / 24)  # its writer died two hours ago
    writing = entry(folder, "key.def.partial", 1 / 24 / 60)  # being written now
    assert sorted(sweep(base, time.time())) == sorted([old, left])
    assert sorted(p.name for p in folder.iterdir()) == ["key.def.partial", "recent"]
    assert recent.exists() and writing.exists()


def test_each_folder_keeps_the_entries_used_last(base, monkeypatch):
    monkeypatch.setattr(cache, "ENTRIES_KEPT", 3)
    folder = base / "patterns"
    for age in range(5):
        entry(folder, f"e{age}", age)
    removed = sweep(base, time.time())
    assert sorted(p.name for p in removed) == ["e3", "e4"]
    assert sorted(p.name for p in folder.iterdir()) == ["e0", "e1", "e2"]


def test_a_folder_left_empty_goes_and_an_old_version_s_folder_with_it(base):
    entry(base / "templates-cpython-311-jinja3.1.6-0123456789abcdef", "a", 40)
    entry(base / "templates-cpython-311-jinja3.1.6-0123456789abcdef", "b", 45)
    entry(base / "catalogues", "c", 1)
    sweep(base, time.time())
    assert sorted(p.name for p in base.iterdir()) == ["catalogues"]


def test_a_folder_made_for_a_write_to_come_or_in_use_is_kept(base, monkeypatch):
    """The regular-expression cache makes its folder when the command starts and writes
    to it when the command ends: a sweep in between must not remove it."""
    (base / "patterns").mkdir(mode=0o700)  # made, nothing written yet
    used = base / "catalogues"
    entry(used, "old", 40)
    monkeypatch.setattr(cache, "_in_use", {used})
    sweep(base, time.time())
    assert (base / "patterns").is_dir() and used.is_dir() and not (used / "old").exists()


def test_nothing_but_the_users_own_plain_files_in_their_own_folders_is_touched(
        base, tmp_path):
    outside = tmp_path / "outside"
    target = entry(outside, "kept", 90)
    folder = base / "templates"
    entry(folder, "old", 90)
    (folder / "link").symlink_to(target)  # an old file, reached through a link
    os.utime(folder / "link", (0, 0), follow_symlinks=False)
    inner = folder / "inner"
    entry(inner, "deep", 90)  # a folder inside a cache folder is not the cache's
    (base / "linked").symlink_to(outside, target_is_directory=True)
    shared = base / "shared"
    entry(shared, "old", 90)
    shared.chmod(0o777)  # others may write here: not the user's alone
    os.mkfifo(folder / "pipe")
    sweep(base, time.time())
    assert target.exists() and (folder / "link").is_symlink()
    assert (inner / "deep").exists() and (shared / "old").exists()
    assert (folder / "pipe").exists() and not (folder / "old").exists()


def test_a_read_marks_an_entry_used(base):
    folder = base / "catalogues"
    path = entry(folder, "used", 40, b"payload")
    assert read_entry(folder, "used", 100) == b"payload"
    assert time.time() - path.stat().st_mtime < 60
    sweep(base, time.time())
    assert path.exists()


def test_a_process_sweeps_once_at_its_first_write(base, monkeypatch):
    swept: list[Path] = []
    folder = base / "patterns"
    folder.mkdir(mode=0o700)
    monkeypatch.setattr(cache, "_swept", set())
    monkeypatch.setattr(cache, "_in_use", {folder, base / "catalogues"})
    monkeypatch.setattr(cache, "sweep", lambda where, now: swept.append(where) or [])
    write_entry(base / "catalogues", "c", b"3")  # cannot be written (no folder): no sweep
    write_entry(folder, "a", b"1")
    write_entry(folder, "b", b"2")
    assert swept == [base]


def test_only_a_folder_the_cache_gave_is_swept_around(tmp_path, monkeypatch):
    """Entries written to any other folder (a test's own) leave its neighbours alone."""
    monkeypatch.setattr(cache, "_swept", set())
    old = entry(tmp_path / "neighbour", "old", 90)
    (tmp_path / "mine").mkdir()
    write_entry(tmp_path / "mine", "a", b"1")
    assert old.exists() and (tmp_path / "mine" / "a").read_bytes() == b"1"


def test_a_build_sweeps_the_cache_it_writes_to(tmp_path):
    """A build in a process of its own, with an empty cache but for a folder an older
    leaflet left a month and a half ago: it stores its templates and removes that."""
    home = tmp_path / "cache"
    old = entry(home / "leaflet" / "templates-cpython-311-jinja0.0-0123456789abcdef",
                "compiled", 45)
    run = subprocess.run([sys.executable, "-m", "leaflet", "build", str(BACLOFEN), "-o",
                          str(tmp_path / "b.pdf")], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "XDG_CACHE_HOME": str(home)}, timeout=120)
    assert run.returncode == 0, run.stderr
    assert not old.parent.exists()
    kept = [p.name for p in (home / "leaflet").iterdir()]
    assert any(name.startswith("templates-") for name in kept), kept
    assert all(any(folder.iterdir()) for folder in (home / "leaflet").iterdir())

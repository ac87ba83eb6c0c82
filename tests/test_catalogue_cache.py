"""A catalogue parsed by one run is not parsed again by the next (render/wording.py keeps
it in the user's cache folder), yet an edited catalogue is never read stale and a cache
that cannot be used only costs time."""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import stat
import time
from pathlib import Path

import pytest
from conftest import BACLOFEN, fresh_python

from leaflet.cache import cache_folder
from leaflet.errors import TemplateError
from leaflet.render import wording
from leaflet.render.templates import builtin_root
from leaflet.render.wording import CATALOGUE, read_catalogue

PO = """msgid ""
msgstr ""
"Language: es\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
"X-Native-Review: {review}\\n"

msgid "Leaflet revised %(date)s"
msgstr "{revised}"

msgctxt "dose unit"
msgid "mg"
msgstr "mg"

msgid "%(count)s tablet"
msgid_plural "%(count)s tablets"
msgstr[0] "%(count)s comprimido"
msgstr[1] "%(count)s comprimidos"
"""


def parse(path: Path):
    """A read as a new process makes it: this process's own memory of the file left out."""
    return read_catalogue.__wrapped__(path, path.stat().st_mtime_ns)


def write_po(folder: Path, revised: str = "Revisado %(date)s", review: str = "yes") -> Path:
    path = folder / "es" / CATALOGUE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PO.format(revised=revised, review=review), "utf-8")
    return path


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "leaflet" / "catalogues"


def stored(cache: Path) -> list[Path]:
    return sorted(cache.iterdir()) if cache.is_dir() else []


def test_a_catalogue_read_from_the_cache_is_the_one_parsed(tmp_path, cache):
    path = write_po(tmp_path)
    fresh = parse(path)
    assert len(stored(cache)) == 1
    again = parse(path)
    assert again.messages == fresh.messages == {
        "Leaflet revised %(date)s": "Revisado %(date)s", ("dose unit", "mg"): "mg",
        "%(count)s tablet": ("%(count)s comprimido", "%(count)s comprimidos")}
    assert list(again.messages) == list(fresh.messages)
    assert again.locale == fresh.locale and str(again.locale) == "es"
    assert [again.plural(n) for n in range(4)] == [fresh.plural(n) for n in range(4)] == \
        [1, 0, 1, 1]
    assert again.reviewed and fresh.reviewed
    assert again.path == path


def test_every_shipped_catalogue_reads_the_same_from_the_cache(cache):
    paths = sorted(builtin_root().glob(f"*/locales/*/{CATALOGUE.as_posix()}"))
    assert len(paths) > 5
    for path in paths:
        fresh, again = parse(path), parse(path)
        assert (again.messages, again.locale, again.reviewed) == \
            (fresh.messages, fresh.locale, fresh.reviewed), path
        assert [again.plural(n) for n in range(30)] == [fresh.plural(n) for n in range(30)]
    assert len(stored(cache)) == len({p.read_bytes() for p in paths})


def test_an_edited_catalogue_is_read_afresh_even_with_its_old_time_and_size(tmp_path, cache):
    path = write_po(tmp_path, "Revisado %(date)s")
    assert parse(path).messages["Leaflet revised %(date)s"] == "Revisado %(date)s"
    times = os.stat(path)
    write_po(tmp_path, "Revisada %(date)s")
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert parse(path).messages["Leaflet revised %(date)s"] == "Revisada %(date)s"
    write_po(tmp_path, "Revisado %(date)s", review="no")
    assert not parse(path).reviewed


def test_a_catalogue_that_fails_is_not_stored_and_fails_every_time(tmp_path, cache):
    path = write_po(tmp_path, "Revisado %s")
    for _ in range(2):
        with pytest.raises(TemplateError, match="may fill in only the names"):
            parse(path)
    assert stored(cache) == []


def entry_of(payload: bytes) -> bytes:
    """An entry as the cache writes one: its JSON's SHA-256, a line end, the JSON."""
    return hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


def test_a_damaged_entry_is_parsed_again_and_replaced(tmp_path, cache):
    path = write_po(tmp_path)
    fresh = parse(path)
    [entry] = stored(cache)
    whole = entry.read_bytes()
    digest, _, payload = whole.partition(b"\n")
    reworded = payload.replace(b"Revisado", b"Revocado")
    assert reworded != payload
    for damage in (b"", b"\xff\x00garbage", whole[:20], digest + b"\n" + reworded,
                   entry_of(b"[1, 2]"), entry_of(b'{"locale": null, "plural": "n", "messages": 5}'),
                   entry_of(payload.replace(b'"plural": "', b'"plural": "(')),
                   entry_of(b"(" * 100_000), b"(" + b"\xff" * 4):
        entry.write_bytes(damage)
        again = parse(path)
        assert again.messages == fresh.messages
        assert [again.plural(n) for n in range(4)] == [fresh.plural(n) for n in range(4)]
        assert entry.read_bytes() == whole


@pytest.mark.parametrize("kind", ["link", "pipe", "folder", "too-large"])
def test_an_entry_that_is_no_plain_file_is_not_read(tmp_path, cache, kind):
    path = write_po(tmp_path)
    fresh = parse(path)
    [entry] = stored(cache)
    whole = entry.read_bytes()
    entry.unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(whole)
    if kind == "link":
        entry.symlink_to(elsewhere)
    elif kind == "pipe":
        os.mkfifo(entry)
    elif kind == "folder":
        entry.mkdir()
    else:
        entry.write_bytes(entry_of(b" " * 5_000_000))
    started = time.monotonic()
    assert parse(path).messages == fresh.messages
    assert time.monotonic() - started < 5
    assert elsewhere.read_bytes() == whole  # a link is replaced, never written through
    if kind != "folder":
        assert entry.is_file() and not entry.is_symlink() and entry.read_bytes() == whole


def test_entries_of_other_code_are_not_read(tmp_path, cache, monkeypatch):
    """A change to the code that parses and checks catalogues parses them afresh."""
    path = write_po(tmp_path)
    parse(path)
    monkeypatch.setattr(wording, "_made_by", lambda: b"other code")
    parse(path)
    assert len(stored(cache)) == 2


def test_the_cache_is_the_user_s_alone_and_a_relative_place_is_not_used(tmp_path, cache,
                                                                       monkeypatch):
    parse(write_po(tmp_path))
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    assert cache_folder("catalogues") == tmp_path / "home" / ".cache" / "leaflet" / "catalogues"
    assert not (tmp_path / "relative").exists()


def test_a_cache_that_cannot_be_written_costs_no_build(tmp_path, monkeypatch):
    """In a process of its own, so that nothing this one has read already stands in."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be", "utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    out = tmp_path / "out.pdf"
    script = f"""
from leaflet.render import wording
from leaflet.build import build
looked = []
folder = wording.cache_folder
wording.cache_folder = lambda name: looked.append(name) or folder(name)
result = build({str(BACLOFEN)!r}, {str(out)!r})
print(result.pages, looked.count("catalogues"), len(result.pdf))
"""
    pages, looked, size = map(int, fresh_python(script).split()[-3:])
    assert pages > 1 and looked >= 1
    assert out.stat().st_size == size
    assert blocked.read_text("utf-8") == "a file where the cache folder would be"


def test_a_build_with_its_catalogues_stored_imports_no_gettext_parser(tmp_path, monkeypatch):
    """Nor what only a mistake in a file or another platform needs (difflib's suggestions,
    the socket module for the machine's name)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    script = f"""
import json, sys
from leaflet.build import build
result = build({str(BACLOFEN)!r}, {str(tmp_path / "out.pdf")!r})
print(json.dumps([result.pages, sorted(m for m in sys.modules if m.split(".")[0] in
                                       ("babel.messages", "email", "difflib", "socket")
                                       or m.startswith("babel.messages"))]))
"""
    first_pages, first = json.loads(fresh_python(script).splitlines()[-1])
    first_pdf = (tmp_path / "out.pdf").read_bytes()
    pages, modules = json.loads(fresh_python(script).splitlines()[-1])
    assert "babel.messages.pofile" in first
    assert modules == []
    assert pages == first_pages
    assert (tmp_path / "out.pdf").read_bytes() == first_pdf


def test_a_folder_others_may_write_in_is_not_used(tmp_path, cache):
    """Whoever can write in the folder could change the words a leaflet prints: such a
    folder is neither read nor written, and the catalogue is parsed as if none existed."""
    path = write_po(tmp_path)
    fresh = parse(path)
    [entry] = stored(cache)
    payload = entry.read_bytes().partition(b"\n")[2]
    entry.write_bytes(entry_of(payload.replace(b"Revisado", b"Revocado")))
    assert parse(path).messages["Leaflet revised %(date)s"] == "Revocado %(date)s"  # own folder
    for folder in (cache, cache.parent):
        folder.chmod(0o777)
        assert parse(path).messages == fresh.messages
        folder.chmod(0o700)
    cache.rename(tmp_path / "moved")
    cache.symlink_to(tmp_path / "moved")
    assert parse(path).messages == fresh.messages


COUNT_COMPILES = """
import sys
import jinja2
from leaflet.build import build
compiled = []
compile_ = jinja2.Environment.compile
jinja2.Environment.compile = lambda self, *a, **k: compiled.append(1) or compile_(self, *a, **k)
result = build({content!r}, {out!r})
print(len(compiled), result.pages)
"""


def test_compiled_templates_are_kept_sealed_and_never_unpickled(tmp_path, monkeypatch):
    """A later process takes the compiled templates instead of compiling again; a damaged
    entry, or one written as Jinja's own cache writes them (which unpickles what it reads,
    running the code of whoever wrote it), is compiled afresh and never run."""
    import pickle

    import jinja2.bccache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out = tmp_path / "out.pdf"
    script = COUNT_COMPILES.format(content=str(BACLOFEN), out=str(out))
    first, pages = map(int, fresh_python(script).split()[-2:])
    built = out.read_bytes()
    assert first > 0
    assert fresh_python(script).split()[-2:] == ["0", str(pages)]
    assert out.read_bytes() == built
    [folder] = (tmp_path / "cache" / "leaflet").glob("templates-*")
    entries = sorted(folder.iterdir())
    assert len(entries) == first

    class Planted:
        def __reduce__(self):
            return (open, (str(tmp_path / "ran"), "w"))

    for index, entry in enumerate(entries):
        whole = entry.read_bytes()
        entry.write_bytes(jinja2.bccache.bc_magic + pickle.dumps(Planted()) if index % 2
                          else whole[:-1] + bytes([whole[-1] ^ 0xFF]))
    assert fresh_python(script).split()[-2:] == [str(first), str(pages)]
    assert not (tmp_path / "ran").exists()
    assert out.read_bytes() == built


def test_no_cache_without_a_home_or_above_a_folder_others_may_write_in(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", "")
    monkeypatch.chdir(tmp_path)
    assert cache_folder("catalogues") is None
    for base in ("/", str(tmp_path / "open" / "cache")):
        monkeypatch.setenv("XDG_CACHE_HOME", base)
        (tmp_path / "open").mkdir(exist_ok=True)
        (tmp_path / "open").chmod(0o777)  # anyone could rename the cache and put theirs
        assert cache_folder("catalogues") is None
    (tmp_path / "open").chmod(0o1777)  # only owners may rename in it, as in /tmp
    assert cache_folder("catalogues") == tmp_path / "open" / "cache" / "leaflet" / "catalogues"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["open"]


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_an_entry_another_user_wrote_is_not_read(tmp_path, cache):
    path = write_po(tmp_path)
    fresh = parse(path)
    [entry] = stored(cache)
    payload = entry.read_bytes().partition(b"\n")[2]
    entry.write_bytes(entry_of(payload.replace(b"Revisado", b"Revocado")))
    os.chown(entry, 4242, 4242)
    assert parse(path).messages == fresh.messages


def test_a_sealed_entry_that_holds_no_code_is_compiled_afresh(tmp_path, monkeypatch):
    from leaflet.cache import write_sealed
    from leaflet.render.templates import _CompiledTemplates

    folder = tmp_path / "compiled"
    folder.mkdir()
    cache = _CompiledTemplates(folder)

    class Bucket:
        key, checksum, code = "k", "c", None

    write_sealed(folder, "k", b"c\n" + marshal.dumps(1))
    cache.load_bytecode(Bucket)
    assert Bucket.code is None
    write_sealed(folder, "k", b"c\n" + marshal.dumps(compile("1", "x", "eval")))
    cache.load_bytecode(Bucket)
    assert Bucket.code is not None

"""A `leaflet` process does not compile again the regular expressions an earlier run's
imports compiled (leaflet/regex_cache.py), yet every pattern it is given is the one Python
would compile, and an entry that cannot be used only costs time."""

from __future__ import annotations

import _sre
import json
import marshal
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BACLOFEN, ROOT, RUN_AS_PROCESS, fresh_python

from leaflet import regex_cache
from leaflet.cache import write_sealed

pytestmark = pytest.mark.skipif(sys.version_info < (3, 11),
                                reason="the cache is off before Python 3.11 (no re._compiler)")

# Runs the CLI as `python -m leaflet` does, and prints what re's compiler compiled in it.
COUNTING = """
import json, sys
from re import _compiler
compiled = []
original = _compiler.compile
def counted(pattern, flags=0):
    compiled.append(pattern if isinstance(pattern, str) else repr(pattern))
    return original(pattern, flags)
_compiler.compile = counted
""" + RUN_AS_PROCESS.replace("{", "{{").replace("}", "}}") + """
def report(code):
    print(json.dumps({{"code": code, "compiled": compiled}}), flush=True)
sys.argv[1:] = {argv!r}
run_as_process(report)
"""


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "leaflet" / "patterns"


def run_counting(*argv: str) -> tuple[int, list[str]]:
    found = json.loads(fresh_python(COUNTING.format(argv=list(argv))).splitlines()[-1])
    return found["code"], found["compiled"]


def entry(cache: Path) -> tuple[Path, tuple, dict]:
    (path,) = cache.iterdir()
    programs, uses, costs = marshal.loads(path.read_bytes().partition(b"\n")[2])
    assert len(costs) == len(programs) and all(seconds >= 0 for seconds in costs)
    return path, programs, uses


def test_a_second_build_compiles_none_of_what_its_imports_compiled_the_first_time(
        cache, tmp_path):
    code, first = run_counting("build", str(BACLOFEN), "-o", str(tmp_path / "1.pdf"))
    assert code == 0
    uri = next(pattern for pattern in first if "://" in pattern and "localhost" in pattern)
    code, second = run_counting("build", str(BACLOFEN), "-o", str(tmp_path / "2.pdf"))
    assert code == 0
    assert uri not in second
    assert len(second) < len(first) / 3, (len(first), len(second))
    assert (tmp_path / "1.pdf").read_bytes() == (tmp_path / "2.pdf").read_bytes()
    _, programs, uses = entry(cache)
    assert list(uses) == ["build"] and len(uses["build"]) == len(programs) > 100


def test_each_command_keeps_its_own_patterns_and_an_unchanged_run_writes_nothing(
        cache, tmp_path):
    code, first = run_counting("check", str(BACLOFEN))
    assert code == 0
    _, _, uses = entry(cache)
    assert list(uses) == ["check"]
    assert run_counting("build", str(BACLOFEN), "-o", str(tmp_path / "1.pdf"))[0] == 0
    path, programs, uses = entry(cache)
    assert sorted(uses) == ["build", "check"]
    assert set(uses["check"]) - set(uses["build"])  # each has patterns the other lacks
    assert set(uses["build"]) - set(uses["check"])
    assert sorted(set(uses["build"]) | set(uses["check"])) == list(range(len(programs)))
    written, stored = path.stat(), path.read_bytes()
    _, again = run_counting("check", str(BACLOFEN))
    # not written again (reading it only marks it used, for the cache's sweep)
    assert path.stat().st_ino == written.st_ino and path.read_bytes() == stored
    assert len(again) < len(first) / 2, (len(first), len(again))


def test_a_command_whose_patterns_another_command_stored_is_not_written_every_run(
        cache, tmp_path):
    """`check` after a build finds most of its patterns stored already; what it then
    compiles on every run (patterns made from sets) is measured against all it uses."""
    assert run_counting("build", str(BACLOFEN), "-o", str(tmp_path / "1.pdf"))[0] == 0
    assert run_counting("check", str(BACLOFEN))[0] == 0
    path, _, uses = entry(cache)
    assert sorted(uses) == ["build", "check"]
    written = path.stat()
    for _ in range(2):
        assert run_counting("check", str(BACLOFEN))[0] == 0
        assert path.stat().st_ino == written.st_ino


def test_every_stored_program_is_the_one_python_compiles_from_its_pattern(cache, tmp_path):
    assert run_counting("build", str(BACLOFEN), "-o", str(tmp_path / "1.pdf"))[0] == 0
    from re import _compiler

    _, programs, _ = entry(cache)
    for pattern, flags, *rest in programs:
        assert _sre.compile(pattern, *rest) == _compiler.compile(pattern, flags), pattern


@pytest.mark.parametrize(("pattern", "flags", "text"), [
    (r"(?P<dose>\d+(?:\.\d+)?)\s*(?P<unit>mg|mL)\b", 0, "take 2.5 mL twice"),
    (r"[a-z\xa1-\uffff0-9]+", re.IGNORECASE, "Übel ÉTÉ straße"),
    (rb"(\d+) (\d+) R\b", 0, b"obj 12 0 R"),
    (r"""(?x) ^ (?P<h>\d{1,2}) : (\d{2})  # a time of day""", 0, "08:30"),
    (r"(?<![\w-])tablets?(?!\w)", re.ASCII, "half a tablet"),
    (r"a*+b", 0, "aaab"),
])
def test_a_program_built_again_matches_as_the_compiled_pattern_does(pattern, flags, text):
    program = regex_cache._program(pattern, flags)
    assert program is not None
    rebuilt = _sre.compile(program[0], *program[2:])
    compiled = re.compile(pattern, flags)
    assert rebuilt == compiled
    assert rebuilt.groupindex == compiled.groupindex and rebuilt.flags == compiled.flags
    found, expected = rebuilt.search(text), compiled.search(text)
    assert expected is not None and found is not None
    assert found.groups() == expected.groups() and found.span() == expected.span()


SEEDED = """
import json, re
from leaflet import regex_cache
before = set(re._cache)
cache = regex_cache.start()
if cache is not None:
    cache.stop()
print(json.dumps({"started": cache is not None,
                  "seeded": [key[1] for key in re._cache if key not in before]}))
"""


def planted(cache: Path, payload: bytes) -> None:
    key = regex_cache._entry_key(_sre.MAGIC, _sre.CODESIZE)
    cache.mkdir(parents=True, mode=0o700)
    write_sealed(cache, key, payload)


@pytest.mark.parametrize("payload", [
    b"not marshal at all",
    marshal.dumps(("a tuple", "of the wrong shape", ())),
    marshal.dumps(((("x+", 0, 0, ["not", "code"], 0, {}, (None,)),), {"build": (0,)}, (0.1,))),
    marshal.dumps(((("x+", 0, 32, [999_999, 1, 2], 0, {}, (None,)),), {"build": (0,)},
                   (0.1,))),
    marshal.dumps(((regex_cache._program("x+", 0),), {"build": (0, 1)}, (0.1,))),
])
def test_an_entry_this_code_cannot_use_seeds_nothing_and_is_replaced(cache, tmp_path, payload):
    planted(cache, payload)
    found = json.loads(fresh_python(SEEDED))
    assert found == {"started": True, "seeded": []}
    assert run_counting("check", str(BACLOFEN))[0] == 0
    _, programs, uses = entry(cache)
    assert list(uses) == ["check"] and len(programs) > 50


def test_an_entry_whose_seal_is_broken_is_not_read(cache):
    program = regex_cache._program("x+", 0)
    assert program is not None
    planted(cache, marshal.dumps(((program,), {"build": (0,)}, (0.001,))))
    assert "x+" in json.loads(fresh_python(SEEDED))["seeded"]
    (path,) = cache.iterdir()
    digest, _, payload = path.read_bytes().partition(b"\n")
    path.write_bytes(digest + b"\n" + payload.replace(b"x+", b"y+"))
    assert json.loads(fresh_python(SEEDED)) == {"started": True, "seeded": []}


def test_without_a_cache_folder_a_build_compiles_as_before(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert json.loads(fresh_python(SEEDED)) == {"started": False, "seeded": []}
    result = subprocess.run([sys.executable, "-m", "leaflet", "build", str(BACLOFEN), "-o",
                             str(tmp_path / "1.pdf")], cwd=ROOT, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "1.pdf").read_bytes().startswith(b"%PDF-")

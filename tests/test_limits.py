"""A hostile or broken template set is stopped by the operating system, within its time and
memory limits, with one line naming the set, the limit and how to raise it; results and
errors of a normal build come back from the limited process intact."""

from __future__ import annotations

import pickle
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import BACLOFEN, ROOT

from leaflet import limits
from leaflet.build import BuildOptions, build_pdf
from leaflet.cli import main
from leaflet.errors import LimitError, Problem, TemplateError
from leaflet.limits import ChildTraceback, Limits, limit_error, run_limited
from leaflet.resources import data_dir

STORAGE = (data_dir("templates") / "default/sections/storage.xml.j2").read_text("utf-8")
SPIN = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
STARTUP = 4.0  # seconds a build may take besides the limited work, on a slow CI machine
# The time limit counts CPU seconds: on a machine shared with other work the clock runs
# further, up to the wall-clock limit (twice the time limit and 5 s).
SMALL = ["--time-limit", "1", "--memory-limit", "300"]
ADVICE_TIME = "if you trust the set, allow more with --time-limit SECONDS"
ADVICE_MEMORY = "if you trust the set, allow more with --memory-limit MB"


def hostile_set(folder: Path, snippet: str, **files: str) -> Path:
    """A set whose storage section starts with ``snippet`` (on line 2), plus ``files``."""
    (folder / "sections").mkdir(parents=True)
    (folder / "sections/storage.xml.j2").write_text(
        STORAGE.replace("<ul>", snippet + "\n<ul>", 1), "utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, "utf-8")
    return folder


@dataclass
class Run:
    code: int
    err: str
    seconds: float  # on the clock
    cpu: float  # CPU seconds of the build and the processes it waited for
    peak_mb: float  # their largest resident set


# Runs a command and reports its exit status and resource use. The measuring process is
# small and the command is forked from it: Linux carries a process's peak memory across
# exec, so a command forked straight from this test process (hundreds of MB by now) would
# report the test process's peak as its own.
MEASURE = """
import os, subprocess, sys, time
timeout = float(sys.argv[1])
start = time.perf_counter()
process = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL)
while True:
    pid, status, usage = os.wait4(process.pid, os.WNOHANG)
    if pid:
        break
    if time.perf_counter() - start > timeout:
        process.kill()
        _, status, usage = os.wait4(process.pid, 0)
        break
    time.sleep(0.02)
print(os.waitstatus_to_exitcode(status), time.perf_counter() - start,
      usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, file=sys.stdout)
"""


def leaflet(*args: str, timeout: float = 60) -> Run:
    """`leaflet ARGS` as a fresh process; its peak memory from wait4, which covers the
    limited child too (a reaped child's high-water mark passes to its parent)."""
    measured = subprocess.run([sys.executable, "-c", MEASURE, str(timeout), sys.executable,
                               "-m", "leaflet", *args], cwd=ROOT, capture_output=True,
                              text=True, timeout=timeout + 30)
    code, seconds, cpu, peak_mb = measured.stdout.split()
    return Run(int(code), measured.stderr, float(seconds), float(cpu), float(peak_mb))


def without_warnings(err: str) -> list[str]:
    """stderr but the content's warnings (baclofen's placeholders), which other tests cover."""
    return [line for line in err.splitlines() if not line.startswith("warning: ")]


def errors(run: Run) -> list[str]:
    return without_warnings(run.err)


HOSTILE = {
    "loop in an included non-.j2 file": (
        "{% include 'loop.txt' %}", {"loop.txt": SPIN},
        "time limit of 1 s of CPU time, in loop.txt:1", ADVICE_TIME),
    "loop in an imported macro": (
        "{% import 'macros.txt' as m %}{{ m.spin() }}",
        {"macros.txt": "{% macro spin() %}" + SPIN + "{% endmacro %}"},
        "time limit of 1 s of CPU time, in macros.txt:1", ADVICE_TIME),
    "lipsum(10**8)": (
        "{{ lipsum(10**8) }}", {},
        "time limit of 1 s of CPU time, in sections/storage.xml.j2:2", ADVICE_TIME),
    "'a'.ljust(10**9)": (
        "{{ 'a'.ljust(10**9)|length }}", {},
        "memory limit of 300 MB, in sections/storage.xml.j2:2", ADVICE_MEMORY),
    "string doubling": (
        "{% set ns = namespace(s='a') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}{{ ns.s|length }}", {},
        "memory limit of 300 MB, in sections/storage.xml.j2:2", ADVICE_MEMORY),
    "paragraphs too many to lay out in time": (
        "{% for i in range(240) %}<p>{{ 'word ' * 3999 }}</p>{% endfor %}", {},
        "time limit of 1 s of CPU time", ADVICE_TIME),
}


@pytest.mark.parametrize(("snippet", "files", "limit", "advice"), HOSTILE.values(),
                         ids=HOSTILE.keys())
def test_a_hostile_set_is_stopped_at_its_limit_with_one_line(tmp_path, snippet, files, limit,
                                                            advice):
    clinic = hostile_set(tmp_path / "clinic", snippet, **files)
    out = tmp_path / "out.pdf"
    run = leaflet("build", str(BACLOFEN), "--template", str(clinic), "-o", str(out), *SMALL)
    assert errors(run) == [f"error: {clinic}: template set stopped at its {limit}; {advice}"]
    assert run.code == 1
    assert run.cpu < 1 + STARTUP and run.seconds < Limits(seconds=1).wall_seconds + STARTUP
    assert run.peak_mb < 300
    assert not out.exists()


def test_defaults_stop_an_endless_loop_within_ten_seconds_and_a_gigabyte(tmp_path):
    clinic = hostile_set(tmp_path / "clinic", SPIN)
    doubling = hostile_set(tmp_path / "doubling", HOSTILE["string doubling"][0])
    run = leaflet("build", str(BACLOFEN), "--template", str(clinic), "-o", str(tmp_path / "a"))
    assert errors(run) == [f"error: {clinic}: template set stopped at its time limit of 10 s "
                           f"of CPU time, in sections/storage.xml.j2:2; {ADVICE_TIME}"]
    assert run.code == 1 and run.cpu < 10 + STARTUP
    assert run.seconds < Limits().wall_seconds + STARTUP
    # The CPU limit stops it, or on a machine too busy to give it 10 s of CPU in time, the
    # wall clock does: either way the operating system ended it, not the template.
    assert run.cpu >= 10 or run.seconds >= Limits().wall_seconds
    run = leaflet("build", str(BACLOFEN), "--template", str(doubling), "-o", str(tmp_path / "b"))
    assert errors(run) == [f"error: {doubling}: template set stopped at its memory limit of "
                           f"1,024 MB, in sections/storage.xml.j2:2; {ADVICE_MEMORY}"]
    assert run.code == 1 and run.peak_mb < 1024


def test_a_trusted_set_given_more_time_finishes(tmp_path):
    slow = ("{% set ns = namespace(n=0) %}{% for i in range(8) %}{% for j in range(100000) %}"
            "{% set ns.n = ns.n + 1 %}{% endfor %}{% endfor %}")  # about 2 s here
    clinic = hostile_set(tmp_path / "clinic", slow)
    run = leaflet("build", str(BACLOFEN), "--template", str(clinic), "-o",
                  str(tmp_path / "a.pdf"), "--time-limit", "1")
    assert "template set stopped at its time limit of 1 s" in run.err and run.code == 1
    run = leaflet("build", str(BACLOFEN), "--template", str(clinic), "-o",
                  str(tmp_path / "b.pdf"), "--time-limit", "30")
    assert run.code == 0, run.err
    assert (tmp_path / "b.pdf").read_bytes().startswith(b"%PDF-")


def test_a_template_file_over_a_megabyte_is_refused_naming_it(tmp_path):
    clinic = hostile_set(tmp_path / "clinic", "{% include 'big.txt' %}",
                         **{"big.txt": "x" * (1024 * 1024 + 1)})
    run = leaflet("build", str(BACLOFEN), "--template", str(clinic), "-o", str(tmp_path / "a"))
    assert errors(run) == ["error: big.txt: template file is larger than 1 MB; a template holds "
                           "wording and layout, not data"]
    assert run.code == 1 and run.seconds < STARTUP


def test_a_paragraph_of_millions_of_characters_is_refused_naming_template_and_line(tmp_path):
    clinic = hostile_set(tmp_path / "clinic", "<p>{{ 'word ' * 980000 }}</p>")
    run = leaflet("build", str(BACLOFEN), "--template", str(clinic), "-o", str(tmp_path / "a"))
    assert errors(run) == ["error: sections/storage.xml.j2:2: <p> holds 4,900,000 characters "
                           "of text, more than the 20,000 one paragraph may have; split it "
                           "into shorter paragraphs"]
    assert run.code == 1 and run.seconds < STARTUP and run.peak_mb < 300


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--time-limit", "0", "expected a whole number of seconds from 1 to 3600, got '0'"),
    ("--time-limit", "1.5", "expected a whole number of seconds from 1 to 3600, got '1.5'"),
    ("--memory-limit", "100", "expected a whole number of megabytes from 256 to 1048576, "
                              "got '100'"),
    ("--memory-limit", "lots", "expected a whole number of megabytes from 256 to 1048576, "
                               "got 'lots'"),
])
def test_limit_options_are_checked(tmp_path, capsys, option, value, message):
    for command in (["build", str(BACLOFEN)], ["batch", "rx.csv", "--out-dir", "out"]):
        with pytest.raises(SystemExit) as exc:
            main([*command, option, value])
        assert exc.value.code == 2
        assert capsys.readouterr().err.splitlines()[-1].endswith(
            f"error: argument {option}: {message}")


# what comes back from the limited process


def test_a_normal_build_gives_the_same_bytes_however_many_times(baclofen_pdf):
    assert build_pdf(BACLOFEN).pdf == baclofen_pdf


def test_errors_come_back_with_their_type_and_problems():
    problems = [Problem("a.yaml", 3, "key", "wrong"), Problem("b.yaml", None, None, "also")]

    def fail() -> None:
        raise TemplateError(problems)

    with pytest.raises(TemplateError) as exc:
        run_limited(fail, Limits(), lambda stop, exc: limit_error(stop, Limits(), "s"))
    assert exc.value.problems == problems
    assert isinstance(exc.value.__cause__, ChildTraceback)
    assert "in fail" in str(exc.value.__cause__)


class _Unpicklable(Exception):
    def __init__(self, number: int, text: str) -> None:
        super().__init__(text)
        self.lock = pickle  # a module does not pickle


def test_an_exception_that_cannot_cross_keeps_its_name_and_text():
    def fail() -> None:
        raise _Unpicklable(1, "odd")

    with pytest.raises(Exception) as exc:
        run_limited(fail, Limits(), lambda stop, exc: limit_error(stop, Limits(), "s"))
    assert type(exc.value).__name__ == "_Unpicklable" and str(exc.value) == "odd"


def test_an_unexpected_exception_is_an_internal_error_with_the_child_traceback(
        tmp_path, monkeypatch, capsys):
    import leaflet.build

    def broken(*args, **kwargs):
        raise ValueError("layout bug")

    monkeypatch.setattr(leaflet.build, "render", broken)
    out = str(tmp_path / "a.pdf")
    assert main(["build", str(BACLOFEN), "-o", out]) == 3
    assert capsys.readouterr().err.splitlines()[-1] == (
        "internal error: ValueError: layout bug (run again with --debug and report it)")
    with pytest.raises(ValueError, match="layout bug") as exc:
        main(["build", str(BACLOFEN), "-o", out, "--debug"])
    assert "in broken" in str(exc.value.__cause__)


def test_work_stuck_in_c_code_is_ended_by_the_kernel():
    """A regular expression backtracking in C never lets a Python handler run; RLIMIT_CPU
    ends the process a second after the time limit."""
    start = time.perf_counter()
    with pytest.raises(LimitError) as exc:
        run_limited(lambda: re.match(r"(a+)+$", "a" * 40 + "b"), Limits(seconds=1),
                    lambda stop, exc: limit_error(stop, Limits(seconds=1), "s"))
    assert str(exc.value).startswith("s: template set stopped at its time limit of 1 s")
    assert time.perf_counter() - start < 1 + STARTUP


def test_work_that_waits_is_ended_by_the_wall_clock(monkeypatch):
    monkeypatch.setattr(limits, "WALL_GRACE", 0)
    start = time.perf_counter()
    with pytest.raises(LimitError) as exc:
        run_limited(lambda: time.sleep(60), Limits(seconds=1),
                    lambda stop, exc: limit_error(stop, Limits(seconds=1), "s"))
    assert str(exc.value) == ("s: template set stopped at its wall-clock limit of 2 s (twice "
                              f"its time limit, and 0 s more); {ADVICE_TIME}")
    assert 2 <= time.perf_counter() - start < 2 + STARTUP


def test_the_limits_do_not_outlive_the_child():
    before = [resource.getrlimit(r) for r in (resource.RLIMIT_CPU, resource.RLIMIT_AS)]
    assert run_limited(lambda: 42, Limits(), lambda stop, exc: limit_error(stop, Limits(),
                                                                          "s")) == 42
    assert [resource.getrlimit(r) for r in (resource.RLIMIT_CPU, resource.RLIMIT_AS)] == before


def test_build_options_carry_limits(tmp_path):
    clinic = hostile_set(tmp_path / "clinic", SPIN)
    with pytest.raises(LimitError) as exc:
        build_pdf(BACLOFEN, BuildOptions(template=str(clinic), limits=Limits(seconds=1)))
    assert [str(p) for p in exc.value.problems] == [
        f"{clinic}: template set stopped at its time limit of 1 s of CPU time, in "
        f"sections/storage.xml.j2:2; {ADVICE_TIME}"]


# batches


def write_rows(path: Path, names: list[str]) -> Path:
    from test_batch import good_row, write_csv

    return write_csv(path, [{**good_row(n), "name": name} for n, name in enumerate(names, 1)])


def test_a_batch_with_a_hostile_set_fails_every_row_quickly_naming_the_set(tmp_path, capsys):
    clinic = hostile_set(tmp_path / "clinic", SPIN)
    listing = write_rows(tmp_path / "rx.csv", ["Ann Example", "Bo Example", "Cy Example"])
    start = time.perf_counter()
    code = main(["batch", str(listing), "--out-dir", str(tmp_path / "out"), "--template",
                 str(clinic), "--jobs", "2", *SMALL])
    captured = capsys.readouterr()
    assert code == 1
    assert without_warnings(captured.err) == [
        f"error: row {n}: {clinic}: template set stopped at its time limit of 1 s of CPU time, "
        f"in sections/storage.xml.j2:2; {ADVICE_TIME}" for n in (1, 2, 3)]
    assert captured.out.splitlines() == ["built 0 of 3 rows; 3 failed (rows 1, 2, 3)"]
    assert list((tmp_path / "out").iterdir()) == []
    assert time.perf_counter() - start < 2 * Limits(seconds=1).wall_seconds + 2 * STARTUP


def test_a_row_that_hits_a_limit_fails_alone_and_the_batch_goes_on(tmp_path, capsys):
    snippet = ("{% if patient and patient.name == 'Slow Example' %}" + SPIN + "{% endif %}"
               "{% if patient and patient.name == 'Big Example' %}"
               "{{ 'a'.ljust(10**9)|length }}{% endif %}")
    clinic = hostile_set(tmp_path / "clinic", snippet)
    listing = write_rows(tmp_path / "rx.csv", ["Ann Example", "Slow Example", "Big Example",
                                               "Cy Example", "Di Example"])
    code = main(["batch", str(listing), "--out-dir", str(tmp_path / "out"), "--template",
                 str(clinic), "--combined", str(tmp_path / "day.pdf"), *SMALL])
    captured = capsys.readouterr()
    assert code == 1
    assert without_warnings(captured.err) == [
        f"error: row 2: {clinic}: template set stopped at its time limit of 1 s of CPU time, "
        f"in sections/storage.xml.j2:2; {ADVICE_TIME}",
        f"error: row 3: {clinic}: template set stopped at its memory limit of 300 MB, in "
        f"sections/storage.xml.j2:2; {ADVICE_MEMORY}"]
    assert captured.out.splitlines()[0] == "built 3 of 5 rows; 2 failed (rows 2, 3)"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "0001-baclofen.pdf", "0004-baclofen.pdf", "0005-baclofen.pdf"]
    assert (tmp_path / "day.pdf").read_bytes().startswith(b"%PDF-")


def test_a_row_that_hits_a_bug_while_being_checked_fails_alone(tmp_path, capsys, monkeypatch):
    from leaflet.batch import run

    checked = run._patient

    def patient(row, spec, content):
        if row.values["name"] == "Bug Example":
            raise KeyError("surprise")
        return checked(row, spec, content)

    monkeypatch.setattr(run, "_patient", patient)
    listing = write_rows(tmp_path / "rx.csv", ["Ann Example", "Bug Example", "Cy Example"])
    code = main(["batch", str(listing), "--out-dir", str(tmp_path / "out"), "--jobs", "2"])
    captured = capsys.readouterr()
    assert code == 1
    assert without_warnings(captured.err) == [
        f"error: row 2: {listing}:3: internal error: KeyError: 'surprise' (please report it)"]
    assert captured.out.splitlines() == ["built 2 of 3 rows; 1 failed (rows 2)"]
    code = main(["batch", str(listing), "--out-dir", str(tmp_path / "out"), "--debug"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback (most recent call last)" in err and "in patient" in err


def test_a_row_that_hits_a_bug_in_a_worker_fails_alone_and_retires_the_worker(tmp_path,
                                                                              monkeypatch):
    from test_patient import PATIENT

    from leaflet.batch import worker
    from leaflet.batch.jobs import Job
    from leaflet.personal import load_patient
    from leaflet.sources import load_content

    def broken(*args, **kwargs):
        raise ZeroDivisionError("in the layout")

    (tmp_path / "patient.yaml").write_text(PATIENT, "utf-8")
    patient = load_patient(tmp_path / "patient.yaml", load_content(BACLOFEN))
    worker.start_worker("default", None, Limits())
    monkeypatch.setattr(worker, "render", broken)
    try:
        result = worker.build_row(Job(7, BACLOFEN, patient))
        assert [str(p) for p in result.problems] == [
            f"{BACLOFEN}: internal error: ZeroDivisionError: in the layout (please report it)"]
        assert "in broken" in result.trace
        assert "spent" in worker._setup  # the worker serves no further row
    finally:
        worker._setup.clear()

"""`leaflet build` as a process forks once, at once (limits.supervise): the child does the
whole build, its limited parts in itself, and the parent reports what the kernel or a
signal ended it by, as a process doing the work itself would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import BACLOFEN, ROOT
from test_limits import ADVICE_TIME, STARTUP

# A supervisor and its child: the child runs WORK limited, the parent says how it ended.
SUPERVISED = """
import os, re, sys, time
from leaflet import limits
from leaflet.errors import LimitError
from leaflet.limits import Limits, limit_error, run_limited, supervise
limits.WALL_GRACE = {grace}
LIMITS = Limits(seconds=1, memory_mb=300)
try:
    ended = supervise()
except (LimitError, KeyboardInterrupt, RuntimeError) as exc:
    print("parent:", type(exc).__name__, exc, flush=True)
    sys.exit(5)
if ended is not None:
    print("parent: child exited", ended, flush=True)
    sys.exit(0)
try:
    print("child: started", flush=True)
    run_limited(lambda: {work}, LIMITS, lambda stop, exc: limit_error(stop, LIMITS, "s"))
except LimitError as exc:
    print("child:", exc, flush=True)
    sys.exit(4)
except KeyboardInterrupt:
    sys.exit(130)
sys.exit(3)
"""


def supervised(work: str, stop: signal.Signals | None = None,
               grace: int = 0) -> tuple[list[str], float]:
    """The lines the supervisor and its child print, and the seconds it all took; with
    ``stop``, that signal is sent to the supervisor alone once the child has started.
    ``grace``: the wall clock's seconds beyond twice the time limit."""
    start = time.perf_counter()
    script = SUPERVISED.format(work=work, grace=grace)
    process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    lines = [process.stdout.readline().strip()]
    if stop is not None:
        process.send_signal(stop)
    with process.stdout:
        lines += process.stdout.read().splitlines()  # with what readline took in already
    process.wait(timeout=60)
    return lines, time.perf_counter() - start


def test_work_stuck_in_c_code_is_ended_by_the_kernel_and_the_parent_says_so():
    lines, seconds = supervised("sum(range(10**12))", grace=5)  # its loop checks no signal
    assert lines == ["child: started", "parent: LimitError s: template set stopped at its "
                     f"time limit of 1 s of CPU time; {ADVICE_TIME}"]
    assert seconds < 2 + STARTUP


def test_work_that_waits_is_ended_by_the_wall_clock_and_the_parent_says_so():
    lines, seconds = supervised("time.sleep(60)")
    assert lines == ["child: started", "parent: LimitError s: template set stopped at its "
                     "wall-clock limit of 2 s (twice its time limit, and 0 s more); "
                     f"{ADVICE_TIME}"]
    assert 2 <= seconds < 2 + STARTUP


def test_a_child_ended_by_a_signal_no_limit_sends_is_an_internal_error():
    lines, _ = supervised("os.kill(os.getpid(), 9)")
    assert lines == ["child: started", "parent: RuntimeError the process building the "
                     "leaflet was ended by SIGKILL"]


@pytest.mark.parametrize(("work", "limit"), [
    ('re.match(r"(a+)+$", "a" * 40 + "b")', "time limit of 1 s of CPU time"),
    ("sum(1 for _ in iter(int, 1))", "time limit of 1 s of CPU time"),
    ("bytearray(10**10)", "memory limit of 300 MB"),
])
def test_a_limit_python_sees_is_an_error_in_the_child(work, limit):
    lines, _ = supervised(work)
    assert lines[:2] == ["child: started", f"child: s: template set stopped at its {limit}; "
                         "if you trust the set, allow more with " +
                         ("--time-limit SECONDS" if "time" in limit else "--memory-limit MB")]
    assert lines[2:] == ["parent: child exited 4"]


@pytest.mark.parametrize(("stop", "said"), [
    (signal.SIGTERM, "parent: Terminated "),  # the child has no handler: SIGTERM ends it
    (signal.SIGINT, "parent: child exited 130"),  # the child stops as Ctrl-C stops it
])
def test_a_signal_sent_to_the_supervisor_is_passed_on(stop, said):
    lines, seconds = supervised("time.sleep(60)", stop)
    assert lines == ["child: started", said]
    assert seconds < STARTUP


def test_a_build_process_forks_before_it_imports_the_layout_and_its_child_writes(tmp_path):
    script = (
        "import sys\n"
        "from leaflet import limits\n"
        "wait = limits._wait_passing_on\n"
        "def noted(pid, waited):\n"
        "    print('supervisor has reportlab:', 'reportlab' in sys.modules, file=sys.stderr)\n"
        "    return wait(pid, waited)\n"
        "limits._wait_passing_on = noted\n"
        "from leaflet.cli import main\n"
        f"sys.argv[1:] = ['build', {str(BACLOFEN)!r}, '-o', {str(tmp_path / 'a.pdf')!r}]\n"
        "sys.exit(main())\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "supervisor has reportlab: False" in result.stderr.splitlines()
    assert result.stdout.splitlines() == [f"wrote {tmp_path / 'a.pdf'} (7 pages)"]
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF-")


def test_a_build_started_with_sigchld_ignored_still_ends(tmp_path):
    """A process that ignores SIGCHLD passes that on through exec; the supervisor must
    still hear of its child's end (and the kernel must not reap the child for it)."""
    output = tmp_path / "a.pdf"
    result = subprocess.run(
        [sys.executable, "-m", "leaflet", "build", str(BACLOFEN), "-o", str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        preexec_fn=lambda: signal.signal(signal.SIGCHLD, signal.SIG_IGN))
    assert result.returncode == 0, result.stderr
    assert output.read_bytes().startswith(b"%PDF-")


# A supervised child whose work swallows the stop it was sent, as a bare `except:` would.
SWALLOWED = """
import sys, time
from leaflet import limits
ended = limits.supervise()
if ended is not None:
    print("parent: child exited", ended, flush=True)
    sys.exit(0)
with limits.sigterm_as_exception():
    try:
        print("child: started", flush=True)
        time.sleep(30)
    except KeyboardInterrupt:
        pass
    try:
        limits.raise_if_stopped()
    except KeyboardInterrupt:
        print("child: stopped before writing", flush=True)
        sys.exit(130)
sys.exit(0)
"""


def test_a_stop_the_work_swallowed_still_stops_the_build_before_it_writes():
    process = subprocess.Popen([sys.executable, "-c", SWALLOWED], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None and process.stdout.readline() == "child: started\n"
    process.send_signal(signal.SIGINT)
    with process.stdout:
        rest = process.stdout.read().splitlines()
    assert process.wait(timeout=60) == 0
    assert rest == ["child: stopped before writing", "parent: child exited 130"]


# `leaflet build` as a process, held up while importing, or while writing for a moment.
HELD_UP = """\
import os, sys, time
from leaflet import cli
where = {where!r}
if where == "importing":
    imported = cli._parsed_and_imported
    def slow():
        print("importing", flush=True)
        time.sleep(30)
        return imported()
    cli._parsed_and_imported = slow
else:
    def slow_fsync(fd):
        print("writing", flush=True)
        time.sleep(2)
    os.fsync = slow_fsync
sys.argv[1:] = ["build", {content!r}, "-o", {output!r}]
sys.exit(cli.main())
"""


def held_up(where: str, output: Path, **options) -> subprocess.Popen[str]:
    script = HELD_UP.format(where=where, content=str(BACLOFEN), output=str(output))
    process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True, **options)
    assert process.stdout is not None and process.stdout.readline() == f"{where}\n"
    return process


def test_ctrl_c_while_a_build_imports_is_one_line(tmp_path):
    process = held_up("importing", tmp_path / "a.pdf")
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err.splitlines() == ["interrupted; nothing written"]
    assert os.listdir(tmp_path) == []


def test_a_build_started_with_sigint_ignored_keeps_ignoring_it(tmp_path):
    """A shell's background job starts with SIGINT ignored: Ctrl-C must not stop it."""
    output = tmp_path / "a.pdf"
    process = held_up("writing", output,
                      preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    os.killpg(process.pid, signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    assert out.splitlines() == [f"wrote {output} (7 pages)"]
    assert output.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(("arguments", "debug"), [
    (["--debug"], True), (["--deb"], True), (["--d"], True), (["-o", "a.pdf"], False),
    (["--"], False), (["--debugging"], False),
])
def test_debug_is_read_as_argparse_reads_it(arguments, debug):
    from leaflet.cli import _asks_for_debug

    assert _asks_for_debug(arguments) is debug

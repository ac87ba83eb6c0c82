"""A Builder sends each build to one process it keeps: the same bytes as `build`, errors as
`build` raises them, the limits held as firmly, and a new process whenever the old one is
in doubt or gone."""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import date

import pytest
from conftest import BACLOFEN, ROOT
from test_limits import ADVICE_MEMORY, ADVICE_TIME, SPIN, STARTUP, hostile_set

from leaflet import limited_worker, limits
from leaflet.build import Builder, BuildOptions, build, build_outputs, build_pdf
from leaflet.errors import ContentError, LimitError, OutputError
from leaflet.limited_worker import LimitedWorker
from leaflet.limits import ChildTraceback, Limits, Terminated, limit_error, run_limited

TODAY = date(2026, 6, 1)


def alive(pid: int) -> bool:
    """Whether ``pid`` is a process at all (a zombie, not yet waited for, counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def stuck_in_c(seconds: int) -> object:
    """Work a signal handler never interrupts (the regular expression engine looks for
    signals; summing in C does not), under a time limit."""
    return run_limited(lambda: sum(itertools.repeat(1, 10**11)), Limits(seconds=seconds),
                       lambda stop, exc: limit_error(stop, Limits(seconds=seconds), "s"))


def allocating(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def limited(value: int) -> int:
    """A limited part that does nothing: the worker's memory limit is set from now on."""
    return run_limited(lambda: value, Limits(memory_mb=300),
                       lambda stop, exc: limit_error(stop, Limits(memory_mb=300), "s"))


def waiting(seconds: int) -> object:
    return run_limited(lambda: time.sleep(60), Limits(seconds=seconds),
                       lambda stop, exc: limit_error(stop, Limits(seconds=seconds), "s"))


def killed() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def sleeping() -> None:
    time.sleep(60)


def test_a_builder_gives_the_bytes_build_gives_from_one_kept_process(tmp_path):
    with Builder() as builder:
        first = builder.build(BACLOFEN, tmp_path / "first.pdf", today=TODAY)
        assert builder.worker is not None
        pid = builder.worker.pid
        second = builder.build(BACLOFEN, tmp_path / "second.pdf", today=TODAY)
        assert builder.worker.pid == pid and pid != os.getpid()
        previewed = builder.build_pdf(BACLOFEN)
        both = builder.build_outputs(BACLOFEN, tmp_path / "both.pdf", tmp_path / "both.html",
                                     today=TODAY)
        assert builder.worker.pid == pid
    expected = build(BACLOFEN, tmp_path / "expected.pdf", today=TODAY)
    expected_both = build_outputs(BACLOFEN, tmp_path / "e.pdf", tmp_path / "e.html",
                                  today=TODAY)
    for result in (first, second):
        assert result == expected
    assert previewed.pdf == build_pdf(BACLOFEN).pdf == expected.pdf
    assert (tmp_path / "first.pdf").read_bytes() == (tmp_path / "expected.pdf").read_bytes()
    assert both == expected_both
    assert (tmp_path / "both.html").read_bytes() == (tmp_path / "e.html").read_bytes()
    assert expected.findings  # baclofen's placeholders: the findings came back too
    assert not alive(pid)  # closed and waited for



@pytest.mark.parametrize("options", [
    BuildOptions(patient=ROOT / "examples" / "patient.yaml"),
    BuildOptions(layout="booklet"),
    BuildOptions(template="us-medguide", max_pages=6),
    BuildOptions(layout="two-column"),
    BuildOptions(profile="large", paper="a5"),
], ids=["patient", "booklet", "us-medguide in six pages", "two-column", "large A5"])
def test_every_kind_of_build_is_the_same_through_a_builder(tmp_path, options):
    expected = build(BACLOFEN, tmp_path / "expected.pdf", options, today=TODAY)
    with Builder() as builder:
        assert builder.build(BACLOFEN, tmp_path / "built.pdf", options, today=TODAY) == expected
    assert (tmp_path / "built.pdf").read_bytes() == (tmp_path / "expected.pdf").read_bytes()

def test_wrong_content_is_its_own_error_and_the_process_stays(tmp_path):
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(BACLOFEN.read_text("utf-8").replace("  form: tablets\n", "", 1), "utf-8")
    with pytest.raises(ContentError) as expected:
        build(wrong, tmp_path / "expected.pdf")
    with Builder() as builder:
        builder.build(BACLOFEN, tmp_path / "good.pdf")
        assert builder.worker is not None
        pid = builder.worker.pid
        with pytest.raises(ContentError) as raised:
            builder.build(wrong, tmp_path / "wrong.pdf")
        assert raised.value.problems == expected.value.problems
        assert not (tmp_path / "wrong.pdf").exists()
        assert builder.worker.pid == pid
        with pytest.raises(OutputError):  # refused here, before the worker is asked
            builder.build(BACLOFEN, BACLOFEN)


@pytest.mark.parametrize(("snippet", "limit", "advice"), [
    (SPIN, "time limit of 1 s of CPU time", ADVICE_TIME),
    ("{{ 'a'.ljust(10**9)|length }}", "memory limit of 300 MB", ADVICE_MEMORY),
], ids=["time", "memory"])
def test_a_hostile_set_is_stopped_and_the_next_build_has_a_new_process(tmp_path, snippet,
                                                                       limit, advice):
    clinic = hostile_set(tmp_path / "clinic", snippet)
    options = BuildOptions(template=str(clinic), limits=Limits(seconds=1, memory_mb=300))
    with Builder() as builder:
        builder.build(BACLOFEN, tmp_path / "good.pdf", BuildOptions(limits=options.limits))
        assert builder.worker is not None
        pid = builder.worker.pid
        start = time.perf_counter()
        with pytest.raises(LimitError) as exc:
            builder.build(BACLOFEN, tmp_path / "out.pdf", options)
        assert time.perf_counter() - start < 1 + STARTUP
        assert [str(p) for p in exc.value.problems] == [
            f"{clinic}: template set stopped at its {limit}, in sections/storage.xml.j2:2; "
            f"{advice}"]
        assert not (tmp_path / "out.pdf").exists()
        assert not alive(pid)  # in doubt after a limit: ended and waited for
        builder.build(BACLOFEN, tmp_path / "again.pdf", BuildOptions(limits=options.limits))
        assert builder.worker.pid not in (None, pid)


def test_other_limits_get_a_process_of_their_own(tmp_path):
    with Builder() as builder:
        builder.build_pdf(BACLOFEN)
        assert builder.worker is not None
        pid = builder.worker.pid
        builder.build_pdf(BACLOFEN, BuildOptions(limits=Limits(memory_mb=800)))
        assert builder.worker.pid != pid and not alive(pid)


def test_work_stuck_in_c_code_ends_the_worker_at_the_time_limit():
    worker = LimitedWorker(Limits(seconds=1))
    start = time.perf_counter()
    with pytest.raises(LimitError) as exc:
        worker.call(stuck_in_c, 1)
    assert str(exc.value).startswith("s: template set stopped at its time limit of 1 s")
    assert not isinstance(exc.value.__cause__, ChildTraceback)  # the kernel ended it
    assert time.perf_counter() - start < 1 + STARTUP
    assert worker.pid is None


def test_work_that_waits_ends_the_worker_at_the_wall_clock(monkeypatch):
    monkeypatch.setattr(limits, "WALL_GRACE", 0)
    worker = LimitedWorker(Limits(seconds=1))
    start = time.perf_counter()
    with pytest.raises(LimitError) as exc:
        worker.call(waiting, 1)
    assert str(exc.value) == ("s: template set stopped at its wall-clock limit of 2 s (twice "
                              f"its time limit, and 0 s more); {ADVICE_TIME}")
    assert 2 <= time.perf_counter() - start < 2 + STARTUP


def test_a_worker_ended_during_a_build_is_an_internal_error_and_one_ended_between_is_replaced(
        tmp_path):
    with Builder() as builder:
        builder.build_pdf(BACLOFEN)
        assert builder.worker is not None
        with pytest.raises(RuntimeError, match="ended by SIGKILL"):
            builder.worker.call(killed)
        builder.build_pdf(BACLOFEN)
        pid = builder.worker.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)  # between builds: by somebody, or the kernel
        time.sleep(0.2)
        assert builder.build(BACLOFEN, tmp_path / "out.pdf").pages == 7
        assert builder.worker.pid != pid and not alive(pid)


def test_ctrl_c_while_the_worker_works_ends_it():
    worker = LimitedWorker(Limits())
    worker.call(os.getpid)
    pid = worker.pid
    assert pid is not None
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
    with pytest.raises(KeyboardInterrupt):
        worker.call(sleeping)
    assert worker.pid is None and not alive(pid)
    assert worker.call(os.getpid) not in (pid, os.getpid())
    worker.close()


def test_a_forked_process_holds_nothing_of_its_parents_worker(tmp_path):
    """Closing the builder here ends its worker at once while a process forked from this
    one still runs (it holds no end of the worker's pipes), and that process's own build
    has a worker of its own."""
    builder = Builder()
    builder.build_pdf(BACLOFEN)
    assert builder.worker is not None
    pid = builder.worker.pid
    go_read, go_write = os.pipe()
    child = os.fork()
    if child == 0:
        code = 1
        try:
            os.read(go_read, 1)
            result = builder.build(BACLOFEN, tmp_path / "child.pdf")
            code = 0 if builder.worker.pid not in (None, pid) and result.pages == 7 else 2
        finally:
            os._exit(code)
    try:
        assert builder.worker.call(os.getpid) == pid
        closing = threading.Thread(target=builder.close)
        closing.start()
        closing.join(10)
        assert not closing.is_alive() and not alive(pid)
    finally:
        os.write(go_write, b"1")
        _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert (tmp_path / "child.pdf").exists()


def test_a_function_the_worker_does_not_have_is_an_error_here():
    worker = LimitedWorker(Limits())
    worker.call(os.getpid)
    module = __import__(__name__)
    module.defined_later = lambda: None  # after the fork: the worker has no such name
    module.defined_later.__qualname__ = "defined_later"
    try:
        with pytest.raises(AttributeError, match="defined_later"):
            worker.call(module.defined_later)
    finally:
        del module.defined_later
    assert worker.call(os.getpid) not in (None, os.getpid())
    worker.close()


def test_the_worker_outlives_the_thread_that_started_it(tmp_path):
    """A server starts it from whichever request thread builds first."""
    with Builder() as builder:
        first = threading.Thread(target=builder.build_pdf, args=(BACLOFEN,))
        first.start()
        first.join()
        assert builder.worker is not None
        pid = builder.worker.pid
        time.sleep(0.2)
        assert builder.build(BACLOFEN, tmp_path / "out.pdf").pages == 7
        assert builder.worker.pid == pid


def test_relative_paths_are_read_from_the_callers_folder_now(tmp_path, monkeypatch):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    (tmp_path / "a" / "leaflet.yaml").write_bytes(BACLOFEN.read_bytes())
    with Builder() as builder:
        monkeypatch.chdir(tmp_path / "a")
        assert builder.build("leaflet.yaml", "out.pdf").pages == 7
        monkeypatch.chdir(tmp_path / "b")
        with pytest.raises(ContentError) as raised:
            builder.build("leaflet.yaml", "out.pdf")
        with pytest.raises(ContentError) as expected:
            build("leaflet.yaml", "out.pdf")
        assert raised.value.problems == expected.value.problems
        assert not (tmp_path / "b" / "out.pdf").exists()


def with_the_limits_signals_blocked(limited: Callable[[int], object]) -> dict[str, str]:
    """What ``limited(1)`` ends with, in a worker and in a build's own child, called from a
    thread that blocks the signals the limits are kept by, as a server's threads often do
    (leaving signals to the main thread)."""
    outcome: dict[str, str] = {}

    def blocked() -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGPROF,
                                                  signal.SIGXCPU})
        for name, attempt in (("worker", lambda: LimitedWorker(Limits(seconds=1)).call(
                                  limited, 1)),
                              ("child", lambda: limited(1))):
            try:
                attempt()
            except BaseException as exc:  # what came back is the test
                outcome[name] = str(exc)

    thread = threading.Thread(target=blocked)
    thread.start()
    thread.join(60)
    return outcome


def test_the_wall_clock_holds_when_the_callers_thread_blocks_its_signal(monkeypatch):
    monkeypatch.setattr(limits, "WALL_GRACE", 0)
    outcome = with_the_limits_signals_blocked(waiting)
    assert "wall-clock limit of 2 s" in outcome["worker"]
    assert "wall-clock limit of 2 s" in outcome["child"]


def test_the_cpu_limit_holds_when_the_callers_thread_blocks_its_signals():
    outcome = with_the_limits_signals_blocked(stuck_in_c)
    assert "at its time limit of 1 s" in outcome["worker"]
    assert "at its time limit of 1 s" in outcome["child"]


def test_memory_is_limited_in_every_part_after_the_first_limited_one():
    """The memory limit is set for good: past it, a part outside any limited one (the
    checks of a later build) fails as the limit, not as a bare MemoryError."""
    worker = LimitedWorker(Limits(memory_mb=300))
    assert worker.call(allocating, 400) == 400 * 1024 * 1024  # no limit set yet
    assert worker.call(limited, 1) == 1
    with pytest.raises(LimitError, match="memory limit of 300 MB"):
        worker.call(allocating, 400)
    assert worker.pid is None  # in doubt: ended and waited for


def test_a_stop_sent_to_the_worker_is_that_stop_here():
    worker = LimitedWorker(Limits())
    pid = worker.call(os.getpid)
    threading.Timer(0.5, os.kill, (pid, signal.SIGTERM)).start()
    with pytest.raises(Terminated):
        worker.call(sleeping)
    assert worker.pid is None and not alive(pid)


def test_a_worker_that_never_answers_is_killed_after_its_clocks_and_some_patience(
        monkeypatch):
    monkeypatch.setattr(limits, "WALL_GRACE", 0)
    monkeypatch.setattr(limited_worker, "PATIENCE", 1)
    worker = LimitedWorker(Limits(seconds=1))
    pid = worker.call(os.getpid)
    start = time.perf_counter()
    with pytest.raises(TimeoutError):
        worker.call(sleeping)  # not in a limited part: no wall clock of its own
    assert 5 <= time.perf_counter() - start < 5 + STARTUP  # 2 x 2 s, and 1 s
    assert worker.pid is None and not alive(pid)


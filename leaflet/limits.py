"""Limits on the work a template set drives: CPU time and memory held by the kernel in the
process doing the work, and a wall clock held by the process that started it.

The sandbox bounds what a template can reach, not how long it runs or how much it takes:
a loop in an included file, a string method running in C or a paragraph too long to lay
out all escape any check Python code could make. So that work runs in a process of its
own under setrlimit (RLIMIT_CPU, RLIMIT_AS), and its parent kills it when the clock runs
out. Hitting a limit is a LimitError naming the set, the limit and how to raise it.

SIGTERM, which would end a process on the spot, is raised as `Terminated` (a kind of
Ctrl-C) in whatever process is told to stop, so it stops the way Ctrl-C does.

`leaflet build` as a command does it the other way about (supervise): it forks at once,
the child does the whole build with its limited parts in itself (its wall clock a kernel
timer), and the parent reports what the kernel ended it by.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import math
import os
import pickle
import resource
import selectors
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, NoReturn, TypeVar

from leaflet.errors import LimitError, Problem

DEFAULT_SECONDS = 10
DEFAULT_MEMORY_MB = 1024
MAX_SECONDS = 3600
MIN_MEMORY_MB = 256  # a build's own process needs about 100 MB before any template runs
MAX_MEMORY_MB = 1024 * 1024
WALL_GRACE = 5  # wall-clock seconds beyond twice the CPU limit: reading, checking, writing

Stop = Literal["time", "wall", "memory"]
OnLimit = Callable[[Stop, "BaseException | None"], LimitError]
T = TypeVar("T")

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
# What the limits are kept by: a process doing limited work must not have them blocked,
# as a server's worker threads often do (leaving signals to the main thread)
_LIMIT_SIGNALS = {signal.SIGALRM, signal.SIGPROF, signal.SIGXCPU}
NO_MEMORY = 99  # a limited process's exit status when too little memory was left to report


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread as a kind of Ctrl-C, so one path stops a build or
    a batch either way: every `finally` runs and no temporary file is left behind (by
    default SIGTERM ends the process on the spot)."""


@contextlib.contextmanager
def sigterm_as_exception() -> Iterator[None]:
    """While inside, SIGTERM raises Terminated (in the main thread; elsewhere it keeps its
    handler), so the caller can stop its workers and say what was written. In a supervised
    child (supervise) the first SIGTERM or SIGINT is raised and any later one only noted (a
    SIGINT the build was started without is not heeded); outside, one is noted, and raised
    when the next part of the command starts: after its last, what it wrote is written,
    and a stop could only hide that."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if _supervisor is not None:  # a supervised child, running its one command
        for stop in _heeded:
            signal.signal(stop, _stop_once)
        try:
            raise_if_stopped()  # one that came between two parts of the command
            yield
        finally:
            for stop in _heeded:
                signal.signal(stop, _note_stop)
        return

    def raise_terminated(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


@dataclass(frozen=True)
class Limits:
    """What one leaflet's rendering and layout may take. The defaults stop a hostile set
    within about ten seconds and one gigabyte; a build needs a fraction of either."""

    seconds: int = DEFAULT_SECONDS  # CPU time
    memory_mb: int = DEFAULT_MEMORY_MB  # address space of the process doing the work

    @property
    def wall_seconds(self) -> int:
        """Twice the CPU time, since a busy machine gives a process about half a core, and
        a little more for the reading, checking and writing around the limited part."""
        return 2 * self.seconds + WALL_GRACE


class OutOfTime(BaseException):
    """Raised wherever the limited work is when its CPU time runs out (SIGPROF). Not an
    Exception, so no `except Exception` on the way (Jinja's, ReportLab's) swallows it."""


class ChildTraceback(Exception):
    """The traceback of an exception raised in the child, as text (frames do not cross
    processes), chained to the exception raised here so that --debug shows both."""

    def __str__(self) -> str:
        return "\n" + str(self.args[0]).rstrip()


def limit_error(stop: Stop, limits: Limits, subject: str, where: str | None = None) -> LimitError:
    """One line: the set (``subject``), the limit it hit, where it was when that was in a
    template, and the option that gives a trusted set more."""
    if stop == "memory":
        what, option = f"at its memory limit of {limits.memory_mb:,} MB", "--memory-limit MB"
    elif stop == "time":
        what, option = (f"at its time limit of {limits.seconds} s of CPU time",
                        "--time-limit SECONDS")
    else:
        what, option = (f"at its wall-clock limit of {limits.wall_seconds} s (twice its "
                        f"time limit, and {WALL_GRACE} s more)", "--time-limit SECONDS")
    place = f", in {where}" if where else ""
    return LimitError(Problem(subject, None, None, f"template set stopped {what}{place}; "
                                                   f"if you trust the set, allow more with "
                                                   f"{option}"))


def set_memory_limit(limits: Limits) -> None:
    """Cap this process's address space for good: any allocation past it fails (MemoryError
    in Python, whatever asked for it), and no code in the process can lift the cap."""
    size = limits.memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        size = min(size, hard)
    resource.setrlimit(resource.RLIMIT_AS, (size, size))


_armed = False  # whether SIGPROF now means "the time is up"


def _on_sigprof(signum: int, frame: Any) -> None:
    if _armed:
        raise OutOfTime


@contextlib.contextmanager
def cpu_limit(limits: Limits) -> Iterator[None]:
    """Allow ``limits.seconds`` more seconds of CPU. Then a profiling timer (SIGPROF) raises
    OutOfTime wherever the work is, so the message can say which template was running;
    a second or two later RLIMIT_CPU has the kernel end the process with SIGXCPU, should the
    work be stuck in C code where no signal handler runs. RLIMIT_CPU counts from the
    process's start, so a long-lived worker moves its soft limit on for each row."""
    global _armed
    usage = resource.getrusage(resource.RUSAGE_SELF)
    before = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + limits.seconds) + 1
    if before[1] != resource.RLIM_INFINITY:
        soft = min(soft, before[1])
    previous = signal.signal(signal.SIGPROF, _on_sigprof)
    signal.signal(signal.SIGXCPU, signal.SIG_DFL)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, before[1]))
    _armed = True
    signal.setitimer(signal.ITIMER_PROF, limits.seconds)
    try:
        yield
    finally:
        _armed = False
        signal.setitimer(signal.ITIMER_PROF, 0)
        resource.setrlimit(resource.RLIMIT_CPU, before)
        signal.signal(signal.SIGPROF, previous if previous is not None else signal.SIG_DFL)


def die_with_parent(parent: int | None = None) -> bool:
    """Have Linux kill this process when its parent dies (prctl PR_SET_PDEATHSIG), so that
    a killed build or batch leaves nothing running. False where there is no prctl: the
    caller then watches os.getppid() itself. ``parent``: exit now if it is already gone."""
    prctl = _prctl()
    armed = prctl is not None and prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    if parent is not None and os.getppid() != parent:
        os._exit(1)
    return armed


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up once per process (before forking, so a child need not)."""
    try:
        import ctypes  # here only: nothing else in a build needs it

        return ctypes.CDLL(None, use_errno=True).prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


def run_limited(work: Callable[[], T], limits: Limits, on_limit: OnLimit) -> T:
    """``work()`` in a forked child under ``limits``; its value, or the exception it raised,
    comes back as if it had run here. Forked, not spawned: the child starts with all this
    process has imported and loaded, so a normal build barely notices. ``on_limit`` makes
    the error for a limit hit (with the exception, when the child saw it happen).
    In a process that is itself a supervised child (``supervise``), the work runs right
    here, under the same limits, and its supervisor reports what ends it."""
    if _supervisor is not None:
        return _run_supervised(work, limits, on_limit, _supervisor)
    parent = os.getpid()
    _prctl()
    read_end, write_end = os.pipe()
    gc.freeze()  # the child's collector leaves what is here alone, so it copies fewer pages
    try:
        pid = os.fork()
    except BaseException:
        gc.unfreeze()
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:
        os.close(read_end)
        _child(work, limits, on_limit, write_end, parent)
    gc.unfreeze()
    os.close(write_end)
    status: int | None = None
    try:
        payload = _read(read_end, time.monotonic() + limits.wall_seconds)
        if payload is None:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(read_end)
        if status is None:  # interrupted while waiting: the child goes too
            _kill(pid)
    if payload is None:
        raise on_limit("wall", None)
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number == signal.SIGXCPU:
            raise on_limit("time", None)
        raise RuntimeError(f"the process rendering the leaflet was ended by "
                           f"{signal.Signals(number).name}")
    if os.WEXITSTATUS(status) == NO_MEMORY:
        raise on_limit("memory", None)
    if os.WEXITSTATUS(status) != 0 or not payload:
        raise RuntimeError(f"the process rendering the leaflet ended without a result "
                           f"(exit status {os.WEXITSTATUS(status)})")
    return unpack_outcome(payload)


_supervisor: int | None = None  # in a supervised child: the pipe to tell its supervisor on
_heeded: frozenset[signal.Signals] = frozenset()  # there: the stops it acts on
_stopped: int | None = None  # there: the stop it was sent, once it has been
_STOPS: tuple[Stop, ...] = ("time", "wall", "memory")


def supervise() -> int | None:
    """Fork (where Linux's sigwaitinfo and prctl are; elsewhere do nothing and return None).
    The child returns None and goes on to run the whole command, with its limited
    parts (run_limited) run in it, not in a child of its own: a process that runs one
    command and ends forks once, before it has imported anything, not once it has
    imported everything, when the child copies every page of it that it writes to. The
    parent waits, passes on a SIGTERM or SIGINT sent to it alone (a terminal's Ctrl-C
    reaches both), and returns the child's exit status. When the kernel ended the child
    at a limit, or a signal did, it raises the LimitError the child said that limit would
    be, or Terminated or KeyboardInterrupt, so the parent says what a process doing the
    work itself would. The parent returns with SIGINT, SIGTERM and SIGCHLD still blocked:
    all it has left to do is say how the child ended and end, and a stop now would only
    contradict what the child did."""
    global _supervisor, _heeded
    if not hasattr(signal, "sigwaitinfo") or _prctl() is None:
        return None  # no supervisor: the limited parts fork children of their own
    # SIGINT ignored by whoever started the build (a shell's background job) stays ignored
    heeded = frozenset(stop for stop in (signal.SIGINT, signal.SIGTERM)
                       if stop == signal.SIGTERM or signal.getsignal(stop) != signal.SIG_IGN)
    waited = {signal.SIGCHLD, *heeded}
    # a SIGCHLD ignored by whoever started this process would never say the child ended
    on_child = signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, waited)
    read_end, write_end = os.pipe()
    parent = os.getpid()
    try:
        pid = os.fork()
    except BaseException:
        _restore(mask, on_child)
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:
        os.close(read_end)
        os.set_blocking(write_end, False)  # a full pipe must not stop the build: _tell
        _restore(mask, on_child)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _LIMIT_SIGNALS)  # the limits need them
        die_with_parent(parent)
        _supervisor, _heeded = write_end, heeded
        return None
    os.close(write_end)
    try:
        status = _wait_passing_on(pid, waited)
        said = drain(read_end)
    finally:
        os.close(read_end)
    return _ending(status, said)


def become_worker(supervisor: int) -> None:
    """Make this process a supervised child that no stop is heeded in (a kept worker,
    limited_worker.py): its limited parts run in it, as in one `supervise` made, and its
    supervisor is told on ``supervisor`` what each limit hit would be."""
    global _supervisor, _heeded
    os.set_blocking(supervisor, False)  # a full pipe must not stop the build: _tell
    _supervisor, _heeded = supervisor, frozenset()


def _restore(mask: set[signal.Signals], on_child: Any) -> None:
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    signal.signal(signal.SIGCHLD, on_child if on_child is not None else signal.SIG_DFL)


def _stop_once(signum: int, frame: object) -> None:
    """A supervised child's first SIGTERM or SIGINT, raised as Terminated or Ctrl-C; any
    later one is only noted: a signal sent to the whole process group reaches the child
    from its supervisor as well, and must not cut short what the first one started."""
    global _stopped
    for stop in _heeded:
        signal.signal(stop, _note_stop)
    _stopped = signum
    raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt


def _note_stop(signum: int, frame: object) -> None:
    global _stopped
    if _stopped is None:
        _stopped = signum


def raise_if_stopped() -> None:
    """Raise again the stop a supervised child was sent, for work that swallowed it (a
    bare ``except:`` in a library): called before anything is written, so a stop the work
    swallowed still stops the build."""
    if _stopped is not None:
        raise Terminated if _stopped == signal.SIGTERM else KeyboardInterrupt


def _wait_passing_on(pid: int, waited: set[signal.Signals]) -> int:
    """The child's wait status, once it has ended; a SIGTERM or SIGINT another process sent
    here meanwhile is sent on to it (one the kernel sent, as a terminal's Ctrl-C is, went
    to the child as well)."""
    while True:
        info = signal.sigwaitinfo(waited)
        if info.si_signo == signal.SIGCHLD:
            ended, status = os.waitpid(pid, os.WNOHANG)
            if ended:
                return status
        elif info.si_code <= 0:  # SI_USER, SI_QUEUE, SI_TKILL: sent by a process
            os.kill(pid, info.si_signo)


def _ending(status: int, said: bytes) -> int:
    """The exit status of a child that exited; for one a signal ended, the error that was
    (ended_by) raised."""
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    raise ended_by(status, errors_said(said))


def ended_by(status: int, errors: dict[str, LimitError]) -> BaseException:
    """The error for a supervised process a signal ended: the limit whose signal the kernel
    sent (SIGXCPU, SIGALRM), as ``errors`` (what it said) has it; a stop (SIGTERM,
    SIGINT); or none the build knows of (SIGKILL, SIGSEGV: an internal error)."""
    number = os.WTERMSIG(status)
    if number == signal.SIGTERM:
        return Terminated()
    if number == signal.SIGINT:
        return KeyboardInterrupt()
    stop = {signal.SIGXCPU: "time", signal.SIGALRM: "wall"}.get(number, "")
    if stop in errors:
        return errors[stop]
    return RuntimeError(f"the process building the leaflet was ended by "
                        f"{signal.Signals(number).name}")


def drain(fd: int) -> bytes:
    """What is in the pipe from a child that has ended (nothing else holds its other end
    but a process it started, which is not waited for)."""
    os.set_blocking(fd, False)
    chunks: list[bytes] = []
    with contextlib.suppress(BlockingIOError):
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
    return b"".join(chunks)


def errors_said(said: bytes) -> dict[str, LimitError]:
    """The errors the child last said each limit would be (it says so before each limited
    part: a build that makes a PDF and a web page has two)."""
    errors: dict[str, LimitError] = {}
    while len(said) >= 8:
        size = int.from_bytes(said[:8], "big")
        if len(said) < 8 + size:
            break
        errors = pickle.loads(said[8:8 + size])
        said = said[8 + size:]
    return errors


_told: bytes | None = b""  # what a supervised child last told; None once the pipe was full


def _tell(supervisor: int, message: bytes) -> None:
    """Send ``message`` unless it was the last one sent, without waiting: should the pipe
    be full (a user over the kernel's share of pipe memory gets 4 KiB), nothing more is
    sent, and the supervisor reports a limit it was not told of as an internal error."""
    global _told
    if _told is None or message == _told:
        return
    try:
        sent = os.write(supervisor, message)
    except BlockingIOError:
        sent = 0
    _told = message if sent == len(message) else None


def _run_supervised(work: Callable[[], T], limits: Limits, on_limit: OnLimit,
                    supervisor: int) -> T:
    """``work()`` under ``limits`` in this process, its supervisor told first what each
    limit hit would be; the wall clock is the kernel's (SIGALRM, left to end the process),
    the rest as in a child of its own (_under_limits)."""
    said = pickle.dumps({stop: on_limit(stop, None) for stop in _STOPS},
                        pickle.HIGHEST_PROTOCOL)
    _tell(supervisor, len(said).to_bytes(8, "big") + said)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.setitimer(signal.ITIMER_REAL, limits.wall_seconds)
    try:
        return _under_limits(work, limits, on_limit)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _read(fd: int, deadline: float) -> bytes | None:
    """All the child writes, up to end of file; None if the clock runs out first."""
    chunks: list[bytes] = []
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                return None
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def _child(work: Callable[[], Any], limits: Limits, on_limit: OnLimit, fd: int,
           parent: int) -> NoReturn:
    """Run ``work`` under the limits and write back its value or its exception; never
    return into the parent's code, never print, never run the parent's exit handlers."""
    status = 1
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _LIMIT_SIGNALS)  # the forking thread's mask
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        die_with_parent(parent)
        write_all(fd, pack_outcome(outcome_of(lambda: _under_limits(work, limits, on_limit))))
        status = 0
    except MemoryError:
        status = NO_MEMORY
    finally:
        os._exit(status)


def _under_limits(work: Callable[[], T], limits: Limits, on_limit: OnLimit) -> T:
    """``work()`` with the memory limit set for good and its CPU time limited; a limit it
    hits is the error ``on_limit`` makes of it (which can tell where, from the exception)."""
    set_memory_limit(limits)
    try:
        with cpu_limit(limits):
            return work()
    except (OutOfTime, MemoryError) as exc:
        raise on_limit("memory" if isinstance(exc, MemoryError) else "time", exc) from exc


def outcome_of(work: Callable[[], Any]) -> tuple[Any, ...]:
    """``work()``'s value, or the exception it raised with its traceback as text, to be
    packed for the process that asked for it."""
    try:
        return ("value", work())
    except LimitError as exc:
        return ("raised", exc, _trace_if_room())
    except BaseException as exc:
        return ("raised", exc, traceback.format_exc())


def _trace_if_room() -> str:
    """Where the limit was hit, for --debug; nothing if memory is too short even for that."""
    try:
        return traceback.format_exc()
    except MemoryError:
        return ""


def pack_outcome(outcome: tuple[Any, ...]) -> bytes:
    """The outcome pickled; an exception that will not cross (it does not pickle, or does
    not unpickle) goes as its class name and text, which is all the CLI prints of it."""
    try:
        data = pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)
        if outcome[0] == "raised":
            pickle.loads(data)
        return data
    except MemoryError:
        raise  # the memory limit, reported as such by the caller
    except Exception:
        if outcome[0] != "raised":
            raise
        _, exc, trace = outcome
        return pickle.dumps(("stand-in", type(exc).__name__, str(exc), trace))


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def unpack_outcome(payload: bytes) -> Any:
    return settle(pickle.loads(payload))


def settle(outcome: tuple[Any, ...]) -> Any:
    """An unpickled outcome's value, or its exception raised here."""
    if outcome[0] == "value":
        return outcome[1]
    if outcome[0] == "raised":
        _, exc, trace = outcome
    else:
        _, name, text, trace = outcome
        exc = type(name, (Exception,), {})(text)
    if trace:
        raise exc from ChildTraceback(trace)
    raise exc

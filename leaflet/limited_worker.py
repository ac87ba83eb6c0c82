"""A process kept between builds, doing each whole build it is sent under limits: for a
program that makes many leaflets in one process (build.Builder).

A build called in-process forks a child for its limited part (limits.run_limited), and
that child writes to most of the pages it shares with its parent: copying them costs
about a quarter of a warm build. A kept worker is forked once. It does each build it is
sent, its limited parts in itself as the child of `leaflet build` does (limits.supervise):
the memory limit set for good, CPU time and the wall clock held by the kernel. When the
kernel ends it at a limit, the caller raises the error the worker said that limit would
be, and the next build forks a new worker.

Every end of every worker's pipes is listed (_ends), and a process forked from this one,
by any thread, closes them all before it runs: otherwise it would hold a worker's
requests open (closing them would no longer end it) or its replies (a worker that died
would never be seen to). Forks wait while the list changes (_LIST, held by os.fork).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import pickle
import select
import signal
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from leaflet.errors import LeafletError, LimitError
from leaflet.limits import (
    NO_MEMORY,
    Limits,
    become_worker,
    drain,
    ended_by,
    errors_said,
    outcome_of,
    pack_outcome,
    settle,
    write_all,
)

T = TypeVar("T")
_SIZE = 8  # bytes of the length that goes before each request and reply
# Seconds a worker may take beyond its limited parts' wall clocks (a build's PDF and HTML
# each have one) before the caller stops waiting: the checks of a very large content
# file, never this much. Past it the worker is stuck (a lock another thread of the caller
# held when it forked), which is a bug, not a limit.
PATIENCE = 120
_REAPED_WITHIN = 2.0  # seconds a closed worker has to end before it is killed

_LIST = threading.RLock()  # reentrant: a finalizer may run in the middle of a change
_ends: set[int] = set()  # every end of every worker's pipes held here
_keep: dict[int, tuple[int, int, int]] = {}  # by thread: the ends of the worker it forks
# Workers this process started, to be forgotten by a process forked from it
_started: weakref.WeakSet[LimitedWorker] = weakref.WeakSet()


class LimitedWorker:
    """One kept process for builds under ``limits``. Its memory limit is set for good at its
    first limited part, so builds under other limits need another worker. Calls from
    several threads take turns."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._fds: tuple[int, int, int] = (-1, -1, -1)  # requests, replies, what it said
        self._said: dict[str, LimitError] = {}
        self._finalizer: weakref.finalize | None = None

    @property
    def pid(self) -> int | None:
        """The worker's process, once started and until it ends (a benchmark counts its
        CPU time)."""
        return self._pid

    def call(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in the worker, in this process's current folder: its value,
        or the exception it raised, as if it had run here. ``function`` must be a module's
        own (it is sent by name), and its arguments and value must pickle."""
        try:
            folder: str | None = os.getcwd()
        except OSError:  # the folder is gone: the worker stays where it is
            folder = None
        request = pickle.dumps((folder, function, args), pickle.HIGHEST_PROTOCOL)
        patience = 2 * self.limits.wall_seconds + PATIENCE
        with self._lock:
            if self._pid is not None and _has_ended(self._pid):
                self._stop(kill=False)
            if self._pid is None:
                self._start()
            requests, replies, _ = self._fds
            try:
                _send(requests, request)
                reply = _receive(replies, time.monotonic() + patience)
            except BrokenPipeError:
                reply = None
            except BaseException:  # interrupted, or stuck: what it was doing is lost
                self._stop(kill=True)
                raise
            self._hear()
            if reply is None:
                raise self._ending()
            outcome = pickle.loads(reply)
            if not _kept_after(outcome):
                self._stop(kill=False)  # it ends itself after a limit or a bug: reap it
            if outcome[0] == "raised" and isinstance(outcome[1], MemoryError) \
                    and "memory" in self._said:  # the memory limit, outside a limited part
                outcome = ("raised", self._said["memory"], outcome[2])
            return settle(outcome)  # type: ignore[no-any-return]

    def close(self) -> None:
        """End the worker: it sees its requests end and exits; waited for, so no zombie."""
        with self._lock:
            self._stop(kill=False)

    def _start(self) -> None:
        with _LIST:
            request_read, request_write = os.pipe()
            reply_read, reply_write = os.pipe()
            said_read, said_write = os.pipe()
            theirs = (request_read, reply_write, said_write)
            ours = (request_write, reply_read, said_read)
            _ends.update(theirs + ours)
            _keep[threading.get_ident()] = theirs
        try:
            pid = os.fork()  # the child closes every listed end but its own: _after_fork
        except BaseException:
            _close_listed(theirs + ours)
            raise
        finally:
            with _LIST:
                _keep.pop(threading.get_ident(), None)
        if pid == 0:
            _serve(*theirs)
        _close_listed(theirs)
        os.set_blocking(said_read, False)
        self._pid, self._fds, self._said = pid, ours, {}
        self._finalizer = weakref.finalize(self, _end, pid, ours)
        _started.add(self)

    def _stop(self, kill: bool) -> None:
        if self._pid is None:
            return
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
        assert self._finalizer is not None
        self._finalizer()  # closes the pipes, then waits for the worker to end
        self._pid, self._fds = None, (-1, -1, -1)

    def _ending(self) -> BaseException:
        """The error for a worker that ended before it replied: the limit whose signal the
        kernel sent (SIGXCPU, SIGALRM) or that left too little memory to reply, as the
        worker said it would be; a stop sent to it (SIGTERM, SIGINT) as that stop; anything
        else is an internal error."""
        pid = self._pid
        assert pid is not None and self._finalizer is not None
        _, status = os.waitpid(pid, 0)
        self._hear()
        self._finalizer.detach()
        _close_listed(self._fds)
        self._pid, self._fds = None, (-1, -1, -1)
        if os.WIFSIGNALED(status):
            return ended_by(status, self._said)
        code = os.WEXITSTATUS(status)
        if code == NO_MEMORY and "memory" in self._said:
            return self._said["memory"]
        return RuntimeError(f"the process building the leaflet ended without a result "
                            f"(exit status {code})")

    def _hear(self) -> None:
        """Keep what the worker last said each limit would be (and empty its pipe)."""
        self._said = errors_said(drain(self._fds[2])) or self._said

    def _forget(self) -> None:
        """In a process forked from the one that started the worker: not ours to use (its
        pipes are already closed here)."""
        if self._finalizer is not None:
            self._finalizer.detach()
        self._pid, self._fds, self._lock = None, (-1, -1, -1), threading.Lock()


def _before_fork() -> None:
    _LIST.acquire()


def _after_fork_in_parent() -> None:
    _LIST.release()


def _after_fork_in_child() -> None:
    """Close every listed end but those of the worker this thread forked, if it is one;
    forget every worker; start the list afresh."""
    global _LIST
    own = set(_keep.get(threading.get_ident(), ()))
    for fd in _ends - own:
        with contextlib.suppress(OSError):
            os.close(fd)
    _ends.clear()
    _keep.clear()
    for worker in list(_started):
        worker._forget()
    _started.clear()
    _LIST = threading.RLock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent,
                        after_in_child=_after_fork_in_child)


def _close_listed(fds: tuple[int, ...]) -> None:
    """Close ends of a worker's pipes and take them off the list, with no fork between."""
    with _LIST:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        _ends.difference_update(fds)


def _end(pid: int, fds: tuple[int, int, int]) -> None:
    """Close the worker's pipes (it then reads the end of its requests and exits) and wait
    for it, killing it should it not end (run on close, when the worker is forgotten, or
    when this process exits)."""
    _close_listed(fds)
    deadline = time.monotonic() + _REAPED_WITHIN
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(pid, os.WNOHANG)[0] == 0:
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                break
            time.sleep(0.001)


def _has_ended(pid: int) -> bool:
    """Whether a worker between builds has gone (killed by somebody, or the kernel's
    out-of-memory killer): the next build then starts a new one rather than failing."""
    try:
        ended, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return ended != 0


def _kept_after(outcome: tuple[Any, ...]) -> bool:
    """A worker stays for the next build unless this one hit a limit or a bug: a cache half
    filled, or the memory left, would be in doubt. Its input being wrong leaves nothing so."""
    if outcome[0] == "value":
        return True
    return outcome[0] == "raised" and isinstance(outcome[1], LeafletError) \
        and not isinstance(outcome[1], LimitError)


def _serve(requests: int, replies: int, said: int) -> NoReturn:
    """The worker's life: each request's outcome sent back, until the requests end (the
    caller closed them, or is gone) or an outcome leaves the process in doubt
    (_kept_after). Never returns into the caller's code, never prints, never runs its
    exit handlers. Not killed with the caller (PR_SET_PDEATHSIG would end it with the
    thread that forked it, which in a server is any request's): a caller that is gone
    closes the requests, and the worker ends when it reads their end."""
    status = 1
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, ())  # the caller's thread may block some
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        become_worker(said)
        # The collector need not scan what the worker was forked with, nor what its first
        # build loads and keeps (fonts, templates): about half of its time in a build.
        gc.freeze()
        first = True
        while (request := _receive(requests)) is not None:
            outcome = outcome_of(functools.partial(_answer, request))
            _send(replies, pack_outcome(outcome))
            if not _kept_after(outcome):
                break
            if first:
                gc.collect()
                gc.freeze()
                first = False
        status = 0
    except MemoryError:
        status = NO_MEMORY
    finally:
        os._exit(status)


def _answer(request: bytes) -> Any:
    """What a request asks for, worked out in the caller's folder. A function defined
    since the worker was forked is not in it: unpickling it fails, and that is the answer."""
    folder, function, args = pickle.loads(request)
    if folder is not None and folder != os.getcwd():
        os.chdir(folder)
    return function(*args)


def _send(fd: int, data: bytes) -> None:
    write_all(fd, len(data).to_bytes(_SIZE, "big") + data)


def _receive(fd: int, deadline: float | None = None) -> bytes | None:
    """One whole message, or None at the end of the pipe (the other process is gone);
    TimeoutError if ``deadline`` (time.monotonic) passes first."""
    head = _exactly(fd, _SIZE, deadline)
    if head is None:
        return None
    return _exactly(fd, int.from_bytes(head, "big"), deadline)


def _exactly(fd: int, size: int, deadline: float | None) -> bytes | None:
    chunks: list[bytes] = []
    waiting = None
    if deadline is not None:
        waiting = select.poll()
        waiting.register(fd, select.POLLIN)
    while size:
        if waiting is not None and deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not waiting.poll(left * 1000):
                raise TimeoutError("the process building the leaflet did not answer in time")
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)

"""A process kept between builds, doing each whole build it is sent under limits: for a
program that makes many leaflets in one process (build.Builder).

A build called in-process forks a child for its limited part (limits.run_limited), and
that child writes to most of the pages it shares with its parent: copying them costs
about a quarter of a warm build. A kept worker is forked once. It does each build it is
sent, its limited parts in itself as the child of `leaflet build` does (limits.supervise):
the memory limit set for good, CPU time and the wall clock held by the kernel. When the
kernel ends it at a limit, the caller raises the error the worker said that limit would
be, and the next build forks a new worker.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import threading
import traceback
import weakref
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from leaflet.errors import LeafletError, LimitError
from leaflet.limits import (
    NO_MEMORY,
    Limits,
    become_worker,
    die_with_parent,
    drain,
    errors_said,
    pack_outcome,
    settle,
    trace_if_room,
    write_all,
)

T = TypeVar("T")
_SIZE = 8  # bytes of the length that goes before each request and reply

# Workers this process started, so that a process forked from it (a worker among them)
# closes their pipes and leaves them to the process that started them.
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
        """``function(*args)`` in the worker: its value, or the exception it raised, as if
        it had run here. ``function`` must be a module's own (it is sent by name), and its
        arguments and value must pickle."""
        with self._lock:
            if self._pid is not None and _has_ended(self._pid):
                self._stop(kill=False)
            if self._pid is None:
                self._start()
            requests, replies, _ = self._fds
            try:
                _send(requests, pickle.dumps((function, args), pickle.HIGHEST_PROTOCOL))
                reply = _receive(replies)
            except BrokenPipeError:
                reply = None
            except BaseException:  # interrupted while it works: what it was doing is lost
                self._stop(kill=True)
                raise
            self._said = errors_said(drain(self._fds[2])) or self._said
            if reply is None:
                raise self._ending()
            outcome = pickle.loads(reply)
            if not _kept_after(outcome):
                self._stop(kill=False)  # it ends itself after a limit or a bug: reap it
            return settle(outcome)  # type: ignore[no-any-return]

    def close(self) -> None:
        """End the worker: it sees its requests end and exits; waited for, so no zombie."""
        with self._lock:
            self._stop(kill=False)

    def _start(self) -> None:
        parent = os.getpid()
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        said_read, said_write = os.pipe()
        try:
            pid = os.fork()
        except BaseException:
            for fd in (request_read, request_write, reply_read, reply_write, said_read,
                       said_write):
                os.close(fd)
            raise
        if pid == 0:
            for fd in (request_write, reply_read, said_read):
                os.close(fd)
            _serve(request_read, reply_write, said_write, parent)
        for fd in (request_read, reply_write, said_write):
            os.close(fd)
        os.set_blocking(said_read, False)
        self._pid, self._fds, self._said = pid, (request_write, reply_read, said_read), {}
        self._finalizer = weakref.finalize(self, _end, pid, self._fds)
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
        worker said it would be; anything else is an internal error."""
        pid = self._pid
        assert pid is not None
        _, status = os.waitpid(pid, 0)
        self._said = errors_said(drain(self._fds[2])) or self._said
        assert self._finalizer is not None
        self._finalizer.detach()
        for fd in self._fds:
            os.close(fd)
        self._pid, self._fds = None, (-1, -1, -1)
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            stop = {signal.SIGXCPU: "time", signal.SIGALRM: "wall"}.get(number, "")
            if stop in self._said:
                return self._said[stop]
            return RuntimeError(f"the process building the leaflet was ended by "
                                f"{signal.Signals(number).name}")
        code = os.WEXITSTATUS(status)
        if code == NO_MEMORY and "memory" in self._said:
            return self._said["memory"]
        return RuntimeError(f"the process building the leaflet ended without a result "
                            f"(exit status {code})")

    def _forget(self) -> None:
        """In a process forked from the one that started the worker: not ours to use."""
        if self._finalizer is not None:
            self._finalizer.detach()
        for fd in self._fds:
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._pid, self._fds, self._lock = None, (-1, -1, -1), threading.Lock()


def _forget_all() -> None:
    for worker in list(_started):
        worker._forget()
    _started.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_all)


def _end(pid: int, fds: tuple[int, int, int]) -> None:
    """Close the worker's pipes (it then reads the end of its requests and exits) and wait
    for it; run on close, or when the worker is forgotten or this process exits."""
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


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


def _serve(requests: int, replies: int, said: int, parent: int) -> NoReturn:
    """The worker's life: each request's outcome sent back, until the requests end or an
    outcome leaves the process in doubt (_kept_after). Never returns into the caller's
    code, never prints, never runs its exit handlers."""
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        die_with_parent(parent)
        become_worker(said)
        # The collector need not scan what the worker was forked with, nor what its first
        # build loads and keeps (fonts, templates): about half of its time in a build.
        gc.freeze()
        first = True
        while (request := _receive(requests)) is not None:
            function, args = pickle.loads(request)
            try:
                outcome: tuple[Any, ...] = ("value", function(*args))
            except LimitError as exc:
                outcome = ("raised", exc, trace_if_room())
            except BaseException as exc:
                outcome = ("raised", exc, traceback.format_exc())
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


def _send(fd: int, data: bytes) -> None:
    write_all(fd, len(data).to_bytes(_SIZE, "big") + data)


def _receive(fd: int) -> bytes | None:
    """One whole message, or None at the end of the pipe (the other process is gone)."""
    head = _exactly(fd, _SIZE)
    if head is None:
        return None
    return _exactly(fd, int.from_bytes(head, "big"))


def _exactly(fd: int, size: int) -> bytes | None:
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)

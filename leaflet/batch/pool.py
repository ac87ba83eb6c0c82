"""Worker processes that may die at any moment: tasks handed out one at a time, results
back in task order, a worker that dies or overruns replaced, all stopped on request.

multiprocessing.Pool waits for ever for a task whose worker died (killed at a limit,
crashed), and cannot take a worker back mid-task. Here each worker has a pipe of its own
and holds one task at a time, so a dead worker's task is known: that task alone fails,
a new worker takes its place and the rest go on.

The protocol: the pool sends ``(index, task)``, or None to ask the worker to exit; the
worker answers ``(index, result, retire)`` and exits after it when ``retire`` is set.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

STOP_GRACE = 5.0  # seconds a stopped worker has to finish the file it is writing (fsync is
# slow on a busy disk)


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    task: tuple[int, Any, float] | None = None  # index, task, deadline
    retiring: bool = False


class WorkerPool(Generic[T, R]):
    """``processes`` workers running ``target(conn, *args)``. A task running longer than
    ``wall_seconds`` has its worker killed; ``lost(task, exitcode)`` is then the task's
    result (exitcode None: killed for time; negative: the signal that ended it)."""

    def __init__(self, context: BaseContext, target: Callable[..., None], args: tuple[Any, ...],
                 processes: int, wall_seconds: float,
                 lost: Callable[[T, int | None], R], window: int) -> None:
        self.context = context
        self.target = target
        self.args = args
        self.processes = processes
        self.wall_seconds = wall_seconds
        self.lost = lost
        self.window = window  # how far handing out may run ahead of the oldest result
        self.workers: list[_Worker] = []
        self.done: dict[int, R] = {}
        self.handed_back: deque[tuple[int, T]] = deque()  # from workers that died idle

    def imap(self, tasks: Iterable[T]) -> Iterator[R]:
        """Every task's result, in task order; results wait in ``done`` until their turn."""
        source = enumerate(tasks)
        next_in = next_out = 0
        exhausted = False
        while True:
            while next_out in self.done:
                yield self.done.pop(next_out)
                next_out += 1
            if exhausted and next_out == next_in:
                return
            # after yielding, so the window has moved on: task next_out is now out with a
            # worker, and _collect always has something to wait for
            while self._has_room():
                if self.handed_back:
                    item = self.handed_back.popleft()
                elif exhausted or next_in >= next_out + self.window:
                    break
                elif (item := next(source, None)) is None:  # type: ignore[assignment]
                    exhausted = True
                    break
                else:
                    next_in += 1
                self._give(item)
            if exhausted and next_out == next_in:
                return
            self._collect()

    def close(self) -> list[R]:
        """Stop every worker: SIGTERM first (a worker finishes the file it is writing and
        sends its result), then, after STOP_GRACE, SIGKILL. Returns the results not yet
        taken from imap, in task order; tasks still running are left without one."""
        for worker in self.workers:
            with contextlib.suppress(OSError):
                worker.process.terminate()
        deadline = time.monotonic() + STOP_GRACE
        while self.workers and time.monotonic() < deadline:
            self._collect(deadline, stopping=True)
        for worker in self.workers:
            worker.process.kill()
        for worker in self.workers:
            worker.process.join()
            worker.conn.close()
        self.workers.clear()
        left = [self.done[index] for index in sorted(self.done)]
        self.done.clear()
        return left

    def _has_room(self) -> bool:
        return any(w.task is None and not w.retiring for w in self.workers) or \
            sum(1 for w in self.workers if not w.retiring) < self.processes

    def _give(self, item: tuple[int, T]) -> None:
        """Send ``item`` to an idle worker, or to a new one."""
        worker = next((w for w in self.workers if w.task is None and not w.retiring), None)
        if worker is None:
            ours, theirs = self.context.Pipe()
            process = self.context.Process(target=self.target, args=(theirs, *self.args),
                                           daemon=True)
            process.start()
            theirs.close()
            worker = _Worker(process, ours)
            self.workers.append(worker)
        try:
            worker.conn.send(item)
        except OSError:  # it died while idle; the task waits for another worker
            self.handed_back.append(item)
            self._bury(worker)
            return
        worker.task = (item[0], item[1], time.monotonic() + self.wall_seconds)

    def _collect(self, until: float | None = None, stopping: bool = False) -> None:
        """Wait for a result, a worker's end or a deadline, and deal with what came."""
        deadlines = [w.task[2] for w in self.workers if w.task and not stopping]
        if until is not None:
            deadlines.append(until)
        timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        ready = set(wait([w.conn for w in self.workers] +
                         [w.process.sentinel for w in self.workers], timeout))
        for worker in list(self.workers):
            if worker.conn in ready:
                self._receive(worker, stopping)
            elif worker.process.sentinel in ready:
                self._bury(worker, stopping)
        now = time.monotonic()
        for worker in list(self.workers):
            if not stopping and worker.task and worker.task[2] <= now:
                if worker.conn.poll(0):  # it answered just as the clock ran out
                    self._receive(worker, stopping)
                    continue
                worker.process.kill()
                self._bury(worker, overran=True)

    def _receive(self, worker: _Worker, stopping: bool) -> None:
        try:
            index, result, retire = worker.conn.recv()
        except Exception:  # its end of the pipe closed, or it died halfway through a message
            self._bury(worker, stopping)
            return
        self.done[index] = result
        worker.task = None
        worker.retiring = worker.retiring or retire

    def _bury(self, worker: _Worker, stopping: bool = False, overran: bool = False) -> None:
        """A worker that ended: its task, if it had one, fails with ``lost``; unless the
        pool is stopping, when a task still running simply has no result."""
        worker.process.join(STOP_GRACE)
        if worker.process.exitcode is None:  # its pipe broke, yet it runs on
            worker.process.kill()
            worker.process.join()
        worker.conn.close()
        self.workers.remove(worker)
        if worker.task is None or stopping:
            return
        index, task, _ = worker.task
        self.done[index] = self.lost(task, None if overran else worker.process.exitcode)

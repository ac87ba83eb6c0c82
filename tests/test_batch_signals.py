"""A batch stopped by Ctrl-C or SIGTERM ends quietly and says what it wrote; a batch whose
main process is killed leaves no worker behind; a worker that dies fails its row only."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT
from test_batch import good_row, write_csv

from leaflet.batch.pool import WorkerPool

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(),
                                reason="reads processes from /proc")


def start_batch(tmp_path: Path, rows: int = 400) -> tuple[subprocess.Popen[str], Path]:
    """A long batch in a session of its own (its own process group), once it has written
    a few PDFs."""
    listing = write_csv(tmp_path / "rx.csv", [good_row(n) for n in range(1, rows + 1)])
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "leaflet", "batch", str(listing), "--out-dir", str(out),
         "--combined", str(tmp_path / "day.pdf"), "--jobs", "2"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    deadline = time.monotonic() + 60
    while not out.is_dir() or len(list(out.glob("*.pdf"))) < 3:
        assert process.poll() is None and time.monotonic() < deadline, process.stderr
        time.sleep(0.02)
    return process, out


def rows_of(ranges: str) -> list[int]:
    """'1-3, 5' -> [1, 2, 3, 5]."""
    rows: list[int] = []
    for part in ranges.split(", "):
        first, _, last = part.partition("-")
        rows.extend(range(int(first), int(last or first) + 1))
    return rows


@pytest.mark.parametrize(("sent", "to_group", "code"), [
    (signal.SIGINT, True, 130), (signal.SIGTERM, True, 143), (signal.SIGTERM, False, 143)],
    ids=["Ctrl-C to the group", "SIGTERM to the group", "SIGTERM to the main process"])
def test_a_stopped_batch_ends_quietly_and_says_what_it_wrote(tmp_path, sent, to_group, code):
    process, out = start_batch(tmp_path)
    if to_group:
        os.killpg(process.pid, sent)
    else:
        process.send_signal(sent)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == code
    assert "Traceback" not in stderr and "Error" not in stderr
    assert len(stdout.splitlines()) == 1, (stdout, stderr)
    [summary] = stdout.splitlines()
    [line] = [line for line in stderr.splitlines() if not line.startswith("warning: ")]
    built = int(re.fullmatch(r"built (\d+) of 400 rows", summary).group(1))
    match = re.fullmatch(rf"interrupted by {sent.name}: rows? (.+) (?:was|were) written, "
                         rf"(?:each )?whole; (\d+) rows? (?:was|were) not built; no combined "
                         rf"file was written", line)
    assert match and int(match.group(2)) == 400 - built
    written = rows_of(match.group(1))
    assert len(written) == built
    files = sorted(out.iterdir())
    assert [f.name for f in files] == [f"{row:04d}-baclofen.pdf" for row in written]
    assert all(f.read_bytes().rstrip().endswith(b"%%EOF") for f in files)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "rx.csv"]  # no day.pdf


def descendants(root: int) -> set[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(re.search(r"^PPid:\s+(\d+)", status, re.M)[1])
    tree = {root}
    while grown := {pid for pid, parent in parents.items() if parent in tree} - tree:
        tree |= grown
    return tree - {root}


def running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return re.search(r"^State:\s+(\S)", status, re.M)[1] != "Z"


def test_killing_the_main_process_leaves_no_worker_running(tmp_path):
    process, _ = start_batch(tmp_path)
    helpers = descendants(process.pid)
    assert len(helpers) >= 2  # the workers, and the fork server they come from
    process.kill()
    process.communicate(timeout=30)
    deadline = time.monotonic() + 5
    while any(running(pid) for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in helpers if running(pid)] == []


# the pool, with workers that misbehave on purpose


def _worker(conn, behaviour: dict[str, str]) -> None:
    while (message := conn.recv()) is not None:
        index, task = message
        if behaviour.get(task) == "die":
            os._exit(7)
        if behaviour.get(task) == "hang":
            time.sleep(60)
        if behaviour.get(task) == "slow":
            time.sleep(0.5)
        conn.send((index, f"{task} done", behaviour.get(task) == "retire"))


def lost(task: str, exitcode: int | None) -> str:
    return f"{task} lost ({'overran' if exitcode is None else exitcode})"


def test_a_worker_that_dies_or_overruns_fails_its_task_only():
    import multiprocessing

    tasks = [f"t{n}" for n in range(12)]
    behaviour = {"t2": "die", "t5": "hang", "t7": "retire"}
    pool = WorkerPool(multiprocessing.get_context("fork"), _worker, (behaviour,), processes=2,
                      wall_seconds=1, lost=lost, window=4)
    try:
        results = list(pool.imap(tasks))
    finally:
        pool.close()
    assert results == [f"{t} done" for t in tasks[:2]] + ["t2 lost (7)", "t3 done", "t4 done",
                                                           "t5 lost (overran)"] + \
        [f"{t} done" for t in tasks[6:]]


def test_results_that_fill_the_window_at_once_do_not_stall_the_pool():
    """The first task is slow, the other worker fills the window and waits; when the slow
    one comes in, everything is ready at once, and handing out must go on from there."""
    import multiprocessing

    def stalled(signum, frame):
        raise TimeoutError("the pool stalled")

    previous = signal.signal(signal.SIGALRM, stalled)
    signal.alarm(20)
    pool = WorkerPool(multiprocessing.get_context("fork"), _worker, ({"t0": "slow"},),
                      processes=2, wall_seconds=10, lost=lost, window=2)
    try:
        assert list(pool.imap([f"t{n}" for n in range(6)])) == [f"t{n} done" for n in range(6)]
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        pool.close()


def test_a_file_written_as_the_batch_stopped_is_reported_even_if_its_result_was_lost(
        tmp_path):
    """A signal can land between a worker's last rename and its result reaching the main
    process: the report still lists every file this run wrote, and no file it did not."""
    from leaflet.batch.jobs import BatchReport
    from leaflet.batch.run import _identity, _written_unreported

    rewritten, untouched, reported = (tmp_path / f"{n}.pdf" for n in ("a", "b", "c"))
    for path in (rewritten, untouched, reported):
        path.write_bytes(b"%PDF an earlier run")
    planned = {row: (path, _identity(path))
               for row, path in ((1, rewritten), (2, untouched), (3, reported), (4,
                                 tmp_path / "d.pdf"))}
    (tmp_path / "new.pdf").write_bytes(b"%PDF this run")
    (tmp_path / "new.pdf").replace(rewritten)
    report = BatchReport(4, built=1, built_rows=[3])
    _written_unreported(report, planned)
    assert (report.built, sorted(report.built_rows)) == (2, [1, 3])

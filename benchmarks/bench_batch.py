"""Time a batch of personalised baclofen leaflets against the plain-ReportLab floor and,
when it is installed, WeasyPrint, all in one run, and print each against its target with
the machine's load average.

    python benchmarks/bench_batch.py [--rows 1000] [--jobs 2] [--weasyprint-leaflets 10]

Batch: `python -m leaflet batch` on a generated list of ROWS prescriptions
(titration, steady and twice-a-day schedules, different names and start dates),
as a fresh process, once with --jobs 1 and once with --jobs JOBS, wall clock. Per-leaflet
CPU is the CPU time of the batch's processes (the main process, the fork server and
every worker, read from /proc while the run goes on: workers started by a fork server
are not the batch's children, so getrusage does not see them) divided by ROWS. The floor
is plain ReportLab setting one personalised leaflet's own text (benchmarks/floor.py),
warm, in CPU time, in a process of its own that never imports leaflet (see floor.serve).
Scaling is the throughput with JOBS jobs over that with one; it can only reach JOBS on an
idle machine with JOBS free cores, so the load average is printed before each run. Peak
memory is each process's high-water mark (VmHWM); flatness compares the largest worker's
resident set in the first and the last quarter of the run. WeasyPrint renders the same
leaflets from the same markup mapped to HTML with a stylesheet holding the theme's fonts,
sizes and margins (benchmarks/weasy.py); it is skipped with a message when it is not
installed.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content" / "baclofen.yaml"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_build import paragraphs_of  # noqa: E402
from floor import KeptFloor  # noqa: E402

from leaflet.batch.rows import Listing  # noqa: E402
from leaflet.build import load_fonts, render  # noqa: E402
from leaflet.pdf import inspect as proof  # noqa: E402
from leaflet.personal import personalise  # noqa: E402
from leaflet.personal.patient import PATIENT, Patient, patient_from_node, template_context  # noqa: E402
from leaflet.render.profiles import print_settings  # noqa: E402
from leaflet.render.templates import (  # noqa: E402
    content_wording,
    markup_locator,
    render_markup,
    resolve_set,
)
from leaflet.sources.content import load_content  # noqa: E402

SCHEDULES = (
    "5 mg 3 times a day for 3 days; 10 mg 3 times a day for 3 days; "
    "15 mg 3 times a day for 3 days; 20 mg 3 times a day",
    "10 mg 3 times a day",
    "5 mg twice a day at 8:00 and 20:00 for 7 days; 10 mg 3 times a day",
)
FIRST_NAMES = ("Jane", "John", "Amira", "Piotr", "Siobhan", "Kwame", "Ines", "Tomasz")


def write_rows(path: Path, count: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["content", "name", "prescriber", "pharmacy", "start_date", "times",
                         "schedule"])
        for n in range(count):
            writer.writerow([str(CONTENT), f"{FIRST_NAMES[n % 8]} Example-{n:05d}",
                             "Dr Amir Patel", "Riverside Pharmacy, 4 Mill Lane, Leeds",
                             f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}", "8:00 14:00 20:00",
                             SCHEDULES[n % len(SCHEDULES)]])


def first_patients(rows_csv: Path, count: int) -> list[Patient]:
    """The first ``count`` rows as checked patients, read the way the batch reads them."""
    content = load_content(CONTENT)
    listing = Listing(rows_csv, set())
    entries = [entry for entry, _ in zip(listing.entries(), range(count), strict=False)]
    return [patient_from_node(listing.row(entry, None, []).node, str(rows_csv), content, PATIENT)
            for entry in entries]


class BatchWatch:
    """Polls /proc for a process and all its descendants: each one's high-water mark, its
    resident set over time and its CPU time (the last reading before it ended)."""

    INTERVAL = 0.2  # seconds: often enough for the high-water marks, rarely enough to cost

    def __init__(self, root: int) -> None:
        self.root = root
        self.start = time.perf_counter()
        self.peaks: dict[int, tuple[str, int]] = {}
        self.cpu: dict[int, float] = {}
        self.resident: list[tuple[float, int]] = []  # (seconds in, largest worker's kB)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _poll(self) -> None:
        ticks = os.sysconf("SC_CLK_TCK")
        while not self.stop.is_set():
            largest = 0
            for pid in self._tree():
                status = _status(pid)
                if not status or "VmHWM" not in status:
                    continue
                kb = int(status["VmHWM"].split()[0])
                name = "main" if pid == self.root else "worker"
                if kb > self.peaks.get(pid, ("", 0))[1]:
                    self.peaks[pid] = (name, kb)
                if name == "worker":
                    largest = max(largest, int(status["VmRSS"].split()[0]))
                cpu = _cpu_ticks(pid)
                if cpu is not None:
                    self.cpu[pid] = cpu / ticks
            if largest:
                self.resident.append((time.perf_counter() - self.start, largest))
            self.stop.wait(self.INTERVAL)

    def _tree(self) -> list[int]:
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                status = _status(int(entry))
                if status and "PPid" in status:
                    parents[int(entry)] = int(status["PPid"])
        tree = {self.root}
        grew = True
        while grew:
            before = len(tree)
            tree |= {pid for pid, parent in parents.items() if parent in tree}
            grew = len(tree) > before
        return sorted(tree)

    def finish(self) -> dict[str, float]:
        self.stop.set()
        self.thread.join()
        main = max((kb for name, kb in self.peaks.values() if name == "main"), default=0)
        workers = max((kb for name, kb in self.peaks.values() if name == "worker"), default=0)
        span = self.resident[-1][0] if self.resident else 0.0
        first = [kb for at, kb in self.resident if at <= span / 4]
        last = [kb for at, kb in self.resident if at >= span * 3 / 4]
        return {"main": main / 1024, "worker": workers / 1024, "cpu": sum(self.cpu.values()),
                "main_cpu": sum(cpu for pid, cpu in self.cpu.items() if pid == self.root),
                "first_quarter": max(first, default=0) / 1024,
                "last_quarter": max(last, default=0) / 1024}


def _cpu_ticks(pid: int) -> int | None:
    """utime + stime of one process, in clock ticks."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])


def _status(pid: int) -> dict[str, str] | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def run_batch(rows_csv: Path, out: Path, jobs: int) -> tuple[float, dict[str, float]]:
    command = [sys.executable, "-m", "leaflet", "batch", str(rows_csv), "--out-dir", str(out),
               "--jobs", str(jobs)]
    print(f"--jobs {jobs}: load average {load()} before")
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    watch = BatchWatch(process.pid)
    stdout, stderr = process.communicate()
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"batch failed: {stderr.decode()}")
    figures = watch.finish()
    print(f"  {stdout.decode().strip()}")
    shutil.rmtree(out)
    return elapsed, figures


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def median_cpu_ms(action, runs: int, clock=time.process_time) -> float:
    """The median CPU time of ``action`` (what one core spends on it), after one untimed;
    ``clock``: the CPU time it is counted in (this process's, or a kept floor's)."""
    return median_cpu_each([action] * (runs + 1), clock)


def median_cpu_each(actions, clock=time.process_time) -> float:
    """The median CPU time of each of ``actions``, run once each, after the first untimed."""
    actions[0]()
    samples = []
    for action in actions[1:]:
        start = clock()
        action()
        samples.append(clock() - start)
    return statistics.median(samples) * 1000


def first_leaflet(content, template_set, fonts, patient) -> None:
    """A personalised leaflet with nothing kept from before: the shared pages laid out and
    proved too."""
    personalise._shared.clear()
    personalise._shared_pages.clear()
    proof._proved.clear()
    render(content, template_set, print_settings(template_set), fonts, patient,
           remember=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=15, help="samples for the warm medians")
    parser.add_argument("--weasyprint-leaflets", type=int, default=10)
    args = parser.parse_args()
    if args.rows < 2:
        parser.error("--rows must be at least 2: one leaflet untimed, then the timed ones")

    work = Path(tempfile.mkdtemp(prefix="leaflet-bench-"))
    rows_csv = work / "prescriptions.csv"
    write_rows(rows_csv, args.rows)

    print(f"batch of {args.rows} personalised leaflets, {os.cpu_count()} cores here")
    one_elapsed, one = run_batch(rows_csv, work / "out", 1)
    elapsed, many = run_batch(rows_csv, work / "out", args.jobs)
    after = load()

    content = load_content(CONTENT)
    template_set = resolve_set("default")
    settings = print_settings(template_set)
    fonts = load_fonts(settings.theme)
    patients = first_patients(rows_csv, len(SCHEDULES))
    wording = content_wording(content, template_set)
    markups = [render_markup(content, template_set, template_context(p, content, wording))
               for p in patients]
    floor_texts = [paragraphs_of(m, markup_locator(m, template_set)) for m in markups]
    floor = KeptFloor(floor_texts, work)
    floor_ms = statistics.mean(median_cpu_ms(lambda n=n: floor.build(n), args.runs,
                                             floor.cpu_seconds)
                               for n in range(len(floor_texts)))
    floor.close()
    # each patient once, as in a batch: the proof reads a page it has read before, byte
    # for byte, only once, so building one patient again and again would prove less
    distinct = first_patients(rows_csv, min(args.rows, 1 + args.runs * len(SCHEDULES)))
    leaflet_ms = median_cpu_each([lambda p=p: render(content, template_set, settings, fonts, p,
                                                     remember=True)  # as a worker does
                                  for p in distinct])
    first_ms = statistics.mean(median_cpu_ms(lambda p=p: first_leaflet(content, template_set,
                                                                       fonts, p),
                                             args.runs // 3 + 1) for p in patients)
    cpu_one = one["cpu"] / args.rows * 1000
    cpu_many = many["cpu"] / args.rows * 1000
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rows = [
        ("leaflets per second, --jobs 1", f"{args.rows / one_elapsed:.1f}", ""),
        (f"leaflets per second, --jobs {args.jobs}", f"{args.rows / elapsed:.1f}", ""),
        (f"--jobs {args.jobs} / --jobs 1 throughput", f"{one_elapsed / elapsed:.2f}",
         f">= {0.85 * args.jobs:.2f}"),
        ("per-leaflet CPU, batch, --jobs 1", f"{cpu_one:.1f} ms", ""),
        (f"per-leaflet CPU, batch, --jobs {args.jobs}", f"{cpu_many:.1f} ms", ""),
        ("  of which the main process", f"{many['main_cpu'] / args.rows * 1000:.1f} ms", ""),
        ("per-leaflet CPU, in-process warm", f"{leaflet_ms:.1f} ms", ""),
        ("first leaflet of a content (no reuse)", f"{first_ms:.1f} ms", ""),
        ("plain-ReportLab floor, warm CPU", f"{floor_ms:.1f} ms", ""),
        ("batch CPU / floor, --jobs 1", f"{cpu_one / floor_ms:.2f}", "<= 1.20"),
        (f"batch CPU / floor, --jobs {args.jobs}", f"{cpu_many / floor_ms:.2f}", "<= 1.20"),
        ("in-process CPU / floor", f"{leaflet_ms / floor_ms:.2f}", ""),
        ("peak memory, batch main process", f"{many['main']:.0f} MB", ""),
        ("peak memory, largest worker", f"{many['worker']:.0f} MB", "< 60"),
        ("largest worker RSS, first quarter", f"{many['first_quarter']:.0f} MB", ""),
        ("largest worker RSS, last quarter", f"{many['last_quarter']:.0f} MB", "flat"),
        ("ru_maxrss of this benchmark", f"{self_peak:.0f} MB", ""),
    ]
    rows += weasyprint_rows(markups, leaflet_ms, args)
    print(f"load average {after} after the batches (1, 5 and 15 minutes)")
    print(f"\n{'measure':<40}{'value':>12}{'target':>10}")
    for label, value, target in rows:
        print(f"{label:<40}{value:>12}{target:>10}")


def weasyprint_rows(markups: list[str], leaflet_ms: float,
                    args: argparse.Namespace) -> list[tuple[str, str, str]]:
    try:
        from weasy import render_html
    except ImportError as exc:
        print(f"\nWeasyPrint comparison skipped: {exc} (pip install weasyprint to include it)")
        return []
    count = max(1, args.weasyprint_leaflets)
    render_html(markups[0])
    start = time.process_time()
    for n in range(count):
        render_html(markups[n % len(markups)])
    weasy_ms = (time.process_time() - start) / count * 1000
    return [("WeasyPrint, per leaflet, warm CPU", f"{weasy_ms:.1f} ms", ""),
            ("WeasyPrint / leaflet (in-process)", f"{weasy_ms / leaflet_ms:.1f}x", "")]


if __name__ == "__main__":
    main()

"""Time a batch of personalised baclofen leaflets against the plain-ReportLab floor and,
when it is installed, WeasyPrint, all in one run.

    python benchmarks/bench_batch.py [--rows 1000] [--jobs 2] [--weasyprint-leaflets 10]

Batch: `python -m leaflet batch` on a generated list of ROWS prescriptions
(titration, steady and twice-a-day schedules, different names and start dates),
as a fresh process, wall clock. Per-leaflet cost is what one leaflet costs one
core: wall time x jobs / rows. The floor is plain ReportLab setting one
personalised leaflet's own text (benchmarks/floor.py), warm, in this process.
Peak memory is each process's high-water mark (VmHWM, read from /proc while the
run goes on; workers started by a fork server are not the batch's children, so
getrusage alone does not see them), and getrusage for this process and its
children. WeasyPrint renders the same leaflets from the same markup mapped to
HTML with a stylesheet holding the theme's fonts, sizes and margins
(benchmarks/weasy.py); it is skipped with a message when it is not installed.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
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
from floor import build as floor_build  # noqa: E402

from leaflet.batch.rows import Listing  # noqa: E402
from leaflet.build import load_fonts, render  # noqa: E402
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


class PeakMemory:
    """Polls /proc for the high-water mark of a process and all its descendants."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peaks: dict[int, tuple[str, int]] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _poll(self) -> None:
        while not self.stop.is_set():
            for pid in self._tree():
                status = _status(pid)
                if status and "VmHWM" in status:
                    kb = int(status["VmHWM"].split()[0])
                    name = "main" if pid == self.root else "worker"
                    if kb > self.peaks.get(pid, ("", 0))[1]:
                        self.peaks[pid] = (name, kb)
            self.stop.wait(0.05)

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
        return {"main": main / 1024, "worker": workers / 1024}


def _status(pid: int) -> dict[str, str] | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def run_batch(rows_csv: Path, out: Path, jobs: int) -> tuple[float, dict[str, float]]:
    command = [sys.executable, "-m", "leaflet", "batch", str(rows_csv), "--out-dir", str(out),
               "--jobs", str(jobs)]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    memory = PeakMemory(process.pid) if Path("/proc/self/status").exists() else None
    stdout, stderr = process.communicate()
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"batch failed: {stderr.decode()}")
    peaks = memory.finish() if memory else {"main": 0.0, "worker": 0.0}
    print(f"  {stdout.decode().strip()}")
    return elapsed, peaks


def first_leaflet(content, template_set, fonts, patient) -> None:
    """A personalised leaflet with nothing kept from before: the shared pages laid out too."""
    personalise._shared.clear()
    personalise._shared_pages.clear()
    render(content, template_set, print_settings(template_set), fonts, patient)


def median_ms(action, runs: int) -> float:
    action()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=15, help="samples for the warm medians")
    parser.add_argument("--weasyprint-leaflets", type=int, default=10)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="leaflet-bench-"))
    rows_csv = work / "prescriptions.csv"
    write_rows(rows_csv, args.rows)

    print(f"batch of {args.rows} personalised leaflets, --jobs {args.jobs} "
          f"({os.cpu_count()} cores here)")
    elapsed, peaks = run_batch(rows_csv, work / "out", args.jobs)
    per_leaflet = elapsed * args.jobs / args.rows * 1000
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    content = load_content(CONTENT)
    template_set = resolve_set("default")
    settings = print_settings(template_set)
    fonts = load_fonts(settings.theme)
    patients = first_patients(rows_csv, len(SCHEDULES))
    wording = content_wording(content, template_set)
    markups = [render_markup(content, template_set, template_context(p, content, wording))
               for p in patients]
    floor_texts = [paragraphs_of(m, markup_locator(m, template_set)) for m in markups]
    floor_ms = statistics.mean(median_ms(lambda t=t: floor_build(t), args.runs)
                               for t in floor_texts)
    leaflet_ms = statistics.mean(
        median_ms(lambda p=p: render(content, template_set, settings, fonts, p),
                  args.runs) for p in patients)
    first_ms = statistics.mean(median_ms(lambda p=p: first_leaflet(content, template_set, fonts,
                                                                   p), args.runs // 3 + 1)
                               for p in patients)
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rows = [
        ("leaflets per second, batch", f"{args.rows / elapsed:.1f}", ">= 60"),
        ("per-leaflet core cost, batch", f"{per_leaflet:.1f} ms", ""),
        ("per-leaflet, in-process warm", f"{leaflet_ms:.1f} ms", ""),
        ("first leaflet of a content (no reuse)", f"{first_ms:.1f} ms", ""),
        ("plain-ReportLab floor, warm", f"{floor_ms:.1f} ms", ""),
        ("batch cost / floor", f"{per_leaflet / floor_ms:.2f}", "<= 1.50"),
        ("in-process cost / floor", f"{leaflet_ms / floor_ms:.2f}", "<= 1.50"),
        ("peak memory, batch main process", f"{peaks['main']:.0f} MB", "< 200"),
        ("peak memory, largest worker", f"{peaks['worker']:.0f} MB", "< 200"),
        ("ru_maxrss of children (largest)", f"{children:.0f} MB", ""),
        ("ru_maxrss of this benchmark", f"{self_peak:.0f} MB", ""),
    ]
    rows += weasyprint_rows(markups, leaflet_ms, args)
    print(f"\n{'measure':<36}{'value':>14}{'target':>10}")
    for label, value, target in rows:
        print(f"{label:<36}{value:>14}{target:>10}")


def weasyprint_rows(markups: list[str], leaflet_ms: float,
                    args: argparse.Namespace) -> list[tuple[str, str, str]]:
    try:
        from weasy import render_html
    except ImportError as exc:
        print(f"\nWeasyPrint comparison skipped: {exc} (pip install weasyprint to include it)")
        return []
    count = max(1, args.weasyprint_leaflets)
    render_html(markups[0])
    start = time.perf_counter()
    for n in range(count):
        render_html(markups[n % len(markups)])
    weasy_ms = (time.perf_counter() - start) / count * 1000
    return [("WeasyPrint, per leaflet, warm", f"{weasy_ms:.1f} ms", ""),
            ("WeasyPrint / leaflet (in-process)", f"{weasy_ms / leaflet_ms:.1f}x", "")]


if __name__ == "__main__":
    main()

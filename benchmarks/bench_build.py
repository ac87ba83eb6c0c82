"""Time one leaflet's build against the plain-ReportLab floor, in one run, as ratios, and
print each against its target with the machine's load average.

    python benchmarks/bench_build.py [--runs N]

Warm: after one untimed build each (fonts registered, modules imported), the median of N
builds, each checked (as `leaflet build` does) and written to a file: by `build()`, which
forks a limited child for each, and by a `Builder`, which keeps one limited process for
all. The floor is kept in a process of its own, which never imports leaflet: leaflet puts
faster equivalents of some of ReportLab's functions in their place, and embeds font subsets
its own way (only the glyphs drawn, each subset named by what it holds), and in this
process the floor would run them too. A kept process's CPU time is read from
/proc/PID/schedstat.
Cold: each as a fresh process (`python -m leaflet build` against
`python benchmarks/floor.py`), median of N, twice, each with its own bytecode cache
(PYTHONPYCACHEPREFIX): with every module's bytecode compiled, as an installed package
has it (pip compiles a wheel's modules when it installs them), and with leaflet's own
modules compiled from source on every run (the dependencies' bytecode kept), as in a
source checkout where Python may not write bytecode (PYTHONDONTWRITEBYTECODE); and with
every module compiled but no cache folder (XDG_CACHE_HOME under a file), so nothing an
earlier run compiled is kept (templates, catalogues, regular expressions), as for the
first run after an install or where the user's cache cannot be written. The first two
use the user's cache folder, which the untimed first run of each fills.
Memory: the peak resident set of one `leaflet build` and the limited child it forks,
from wait4 in a small measuring process (Linux carries a parent's peak across exec).
Machines are noisy, so only the ratios are meant to be compared across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content" / "baclofen.yaml"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from floor import KeptFloor, live_cpu_seconds  # noqa: E402

from leaflet.build import Builder, build, build_pdf  # noqa: E402
from leaflet.render.markup import Heading, ItemList, Paragraph, Span, parse_markup  # noqa: E402
from leaflet.render.templates import markup_locator, render_markup, resolve_set  # noqa: E402
from leaflet.sources.content import load_content  # noqa: E402


def leaflet_paragraphs() -> list[dict[str, str]]:
    """The leaflet's paragraphs in reading order with their roles, for the floor to set."""
    template_set = resolve_set("default")
    markup = render_markup(load_content(CONTENT), template_set)
    return paragraphs_of(markup, markup_locator(markup, template_set))


def paragraphs_of(markup: str, locate) -> list[dict[str, str]]:
    """Any leaflet markup's paragraphs in reading order with their roles."""
    document = parse_markup(markup, locate)
    out: list[dict[str, str]] = []

    def text(inlines) -> str:
        return "".join(i.text for i in inlines if isinstance(i, Span))

    def walk(blocks, role="body"):
        for block in blocks:
            if isinstance(block, Heading):
                out.append({"role": f"h{block.level}", "text": text(block.inlines)})
            elif isinstance(block, Paragraph):
                out.append({"role": role, "text": text(block.inlines)})
            elif isinstance(block, ItemList):
                for item in block.items:
                    walk(item.blocks, "item")
            elif hasattr(block, "rows"):
                for row in block.rows:
                    for cell in row:
                        if getattr(cell, "box", False):
                            out.append({"role": "body", "text": "\u2610"})
                        walk(cell.blocks)
            else:
                walk(block.blocks)

    walk(document.blocks)
    return out


def interleaved(actions: dict[str, object], runs: int) -> dict[str, tuple[float, float]]:
    """Alternate the contenders so a noisy spell hits both alike; the median wall-clock
    and CPU time of each. CPU time is this process's and its reaped children's (a build's
    limited child, a command's process): on a busy machine it moves far less than the
    clock does, which also counts the time spent waiting for a core."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            cpu = cpu_seconds()
            start = time.perf_counter()
            action()
            samples[name].append((time.perf_counter() - start, cpu_seconds() - cpu))
    return {name: (statistics.median(wall for wall, _ in values),
                   statistics.median(cpu for _, cpu in values))
            for name, values in samples.items()}


BUILDER = Builder()
FLOOR: KeptFloor | None = None  # started by main


def cpu_seconds() -> float:
    """This process's CPU time, its reaped children's, and the kept processes' (the
    Builder's worker, the floor)."""
    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime
            + worker_seconds() + (FLOOR.cpu_seconds() if FLOOR is not None else 0.0))


def worker_seconds() -> float:
    """The kept worker's CPU time so far."""
    pid = BUILDER.worker.pid if BUILDER.worker is not None else None
    return 0.0 if pid is None else live_cpu_seconds(pid)


# Runs a command and prints its exit status and peak memory with that of the children it
# waited for. Small on purpose: a command forked from this benchmark would inherit its peak.
MEASURE = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024)
"""


def peak_mb(command: list[str], env: dict[str, str]) -> float:
    code, peak = subprocess.run([sys.executable, "-c", MEASURE, *command], check=True,
                                cwd=ROOT, capture_output=True, text=True, env=env).stdout.split()
    if code != "0":
        raise SystemExit(f"{' '.join(command)} failed with exit status {code}")
    return float(peak)


def bytecode_caches(out: Path, commands) -> tuple[dict[str, str], dict[str, str]]:
    """Environments for the two cold cases: a cache holding every module's bytecode (written
    by one untimed run of each command), and a copy of it without leaflet's own."""
    compiled_cache, source_cache = out / "bytecode", out / "bytecode-without-leaflet"
    base = {name: value for name, value in os.environ.items()
            if name not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    compiled = {**base, "PYTHONPYCACHEPREFIX": str(compiled_cache)}
    for command in commands:
        subprocess.run(command, check=True, cwd=ROOT, capture_output=True, env=compiled)
    shutil.copytree(compiled_cache, source_cache)
    shutil.rmtree(source_cache / ROOT.relative_to(ROOT.anchor) / "leaflet")
    return compiled, {**base, "PYTHONPYCACHEPREFIX": str(source_cache),
                      "PYTHONDONTWRITEBYTECODE": "1"}


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    before = load()

    paragraphs = leaflet_paragraphs()
    out = Path(tempfile.mkdtemp())
    dump = out / "paragraphs.json"
    dump.write_text(json.dumps(paragraphs), "utf-8")
    global FLOOR
    FLOOR = KeptFloor([paragraphs], out)
    actions = {"leaflet": lambda: build(CONTENT, out / "l.pdf"),
               "builder": lambda: BUILDER.build(CONTENT, out / "b.pdf"),
               "floor": FLOOR.build,
               "build_pdf": lambda: build_pdf(CONTENT)}
    for action in actions.values():
        action()
    worker = BUILDER.worker.pid if BUILDER.worker is not None else None
    warm = interleaved(actions, args.runs)
    if worker is None or BUILDER.worker is None or BUILDER.worker.pid != worker:
        raise SystemExit("the Builder's worker was replaced: its CPU time is not all counted")
    BUILDER.close()
    FLOOR.close()
    FLOOR = None
    if (out / "b.pdf").read_bytes() != (out / "l.pdf").read_bytes():
        raise SystemExit("the Builder's leaflet is not the same as build()'s")

    commands = {
        "leaflet": [sys.executable, "-m", "leaflet", "build", str(CONTENT), "-o",
                    str(out / "l.pdf")],
        "floor": [sys.executable, str(ROOT / "benchmarks" / "floor.py"), str(dump),
                  str(out / "f.pdf")],
    }
    compiled, leaflet_source = bytecode_caches(out, commands.values())
    no_cache = out / "no-cache-folder"  # a file: the cache folder cannot be made under it
    no_cache.write_text("")
    first_run = {**compiled, "XDG_CACHE_HOME": str(no_cache)}
    cold = {}
    for label, env in (("compiled", compiled), ("source", leaflet_source),
                       ("first", first_run)):
        cold[label] = interleaved(
            {name: (lambda c=cmd, e=env: subprocess.run(c, check=True, cwd=ROOT,
                                                        capture_output=True, env=e))
             for name, cmd in commands.items()}, max(5, args.runs // 2))
    memory = max(peak_mb(commands["leaflet"], compiled) for _ in range(3))
    floor_memory = max(peak_mb(commands["floor"], compiled) for _ in range(3))

    print(f"{os.cpu_count()} cores; load average {before} before, {load()} after "
          f"(1, 5 and 15 minutes)")
    print(f"{'':<34}{'-------- wall clock --------':>30}{'-------- CPU time ---------':>30}")
    print(f"{'case':<34}{'leaflet':>10}{'floor':>10}{'ratio':>8}  {'leaflet':>10}{'floor':>10}"
          f"{'ratio':>8}{'target':>8}")
    for label, figures, target in (
            ("warm in-process build()", warm, "<=2.00"),
            ("warm, through a Builder",
             {"leaflet": warm["builder"], "floor": warm["floor"]}, "<=2.00"),
            ("warm build_pdf (no content checks)",
             {"leaflet": warm["build_pdf"], "floor": warm["floor"]}, ""),
            ("cold, compiled bytecode", cold["compiled"], "<=1.60"),
            ("cold, leaflet compiled each run", cold["source"], ""),
            ("cold, nothing kept between runs", cold["first"], "")):
        (wall, cpu), (floor_wall, floor_cpu) = figures["leaflet"], figures["floor"]
        print(f"{label:<34}{wall * 1000:>8.1f}ms{floor_wall * 1000:>8.1f}ms"
              f"{wall / floor_wall:>8.2f}  {cpu * 1000:>8.1f}ms{floor_cpu * 1000:>8.1f}ms"
              f"{cpu / floor_cpu:>8.2f}{target:>8}")
    print(f"{'peak memory of one build process':<34}{memory:>8.0f}MB{floor_memory:>8.0f}MB"
          f"{memory / floor_memory:>8.2f}  {'':>28}{'<60 MB':>8}")

if __name__ == "__main__":
    main()

"""How much `leaflet check` adds to a build, as ratios to a plain render in the same run.

    python benchmarks/check_speed.py

The first check in a process loads the CMU pronouncing dictionary (textstat, about
0.6 s and 70 MB, most of the cost); later checks reuse it. Targets, to catch
regressions: the first check costs at most 12 renders (9 when written), a warm check at
most one (0.25 when written). Exit code 1 if a target is missed.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from leaflet.build import build_pdf  # noqa: E402
from leaflet.check import Checker  # noqa: E402
from leaflet.render.templates import resolve_set  # noqa: E402

CONTENT = ROOT / "content" / "baclofen.yaml"
TARGETS = {"first check": 12.0, "warm check": 1.0}
RUNS = 5


def best_of(action, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    build_pdf(CONTENT)  # fonts registered, modules warm
    render = best_of(lambda: build_pdf(CONTENT))
    checker = Checker(resolve_set("default"), date.today())
    start = time.perf_counter()
    checker.check(CONTENT)
    measured = {"first check": time.perf_counter() - start,
                "warm check": best_of(lambda: checker.check(CONTENT))}
    print(f"render (baseline): {render * 1000:.0f} ms")
    failed = False
    for name, seconds in measured.items():
        ratio = seconds / render
        ok = ratio <= TARGETS[name]
        failed |= not ok
        print(f"{name}: {seconds * 1000:.0f} ms = {ratio:.2f} x render "
              f"(target <= {TARGETS[name]:g}) {'ok' if ok else 'MISSED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Time `leaflet import` per example against a build of what it imported, in one run.

    python benchmarks/bench_import.py [--runs N] [--examples FOLDER]

For each ePI and SPL example (../shared/examples/epi beside the checkout): the import
(read, parse, place, write the YAML) and a build of the imported content, dose table and
urgent sign filled in as a person would (check, render, lay out, verify, write the PDF),
both warm in this process after one untimed run, interleaved, the median of N each.
Machines are noisy, so only the ratios are meant to be compared across runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from leaflet.build import build  # noqa: E402
from leaflet.sources.importers import import_source, write_content  # noqa: E402

EXAMPLES = {
    "Aclasta ePI (no)": "Bundle-545701.json",
    "Karvea ePI (en)": "Bundle-bundlepackageleaflet-en-dcaa4d32aa6658a8df831551503e52ee.json",
    "Tegretol ePI (es)": "Bundle-bundlepackageleaflet-es-2f37d696067eeb6daf1111cfc3272672.json",
    "Triaminic Drug Facts": "cough.xml",
    "Lipitor SPL with PPI": "lipitor-repack.xml",
}


def import_once(source: Path, output: Path) -> None:
    imported = import_source(source)
    write_content(imported.yaml_text(output.name), output, source, force=True)


def filled(content: Path) -> Path:
    """The import with a one-step dose table, its maximum and an urgent sign written in."""
    data = yaml.safe_load(content.read_text("utf-8"))
    dosing = data["sections"]["dosing"]
    dosing["schedule"]["steps"] = [{"dose": "1 mg", "times_a_day": 1}]
    dosing["maximum_daily_dose"] = "100000 mg"
    urgent = data["sections"]["side_effects"]["urgent"]
    if all(sign.startswith("[") for sign in urgent["signs"]):
        urgent["signs"] = ["a sign a person writes"]
    path = content.with_name("filled-" + content.name)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def seconds(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--examples", type=Path, default=ROOT.parent / "shared" / "examples"
                        / "epi")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
          f"; median of {args.runs}, warm")
    print(f"{'example':<24} {'bytes':>8} {'import':>9} {'build':>9} {'ratio':>6} {'pages':>5}")
    with tempfile.TemporaryDirectory() as folder:
        for label, name in EXAMPLES.items():
            source = args.examples / name
            content = Path(folder) / "imported.yaml"
            pdf = Path(folder) / "imported.pdf"
            import_once(source, content)
            to_build = filled(content)
            pages = build(to_build, pdf).pages  # untimed: fonts, templates, modules warm
            imports, builds = [], []
            for _ in range(args.runs):
                imports.append(seconds(lambda s=source, c=content: import_once(s, c)))
                builds.append(seconds(lambda f=to_build, p=pdf: build(f, p)))
            took, built = statistics.median(imports), statistics.median(builds)
            print(f"{label:<24} {source.stat().st_size:>8} {took * 1000:>7.1f}ms "
                  f"{built * 1000:>7.1f}ms {took / built:>6.2f} {pages:>5}")


if __name__ == "__main__":
    main()

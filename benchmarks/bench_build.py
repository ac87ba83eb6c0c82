"""Time the full pipeline against the plain-ReportLab floor, in one run, as ratios.

    python benchmarks/bench_build.py [--runs N]

Warm: both in this process, after one untimed build each (fonts registered,
modules imported); the median of N builds, each checked (as `leaflet build`
does) and written to a file. Cold: each as a fresh process
(`python -m leaflet build` against `python benchmarks/floor.py`), median of N.
Machines are noisy, so only the ratios are meant to be compared across runs.
"""

from __future__ import annotations

import argparse
import json
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

from floor import build as floor_build  # noqa: E402

from leaflet.build import build  # noqa: E402
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


def interleaved(actions: dict[str, object], runs: int) -> dict[str, float]:
    """Alternate the contenders so a noisy spell hits both alike."""
    samples: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            start = time.perf_counter()
            action()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    paragraphs = leaflet_paragraphs()
    out = Path(tempfile.mkdtemp())
    dump = out / "paragraphs.json"
    dump.write_text(json.dumps(paragraphs), "utf-8")
    actions = {"leaflet": lambda: build(CONTENT, out / "l.pdf"),
               "floor": lambda: (out / "f.pdf").write_bytes(floor_build(paragraphs))}
    for action in actions.values():
        action()
    warm = interleaved(actions, args.runs)

    commands = {
        "leaflet": [sys.executable, "-m", "leaflet", "build", str(CONTENT), "-o",
                    str(out / "l.pdf")],
        "floor": [sys.executable, str(ROOT / "benchmarks" / "floor.py"), str(dump),
                  str(out / "f.pdf")],
    }
    cold = interleaved({name: (lambda c=cmd: subprocess.run(c, check=True, cwd=ROOT,
                                                            capture_output=True))
                        for name, cmd in commands.items()}, max(5, args.runs // 2))

    print(f"{'case':<28}{'leaflet':>10}{'floor':>10}{'ratio':>8}{'target':>8}")
    for label, figures in (("warm in-process build", warm), ("cold process", cold)):
        ratio = figures["leaflet"] / figures["floor"]
        print(f"{label:<28}{figures['leaflet'] * 1000:>8.1f}ms{figures['floor'] * 1000:>8.1f}ms"
              f"{ratio:>8.2f}{'<=1.50':>8}")


if __name__ == "__main__":
    main()

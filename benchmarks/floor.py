"""The floor: plain ReportLab setting the leaflet's own text with the same fonts, sizes and
page geometry, and nothing else.

The text comes from a JSON dump of the finished leaflet's paragraphs (made once,
untimed, by bench_build.py): one entry per paragraph with its role. No
validation, templates, markup, boxes, footer or finishing: the least work that
puts the same words on pages, which the pipeline is measured against.

    python benchmarks/floor.py PARAGRAPHS.json OUT.pdf           (one build: the cold floor)
    python benchmarks/floor.py --serve SETS.json OUT.pdf   (warm: see serve and KeptFloor)
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import yaml
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate

ROOT = Path(__file__).resolve().parent.parent
THEME = ROOT / "templates" / "default" / "theme.yaml"
_styles: dict[str, ParagraphStyle] = {}


def _setup() -> dict[str, ParagraphStyle]:
    if _styles:
        return _styles
    theme = yaml.safe_load(THEME.read_text("utf-8"))
    files = theme["fonts"]["body"]
    for name, key in (("Body", "regular"), ("Body-Bold", "bold")):
        pdfmetrics.registerFont(TTFont(name, str(ROOT / "fonts" / files[key])))
    sizes = theme["type"]
    body = ParagraphStyle("body", fontName="Body", fontSize=sizes["body_size"],
                          leading=sizes["body_size"] * sizes["line_spacing"],
                          alignment=TA_LEFT, spaceAfter=theme["spacing_mm"]["paragraph"] * mm)
    _styles["body"] = body
    for role in ("h1", "h2", "h3"):
        size = sizes[f"{role}_size"]
        _styles[role] = ParagraphStyle(role, parent=body, fontName="Body-Bold", fontSize=size,
                                       leading=size * 1.25, keepWithNext=1)
    _styles["margins"] = theme["page"]["margins_mm"]
    return _styles


def escape(text: str) -> str:
    """Paragraph markup's three special characters. Not xml.sax.saxutils.escape, which
    imports urllib, http.client and email (about 20 ms) for the same three replacements."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build(paragraphs: list[dict[str, str]]) -> bytes:
    styles = _setup()
    story = [Paragraph(escape(p["text"]), styles.get(p["role"], styles["body"]),
                       bulletText="•" if p["role"] == "item" else None) for p in paragraphs]
    margins = styles["margins"]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=margins["left"] * mm,
                      rightMargin=margins["right"] * mm, topMargin=margins["top"] * mm,
                      bottomMargin=margins["bottom"] * mm, invariant=1).build(story)
    return buffer.getvalue()


def serve(sets: list[list[dict[str, str]]], out: Path) -> None:
    """For each line read, a number: build set NUMBER of ``sets``, write it, answer a line.
    The warm floor, kept in a process of its own: leaflet puts faster equivalents of two of
    ReportLab's functions in their place (leaflet.pdf.layout.fragments and .subsets), and
    in a process that had imported leaflet the floor would run them too."""
    if any(name == "leaflet" or name.startswith("leaflet.") for name in sys.modules):
        raise SystemExit("the floor must not run with leaflet imported")
    for line in sys.stdin:
        out.write_bytes(build(sets[int(line)]))
        print("built", flush=True)


def live_cpu_seconds(pid: int) -> float:
    """A live process's CPU time so far, which getrusage counts only once it is reaped: from
    the kernel's scheduler, in nanoseconds (/proc/PID/stat counts 10 ms ticks, a fifth of a
    leaflet's build)."""
    with open(f"/proc/{pid}/schedstat") as stats:
        return int(stats.read().split()[0]) / 1e9


class KeptFloor:
    """A client of ``serve`` for the benchmarks: the floor's process, started with the
    paragraph sets it builds, and its CPU time."""

    def __init__(self, sets: list[list[dict[str, str]]], folder: Path) -> None:
        dump = folder / "floor-paragraphs.json"
        dump.write_text(json.dumps(sets), "utf-8")
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve", str(dump),
             str(folder / "floor.pdf")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True)

    def build(self, number: int = 0) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{number}\n")
        self.process.stdin.flush()
        if self.process.stdout.readline() != "built\n":
            raise SystemExit(f"the floor's process failed (exit status {self.process.wait()})")

    def cpu_seconds(self) -> float:
        return live_cpu_seconds(self.process.pid)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        if self.process.wait() != 0:
            raise SystemExit("the floor's process failed")


if __name__ == "__main__":
    if sys.argv[1] == "--serve":
        serve(json.loads(Path(sys.argv[2]).read_text("utf-8")), Path(sys.argv[3]))
    else:
        paragraphs = json.loads(Path(sys.argv[1]).read_text("utf-8"))
        Path(sys.argv[2]).write_bytes(build(paragraphs))

"""What tagging costs: the same leaflet laid out, checked and finished tagged and untagged,
in one run, interleaved, as a ratio of medians.

    python benchmarks/bench_tagging.py [--runs N] [--patient]

Only the stages tagging touches are timed (layout, the profile check that reads the PDF
back, finishing); loading the content and rendering the templates are the same either
way and would only dilute the ratio. The untagged build is `Layout(tagged=False)`, an
internal switch that draws the same pages without marks or a structure tree.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from leaflet.build import load_fonts, metadata_for, verifier  # noqa: E402
from leaflet.pdf.finish import finish  # noqa: E402
from leaflet.pdf.layout import Layout  # noqa: E402
from leaflet.render.markup import parse_markup  # noqa: E402
from leaflet.render.profiles import print_settings  # noqa: E402
from leaflet.render.templates import markup_locator, render_markup, resolve_set  # noqa: E402
from leaflet.sources.content import load_content  # noqa: E402

CONTENT = ROOT / "content" / "baclofen.yaml"


def builder(layout: str, tagged: bool):
    """A function that lays out, checks and finishes the baclofen leaflet once."""
    content = load_content(CONTENT)
    template_set = resolve_set("default")
    settings = print_settings(template_set, layout, None, None)
    fonts = load_fonts(settings.theme)
    markup = render_markup(content, template_set)
    locate = markup_locator(markup, template_set)
    document = parse_markup(markup, locate)
    metadata = metadata_for(content, document.title, document.lang)
    verify = verifier(settings.theme, settings.profile)

    def build() -> int:
        layout_ = Layout(settings.theme, fonts, lambda line: locate(line, ""),
                         template_set.image, tagged=tagged)
        laid = layout_.render(document, metadata)
        finished = finish(laid.pdf, metadata, laid.tree)
        verify(finished)  # as a build does: the finished file is the one proved
        return len(finished)

    return build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--layout", default="standard", choices=("standard", "two-column"))
    args = parser.parse_args()
    tagged, untagged = builder(args.layout, True), builder(args.layout, False)
    sizes = tagged(), untagged()  # warm: fonts registered, modules imported
    times: dict[str, list[float]] = {"tagged": [], "untagged": []}
    for _ in range(args.runs):
        for name, build in (("tagged", tagged), ("untagged", untagged)):
            start = time.perf_counter()
            build()
            times[name].append(time.perf_counter() - start)
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"layout {args.layout}, {args.runs} runs each, interleaved")
    print(f"  untagged: {median['untagged'] * 1000:6.1f} ms median, {sizes[1]:,} bytes")
    print(f"  tagged:   {median['tagged'] * 1000:6.1f} ms median, {sizes[0]:,} bytes")
    print(f"  ratio:    {median['tagged'] / median['untagged']:.3f} (target < 1.15)")


if __name__ == "__main__":
    main()

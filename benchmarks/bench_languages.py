"""Time baclofen's build in Spanish and in Chinese against the English one, in one run,
as ratios, with the machine's load average.

    python benchmarks/bench_languages.py [--runs N]

The same content with only `leaflet.language` changed (the content's strings as they are:
what changes is the wording the template set adds, its fonts and its line breaking). Warm:
in this process after one untimed build of each; the languages interleaved, the median
wall-clock and CPU time of N builds each (CPU time counts the limited child each build
forks), each checked and written to a file as `leaflet build` does.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content" / "baclofen.yaml"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_build import interleaved, load  # noqa: E402

from leaflet.build import build  # noqa: E402

LANGUAGES = ("en", "es", "zh")


def in_language(language: str, out: Path) -> Path:
    """A copy of the content with its `leaflet.language` set to ``language``."""
    text, count = re.subn(r"(?m)^(  language: ).*$", rf"\g<1>{language}",
                          CONTENT.read_text("utf-8"))
    if count != 1:
        raise SystemExit(f"{CONTENT}: expected one leaflet.language line, found {count}")
    path = out / f"baclofen-{language}.yaml"
    path.write_text(text, "utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    before = load()
    out = Path(tempfile.mkdtemp())
    contents = {language: in_language(language, out) for language in LANGUAGES}
    actions = {language: (lambda c=path, o=out / f"{language}.pdf": build(c, o))
               for language, path in contents.items()}
    pages = {language: action().pages for language, action in actions.items()}
    figures = interleaved(actions, args.runs)

    print(f"{os.cpu_count()} cores; load average {before} before, {load()} after "
          f"(1, 5 and 15 minutes); median of {args.runs} warm builds each")
    print(f"{'language':<10}{'pages':>6}{'wall':>10}{'ratio':>8}{'CPU':>10}{'ratio':>8}")
    english_wall, english_cpu = figures["en"]
    for language, (wall, cpu) in figures.items():
        print(f"{language:<10}{pages[language]:>6}{wall * 1000:>8.1f}ms"
              f"{wall / english_wall:>8.2f}{cpu * 1000:>8.1f}ms{cpu / english_cpu:>8.2f}")


if __name__ == "__main__":
    main()

"""Runs a CJK line must not break inside. ReportLab's CJK wrapping breaks between any two
characters, so in a narrow column it parts an amount from its counter ("3" and "次") or
splits a tablet count in brackets: "(1片" at a line's end reads as one tablet, "半)" (and
a half) comes only on the next line. A paragraph whose lines break inside such a run is
broken again, with that line ending before the run, by ReportLab's own breaking.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from reportlab.pdfbase.pdfmetrics import stringWidth

# Digits, ASCII or full-width, and what joins them into one amount or time: a decimal
# point, a fraction's slash, a range's dash or tilde, a clock's colon ("1/2", "1.5",
# "1-2", "8:00", and the same in full-width forms).
_AMOUNT = (r"[0-9\uff10-\uff19]+(?:[.,/:\-~\u2013\uff0e\uff0f\uff1a\uff5e\u301c]"
           r"[0-9\uff10-\uff19]+)*")
# A unit written after an amount, in Latin or full-width letters or in Chinese (ending
# where its letters end: "10mg的" keeps "10mg" whole), or one CJK character after it (a
# counter: 片, 次, 日).
_UNIT = (r"(?:[ \u00a0]?(?:mg|mcg|micrograms|ml|mL|g|\u00b5g|\u03bcg|\u00b0C|"
         r"\uff4d\uff47|\uff4d\uff4c|\u6beb\u514b|\u6beb\u5347|\u5fae\u514b)"
         r"(?![A-Za-z\uff21-\uff3a\uff41-\uff5a])|[\u3000-\u9fff\uf900-\ufaff])")
KEPT_WHOLE = re.compile(
    r"[(\uff08][^()\uff08\uff09\n]{1,8}[)\uff09]"  # a short aside in brackets, as (1片半)
    rf"|{_AMOUNT}{_UNIT}?"  # an amount, with its unit or counter
    r"|\u5468[\u4e00\u4e8c\u4e09\u56db\u4e94\u516d\u65e5]")  # a weekday in a date: 周四
FIT = 0.01  # points: room left on a shortened line, so its last character still fits


def break_keeping_runs(break_lines: Callable[[list[float]], Any],
                       max_widths: float | list[float] | tuple[float, ...]) -> Any:
    """``break_lines(widths)`` (ReportLab's CJK breaking), tried again with a narrower line
    wherever a line ends inside a run of KEPT_WHOLE that could start the next line. A run
    wider than a whole line breaks where it must; every character is kept either way."""
    widths = list(max_widths) if isinstance(max_widths, (list, tuple)) else [max_widths]
    result = break_lines(list(widths))
    lines = line_texts(result)
    # each try ends one line earlier and leaves the lines before it as they were
    for _ in range(sum(map(len, lines))):
        cut = _first_cut(lines)
        if cut is None:
            return result
        index, keep = cut
        widths += [widths[-1]] * (index + 2 - len(widths))  # later lines keep their width
        widths[index] -= _narrower_by(result, index, keep)
        retried = break_lines(list(widths))
        if line_texts(retried) == lines:  # lines given, not broken: a split part's
            return result
        result, lines = retried, line_texts(retried)
    return result


def line_texts(result: Any) -> list[str]:
    """Each line's characters, from either of ReportLab's kinds of broken lines."""
    if result.kind == 0:
        return ["".join(words) for _, words in result.lines]
    return ["".join(word.text for word in line.words) for line in result.lines]


def _first_cut(lines: list[str]) -> tuple[int, int] | None:
    """The first line that ends inside a run, and how many of its characters come before
    the run; None when no line does, or each such run starts its line (too wide to move)."""
    text = "".join(lines)
    runs = [(m.start(), m.end()) for m in KEPT_WHOLE.finditer(text) if m.end() - m.start() > 1]
    start = 0
    for index, line in enumerate(lines[:-1]):
        end = start + len(line)
        for run_start, run_end in runs:
            if start < run_start < end < run_end:
                return index, run_start - start
        start = end
    return None


def _narrower_by(result: Any, index: int, keep: int) -> float:
    """How much narrower line ``index`` must be to hold only its first ``keep`` characters:
    all it had room for beyond them, less a hair so that those still fit."""
    if result.kind == 0:
        extra, words = result.lines[index]
        text = "".join(words)[keep:]
        return float(extra + stringWidth(text, result.fontName, result.fontSize)) - FIT
    line = result.lines[index]
    kept, seen = 0.0, 0
    for word in line.words:
        before = word.text[:max(keep - seen, 0)]
        seen += len(word.text)
        if before:
            kept += stringWidth(before, word.fontName, word.fontSize)
    return float(line.maxWidth) - kept - FIT

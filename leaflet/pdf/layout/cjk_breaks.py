"""Runs a CJK line must not break inside. ReportLab's CJK wrapping breaks between any two
characters, so in a narrow column it parts an amount from its counter ("3" and "次") or
splits a tablet count in brackets: "(1片" at a line's end reads as one tablet, "半)" (and
a half) comes only on the next line.

A paragraph ReportLab breaks without such a break keeps ReportLab's lines. Otherwise it is
broken again by ReportLab's own CJK breaking, a few hundred characters at a time: the
lines before the first bad one are kept, that line is made to end before its run, and the
breaking goes on from there, so a long paragraph costs about what breaking it once does.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus.paragraph import _handleBulletWidth, cjkFragSplit

# Digits, ASCII or full-width, and what joins them into one amount or time: a decimal
# point, a fraction's slash, a range's dash or tilde, a clock's colon ("1/2", "1.5",
# "1-2", "8:00", and the same in full-width forms).
_AMOUNT = (r"[0-9\uff10-\uff19]+(?:[.,/:\-~\u2013\uff0e\uff0f\uff1a\uff5e\u301c]"
           r"[0-9\uff10-\uff19]+)*")
# A unit written after an amount, in Latin or full-width letters or in Chinese (ending
# where its letters end: "10mg的" keeps "10mg" whole), or a counter: tablet, capsule,
# times, day, month, year, hour, minute, week, drop, sachet, bottle, box, dose (Chinese
# and Japanese).
_UNIT = (r"(?:[ \u00a0]?(?:mg|mcg|micrograms|ml|mL|g|\u00b5g|\u03bcg|\u00b0C|"
         r"\uff4d\uff47|\uff4d\uff4c|\u6beb\u514b|\u6beb\u5347|\u5fae\u514b)"
         r"(?![A-Za-z\uff21-\uff3a\uff41-\uff5a])"
         r"|[\u7247\u7c92\u6b21\u56de\u65e5\u5929\u6708\u5e74\u5c81\u6b73\u65f6\u6642"
         r"\u5206\u5468\u9031\u6ef4\u888b\u5305\u74f6\u76d2\u652f\u9320\u500b\u4e2a\u679a])")
KEPT_WHOLE = re.compile(
    r"[(\uff08][^()\uff08\uff09\n]{1,8}[)\uff09]"  # a short aside in brackets, as (1片半)
    rf"|{_AMOUNT}{_UNIT}?"  # an amount, with its unit or counter
    r"|\u5468[\u4e00\u4e8c\u4e09\u56db\u4e94\u516d\u65e5]")  # a weekday in a date: 周四
FIT = 0.01  # points: room left on a shortened line, so its last character still fits
WINDOW = 400  # characters broken at first once a paragraph has had to be put right
MIN_WINDOW = 48  # and then about eight lines' worth at a time, never fewer than this
LOOKAHEAD = 40  # characters past a window read to see a run go on across its end

Pieces = list[tuple[Any, str]]  # ReportLab text fragments and their text, in order


def break_keeping_runs(paragraph: Any, break_lines: Callable[[list[float]], Any],
                       max_widths: float | list[float] | tuple[float, ...]) -> Any:
    """The lines of ``paragraph`` (its frags, style and bullet), from ``break_lines``
    (ReportLab's CJK breaking) when no line of those ends inside a run of KEPT_WHOLE that
    could start the next line; otherwise broken anew so that none does. A run wider than
    a whole line breaks where it must. Every character is kept either way."""
    widths = list(max_widths) if isinstance(max_widths, (list, tuple)) else [max_widths]
    result = break_lines(list(widths))
    if getattr(paragraph, "_splitpara", 0) or not _crosses_a_run(line_texts(result)):
        return result  # lines given (a split part's), or nothing to put right
    return _break_in_windows(paragraph, widths)


def line_texts(result: Any) -> list[str]:
    """Each line's characters, from either of ReportLab's kinds of broken lines."""
    if result.kind == 0:
        return ["".join(words) for _, words in result.lines]
    return ["".join(word.text for word in line.words) for line in result.lines]


def _crosses_a_run(lines: list[str]) -> bool:
    """Whether any line ends inside a run (however wide: the slower breaking judges that)."""
    text, end, ends = "".join(lines), 0, set()
    for line in lines[:-1]:
        end += len(line)
        ends.add(end)
    return any(ends.intersection(range(run_start + 1, run_end))
               for run_start, run_end in _runs(text))


def _runs(text: str) -> list[tuple[int, int]]:
    """Where each run of KEPT_WHOLE longer than one character starts and ends."""
    return [(m.start(), m.end()) for m in KEPT_WHOLE.finditer(text) if m.end() - m.start() > 1]


def _break_in_windows(paragraph: Any, widths: list[float]) -> Any:
    """Every line from ReportLab's cjkFragSplit (which keeps each character, spaces at a
    break too), some hundred characters at a time: the lines before one that ends inside
    a run are kept, and that one is broken again narrowed to end before the run."""
    style = paragraph.style
    auto = getattr(paragraph, "autoLeading", getattr(style, "autoLeading", ""))
    bounds = auto not in ("", "off")
    pieces: Pieces = [(frag, frag.text) for frag in paragraph.frags]
    kept: list[Any] = []
    narrow: float | None = None  # the width of the next window's first line, when narrowed
    size, result = WINDOW, None
    while pieces:
        window, after = _take(pieces, size)
        # the widths from this window's first line on; the last goes on for later lines
        line_widths = [widths[min(len(kept) + i, len(widths) - 1)]
                       for i in range(max(2, len(widths) - len(kept)))]
        if narrow is not None:
            line_widths[0] = narrow
        elif not kept:
            _handleBulletWidth(paragraph.bulletText, style, line_widths)
        result = cjkFragSplit([frag.clone(text=text) for frag, text in window],
                              line_widths, bounds)
        lines = line_texts(result)
        final = len(lines) - 1 if after else len(lines)  # a window's last line goes on
        if final == 0:  # a line longer than the window: take more at once
            size *= 2
            continue
        ahead = "".join(text for _, text in _take(after, LOOKAHEAD)[0])
        cut = _first_cut(lines[:final + 1], ahead, window, line_widths)
        done = final if cut is None else cut[0]
        kept += result.lines[:done]
        pieces = _take(pieces, sum(len(line) for line in lines[:done]))[1]
        narrow = None if cut is None else _kept_width(result.lines[done], cut[1])
        size = max(MIN_WINDOW, 8 * max(map(len, lines[:final])))  # about eight lines
    assert result is not None
    result.lines = kept
    return result


def _first_cut(lines: list[str], ahead: str, window: Pieces,
               line_widths: list[float]) -> tuple[int, int] | None:
    """The first line that ends inside a run which would fit on the next line, and how
    many of its characters come before the run; None when no line does."""
    text = "".join(lines) + ahead
    sizes = _char_widths(window, len(text))
    runs = _runs(text)
    start = 0
    for index, line in enumerate(lines[:-1]):
        end = start + len(line)
        room = line_widths[min(index + 1, len(line_widths) - 1)]
        for run_start, run_end in runs:
            if start < run_start < end < run_end and sum(sizes[run_start:run_end]) <= room:
                return index, run_start - start
        start = end
    return None


def _char_widths(window: Pieces, count: int) -> list[float]:
    """Each character's width in the window, in its fragment's font; characters past the
    window (read ahead) as wide as the window's last font's widest."""
    sizes = [_width(char, frag.fontName, frag.fontSize) for frag, text in window for char in text]
    wide = max(sizes, default=0.0)
    return sizes + [wide] * (count - len(sizes))


@functools.lru_cache(maxsize=4096)
def _width(char: str, font: str, size: float) -> float:
    return float(stringWidth(char, font, size))


def _kept_width(line: Any, keep: int) -> float:
    """The width of a line's first ``keep`` characters, and a hair: a line that wide holds
    them and ends before the character after them."""
    width, seen = FIT, 0
    for word in line.words:
        before = word.text[:max(keep - seen, 0)]
        seen += len(word.text)
        if before:
            width += stringWidth(before, word.fontName, word.fontSize)
    return float(width)


def _take(pieces: Pieces, count: int) -> tuple[Pieces, Pieces]:
    """The first ``count`` characters of ``pieces``, and the rest; a fragment with no
    characters (a line break) goes with what comes before it."""
    taken: Pieces = []
    for index, (frag, text) in enumerate(pieces):
        if count <= 0 and text:
            return taken, pieces[index:]
        if len(text) <= count:
            taken.append((frag, text))
            count -= len(text)
            continue
        return [*taken, (frag, text[:count])], [(frag, text[count:]), *pieces[index + 1:]]
    return taken, []

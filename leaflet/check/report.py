"""Reports as people and pipelines read them: a text table grouped by section, and a JSON
document of stable shape (leaflet/check/report.schema.json describes it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from leaflet.check.config import Readability
from leaflet.check.findings import Finding, Severity
from leaflet.check.readability import SectionReadability, quote
from leaflet.check.runner import FileReport

REPORT_FORMAT = "leaflet-check"
REPORT_VERSION = 2  # 2: reading_ease and grade are null outside English; formula, score
SCHEMA_PATH = Path(__file__).with_name("report.schema.json")


def _counts(findings: list[Finding]) -> dict[str, int]:
    return {severity.value: sum(f.severity is severity for f in findings)
            for severity in Severity}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary(findings: list[Finding]) -> str:
    counts = _counts(findings)
    return ", ".join(_plural(counts[s.value], s.value) for s in Severity)


# JSON

def report_json(reports: list[FileReport], targets: Readability, strict: bool) -> dict[str, Any]:
    """The whole run as one JSON-ready document."""
    every = [f for report in reports for f in report.findings]
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "strict": strict,
        "passed": all(report.passed for report in reports),
        "counts": _counts(every),
        "targets": {
            "grade_max": targets.grade_max,
            "reading_ease_min": targets.reading_ease_min,
            "average_sentence_words_max": targets.average_sentence_words_max,
            "sentence_words_max": targets.sentence_words_max,
        },
        "files": [_file_json(report) for report in reports],
    }


def _file_json(report: FileReport) -> dict[str, Any]:
    return {
        "file": report.file,
        "template_set": report.template_set,
        "review_status": report.status,
        "passed": report.passed,
        "counts": _counts(list(report.findings)),
        "findings": [_finding_json(f) for f in report.findings],
        "readability": [_readability_json(s) for s in report.readability],
    }


def _finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "severity": finding.severity.value,
        "rule": finding.rule,
        "section": finding.section,
        "line": finding.line,
        "key": finding.key,
        "message": finding.message,
        "suggestion": finding.suggestion,
    }


def _readability_json(stats: SectionReadability) -> dict[str, Any]:
    return {
        "section": stats.section,
        "words": stats.words,
        "sentences": len(stats.sentences),
        # English: Flesch and Flesch-Kincaid; another language: the formula made for it.
        "reading_ease": None if stats.formula else round(stats.reading_ease, 1),
        "grade": None if stats.formula else round(stats.grade, 1),
        "formula": stats.formula.name if stats.formula else None,
        "score": round(stats.score, 1) if stats.formula else None,
        "average_sentence_words": round(stats.words_per_sentence, 1),
        "longest_sentence_words": stats.longest,
        "long_words_percent": round(100 * stats.long_word_share, 1),
        "longest_sentences": [{"key": s.key, "line": s.line, "words": s.words,
                               "text": s.text} for s in stats.worst()],
    }


# text

def report_text(reports: list[FileReport], targets: Readability) -> str:
    """Findings grouped by section, then the readability table, for each file."""
    blocks = [_file_text(report, targets) for report in reports]
    if len(reports) > 1:
        every = [f for report in reports for f in report.findings]
        blocks.append(f"{_plural(len(reports), 'file')} checked: {summary(every)}")
    return "\n\n".join(blocks)


def _file_text(report: FileReport, targets: Readability) -> str:
    status = report.status or "not checked further: fix the format first"
    out = [f"{report.file} (template set {report.template_set!r}; {status})"]
    groups: dict[str, list[Finding]] = {}
    for finding in report.findings:
        groups.setdefault(finding.section, []).append(finding)
    for section, findings in groups.items():
        out.append("")
        out.append(f"  {section}")
        out += [f"    {f.severity.value}: {f}" for f in findings]
    if report.readability:
        out.append("")
        out += _readability_table(report.readability, targets)
    out.append("")
    verdict = "passed" if report.passed else "FAILED"
    out.append(f"{report.file}: {verdict}: {summary(list(report.findings))}")
    return "\n".join(out)


READABILITY_COLUMNS = ("section", "words", "sentences", "ease", "grade", "average", "longest",
                       "long words")


def _readability_table(figures: tuple[SectionReadability, ...],
                       targets: Readability) -> list[str]:
    formula = figures[0].formula  # one language per file
    columns = READABILITY_COLUMNS if formula is None else (
        *READABILITY_COLUMNS[:3], "score", *READABILITY_COLUMNS[5:])
    rows: list[tuple[str, ...]] = [columns]
    for stats in figures:
        scores = ((f"{stats.reading_ease:.1f}", f"{stats.grade:.1f}") if formula is None
                  else (f"{stats.score:.1f}",))
        rows.append((stats.section, str(stats.words), str(len(stats.sentences)), *scores,
                     f"{stats.words_per_sentence:.1f}", str(stats.longest),
                     f"{100 * stats.long_word_share:.0f}%"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    if formula is None:
        scored = (f"grade {targets.grade_max:g} or lower, reading ease "
                  f"{targets.reading_ease_min:g} or higher")
    else:
        side = "or higher" if formula.higher_is_easier else "or lower"
        scored = f"{formula.name} {formula.target_for(targets):g} {side}"
    lines = [f"  readability (targets: {scored}, sentences of "
             f"{targets.average_sentence_words_max:g} words on average and none over "
             f"{targets.sentence_words_max})"]
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width)
                                             for cell, width in zip(row[1:], widths[1:],
                                                                    strict=True)]
        lines.append("    " + "  ".join(cells))
    lines.append("")
    lines.append("  longest sentence in each section")
    for stats in figures:
        longest = stats.worst(1)[0]
        lines.append(f'    {stats.section} ({longest.words} words): "{quote(longest.text, 25)}"')
    return lines

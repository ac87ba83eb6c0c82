"""Run every rule on one content file and collect what they find.

The content format comes first, as in a build: a file that does not follow it is
reported with the format's own messages (and any required section missing), and the
other rules, which need the typed content, wait until it does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from leaflet.check.completeness import check_filled_in, missing_sections
from leaflet.check.config import CheckConfig, load_config
from leaflet.check.doses import check_doses
from leaflet.check.findings import Finding, Severity
from leaflet.check.language import check_language
from leaflet.check.plain_words import check_plain_words
from leaflet.check.review import check_review, check_revision_date
from leaflet.errors import ContentError, Problem
from leaflet.render.templates import TemplateSet
from leaflet.sources.content import ParsedContent, parse_content

if TYPE_CHECKING:  # measured only when asked for: a build without --strict never is
    from leaflet.check.readability import SectionReadability


@dataclass(frozen=True)
class FileReport:
    """What the checks found in one content file."""

    file: str
    template_set: str
    status: str | None  # 'draft' or 'approved'; None when the content could not be read
    findings: tuple[Finding, ...]
    readability: tuple[SectionReadability, ...] = ()

    def count(self, severity: Severity) -> int:
        return sum(f.severity is severity for f in self.findings)

    @property
    def passed(self) -> bool:
        return self.count(Severity.ERROR) == 0

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    def strict(self) -> FileReport:
        """Warnings raised to errors (--strict)."""
        return replace(self, findings=tuple(f.strict() for f in self.findings))


class Checker:
    """The rules of one template set, loaded once, applied to any number of files."""

    def __init__(self, template_set: TemplateSet, today: date, readability: bool = True) -> None:
        """``readability`` False skips the one rule that only ever warns and costs about a
        second (the pronouncing dictionary): a build can then never be stopped by it."""
        self.template_set = template_set
        self.config: CheckConfig = load_config(template_set)
        self.today = today
        self.readability = readability

    def check(self, path: Path | str) -> FileReport:
        """Every finding for the file at ``path``; a file that cannot be read is a finding
        too, so one bad file does not hide the others' reports."""
        try:
            parsed = parse_content(path)
        except ContentError as exc:
            return FileReport(str(path), self.template_set.name, None,
                              tuple(_format(p) for p in exc.problems))
        return self.check_parsed(parsed, str(path))

    def check_parsed(self, parsed: ParsedContent, name: str) -> FileReport:
        missing = missing_sections(parsed.root, parsed.lines, name, self.config)
        gone = {f.key for f in missing}
        findings = missing + [_format(p) for p in parsed.problems
                              if not (p.key in gone and p.message == "required key is missing")]
        content = parsed.content
        if content is None:
            return FileReport(name, self.template_set.name, None, _ordered(findings))
        figures: list[SectionReadability] = []
        if self.readability:
            from leaflet.check.readability import check_readability, measure

            figures = measure(content)
        config = self.config
        findings += check_filled_in(content, config)
        findings += check_review(content, self.today)
        findings += check_revision_date(content, self.today, config.revision_max_age_years)
        if self.readability:
            findings += check_readability(content, config.readability, figures)
        findings += check_plain_words(
            content, config.plain_words_for(content.data["leaflet"]["language"]))
        findings += check_doses(content, config.dose_text)
        findings += check_language(content, self.template_set)
        status = "approved" if content.approved else "draft"
        return FileReport(name, self.template_set.name, status, _ordered(findings),
                          tuple(figures))


def _format(problem: Problem) -> Finding:
    return Finding(Severity.ERROR, "format", problem.file, problem.line, problem.key,
                   problem.message)


def _ordered(findings: list[Finding]) -> tuple[Finding, ...]:
    """In file order, so a reader works down the file; errors first on the same line."""
    rank = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.NOTE: 2}
    return tuple(sorted(findings, key=lambda f: (f.line or 0, rank[f.severity], f.key or "",
                                                 f.message)))




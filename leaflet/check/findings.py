"""What a check finds: one typed finding per thing to fix, naming file, line and key path.

Rules return findings and never print; the CLI and the report decide how they look.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum


class Severity(str, Enum):
    """Errors stop a build; warnings are printed and, with --strict, become errors; notes
    are for information."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


RULES = ("format", "completeness", "readability", "plain-words", "dose", "review",
         "language")


@dataclass(frozen=True)
class Finding:
    """One thing a check found. ``key`` is a content key path such as
    'sections.overdose.signs[2]'; ``suggestion`` is replacement text where there is one."""

    severity: Severity
    rule: str
    file: str
    line: int | None
    key: str | None
    message: str
    suggestion: str | None = None

    @property
    def section(self) -> str:
        """What the table groups by: 'overdose' for 'sections.overdose.signs[2]', else the
        top-level key ('leaflet', 'review', 'medicine'), or 'file' when there is no key."""
        if not self.key:
            return "file"
        parts = self.key.replace("[", ".[").split(".")
        if parts[0] == "sections" and len(parts) > 1:
            return parts[1]
        return parts[0]

    def where(self) -> str:
        """'file:line: key' as every other leaflet message names a place."""
        place = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{place}: {self.key}" if self.key else place

    def __str__(self) -> str:
        return f"{self.where()}: {self.message}"

    def strict(self) -> Finding:
        """The same finding with a warning raised to an error."""
        if self.severity is Severity.WARNING:
            return replace(self, severity=Severity.ERROR)
        return self


class Located:
    """Makes findings for one content file, looking up each key path's line."""

    def __init__(self, file: str, lines: dict[str, int], rule: str) -> None:
        self.file = file
        self.lines = lines
        self.rule = rule

    def line_of(self, key: str | None) -> int | None:
        """The key's own line, or the nearest enclosing key's line (a missing key is
        reported where its parent mapping starts)."""
        while key:
            if key in self.lines:
                return self.lines[key]
            cut = max(key.rfind("."), key.rfind("["))
            key = key[:cut] if cut > 0 else ""
        return None

    def finding(self, severity: Severity, key: str | None, message: str,
                suggestion: str | None = None) -> Finding:
        return Finding(severity, self.rule, self.file, self.line_of(key), key, message,
                       suggestion)

    def error(self, key: str | None, message: str, suggestion: str | None = None) -> Finding:
        return self.finding(Severity.ERROR, key, message, suggestion)

    def warning(self, key: str | None, message: str, suggestion: str | None = None) -> Finding:
        return self.finding(Severity.WARNING, key, message, suggestion)

    def note(self, key: str | None, message: str) -> Finding:
        return self.finding(Severity.NOTE, key, message)

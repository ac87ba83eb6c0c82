"""Typed errors the library raises; only the CLI turns them into text and exit codes.

Every error carries one or more problems, each naming where it is (file, line,
key or template) so that a pharmacist can go straight to the mistake.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong, and where: printed as ``file:line: key: message``."""

    file: str
    line: int | None
    key: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class LeafletError(Exception):
    """Base of every error the library reports to a user; ``exit_code`` is for the CLI."""

    exit_code = 1

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[LeafletError], tuple[list[Problem]]]:
        """Rebuilt from its problems, not its text: errors cross from the process that
        renders (leaflet/limits.py) back to the one that reports."""
        return type(self), (self.problems,)


class ContentError(LeafletError):
    """The content file cannot be read or does not follow the content format."""


class SourceError(ContentError):
    """A file given to `leaflet import` is not a package leaflet we can read (not an ePI
    Bundle or SPL document, broken JSON or XML, too large, no patient section); bad input,
    so exit code 1."""


class PatientError(ContentError):
    """A patient file or batch row is wrong; bad input like content, so exit code 1."""


class ThemeError(LeafletError):
    """A template set's theme file is missing, malformed or out of range."""


class TemplateError(LeafletError):
    """A template failed to load or render."""


class MarkupError(LeafletError):
    """A template produced markup the layout does not understand."""


class FontError(LeafletError):
    """Text contains a character that no bundled font can draw."""


class LayoutError(LeafletError):
    """Something could not be placed on the page."""


class LimitError(LeafletError):
    """A template set's rendering or layout went past its time or memory limit; a set
    someone trusts may be given more (--time-limit, --memory-limit)."""


class OutputError(LeafletError):
    """The output path cannot be written; a usage problem, so exit code 2."""

    exit_code = 2


class CheckError(LeafletError):
    """`leaflet check` found errors (an overdose section left empty, a dose above the
    maximum, a revision date in the future): the leaflet must not be printed."""


class UsageError(LeafletError):
    """An option's value is wrong, or options cannot go together; a usage problem, so
    exit code 2."""

    exit_code = 2


def closest(word: str, known: Iterable[str], cutoff: float) -> str | None:
    """The known word nearest ``word``, for a "did you mean" hint; None if none is near.
    difflib is imported only here, for a mistake: a good file's build does without it."""
    import difflib

    close = difflib.get_close_matches(word, list(known), n=1, cutoff=cutoff)
    return close[0] if close else None

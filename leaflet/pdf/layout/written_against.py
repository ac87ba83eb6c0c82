"""Whether a ReportLab function is the one a replacement here was written against.

The layout puts its own equivalents in the place of some of ReportLab's functions
(`subsets`, `widths`, `drawn_glyphs`, `subset_tags`, `pdfdoc_encoding`), each only over
the function it was written against, known by its qualified name and by what its code
reads and holds: another ReportLab keeps its own, and builds as it always did.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def written_against(function: Any, qualname: str, reads: Iterable[str] = (),
                    holds: Iterable[object] = (), reads_only: bool = False) -> bool:
    """Whether ``function`` is named ``qualname`` and its code reads the global and
    attribute names ``reads`` (those alone, with ``reads_only``) and holds the constants
    ``holds``."""
    code = getattr(function, "__code__", None)
    if getattr(function, "__qualname__", None) != qualname or code is None:
        return False
    names = set(code.co_names)
    return (names == set(reads) if reads_only else names >= set(reads)) \
        and all(constant in code.co_consts for constant in holds)

"""The template set's fixed wording in the content's language: there, and reviewed.

A set prints its headings, lead-ins and boxes from its message catalogues
(render/wording.py). A language the set has no catalogue for cannot be built at all; one
whose catalogue no native speaker has reviewed can be, but the person building it must
hear so, from check, build and batch alike, and --strict refuses it: approved content is
not printed with wording nobody who speaks the language has read.
"""

from __future__ import annotations

from leaflet.check.findings import Finding, Located
from leaflet.errors import TemplateError
from leaflet.render.templates import TemplateSet, content_wording
from leaflet.sources.content import Content

KEY = "leaflet.language"


def check_language(content: Content, template_set: TemplateSet) -> list[Finding]:
    """An error when the set has no wording in the language (or its catalogue cannot be
    read), a warning when the wording is not reviewed; nothing for reviewed wording."""
    at = Located(content.name, content.lines, "language")
    try:
        wording = content_wording(content, template_set)
    except TemplateError as exc:
        return [at.error(KEY, problem.message) if problem.file == content.name
                else at.error(KEY, str(problem)) for problem in exc.problems]
    if wording.reviewed:
        return []
    unreviewed = [str(c.path) for c in wording.catalogues if not c.reviewed]
    return [at.warning(KEY, f"fixed wording in {wording.name} not yet reviewed by a native "
                            "speaker",
                       suggestion=f"have a native speaker read {' and '.join(unreviewed)}, "
                                  "then set X-Native-Review: yes in its header "
                                  "(docs/languages.md)")]

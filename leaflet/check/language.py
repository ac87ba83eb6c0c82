"""The language of the text against the language of the template set's own words.

The built-in sets print their headings, lead-ins and fixed boxes in English, whatever
``leaflet.language`` says, until translated wording exists. A leaflet in another language
(an import of a Spanish or Norwegian ePI) then mixes two languages: the person building
it must hear so once, from check, build and batch alike, not find it on the page.
"""

from __future__ import annotations

from leaflet.check.findings import Finding, Located
from leaflet.sources.content import Content

WORDING_LANGUAGE = "en"  # the language every built-in set's fixed words are in


def check_language(content: Content) -> list[Finding]:
    """One warning, at leaflet.language, when the text is not in the sets' language."""
    language = content.data["leaflet"]["language"]
    if language.split("-")[0].lower() == WORDING_LANGUAGE:
        return []
    at = Located(content.name, content.lines, "language")
    return [at.warning("leaflet.language",
                       f"the text is in {language!r}, but the headings and lead-ins the "
                       "template set prints are English until translated wording exists: "
                       "the leaflet mixes two languages")]

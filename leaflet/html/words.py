"""The few words only the web page says: a contents heading for a set that prints no list
of its sections, the name of a box with no heading of its own, and the line before the
address of the leaflet online. They are messages of the set's own catalogues, under the
context "web page", so they come in the leaflet's language exactly as the templates' words
do, and a message missing in that language is the same error as a template's.
"""

from __future__ import annotations

from leaflet.render.wording import Wording

CONTEXT = "web page"
MESSAGES = {
    "contents": "Contents",
    "important": "Important",
    "urgent": "Urgent",
    "online": "Read this leaflet online:",
}


def word(wording: Wording, name: str) -> str:
    """``name`` (a key of MESSAGES) in the wording's language; TemplateError, naming the
    message and the catalogue to add it to, when the language has no translation."""
    return wording.text(MESSAGES[name], CONTEXT)

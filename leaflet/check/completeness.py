"""Completeness: the sections the template set requires are there and say something real.

The content format already refuses a file without its core sections; the list here is the
template set's own (checks.yaml), so a set for another standard can demand more, and it is
checked on the raw YAML so a missing section is named even when other parts of the file
are wrong. "Real" means more than [placeholders]: a draft may keep them (each is a
warning, so nobody forgets one), approved content may not (each is an error).
"""

from __future__ import annotations

import yaml

from leaflet.check.config import CheckConfig
from leaflet.check.findings import Finding, Located, Severity
from leaflet.check.texts import PLACEHOLDER_RE, under, without_placeholders
from leaflet.sources.content import Content

MISSING = "required section is missing: {what}"


def find_node(root: yaml.Node, key: str) -> yaml.Node | None:
    """The node at a dotted key path, or None where a key is absent."""
    node: yaml.Node | None = root
    for part in key.split("."):
        if not isinstance(node, yaml.MappingNode):
            return None
        node = next((value for name, value in node.value if name.value == part), None)
    return node


def missing_sections(root: yaml.Node, lines: dict[str, int], file: str,
                     config: CheckConfig) -> list[Finding]:
    at = Located(file, lines, "completeness")
    return [at.error(key, MISSING.format(what=what))
            for key, what in config.required_sections if find_node(root, key) is None]


def check_filled_in(content: Content, config: CheckConfig) -> list[Finding]:
    """Required sections hold real text; placeholders are listed; at least one real
    'get help at once' item."""
    at = Located(content.name, content.lines, "completeness")
    severity = Severity.ERROR if content.approved else Severity.WARNING
    findings = []
    unwritten = []
    for key, what in config.required_sections:
        # startswith, a C call, passes few of the leaflet's texts on to under
        texts = [text for path, text in content.reader_texts
                 if path.startswith(key) and under(path, key)]
        if texts and not any(without_placeholders(text) for text in texts):
            findings.append(at.finding(severity, key, f"has only placeholders: write {what}"))
            unwritten.append(key)
    findings += _placeholders(at, content, severity, unwritten)
    urgent = [text for path, text in content.reader_texts
              if under(path, config.get_help_at_once) and without_placeholders(text)]
    if not urgent:
        findings.append(at.error(config.get_help_at_once,
                                 'no "get help at once" item: list at least one serious '
                                 "effect that needs help at once"))
    return findings


def _placeholders(at: Located, content: Content, severity: Severity,
                  unwritten: list[str]) -> list[Finding]:
    """Every [placeholder] printed for the reader or in the PDF's metadata, except in
    sections already reported as unwritten. One in the dose table says a person must write
    it: nothing could be filled in there from the leaflet's prose."""
    texts = [*content.reader_texts, ("leaflet.author", content.data["leaflet"]["author"])]
    texts = [(key, text) for key, text in texts
             if not any(under(key, section) for section in unwritten)]
    dose_table = {key for key, _ in content.unwritten_doses()}
    findings = []
    for key, text in texts:
        for match in PLACEHOLDER_RE.finditer(text):
            if content.approved:
                message = f"placeholder left in approved content: {match.group(0)}"
            elif key in dose_table:
                message = (f"dose table: a person must write this before approval: "
                           f"{match.group(0)}")
            else:
                message = f"placeholder to fill in before approval: {match.group(0)}"
            findings.append(at.finding(severity, key, message))
    return findings

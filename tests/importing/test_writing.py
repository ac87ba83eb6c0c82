"""The content file reads back as exactly what was imported, whatever the text holds."""

from __future__ import annotations

import yaml

from leaflet.errors import ContentError
from leaflet.sources.importers.writing import to_yaml
from leaflet.sources.yaml_source import compose_nodes

TRICKY = ["yes", "no", "null", "~", "1e3", "0755", "12:30", "#not a comment", "- dash",
          "key: value", '"quoted" and \\back', "tab\there", "line\u2028separator",
          "next\x85line", "[placeholder]", "& * ! | > % @ `", "ünïcödé 😀", ""]


def test_every_string_reads_back_as_itself():
    data = {"medicine": {"name": "Madeupol"}, "sections": {"storage": TRICKY},
            "steps": [{"dose": "5 mg", "times_a_day": 3}]}
    text = to_yaml(data, {"sections.storage": ["From: a # made-up heading"]}, ["A header."])
    assert yaml.safe_load(text) == data
    compose_nodes(text, "test.yaml", ContentError)  # no tags, aliases or repeated keys


def test_comments_sit_above_their_keys_and_wrap():
    text = to_yaml({"a": {"b": ["x"]}}, {"a.b": ["word " * 30]}, [])
    lines = text.splitlines()
    assert lines[0] == "a:"
    assert all(line.startswith("  # ") and len(line) <= 92 for line in lines[1:-2])
    assert lines[-2:] == ["  b:", '    - "x"']

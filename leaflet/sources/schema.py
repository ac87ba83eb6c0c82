"""Declarative schema: one description of a YAML format drives validation and JSON Schema.

Validation walks the position-carrying YAML nodes, so every problem names the
file, line and key path; it collects all problems instead of stopping at the
first. The same objects print a JSON Schema that editors use to complete files.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml

from leaflet.errors import Problem, closest
from leaflet.sources.characters import normalise, refused_character

STR, INT, FLOAT, BOOL = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "int", "float", "bool"))
SCALAR_KIND = {
    "tag:yaml.org,2002:str": "text",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true/false",
    "tag:yaml.org,2002:null": "nothing",
}
# Far beyond any real leaflet (baclofen's longest text is 183 characters, its longest list
# 15 items), low enough that no one text can stall the layout or fill pages on its own.
SHORT_CHARS = 500  # a text on its own: a name, a title, the sentence before a list
PARAGRAPH_CHARS = 5_000  # each paragraph or list item
MAX_ITEMS = 200  # items in one list
MAX_KEYS = 1_000  # keys in a mapping of your own: sections of your own, a word list
PLACEHOLDER = r"\[[^\[\]]+\]"


class Placeholder(str):
    """A [placeholder] where the format otherwise wants a number or a dose: a value a
    person has still to write. Its own type, so nothing does sums with it."""


@dataclass
class Walk:
    """What a validation pass carries along and collects."""

    file: str
    partial: bool = False  # a child theme names only the keys it changes
    problems: list[Problem] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)
    reader_texts: list[tuple[str, str]] = field(default_factory=list)

    def fail(self, node: yaml.Node, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, node.start_mark.line + 1, path or None, message))

    def expect_scalar(self, node: yaml.Node, path: str, tags: tuple[str, ...],
                      expected: str, hint: str = "") -> bool:
        """Note where ``path`` is; True if ``node`` is a scalar of one of ``tags``, else
        record 'expected ..., got ...' and return False."""
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode) and node.tag in tags:
            return True
        self.fail(node, path, f"expected {expected}, got {describe(node)}{hint}")
        return False


def describe(node: yaml.Node) -> str:
    """How a user would name what they wrote: 'a number', 'a list', ..."""
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    return SCALAR_KIND.get(node.tag, "text")


class Spec:
    """A node type of the format. ``reader`` marks text printed for the patient."""

    description: str = ""

    def validate(self, node: yaml.Node, path: str, walk: Walk) -> Any:
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def _schema(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"description": self.description, **body} if self.description else body


@dataclass
class Text(Spec):
    """One non-empty string, normalised (NFC) and holding only printable text; ``pattern``
    and ``hint`` constrain it where a format is expected."""

    description: str = ""
    reader: bool = True
    pattern: str | None = None
    hint: str = ""
    max_chars: int = SHORT_CHARS

    def validate(self, node: yaml.Node, path: str, walk: Walk) -> str | None:
        if not walk.expect_scalar(node, path, (STR,), "text", _quote_hint(node)):
            return None
        text = checked_text(str(node.value), self.max_chars)
        if isinstance(text, Refusal):
            walk.fail(node, path, text.reason)
            return None
        if not text.strip():
            walk.fail(node, path, "text is empty")
            return None
        if self.pattern and not re.fullmatch(self.pattern, text.strip()):
            walk.fail(node, path, f"{self.hint}; got {text.strip()!r}")
            return None
        if self.reader:
            walk.reader_texts.append((path, text))
        return text

    def json_schema(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": self.max_chars}
        if self.pattern:
            body["pattern"] = f"^(?:{self.pattern})$"
        return self._schema(body)


@dataclass(frozen=True)
class Refusal:
    """Why a text was refused, as the message says it."""

    reason: str


def checked_text(text: str, max_chars: int) -> str | Refusal:
    """``text`` normalised, or why it cannot be printed: too long, or a character that is not
    text or is right-to-left. Length first, so a huge text costs no character scan."""
    text = normalise(text)
    if len(text) > max_chars:
        return Refusal(f"text is {len(text):,} characters long; at most {max_chars:,} are "
                       "allowed here: shorten it")
    refused = refused_character(text)
    return Refusal(refused) if refused else text


def _quote_hint(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode) and node.tag != "tag:yaml.org,2002:null":
        return f" ({node.value!r}; put it in quotes if it is meant as text)"
    return ""


# YAML 1.1 (what PyYAML reads) and YAML 1.2 (what editors read) agree only on plain digits:
# 017 is 15 or 17, 1:30 is 90 or text. Any other way of writing a number is refused.
_WHOLE = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_DECIMAL = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)")
_YAML_READINGS = (
    (re.compile(r"[-+]?0[0-9_]+"), "a leading 0 makes YAML read it as an octal number"),
    (re.compile(r"[-+]?0x.*"), "0x makes YAML read it as a hexadecimal number"),
    (re.compile(r"[-+]?0b.*"), "0b makes YAML read it as a binary number"),
    (re.compile(r".*:.*"), "':' makes YAML read it as a number in base 60, 1:30 as 90"),
    (re.compile(r".*_.*"), "YAML skips '_' in a number, other programs do not"),
    (re.compile(r"[-+]?\.(inf|Inf|INF)"), "YAML reads it as infinity"),
    (re.compile(r"\.(nan|NaN|NAN)"), "YAML reads it as 'not a number'"),
)


def _plain_number(node: yaml.ScalarNode, path: str, walk: Walk, expected: str) -> str | None:
    """The number as written if YAML 1.1 and 1.2 read it alike; else a problem saying why."""
    text = str(node.value)
    if (_WHOLE if node.tag == INT else _DECIMAL).fullmatch(text):
        return text
    reason = next((f" ({why})" for pattern, why in _YAML_READINGS if pattern.fullmatch(text)),
                  "")
    walk.fail(node, path, f"expected {expected}; got {text!r}{reason}")
    return None


@dataclass
class Integer(Spec):
    """A whole number within bounds, written in plain digits."""

    description: str = ""
    minimum: int = 1
    maximum: int = 10_000
    placeholder: bool = False  # a draft may leave it to a person as a [placeholder]

    def validate(self, node: yaml.Node, path: str, walk: Walk) -> int | Placeholder | None:
        if self.placeholder and _is_placeholder(node):
            return _placeholder(node, path, walk)
        if not walk.expect_scalar(node, path, (INT,), "a whole number"):
            return None
        text = _plain_number(node, path, walk, "a whole number in plain digits, such as 14")
        if text is None:
            return None
        value = int(text) if len(text) <= 20 else None  # int() refuses 4,301 digits
        if value is None or not self.minimum <= value <= self.maximum:
            got = f"a number of {len(text):,} digits" if value is None else value
            walk.fail(node, path, f"expected a number from {self.minimum} to {self.maximum}, "
                                  f"got {got}")
            return None
        return value

    def json_schema(self) -> dict[str, Any]:
        body = {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}
        return self._schema(_or_placeholder(body) if self.placeholder else body)


DOSE_UNITS = ("mg", "g", "micrograms", "ml")
_DOSE_RE = re.compile(r"(\d+(?:\.\d+)?) (\S+)")
_UNIT_ADVICE = {"mcg": "micrograms", "µg": "micrograms", "ug": "micrograms",
                "mL": "ml", "milligrams": "mg", "grams": "g"}


@dataclass(frozen=True)
class Dose:
    """An amount of medicine; kept exact (Decimal) so totals never print as 14.999999."""

    amount: Decimal
    unit: str

    def per_day(self, times: int) -> Dose:
        return Dose(self.amount * times, self.unit)

    def __str__(self) -> str:
        amount = format(self.amount.normalize(), "f")
        return f"{amount} {self.unit}"


@dataclass
class DoseSpec(Spec):
    """'5 mg': a number, one space and a unit written the way patients read it."""

    description: str = ""
    placeholder: bool = False  # a draft may leave it to a person as a [placeholder]

    def validate(self, node: yaml.Node, path: str, walk: Walk) -> Dose | Placeholder | None:
        if self.placeholder and _is_placeholder(node):
            return _placeholder(node, path, walk)
        if not walk.expect_scalar(node, path, (STR,), "a dose like '5 mg'"):
            return None
        match = _DOSE_RE.fullmatch(str(node.value).strip())
        if not match:
            walk.fail(node, path, f"expected a dose like '5 mg' (number, space, unit); "
                                  f"got {node.value!r}")
            return None
        amount, unit = match.groups()
        if unit not in DOSE_UNITS:
            advice = f"write '{_UNIT_ADVICE[unit]}'" if unit in _UNIT_ADVICE else (
                "expected one of: " + ", ".join(DOSE_UNITS))
            walk.fail(node, path, f"unit {unit!r} is not allowed; {advice}")
            return None
        dose = Dose(Decimal(amount), unit)
        walk.reader_texts.append((path, str(dose)))
        return dose

    def json_schema(self) -> dict[str, Any]:
        units = "|".join(DOSE_UNITS)
        body = {"type": "string", "pattern": rf"^\d+(\.\d+)? ({units})$"}
        return self._schema(_or_placeholder(body) if self.placeholder else body)


def _is_placeholder(node: yaml.Node) -> bool:
    return (isinstance(node, yaml.ScalarNode) and node.tag == STR
            and re.fullmatch(PLACEHOLDER, str(node.value).strip()) is not None)


def _placeholder(node: yaml.Node, path: str, walk: Walk) -> Placeholder | None:
    """The [placeholder] as written, kept with the reader's texts so the checks list it."""
    walk.lines[path] = node.start_mark.line + 1
    text = checked_text(str(node.value).strip(), SHORT_CHARS)
    if isinstance(text, Refusal):
        walk.fail(node, path, text.reason)
        return None
    walk.reader_texts.append((path, text))
    return Placeholder(text)


def _or_placeholder(body: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [body, {"type": "string", "pattern": f"^{PLACEHOLDER}$"}]}


@dataclass
class ListOf(Spec):
    """A non-empty list of items of one spec, at most ``max_items`` long."""

    item: Spec
    description: str = ""
    check: Callable[[list[Any], yaml.SequenceNode, str, Walk], None] | None = None
    max_items: int = MAX_ITEMS

    def validate(self, node: yaml.Node, path: str, walk: Walk) -> list[Any] | None:
        walk.lines[path] = node.start_mark.line + 1
        if not isinstance(node, yaml.SequenceNode):
            walk.fail(node, path, f"expected {self._expected()}, got {describe(node)}")
            return None
        if not node.value:
            walk.fail(node, path, "list is empty")
            return None
        if len(node.value) > self.max_items:
            walk.fail(node, path, f"list has {len(node.value):,} items; at most "
                                  f"{self.max_items:,} are allowed here: shorten it")
            return None
        values = [self.item.validate(child, f"{path}[{i}]", walk)
                  for i, child in enumerate(node.value)]
        if self.check:
            self.check(values, node, path, walk)
        return values

    def _expected(self) -> str:
        return "a list of strings" if isinstance(self.item, Text) else "a list"

    def json_schema(self) -> dict[str, Any]:
        return self._schema({"type": "array", "minItems": 1, "maxItems": self.max_items,
                             "items": self.item.json_schema()})


def paragraphs(description: str = "") -> ListOf:
    """A list of paragraphs or list items, each one non-empty string."""
    return ListOf(Text(max_chars=PARAGRAPH_CHARS), description=description)


@dataclass
class Field:
    """A key of a Mapping: what its value must be, and whether it must be given."""

    spec: Spec
    required: bool = True


@dataclass
class Mapping(Spec):
    """A mapping with known keys; unknown keys are errors with a 'did you mean'."""

    fields: dict[str, Field]
    description: str = ""
    at_least_one: bool = False

    def validate(self, node: yaml.Node, path: str, walk: Walk) -> dict[str, Any] | None:
        walk.lines[path] = node.start_mark.line + 1
        if not isinstance(node, yaml.MappingNode):
            walk.fail(node, path, f"expected a mapping of keys, got {describe(node)}")
            return None
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child_path = f"{path}.{key}" if path else key
            if key not in self.fields:
                walk.fail(key_node, child_path, f"unknown key{self._suggest(key)}")
                continue
            result[key] = self.fields[key].spec.validate(value_node, child_path, walk)
        missing = [] if walk.partial else [
            k for k, f in self.fields.items() if f.required and k not in result]
        for key in missing:
            walk.fail(node, f"{path}.{key}" if path else key, "required key is missing")
        if self.at_least_one and not result and not walk.partial:
            walk.fail(node, path, "needs at least one of: " + ", ".join(self.fields))
        return result

    def _suggest(self, key: str) -> str:
        close = closest(key, self.fields, 0.6)
        if close:
            return f"; did you mean {close!r}?"
        return "; expected one of: " + ", ".join(self.fields)

    def json_schema(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "object",
            "properties": {k: f.spec.json_schema() for k, f in self.fields.items()},
            "additionalProperties": False,
        }
        required = [k for k, f in self.fields.items() if f.required]
        if required:
            body["required"] = required
        if self.at_least_one:
            body["minProperties"] = 1
        return self._schema(body)


@dataclass
class Number(Spec):
    """A number (whole or decimal) within bounds, e.g. a type size in points."""

    description: str = ""
    minimum: float = 0
    maximum: float = 1000

    def validate(self, node: yaml.Node, path: str, walk: Walk) -> float | None:
        if not walk.expect_scalar(node, path, (INT, FLOAT), "a number"):
            return None
        text = _plain_number(node, path, walk, "a number in plain digits, such as 11 or 9.5")
        if text is None:
            return None
        value = float(text)
        if not self.minimum <= value <= self.maximum:
            walk.fail(node, path, f"expected a number from {self.minimum:g} to "
                                  f"{self.maximum:g}, got {value:g}")
            return None
        return value

    def json_schema(self) -> dict[str, Any]:
        return self._schema({"type": "number", "minimum": self.minimum,
                             "maximum": self.maximum})


@dataclass
class Choice(Spec):
    """One of a fixed set of words; the error lists them."""

    choices: tuple[str, ...]
    description: str = ""

    def validate(self, node: yaml.Node, path: str, walk: Walk) -> str | None:
        walk.lines[path] = node.start_mark.line + 1
        value = node.value if isinstance(node, yaml.ScalarNode) else None
        if value not in self.choices:
            got = repr(value) if isinstance(value, str) else describe(node)
            walk.fail(node, path, f"expected one of: {', '.join(self.choices)}; got {got}")
            return None
        return value

    def json_schema(self) -> dict[str, Any]:
        return self._schema({"enum": list(self.choices)})


def colour() -> Text:
    """A '#rrggbb' colour."""
    return Text(reader=False, pattern=r"#[0-9a-fA-F]{6}",
                hint="expected a colour like '#1a1a1a'")


@dataclass
class MapOf(Spec):
    """A mapping whose keys the user names, each value of one spec: identifiers for
    sections of one's own, free words for a word list ('tinnitus: ringing in the ears')."""

    value: Spec
    description: str = ""
    key_pattern: str | None = r"[a-z][a-z0-9_]*"
    non_empty: bool = False
    max_entries: int = MAX_KEYS

    def validate(self, node: yaml.Node, path: str, walk: Walk) -> dict[str, Any] | None:
        walk.lines[path] = node.start_mark.line + 1
        if not isinstance(node, yaml.MappingNode):
            walk.fail(node, path, f"expected a mapping of keys, got {describe(node)}")
            return None
        if self.non_empty and not node.value:
            walk.fail(node, path, "mapping is empty")
            return None
        if len(node.value) > self.max_entries:
            walk.fail(node, path, f"mapping has {len(node.value):,} keys; at most "
                                  f"{self.max_entries:,} are allowed here: shorten it")
            return None
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value).strip()
            child_path = f"{path}.{key}" if path else key
            if self.key_pattern is None:
                if key_node.tag != "tag:yaml.org,2002:str" or not key:
                    walk.fail(key_node, child_path,
                              f"expected a word as the key, got {describe(key_node)}")
                    continue
                checked = checked_text(key, SHORT_CHARS)
                if isinstance(checked, Refusal):
                    walk.fail(key_node, child_path, checked.reason)
                    continue
                key = checked
                child_path = f"{path}.{key}" if path else key
            elif not re.fullmatch(self.key_pattern, key):
                walk.fail(key_node, child_path, "name sections with lower-case letters, digits "
                                                "and '_', starting with a letter")
                continue
            value = self.value.validate(value_node, child_path, walk)
            if value is not None:
                result[key] = value.strip() if isinstance(value, str) else value
        return result

    def json_schema(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": "object",
                                "additionalProperties": self.value.json_schema()}
        if self.key_pattern:
            body["propertyNames"] = {"pattern": f"^{self.key_pattern}$"}
        if self.non_empty:
            body["minProperties"] = 1
        body["maxProperties"] = self.max_entries
        return self._schema(body)


@dataclass
class Boolean(Spec):
    """true or false."""

    description: str = ""

    def validate(self, node: yaml.Node, path: str, walk: Walk) -> bool | None:
        if not walk.expect_scalar(node, path, (BOOL,), "true or false"):
            return None
        return str(node.value).lower() in ("true", "yes", "on")

    def json_schema(self) -> dict[str, Any]:
        return self._schema({"type": "boolean"})

"""The fixed words a template set prints, in the content's language, and its dates and numbers.

Each set may hold gettext catalogues, ``locales/<language>/LC_MESSAGES/leaflet.po``, read
with Babel. The set's own catalogue comes first, then those of the sets it extends, so a
set can reword one message and inherit every other. A message that no catalogue of the
chain translates is an error naming the message and the catalogue: plain gettext would
print the English text in the middle of a Spanish leaflet without a word. Dates and
numbers are written as the language writes them, by Babel from CLDR.
"""

from __future__ import annotations

import datetime
import functools
import gettext
import hashlib
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import babel
from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, format_skeleton
from babel.lists import format_list
from babel.numbers import format_decimal

from leaflet.cache import cache_folder, read_sealed, source_hash, write_sealed
from leaflet.errors import Problem, TemplateError
from leaflet.sources.schema import Dose

SOURCE_LANGUAGE = "en"  # the msgids are English wording, so English counts as reviewed
CATALOGUE = Path("LC_MESSAGES") / "leaflet.po"
MAX_CATALOGUE_BYTES = 1024 * 1024
REVIEW_HEADER = "X-Native-Review"
_REVIEW = re.compile(rf'^"{REVIEW_HEADER}:\s*(\w+)\s*\\n"\s*$', re.MULTILINE | re.IGNORECASE)
_MONTH = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")
MessageId = str | tuple[str, str]


@dataclass(frozen=True)
class Catalogue:
    """One .po file: its translations (fuzzy and empty ones left out: they count as
    missing), how it chooses a plural form, and whether a native speaker reviewed it."""

    path: Path
    locale: Locale | None  # its Language header ('en_GB'), which dates follow
    messages: dict[MessageId, str | tuple[str, ...]]
    plural: Any  # n -> index of the plural form, from the Plural-Forms header
    reviewed: bool


@functools.cache
def read_catalogue(path: Path, mtime_ns: int) -> Catalogue:
    """Parsed once per process and file version (``mtime_ns`` makes an edit count)."""
    del mtime_ns  # only part of the cache key
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_CATALOGUE_BYTES + 1)
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(Problem(str(path), None, None,
                                    f"cannot read the catalogue: {exc}")) from exc
    if len(data) > MAX_CATALOGUE_BYTES:
        raise TemplateError(Problem(str(path), None, None, "catalogue is larger than 1 MB; "
                                    "it holds a leaflet's fixed wording, not data"))
    language = path.parent.parent.name
    locale = _parse_locale(language)
    if locale is None:
        raise TemplateError(Problem(str(path), None, None,
                                    f"{language!r} is not a language Babel knows"))
    match = _REVIEW.search(text.split("\n\n", 1)[0])
    reviewed = (locale.language == SOURCE_LANGUAGE
                or (match is not None and match.group(1).lower() == "yes"))
    place = _entry_place(data)
    stored = _stored_catalogue(path, place, reviewed) if place else None
    if stored is not None:
        return stored
    parsed = _parse_catalogue(path, text)
    if place:
        _store_parse(place, parsed)
    return _catalogue(path, parsed, reviewed)


def _catalogue(path: Path, parsed: ParsedCatalogue, reviewed: bool) -> Catalogue:
    declared, plural_expr, messages = parsed
    return Catalogue(path, None if declared is None else Locale(*declared), messages,
                     gettext.c2py(plural_expr), reviewed)


# What a catalogue's text parses to: its Language header's locale (language, territory,
# script, variant, modifier; None without one), its plural expression and its messages.
ParsedCatalogue = tuple[tuple[str | None, ...] | None, str, dict[MessageId, str | tuple[str, ...]]]


def _parse_catalogue(path: Path, text: str) -> ParsedCatalogue:
    """Read with Babel, whose gettext support (and the email package it reads headers with)
    is imported only here: a catalogue parsed by an earlier run is not parsed again."""
    from babel.messages.pofile import PoFileError, read_po

    try:
        catalog = read_po(io.StringIO(text), abort_invalid=True)
        plural_expr = catalog.plural_expr
        gettext.c2py(plural_expr)
    except (PoFileError, ValueError, UnknownLocaleError) as exc:
        raise TemplateError(Problem(str(path), None, None,
                                    f"not a valid gettext catalogue: {exc}")) from exc
    messages: dict[MessageId, str | tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        _check_placeholders(path, message.lineno, message.id, strings)
        messages[key if message.context is None else (message.context, key)] = message.string
    declared = catalog.locale
    parts = None if declared is None else (declared.language, declared.territory,
                                          declared.script, declared.variant, declared.modifier)
    return parts, plural_expr, messages


# Parsed catalogues kept between runs, each under a hash of the file's bytes and of the
# code that parsed and checked it (this module, Babel's version): an edited catalogue or a
# new leaflet or Babel parses afresh. An entry is its JSON's SHA-256, a line end, then the
# JSON: one damaged on disk is parsed again, never read as other words.
_PARSED_FORMAT = "catalogue-2"
_MAX_ENTRY_BYTES = 4 * MAX_CATALOGUE_BYTES


def _made_by() -> bytes | None:
    """What parsed the entries; None (no entries kept) without this module's source."""
    source = source_hash(__file__)
    if source is None:
        return None
    return f"{_PARSED_FORMAT}\0babel{babel.__version__}\0{source}\0".encode()


def _entry_place(data: bytes) -> tuple[Path, str] | None:
    """The cache folder and the key an entry for a catalogue of these bytes has."""
    made_by, folder = _made_by(), cache_folder("catalogues")
    if made_by is None or folder is None:
        return None
    return folder, hashlib.sha256(made_by + data).hexdigest()


def _stored_catalogue(path: Path, place: tuple[Path, str],
                      reviewed: bool) -> Catalogue | None:
    """The catalogue as an earlier run parsed it; None when there is no sound entry."""
    payload = read_sealed(*place, _MAX_ENTRY_BYTES)
    if payload is None:
        return None
    try:
        parsed = _from_json(json.loads(payload))
        return None if parsed is None else _catalogue(path, parsed, reviewed)
    except (ValueError, TypeError, UnknownLocaleError, RecursionError):
        return None


def _from_json(value: Any) -> ParsedCatalogue | None:
    """An entry's JSON as _parse_catalogue returned it; None unless every part has the
    shape and types it had."""
    if not (isinstance(value, dict) and value.keys() == {"locale", "plural", "messages"}):
        return None
    declared, plural_expr, pairs = value["locale"], value["plural"], value["messages"]
    if declared is not None and not (isinstance(declared, list) and len(declared) == 5 and
                                     all(p is None or isinstance(p, str) for p in declared)):
        return None
    if not (isinstance(plural_expr, str) and isinstance(pairs, list)):
        return None
    messages: dict[MessageId, str | tuple[str, ...]] = {}
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2):
            return None
        key, string = _strings(pair[0]), _strings(pair[1])
        if key is None or string is None or (isinstance(key, tuple) and len(key) != 2):
            return None
        messages[key] = string
    return (None if declared is None else tuple(declared)), plural_expr, messages


def _strings(value: Any) -> str | tuple[str, ...] | None:
    """A string, or a list of strings as a tuple; None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None


def _store_parse(place: tuple[Path, str], parsed: ParsedCatalogue) -> None:
    declared, plural_expr, messages = parsed
    payload = json.dumps({"locale": declared, "plural": plural_expr,
                          "messages": [[key, string] for key, string in messages.items()]},
                         ensure_ascii=False).encode("utf-8")
    write_sealed(*place, payload)


# A %-conversion as the wording fills it in: %(name)s, or %% for a percent sign.
_CONVERSION = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0\- +]*\d*(?:\.\d+)?(?P<kind>[a-zA-Z%])?")


def _placeholders(text: str) -> set[str] | None:
    """The names ``text`` fills in; None when it holds a conversion the wording cannot
    fill (an unnamed %s, a lone %), which would print the wrong thing or fail."""
    names: set[str] = set()
    for match in _CONVERSION.finditer(text):
        if match.group(0) == "%%":
            continue
        if match["name"] is None or match["kind"] != "s":
            return None
        names.add(match["name"])
    return names


def _check_placeholders(path: Path, line: int, msgid: str | tuple[str, ...],
                        strings: tuple[str, ...]) -> None:
    """A translation fills in only names its message gives it, each as %(name)s: a %s
    would print a Python dictionary, and an unknown name or a lone % would stop the build
    far from the cause. It may leave one out, as QRD headings sometimes leave out the
    medicine's name ("Gebruikt u nog andere geneesmiddelen?")."""
    ids = msgid if isinstance(msgid, tuple) else (msgid,)
    given = set().union(*(_placeholders(i) or set() for i in ids))
    for text in strings:
        names = _placeholders(text)
        if names is not None and names <= given:
            continue
        known = ", ".join(f"%({n})s" for n in sorted(given)) or "none"
        raise TemplateError(Problem(str(path), line, None,
                                    f"the translation of {ids[0]!r} may fill in only the "
                                    f"names its message gives ({known}), each written "
                                    "%(name)s, and writes a percent sign as %%"))


def _parse_locale(tag: str) -> Locale | None:
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None


def _candidates(locale: Locale) -> list[str]:
    """Catalogue folders that fit a language tag, most specific first: 'es_MX', 'es'. A
    tag in another script than the language's usual one (Traditional Chinese) never
    falls back to the bare language, whose catalogue is in the usual script."""
    names = [str(locale)]
    if locale.script:
        names.append(f"{locale.language}_{locale.script}")
    if locale.territory:
        names.append(f"{locale.language}_{locale.territory}")
    if not locale.script or locale.script == _usual_script(locale.language):
        names.append(locale.language)
    parents = get_global("parent_exceptions")  # CLDR: Bokmål ('nb') reads as 'no'
    for name in list(names):
        while name in parents and parents[name] != "root":
            name = parents[name]
            names.append(name)
    return list(dict.fromkeys(names))


def _usual_script(language: str) -> str | None:
    """'Hans' for 'zh', from CLDR's likely subtags ('zh' -> 'zh_Hans_CN')."""
    parts = get_global("likely_subtags").get(language, "").split("_")
    return parts[1] if len(parts) == 3 else None


def display_name(locale: Locale) -> str:
    """'Spanish' (for es-ES too), 'Chinese (Simplified)': a language as a message names it;
    the country is left out, the script kept."""
    return Locale(locale.language, script=locale.script).get_display_name("en") or str(locale)


class Wording:
    """One set's fixed words in one language, and the language's dates and numbers."""

    def __init__(self, language: str, locale: Locale, catalogues: Sequence[Catalogue],
                 own: Path) -> None:
        """``own``: the set's own catalogue for the language, where a missing message is
        to be added (it may not exist yet: the words came from the sets it extends)."""
        self.language = language
        self.locale = locale
        self.catalogues = tuple(catalogues)
        self.own = own

    @property
    def name(self) -> str:
        return display_name(self.locale)

    @property
    def reviewed(self) -> bool:
        """Every catalogue the words can come from has been reviewed by a native speaker; a
        parent's catalogue whose every message a nearer one rewords does not count."""
        nearer: set[MessageId] = set()
        for catalogue in self.catalogues:
            if not catalogue.reviewed and not catalogue.messages.keys() <= nearer:
                return False
            nearer |= catalogue.messages.keys()
        return True

    @property
    def source_language(self) -> bool:
        return self.locale.language == SOURCE_LANGUAGE

    def texts(self) -> Iterator[str]:
        """Every message of every catalogue the words can come from."""
        for catalogue in self.catalogues:
            for value in catalogue.messages.values():
                yield from (value,) if isinstance(value, str) else value

    def _lookup(self, key: MessageId) -> str | tuple[str, ...] | None:
        for catalogue in self.catalogues:
            found = catalogue.messages.get(key)
            if found is not None:
                return found
        return None

    def _missing(self, msgid: str) -> TemplateError:
        return TemplateError(Problem(str(self.own), None, None,
                                     f"no {self.name} wording for the message {msgid!r}: "
                                     "add its msgstr to this catalogue (see docs/languages.md)"))

    def text(self, msgid: str, context: str | None = None) -> str:
        """The message in this language; a message no catalogue translates is an error,
        except in English, whose msgids are the wording itself."""
        found = self._lookup(msgid if context is None else (context, msgid))
        if isinstance(found, str):
            return found
        if self.source_language:
            return msgid
        raise self._missing(msgid)

    def plural(self, singular: str, plural: str, count: int) -> str:
        """The form of the message for ``count``, as the language counts (Polish has three)."""
        for catalogue in self.catalogues:
            found = catalogue.messages.get(singular)
            if isinstance(found, tuple):
                index = catalogue.plural(count)
                if index < len(found):
                    return found[index]
        if self.source_language:
            return singular if count == 1 else plural
        raise self._missing(singular)

    # Dates and numbers, as CLDR writes them in this language.

    def month_year(self, value: str) -> str:
        """'2026-05' or '2026-05-14' -> 'May 2026', 'mayo de 2026'; a [placeholder] or any
        other text stays as written."""
        match = _MONTH.fullmatch(value.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            return value
        day = datetime.date(int(match.group(1)), int(match.group(2)), 1)
        return format_skeleton("yMMMM", day, locale=self.locale)

    def long_date(self, day: datetime.date) -> str:
        """'Thursday, 12 March 2026', 'jueves, 12 de marzo de 2026'."""
        return format_date(day, "full", locale=self.locale)

    def chart_date(self, day: datetime.date) -> str:
        """'Thu 12 March': the weekday helps a patient find today's row."""
        return format_skeleton("MMMMEd", day, locale=self.locale)

    def day_month(self, day: datetime.date, year: bool = False) -> str:
        """'12 March', '12 de marzo'; with the year where it must be said."""
        return format_skeleton("yMMMMd" if year else "MMMMd", day, locale=self.locale)

    @functools.cached_property
    def month_first(self) -> bool:
        """Whether the language writes the month before the day ('March 12', '3月12日'): a
        range within one month then shortens its end, not its start ('3月12日至14日')."""
        return not format_skeleton("MMMMd", datetime.date(2000, 11, 22),
                                   locale=self.locale).lstrip().startswith("22")

    def day_number(self, day: datetime.date) -> str:
        """The day of the month alone, as the language writes it ('12', '12日')."""
        return format_skeleton("d", day, locale=self.locale)

    def number(self, value: Decimal | int) -> str:
        """'2.5' or '2,5': exact (no rounding) and without grouping, as a dose is written."""
        return format_decimal(value, locale=self.locale, group_separator=False,
                              decimal_quantization=False)

    def dose(self, dose: Dose) -> str:
        """'2,5 mg' in German; the unit is a message, so 'micrograms' is worded too."""
        return f"{self.number(dose.amount.normalize())} {self.text(dose.unit, 'dose unit')}"

    def join(self, items: Sequence[str]) -> str:
        """'8:00, 14:00 and 20:00' with the language's own 'and'."""
        return format_list(list(items), locale=self.locale)


def catalogue_paths(chain: Sequence[tuple[str, Path]], locale: Locale) -> list[Path]:
    """The catalogues a chain of sets holds for a language, the set's own first."""
    found = []
    for _, folder in chain:
        for name in _candidates(locale):
            path = folder / "locales" / name / CATALOGUE
            if path.is_file():
                found.append(path)
                break
    return found


def languages(chain: Sequence[tuple[str, Path]]) -> list[str]:
    """Every language some set of the chain has a catalogue for."""
    return sorted({path.parent.parent.name for _, folder in chain
                   for path in (folder / "locales").glob(f"*/{CATALOGUE.as_posix()}")})


class NoWording(TemplateError):
    """The set has no catalogue for the content's language."""


@functools.cache
def _wording(chain: tuple[tuple[str, Path], ...], language: str,
             stamps: tuple[int, ...]) -> Wording:
    del stamps  # only part of the cache key
    locale = _parse_locale(language)
    assert locale is not None
    paths = catalogue_paths(chain, locale)
    catalogues = [read_catalogue(p, p.stat().st_mtime_ns) for p in paths]
    declared = next((c.locale for c in catalogues if c.locale is not None), None)
    own = chain[0][1] / "locales" / paths[0].parent.parent.name / CATALOGUE
    wording = Wording(language, _formatting_locale(locale, declared), catalogues, own)
    # Babel loads a language's CLDR data on first use; do it here, once per process, not
    # in every build's rendering (which runs in a child process: leaflet/limits.py).
    wording.chart_date(datetime.date(2000, 1, 1))
    wording.long_date(datetime.date(2000, 1, 1))
    wording.join(["1", "2"])
    wording.number(Decimal("1.5"))
    return wording


def _formatting_locale(asked: Locale, declared: Locale | None) -> Locale:
    """The content's own tag when it names a country ('es-MX'); otherwise the Language
    header of the nearest catalogue with one (the default set's English is 'en_GB', the
    US set's 'en_US')."""
    if asked.territory or declared is None or declared.language != asked.language:
        return asked
    return declared


def wording_for(chain: Sequence[tuple[str, Path]], label: str, language: str,
                where: Problem | None = None) -> Wording:
    """The set's wording for a content language (a tag such as 'es' or 'en-GB'); cached per
    process. NoWording names the language and the set, at ``where`` when given."""
    chain = tuple(chain)
    locale = _parse_locale(language)
    paths = catalogue_paths(chain, locale) if locale is not None else []
    if not paths:
        have = ", ".join(languages(chain)) or "none"
        name = display_name(locale) if locale is not None else language
        message = (f"template set {label!r} has no fixed wording in {name} ({language!r}); "
                   f"it has: {have}. See docs/languages.md to add a language")
        file, line, key = (where.file, where.line, where.key) if where else (label, None, None)
        raise NoWording(Problem(file, line, key, message))
    stamps = tuple(p.stat().st_mtime_ns for p in paths)
    return _wording(chain, language, stamps)

"""PDF objects as Python values, read from the files a build makes and written back out.

Every PDF a build reads is one it has just made: ReportLab's pages, a finished leaflet,
pypdf's imposed sheets. Each has one classic cross-reference table (or a chain of
them) and plain objects, so a small reader is enough, and it keeps pypdf (about 50 ms
to import with what it pulls in, and 8 MB) out of every build but a booklet's. A file
with a cross-reference stream, object streams or encryption is not one of ours: it
raises `Unsupported`, and `leaflet inspect` hands such a file to pypdf instead.

Values: a dictionary is a `Dict` (keys are names with their slash, as pypdf has them),
an array a list, a name a `Name`, a string a `String` (its bytes), numbers int and
float, booleans bool, null None, a reference a `Ref`, a stream a `Stream`. Looking a
key up in a `Dict` follows a reference; iterating its items does not, so copying an
object keeps its references.
"""

from __future__ import annotations

import base64
import hashlib
import re
import weakref
import zlib
from collections.abc import Iterator
from typing import Any

MAX_DEPTH = 64  # nested arrays and dictionaries; ours go a few levels deep
MAX_REFERENCE_DEPTH = 16  # references followed one from another; ours go five deep
_NUMBERS = (int, float)
# What a page draws, and where, is read from these: its contents, its resources (fonts,
# forms), its boxes and its turn, with all they refer to
DRAWN_FROM = ("/Contents", "/Resources", "/MediaBox", "/CropBox", "/Rotate")
MAX_ITEMS = 100_000  # in one array or dictionary; ours hold at most a few thousand
MAX_DECODED = 64_000_000  # bytes a stream inflates to; a few KB inflate to gigabytes
INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")


class Unsupported(ValueError):
    """Not a file this reader reads (see the module docstring), or not a PDF at all."""


class Name(str):
    """A name with its slash, its #xx escapes read as the characters they stand for:
    ``Name("/Font")``."""

    __slots__ = ()


class String(bytes):
    """A string's bytes, however it was written (literal or hexadecimal)."""

    __slots__ = ()


class Ref:
    """A reference to object ``number`` of ``document`` (None for one being written).

    It holds its document weakly: a document's objects hold references to it, and a
    cycle through every object read would keep each file read, whole, until the cycle
    collector ran (a batch worker reads a file per leaflet). Keep the document for as
    long as its values are read."""

    __slots__ = ("_document", "generation", "number")

    def __init__(self, number: int, generation: int = 0, document: Document | None = None):
        self.number, self.generation = number, generation
        self._document = None if document is None else document.weak

    @property
    def document(self) -> Document | None:
        if self._document is None:
            return None
        document = self._document()
        if document is None:
            raise ReferenceError(f"reference {self.number} outlived the file it was read from")
        return document

    @property
    def idnum(self) -> int:  # pypdf's name, so that code reading either model can use it
        return self.number

    def get_object(self) -> Any:
        document = self.document
        if document is None:
            raise Unsupported(f"reference {self.number} belongs to no document")
        return document.get(self.number)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ref) and (other.number, other.generation) == \
            (self.number, self.generation)

    def __hash__(self) -> int:
        return hash((self.number, self.generation))

    def __repr__(self) -> str:
        return f"Ref({self.number}, {self.generation})"


def resolved(value: Any) -> Any:
    """``value``, or what it refers to (here a Ref, or a pypdf IndirectObject)."""
    return value.get_object() if isinstance(value, Ref) or hasattr(value, "idnum") else value


class Dict(dict):  # type: ignore[type-arg]
    """A dictionary whose lookups follow references (pypdf's DictionaryObject does too)."""

    def __getitem__(self, key: str) -> Any:
        return resolved(dict.__getitem__(self, key))

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return resolved(dict.get(self, key, default))

    def raw_get(self, key: str) -> Any:
        return dict.__getitem__(self, key)

    def get_object(self) -> Dict:
        return self


class Stream(Dict):
    """A stream: its dictionary and its data as stored (``raw``); ``get_data`` decodes."""

    def __init__(self, entries: Any = (), raw: bytes = b"") -> None:
        super().__init__(entries)
        self.raw = raw

    def get_data(self) -> bytes:
        filters = self.get("/Filter")
        parameters = self.get("/DecodeParms")
        if any(map(resolved, parameters if isinstance(parameters, list) else [parameters])):
            raise Unsupported("a stream has decoding parameters (a predictor), which this "
                              "reader does not apply")
        data = self.raw
        for name in (filters if isinstance(filters, list) else [filters] if filters else []):
            data = _decode(str(resolved(name)), data)
        return data


def _decode(name: str, data: bytes) -> bytes:
    if name in ("/FlateDecode", "/Fl"):
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(data, MAX_DECODED)
        except zlib.error as exc:
            raise Unsupported(f"a stream does not inflate: {exc}") from exc
        if inflater.unconsumed_tail:
            raise Unsupported(f"a stream inflates to more than {MAX_DECODED:,} bytes")
        return inflated
    if name in ("/ASCII85Decode", "/A85"):
        text = data.strip()
        text = text[:-2] if text.endswith(b"~>") else text
        try:
            return base64.a85decode(text.removeprefix(b"<~"), adobe=False, ignorechars=b" \t\r\n")
        except ValueError as exc:
            raise Unsupported(f"a stream is not ASCII85: {exc}") from exc
    raise Unsupported(f"a stream is encoded with {name}, which this reader does not decode")


# --- reading -------------------------------------------------------------------------

_SPACE = rb"(?:\s|%[^\r\n]*)*"
NUMBER = rb"[+-]?(?:\d+\.?\d*|\.\d+)"  # a number as a PDF writes it
# One token: a reference (its two numbers), else any other token (group 3)
_TOKEN = re.compile(_SPACE + rb"(?:(\d+)\s+(\d+)\s+R\b|(<<|>>|\[|\]|\(|<|"
                    rb"/[^\s/\[\]()<>{}%]*|" + NUMBER + rb"|true\b|false\b|null\b|R\b|stream\b))")
# An array of numbers only (a font's widths, a box), read in one step. Each number ends
# where its digits do, so a run of digits is never tried split in every way (which takes
# seconds for 20 digits and doubles with each further one) when the array holds more.
NUMBERS = re.compile(rb"((?:\s*" + NUMBER + rb"(?![\d.]))*)\s*\]")
_OBJECT = re.compile(rb"\s*(\d+)\s+(\d+)\s+obj\b")
_HEX = re.compile(rb"<([0-9A-Fa-f\s]*)>")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_LITERAL_SPECIAL = re.compile(rb"[()\\]")
# A literal string's escape: three octal digits at most, a line end (which stands for
# nothing), or any other character (named, or standing for itself)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|\r\n|.)", re.DOTALL)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s*%%EOF")
_SECTION = re.compile(rb"\s*(\d+)\s+(\d+)\s*")
_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])")
_ENTRY_BYTES = 20  # a table entry as the specification writes it, end of line included
_IN_USE = ord("n")  # the kind of entry (at byte 17) of an object in use
_ENTRIES_AT_ONCE = 4096  # checked with one match: its memory grows with what it checks
_ENTRIES = re.compile(rb"(?:\d{10} \d{5} [nf](?: \r| \n|\r\n))*")


class Document:
    """A PDF's objects, parsed when first asked for and kept; its pages in order."""

    def __init__(self, data: bytes, offsets: dict[int, int] | None = None) -> None:
        """``offsets``, where each object starts, for objects read with no table, trailer or
        page tree (what the print file has just written of one leaflet, read back)."""
        self.data = data
        self.weak = weakref.ref(self)  # what its references hold (see Ref)
        self.offsets: dict[int, int] = dict(offsets or {})
        self.objects: dict[int, Any] = {}
        self.digests: dict[int, bytes] = {}  # see digest
        self.trailer, self.pages = Dict(), []
        self.table_start: int | None = None  # where the newest table is; None with offsets
        if offsets is None:
            self.trailer = self._read_tables()
            if "/Encrypt" in self.trailer:
                raise Unsupported("the file is encrypted")
            self.pages = list(self._pages(self.trailer["/Root"].raw_get("/Pages")))

    def get(self, number: int) -> Any:
        if number not in self.objects:
            offset = self.offsets.get(number)
            if offset is None:
                return None  # a reference to a missing object is null
            self.objects[number] = None  # a stream whose /Length points back at itself
            try:
                self.objects[number] = self._object_at(number, offset)
            except Unsupported:
                del self.objects[number]  # unreadable each time it is asked for, not null
                raise
        return self.objects[number]

    def _read_tables(self) -> Dict:
        found = _STARTXREF.match(self.data, max(0, self.data.rfind(b"startxref")))
        if found is None:
            raise Unsupported("no startxref at the end of the file")
        position, trailer, seen = int(found.group(1)), None, set()
        self.table_start = position
        while position not in seen:  # newest table first; older ones fill in what is left
            seen.add(position)
            if not self.data.startswith(b"xref", position):
                raise Unsupported("the cross-reference is a stream, not a table")
            position = self._read_table(position + 4)
            if not self.data.startswith(b"trailer", position):
                raise Unsupported("no trailer after the cross-reference table")
            part, _ = _Parser(self, position + 7).value(0)
            if not isinstance(part, Dict):
                raise Unsupported("the trailer is not a dictionary")
            if "/XRefStm" in part:  # a hybrid file: some objects are listed only there
                raise Unsupported("the file also has a cross-reference stream")
            trailer = part if trailer is None else trailer
            previous = part.get("/Prev")
            if not isinstance(previous, int):
                break
            position = previous
        assert trailer is not None
        if not isinstance(trailer.get("/Root"), Dict):
            raise Unsupported("the trailer names no catalogue")
        return trailer

    def _read_table(self, position: int) -> int:
        data = self.data
        while True:
            section = _SECTION.match(data, position)
            if section is None or data.startswith(b"trailer", position):
                return _skip_space(data, position)
            first, count = int(section.group(1)), int(section.group(2))
            position = section.end()
            regular = self._read_regular(first, count, position)
            if regular is not None:
                position = regular
                continue
            for number in range(first, first + count):  # spaced some other way
                entry = _ENTRY.match(data, position)
                if entry is None:
                    raise Unsupported("a cross-reference entry is malformed")
                if entry.group(3) == b"n":
                    self.offsets.setdefault(number, int(entry.group(1)))
                position = _skip_space(data, entry.end())

    def _read_regular(self, first: int, count: int, position: int) -> int | None:
        """Read ``count`` entries written as the specification writes them (20 bytes
        each), a few thousand at a time, so that checking them takes little memory; None
        at the first block not written so (the entries are then read one by one, to the
        same offsets for those read here)."""
        data, offsets = self.data, self.offsets
        end = position + _ENTRY_BYTES * count
        if end > len(data):
            return None
        for start in range(position, end, _ENTRY_BYTES * _ENTRIES_AT_ONCE):
            stop = min(end, start + _ENTRY_BYTES * _ENTRIES_AT_ONCE)
            if not _ENTRIES.fullmatch(data, start, stop):
                return None
            number = first + (start - position) // _ENTRY_BYTES
            for at in range(start, stop, _ENTRY_BYTES):
                if data[at + 17] == _IN_USE:
                    offsets.setdefault(number, int(data[at:at + 10]))
                number += 1
        return _skip_space(data, end)

    def _object_at(self, number: int, offset: int) -> Any:
        header = _OBJECT.match(self.data, offset)
        if header is None or int(header.group(1)) != number:
            raise Unsupported(f"object {number} is not where the table says")
        value, _ = _Parser(self, header.end()).value(0)
        return value

    def _pages(self, node: Any, inherited: dict[str, Any] | None = None,
               seen: set[int] | None = None, depth: int = 0) -> Iterator[Page]:
        seen = set() if seen is None else seen
        if not isinstance(node, Ref) or node.number in seen or depth > MAX_DEPTH:
            raise Unsupported("the page tree is broken")
        seen.add(node.number)
        entries = node.get_object()
        if not isinstance(entries, Dict):
            raise Unsupported("the page tree is broken")
        own = {**(inherited or {}),
               **{key: dict.__getitem__(entries, key) for key in INHERITED if key in entries}}
        if entries.get("/Type") == "/Pages":
            for kid in entries.get("/Kids") or []:
                yield from self._pages(kid, own, seen, depth + 1)
        else:
            yield Page(node, {**own, **entries})


def digest(values: list[Any]) -> bytes:
    """SHA-256 of ``values`` and of everything they lead to through references, each object
    by what it holds, not by its number or its bytes' layout: two pages whose contents and
    resources give the same digest draw the same thing, in whichever file, and a page
    copied into another file, its objects renumbered, keeps its digest. Objects that lead
    back to themselves, or lead too deep, have none: Unsupported (ours never do)."""
    try:
        return hashlib.sha256(b"\n".join(_canonical(value, set()) for value in values)).digest()
    except RecursionError as exc:
        raise Unsupported("objects nested too deep to digest") from exc


def page_digest(page: dict[str, Any]) -> bytes:
    """The digest of all ``page`` is drawn from (DRAWN_FROM), as it has them, inherited
    ones included."""
    return digest([dict.get(page, key) for key in DRAWN_FROM])


def _canonical(value: Any, visiting: set[int]) -> bytes:
    """``value`` as bytes that only an equal value gives: every number with all its
    digits, a dictionary's entries sorted, a reference as the digest of its object (each
    object's worked out once per document: the pages of a file share their fonts)."""
    if isinstance(value, Ref):
        document = value.document
        if document is None:
            raise Unsupported(f"reference {value.number} belongs to no document")
        known = document.digests.get(value.number)
        if known is None:
            if value.number in visiting:
                raise Unsupported(f"object {value.number} leads back to itself")
            if len(visiting) > MAX_REFERENCE_DEPTH:
                raise Unsupported(f"object {value.number} is too many references deep")
            visiting.add(value.number)
            known = hashlib.sha256(_canonical(value.get_object(), visiting)).digest()
            document.digests[value.number] = known
            visiting.discard(value.number)
        return b"@" + known
    if isinstance(value, dict):
        entries = sorted((key, item) for key, item in value.items() if not (
            key == "/Length" and isinstance(value, Stream)))  # a stream's is its data's
        body = b"<" + b",".join(repr(key).encode() + b":" + _canonical(item, visiting)
                                for key, item in entries) + b">"
        if isinstance(value, Stream):
            return b"S" + body + b"%d:" % len(value.raw) + value.raw
        return body
    if isinstance(value, list):
        if all(type(item) in _NUMBERS for item in value):  # a font's widths: in one go
            return b"N" + repr(value).encode()
        return b"[" + b",".join(_canonical(item, visiting) for item in value) + b"]"
    return repr(value).encode("utf-8", "backslashreplace")


class Page(Dict):
    """A page's dictionary, with what it inherits from the page tree filled in."""

    def __init__(self, reference: Ref, entries: dict[str, Any]) -> None:
        super().__init__(entries)
        self.indirect_reference = reference


_SPACES = re.compile(_SPACE)


def _number(text: bytes) -> int | float:
    return float(text) if b"." in text else int(text)


def _skip_space(data: bytes, position: int) -> int:
    return _SPACES.match(data, position).end()  # type: ignore[union-attr]


class _Parser:
    """One object's value, from ``position`` on."""

    def __init__(self, document: Document, position: int) -> None:
        self.document, self.data, self.position = document, document.data, position

    def value(self, depth: int) -> tuple[Any, bool]:
        """The next value, and whether it ended a container (']' or '>>')."""
        if depth > MAX_DEPTH:
            raise Unsupported("objects nested too deep")
        token = _TOKEN.match(self.data, self.position)
        if token is None:
            raise Unsupported(f"unreadable object data at byte {self.position}")
        self.position = token.end()
        text = token.group(3)
        if text is None:
            return Ref(int(token.group(1)), int(token.group(2)), self.document), False
        first = text[:1]
        if first == b"/":
            if b"#" in text:  # '#' and two hexadecimal digits stand for one byte
                text = _NAME_ESCAPE.sub(lambda m: bytes.fromhex(m.group(1).decode()), text)
            return Name(text.decode("latin-1")), False
        if text == b"<<":
            return self._dictionary(depth), False
        if text in (b">>", b"]"):
            return None, True
        if text == b"[":
            return self._array(depth), False
        if text == b"(":
            return self._literal(), False
        if text == b"<":
            return self._hexadecimal(), False
        if text in (b"true", b"false"):
            return text == b"true", False
        if text == b"null":
            return None, False
        if text in (b"R", b"stream"):
            raise Unsupported(f"unexpected {text.decode()} at byte {self.position}")
        return _number(text), False

    def _array(self, depth: int) -> list[Any]:
        numbers = NUMBERS.match(self.data, self.position)
        if numbers is not None:
            items = [_number(text) for text in numbers.group(1).split()]
            if len(items) > MAX_ITEMS:
                raise Unsupported(f"an array longer than {MAX_ITEMS:,} items")
            self.position = numbers.end()
            return items
        items = []
        while True:
            item, ended = self.value(depth + 1)
            if ended:
                return items
            if len(items) == MAX_ITEMS:
                raise Unsupported(f"an array longer than {MAX_ITEMS:,} items")
            items.append(item)

    def _dictionary(self, depth: int) -> Dict:
        entries = Dict()
        while True:
            key, ended = self.value(depth + 1)
            if ended:
                break
            if not isinstance(key, Name):
                raise Unsupported(f"a dictionary key is not a name at byte {self.position}")
            entries[key], ended = self.value(depth + 1)
            if len(entries) == MAX_ITEMS:
                raise Unsupported(f"a dictionary of more than {MAX_ITEMS:,} entries")
            if ended:
                raise Unsupported(f"a dictionary ends after a key at byte {self.position}")
        after = _TOKEN.match(self.data, self.position)
        if after is not None and after.group(3) == b"stream":
            return self._stream(entries, after.end())
        return entries

    def _stream(self, entries: Dict, position: int) -> Stream:
        data = self.data
        if data.startswith(b"\r\n", position):
            position += 2
        elif data.startswith(b"\n", position) or data.startswith(b"\r", position):
            position += 1
        length = entries.get("/Length")
        if not isinstance(length, int) or length < 0 or position + length > len(data):
            raise Unsupported(f"a stream's /Length is wrong at byte {position}")
        end = _skip_space(data, position + length)
        if not data.startswith(b"endstream", end):
            raise Unsupported(f"a stream's /Length is wrong at byte {position}")
        self.position = end + len(b"endstream")
        return Stream(entries, data[position:position + length])

    def _literal(self) -> String:
        data, position, depth = self.data, self.position, 1
        while True:
            special = _LITERAL_SPECIAL.search(data, position)
            if special is None:
                raise Unsupported("a string runs to the end of the file")
            char = data[special.start()]
            position = special.end()
            if char == 0x5C:  # backslash: the character after it is no bracket of the string
                position += 1
                continue
            depth += 1 if char == 0x28 else -1
            if depth == 0:
                inner = data[self.position:special.start()]
                self.position = position
                return String(unescape(inner))

    def _hexadecimal(self) -> String:
        found = _HEX.match(self.data, self.position - 1)
        if found is None:
            raise Unsupported(f"a hexadecimal string is malformed at byte {self.position}")
        self.position = found.end()
        return String(hex_bytes(found.group(1)))


def unescape(inner: bytes) -> bytes:
    """The bytes of a literal string, given what is between its brackets."""
    return _ESCAPE.sub(_unescaped, inner) if b"\\" in inner else inner


def _unescaped(match: re.Match[bytes]) -> bytes:
    code = match.group(1)
    if b"0" <= code[:1] <= b"7":  # octal; a backslash before 8 or 9 is left out
        return bytes([int(code, 8) & 0xFF])
    if code in (b"\r\n", b"\r", b"\n"):
        return b""
    return _ESCAPES.get(code, code)


def hex_bytes(digits: bytes) -> bytes:
    """The bytes of a hexadecimal string: anything but hex digits left out, an odd last
    digit followed by 0."""
    digits = re.sub(rb"[^0-9A-Fa-f]", b"", digits)
    return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii"))


# --- writing -------------------------------------------------------------------------

_NAME_SAFE = re.compile(rb"[^\x21-\x7e]|[#()<>\[\]{}/%]")


def serialise(value: Any) -> bytes:
    """``value`` as PDF syntax; a stream's /Length is its data's."""
    kind = type(value)  # the common kinds first, exactly: a font's widths are many numbers
    if kind is int:
        return b"%d" % value
    if kind is float:
        return _real(value)
    if kind is Ref:
        return b"%d %d R" % (value.number, value.generation)
    if kind is Name:
        return _name(value)
    if kind is list:
        return b"[" + b" ".join(serialise(item) for item in value) + b"]"
    if kind is Dict:
        return serialise_dict(value)
    if kind is String:
        return _string(value)
    if isinstance(value, Stream):
        entries = Dict(value.items())
        entries[Name("/Length")] = len(value.raw)
        return serialise_dict(entries) + b"\nstream\n" + value.raw + b"\nendstream"
    if isinstance(value, dict):
        return serialise_dict(value)
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int):
        return b"%d" % value
    if isinstance(value, float):
        return _real(value)
    if isinstance(value, (String, bytes)):
        return _string(value)
    if isinstance(value, (list, tuple)):
        return b"[" + b" ".join(serialise(item) for item in value) + b"]"
    if value is None:
        return b"null"
    raise TypeError(f"no PDF form for {type(value).__name__}")


def serialise_dict(entries: dict[str, Any]) -> bytes:
    return b"<<" + b"".join(_name(key) + b" " + serialise(value) + b"\n"
                            for key, value in entries.items()) + b">>"


def _name(value: str) -> bytes:
    body = value[1:].encode("latin-1")
    return b"/" + _NAME_SAFE.sub(lambda m: b"#%02X" % m.group()[0], body)


def _real(value: float) -> bytes:
    if value == int(value) and abs(value) < 1e15:
        return b"%d" % int(value)
    return (b"%.6f" % value).rstrip(b"0").rstrip(b".")


_PRINTABLE = re.compile(rb"[\x20-\x7e]*")


def _string(value: bytes) -> bytes:
    if _PRINTABLE.fullmatch(value):
        return b"(" + value.replace(b"\\", b"\\\\").replace(b"(", b"\\(")\
            .replace(b")", b"\\)") + b")"
    return b"<" + value.hex().upper().encode("ascii") + b">"


def text_string(text: str) -> String:
    """A text string: printable ASCII as it is (PDFDocEncoding agrees with it there),
    anything else UTF-16BE with its byte order mark (what PDF readers expect for the
    title, the language, a structure element's /Alt and so on)."""
    if text.isascii() and text.isprintable():
        return String(text.encode("ascii"))
    return String(b"\xfe\xff" + text.encode("utf-16-be"))

"""One call from a file to a draft: read it contained, tell ePI from SPL by what it is
(not by its name), draft the content, and give back the YAML and the report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from leaflet.sources.importers.drafting import LANGUAGES, Drafted, draft_content
from leaflet.sources.importers.epi import FHIR_NS, read_json_bundle, read_xml_bundle
from leaflet.sources.importers.model import SourceDocument
from leaflet.sources.importers.narrative import local
from leaflet.sources.importers.reading import parse_json, parse_xml, read_bytes, refuse
from leaflet.sources.importers.spl import V3, read_spl
from leaflet.sources.importers.writing import to_yaml


@dataclass(frozen=True)
class Imported(Drafted):
    """A draft as `leaflet import` writes it: its name and its YAML text."""

    @property
    def name(self) -> str | None:
        """The medicine's name, if the source gave one (not a placeholder)."""
        name = self.data["medicine"].get("name")
        return None if not name or name.startswith("[") else name

    def yaml_text(self, file_name: str) -> str:
        """The content file's text; ``file_name`` is what its header says to check."""
        return to_yaml(self.data, self.comments, self._header(file_name))

    def _header(self, file_name: str) -> list[str]:
        info = self.report.source
        primary = self.language.split("-")[0].lower()
        words = LANGUAGES.get(primary, self.language)
        header = [
            f"Imported by `leaflet import` from {info.file}: {info.format}, a {self.report.kind}"
            f" in {words} ({self.language}).",
            "",
            "A DRAFT made by a program: nobody has approved it for patients.",
            f"- `leaflet check {file_name}` lists what a person must still do: every "
            "[placeholder], the dose table and highest daily dose among them (a draft "
            "prints them highlighted; approval needs them written).",
            "- The comments say where each text came from and which values were worked out "
            "from the text: check each against the source.",
            "- Compare the built PDF with the source before review.status becomes approved.",
        ]
        return header


def import_source(path: Path) -> Imported:
    """Read ``path`` and draft its content; SourceError for anything that is not a
    package leaflet we can read, in one line."""
    try:
        drafted = draft_content(read_document(path))
    except RecursionError as exc:  # sections or markup nested thousands deep
        raise refuse(str(path), "nested too deeply to be a leaflet; refused") from exc
    return Imported(drafted.data, drafted.comments, drafted.report, drafted.language)


def read_document(path: Path) -> SourceDocument:
    name = str(path)
    data = read_bytes(path)
    first = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first in (b"{", b"["):
        return read_json_bundle(parse_json(data, name), name)
    if first != b"<":
        raise refuse(name, "this is neither JSON nor XML: give an ePI (a FHIR Bundle, JSON "
                           "or XML) or an SPL document (XML)")
    root = parse_xml(data, name)
    if root.tag.startswith(f"{{{FHIR_NS}}}"):
        return read_xml_bundle(root, name)
    if root.tag == f"{V3}document":
        return read_spl(root, name)
    raise refuse(name, f"this is XML with the root element <{local(root.tag)}>, neither a FHIR "
                       "Bundle nor an SPL document")

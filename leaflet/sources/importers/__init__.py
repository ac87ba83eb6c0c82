"""A manufacturer's structured leaflet in (an EU ePI FHIR Bundle, JSON or XML; a US SPL
document), a draft content file and a report of what a person must still do out.

`reading` opens the file, contained; `epi` and `spl` read it into a SourceDocument
(`model`) with `narrative` turning XHTML and SPL text into paragraphs and lists;
`drafting` places every text (`units`, `mapping`, `placing`, `opening`, `deriving`);
`writing` writes the YAML. The library returns the report; only the CLI prints it.
"""

from leaflet.sources.importers.importing import Imported, import_source
from leaflet.sources.importers.report import (
    Derivation,
    ImportReport,
    Placement,
    Replaced,
    Todo,
)
from leaflet.sources.importers.writing import check_output, write_content

__all__ = ["Derivation", "ImportReport", "Imported", "Placement", "Replaced", "Todo",
           "check_output", "import_source", "write_content"]

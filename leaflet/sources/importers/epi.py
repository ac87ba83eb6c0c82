"""An EU ePI (an HL7 FHIR document Bundle, R4 or R5, JSON or XML) as a SourceDocument.

FHIR XML is read into the shape FHIR JSON has (an element with a value attribute is
its value; repeated elements a list), so one reader serves both. What is not a package
leaflet is refused in one line that says what it is: another resource, a Bundle of
another type, a summary of product characteristics, labelling.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any
from xml.etree.ElementTree import Element

from leaflet.sources.importers.model import (
    Code,
    Product,
    Section,
    SourceDocument,
    SourceInfo,
)
from leaflet.sources.importers.narrative import NotText, clean, local, read_blocks
from leaflet.sources.importers.reading import parse_xml, refuse

FHIR_NS = "http://hl7.org/fhir"
PACKAGE_LEAFLET = "100000155538"
# EMA SPOR list 100000155531, the product information document types.
DOCUMENT_TYPES = {
    "100000155532": "a summary of product characteristics",
    "100000155533": "Annex II of the product information",
    "100000155534": "outer packaging text",
    "100000155535": "labelling",
    "100000155536": "immediate packaging text",
    "100000155537": "other product information",
    "100000155539": "a combined file of all product information documents",
    "100000155540": "mock-ups",
    "100000155541": "Appendix V",
}
# EMA heading codes outside the package leaflet's (200000029894-921), by document.
OTHER_HEADINGS = ((200000029791, 200000029849, "a summary of product characteristics"),
                  (200000029850, 200000029860, "Annex II of the product information"),
                  (200000029861, 200000029893, "labelling"))
NO_TEXT = "unavailable"  # what the Gravitate Health examples write where a section has none


def read_json_bundle(data: Any, name: str) -> SourceDocument:
    return _bundle(data, name, "HL7 FHIR ePI document Bundle (JSON)")


def read_xml_bundle(root: Element, name: str) -> SourceDocument:
    resource = {"resourceType": local(root.tag), **_as_json(root)}
    return _bundle(resource, name, "HL7 FHIR ePI document Bundle (XML)")


def _as_json(element: Element) -> Any:
    """FHIR XML in FHIR JSON's shape: a resource gets its resourceType, an element with a
    value attribute is that value, a narrative's div stays XML."""
    tag = local(element.tag)
    if tag == "div":
        return element
    if "value" in element.attrib and not len(element):
        return element.get("value")
    found: dict[str, Any] = {}
    for child in element:
        key = local(child.tag)
        if not key:
            continue
        if key == "resource" and len(child):
            value: Any = {"resourceType": local(child[0].tag), **_as_json(child[0])}
        else:
            value = _as_json(child)
        if key in found:
            found[key] = [*_many(found[key]), value]
        else:
            found[key] = value
    if "value" in element.attrib:  # a primitive with extensions: its value is what we read
        return element.get("value")
    return found


def _many(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _bundle(bundle: Any, name: str, form: str) -> SourceDocument:
    if not isinstance(bundle, dict) or "resourceType" not in bundle:
        raise refuse(name, "this is JSON but not a FHIR resource (no resourceType); an ePI is "
                           "a FHIR Bundle")
    kind = bundle["resourceType"]
    if kind == "Composition":
        raise refuse(name, "this is a FHIR Composition on its own; give the document Bundle "
                           "that holds it")
    if kind != "Bundle":
        raise refuse(name, f"this is a FHIR {kind}, not a Bundle; an ePI is a FHIR document "
                           "Bundle")
    if bundle.get("type") != "document":
        raise refuse(name, f"this is a FHIR Bundle of type {bundle.get('type')!r}, not a "
                           "document Bundle; an ePI is a Bundle of type 'document'")
    resources = [entry.get("resource") for entry in _many(bundle.get("entry"))
                 if isinstance(entry, dict) and isinstance(entry.get("resource"), dict)]
    composition = next((r for r in resources if r.get("resourceType") == "Composition"), None)
    if composition is None:
        raise refuse(name, "this document Bundle has no Composition, so it holds no leaflet")
    _refuse_other_documents(composition, name)
    sections = tuple(_section(s, name) for s in _many(composition.get("section"))
                     if isinstance(s, dict))
    if not any(_has_text(section) for section in sections):
        raise refuse(name, "this package leaflet has no text: none of its sections has any")
    return SourceDocument(
        kind="package leaflet",
        info=SourceInfo(
            format=form, file=PurePath(name).name,
            id=_identifier(composition) or _identifier(bundle) or bundle.get("id"),
            version=_text(composition.get("version")) or _text(
                (bundle.get("meta") or {}).get("versionId")),
            date=_day(_text(composition.get("date")) or _text(bundle.get("timestamp"))),
            language=_text(composition.get("language")) or _text(bundle.get("language"))),
        product=_product(resources),
        sections=sections)


def _refuse_other_documents(composition: dict[str, Any], name: str) -> None:
    """A Composition that says (by its type, or by its headings' codes) it is not a
    package leaflet."""
    coding = [c for c in _many((composition.get("type") or {}).get("coding"))
              if isinstance(c, dict)]
    codes = {_text(c.get("code")) for c in coding}
    if PACKAGE_LEAFLET in codes:
        return
    for code in codes:
        if code in DOCUMENT_TYPES:
            raise refuse(name, f"this is {DOCUMENT_TYPES[code]}, not a package leaflet")
    words = " ".join(_text(c.get("display")) or "" for c in coding) + " " + (
        _text((composition.get("type") or {}).get("text")) or "")
    if "product characteristics" in words.lower() or "smpc" in words.lower():
        raise refuse(name, "this is a summary of product characteristics, not a package "
                           "leaflet")
    for number in _heading_codes(_many(composition.get("section"))):
        for low, high, what in OTHER_HEADINGS:
            if low <= number <= high:
                raise refuse(name, f"this is {what}, not a package leaflet (its headings "
                                   "carry that document's codes)")


def _heading_codes(sections: list[Any]) -> list[int]:
    found = []
    for section in sections:
        if not isinstance(section, dict):
            continue
        for coding in _many((section.get("code") or {}).get("coding")):
            code = _text(coding.get("code")) if isinstance(coding, dict) else None
            if code and code.isdigit():
                found.append(int(code))
        found += _heading_codes(_many(section.get("section")))
    return found


def _section(section: dict[str, Any], name: str) -> Section:
    title = _clean(_text(section.get("title")), name, "a section's title")
    codes = tuple(Code(_text(c.get("system")) or "", _text(c.get("code")) or "")
                  for c in _many((section.get("code") or {}).get("coding"))
                  if isinstance(c, dict))
    div = (section.get("text") or {}).get("div") if isinstance(section.get("text"), dict) \
        else None
    where = f"the text of section {title!r}" if title else "the text of a section"
    blocks = ()
    if div is not None:
        element = div if isinstance(div, Element) else parse_xml(
            str(div), name, f"XHTML in {where}", lines=False)
        try:
            blocks = read_blocks(element)
        except NotText as exc:
            raise refuse(name, f"{where} cannot be imported: {exc}") from exc
        if len(blocks) == 1 and getattr(blocks[0], "text", "").casefold() == NO_TEXT:
            blocks = ()
    children = tuple(_section(s, name) for s in _many(section.get("section"))
                     if isinstance(s, dict))
    return Section(title or None, codes, blocks, children)


def _clean(text: str | None, name: str, what: str) -> str:
    try:
        return clean(text or "")
    except NotText as exc:
        raise refuse(name, f"{what} cannot be imported: {exc}") from exc


def _has_text(section: Section) -> bool:
    return bool(section.blocks) or any(_has_text(child) for child in section.children)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _identifier(resource: dict[str, Any]) -> str | None:
    for identifier in _many(resource.get("identifier")):
        if isinstance(identifier, dict) and _text(identifier.get("value")):
            return _text(identifier.get("value"))
    return None


def _day(value: str | None) -> str | None:
    """'2022-02-16T13:28:17Z' -> '2022-02-16'."""
    return value[:10] if value else None


def _product(resources: list[dict[str, Any]]) -> Product:
    """The product's name as the Bundle's MedicinalProductDefinition gives it."""
    for resource in resources:
        if resource.get("resourceType") != "MedicinalProductDefinition":
            continue
        for entry in _many(resource.get("name")):
            if isinstance(entry, dict) and _text(entry.get("productName")):
                return Product(name=_text(entry.get("productName")))
    return Product()

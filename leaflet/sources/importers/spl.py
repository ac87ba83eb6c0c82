"""A US SPL document (HL7 v3 XML) as a SourceDocument: the patient sections of a
prescription label (patient package insert, Medication Guide, instructions for use), or
a Drug Facts label, which is for patients throughout.

The rest of a prescription label (highlights, full prescribing information) is written
for health professionals and is not a leaflet's text, so it is not read. A label
without a patient section is refused in one line saying so.
"""

from __future__ import annotations

from pathlib import PurePath
from xml.etree.ElementTree import Element

from leaflet.sources.importers.model import (
    Code,
    Product,
    Section,
    SourceDocument,
    SourceInfo,
)
from leaflet.sources.importers.narrative import NotText, clean, plain_text, read_blocks
from leaflet.sources.importers.reading import refuse

V3 = "{urn:hl7-org:v3}"
LOINC = "2.16.840.1.113883.6.1"
PATIENT_SECTIONS = {"42231-1": "Medication Guide", "42230-3": "patient package insert",
                    "59845-8": "instructions for use"}
PRESCRIPTION_LABEL, OTC_LABEL = "34391-3", "34390-5"
LISTING, CARTON = "48780-1", "51945-4"


def read_spl(root: Element, name: str) -> SourceDocument:
    code = root.find(f"{V3}code")
    kind = code.get("code") if code is not None else None
    display = (code.get("displayName") if code is not None else None) or "no type"
    media = {m.get("ID") or "": clean("".join(m.findtext(f"{V3}text") or ""))
             for m in root.iter(f"{V3}observationMedia")}
    body = root.find(f"{V3}component/{V3}structuredBody")
    top = [c.find(f"{V3}section") for c in (body if body is not None else [])
           if c.tag == f"{V3}component"]
    top = [s for s in top if s is not None]
    left_out: list[str] = []
    if kind == OTC_LABEL:
        what = "Drug Facts label"
        sections = []
        for section in top:
            section_code = _code(section)
            if section_code == LISTING:
                continue
            if section_code == CARTON:
                left_out.append("the package label panel (a picture of the carton)")
                continue
            sections.append(_section(section, name, media))
    elif kind == PRESCRIPTION_LABEL:
        found = [s for s in root.iter(f"{V3}section") if _code(s) in PATIENT_SECTIONS]
        if not found:
            raise refuse(name, "this is a human prescription drug label (SPL) without a "
                               "patient section: it has no patient package insert (42230-3) "
                               "or Medication Guide (42231-1)")
        what = PATIENT_SECTIONS[_code(found[0]) or ""]
        sections = [_section(s, name, media) for s in found]
        left_out.append("the prescribing information for health professionals (the rest of "
                        "the label)")
    else:
        raise refuse(name, f"this is an SPL document of type {display!r} ({kind}), not a "
                           "drug label with a patient section")
    if not any(_has_text(section) for section in sections):
        raise refuse(name, f"this {what} has no text")
    return SourceDocument(
        kind=what,
        info=SourceInfo(
            format="FDA SPL document (HL7 v3 XML)", file=PurePath(name).name,
            id=_attr(root, "setId", "root") or _attr(root, "id", "root"),
            version=_attr(root, "versionNumber", "value"),
            date=_day(_attr(root, "effectiveTime", "value")),
            language=_attr(root, "languageCode", "code")),
        product=_product(root),
        sections=tuple(sections),
        left_out=tuple(left_out),
        usual_language="en-US")  # FDA labels are in US English


def _has_text(section: Section) -> bool:
    return bool(section.blocks) or any(_has_text(child) for child in section.children)


def _code(section: Element) -> str | None:
    code = section.find(f"{V3}code")
    return code.get("code") if code is not None else None


def _attr(root: Element, child: str, attribute: str) -> str | None:
    element = root.find(f"{V3}{child}")
    return element.get(attribute) if element is not None else None


def _day(value: str | None) -> str | None:
    """'20120229' -> '2012-02-29'."""
    if not value or len(value) < 8 or not value[:8].isdigit():
        return None
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}"


def _section(section: Element, name: str, media: dict[str, str]) -> Section:
    title_element = section.find(f"{V3}title")
    try:
        title = plain_text(title_element) if title_element is not None else ""
        text = section.find(f"{V3}text")
        blocks = read_blocks(text, media) if text is not None else ()
    except NotText as exc:
        raise refuse(name, f"section {title or _code(section)!r} cannot be imported: "
                           f"{exc}") from exc
    code = section.find(f"{V3}code")
    codes = (Code(code.get("codeSystem") or LOINC, code.get("code") or ""),) \
        if code is not None else ()
    children = tuple(_section(s, name, media)
                     for c in section.findall(f"{V3}component")
                     for s in c.findall(f"{V3}section"))
    return Section(title or None, codes, blocks, children)


def _product(root: Element) -> Product:
    """Name, strength, form and substance from the first product's listing data."""
    product = root.find(f".//{V3}manufacturedProduct/{V3}manufacturedProduct")
    if product is None:
        return Product()
    name = product.find(f"{V3}name")
    form = product.find(f"{V3}formCode")
    generic = product.findtext(f"{V3}asEntityWithGeneric/{V3}genericMedicine/{V3}name")
    actives = [i for i in product.findall(f"{V3}ingredient")
               if (i.get("classCode") or "").startswith("ACTI")]
    strength = None
    if len(actives) == 1:
        numerator = actives[0].find(f"{V3}quantity/{V3}numerator")
        denominator = actives[0].find(f"{V3}quantity/{V3}denominator")
        if numerator is not None and denominator is not None and \
                denominator.get("value") == "1" and denominator.get("unit") in ("1", None):
            strength = f"{numerator.get('value')} {numerator.get('unit')}"
    words = [name.text or "", *(part.text or "" for part in name)] if name is not None else []
    return Product(
        name=clean(" ".join(words)) or None,
        strength=strength,
        form=(form.get("displayName") or "").lower() or None if form is not None else None,
        substance=clean(generic) if generic else None)

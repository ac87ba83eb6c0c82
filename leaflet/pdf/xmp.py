"""The XMP packet: the leaflet's metadata as XML, for the tools that read XMP, not /Info.

Written here rather than with pypdf's XmpInformation so that every value is escaped
the same way, and a packet is well-formed XML whatever the content holds: characters
XML 1.0 cannot carry (control characters other than tab and newline, U+FFFE, U+FFFF,
lone surrogates) become U+FFFD, and a carriage return is written as a reference so a
parser keeps it. The /Info dictionary keeps every value exactly as given.
"""

from __future__ import annotations

import re

from leaflet.render.markup import Metadata

PRODUCER = "leaflet"
# what XML 1.0 cannot carry, written as the few ranges it is (the negated class of what
# it can carry, though the same, takes Python some milliseconds to compile)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                          "\r": "&#13;"})


def xml_text(value: str) -> str:
    """``value`` as XML character data that parses back to it (or U+FFFD where XML 1.0
    has no way to carry a character)."""
    return _NOT_XML.sub("\ufffd", value).translate(_ESCAPES)


def _alternatives(value: str) -> str:
    return f'<rdf:Alt><rdf:li xml:lang="x-default">{xml_text(value)}</rdf:li></rdf:Alt>'


def _items(kind: str, values: tuple[str, ...]) -> str:
    items = "".join(f"<rdf:li>{xml_text(value)}</rdf:li>" for value in values)
    return f"<rdf:{kind}>{items}</rdf:{kind}>"


def xmp_packet(metadata: Metadata, tagged: bool = False) -> bytes:
    """The packet for the document's /Metadata stream, UTF-8 as XMP requires. A tagged
    PDF (``tagged``) declares itself PDF/UA-1 (`pdfuaid:part`); an untagged one, such as
    a booklet's imposed sheets, claims nothing."""
    properties = "".join((
        f"<dc:title>{_alternatives(metadata.title)}</dc:title>",
        f"<dc:description>{_alternatives(metadata.subject)}</dc:description>",
        f"<dc:creator>{_items('Seq', (metadata.author,))}</dc:creator>",
        f"<dc:language>{_items('Bag', (metadata.language,))}</dc:language>",
        f"<dc:subject>{_items('Bag', metadata.keywords)}</dc:subject>",
        f"<pdf:Keywords>{xml_text(', '.join(metadata.keywords))}</pdf:Keywords>",
        f"<pdf:Producer>{PRODUCER}</pdf:Producer>",
        f"<xmp:CreatorTool>{PRODUCER}</xmp:CreatorTool>",
        "<pdfuaid:part>1</pdfuaid:part>" if tagged else "",
    ))
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">\n'
        f"{properties}\n"
        "</rdf:Description>\n"
        "</rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="r"?>'
    ).encode()

"""Records as SRU hands them out: MARCXML from the stored MARC-in-JSON, and SRU Dublin Core."""

import re

from lxml import etree

MARCXML_NS = "http://www.loc.gov/MARC21/slim"
SRW_DC_NS = "info:srw/schema/1/dc-schema"
DC_NS = "http://purl.org/dc/elements/1.1/"
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

MATERIAL_TYPES = {
    "book": "Text", "serial": "Text", "manuscript": "Text", "map": "Image", "visual": "Image",
    "music": "Text", "sound": "Sound", "video": "MovingImage", "computer": "Software", "mixed": "Collection",
}


def _text(value):
    return _ILLEGAL_XML.sub("", str(value or ""))


def marcxml(marc):
    """A MARC21 slim ``record`` element for MARC-in-JSON ``marc``."""
    m = f"{{{MARCXML_NS}}}"
    record = etree.Element(m + "record", nsmap={None: MARCXML_NS})
    leader = _text(marc.get("leader", "")).ljust(24)[:24]
    etree.SubElement(record, m + "leader").text = leader
    for entry in marc.get("fields", []):
        for tag, value in entry.items():
            if isinstance(value, str):
                etree.SubElement(record, m + "controlfield", tag=tag).text = _text(value)
                continue
            field = etree.SubElement(record, m + "datafield", tag=tag,
                                     ind1=(value.get("ind1") or " ")[:1], ind2=(value.get("ind2") or " ")[:1])
            for subfield in value.get("subfields", []):
                for code, text in subfield.items():
                    etree.SubElement(field, m + "subfield", code=code).text = _text(text)
    return record


def dublin_core(record):
    """An SRU ``srw_dc:dc`` element for a BibRecord."""
    dc = etree.Element(f"{{{SRW_DC_NS}}}dc", nsmap={"srw_dc": SRW_DC_NS, "dc": DC_NS})

    def add(name, value):
        if value:
            etree.SubElement(dc, f"{{{DC_NS}}}{name}").text = _text(value)

    add("title", record.title)
    for author in record.authors:
        add("creator", author)
    for subject in record.subjects:
        add("subject", subject)
    add("publisher", record.publisher)
    add("date", record.year)
    add("type", MATERIAL_TYPES.get(record.material_type, "Text"))
    add("language", record.language)
    for isbn in record.isbns:
        add("identifier", f"urn:isbn:{isbn}")
    if record.ddc:
        add("subject", f"DDC {record.ddc}")
    return dc

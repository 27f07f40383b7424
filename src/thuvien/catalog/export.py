"""Writing catalogue records as ISO 2709 (UTF-8), MARCXML (MARC21slim) or Dublin Core (oai_dc).

``write_records(records, format, stream)`` is the one entry point, used by
``thuvien marc export`` and meant for the open-data dumps. ``records`` are BibRecords
(or MARC-in-JSON dicts); ``stream`` is a binary stream. Holdings are written as
852 fields generated from the items (only ``library``'s items when one is given);
852/952 fields of the stored record are left out, since the items are their truth.
"""

import re
from collections import defaultdict

from lxml import etree

from thuvien.catalog.marcimport.holdings import HOLDINGS_TAGS

FORMATS = ("iso2709", "marcxml", "oai_dc")
MARCXML_NS = "http://www.loc.gov/MARC21/slim"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SUBFIELD_CODE = re.compile(r"[\dA-Za-z!\"#$%&'()*+,\-./:;<=>?{}_^`~\[\]\\]")
_TAG = re.compile(r"0[1-9A-Z][0-9A-Z]|0[1-9a-z][0-9a-z]|[1-9A-Z][0-9A-Z]{2}|[1-9a-z][0-9a-z]{2}")  # MARC21slim
DC_TYPES = {
    "book": "Text", "serial": "Text", "manuscript": "Text", "map": "Image", "visual": "Image",
    "music": "Text", "sound": "Sound", "video": "MovingImage", "computer": "Software", "mixed": "Collection",
}


class RecordTooLong(ValueError):
    """A record over ISO 2709's 99,999 bytes."""


def _xml_text(value):
    return _NOT_XML.sub("", str(value or ""))


def _items_by_record(records, library):
    """{record id: [Item, ...]} for the BibRecords among ``records``."""
    from thuvien.catalog.models import Item

    ids = [r.pk for r in records if hasattr(r, "pk")]
    found = defaultdict(list)
    if not ids:
        return found
    items = Item.objects.filter(record_id__in=ids).select_related("library", "location").order_by("record_id", "pk")
    if library is not None:
        items = items.filter(library=library)
    for item in items:
        found[item.record_id].append(item)
    return found


def with_holdings(data, items):
    """MARC-in-JSON of a record with holdings generated from ``items`` (852), stored 852/952 left out."""
    from thuvien.catalog.marcimport.holdings import holdings_field

    fields = [f for f in data.get("fields", []) if next(iter(f)) not in HOLDINGS_TAGS]
    fields += [holdings_field(item, item.library.code) for item in items]
    return {"leader": data.get("leader", ""), "fields": fields}


def iso2709(data):
    """One record as ISO 2709 bytes in UTF-8 (leader/09 = "a")."""
    directory, body, position = [], [], 0
    for entry in data.get("fields", []):
        (tag, value), = entry.items()
        if isinstance(value, str):
            chunk = value.encode("utf-8") + b"\x1e"
        else:
            parts = [((value.get("ind1") or " ")[:1] + (value.get("ind2") or " ")[:1]).encode("utf-8")]
            for subfield in value.get("subfields", []):
                for code, text in subfield.items():
                    parts.append(b"\x1f" + code.encode("utf-8") + text.encode("utf-8"))
            chunk = b"".join(parts) + b"\x1e"
        if len(chunk) > 9999 or position > 99999:
            raise RecordTooLong(tag)
        directory.append(f"{tag[:3]:0>3}{len(chunk):04d}{position:05d}".encode("ascii"))
        body.append(chunk)
        position += len(chunk)
    directory_bytes = b"".join(directory) + b"\x1e"
    base = 24 + len(directory_bytes)
    length = base + position + 1
    if length > 99999:
        raise RecordTooLong("record")
    leader = (data.get("leader") or "").ljust(24)[:24]
    leader = f"{length:05d}{leader[5:9]}a22{base:05d}{leader[17:20]}4500"
    return leader.encode("ascii", "replace") + directory_bytes + b"".join(body) + b"\x1d"


def marcxml_element(data):
    m = f"{{{MARCXML_NS}}}"
    record = etree.Element(m + "record", nsmap={None: MARCXML_NS})
    leader = _xml_text(data.get("leader", "")).ljust(24)[:24]
    etree.SubElement(record, m + "leader").text = leader
    for entry in data.get("fields", []):
        (tag, value), = entry.items()
        if not _TAG.fullmatch(tag):
            continue
        if isinstance(value, str):
            etree.SubElement(record, m + "controlfield", tag=tag).text = _xml_text(value)
            continue
        field = etree.SubElement(record, m + "datafield", tag=tag,
                                 ind1=_indicator(value.get("ind1")), ind2=_indicator(value.get("ind2")))
        for subfield in value.get("subfields", []):
            for code, text in subfield.items():
                if not _SUBFIELD_CODE.fullmatch(code):
                    continue  # the schema cannot say it; ISO 2709 output keeps it
                etree.SubElement(field, m + "subfield", code=code).text = _xml_text(text)
    return record


def _indicator(value):
    value = (value or " ")[:1].lower()
    return value if re.fullmatch(r"[\da-z ]", value) else " "


def dc_element(record, data):
    """An ``oai_dc:dc`` element for a BibRecord (or derived columns of ``data``)."""
    from thuvien.catalog.marc import derive

    info = derive(data) if record is None else {
        name: getattr(record, name) for name in
        ("title", "authors", "subjects", "publisher", "year", "material_type", "language", "isbns", "ddc")}
    dc = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS})
    dc.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")

    def add(name, value):
        if value not in (None, ""):
            etree.SubElement(dc, f"{{{DC_NS}}}{name}").text = _xml_text(value)

    add("title", info["title"])
    for author in info["authors"]:
        add("creator", author)
    for subject in info["subjects"]:
        add("subject", subject)
    if info["ddc"]:
        add("subject", f"DDC {info['ddc']}")
    add("publisher", info["publisher"])
    add("date", info["year"])
    add("type", DC_TYPES.get(info["material_type"], "Text"))
    add("language", info["language"])
    for isbn in info["isbns"]:
        add("identifier", f"urn:isbn:{isbn}")
    if record is not None and getattr(record, "pk", None):
        add("identifier", f"thuvien:record:{record.pk}")
    return dc


def write_records(records, format, stream, library=None, holdings=True, chunk=500, on_error=None):
    """Write ``records`` (an iterable of BibRecords or MARC-in-JSON dicts) to binary ``stream``.

    Returns the number of records written. A record ISO 2709 cannot hold (over 99,999
    bytes) is skipped and passed to ``on_error(record, reason)``.
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    if format == "marcxml":
        stream.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="http://www.loc.gov/MARC21/slim">\n')
    elif format == "oai_dc":
        stream.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<collection>\n')
    written = 0
    batch = []
    for record in records:
        batch.append(record)
        if len(batch) >= chunk:
            written += _write_batch(batch, format, stream, library, holdings, on_error)
            batch = []
    if batch:
        written += _write_batch(batch, format, stream, library, holdings, on_error)
    if format in ("marcxml", "oai_dc"):
        stream.write(b"</collection>\n")
    return written


def _write_batch(batch, format, stream, library, holdings, on_error):
    items = _items_by_record(batch, library) if holdings else {}
    written = 0
    for record in batch:
        if isinstance(record, dict):
            data, model = record, None
        else:
            data, model = record.marc, record
        if holdings:
            data = with_holdings(data, items.get(getattr(model, "pk", None), []))
        if format == "iso2709":
            try:
                stream.write(iso2709(data))
            except RecordTooLong:
                if on_error:
                    on_error(record, "longer than ISO 2709's 99,999 bytes")
                continue
        elif format == "marcxml":
            stream.write(etree.tostring(marcxml_element(data), encoding="utf-8") + b"\n")
        else:
            stream.write(etree.tostring(dc_element(model, data), encoding="utf-8") + b"\n")
        written += 1
    return written

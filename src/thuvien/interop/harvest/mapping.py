"""OAI-PMH metadata into MARC-in-JSON (what ``catalog.services`` stores).

``oai_dc`` becomes a minimal MARC21 record (leader, 001/003, 008, 020, 022 or 490 $x,
024, 035, 041, 100/700, 245/246, 260, 520, 540, 650, 856); ``marc21`` (MARCXML) is kept as it is, with the
OAI identifier added in 035 (and in 001/003 when the record has no control number).
"""

import html
import io
import re

import pymarc
from lxml import etree

from thuvien.catalog import marc
from thuvien.catalog.identifiers import is_valid_isbn, normalize_isbn
from thuvien.core.vietnamese import nfc

DC = "http://purl.org/dc/elements/1.1/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
MARCXML = "http://www.loc.gov/MARC21/slim"
MAX_FIELD = 4000  # characters kept of a long description (a MARC field holds < 10,000 bytes)

_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
_DOI = re.compile(r"(?:doi:|https?://(?:dx\.)?doi\.org/)(10\.\d{4,9}/\S+)", re.IGNORECASE)
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
LANGUAGES = {
    "en": "eng", "vi": "vie", "fr": "fre", "de": "ger", "nl": "dut", "es": "spa", "zh": "chi",
    "ja": "jpn", "ru": "rus", "it": "ita", "pt": "por", "ko": "kor", "th": "tha", "la": "lat",
}
# dc:type (DCMI type vocabulary and common variants) -> MARC leader/06
TYPES = [
    ("sound", "i"), ("moving", "g"), ("video", "g"), ("image", "k"), ("software", "m"),
    ("dataset", "m"), ("map", "e"), ("cartographic", "e"), ("score", "c"),
]


SERIAL_TYPES = ("journal", "periodical", "serial", "newspaper", "magazine")


class MappingError(ValueError):
    pass


def _text(value):
    """Plain NFC text: HTML tags and entities (Zenodo sends escaped HTML) removed, spaces collapsed."""
    value = html.unescape(html.unescape(value or ""))
    value = _TAGS.sub(" ", value)
    return nfc(_SPACES.sub(" ", value).strip())


def _field(tag, subfields, ind1=" ", ind2=" "):
    return {tag: {"ind1": ind1, "ind2": ind2, "subfields": [{code: text} for code, text in subfields]}}


def dc_values(metadata):
    """{element: [values]} of an oai_dc metadata element, in order, without repeats."""
    values = {}
    if metadata is None:
        return values
    for node in metadata.iter():
        if not isinstance(node.tag, str) or not node.tag.startswith(f"{{{DC}}}"):
            continue
        name = node.tag.split("}", 1)[1]
        text = _text("".join(node.itertext()))
        if text and text not in values.setdefault(name, []):
            values[name].append(text)
    return values


def _isbn_of(value):
    candidate = re.sub(r"^(urn:isbn:|isbn:?)\s*", "", value.strip(), flags=re.IGNORECASE)
    if re.fullmatch(r"[0-9Xx][0-9Xx\- ]{8,20}", candidate) and is_valid_isbn(candidate):
        return normalize_isbn(candidate)
    return None


def oai_dc_to_marc(identifier, metadata, source_name):
    """A minimal MARC21 record (MARC-in-JSON) from an oai_dc ``metadata`` element."""
    dc = dc_values(metadata)
    titles = dc.get("title", [])
    if not titles:
        raise MappingError("no dc:title")
    types = " ".join(dc.get("type", [])).lower()
    record_type = next((code for word, code in TYPES if word in types), "a")
    serial = any(word in types for word in SERIAL_TYPES)
    leader = f"00000n{record_type}{'s' if serial else 'm'} a2200000uu 4500"
    year_match = next((m for m in map(_YEAR.search, dc.get("date", [])) if m), None)
    year = year_match.group(1) if year_match else "    "
    language = ""
    for value in dc.get("language", []):
        code = value.strip().lower()[:3]
        code = LANGUAGES.get(code[:2], code) if len(code) == 2 or "-" in value else code
        if re.fullmatch(r"[a-z]{3}", code):
            language = code
            break
    fixed = f"000000{'s' if year.strip() else 'n'}{year}    xx            000 0 {language or '   '} d"
    fields = [{"001": identifier[:200]}, {"003": source_name[:32]}, {"008": fixed[:40].ljust(40)}]
    doi_seen = set()
    links, series_issns = [], []
    for value in dc.get("identifier", []):
        isbn = _isbn_of(value)
        if isbn:
            fields.append(_field("020", [("a", isbn)]))
            continue
        if re.fullmatch(r"(?:issn:?\s*)?\d{4}-\d{3}[\dXx]", value.strip(), flags=re.IGNORECASE):
            issn = value.strip()[-9:].upper()
            # A serial's own ISSN identifies it; on a report or a book it is its series'.
            if serial:
                fields.append(_field("022", [("a", issn)]))
            else:
                series_issns.append(issn)
            continue
        doi = _DOI.search(value)
        if doi and doi.group(1) not in doi_seen:
            doi_seen.add(doi.group(1))
            fields.append(_field("024", [("a", doi.group(1)), ("2", "doi")], "7"))
        if value.startswith(("http://", "https://")):
            links.append(value)
    fields.append(_field("035", [("a", f"(OAI)({source_name}){identifier}")]))
    if language:
        fields.append(_field("041", [("a", language)]))
    creators = dc.get("creator", [])
    others = creators[1:] + [c for c in dc.get("contributor", []) if c not in creators]
    if creators:
        fields.append(_field("100", [("a", creators[0][:500])], "1"))
    fields.append(_field("245", [("a", titles[0][:2000])], "1" if creators else "0", "0"))
    for other in titles[1:]:
        fields.append(_field("246", [("a", other[:2000])], "3", "3"))
    imprint = []
    if dc.get("publisher"):
        imprint.append(("b", dc["publisher"][0][:500]))
    if dc.get("date"):
        imprint.append(("c", dc["date"][0][:100]))
    if imprint:
        fields.append(_field("260", imprint))
    for issn in series_issns[:3]:
        fields.append(_field("490", [("x", issn)], "0"))
    for value in dc.get("description", [])[:3]:
        fields.append(_field("520", [("a", value[:MAX_FIELD])]))
    for value in dc.get("rights", [])[:3]:
        fields.append(_field("540", [("a", value[:500])]))
    for value in dc.get("subject", []):
        fields.append(_field("650", [("a", value[:500])], " ", "4"))
    for name in others:
        fields.append(_field("700", [("a", name[:500])], "1"))
    for value in links[:5]:
        fields.append(_field("856", [("u", value[:1000])], "4", "0"))
    return {"leader": leader, "fields": fields}


def marcxml_to_marc(identifier, metadata, source_name):
    """The MARCXML record inside ``metadata`` as MARC-in-JSON, tagged with the OAI identifier."""
    node = None
    if metadata is not None:
        node = metadata.find(f".//{{{MARCXML}}}record")
    if node is None:
        raise MappingError("no MARCXML record")
    records = pymarc.parse_xml_to_array(io.BytesIO(etree.tostring(node)))
    if not records or records[0] is None:
        raise MappingError("unreadable MARCXML record")
    data = marc.record_to_json(records[0])
    fields = data["fields"]
    if not marc.control(data, "001").strip():
        fields.insert(0, {"003": source_name[:32]})
        fields.insert(0, {"001": identifier[:200]})
    tagged = f"(OAI)({source_name}){identifier}"
    if tagged not in [t for _, v in marc.fields(data, "035") for t in marc.subfield_values(v, "a")]:
        position = next((i for i, f in enumerate(fields) if next(iter(f)) > "035"), len(fields))
        fields.insert(position, _field("035", [("a", tagged)]))
    if not marc.title_of(data):
        raise MappingError("no title (245)")
    return data


def to_marc(prefix, identifier, metadata, source_name):
    if prefix == "marc21":
        return marcxml_to_marc(identifier, metadata, source_name)
    return oai_dc_to_marc(identifier, metadata, source_name)

"""The metadata formats: ``oai_dc`` and ``marc21`` (MARCXML), written as strings.

A page holds hundreds of records, so the XML is built by string concatenation of
escaped text (no element tree per record); ``provider`` removes the characters XML
cannot carry from the whole page at once. What is written always validates against
oai_dc.xsd and MARC21slim.xsd: MARC values the schema refuses (a malformed leader,
indicator or tag) are mended or left out.
"""

import json
import re
from dataclasses import dataclass

from thuvien.interop.sru.records import MATERIAL_TYPES

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
MARC_NS = "http://www.loc.gov/MARC21/slim"


@dataclass(frozen=True)
class Format:
    prefix: str
    schema: str
    namespace: str
    columns: tuple  # BibRecord columns the writer reads, after the header's


DC_COLUMNS = ("title", "authors", "subjects", "publisher", "year", "language", "material_type", "isbns", "ddc")
FORMATS = {
    "oai_dc": Format("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC_NS, DC_COLUMNS),
    "marc21": Format("marc21", "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd", MARC_NS, ("marc",)),
}


def escape(text):
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def escape_attribute(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def decode_lists(rows, positions):
    """Decode the JSON list columns at ``positions`` of every row, in one ``json.loads``.

    Raw cursors hand JSON columns over as text; a page has hundreds of rows with three
    such columns each, and one parse of them all joined is much quicker than one each.
    Returns new rows (lists) with those columns decoded.
    """
    rows = [list(row) for row in rows]
    texts = [row[i] if isinstance(row[i], str) else json.dumps(row[i] or []) for row in rows for i in positions]
    if texts:
        values = iter(json.loads("[" + ",".join(texts) + "]"))
        for row in rows:
            for i in positions:
                row[i] = next(values) or []
    return rows


# --- oai_dc ---------------------------------------------------------------------------

DC_OPEN = (f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}" '
           f'xsi:schemaLocation="{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd">')
DC_CLOSE = "</oai_dc:dc>"


def _elements(name, values):
    if not values:
        return ""
    return "".join([f"<dc:{name}>{escape(value)}</dc:{name}>" for value in values])


def oai_dc(row, base_url, digital_ids=()):
    """oai_dc for ``row``: the DC_COLUMNS of a record (lists decoded), preceded by its id."""
    pk, title, authors, subjects, publisher, year, language, material_type, isbns, ddc = row
    return "".join([
        DC_OPEN,
        f"<dc:title>{escape(title)}</dc:title>" if title else "",
        _elements("creator", authors),
        _elements("subject", subjects),
        f"<dc:subject>DDC {escape(ddc)}</dc:subject>" if ddc else "",
        f"<dc:publisher>{escape(publisher)}</dc:publisher>" if publisher else "",
        f"<dc:date>{year}</dc:date>" if year else "",
        f"<dc:type>{MATERIAL_TYPES.get(material_type, 'Text')}</dc:type>",
        f"<dc:language>{escape(language)}</dc:language>" if language else "",
        f"<dc:identifier>{base_url}/record/{pk}/</dc:identifier>",
        "".join([f"<dc:identifier>urn:isbn:{escape(isbn)}</dc:identifier>" for isbn in isbns]) if isbns else "",
        "".join([f"<dc:identifier>{base_url}/digital/{o}/</dc:identifier>" for o in digital_ids]) if digital_ids else "",
        DC_CLOSE,
    ])


# --- marc21 ---------------------------------------------------------------------------

MARC_OPEN = (f'<record xmlns="{MARC_NS}" '
             f'xsi:schemaLocation="{MARC_NS} http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd">')
LEADER = re.compile(r"[\d ]{5}[\dA-Za-z ][\dA-Za-z][\dA-Za-z ]{3}[2 ][2 ][\d ]{5}[\dA-Za-z ]{3}(4500|    )\Z")
CONTROL_TAG = re.compile(r"00[1-9A-Za-z]\Z")
DATA_TAG = re.compile(r"(0[1-9A-Z][0-9A-Z]|0[1-9a-z][0-9a-z]|[1-9A-Z][0-9A-Z]{2}|[1-9a-z][0-9a-z]{2})\Z")
INDICATORS = frozenset("0123456789abcdefghijklmnopqrstuvwxyz ")
CODES = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!\"#$%&'()*+,-./:;<=>?{}_^`~[]\\")
DIGITISED = "Tài liệu số hóa"  # 856 $3: what the link is (the catalogue's language, not the request's)
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def leader(text):
    """A leader MARC21slim.xsd accepts: ``text`` itself when it is one, else mended."""
    text = str(text or "").ljust(24)[:24]
    if LEADER.match(text):
        return text

    def keep(position, allowed, default):
        char = text[position]
        return char if char in allowed else default

    digits = frozenset("0123456789 ")
    alnum_space = _ALNUM | {" "}
    chars = [keep(i, digits, "0") for i in range(5)]
    chars.append(keep(5, alnum_space, " "))
    chars.append(keep(6, _ALNUM, "a"))
    chars += [keep(i, alnum_space, " ") for i in range(7, 10)]
    chars += [keep(10, "2 ", "2"), keep(11, "2 ", "2")]
    chars += [keep(i, digits, "0") for i in range(12, 17)]
    chars += [keep(i, alnum_space, " ") for i in range(17, 20)]
    chars.append(text[20:24] if text[20:24] in ("4500", "    ") else "4500")
    return "".join(chars)


def marc21(marc, links=()):
    """A MARC21 slim ``record`` for MARC-in-JSON ``marc`` (a dict, or its JSON text), less
    its local 9XX fields (staff notes, local holdings), plus an 856 for each of ``links``
    (the pages of the record's open digital objects)."""
    if isinstance(marc, str):
        marc = json.loads(marc)
    out = [MARC_OPEN, "<leader>", escape(leader(marc.get("leader"))), "</leader>"]
    append = out.append
    for entry in marc.get("fields", ()):
        for tag, value in entry.items():
            if isinstance(value, str):
                if CONTROL_TAG.match(tag):
                    append(f'<controlfield tag="{tag}">{escape(value)}</controlfield>')
                continue
            if not isinstance(value, dict) or not DATA_TAG.match(tag) or tag[0] == "9":
                continue
            ind1 = (value.get("ind1") or " ")[:1]
            ind2 = (value.get("ind2") or " ")[:1]
            subfields = []
            for subfield in value.get("subfields", ()):
                for code, text in subfield.items():
                    if code in CODES and isinstance(text, str):
                        subfields.append(f'<subfield code="{escape_attribute(code)}">{escape(text)}</subfield>')
            if not subfields:
                continue  # MARC21slim.xsd asks for at least one subfield
            append(f'<datafield tag="{tag}" ind1="{ind1 if ind1 in INDICATORS else " "}" '
                   f'ind2="{ind2 if ind2 in INDICATORS else " "}">')
            out += subfields
            append("</datafield>")
    for link in links:
        append(f'<datafield tag="856" ind1="4" ind2="0"><subfield code="u">{link}</subfield>'
               f'<subfield code="3">{DIGITISED}</subfield></datafield>')
    append("</record>")
    return "".join(out)

"""An SRU 1.2 client for copy cataloguing: searchRetrieve with recordSchema=marcxml."""

import http.client
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from lxml import etree

from thuvien.catalog.identifiers import is_valid_isbn
from thuvien.core.vietnamese import nfc

SRW = "http://www.loc.gov/zing/srw/"
SRU2 = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
MARC = "http://www.loc.gov/MARC21/slim"
TIMEOUT = 10
MAX_RESPONSE = 5 * 1024 * 1024


class SruError(Exception):
    """The server could not be asked or answered with a diagnostic; the message is for staff."""


@dataclass
class SruResult:
    total: int = 0
    records: list = field(default_factory=list)  # MARC-in-JSON


def cql_for(text):
    """A CQL query from what a cataloguer typed: CQL as is, an ISBN, or words."""
    text = text.strip()
    if any(op in text for op in ("=", " any ", " all ")):
        return text
    digits = text.replace("-", "").replace(" ", "")
    if is_valid_isbn(digits):
        return f"bath.isbn={digits}"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def search_url(base_url, query, maximum=10):
    params = {"version": "1.2", "operation": "searchRetrieve", "query": query,
              "maximumRecords": str(maximum), "recordSchema": "marcxml"}
    separator = "&" if "?" in base_url else "?"
    return base_url + separator + urllib.parse.urlencode(params)


def search(base_url, text, maximum=10):
    """Search one server; raises SruError with a message for staff."""
    url = search_url(base_url, cql_for(text), maximum)
    if not url.startswith(("http://", "https://")):
        raise SruError(_("The server address must start with http:// or https://."))
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            body = response.read(MAX_RESPONSE + 1)
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        raise SruError(_("The server did not answer: %(reason)s") % {"reason": getattr(exc, "reason", exc)}) from exc
    if len(body) > MAX_RESPONSE:
        raise SruError(_("The server's answer is too large."))
    return parse_response(body)


def parse_response(body):
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise SruError(_("The server's answer is not valid XML.")) from exc
    ns = {"zs": root.nsmap.get(root.prefix, SRW), "m": MARC}
    # Diagnostics come in SRU 1.x or 2.0 namespaces, whole-response or per record.
    diagnostics = root.xpath("//*[local-name()='diagnostic']")
    if diagnostics and not root.findall(".//m:record", namespaces=ns):
        first = diagnostics[0]
        message = "".join(first.xpath("./*[local-name()='message']/text()")).strip()
        details = "".join(first.xpath("./*[local-name()='details']/text()")).strip()
        raise SruError(_("The server reported an error: %(message)s") % {"message": f"{message} {details}".strip()})
    total = root.findtext("zs:numberOfRecords", namespaces=ns)
    records = [marcxml_to_json(el) for el in root.iterfind(".//m:record", namespaces=ns)]
    return SruResult(total=int(total) if total and total.strip().isdigit() else len(records), records=records)


def marcxml_to_json(element):
    """One MARCXML <record> element as NFC MARC-in-JSON."""
    ns = {"m": MARC}
    leader = (element.findtext("m:leader", namespaces=ns) or "").ljust(24)[:24]
    fields = []
    for child in element:
        tag = child.get("tag")
        if child.tag == f"{{{MARC}}}controlfield" and tag:
            fields.append({tag: nfc(child.text or "")})
        elif child.tag == f"{{{MARC}}}datafield" and tag:
            subfields = [{sf.get("code") or "a": nfc(sf.text or "")}
                         for sf in child.iterfind("m:subfield", namespaces=ns)]
            fields.append({tag: {"ind1": (child.get("ind1") or " ")[:1], "ind2": (child.get("ind2") or " ")[:1],
                                 "subfields": subfields}})
    return {"leader": leader, "fields": fields}

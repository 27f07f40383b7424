"""SRU requests to SRU responses: version and operation dispatch, parameters, XML.

``respond(params, host, port)`` always returns a well-formed SRU response; anything
wrong with the request becomes a diagnostic inside it, never an HTTP error.
"""

import logging
import re
from dataclasses import dataclass, field

from lxml import etree

from thuvien.interop.sru import cql
from thuvien.interop.sru.diagnostics import Diagnostic
from thuvien.interop.sru.explain import (
    DEFAULT_RECORDS, DEFAULT_TERMS, MAX_RECORDS, MAX_TERMS, SCHEMAS, ZEEREX_SCHEMA, explain_record, schema_named,
)
from thuvien.interop.sru.scan import scan_terms
from thuvien.interop.sru.translate import SORT_FIELDS, Sort, translate_text

log = logging.getLogger(__name__)

VERSIONS = ("1.1", "1.2", "2.0")
NS_1 = {"zs": "http://www.loc.gov/zing/srw/", "diag": "http://www.loc.gov/zing/srw/diagnostic/"}
NS_2 = {"zs": "http://docs.oasis-open.org/ns/search-ws/sruResponse",
        "diag": "http://docs.oasis-open.org/ns/search-ws/diagnostic",
        "scan": "http://docs.oasis-open.org/ns/search-ws/scan"}
MAX_START = 1_000_000  # tantivy collects start+maximum hits; deeper pages get diagnostic 61
DATABASE = "sru"


@dataclass
class Context:
    params: dict
    version: str
    host: str = "localhost"
    port: int = 80
    diagnostics: list = field(default_factory=list)

    @property
    def v2(self):
        return self.version == "2.0"

    @property
    def ns(self):
        return NS_2 if self.v2 else NS_1


def respond(params, host="localhost", port=80):
    """The SRU response (bytes of XML) to request ``params`` (a dict of strings)."""
    # Characters XML cannot carry (NUL, other C0 controls, lone surrogates) are dropped first.
    params = {_xml_safe(k): _xml_safe(v) for k, v in params.items() if isinstance(v, str)}
    version = params.get("version") or "2.0"
    operation = params.get("operation") or (
        "searchRetrieve" if "query" in params else "scan" if "scanClause" in params else "explain")
    if version not in VERSIONS:
        ctx = Context(params, "2.0", host, port, [Diagnostic(5, "2.0")])
        return _serialise(_empty_response(operation)(ctx, fatal=True))
    ctx = Context(params, version, host, port)
    try:
        if operation == "searchRetrieve":
            root = search_retrieve(ctx)
        elif operation == "scan":
            root = scan(ctx)
        else:
            if operation != "explain":
                ctx.diagnostics.append(Diagnostic(4, operation))
            root = explain_response(ctx)
    except Exception:  # a bug must still give a valid SRU response
        log.exception("SRU request failed: %r", params)
        ctx.diagnostics = [Diagnostic(1)]
        root = _empty_response(operation)(ctx, fatal=True)
    return _serialise(root)


def _empty_response(operation):
    """The builder of a response with no content, only diagnostics."""
    return {"searchRetrieve": search_retrieve_response, "scan": scan_response}.get(operation, explain_response)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text):
    return _NOT_XML.sub("", text)


def _serialise(root):
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# --- small XML helpers --------------------------------------------------------------

def _el(parent, ns, name, text=None):
    node = etree.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        node.text = str(text)
    return node


def _root(ctx, name):
    return etree.Element(f"{{{ctx.ns['zs']}}}{name}", nsmap={"zs": ctx.ns["zs"]})


def _diagnostics(ctx, parent, namespace_key="zs"):
    if not ctx.diagnostics:
        return
    diag_ns = ctx.ns["diag"]
    holder = etree.SubElement(parent, f"{{{ctx.ns[namespace_key]}}}diagnostics", nsmap={"diag": diag_ns})
    for d in ctx.diagnostics:
        node = _el(holder, diag_ns, "diagnostic")
        _el(node, diag_ns, "uri", d.uri)
        if d.details:
            _el(node, diag_ns, "details", d.details)
        _el(node, diag_ns, "message", d.message)


def _int_param(ctx, name, default, minimum):
    raw = ctx.params.get(name)
    if raw is None or raw == "":
        return default
    raw = raw.strip()
    if not raw.isdigit() or int(raw) < minimum:
        raise Diagnostic(6, name)
    return int(raw)


def _packing(ctx):
    """'xml' or 'string': how record XML is carried (recordPacking in 1.x, recordXMLEscaping in 2.0)."""
    name = "recordXMLEscaping" if ctx.v2 else "recordPacking"
    value = ctx.params.get(name) or (ctx.params.get("recordPacking") if ctx.v2 else None) or "xml"
    if ctx.v2 and name not in ctx.params and value in ("packed", "unpacked"):
        value = "xml"
    if value not in ("xml", "string"):
        raise Diagnostic(71, value)
    return value


# --- explain ------------------------------------------------------------------------

def _database_title():
    from thuvien.network.models import Library

    root = Library.objects.filter(parent__isnull=True).order_by("pk").values_list("name", flat=True).first()
    return f"Mục lục liên hợp — {root}" if root else "Mục lục liên hợp"


def explain_response(ctx, fatal=False):
    root = _root(ctx, "explainResponse")
    ns = ctx.ns["zs"]
    _el(root, ns, "version", ctx.version)
    record = _el(root, ns, "record")
    _el(record, ns, "recordSchema", ZEEREX_SCHEMA)
    packing = "xml"
    try:
        packing = _packing(ctx)
    except Diagnostic as d:
        ctx.diagnostics.append(d)
    _el(record, ns, "recordXMLEscaping" if ctx.v2 else "recordPacking", packing)
    data = _el(record, ns, "recordData")
    if not fatal:
        explain = explain_record(ctx.host, ctx.port, DATABASE, ctx.version, _database_title())
        _put_record(data, explain, packing)
    echo = _el(root, ns, "echoedExplainRequest")
    _el(echo, ns, "version", ctx.version)
    _el(echo, ns, "recordXMLEscaping" if ctx.v2 else "recordPacking", packing)
    _diagnostics(ctx, root)
    return root


def _put_record(data, element, packing):
    if packing == "string":
        data.text = etree.tostring(element, encoding="unicode")
    else:
        data.append(element)


# --- searchRetrieve -----------------------------------------------------------------

@dataclass
class Result:
    total: int = 0
    start: int = 1
    records: list = field(default_factory=list)  # (position, element)
    schema: str = "marcxml"
    packing: str = "xml"


def search_retrieve(ctx):
    from thuvien.catalog.models import BibRecord
    from thuvien.interop.sru.records import dublin_core, marcxml
    from thuvien.search.service import search_query

    result = Result()
    try:
        query = ctx.params.get("query")
        if not query or not query.strip():
            raise Diagnostic(7, "query")
        query_type = ctx.params.get("queryType")
        if query_type and query_type.lower() not in ("cql", "searchterms"):
            raise Diagnostic(6, "queryType")
        result.start = _int_param(ctx, "startRecord", 1, 1)
        maximum = min(_int_param(ctx, "maximumRecords", DEFAULT_RECORDS, 0), MAX_RECORDS)
        schema = schema_named(ctx.params.get("recordSchema"))
        if schema is None:
            raise Diagnostic(66, ctx.params.get("recordSchema"))
        result.schema = schema
        result.packing = _packing(ctx)
        if ctx.params.get("stylesheet"):
            raise Diagnostic(110, ctx.params["stylesheet"])
        translation = translate_text(query)
        sort = translation.sort
        if not sort.field and ctx.params.get("sortKeys") and not ctx.v2:
            sort = _sort_keys(ctx.params["sortKeys"])
        too_deep = result.start > MAX_START
        total, ids = search_query(translation.query, sort.field, sort.descending,
                                  offset=0 if too_deep else result.start - 1, limit=0 if too_deep else maximum)
        result.total = total
        if too_deep or result.start > max(total, 1):
            raise Diagnostic(61, str(result.start))
        rows = BibRecord.objects.filter(id__in=ids, visibility="public", is_deleted=False)
        rows = (rows.only("id", "marc") if schema == "marcxml" else rows.defer("marc")).in_bulk()
        position = result.start
        for record_id in ids:
            record = rows.get(record_id)
            if record is None:
                continue
            element = marcxml(record.marc) if schema == "marcxml" else dublin_core(record)
            result.records.append((position, element))
            position += 1
    except Diagnostic as d:
        ctx.diagnostics.append(d)
    return search_retrieve_response(ctx, result=result)


def _sort_keys(value):
    """SRU 1.1/1.2 sortKeys: "path,schema,ascending,caseSensitive,missingValue" (one key)."""
    keys = value.split()
    if len(keys) > 1:
        raise Diagnostic(84, "1")
    parts = keys[0].split(",")
    context, _dot, name = parts[0].lower().rpartition(".")
    field = SORT_FIELDS.get((context or "dc", name))  # a bare name is in dc, as in CQL
    if field is None:
        raise Diagnostic(88, parts[0])
    ascending = parts[2] if len(parts) > 2 and parts[2] else "1"
    if ascending not in ("0", "1"):
        raise Diagnostic(6, "sortKeys")
    return Sort(field, ascending == "0")


def search_retrieve_response(ctx, result=None, fatal=False):
    result = result or Result()
    ns = ctx.ns["zs"]
    root = _root(ctx, "searchRetrieveResponse")
    if not ctx.v2:
        _el(root, ns, "version", ctx.version)
    _el(root, ns, "numberOfRecords", result.total)
    schema_id = SCHEMAS[result.schema][0]
    if result.records:
        records = _el(root, ns, "records")
        for position, element in result.records:
            record = _el(records, ns, "record")
            _el(record, ns, "recordSchema", schema_id)
            _el(record, ns, "recordXMLEscaping" if ctx.v2 else "recordPacking", result.packing)
            _put_record(_el(record, ns, "recordData"), element, result.packing)
            _el(record, ns, "recordPosition", position)
        last = result.records[-1][0]
        if last < result.total:
            _el(root, ns, "nextRecordPosition", last + 1)
    _echo_search(ctx, root)
    _diagnostics(ctx, root)
    if ctx.v2 and not fatal:
        _el(root, ns, "resultCountPrecision", "info:srw/vocabulary/resultCountPrecision/1/exact")
    return root


def _valid_int(value, minimum):
    return value is not None and value.strip().isdigit() and int(value) >= minimum


def _echo_search(ctx, root):
    ns, p = ctx.ns["zs"], ctx.params
    echo = _el(root, ns, "echoedSearchRetrieveRequest")
    _el(echo, ns, "version", ctx.version)
    if ctx.v2 and p.get("queryType"):
        _el(echo, ns, "queryType", p["queryType"])
    if p.get("query") is not None:
        _el(echo, ns, "query", p["query"])
    if not ctx.v2 and p.get("query"):
        try:
            xquery = _el(echo, ns, "xQuery")
            xquery.append(etree.fromstring(cql.to_xcql(cql.parse(p["query"]), "http://www.loc.gov/zing/cql/xcql/")))
        except cql.CQLSyntaxError:
            echo.remove(xquery)
    if _valid_int(p.get("startRecord"), 1):
        _el(echo, ns, "startRecord", int(p["startRecord"]))
    if _valid_int(p.get("maximumRecords"), 0):
        _el(echo, ns, "maximumRecords", int(p["maximumRecords"]))
    if ctx.v2:
        if p.get("recordXMLEscaping"):
            _el(echo, ns, "recordXMLEscaping", p["recordXMLEscaping"] if p["recordXMLEscaping"] in ("xml", "string") else "xml")
        if p.get("recordPacking"):
            _el(echo, ns, "recordPacking", p["recordPacking"])
    else:
        _el(echo, ns, "recordPacking", p.get("recordPacking") or "xml")
    if p.get("recordSchema"):
        _el(echo, ns, "recordSchema", p["recordSchema"])
    if p.get("sortKeys"):
        _el(echo, ns, "sortKeys", p["sortKeys"])


# --- scan ---------------------------------------------------------------------------

def scan(ctx):
    terms = []
    try:
        clause_text = ctx.params.get("scanClause")
        if not clause_text or not clause_text.strip():
            raise Diagnostic(7, "scanClause")
        position = _int_param(ctx, "responsePosition", 1, 0)
        maximum = min(_int_param(ctx, "maximumTerms", DEFAULT_TERMS, 1), MAX_TERMS)
        terms = scan_terms(clause_text, maximum, position)
    except Diagnostic as d:
        ctx.diagnostics.append(d)
    return scan_response(ctx, terms=terms)


def scan_response(ctx, terms=(), fatal=False):
    if ctx.v2:
        ns = NS_2["scan"]
        root = etree.Element(f"{{{ns}}}scanResponse", nsmap={"scan": ns})
        key = "scan"
    else:
        ns = NS_1["zs"]
        root = _root(ctx, "scanResponse")
        _el(root, ns, "version", ctx.version)
        key = "zs"
    if terms:
        holder = _el(root, ns, "terms")
        for value, count, display in terms:
            term = _el(holder, ns, "term")
            _el(term, ns, "value", value)
            _el(term, ns, "numberOfRecords", count)
            _el(term, ns, "displayTerm", display)
    echo = _el(root, ns, "echoedScanRequest")
    if not ctx.v2:
        _el(echo, ns, "version", ctx.version)
    _el(echo, ns, "scanClause", ctx.params.get("scanClause") or "")
    _diagnostics(ctx, root, key)
    return root

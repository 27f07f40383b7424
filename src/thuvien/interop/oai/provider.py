"""OAI-PMH 2.0 requests to responses: arguments, the six verbs, errors.

``respond(arguments, base_url)`` takes the request's arguments as {name: [values]} and
always returns a complete OAI-PMH response (bytes); whatever is wrong with the request
becomes an ``<error>`` inside it. Every response validates against OAI-PMH.xsd.

Records are the union catalogue's BibRecords. Their identifier is
``oai:<OAI_REPOSITORY_ID>:<id>`` and their datestamp their ``updated_at`` (UTC, to the
second). A withdrawn record, and a record made restricted, stays as a deleted record
(``deletedRecord`` is ``persistent``): a header with ``status="deleted"`` and nothing
else. A record that was never public (``ever_public`` false: restricted from the start)
does not exist here at all: not its identifier, not in a set, not in a count.

Lists are read in (updated_at, id) order from the ``bib_updated_id`` index (partial: the
records ever public), a page at a
time, from where the last page stopped (see ``tokens``). A list is bounded above by the
time of its first request, so a record changed during a harvest is not sent twice: the
next incremental harvest (``from`` = the first response's date) brings it.
"""

import logging
import re
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.interop.oai import prefetch, sets, tokens
from thuvien.interop.oai.metadata import (
    DC_COLUMNS,
    FORMATS,
    decode_lists,
    escape,
    escape_attribute,
    marc21,
    oai_dc,
)

log = logging.getLogger(__name__)

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
IDENTIFIER_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
DATESTAMP = "%Y-%m-%dT%H:%M:%SZ"

# verb: (required arguments, optional arguments); resumptionToken is exclusive.
VERBS = {
    "Identify": ((), ()),
    "ListMetadataFormats": ((), ("identifier",)),
    "ListSets": ((), ("resumptionToken",)),
    "GetRecord": (("identifier", "metadataPrefix"), ()),
    "ListIdentifiers": (("metadataPrefix",), ("from", "until", "set", "resumptionToken")),
    "ListRecords": (("metadataPrefix",), ("from", "until", "set", "resumptionToken")),
}
PREFIX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+\Z")
DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")
SECOND = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z\Z")
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
URI_SAFE = re.compile(r"[^\s<>\"{}|\\^`]+\Z")

HEAD = (f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="{XSI_NS}" '
        f'xsi:schemaLocation="{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">')
TAIL = "</OAI-PMH>\n"


class OAIError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


# --- settings -------------------------------------------------------------------------

def repository_id():
    return getattr(settings, "OAI_REPOSITORY_ID", "thuvien.ninhbinh")


def page_size():
    return max(1, int(getattr(settings, "OAI_PAGE_SIZE", 500)))


def admin_emails():
    emails = [e for e in getattr(settings, "OAI_ADMIN_EMAILS", ()) if e]
    if not emails:
        sender = getattr(settings, "DEFAULT_FROM_EMAIL", "")
        emails = [sender] if re.fullmatch(r"\S+@(\S+\.)+\S+", sender or "") else []
    return [e for e in emails if re.fullmatch(r"\S+@(\S+\.)+\S+", e)] or [f"webmaster@{repository_id()}"]


def repository_name():
    name = getattr(settings, "OAI_REPOSITORY_NAME", "")
    if name:
        return name
    from thuvien.network.models import Library

    root = Library.objects.filter(parent__isnull=True).order_by("pk").values_list("name", flat=True).first()
    return _("Union catalogue — %(network)s") % {"network": root} if root else _("Union catalogue")


# --- dates and identifiers ------------------------------------------------------------

def datestamp(moment):
    return moment.astimezone(UTC).strftime(DATESTAMP)


def parse_date(text, name):
    """(datetime at the start of the moment, granularity length) or badArgument."""
    match = SECOND.match(text) or DAY.match(text)
    if not match:
        raise OAIError("badArgument", _("%(name)s must be a date as YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ.")
                       % {"name": name})
    try:
        moment = datetime(*(int(part) for part in match.groups()), tzinfo=UTC)
    except ValueError:
        raise OAIError("badArgument", _("%(name)s is not a valid date: %(value)s.") % {"name": name, "value": text})
    return moment, "second" if len(match.groups()) == 6 else "day"


def make_identifier(pk):
    return f"oai:{repository_id()}:{pk}"


def record_id(identifier):
    """The BibRecord id an identifier names, or None when it is not one of ours."""
    prefix = f"oai:{repository_id()}:"
    if not identifier.startswith(prefix):
        return None
    rest = identifier[len(prefix):]
    if not rest.isascii() or not rest.isdigit() or rest != str(int(rest)) or int(rest) > 2**63 - 1:
        return None
    return int(rest)


# --- the response envelope ------------------------------------------------------------

def _request_element(base_url, verb, arguments, bare):
    """``<request>``: the base URL and, unless the request was bad, its arguments."""
    attributes = ""
    if not bare:
        for name, value in [("verb", verb), *sorted(arguments.items())]:
            if name in ("metadataPrefix",) and not PREFIX.match(value):
                continue
            if name == "set" and not sets.SPEC.match(value):
                continue
            if name in ("from", "until") and not (SECOND.match(value) or DAY.match(value)):
                continue
            if name == "identifier" and not URI_SAFE.match(value):
                continue
            attributes += f' {name}="{escape_attribute(value)}"'
    return f"<request{attributes}>{escape(base_url)}</request>"


def _envelope(base_url, verb, arguments, body, bare=False):
    now = timezone.now()
    head = "".join([HEAD, f"<responseDate>{datestamp(now)}</responseDate>",
                    _request_element(base_url, verb, arguments, bare)])
    if isinstance(body, bytes):  # a page rendered ahead (prefetch), already checked
        return b"".join([xml_bytes(head), body, TAIL.encode()])
    return xml_bytes(head + body + TAIL)


_C0 = bytes(c for c in range(32) if c not in (9, 10, 13))


def xml_bytes(text):
    """``text`` in UTF-8 without the characters XML 1.0 cannot carry (C0 controls,
    U+FFFE/U+FFFF, lone surrogates). The common case, none, is checked on bytes at C speed."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return NOT_XML.sub("", text).encode("utf-8")
    if len(data.translate(None, _C0)) != len(data) or b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data:
        return NOT_XML.sub("", text).encode("utf-8")
    return data


def _error(code, message):
    return f'<error code="{code}">{escape(message)}</error>'


def respond(query, base_url, site_url=None):
    """The OAI-PMH response (bytes) to ``query``: {argument: [values]} of one request.
    ``site_url`` (default: ``base_url`` less its last part) prefixes links to record pages."""
    if site_url is None:
        site_url = base_url.rsplit("/", 1)[0]
    verbs = query.get("verb") or []
    verb = verbs[0] if len(verbs) == 1 else None
    if verb not in VERBS:
        verbs = [NOT_XML.sub("\ufffd", v) for v in verbs]
        message = (_("The verb argument is repeated.") if len(verbs) > 1 else
                   _("The verb argument is missing.") if not verbs else
                   _("Illegal OAI verb: %(verb)s.") % {"verb": verbs[0]})
        return _envelope(base_url, None, {}, _error("badVerb", message), bare=True)
    arguments = {}
    try:
        if any(NOT_XML.search(text) for name, values in query.items() for text in (name, *values)):
            raise OAIError("badArgument", _("The arguments hold characters that XML cannot carry."))
        arguments = _check_arguments(verb, query)
        body = HANDLERS[verb](arguments, base_url, site_url)
    except OAIError as error:
        bare = error.code in ("badVerb", "badArgument")
        return _envelope(base_url, verb, arguments, _error(error.code, error.message), bare=bare)
    except Exception:  # a bug must still give a valid OAI-PMH response, and no traceback
        log.exception("OAI-PMH request failed: %r", query)
        message = _("The repository could not answer this request; please try again later.")
        return _envelope(base_url, verb, {}, _error("badArgument", message), bare=True)
    return _envelope(base_url, verb, arguments, body)


def _check_arguments(verb, query):
    required, optional = VERBS[verb]
    arguments = {}
    for name, values in query.items():
        if name == "verb":
            continue
        if name not in required and name not in optional:
            raise OAIError("badArgument", _("Illegal argument for %(verb)s: %(name)s.") % {"verb": verb, "name": name})
        if len(values) != 1:
            raise OAIError("badArgument", _("The argument %(name)s is repeated.") % {"name": name})
        arguments[name] = values[0]
    if "resumptionToken" in arguments:
        if len(arguments) > 1:
            raise OAIError("badArgument", _("resumptionToken is an exclusive argument."))
        return arguments
    missing = [name for name in required if not arguments.get(name)]
    if missing:
        raise OAIError("badArgument", _("Missing required argument: %(name)s.") % {"name": ", ".join(missing)})
    return arguments


def _check_prefix(prefix):
    if not PREFIX.match(prefix):
        raise OAIError("badArgument", _("Illegal metadataPrefix: %(prefix)s.") % {"prefix": prefix})
    if prefix not in FORMATS:
        raise OAIError("cannotDisseminateFormat",
                       _("The metadata format %(prefix)s is not supported by this repository.") % {"prefix": prefix})
    return FORMATS[prefix]


# --- Identify, ListMetadataFormats, ListSets -----------------------------------------------

def identify(arguments, base_url, site_url):
    from django.db.models import Min

    earliest = listed_records().aggregate(first=Min("updated_at"))["first"] or timezone.now()
    repo = repository_id()
    emails = "".join(f"<adminEmail>{escape(e)}</adminEmail>" for e in admin_emails())
    return (
        f"<Identify><repositoryName>{escape(repository_name())}</repositoryName>"
        f"<baseURL>{escape(base_url)}</baseURL><protocolVersion>2.0</protocolVersion>{emails}"
        f"<earliestDatestamp>{datestamp(earliest)}</earliestDatestamp>"
        f"<deletedRecord>persistent</deletedRecord><granularity>{GRANULARITY}</granularity>"
        f'<description><oai-identifier xmlns="{IDENTIFIER_NS}" '
        f'xsi:schemaLocation="{IDENTIFIER_NS} http://www.openarchives.org/OAI/2.0/oai-identifier.xsd">'
        f"<scheme>oai</scheme><repositoryIdentifier>{escape(repo)}</repositoryIdentifier>"
        f"<delimiter>:</delimiter><sampleIdentifier>{escape(make_identifier(1))}</sampleIdentifier>"
        f"</oai-identifier></description></Identify>"
    )


def listed_records():
    """The records OAI-PMH knows: every record that has ever been public. The others
    (restricted from the start) are neither listed, counted nor found by identifier."""
    from thuvien.catalog.models import BibRecord

    return BibRecord.objects.filter(ever_public=True)


def _find_record(identifier):
    """(id, is_deleted, visibility, updated_at) of the record ``identifier`` names, or idDoesNotExist."""
    pk = record_id(identifier)
    row = None
    if pk is not None:
        row = listed_records().filter(pk=pk).values_list("pk", "is_deleted", "visibility", "updated_at").first()
    if row is None:
        raise OAIError("idDoesNotExist", _("No record has the identifier %(identifier)s.") % {"identifier": identifier})
    return row


def _hidden(is_deleted, visibility):
    """A withdrawn or restricted record is disseminated only as a deleted header."""
    return is_deleted or visibility != "public"


def list_metadata_formats(arguments, base_url, site_url):
    if "identifier" in arguments:
        _pk, is_deleted, visibility, _moment = _find_record(arguments["identifier"])
        if _hidden(is_deleted, visibility):
            raise OAIError("noMetadataFormats", _("This record is deleted: no metadata formats are available for it."))
    body = "".join(
        f"<metadataFormat><metadataPrefix>{f.prefix}</metadataPrefix><schema>{f.schema}</schema>"
        f"<metadataNamespace>{f.namespace}</metadataNamespace></metadataFormat>"
        for f in FORMATS.values()
    )
    return f"<ListMetadataFormats>{body}</ListMetadataFormats>"


def list_sets(arguments, base_url, site_url):
    if "resumptionToken" in arguments:
        raise OAIError("badResumptionToken", _("The resumption token is invalid or has expired."))
    body = "".join(f"<set><setSpec>{escape(s.spec)}</setSpec><setName>{escape(s.name)}</setName></set>"
                   for s in sets.all_sets())
    return f"<ListSets>{body}</ListSets>"


# --- records --------------------------------------------------------------------------

HEADER_COLUMNS = ("pk", "updated_at", "is_deleted", "visibility", "material_type")
DC_LISTS = [len(HEADER_COLUMNS) + DC_COLUMNS.index(name) for name in ("authors", "subjects", "isbns")]


def _utc(moment):
    """An aware UTC datetime from a database value (SQLite's raw rows are naive UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment if moment.utcoffset() == timedelta(0) else moment.astimezone(UTC)


def _stamp(moment):
    if moment.tzinfo is not None and moment.utcoffset() != timedelta(0):
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds")[:19] + "Z"


def _raw_rows(queryset):
    """Rows of a values_list queryset straight from the cursor: no per-value converters."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class PageWriter:
    """Headers and records of a page, with what they need read in a few queries."""

    def __init__(self, fmt, site_url, with_metadata):
        self.fmt = fmt
        self.site_url = escape(site_url)
        self.with_metadata = with_metadata
        self.membership = sets.SetMembership()

    @property
    def columns(self):
        return HEADER_COLUMNS + (self.fmt.columns if self.with_metadata else ())

    def write(self, rows):
        """XML of ``rows`` (raw values of ``columns``), as a list of strings."""
        marc = self.fmt.prefix == "marc21"
        live = [(row[0], row[4]) for row in rows if not (row[2] or row[3] != "public")]
        if self.with_metadata and not marc:
            rows = decode_lists(rows, DC_LISTS)
        specs, digital = self.membership.of(live)
        prefix = f"oai:{repository_id()}:"
        site_url = self.site_url
        out = []
        append = out.append
        for row in rows:
            pk = row[0]
            stamp = _stamp(row[1])
            if row[2] or row[3] != "public":
                header = (f'<header status="deleted"><identifier>{prefix}{pk}</identifier>'
                          f"<datestamp>{stamp}</datestamp></header>")
                append(f"<record>{header}</record>" if self.with_metadata else header)
                continue
            set_specs = "".join([f"<setSpec>{s}</setSpec>" for s in specs.get(pk, ())])
            header = f"<header><identifier>{prefix}{pk}</identifier><datestamp>{stamp}</datestamp>{set_specs}</header>"
            if not self.with_metadata:
                append(header)
            elif marc:
                links = [f"{site_url}/digital/{o}/" for o in digital[pk]] if pk in digital else ()
                append(f"<record>{header}<metadata>{marc21(row[5], links)}</metadata></record>")
            else:
                metadata = oai_dc((pk, *row[5:]), site_url, digital.get(pk, ()))
                append(f"<record>{header}<metadata>{metadata}</metadata></record>")
        return out


def get_record(arguments, base_url, site_url):
    from thuvien.catalog.models import BibRecord

    fmt = _check_prefix(arguments["metadataPrefix"])
    pk = _find_record(arguments["identifier"])[0]
    writer = PageWriter(fmt, site_url, with_metadata=True)
    rows = _raw_rows(BibRecord.objects.filter(pk=pk).values_list(*writer.columns))
    return f"<GetRecord>{''.join(writer.write(rows))}</GetRecord>"


def _bounds(arguments):
    """(lower, upper) microseconds from ``from``/``until``: lower inclusive, upper exclusive."""
    lower = upper = None
    granularity = set()
    if "from" in arguments:
        moment, grain = parse_date(arguments["from"], "from")
        granularity.add(grain)
        lower = max(0, tokens.to_micros(moment))  # nothing in the catalogue is older than 1970
    if "until" in arguments:
        moment, grain = parse_date(arguments["until"], "until")
        granularity.add(grain)
        step = timedelta(seconds=1) if grain == "second" else timedelta(days=1)
        try:
            upper = max(0, tokens.to_micros(moment + step))
        except OverflowError:
            upper = None
    if len(granularity) > 1:
        raise OAIError("badArgument", _("from and until must have the same granularity."))
    if lower is not None and upper is not None and lower >= upper:
        raise OAIError("badArgument", _("from must not be later than until."))
    return lower, upper


def _list_filter(state, set_filter):
    lower = state.lower
    queryset = listed_records()
    if set_filter is not None:
        queryset = queryset.filter(set_filter)
    if state.last_id:
        # Keyset: after (last_moment, last_id). One lower bound only, so the index range
        # starts where the last page stopped, however deep in the list that is.
        lower = max(lower, state.last_moment)
        last = tokens.from_micros(state.last_moment)
        queryset = queryset.filter(Q(updated_at__gt=last) | Q(updated_at=last, pk__gt=state.last_id))
    if lower:
        queryset = queryset.filter(updated_at__gte=tokens.from_micros(lower))
    return queryset.filter(updated_at__lt=tokens.from_micros(state.upper))


def list_records(arguments, base_url, site_url, verb="ListRecords"):
    if "resumptionToken" in arguments:
        token = arguments["resumptionToken"]
        try:
            state = tokens.decode(token)
        except tokens.BadToken:
            raise OAIError("badResumptionToken", _("The resumption token is invalid or has expired."))
        if state.verb != verb or state.prefix not in FORMATS:
            raise OAIError("badResumptionToken", _("The resumption token is invalid or has expired."))
        kept = prefetch.take(token) if prefetch.enabled() else None
        if kept is not None:
            body, following = kept
            if following:
                prefetch.schedule(following, lambda: _prefetched_page(following, site_url))
            return body
        set_filter = sets.record_filter(state.set_spec) if state.set_spec else None
        if state.set_spec and set_filter is None:
            raise OAIError("badResumptionToken", _("The resumption token is invalid or has expired."))
    else:
        fmt = _check_prefix(arguments["metadataPrefix"])
        lower, upper = _bounds(arguments)
        set_spec = arguments.get("set", "")
        set_filter = None
        if set_spec:
            set_filter = sets.record_filter(set_spec)
            if set_filter is None:
                raise OAIError("badArgument", _("This repository has no set %(set)s.") % {"set": set_spec})
        # The list ends at the time of its first request (see the module's docstring).
        first_request = tokens.to_micros(timezone.now()) + 1
        upper = first_request if upper is None else min(upper, first_request)
        state = tokens.ListState(verb, fmt.prefix, set_spec, lower or 0, upper, 0, 0, 0, 0)
        state.total = _list_filter(state, set_filter).count()
    body, following = _list_page(state, set_filter, site_url)
    if following and prefetch.enabled():
        prefetch.schedule(following, lambda: _prefetched_page(following, site_url))
    return body


def _list_page(state, set_filter, site_url):
    """(XML of the page of ``state``, the token of the next page or "")."""
    fmt = FORMATS[state.prefix]
    verb = state.verb
    writer = PageWriter(fmt, site_url, with_metadata=verb == "ListRecords")
    size = page_size()
    rows = _raw_rows(_list_filter(state, set_filter).order_by("updated_at", "pk").values_list(*writer.columns)[:size + 1])
    if not rows:
        raise OAIError("noRecordsMatch", _("No records match the request."))
    more = len(rows) > size
    rows = rows[:size]
    body = writer.write(rows)
    token = following = ""
    if more:
        state_after = tokens.ListState(state.verb, state.prefix, state.set_spec, state.lower, state.upper,
                                       tokens.to_micros(_utc(rows[-1][1])), rows[-1][0], state.cursor + len(rows),
                                       max(state.total, state.cursor + len(rows) + 1))
        following = tokens.encode(state_after)
        expires = datestamp(tokens.expiration_date(timezone.now()))
        token = (f'<resumptionToken completeListSize="{state_after.total}" cursor="{state.cursor}" '
                 f'expirationDate="{expires}">{following}</resumptionToken>')
    elif state.cursor:
        token = (f'<resumptionToken completeListSize="{max(state.total, state.cursor + len(rows))}" '
                 f'cursor="{state.cursor}"/>')
    return f"<{verb}>{''.join(body)}{token}</{verb}>", following


def _prefetched_page(token, site_url):
    """(The page's XML as bytes, the next page's token) for ``prefetch``, or None."""
    state = tokens.decode(token)
    set_filter = sets.record_filter(state.set_spec) if state.set_spec else None
    if state.set_spec and set_filter is None:
        return None
    try:
        body, following = _list_page(state, set_filter, site_url)
    except OAIError:
        return None
    return xml_bytes(body), following


def list_identifiers(arguments, base_url, site_url):
    return list_records(arguments, base_url, site_url, verb="ListIdentifiers")


HANDLERS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
}

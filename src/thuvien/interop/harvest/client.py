"""A small OAI-PMH 2.0 client: one request, retried with backoff, read into pages.

Network errors, timeouts, HTTP 5xx/408/429 and broken XML are retried (``retries``
attempts in all, waiting ``backoff`` × 2^n seconds, or the server's Retry-After). An
HTTP error whose body is an OAI-PMH response (Zenodo answers 422 with ``noRecordsMatch``
or ``badResumptionToken``) is read as that OAI-PMH error.
"""

import gzip
import http.client
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

OAI = "http://www.openarchives.org/OAI/2.0/"
NS = {"oai": OAI}
USER_AGENT = "thuvien-harvester/1 (OAI-PMH 2.0)"
MAX_RESPONSE_BYTES = 200 * 1024 * 1024
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=False)


class HarvestError(Exception):
    """A request that failed; ``retryable`` if trying again may help."""

    def __init__(self, message, retryable=False):
        super().__init__(message)
        self.retryable = retryable


class OAIError(HarvestError):
    """An OAI-PMH error answer (``<error code="...">``)."""

    def __init__(self, code, message="", response_date=None):
        super().__init__(f"{code}: {message}".rstrip(": "))
        self.code = code
        self.response_date = response_date


@dataclass
class Page:
    records: list = field(default_factory=list)
    token: str = ""
    response_date: datetime | None = None
    cursor: int | None = None
    complete_list_size: int | None = None


def parse_datestamp(text):
    """An OAI-PMH UTC datestamp (day or seconds granularity) as an aware datetime, or None."""
    text = (text or "").strip()
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def format_datestamp(moment, granularity):
    moment = moment.astimezone(UTC)
    if granularity == "YYYY-MM-DDThh:mm:ssZ":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.strftime("%Y-%m-%d")


class Client:
    def __init__(self, base_url, retries=3, backoff=2.0, timeout=60, sleep=time.sleep, log=None):
        self.base_url = base_url
        self.retries = max(1, retries)
        self.backoff = backoff
        self.timeout = timeout
        self.sleep = sleep
        self.log = log or (lambda text: None)

    # -- transport -------------------------------------------------------------------
    def _fetch(self, params):
        url = self.base_url + ("&" if "?" in self.base_url else "?") + urllib.parse.urlencode(params)
        request = urllib.request.Request(
            url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, self._body(response), None
        except urllib.error.HTTPError as error:
            try:
                body = self._body(error)
            except Exception:  # noqa: BLE001 - a body we cannot read is no body
                body = b""
            return error.code, body, error.headers.get("Retry-After")
        except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException, OSError) as error:
            reason = getattr(error, "reason", error)
            raise HarvestError(f"network error: {reason}", retryable=True) from error

    @staticmethod
    def _body(response):
        body = response.read(MAX_RESPONSE_BYTES + 1)
        if len(body) > MAX_RESPONSE_BYTES:
            raise HarvestError("response too large")
        encoding = (response.headers.get("Content-Encoding") or "").lower()
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        return body

    def _parse(self, status, body):
        try:
            root = etree.fromstring(body, _PARSER)
        except etree.XMLSyntaxError as error:
            if status >= 400:
                raise HarvestError(f"HTTP {status}", retryable=status >= 500) from error
            raise HarvestError(f"broken XML: {error}", retryable=True) from error
        if root.tag != f"{{{OAI}}}OAI-PMH":
            raise HarvestError(f"HTTP {status}: not an OAI-PMH response ({root.tag})", retryable=status >= 500)
        response_date = parse_datestamp(root.findtext("oai:responseDate", namespaces=NS))
        error = root.find("oai:error", NS)
        if error is not None:
            raise OAIError(error.get("code", "unknown"), (error.text or "").strip(), response_date)
        if status >= 400:
            raise HarvestError(f"HTTP {status}", retryable=status >= 500)
        return root, response_date

    def request(self, **params):
        """The parsed response (root element, responseDate) to one OAI-PMH request."""
        attempt = 0
        while True:
            attempt += 1
            retry_after = None
            try:
                status, body, retry_after = self._fetch(params)
                if status in (408, 429) or status >= 500:
                    try:
                        self._parse(status, body)
                    except OAIError:
                        raise
                    except HarvestError:
                        pass
                    raise HarvestError(f"HTTP {status}", retryable=True)
                return self._parse(status, body)
            except HarvestError as error:
                if not error.retryable or attempt >= self.retries:
                    raise
                wait = self.backoff * (2 ** (attempt - 1))
                if retry_after and str(retry_after).isdigit():
                    wait = min(max(wait, int(retry_after)), 300)
                self.log(f"attempt {attempt} failed ({error}); retrying in {wait:g} s")
                self.sleep(wait)

    # -- verbs -----------------------------------------------------------------------
    def identify(self):
        root, _ = self.request(verb="Identify")
        node = root.find("oai:Identify", NS)
        if node is None:
            raise HarvestError("Identify: no Identify element")
        return {
            "name": (node.findtext("oai:repositoryName", "", NS) or "").strip(),
            "granularity": (node.findtext("oai:granularity", "", NS) or "").strip(),
            "earliest": (node.findtext("oai:earliestDatestamp", "", NS) or "").strip(),
            "deleted_record": (node.findtext("oai:deletedRecord", "", NS) or "").strip(),
        }

    def list_page(self, verb, metadata_prefix=None, from_=None, until=None, set_spec=None, token=None):
        """One page of ListRecords (``records``: <record> elements) or ListIdentifiers
        (``records``: <header> elements)."""
        if token:
            params = {"verb": verb, "resumptionToken": token}
        else:
            params = {"verb": verb, "metadataPrefix": metadata_prefix}
            for name, value in (("from", from_), ("until", until), ("set", set_spec)):
                if value:
                    params[name] = value
        root, response_date = self.request(**params)
        node = root.find(f"oai:{verb}", NS)
        if node is None:
            raise HarvestError(f"{verb}: no {verb} element", retryable=True)
        child = "record" if verb == "ListRecords" else "header"
        page = Page(records=node.findall(f"oai:{child}", NS), response_date=response_date)
        _read_token(node, page)
        return page

    def list_records(self, metadata_prefix, from_=None, set_spec=None, token=None, until=None):
        return self.list_page("ListRecords", metadata_prefix, from_, until, set_spec, token)

    def list_identifiers(self, metadata_prefix, set_spec=None, token=None, from_=None, until=None):
        return self.list_page("ListIdentifiers", metadata_prefix, from_, until, set_spec, token)

    def get_record(self, identifier, metadata_prefix):
        """The <record> element of one record."""
        root, _ = self.request(verb="GetRecord", identifier=identifier, metadataPrefix=metadata_prefix)
        record = root.find("oai:GetRecord/oai:record", NS)
        if record is None:
            raise HarvestError("GetRecord: no record element")
        return record

    def list_metadata_formats(self, identifier=None):
        """[(metadataPrefix, schema, metadataNamespace)] of the repository (or of one record)."""
        params = {"verb": "ListMetadataFormats"}
        if identifier:
            params["identifier"] = identifier
        root, _ = self.request(**params)
        return [tuple((node.findtext(f"oai:{name}", "", NS) or "").strip()
                      for name in ("metadataPrefix", "schema", "metadataNamespace"))
                for node in root.iterfind("oai:ListMetadataFormats/oai:metadataFormat", NS)]

    def list_sets(self, max_pages=20, token=None):
        """([(setSpec, setName)], complete): the repository's sets, following resumption
        tokens (from ``token``, if given) for at most ``max_pages`` pages."""
        found = []
        for _ in range(max_pages):
            root, _ = self.request(**({"verb": "ListSets", "resumptionToken": token} if token else
                                      {"verb": "ListSets"}))
            node = root.find("oai:ListSets", NS)
            if node is None:
                raise HarvestError("ListSets: no ListSets element")
            found += [((s.findtext("oai:setSpec", "", NS) or "").strip(),
                       (s.findtext("oai:setName", "", NS) or "").strip()) for s in node.iterfind("oai:set", NS)]
            page = _read_token(node, Page())
            if not page.token:
                return found, True
            token = page.token
        return found, False


def _read_token(node, page):
    token_node = node.find("oai:resumptionToken", NS)
    if token_node is not None:
        page.token = (token_node.text or "").strip()
        for name, attribute in (("cursor", "cursor"), ("completeListSize", "complete_list_size")):
            value = token_node.get(name)
            if value and value.isdigit():
                setattr(page, attribute, int(value))
    return page

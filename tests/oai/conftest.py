"""OAI-PMH fixtures: the official schemas (offline), a client that validates every
response, and a small catalogue with copies, a withdrawn and a restricted record."""

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from lxml import etree

OAI = "http://www.openarchives.org/OAI/2.0/"
NS = {"oai": OAI, "dc": "http://purl.org/dc/elements/1.1/", "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
      "marc": "http://www.loc.gov/MARC21/slim"}
REPO = "thuvien.ninhbinh"


@pytest.fixture(autouse=True)
def _no_indexing(monkeypatch):
    """OAI-PMH reads the database only: index updates stay queued, which is quicker."""
    monkeypatch.setenv("THUVIEN_INDEX_MODE", "off")


class _LocalSchemas(etree.Resolver):
    """The one schema the local ones import from the web (xml.xsd) comes from xmlschema's copy."""

    def __init__(self, xml_xsd):
        super().__init__()
        self.xml_xsd = xml_xsd

    def resolve(self, url, pubid, context):
        if url.endswith("/xml.xsd"):
            return self.resolve_filename(str(self.xml_xsd), context)
        return None


@pytest.fixture(scope="session")
def oai_schema(testdata):
    """OAI-PMH.xsd with oai_dc.xsd, MARC21slim.xsd and oai-identifier.xsd, all local:
    <metadata> and <description> are validated strictly, as the schema asks."""
    import xmlschema

    schemas = (testdata / "schemas").resolve()
    xml_xsd = Path(xmlschema.__file__).parent / "schemas" / "XML" / "xml.xsd"
    imports = {
        "http://www.openarchives.org/OAI/2.0/": "OAI-PMH.xsd",
        "http://www.openarchives.org/OAI/2.0/oai_dc/": "oai_dc.xsd",
        "http://www.loc.gov/MARC21/slim": "MARC21slim.xsd",
        "http://www.openarchives.org/OAI/2.0/oai-identifier": "oai-identifier.xsd",
    }
    wrapper = ('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:thuvien:oai-test">'
               + "".join(f'<xs:import namespace="{ns}" schemaLocation="{(schemas / name).as_uri()}"/>'
                         for ns, name in imports.items())
               + "</xs:schema>")
    parser = etree.XMLParser()
    parser.resolvers.add(_LocalSchemas(xml_xsd))
    return etree.XMLSchema(etree.fromstring(wrapper, parser))


class OAIClient:
    """Requests /oai and checks that every answer is valid OAI-PMH (errors included)."""

    def __init__(self, client, schema):
        self.client = client
        self.schema = schema
        self.bodies = []

    def _check(self, response):
        assert response.status_code == 200, response.content[:500]
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        self.bodies.append(response.content)
        root = etree.fromstring(response.content)
        assert self.schema.validate(root), f"{self.schema.error_log}\n{response.content[:3000]!r}"
        return root

    def get(self, **params):
        return self._check(self.client.get("/oai", params))

    def get_query(self, query):
        return self._check(self.client.get(f"/oai?{query}"))

    def post(self, **params):
        return self._check(self.client.post("/oai", params))

    def harvest(self, verb="ListRecords", between=None, **params):
        """Every page of a list, following resumption tokens: [root, ...]."""
        pages = [self.get(verb=verb, **params)]
        while True:
            token = pages[-1].find(f"{{{OAI}}}{verb}/{{{OAI}}}resumptionToken")
            if token is None or not token.text:
                return pages
            if between:
                between(len(pages))
            pages.append(self.get(verb=verb, resumptionToken=token.text))


@pytest.fixture
def oai(client, oai_schema):
    return OAIClient(client, oai_schema)


def error_codes(root):
    return [e.get("code") for e in root.findall(f"{{{OAI}}}error")]


def headers(root):
    return root.iter(f"{{{OAI}}}header")


def identifiers(root):
    return [h.findtext(f"{{{OAI}}}identifier") for h in headers(root)]


def deleted(root):
    return {h.findtext(f"{{{OAI}}}identifier") for h in headers(root) if h.get("status") == "deleted"}


def oai_id(record):
    return f"oai:{REPO}:{record.pk}"


def build_catalogue():
    """Eight records: copies at Kim Sơn and Yên Mô, a map, a withdrawn one, one made
    restricted after it was public, and a secret one (restricted from the start, which
    OAI-PMH never shows: seven records are listed)."""
    from thuvien.catalog import services
    from thuvien.catalog.generate import marc_record
    from thuvien.demo.loader import load_network

    _root, network = load_network()
    kim_son, yen_mo = network["NB-KS"], network["NB-YM"]
    barcodes = iter(range(1, 100))

    def make(title, authors, copies, year, subjects=(), **kwargs):
        record = services.create_record(marc_record(title=title, authors=authors, year=year, subjects=list(subjects),
                                                    **kwargs))
        for library in copies:
            services.add_item(None, record, library, barcode=f"T{next(barcodes):06d}")
        return record

    records = SimpleNamespace(
        kieu=make("Truyện Kiều", ["Nguyễn, Du"], [kim_son, yen_mo], 2015, ["Văn học Việt Nam"], ddc="895.9221"),
        cricket=make("Dế mèn phiêu lưu ký", ["Tô, Hoài"], [kim_son], 1941, ["Văn học thiếu nhi"]),
        gazetteer=make("Địa chí Ninh Bình", ["Đặng, Minh Đức"], [yen_mo], 2005, ["Địa lý Việt Nam"]),
        goats=make("Kỹ thuật nuôi dê", ["Lê, Văn Bình"], [], 2020, ["Chăn nuôi"]),
        atlas=make("Bản đồ hành chính tỉnh Ninh Bình", [], [], 2019, material="e"),
        withdrawn=make("Sách đã thanh lý", ["Phạm, Văn Cũ"], [kim_son], 1990),
        restricted=make("Hồ sơ đã hạn chế", ["Trịnh, Văn Kín"], [kim_son], 1995),
        secret=services.create_record(
            marc_record(title="Tài liệu mật quốc phòng", authors=["Hoàng, Văn Mật"], year=2000), visibility="staff"),
    )
    services.add_item(None, records.secret, kim_son, barcode="SECRET01")
    services.withdraw_record(records.withdrawn)
    records.restricted.visibility = "staff"  # public first, so harvesters may hold it
    records.restricted.save()
    for name in vars(records):
        getattr(records, name).refresh_from_db()
    return records


@pytest.fixture
def catalogue(db):
    return build_catalogue()


@pytest.fixture(scope="module")
def module_catalogue(django_db_setup, django_db_blocker):
    """The catalogue built once for a module of tests that each run in a savepoint inside it."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        yield build_catalogue()
        transaction.set_rollback(True)

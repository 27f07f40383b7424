"""The six verbs, GET and POST, and every error code: each response validates against
OAI-PMH.xsd (with oai_dc.xsd and MARC21slim.xsd for the metadata)."""

import pytest

from .conftest import NS, OAI, REPO, deleted, error_codes, identifiers, oai_id


@pytest.fixture
def catalogue(module_catalogue, db):
    """Read-only tests share one catalogue; what a test changes is rolled back after it."""
    return module_catalogue


def test_identify(oai, catalogue):
    root = oai.get(verb="Identify")
    identify = root.find("oai:Identify", NS)
    assert identify.findtext("oai:baseURL", namespaces=NS) == "http://testserver/oai"
    assert identify.findtext("oai:protocolVersion", namespaces=NS) == "2.0"
    assert identify.findtext("oai:deletedRecord", namespaces=NS) == "persistent"
    assert identify.findtext("oai:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert "Ninh Bình" in identify.findtext("oai:repositoryName", namespaces=NS)
    assert identify.findtext(".//{*}repositoryIdentifier") == REPO
    assert identify.findtext(".//{*}sampleIdentifier") == f"oai:{REPO}:1"
    # earliestDatestamp is no later than any record's datestamp
    earliest = identify.findtext("oai:earliestDatestamp", namespaces=NS)
    stamps = [h.findtext("oai:datestamp", namespaces=NS) for h in oai.get(
        verb="ListIdentifiers", metadataPrefix="oai_dc").iter(f"{{{OAI}}}header")]
    assert earliest <= min(stamps)
    assert root.find("oai:request", NS).attrib == {"verb": "Identify"}


def test_identify_by_post(oai, db):
    assert oai.post(verb="Identify").find("oai:Identify", NS) is not None


def test_repository_id_and_admin_email_come_from_settings(oai, catalogue, settings):
    settings.OAI_REPOSITORY_ID = "thuvien.example.vn"
    settings.OAI_ADMIN_EMAILS = ["oai@thuvien.example.vn"]
    root = oai.get(verb="Identify")
    assert root.findtext(".//oai:adminEmail", namespaces=NS) == "oai@thuvien.example.vn"
    root = oai.get(verb="GetRecord", identifier=f"oai:thuvien.example.vn:{catalogue.kieu.pk}", metadataPrefix="oai_dc")
    assert identifiers(root) == [f"oai:thuvien.example.vn:{catalogue.kieu.pk}"]
    assert error_codes(oai.get(verb="GetRecord", identifier=oai_id(catalogue.kieu), metadataPrefix="oai_dc")) == [
        "idDoesNotExist"]


def test_list_metadata_formats(oai, catalogue):
    root = oai.get(verb="ListMetadataFormats")
    formats = {f.findtext("oai:metadataPrefix", namespaces=NS): f.findtext("oai:metadataNamespace", namespaces=NS)
               for f in root.iter(f"{{{OAI}}}metadataFormat")}
    assert formats == {"oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
                       "marc21": "http://www.loc.gov/MARC21/slim"}
    root = oai.get(verb="ListMetadataFormats", identifier=oai_id(catalogue.kieu))
    assert len(root.findall(".//oai:metadataFormat", NS)) == 2
    assert error_codes(oai.get(verb="ListMetadataFormats", identifier=f"oai:{REPO}:999999")) == ["idDoesNotExist"]
    assert error_codes(oai.get(verb="ListMetadataFormats", identifier="oai:elsewhere:1")) == ["idDoesNotExist"]
    for hidden in (catalogue.withdrawn, catalogue.restricted):
        assert error_codes(oai.get(verb="ListMetadataFormats", identifier=oai_id(hidden))) == ["noMetadataFormats"]


def test_list_sets(oai, catalogue):
    root = oai.get(verb="ListSets")
    specs = {s.findtext("oai:setSpec", namespaces=NS): s.findtext("oai:setName", namespaces=NS)
             for s in root.iter(f"{{{OAI}}}set")}
    assert specs["library:NB-KS"] == "Thư viện huyện Kim Sơn"
    assert {"library", "type", "type:book", "type:map", "type:serial", "library:NB-YM"} <= set(specs)
    assert error_codes(oai.get(verb="ListSets", resumptionToken="abc")) == ["badResumptionToken"]


def test_get_record_oai_dc(oai, catalogue):
    root = oai.get(verb="GetRecord", identifier=oai_id(catalogue.kieu), metadataPrefix="oai_dc")
    record = root.find("oai:GetRecord/oai:record", NS)
    header = record.find("oai:header", NS)
    assert header.findtext("oai:identifier", namespaces=NS) == oai_id(catalogue.kieu)
    assert header.findtext("oai:datestamp", namespaces=NS) == catalogue.kieu.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert {s.text for s in header.findall("oai:setSpec", NS)} == {"library:NB-KS", "library:NB-YM", "type:book"}
    dc = record.find("oai:metadata/oai_dc:dc", NS)
    assert dc.findtext("dc:title", namespaces=NS) == "Truyện Kiều"
    assert dc.findtext("dc:creator", namespaces=NS) == "Nguyễn, Du"
    assert dc.findtext("dc:date", namespaces=NS) == "2015"
    assert "DDC 895.9221" in [s.text for s in dc.findall("dc:subject", NS)]
    assert f"http://testserver/record/{catalogue.kieu.pk}/" in [i.text for i in dc.findall("dc:identifier", NS)]


def test_get_record_marc21_is_the_stored_marc(oai, catalogue):
    from thuvien.catalog.marc import json_to_record

    root = oai.get(verb="GetRecord", identifier=oai_id(catalogue.cricket), metadataPrefix="marc21")
    marc = root.find(".//oai:metadata/marc:record", NS)
    stored = json_to_record(catalogue.cricket.marc)
    assert marc.findtext("marc:leader", namespaces=NS) == str(stored.leader)
    fields = [(f.get("tag"), [(s.get("code"), s.text) for s in f.findall("marc:subfield", NS)])
              for f in marc.findall("marc:datafield", NS)]
    assert fields == [(f.tag, [(s.code, s.value) for s in f.subfields]) for f in stored.fields if not f.is_control_field()]
    assert [c.text for c in marc.findall("marc:controlfield", NS)] == [
        f.data for f in stored.fields if f.is_control_field()]


def test_marc_that_the_schema_would_refuse_is_mended(oai, db):
    from thuvien.catalog import services

    record = services.create_record({"leader": "bad leader\x01", "fields": [
        {"001": "X1"}, {"0A": "short tag"},
        {"245": {"ind1": "X", "ind2": "0", "subfields": [{"a": "Tiêu đề \x0b<lạ> & \"khác\""}, {" ": "space code"}]}},
        {"999": {"ind1": " ", "ind2": " ", "subfields": []}},
        {"00": {"ind1": " ", "ind2": " ", "subfields": [{"a": "bad tag"}]}},
    ]})
    root = oai.get(verb="GetRecord", identifier=oai_id(record), metadataPrefix="marc21")
    field = root.find(".//marc:datafield[@tag='245']", NS)
    assert field.get("ind1") == " "
    assert [s.text for s in field.findall("marc:subfield", NS)] == ['Tiêu đề <lạ> & "khác"']
    root = oai.get(verb="GetRecord", identifier=oai_id(record), metadataPrefix="oai_dc")
    assert root.findtext(".//dc:title", namespaces=NS).startswith("Tiêu đề")


def test_marc21_leaves_out_local_fields(oai, db):
    """Local 9XX fields (a library's own holdings, staff notes) are not disseminated."""
    from thuvien.catalog import services
    from thuvien.catalog.generate import marc_record

    data = marc_record(title="Văn bia Ninh Bình", authors=["Lã, Văn Lô"], year=2010)
    data["fields"] += [{"952": {"ind1": " ", "ind2": " ", "subfields": [{"p": "KS000123"}, {"z": "Ghi chú nội bộ"}]}},
                       {"990": {"ind1": " ", "ind2": " ", "subfields": [{"a": "Người nhập: Hà"}]}}]
    record = services.create_record(data)
    root = oai.get(verb="GetRecord", identifier=oai_id(record), metadataPrefix="marc21")
    tags = [f.get("tag") for f in root.iterfind(".//marc:datafield", NS)]
    assert "245" in tags and not [t for t in tags if t.startswith("9")]
    assert "Ghi chú nội bộ" not in oai.bodies[-1].decode() and "KS000123" not in oai.bodies[-1].decode()


def test_deleted_and_restricted_records_are_deleted_headers(oai, catalogue):
    for hidden in (catalogue.withdrawn, catalogue.restricted):
        for prefix in ("oai_dc", "marc21"):
            root = oai.get(verb="GetRecord", identifier=oai_id(hidden), metadataPrefix=prefix)
            record = root.find("oai:GetRecord/oai:record", NS)
            assert record.find("oai:header", NS).get("status") == "deleted"
            assert record.find("oai:metadata", NS) is None
            assert record.findall(".//oai:setSpec", NS) == []


@pytest.mark.parametrize("params", [
    {"identifier": f"oai:{REPO}:999999"},
    {"identifier": f"oai:{REPO}:0001"},
    {"identifier": f"oai:{REPO}:abc"},
    {"identifier": "oai:other.repo:1"},
    {"identifier": "not an identifier at all <>"},
])
def test_get_record_unknown_identifier(oai, db, params):
    assert error_codes(oai.get(verb="GetRecord", metadataPrefix="oai_dc", **params)) == ["idDoesNotExist"]


def test_cannot_disseminate_format(oai, catalogue):
    root = oai.get(verb="GetRecord", identifier=oai_id(catalogue.kieu), metadataPrefix="mods")
    assert error_codes(root) == ["cannotDisseminateFormat"]
    # the request is echoed with its (valid) arguments for errors other than badVerb/badArgument
    assert root.find("oai:request", NS).get("metadataPrefix") == "mods"
    assert error_codes(oai.get(verb="ListRecords", metadataPrefix="mods")) == ["cannotDisseminateFormat"]
    assert error_codes(oai.get(verb="ListIdentifiers", metadataPrefix="mods")) == ["cannotDisseminateFormat"]


@pytest.mark.parametrize("query", ["", "verb=", "verb=Foo", "verb=listrecords", "verb=Identify&verb=Identify",
                                   "verb=Identify&verb=ListSets", "verb=%00Identify"])
def test_bad_verb(oai, db, query):
    root = oai.get_query(query)
    assert error_codes(root) == ["badVerb"]
    assert root.find("oai:request", NS).attrib == {}  # only the base URL for badVerb


@pytest.mark.parametrize("query", [
    "verb=Identify&extra=1",
    "verb=ListMetadataFormats&metadataPrefix=oai_dc",
    "verb=GetRecord&identifier=oai:thuvien.ninhbinh:1",
    "verb=GetRecord&metadataPrefix=oai_dc",
    "verb=GetRecord&identifier=oai:thuvien.ninhbinh:1&metadataPrefix=oai_dc&metadataPrefix=oai_dc",
    "verb=ListRecords",
    "verb=ListIdentifiers&from=2020-01-01",
    "verb=ListRecords&metadataPrefix=oai_dc&from=2020-01-01&from=2021-01-01",
    "verb=ListRecords&metadataPrefix=oai_dc&from=01/01/2020",
    "verb=ListRecords&metadataPrefix=oai_dc&from=2020-01-01T00:00:00",
    "verb=ListRecords&metadataPrefix=oai_dc&from=2020-01-01T00:00:00.5Z",
    "verb=ListRecords&metadataPrefix=oai_dc&until=2020-02-30",
    "verb=ListRecords&metadataPrefix=oai_dc&from=2020-01-01&until=2020-12-31T00:00:00Z",
    "verb=ListRecords&metadataPrefix=oai_dc&from=2021-01-01&until=2020-01-01",
    "verb=ListRecords&metadataPrefix=oai_dc&set=library:NOWHERE",
    "verb=ListRecords&metadataPrefix=oai_dc&set=type:spaceship",
    "verb=ListRecords&metadataPrefix=oai_dc&set=bad set",
    "verb=ListRecords&metadataPrefix=oai%20dc",
    "verb=ListRecords&resumptionToken=abc&metadataPrefix=oai_dc",
    "verb=ListSets&set=library",
])
def test_bad_argument(oai, db, query):
    root = oai.get_query(query)
    assert error_codes(root) == ["badArgument"]
    assert root.find("oai:request", NS).attrib == {}


def test_no_records_match(oai, catalogue):
    assert error_codes(oai.get(verb="ListRecords", metadataPrefix="oai_dc", **{"from": "2999-01-01"})) == [
        "noRecordsMatch"]
    assert error_codes(oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc", until="1999-12-31T23:59:59Z")) == [
        "noRecordsMatch"]
    assert error_codes(oai.get(verb="ListRecords", metadataPrefix="oai_dc", set="type:video")) == ["noRecordsMatch"]


def test_post_answers_like_get(oai, catalogue):
    got = oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc", set="library:NB-KS")
    posted = oai.post(verb="ListIdentifiers", metadataPrefix="oai_dc", set="library:NB-KS")
    assert identifiers(got) == identifiers(posted)
    assert error_codes(oai.post(verb="Nope")) == ["badVerb"]


def test_other_http_methods_are_refused(client, db):
    assert client.put("/oai?verb=Identify").status_code == 405


def test_list_records_holds_live_records_and_deleted_headers(oai, catalogue):
    root = oai.get(verb="ListRecords", metadataPrefix="oai_dc")
    ids = identifiers(root)
    assert len(ids) == len(set(ids)) == 7
    assert deleted(root) == {oai_id(catalogue.withdrawn), oai_id(catalogue.restricted)}
    assert root.find("oai:ListRecords/oai:resumptionToken", NS) is None  # complete in one response
    assert len(root.findall(".//oai:metadata", NS)) == 5
    # headers come in datestamp order
    stamps = [h.findtext("oai:datestamp", namespaces=NS) for h in root.iter(f"{{{OAI}}}header")]
    assert stamps == sorted(stamps)


def test_restricted_material_is_never_exposed(oai, catalogue, settings):
    """The secret record (restricted from the start) does not exist for OAI-PMH: not its
    identifier, its description, its copy's library, its set membership, its place in a
    count or its datestamp. The record restricted later is a bare deleted header. Digital
    objects that are not open, and collections holding only those, are never shown."""
    from datetime import UTC, datetime

    from thuvien.catalog.models import BibRecord
    from thuvien.digital.models import Collection, DigitalObject

    library = catalogue.secret.items.get().library
    secret_collection = Collection.objects.create(code="MAT", name="Bộ sưu tập mật", library=library)
    DigitalObject.objects.create(record=catalogue.secret, collection=secret_collection, library=library,
                                 access="open", label="Bản số hóa mật")
    DigitalObject.objects.create(record=catalogue.restricted, collection=secret_collection, library=library,
                                 access="open", label="Bản số hóa kín")
    DigitalObject.objects.create(record=catalogue.kieu, collection=secret_collection, library=library,
                                 access="staff", label="Bản số hóa hạn chế")
    # The secret record is the oldest: Identify's earliestDatestamp must not give it away.
    BibRecord.objects.filter(pk=catalogue.secret.pk).update(updated_at=datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC))
    assert oai.get(verb="Identify").findtext(".//oai:earliestDatestamp", namespaces=NS) != "2001-02-03T04:05:06Z"

    for verb in ("GetRecord", "ListMetadataFormats"):
        extra = {"metadataPrefix": "oai_dc"} if verb == "GetRecord" else {}
        assert error_codes(oai.get(verb=verb, identifier=oai_id(catalogue.secret), **extra)) == ["idDoesNotExist"]
    settings.OAI_PAGE_SIZE = 2  # counts: completeListSize on a list of pages
    for prefix in ("oai_dc", "marc21"):
        for verb in ("ListRecords", "ListIdentifiers"):
            for spec in ("", "library:NB-KS", "library", "type:book", "type"):
                pages = oai.harvest(verb, metadataPrefix=prefix, **({"set": spec} if spec else {}))
                found = [i for p in pages for i in identifiers(p)]
                assert oai_id(catalogue.secret) not in found
                size = pages[0].find(f"oai:{verb}/oai:resumptionToken", NS)
                assert size is None or int(size.get("completeListSize")) == len(found), (verb, spec)
                hidden = {oai_id(catalogue.restricted), oai_id(catalogue.withdrawn)} & set(found)
                assert hidden <= set().union(*map(deleted, pages))
    assert len(found) == 7  # the whole catalogue less the secret record
    for spec in ("collection:MAT", "collection"):
        assert error_codes(oai.get(verb="ListRecords", metadataPrefix="oai_dc", set=spec)) == ["badArgument"]
    oai.get(verb="ListSets")
    everything = b"".join(oai.bodies).decode()
    for secret in ("Tài liệu mật", "Hoàng, Văn Mật", "Hồ sơ đã hạn chế", "Trịnh, Văn Kín", "Bộ sưu tập mật",
                   "Bản số hóa", "SECRET01", "/digital/", f":{catalogue.secret.pk}<"):
        assert secret not in everything, secret
    assert "Truyện Kiều" in everything and f":{catalogue.restricted.pk}<" in everything  # the checks can fail


def test_every_verb_and_every_error_validates(oai, catalogue, settings, monkeypatch):
    """Each verb's answer and each error it can give, all checked against OAI-PMH.xsd (with
    oai_dc.xsd, MARC21slim.xsd and oai-identifier.xsd) by the client; a failure inside the
    repository still gives a valid answer, not a traceback."""
    from thuvien.interop.oai import provider

    settings.OAI_PAGE_SIZE = 3
    live, hidden = oai_id(catalogue.kieu), oai_id(catalogue.withdrawn)
    seen = {}

    def ask(**params):
        root = oai.get(**params)
        seen.setdefault(params.get("verb"), set()).update(error_codes(root) or ["ok"])
        return root

    ask(verb="Identify")
    ask(verb="Identify", extra="1")
    ask(verb="Nope")
    ask(verb="ListSets")
    ask(verb="ListSets", resumptionToken="x")
    ask(verb="ListSets", set="library")
    for identifier in (None, live, hidden, f"oai:{REPO}:999999"):
        ask(verb="ListMetadataFormats", **({"identifier": identifier} if identifier else {}))
    ask(verb="ListMetadataFormats", metadataPrefix="oai_dc")
    for prefix in ("oai_dc", "marc21", "mods"):
        for identifier in (live, hidden, f"oai:{REPO}:999999"):
            ask(verb="GetRecord", identifier=identifier, metadataPrefix=prefix)
    ask(verb="GetRecord", identifier=live)
    for verb in ("ListRecords", "ListIdentifiers"):
        for prefix in ("oai_dc", "marc21"):
            first = ask(verb=verb, metadataPrefix=prefix)
            ask(verb=verb, resumptionToken=first.find(f"oai:{verb}/oai:resumptionToken", NS).text)
        ask(verb=verb, metadataPrefix="mods")
        ask(verb=verb, metadataPrefix="oai_dc", set="type:video")
        ask(verb=verb, metadataPrefix="oai_dc", **{"from": "2020-13-01"})
        ask(verb=verb, resumptionToken="forged")
    assert seen == {
        "Identify": {"ok", "badArgument"},
        "Nope": {"badVerb"},
        "ListSets": {"ok", "badResumptionToken", "badArgument"},
        "ListMetadataFormats": {"ok", "noMetadataFormats", "idDoesNotExist", "badArgument"},
        "GetRecord": {"ok", "idDoesNotExist", "cannotDisseminateFormat", "badArgument"},
        "ListRecords": {"ok", "cannotDisseminateFormat", "noRecordsMatch", "badArgument", "badResumptionToken"},
        "ListIdentifiers": {"ok", "cannotDisseminateFormat", "noRecordsMatch", "badArgument", "badResumptionToken"},
    }

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setitem(provider.HANDLERS, "ListRecords", broken)
    root = oai.get(verb="ListRecords", metadataPrefix="oai_dc")
    assert error_codes(root) == ["badArgument"] and b"RuntimeError" not in oai.bodies[-1]

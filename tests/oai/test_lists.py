"""ListRecords and ListIdentifiers: resumption tokens, sets, from/until, deleted records,
and a whole harvest following tokens while the catalogue changes."""

from datetime import UTC, datetime, timedelta

import pytest

from .conftest import NS, OAI, REPO, deleted, error_codes, identifiers, oai_id


def _token(root, verb="ListRecords"):
    return root.find(f"oai:{verb}/oai:resumptionToken", NS)


@pytest.mark.parametrize("verb", ["ListRecords", "ListIdentifiers"])
def test_pages_follow_tokens_with_cursor_and_complete_list_size(oai, catalogue, settings, verb):
    settings.OAI_PAGE_SIZE = 2
    pages = oai.harvest(verb, metadataPrefix="marc21")
    assert [len(identifiers(p)) for p in pages] == [2, 2, 2, 1]
    tokens = [_token(p, verb) for p in pages]
    assert [t.get("cursor") for t in tokens] == ["0", "2", "4", "6"]
    assert {t.get("completeListSize") for t in tokens} == {"7"}
    assert all(t.text for t in tokens[:-1]) and not tokens[-1].text  # the last token is empty
    assert all(t.get("expirationDate") for t in tokens[:-1])
    found = [i for p in pages for i in identifiers(p)]
    assert len(found) == len(set(found)) == 7
    if verb == "ListRecords":  # the token carries metadataPrefix: every page is MARCXML
        assert sum(len(p.findall(".//marc:record", NS)) for p in pages) == 5
    # a resumed page echoes only the verb and the token
    assert set(pages[1].find("oai:request", NS).attrib) == {"verb", "resumptionToken"}


def test_the_token_carries_the_set_and_dates(oai, catalogue, settings):
    settings.OAI_PAGE_SIZE = 1
    pages = oai.harvest("ListIdentifiers", metadataPrefix="oai_dc", set="library:NB-KS", **{"from": "1960-01-01"})
    assert sorted(i for p in pages for i in identifiers(p)) == sorted(
        oai_id(r) for r in (catalogue.kieu, catalogue.cricket, catalogue.withdrawn, catalogue.restricted))


def test_sets(oai, catalogue):
    def listed(spec):
        return set(identifiers(oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc", set=spec)))

    assert listed("library:NB-YM") == {oai_id(catalogue.kieu), oai_id(catalogue.gazetteer)}
    # withdrawn records and records restricted after they were public stay in their sets as
    # deleted headers; the secret record (restricted from the start, a copy at Kim Sơn) is not there
    root = oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc", set="library:NB-KS")
    assert set(identifiers(root)) == {oai_id(r) for r in (catalogue.kieu, catalogue.cricket, catalogue.withdrawn,
                                                           catalogue.restricted)}
    assert deleted(root) == {oai_id(catalogue.withdrawn), oai_id(catalogue.restricted)}
    assert listed("library") == {oai_id(r) for r in (catalogue.kieu, catalogue.cricket, catalogue.gazetteer,
                                                     catalogue.withdrawn, catalogue.restricted)}
    assert listed("type:map") == {oai_id(catalogue.atlas)}
    assert len(listed("type")) == 7
    assert oai_id(catalogue.atlas) not in listed("type:book")
    root = oai.get(verb="GetRecord", identifier=oai_id(catalogue.atlas), metadataPrefix="oai_dc")
    assert [s.text for s in root.iter(f"{{{OAI}}}setSpec")] == ["type:map"]
    assert root.findtext(".//dc:type", namespaces=NS) == "Image"


def test_digital_collection_sets(oai, catalogue):
    """A collection is a set once it holds open material; its open objects are linked from
    oai_dc (dc:identifier) and marc21 (856). Registered, on-site and staff-only objects are
    neither linked nor make a set."""
    from thuvien.digital.models import Collection, DigitalObject

    def set_specs():
        return {s.text for s in oai.get(verb="ListSets").iter(f"{{{OAI}}}setSpec")}

    library = catalogue.gazetteer.items.get().library
    collection = Collection.objects.create(code="DIACHI", name="Tài liệu địa chí", library=library)
    for level in ("registered", "onsite", "staff", "closed"):
        DigitalObject.objects.create(record=catalogue.gazetteer, collection=collection, library=library,
                                     access=level, label=f"Bản {level}")
    assert not {"collection", "collection:DIACHI"} & set_specs()
    assert error_codes(oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc", set="collection:DIACHI")) == [
        "badArgument"]
    root = oai.get(verb="GetRecord", metadataPrefix="marc21", identifier=oai_id(catalogue.gazetteer))
    assert root.find(".//marc:datafield[@tag='856']", NS) is None
    assert "/digital/" not in oai.bodies[-1].decode()

    obj = DigitalObject.objects.create(record=catalogue.gazetteer, collection=collection, library=library,
                                       access="open", label="Địa chí Ninh Bình, bản số hóa")
    assert {"collection", "collection:DIACHI"} <= set_specs()
    root = oai.get(verb="ListRecords", metadataPrefix="oai_dc", set="collection:DIACHI")
    assert identifiers(root) == [oai_id(catalogue.gazetteer)]
    assert "collection:DIACHI" in [s.text for s in root.iter(f"{{{OAI}}}setSpec")]
    links = [i.text for i in root.iterfind(".//dc:identifier", NS) if "/digital/" in i.text]
    assert links == [f"http://testserver/digital/{obj.pk}/"]
    root = oai.get(verb="GetRecord", metadataPrefix="marc21", identifier=oai_id(catalogue.gazetteer))
    assert [f.findtext("marc:subfield[@code='u']", namespaces=NS) for f in
            root.iterfind(".//marc:datafield[@tag='856']", NS)] == [f"http://testserver/digital/{obj.pk}/"]
    assert identifiers(oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc", set="collection")) == [
        oai_id(catalogue.gazetteer)]


def test_a_copy_added_elsewhere_moves_the_datestamp(oai, catalogue, network):
    """Set membership follows copies: an incremental harvest of the set sees the record come in."""
    from thuvien.catalog import services
    from thuvien.catalog.models import BibRecord, ItemStatus

    past = datetime(2020, 1, 1, tzinfo=UTC)
    BibRecord.objects.update(updated_at=past)
    since = {"from": "2021-01-01"}
    assert error_codes(oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc", set="library:NB-TVT", **since)) == [
        "noRecordsMatch"]
    item = services.add_item(None, catalogue.goats, network["NB-TVT"], barcode="TVT0001")
    root = oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc", set="library:NB-TVT", **since)
    assert identifiers(root) == [oai_id(catalogue.goats)]
    # a change that does not touch membership leaves the datestamp alone
    BibRecord.objects.update(updated_at=past)
    services.update_item(None, item, call_number="636 LE-B")
    assert BibRecord.objects.get(pk=catalogue.goats.pk).updated_at == past
    # withdrawing the copy takes the record out of the set, and moves the datestamp again
    services.update_item(None, item, status=ItemStatus.WITHDRAWN)
    assert BibRecord.objects.get(pk=catalogue.goats.pk).updated_at > past
    assert error_codes(oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc", set="library:NB-TVT")) == [
        "noRecordsMatch"]


def _stamp(record, moment):
    from thuvien.catalog.models import BibRecord

    BibRecord.objects.filter(pk=record.pk).update(updated_at=moment)


def test_from_and_until_at_seconds_and_days(oai, catalogue):
    from thuvien.catalog.models import BibRecord

    base = datetime(2025, 6, 30, 23, 59, 59, tzinfo=UTC)
    BibRecord.objects.update(updated_at=base - timedelta(days=30))
    _stamp(catalogue.kieu, base)  # 23:59:59.000000
    _stamp(catalogue.cricket, base + timedelta(microseconds=999_999))  # 23:59:59.999999, same second
    _stamp(catalogue.gazetteer, base + timedelta(seconds=1))  # 2025-07-01T00:00:00
    _stamp(catalogue.withdrawn, base + timedelta(seconds=2))  # deleted, 00:00:01

    def listed(**dates):
        root = oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc", **dates)
        return set(identifiers(root)) if not error_codes(root) else set()

    kieu, cricket, gazetteer, withdrawn = (oai_id(r) for r in (catalogue.kieu, catalogue.cricket,
                                                                catalogue.gazetteer, catalogue.withdrawn))
    assert listed(**{"from": "2025-06-30T23:59:59Z"}) == {kieu, cricket, gazetteer, withdrawn}
    assert listed(**{"from": "2025-07-01T00:00:00Z"}) == {gazetteer, withdrawn}
    assert listed(**{"from": "2025-07-01T00:00:01Z"}) == {withdrawn}
    assert listed(**{"from": "2025-07-01T00:00:02Z"}) == set()
    assert listed(until="2025-06-30T23:59:59Z") - {oai_id(r) for r in (catalogue.goats, catalogue.atlas,
                                                                      catalogue.restricted)} == {kieu, cricket}
    assert listed(until="2025-06-30T23:59:58Z") & {kieu, cricket} == set()
    assert listed(**{"from": "2025-06-30T23:59:59Z", "until": "2025-06-30T23:59:59Z"}) == {kieu, cricket}
    assert listed(**{"from": "2025-07-01T00:00:00Z", "until": "2025-07-01T00:00:00Z"}) == {gazetteer}
    # day granularity: the whole day
    assert listed(**{"from": "2025-06-30", "until": "2025-06-30"}) == {kieu, cricket}
    assert listed(**{"from": "2025-07-01"}) == {gazetteer, withdrawn}
    assert listed(**{"from": "2025-07-01", "until": "2025-07-01"}) == {gazetteer, withdrawn}
    assert listed(until="1969-12-31") == set()
    # datestamps are UTC, to the second
    root = oai.get(verb="GetRecord", identifier=cricket, metadataPrefix="oai_dc")
    assert root.findtext(".//oai:datestamp", namespaces=NS) == "2025-06-30T23:59:59Z"
    # a deleted record keeps its datestamp and is listed with it
    root = oai.get(verb="ListRecords", metadataPrefix="oai_dc", **{"from": "2025-07-01T00:00:01Z"})
    assert deleted(root) == {withdrawn}
    assert root.findtext(".//oai:datestamp", namespaces=NS) == "2025-07-01T00:00:01Z"


def test_withdrawing_and_restricting_are_harvested_as_deletions(oai, catalogue):
    from thuvien.catalog import services
    from thuvien.catalog.models import BibRecord

    first = oai.get(verb="ListRecords", metadataPrefix="oai_dc")
    since = first.findtext("oai:responseDate", namespaces=NS)
    BibRecord.objects.update(updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    services.withdraw_record(catalogue.kieu)
    cricket = BibRecord.objects.get(pk=catalogue.cricket.pk)
    cricket.visibility = "staff"
    cricket.save()
    root = oai.get(verb="ListRecords", metadataPrefix="marc21", **{"from": since})
    assert set(identifiers(root)) == deleted(root) == {oai_id(catalogue.kieu), oai_id(catalogue.cricket)}
    assert root.find(".//oai:metadata", NS) is None
    assert "Dế mèn" not in oai.bodies[-1].decode()


def test_published_later_then_restricted_and_merged_away(oai, catalogue):
    """A record restricted from the start appears once it is made public; restricted again
    it stays as a deleted record. A record merged into another is harvested as deleted,
    and the record it was merged into carries its copies' library."""
    from thuvien.catalog import services
    from thuvien.catalog.models import BibRecord
    from thuvien.cataloguing.merging import merge

    secret = oai_id(catalogue.secret)
    assert error_codes(oai.get(verb="GetRecord", identifier=secret, metadataPrefix="oai_dc")) == ["idDoesNotExist"]
    record = BibRecord.objects.get(pk=catalogue.secret.pk)
    record.visibility = "public"
    record.save()
    root = oai.get(verb="GetRecord", identifier=secret, metadataPrefix="oai_dc")
    assert root.findtext(".//dc:title", namespaces=NS) == "Tài liệu mật quốc phòng"
    record.visibility = "staff"
    record.save()
    assert deleted(oai.get(verb="GetRecord", identifier=secret, metadataPrefix="oai_dc")) == {secret}
    assert secret in deleted(oai.get(verb="ListIdentifiers", metadataPrefix="oai_dc"))

    since = oai.get(verb="Identify").findtext("oai:responseDate", namespaces=NS)
    BibRecord.objects.update(updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    twin = services.create_record(catalogue.cricket.marc)  # the same edition catalogued twice
    services.add_item(None, twin, catalogue.gazetteer.items.get().library, barcode="TWIN0001")
    merge(None, BibRecord.objects.get(pk=catalogue.cricket.pk), twin)
    root = oai.get(verb="ListRecords", metadataPrefix="oai_dc", **{"from": since})
    assert deleted(root) == {oai_id(twin)}
    assert set(identifiers(root)) == {oai_id(twin), oai_id(catalogue.cricket)}
    header = next(h for h in root.iter(f"{{{OAI}}}header") if h.get("status") != "deleted")
    assert {s.text for s in header.iter(f"{{{OAI}}}setSpec")} == {"library:NB-KS", "library:NB-YM", "type:book"}


def test_forged_changed_and_expired_tokens(oai, catalogue, settings, monkeypatch):
    import time

    from django.core import signing

    from thuvien.interop.oai import tokens

    settings.OAI_PAGE_SIZE = 2
    token = _token(oai.get(verb="ListRecords", metadataPrefix="oai_dc")).text
    assert oai.get(verb="ListRecords", resumptionToken=token).find("oai:ListRecords", NS) is not None

    def refused(value, verb="ListRecords"):
        return error_codes(oai.get(verb=verb, resumptionToken=value)) == ["badResumptionToken"]

    payload, _, rest = token.partition(":")
    changed = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + ":" + rest
    assert refused(changed)
    assert refused(token[:-1])
    assert refused("garbage")
    assert error_codes(oai.get(verb="ListRecords", resumptionToken="")) == ["badResumptionToken"]
    # a token we did not sign, even with a well-formed state, is refused
    state = tokens.ListState("ListRecords", "oai_dc", "", 0, 2**62, 0, 0, 0, 7)
    forged = signing.dumps([1, *vars(state).values()], key="not-our-secret", salt=tokens.SALT, compress=True)
    assert refused(forged)
    # a signed token is tied to its verb
    assert refused(token, verb="ListIdentifiers")
    # expired: two days later (tokens live OAI_TOKEN_MAX_AGE, one day by default)
    later = time.time() + 2 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert refused(token)


def test_an_empty_resumption_token(oai, catalogue):
    assert error_codes(oai.get(verb="ListIdentifiers", resumptionToken="")) == ["badResumptionToken"]


def test_a_full_harvest_while_records_change(oai, db, settings):
    """Every record unchanged during the harvest comes exactly once, none twice; what changed
    comes with the next incremental harvest (from = the first response's date)."""
    from thuvien.catalog import services
    from thuvien.catalog.generate import generate_records
    from thuvien.catalog.models import BibRecord

    settings.OAI_PAGE_SIZE = 4
    records = [services.create_record(marc) for marc in generate_records(30)]
    order = list(BibRecord.objects.order_by("updated_at", "pk").values_list("pk", flat=True))
    assert order == [r.pk for r in records]
    changes = {}

    def change(page):
        if page == 2:  # after 8 records were sent
            harvested, ahead = records[1], records[20]
            services.update_record(BibRecord.objects.get(pk=harvested.pk), harvested.marc)
            services.update_record(BibRecord.objects.get(pk=ahead.pk), ahead.marc)
            services.withdraw_record(BibRecord.objects.get(pk=records[25].pk))
            services.withdraw_record(BibRecord.objects.get(pk=records[3].pk))
            restricted = BibRecord.objects.get(pk=records[22].pk)  # not sent yet: must never be
            restricted.visibility = "staff"
            restricted.save()
            changes["new"] = services.create_record(next(iter(generate_records(1, seed=7))))
            changes["secret"] = services.create_record(next(iter(generate_records(1, seed=8))), visibility="staff")
            changes["changed"] = {harvested.pk, ahead.pk, records[25].pk, records[3].pk, records[22].pk,
                                  changes["new"].pk}

    pages = oai.harvest("ListRecords", between=change, metadataPrefix="oai_dc")
    full = [i for p in pages for i in identifiers(p)]
    assert len(full) == len(set(full)), "a record was sent twice"
    changed = {f"oai:{REPO}:{pk}" for pk in changes["changed"]}
    unchanged = {oai_id(r) for r in records} - changed
    assert unchanged <= set(full)
    assert not any(deleted(p) for p in pages)  # the withdrawals came after the harvest began
    assert _token(pages[-1]).get("completeListSize") == "30"

    since = pages[0].findtext("oai:responseDate", namespaces=NS)
    incremental = oai.harvest("ListRecords", metadataPrefix="oai_dc", **{"from": since})
    later = [i for p in incremental for i in identifiers(p)]
    assert changed <= set(later)
    assert {oai_id(records[25]), oai_id(records[3]), oai_id(records[22])} == set().union(*map(deleted, incremental))
    assert set(full) | set(later) == {f"oai:{REPO}:{pk}" for pk in BibRecord.objects.values_list("pk", flat=True)
                                      if pk != changes["secret"].pk}
    # what was restricted before it was sent, and the secret record, never went out with metadata
    sent = b"".join(oai.bodies).decode()
    assert records[22].title.split(" /")[0] not in sent and changes["secret"].title.split(" /")[0] not in sent
    assert records[21].title.split(" /")[0] in sent  # the check above can fail


def test_records_imported_from_a_marc_file_are_harvested(oai, network, testdata, settings, tmp_path):
    """The MARC import writes rows itself (no model save): they are public, hence listed."""
    from django.core.management import call_command

    call_command("marc", "import", str(testdata / "marc/loc-sample/loc_books2016_vie.utf8.mrc"), "--library",
                 "NB-KS", "--no-progress", "--rejects", str(tmp_path / "rejects.mrc"))
    from thuvien.catalog.models import BibRecord

    assert BibRecord.objects.filter(ever_public=True).count() == BibRecord.objects.count() == 121
    settings.OAI_PAGE_SIZE = 50
    first = oai.get(verb="ListIdentifiers", metadataPrefix="marc21")
    assert first.find("oai:ListIdentifiers/oai:resumptionToken", NS).get("completeListSize") == "121"

"""The OAI-PMH harvester against real recorded responses (Zenodo, DSpace via pyoai, Sickle)."""

import re

import pytest
from django.core.management import call_command

from thuvien.catalog.models import BibRecord
from thuvien.interop.harvest import service
from thuvien.interop.harvest.models import HarvestedRecord, HarvestSource

pytestmark = pytest.mark.django_db


def _source(replay, name="zenodo", **kwargs):
    return service.add_source(name, replay.url, **kwargs)


def _records(source):
    return BibRecord.objects.filter(source=source.tag)


def test_zenodo_full_then_incremental_with_422(replay, zenodo):
    """The full list (three pages via resumption tokens), then an incremental run that Zenodo
    answers with HTTP 422 noRecordsMatch: nothing duplicated, nothing lost."""
    first = {}

    def route(params):
        if params.get("from"):
            first.setdefault("from", params["from"])
            return zenodo[frozenset({("verb", "ListRecords"), ("from", "2030-01-01"),
                                     ("metadataPrefix", "oai_dc")})]
        return zenodo.get(frozenset(params.items()), (404, None))

    replay.routes(route)
    source = _source(replay)
    run = service.run_harvest(source)
    assert run.state == "ok", run.message
    assert run.pages == 3
    # 9 records listed; one is a deletion of a record never harvested here.
    assert (run.created, run.withdrawn, run.skipped) == (8, 0, 0)
    records = _records(source)
    assert records.count() == 8
    assert [p.get("from") for p in replay.verbs()] == [None, None, None]
    record = records.get(identifiers__kind="control", identifiers__value="zenodo|oai:zenodo.org:8435696")
    assert record.title.startswith("PocketCoffea")
    assert "Marchegiani, Matteo" in record.authors[0] or "Matteo Marchegiani" in record.authors[0]
    assert record.year == 2023
    source.refresh_from_db()
    assert source.granularity == "YYYY-MM-DDThh:mm:ssZ"
    # The mark is Zenodo's responseDate of the list's first page.
    assert source.high_water_mark.isoformat() == "2026-08-13T17:56:48+00:00"

    replay.log.clear()
    run = service.run_harvest(source)
    assert run.state == "ok", run.message
    assert first["from"] == "2026-08-13T17:56:48Z"
    assert run.created == run.updated == 0
    assert _records(source).count() == 8
    assert HarvestedRecord.objects.filter(source=source).count() == 8


def test_dspace_incremental_reharvest_matches(replay, oai_data):
    """pyoai's recorded DSpace responses: harvest, then harvest what changed since; the
    second list holds new records and deletions; re-harvesting it changes nothing."""
    fake1, fake2 = oai_data / "pyoai_recorded" / "fake1", oai_data / "pyoai_recorded" / "fake2"

    def route(params):
        if params["verb"] == "Identify":
            return fake1 / "00001.xml"
        if params["verb"] == "ListRecords" and "from" not in params:
            return fake1 / "00005.xml"
        return fake2 / "00002.xml"

    replay.routes(route)
    source = _source(replay, "dspace")
    run = service.run_harvest(source)
    assert (run.state, run.created) == ("ok", 16), run.message
    run = service.run_harvest(source)
    assert replay.verbs()[-1]["from"] == "2003-04-30T16:08:02Z"  # responseDate, seconds granularity
    assert (run.state, run.created, run.withdrawn) == ("ok", 79, 0), run.message
    assert _records(source).count() == 95
    isbn = _records(source).filter(identifiers__kind="isbn", identifiers__value="9789058920362")
    assert isbn.count() == 1  # dc:identifier 90-5892-036-4 became a matching ISBN

    # Re-harvest the same list: matched on the OAI identifier, no duplicate.
    run = service.run_harvest(source)
    assert (run.created, run.updated, run.unchanged) == (0, 0, 79), run.message
    assert _records(source).count() == 95


def test_record_deleted_at_source_is_withdrawn(replay, zenodo):
    """Zenodo's record 8433364 is live in one recorded list and deleted in another."""
    software = zenodo[frozenset({("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "software")})]
    later = next(v for k, v in zenodo.items() if v[1].name == "list_records_10.xml")
    last = next(v for k, v in zenodo.items() if v[1].name == "list_records_09.xml")
    state = {"run": 1}

    def route(params):
        if params["verb"] == "Identify":
            return zenodo[frozenset({("verb", "Identify")})]
        if "resumptionToken" in params:
            return last
        return software if state["run"] == 1 else later

    replay.routes(route)
    source = _source(replay, set_spec="software")
    run = service.run_harvest(source)
    assert run.state == "ok", run.message
    record = _records(source).get(identifiers__value="zenodo|oai:zenodo.org:8433364")
    assert not record.is_deleted
    state["run"] = 2
    run = service.run_harvest(source)
    assert run.withdrawn == 1, run.message
    record.refresh_from_db()
    assert record.is_deleted
    # Withdrawn records leave the public search.
    from thuvien.search.queue import drain
    from thuvien.search.service import SearchRequest, search

    drain()

    assert record.pk not in search(SearchRequest(q=record.title, page_size=50, facets=())).ids


def _sickle_route(oai_data, broken=None):
    sickle = oai_data / "sickle_sample_data"

    def route(params):
        if params["verb"] == "Identify":
            return sickle / "Identify.xml"
        token = params.get("resumptionToken")
        if token is None:
            return sickle / "ListRecords.xml"
        if broken and token in broken:
            answer = broken[token]
            if isinstance(answer, list):
                return answer.pop(0) if answer else sickle / token
            return answer
        return sickle / token

    return route


def test_broken_xml_keeps_earlier_pages_and_resumes(replay, oai_data):
    """Sickle's ListRecordsBroken.xml on page 2: retried, reported, page 1 kept, the mark
    unchanged; the next run resumes at page 2 and completes without duplicates."""
    broken = oai_data / "sickle_sample_data" / "ListRecordsBroken.xml"
    replay.routes(_sickle_route(oai_data, {"ListRecords2.xml": broken}))
    source = _source(replay, "sickle")
    run = service.run_harvest(source)
    assert run.state == "partial"
    assert "broken XML" in run.message
    assert run.message.count("retrying") == 2  # three attempts in all
    assert (run.pages, run.created) == (1, 1)
    source.refresh_from_db()
    assert source.high_water_mark is None
    assert source.resume_token == "ListRecords2.xml"
    assert source.last_state == "partial"
    assert _records(source).count() == 1

    replay.routes(_sickle_route(oai_data))
    replay.log.clear()
    run = service.run_harvest(source)
    assert run.state == "ok", run.message
    assert [p["resumptionToken"] for p in replay.verbs()] == ["ListRecords2.xml", "ListRecords3.xml",
                                                              "ListRecords4.xml"]
    assert run.pages == 3
    assert run.skipped == 1  # ListRecords4.xml's deleted header has no identifier
    assert _records(source).count() == 1
    source.refresh_from_db()
    assert source.high_water_mark.isoformat() == "2013-02-27T09:10:56+00:00"
    replay.log.clear()
    service.run_harvest(source)
    assert replay.verbs()[0]["from"] == "2013-02-27"  # the repository's day granularity


def test_network_error_is_retried_then_reported(replay, oai_data):
    """A dropped connection is retried; when it persists the run says so and keeps page 1."""
    replay.routes(_sickle_route(oai_data, {"ListRecords2.xml": ["reset"]}))
    source = _source(replay, "sickle")
    run = service.run_harvest(source)
    assert run.state == "ok", run.message
    assert "network error" in run.message and run.pages == 4

    replay.routes(_sickle_route(oai_data, {"ListRecords3.xml": "reset"}))
    source.refresh_from_db()
    source.high_water_mark = None
    source.save()
    run = service.run_harvest(source)
    assert run.state == "partial"
    assert "network error" in run.message
    source.refresh_from_db()
    assert source.resume_token == "ListRecords3.xml"
    assert _records(source).count() == 1


def test_http_503_is_retried(replay, oai_data):
    html_page = oai_data / "zenodo_recorded" / "identify_01.xml"
    replay.routes(_sickle_route(oai_data, {"ListRecords3.xml": [(503, html_page), (503, html_page)]}))
    source = _source(replay, "busy")
    run = service.run_harvest(source)
    assert run.state == "ok", run.message
    assert run.message.count("HTTP 503") == 2


def test_unreachable_repository_fails_cleanly(db):
    source = service.add_source("nowhere", "http://127.0.0.1:9/oai")
    run = service.run_harvest(source)
    assert run.state == "failed"
    assert "network error" in run.message
    source.refresh_from_db()
    assert source.running_since is None and source.last_state == "failed"


def test_expired_token_422_reasks_from_mark(replay, zenodo):
    """A saved resumption token that Zenodo no longer knows (HTTP 422 badResumptionToken):
    the run asks for the list again from the unchanged high-water mark."""
    replay.routes(lambda params: zenodo.get(frozenset(params.items()), (404, None)))
    source = _source(replay)
    HarvestSource.objects.filter(pk=source.pk).update(resume_token="XXX")
    source.refresh_from_db()
    run = service.run_harvest(source)
    assert run.state == "ok", run.message
    assert "badResumptionToken" in run.message
    assert replay.verbs()[0] == {"verb": "ListRecords", "resumptionToken": "XXX"}
    assert replay.verbs()[1] == {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    assert _records(source).count() == 8


def test_cli_add_and_harvest(replay, oai_data, capsys):
    replay.routes(_sickle_route(oai_data))
    call_command("harvest", "add", "sickle", replay.url, "--prefix", "oai_dc", "--set", "", "--every", "6")
    call_command("harvest", "sickle")
    source = HarvestSource.objects.get(name="sickle")
    assert source.last_state == "ok" and source.interval_hours == 6
    assert _records(source).count() == 1
    assert "sickle: ok" in capsys.readouterr().out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("harvest", "add", "bad name!", "not-a-url")
    with pytest.raises(CommandError):
        call_command("harvest", "unknown")
    assert HarvestSource.objects.count() == 1


def test_marc21_records_and_broken_identify(replay, oai_data, testdata, tmp_path):
    """marc21 (MARCXML) records are stored as they come, tagged with their source. The
    Identify answer is pyoai's broken one (mismatched tag): retried, reported, and the
    harvest goes on at day granularity. The LC records are real; the envelope is ours."""
    from lxml import etree

    collection = etree.parse(str(testdata / "marc/loc-sample/loc_books2016_vie.marcxml.xml")).getroot()
    records = collection.findall("{http://www.loc.gov/MARC21/slim}record")[:3]
    body = [('<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
             '<responseDate>2026-11-20T08:00:00Z</responseDate><request verb="ListRecords">http://x/oai</request>'
             "<ListRecords>")]
    for n, record in enumerate(records):
        body.append(f"<record><header><identifier>oai:loc:{n}</identifier><datestamp>2026-11-19</datestamp>"
                    f"</header><metadata>{etree.tostring(record).decode()}</metadata></record>")
    body.append("</ListRecords></OAI-PMH>")
    page = tmp_path / "marc21.xml"
    page.write_text("".join(body), "utf-8")
    broken_identify = oai_data / "pyoai_recorded" / "fake3" / "00001.xml"
    replay.routes(lambda params: broken_identify if params["verb"] == "Identify" else page)

    source = _source(replay, "loc", metadata_prefix="marc21")
    run = service.run_harvest(source)
    assert run.state == "ok", run.message
    assert "Identify failed" in run.message and run.message.count("retrying") == 2
    assert run.created == 3
    record = _records(source).get(identifiers__kind="control", identifiers__value="DLC|00236597")
    assert record.title.startswith("Ngôi chùa")
    assert record.language == "vie"
    assert any("(OAI)(loc)oai:loc:0" in str(f) for f in record.marc["fields"])
    run = service.run_harvest(source)
    assert replay.verbs()[-1]["from"] == "2026-11-20"
    assert (run.created, run.unchanged) == (0, 3)


def test_scheduled_runs(replay, oai_data):
    """`thuvien harvest --all-due` and the background task run due sources only."""
    from thuvien.interop.tasks import harvest_source_task

    replay.routes(_sickle_route(oai_data))
    due = _source(replay, "due", interval_hours=1)
    manual = _source(replay, "manual", interval_hours=0)
    call_command("harvest", "--all-due")
    due.refresh_from_db()
    manual.refresh_from_db()
    assert due.last_state == "ok" and manual.last_run_at is None
    assert service.due_sources() == []
    assert harvest_source_task.call(manual.pk) == "ok"
    assert _records(manual).count() == 1


def test_html_page_instead_of_a_repository(replay, oai_data):
    """A base URL that answers an HTML page (recorded from httpbun): reported, nothing changed."""
    html_page = oai_data / "zenodo_recorded" / "identify_01.xml"
    replay.routes(lambda params: html_page)
    source = _source(replay, "html")
    run = service.run_harvest(source)
    assert run.state == "failed"
    assert "broken XML" in run.message
    source.refresh_from_db()
    assert source.high_water_mark is None and source.resume_token == ""
    assert not _records(source).exists()


@pytest.mark.parametrize("prefix", ["marc21", "oai_dc"])
def test_harvests_our_own_provider(replay, make_record, client, settings, tmp_path, prefix):
    """Our /oai (three records, pages of two, one withdrawn) recorded through the test client
    and replayed: the harvester reads every page, and the withdrawal arrives as a deletion."""
    settings.OAI_PAGE_SIZE = 2
    titles = ["Địa chí Ninh Bình", "Văn hóa Tràng An", "Lịch sử Hoa Lư"]
    records = [make_record(title, authors=["Nguyễn, Văn An"]) for title in titles]
    from thuvien.catalog import services as catalog

    catalog.withdraw_record(records[2])
    recorded, params = {}, {"verb": "ListRecords", "metadataPrefix": prefix}
    while params:
        body = client.get("/oai", params).content
        recorded[frozenset(params.items())] = body
        token = re.search(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>", body)
        params = {"verb": "ListRecords", "resumptionToken": token.group(1).decode()} if token else None
    recorded[frozenset({("verb", "Identify")})] = client.get("/oai", {"verb": "Identify"}).content
    assert len(recorded) == 3  # two pages and Identify
    assert b'status="deleted"' in b"".join(recorded.values())
    pages = {}
    for n, (key, body) in enumerate(recorded.items()):
        pages[key] = replay_file = tmp_path / f"oai-{n}.xml"
        replay_file.write_bytes(body)
    replay.routes(lambda p: pages.get(frozenset(p.items()), (404, None)))

    source = _source(replay, "self", metadata_prefix=prefix)
    run = service.run_harvest(source)
    assert run.state == "ok", run.message
    assert (run.pages, run.created) == (2, 2)
    assert sorted(_records(source).values_list("title", flat=True)) == sorted(titles[:2])
    copy = _records(source).get(title=titles[0])
    assert copy.authors and "Nguyễn" in copy.authors[0]
    source.refresh_from_db()
    assert source.granularity == "YYYY-MM-DDThh:mm:ssZ"

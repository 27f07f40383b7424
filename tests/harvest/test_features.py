"""The harvester beyond the plain incremental list, on the recorded responses: matching
records the catalogue already has, a record the catalogue refuses, checking a repository
(Identify, ListMetadataFormats, ListSets), one record (GetRecord), a date range,
reconciling deletions (ListIdentifiers), every OAI-PMH error Sickle recorded, and the
background worker running what the scheduler queued."""

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError
from lxml import etree

from thuvien.catalog.models import BibRecord, RecordIdentifier
from thuvien.interop.harvest import service
from thuvien.interop.harvest.models import HarvestedRecord, HarvestSource

pytestmark = pytest.mark.django_db
MARCXML = "{http://www.loc.gov/MARC21/slim}"


def _records(source):
    return BibRecord.objects.filter(source=source.tag)


def _envelope(tmp_path, name, records, response_date="2026-11-20T08:00:00Z"):
    """A ListRecords response around ``records`` [(identifier, metadata XML or None: deleted)]."""
    body = [('<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
             f'<responseDate>{response_date}</responseDate><request verb="ListRecords">http://x/oai</request>'
             "<ListRecords>")]
    for identifier, metadata in records:
        status = "" if metadata else ' status="deleted"'
        body.append(f"<record><header{status}><identifier>{identifier}</identifier><datestamp>2026-11-19"
                    f"</datestamp></header>{f'<metadata>{metadata}</metadata>' if metadata else ''}</record>")
    body.append("</ListRecords></OAI-PMH>")
    path = tmp_path / name
    path.write_text("".join(body), "utf-8")
    return path


def _sickle(oai_data, name):
    return oai_data / "sickle_sample_data" / name


def _pyoai(oai_data, folder, name):
    return oai_data / "pyoai_recorded" / folder / name


# --- matching what the catalogue has ----------------------------------------------------

def test_marc21_records_already_imported_are_matched_not_copied(replay, network, testdata, tmp_path):
    """The LC records imported from a MARC file, then harvested as MARCXML from a remote
    repository: matched on 001/003 and ISBN, not catalogued twice, never overwritten, and
    not withdrawn when the remote deletes its copy."""
    marc_file = testdata / "marc/loc-sample/loc_books2016_vie.marcxml.xml"
    call_command("marc", "import", str(marc_file), "--library", "NB-KS", "--no-progress",
                 "--rejects", str(tmp_path / "rejects.xml"))
    before = BibRecord.objects.count()
    collection = etree.parse(str(marc_file)).getroot()
    records = [(f"oai:remote:{n}", etree.tostring(r).decode())
               for n, r in enumerate(collection.findall(f"{MARCXML}record")[:3])]
    page = _envelope(tmp_path, "marc21.xml", records)
    replay.routes(lambda params: page)
    source = service.add_source("remote", replay.url, metadata_prefix="marc21")
    run = service.run_harvest(source)
    assert run.state == "ok", run.message
    assert (run.created, run.matched) == (0, 3)
    assert BibRecord.objects.count() == before and not _records(source).exists()
    linked = HarvestedRecord.objects.get(source=source, identifier="oai:remote:0").record
    assert linked.source != source.tag and not linked.is_deleted
    local = linked.marc
    deleted = _envelope(tmp_path, "deleted.xml", [("oai:remote:0", None)], "2026-11-21T08:00:00Z")
    replay.routes(lambda params: deleted)
    run = service.run_harvest(source)
    assert run.state == "ok" and run.withdrawn == 0
    linked.refresh_from_db()
    assert not linked.is_deleted and linked.marc == local


def test_oai_dc_isbn_matches_and_series_issn_does_not(replay, oai_data, make_record):
    """pyoai's DSpace list: the book with ISBN 90-5892-036-4 is already catalogued here (as
    978-90-5892-036-2) and is matched; two reports of one series (ISSN 1566-5283) stay two
    records, the ISSN in 490 $x."""
    local = make_record("Kijken in het brein", authors=["Van Praet, Douglas"], isbns=["9789058920362"])
    replay.routes(lambda params: _pyoai(oai_data, "fake1", "00001.xml") if params["verb"] == "Identify"
                  else _pyoai(oai_data, "fake1", "00005.xml"))
    source = service.add_source("dspace", replay.url)
    run = service.run_harvest(source)
    assert (run.state, run.created, run.matched) == ("ok", 15, 1), run.message
    assert HarvestedRecord.objects.get(source=source, identifier="hdl:1765/308").record == local
    reports = [HarvestedRecord.objects.get(source=source, identifier=f"hdl:1765/{n}").record for n in (317, 318)]
    assert reports[0] != reports[1]
    assert not RecordIdentifier.objects.filter(kind="issn", value="1566-5283").exists()
    assert any("490" in f and f["490"]["subfields"] == [{"x": "1566-5283"}] for f in reports[0].marc["fields"])


def test_two_records_of_one_edition_in_one_list_are_one_record(replay, tmp_path):
    """Two records of a repository sharing an ISBN (a book deposited twice) become one
    record, as two records of one MARC file do; deleting one at the source keeps it."""
    def dc(title):
        return ('<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
                f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title>'
                "<dc:identifier>ISBN 978-604-0-00001-9</dc:identifier></oai_dc:dc>")

    page = _envelope(tmp_path, "twice.xml", [("oai:nb:1", dc("Non nước Ninh Bình")),
                                             ("oai:nb:2", dc("Non nước Ninh Bình (bản 2)"))])
    replay.routes(lambda params: page)
    source = service.add_source("twice", replay.url)
    run = service.run_harvest(source)
    assert (run.created, run.matched) == (1, 1), run.message
    record = _records(source).get()
    assert {link.record for link in HarvestedRecord.objects.filter(source=source)} == {record}
    deleted = _envelope(tmp_path, "one-gone.xml", [("oai:nb:2", None)], "2026-11-21T08:00:00Z")
    replay.routes(lambda params: deleted)
    service.run_harvest(source)
    record.refresh_from_db()
    assert not record.is_deleted  # oai:nb:1 still stands for it


def test_a_record_the_catalogue_refuses_is_skipped_then_asked_again(replay, oai_data, monkeypatch, tmp_path):
    """One record of a page fails in the database: the others are kept, the run completes
    and says so, and the next run asks for that record again (GetRecord) and gets it."""
    from thuvien.catalog import services as catalog

    create = catalog.create_record

    def refuse(data, **kwargs):
        if "Kijken in het brein" in str(data):
            raise DatabaseError("value too long for type character varying(255)")
        return create(data, **kwargs)

    listing = _pyoai(oai_data, "fake1", "00005.xml")
    replay.routes(lambda params: _pyoai(oai_data, "fake1", "00001.xml") if params["verb"] == "Identify" else listing)
    source = service.add_source("dspace", replay.url)
    monkeypatch.setattr(catalog, "create_record", refuse)
    run = service.run_harvest(source)
    assert (run.state, run.created, run.skipped) == ("ok", 15, 1), run.message
    assert "value too long" in run.message
    assert HarvestedRecord.objects.get(identifier="hdl:1765/308").failed
    monkeypatch.setattr(catalog, "create_record", create)

    # The repository's GetRecord answer (pyoai's, for hdl:1765/315) holding record 308 of its list.
    record = next(r for r in etree.parse(str(listing)).iter("{http://www.openarchives.org/OAI/2.0/}record")
                  if r.findtext(".//{*}identifier") == "hdl:1765/308")
    answer = re.sub(r"<GetRecord>.*</GetRecord>", lambda m: f"<GetRecord>{etree.tostring(record).decode()}</GetRecord>",
                    _pyoai(oai_data, "fake1", "00004.xml").read_text(), flags=re.DOTALL)
    (tmp_path / "308.xml").write_text(answer, "utf-8")
    replay.routes(lambda params: {"GetRecord": tmp_path / "308.xml",
                                  "ListRecords": _sickle(oai_data, "noRecordsMatch.xml")}.get(
                                      params["verb"], _pyoai(oai_data, "fake1", "00001.xml")))
    run = service.run_harvest(source)
    assert run.state == "ok" and run.created == 1, run.message
    assert [p["identifier"] for p in replay.verbs("GetRecord")] == ["hdl:1765/308"]
    assert not HarvestedRecord.objects.filter(failed=True).exists()
    assert _records(source).filter(title__startswith="Kijken in het brein").count() == 1


def test_long_values_fit_the_catalogue(replay, tmp_path):
    """A publisher and a place longer than the catalogue's columns (PostgreSQL refuses what
    SQLite keeps) are shortened in the columns; the MARC record keeps them whole."""
    publisher = "Nhà xuất bản " + "Chính trị Quốc gia Sự thật " * 12
    metadata = ('<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Lịch sử Đảng bộ tỉnh Ninh Bình</dc:title>'
                f"<dc:publisher>{publisher}</dc:publisher><dc:date>2010</dc:date></oai_dc:dc>")
    page = _envelope(tmp_path, "long.xml", [("oai:nb:1", metadata)])
    replay.routes(lambda params: page)
    source = service.add_source("long", replay.url)
    run = service.run_harvest(source)
    assert (run.state, run.created, run.skipped) == ("ok", 1, 0), run.message
    record = _records(source).get()
    assert len(record.publisher) == 255 and publisher.startswith(record.publisher)
    assert any(f.get("260", {}).get("subfields", [{}])[0].get("b") == publisher.strip() for f in record.marc["fields"])


# --- checking a repository ------------------------------------------------------------

def test_check_a_repository(replay, oai_data, zenodo):
    """Identify, ListMetadataFormats and ListSets of three repositories, as recorded."""
    sickle = {"Identify": "Identify.xml", "ListMetadataFormats": "ListMetadataFormats.xml", "ListSets": "ListSets.xml"}
    replay.routes(lambda params: _sickle(oai_data, sickle[params["verb"]]))
    source = service.add_source("sickle", replay.url, set_spec="nosuchset")
    report = service.check_source(source)
    assert report["identify"]["name"] == "A Test Repository"
    assert [f["prefix"] for f in report["formats"] if f["readable"]] == ["oai_dc"]
    assert report["set_count"] == 131 and report["sets_complete"]
    assert report["problems"] == ["Kho dữ liệu không có tập nosuchset."]  # Vietnamese by default
    source.refresh_from_db()
    assert (source.repository_name, source.deleted_record, source.granularity) == (
        "A Test Repository", "persistent", "YYYY-MM-DD")

    # Zenodo: eight formats (marc21 and oai_dc readable here), sets over two pages.
    replay.log.clear()
    replay.routes(lambda params: zenodo.get(frozenset(params.items()), (404, None)))
    source = service.add_source("zenodo", replay.url, metadata_prefix="marc21", set_spec="user-elife")
    report = service.check_source(source)
    assert report["problems"] == []
    assert {f["prefix"] for f in report["formats"] if f["readable"]} == {"marc21", "oai_dc"}
    assert report["sets_complete"] and len(replay.verbs("ListSets")) == 2

    # pyoai's DSpace: one page of sets; a source asking for a format it does not offer.
    pyoai = {"Identify": "00001.xml", "ListMetadataFormats": "00002.xml", "ListSets": "00000.xml"}
    replay.routes(lambda params: _pyoai(oai_data, "fake1", pyoai[params["verb"]]))
    source = service.add_source("dspace", replay.url, metadata_prefix="marc21", set_spec="1:1")
    report = service.check_source(source)
    assert report["identify"]["deleted_record"] == "no"
    assert len(report["problems"]) == 1 and "marc21" in report["problems"][0]


def test_check_a_repository_without_sets_and_an_unreachable_one(replay, oai_data, capsys):
    answers = {"Identify": "Identify.xml", "ListMetadataFormats": "ListMetadataFormats.xml",
               "ListSets": "noSetHierarchy.xml"}
    replay.routes(lambda params: _sickle(oai_data, answers[params["verb"]]))
    source = service.add_source("flat", replay.url, set_spec="books")
    with pytest.raises(CommandError):
        call_command("harvest", "check", "flat")
    assert "books" in capsys.readouterr().err
    source.set_spec = ""
    source.save()
    call_command("harvest", "check", "flat")
    assert "sets: 0" in capsys.readouterr().out
    nowhere = service.add_source("nowhere", "http://127.0.0.1:9/oai")
    report = service.check_source(nowhere)
    assert len(report["problems"]) == 3 and all("network error" in p for p in report["problems"])


# --- one record, a date range -------------------------------------------------------------

def test_one_record_again(replay, oai_data):
    """GetRecord: Sickle's UTF-8 sample creates the record, its other version updates it, and
    idDoesNotExist withdraws it; pyoai's DSpace answers a new record and a deleted one."""
    answer = {"value": "GetRecord_utf8test.xml"}
    replay.routes(lambda params: _sickle(oai_data, answer["value"]))
    source = service.add_source("sickle", replay.url)
    identifier = "oai:test.example.com:1996652"
    run = service.run_harvest(source, identifier=identifier)
    assert (run.state, run.kind, run.created) == ("ok", "record", 1), run.message
    record = _records(source).get()
    assert record.authors == ["某人"] and record.title == "Sample Title"
    answer["value"] = "GetRecord.xml"
    call_command("harvest", "sickle", "--record", identifier)
    record.refresh_from_db()
    assert record.authors == ["John Doe"] and not record.is_deleted
    answer["value"] = "idDoesNotExist.xml"
    run = service.run_harvest(source, identifier=identifier)
    assert (run.state, run.withdrawn) == ("ok", 1), run.message
    record.refresh_from_db()
    assert record.is_deleted
    assert replay.verbs("GetRecord")[-1] == {"verb": "GetRecord", "identifier": identifier, "metadataPrefix": "oai_dc"}

    dspace = {"hdl:1765/1162": "00001.xml", "hdl:1765/1160": "00000.xml"}
    replay.routes(lambda params: _pyoai(oai_data, "fake2", dspace[params["identifier"]]))
    source = service.add_source("dspace", replay.url)
    assert service.run_harvest(source, identifier="hdl:1765/1162").created == 1
    run = service.run_harvest(source, identifier="hdl:1765/1160")  # deleted there, never here
    assert (run.state, run.created, run.withdrawn) == ("ok", 0, 0)
    # an identifier the repository never had is an error, reported
    replay.routes(lambda params: _sickle(oai_data, "idDoesNotExist.xml"))
    run = service.run_harvest(source, identifier="oai:elsewhere:1")
    assert run.state == "failed" and "idDoesNotExist" in run.message


@pytest.mark.parametrize(("window", "recorded"), [
    (("2026-04-01", "2026-04-02"), "list_records_02.xml"),
    (("2026-04-01", None), "list_records_01.xml"),
    ((None, "2026-04-02"), "list_records_12.xml"),
])
def test_a_date_range_again(replay, zenodo, window, recorded):
    """Zenodo's lists by from/until: the first page (50 records) is kept, its token has long
    expired (HTTP 422 badResumptionToken, asked once more from the start), and the
    source's mark never moves for a range read by hand."""
    expired = zenodo[frozenset({("verb", "ListRecords"), ("resumptionToken", "XXX")})]

    def route(params):
        if "resumptionToken" in params:
            return expired
        return zenodo.get(frozenset(params.items()), (404, None))

    replay.routes(route)
    source = service.add_source("zenodo", replay.url)
    args = ["harvest", "zenodo"] + (["--from", window[0]] if window[0] else []) + (
        ["--until", window[1]] if window[1] else [])
    with pytest.raises(CommandError):  # the range did not complete
        call_command(*args)
    run = source.runs.get()
    assert (run.kind, run.state, run.pages, run.created) == ("window", "partial", 2, 50), run.message
    assert run.message.count("badResumptionToken") == 2
    assert [v[1].name for v in [route(p) for p in replay.verbs() if "resumptionToken" not in p]] == [recorded] * 2
    source.refresh_from_db()
    assert source.high_water_mark is None and source.resume_token == ""
    with pytest.raises(CommandError):
        call_command("harvest", "zenodo", "--from", "1 April")


# --- reconciling deletions -----------------------------------------------------------

def _sickle_lists(oai_data, params):
    if params["verb"] == "Identify":
        return _sickle(oai_data, "Identify.xml")
    if params["verb"] == "ListIdentifiers":
        return _sickle(oai_data, params.get("resumptionToken") or "ListIdentifiers.xml")
    return _sickle(oai_data, params.get("resumptionToken") or "ListRecords.xml")


def test_reconcile_withdraws_what_the_repository_no_longer_lists(replay, oai_data):
    """Sickle: ListRecords brought oai:test.example.com:1585322; ListIdentifiers (two pages)
    no longer lists it: withdrawn. pyoai's DSpace: 95 records harvested in two lists, its
    ListIdentifiers lists the first 16: the other 79 are withdrawn."""
    replay.routes(lambda params: _sickle_lists(oai_data, params))
    source = service.add_source("sickle", replay.url)
    assert service.run_harvest(source).created == 1
    call_command("harvest", "sickle", "--reconcile")
    run = source.runs.first()
    assert (run.kind, run.state, run.pages, run.withdrawn) == ("reconcile", "ok", 2, 1), run.message
    assert [p.get("resumptionToken") for p in replay.verbs("ListIdentifiers")] == [None, "ListIdentifiers2.xml"]
    assert _records(source).get().is_deleted
    source.refresh_from_db()
    assert source.last_reconciled_at is not None

    fake1, fake2 = oai_data / "pyoai_recorded" / "fake1", oai_data / "pyoai_recorded" / "fake2"
    replay.routes(lambda params: {"Identify": fake1 / "00001.xml", "ListIdentifiers": fake1 / "00003.xml"}.get(
        params["verb"], fake2 / "00002.xml" if "from" in params else fake1 / "00005.xml"))
    source = service.add_source("dspace", replay.url)
    service.run_harvest(source)
    service.run_harvest(source)
    assert _records(source).filter(is_deleted=False).count() == 95
    run = service.run_harvest(source, reconcile=True)
    assert (run.state, run.withdrawn) == ("ok", 79), run.message
    assert _records(source).filter(is_deleted=False).count() == 16


def test_reconcile_withdraws_nothing_from_an_incomplete_or_empty_list(replay, zenodo):
    """Zenodo: the full ListIdentifiers (three pages) after the full harvest; then a list
    whose token has expired (HTTP 422) and one that is empty (noRecordsMatch, HTTP 422):
    nothing is withdrawn on their word."""
    replay.routes(lambda params: zenodo.get(frozenset(params.items()), (404, None)))
    source = service.add_source("zenodo", replay.url)
    assert service.run_harvest(source).created == 8
    run = service.run_harvest(source, reconcile=True)
    assert (run.state, run.pages) == ("ok", 3), run.message
    listed = set()
    for name in ("list_identifiers_06.xml", "list_identifiers_10.xml", "list_identifiers_09.xml"):
        body = (zenodo[frozenset({("verb", "Identify")})][1].parent / name).read_text()
        listed |= set(re.findall(r"<header>\s*<identifier>([^<]+)<", body))
    harvested = set(HarvestedRecord.objects.filter(source=source).values_list("identifier", flat=True))
    assert listed and run.withdrawn == len(harvested - listed) > 0
    live = _records(source).filter(is_deleted=False).count()

    first = zenodo[frozenset({("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc")})]
    expired = zenodo[frozenset({("verb", "ListIdentifiers"), ("resumptionToken", "XXX")})]
    empty = zenodo[frozenset({("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), ("from", "2030-01-15")})]
    for answers in ([first, expired], [empty]):
        replay.routes(lambda params, answers=answers: answers[min(len(replay.verbs("ListIdentifiers")) - 1,
                                                                   len(answers) - 1)])
        replay.log.clear()
        run = service.run_harvest(source, reconcile=True)
        assert (run.state, run.withdrawn) == ("failed", 0), run.message
        assert _records(source).filter(is_deleted=False).count() == live


@pytest.mark.django_db(transaction=True)  # the worker closes its connections between polls
def test_scheduled_reconciliation(replay, oai_data):
    """A source with reconcile_days is reconciled by the background worker when due."""
    from django_tasks_db.models import DBTaskResult

    from thuvien.interop.tasks import enqueue_due_harvests

    replay.routes(lambda params: _sickle_lists(oai_data, params))
    source = service.add_source("sickle", replay.url, interval_hours=0, reconcile_days=7)
    service.run_harvest(source)
    assert enqueue_due_harvests() == ["sickle (reconcile)"]
    assert enqueue_due_harvests() == []
    call_command("worker", "--batch")
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert _records(source).get().is_deleted
    assert enqueue_due_harvests() == []  # reconciled a moment ago: due again in a week


# --- every error Sickle recorded -----------------------------------------------------------

@pytest.mark.parametrize(("answer", "state"), [
    ("badArgument.xml", "failed"),
    ("cannotDisseminateFormat.xml", "failed"),
    ("undefinedError.xml", "failed"),
    ("noSetHierarchy.xml", "failed"),
    ("noRecordsMatch.xml", "ok"),
])
def test_oai_errors_answering_a_list(replay, oai_data, answer, state):
    replay.routes(lambda params: _sickle(oai_data, "Identify.xml" if params["verb"] == "Identify" else answer))
    source = service.add_source("sickle", replay.url, set_spec="books" if "Set" in answer else "")
    run = service.run_harvest(source)
    assert (run.state, run.created) == (state, 0), run.message
    code = answer.removesuffix(".xml")
    assert code in run.message
    source.refresh_from_db()
    assert source.resume_token == ""
    if state == "ok":  # nothing new: the mark is the repository's responseDate
        assert source.high_water_mark.isoformat() == "2002-02-08T14:27:19+00:00"
    else:
        assert source.high_water_mark is None and source.last_state == "failed"


def test_an_expired_saved_token_is_asked_again(replay, oai_data):
    """Sickle's badResumptionToken answer to a saved token: the list is asked again from
    the mark and completes."""
    def route(params):
        if params.get("resumptionToken") == "stale":
            return _sickle(oai_data, "badResumptionToken.xml")
        return _sickle_lists(oai_data, params)

    replay.routes(route)
    source = service.add_source("sickle", replay.url)
    HarvestSource.objects.filter(pk=source.pk).update(resume_token="stale")
    run = service.run_harvest(source)
    assert (run.state, run.pages, run.created) == ("ok", 4, 1), run.message
    assert [p.get("resumptionToken") for p in replay.verbs()][:2] == ["stale", None]


# --- the worker ---------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)  # the worker closes its connections between polls
def test_the_worker_runs_what_the_scheduler_queued(replay, oai_data, settings, tmp_path):
    """`thuvien worker`'s scheduler hook queues the due harvest and the open data build; the
    worker runs both."""
    from django_tasks_db.models import DBTaskResult

    from thuvien.interop import opendata
    from thuvien.interop.tasks import schedule

    settings.OPENDATA_DIR = tmp_path / "opendata"
    replay.routes(lambda params: _sickle_lists(oai_data, params))
    source = service.add_source("sickle", replay.url, interval_hours=6)
    assert schedule() == ["harvest:sickle", "opendata"]
    call_command("worker", "--batch")
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    source.refresh_from_db()
    assert source.last_state == "ok" and _records(source).count() == 1
    manifest = opendata.manifest()
    assert {e["records"] for e in manifest["files"] if e["dataset"] == "all"} == {1}
    assert schedule() == []  # nothing due now

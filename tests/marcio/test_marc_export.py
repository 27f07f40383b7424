"""`thuvien marc export` and `catalog.export.write_records`: round trip, MARCXML schema, filters."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from lxml import etree

from thuvien.catalog import services
from thuvien.catalog.export import iso2709, write_records
from thuvien.catalog.marcimport.reader import iter_records
from thuvien.catalog.models import BibRecord

from .test_marc_import import counts, df, marc_record, run_import, write_mrc

pytestmark = pytest.mark.django_db
MARC_NS = {"m": "http://www.loc.gov/MARC21/slim"}
DC_NS = {"dc": "http://purl.org/dc/elements/1.1/", "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/"}


def run_export(tmp_path, *args):
    path = tmp_path / "export.out"
    err = io.StringIO()
    with translation.override("en"):
        call_command("marc", "export", "--output", str(path), *args, stdout=io.StringIO(), stderr=err)
    return path.read_bytes()


def decode_all(content):
    return [r.data for r in iter_records(io.BufferedReader(io.BytesIO(content)))]


def without(data, tags=("005", "852", "952")):
    return {"leader": data["leader"], "fields": [f for f in data["fields"] if next(iter(f)) not in tags]}


def by_001(records):
    return {next(v for f in r["fields"] for t, v in f.items() if t == "001"): r for r in records}


def test_import_then_export_gives_the_same_records_apart_from_005_and_holdings(network, testdata, tmp_path):
    source = testdata / "marc" / "loc-sample" / "loc_books2016_vie.utf8.mrc"
    koha = marc_record("Sách Koha", ("001", "K9"), ("003", "VN-KOHA"), ("005", "20240101000000.0"),
                       ("952", df(("p", "KS.9"), ("o", "895.92"))))
    koha_file = write_mrc(tmp_path, "koha.mrc", [koha])
    run_import(source, "NB-KS")
    run_import(koha_file, "NB-KS")
    exported = decode_all(run_export(tmp_path))
    assert len(exported) == 122
    original = decode_all(source.read_bytes()) + decode_all(koha_file.read_bytes())
    got, want = by_001(exported), by_001(original)
    assert set(got) == set(want)
    for number, record in want.items():
        assert without(got[number]) == without(record), number
    holdings = [f["852"] for f in got["K9"]["fields"] if "852" in f]
    assert holdings == [{"ind1": " ", "ind2": " ", "subfields": [{"a": "NB-KS"}, {"h": "895.92"}, {"p": "KS.9"}]}]
    # And the export imports back as the same records: nothing changes.
    again = tmp_path / "again.mrc"
    again.write_bytes(run_export(tmp_path))
    found = counts(run_import(again, "NB-KS")[0])
    assert found["unchanged"] == 122 and found["created"] == 0


def test_marcxml_export_validates_against_marc21slim(network, testdata, tmp_path):
    for name in ("loc_books2016_vie.marcxml.xml", "loc_books2016_multiscript.utf8.mrc"):
        run_import(testdata / "marc" / "loc-sample" / name, "NB-KS")
    run_import(testdata / "marc" / "marc4j" / "chabon.mrc", "NB-KS")
    content = run_export(tmp_path, "--format", "marcxml")
    schema = etree.XMLSchema(etree.parse(str(testdata / "schemas" / "MARC21slim.xsd")))
    document = etree.fromstring(content)
    schema.assertValid(document)
    assert len(document.findall("m:record", MARC_NS)) == BibRecord.objects.count() == 188
    texts = document.xpath("//m:subfield/text()", namespaces=MARC_NS)
    assert any("Việt" in t for t in texts)


def test_oai_dc_export(network, testdata, tmp_path):
    run_import(testdata / "marc" / "loc-sample" / "loc_books2016_vie.utf8.mrc", "NB-KS")
    document = etree.fromstring(run_export(tmp_path, "--format", "oai_dc"))
    records = document.findall("oai_dc:dc", DC_NS)
    assert len(records) == 121
    titles = [r.findtext("dc:title", namespaces=DC_NS) for r in records]
    assert all(titles) and any("Việt" in t for t in titles)
    assert {r.findtext("dc:language", namespaces=DC_NS) for r in records} == {"vie"}


def test_export_filters_library_since_restricted_and_withdrawn(network, tmp_path):
    records = [marc_record(f"Sách {n}", ("001", f"F{n}"), ("003", "VN-TEST"),
                           *([("952", df(("p", f"KS-F{n}")))] if n < 3 else [])) for n in range(5)]
    run_import(write_mrc(tmp_path, "f.mrc", records), "NB-KS")
    run_import(write_mrc(tmp_path, "y.mrc", [marc_record("Sách 0", ("001", "F0"), ("003", "VN-TEST"),
                                                          ("952", df(("p", "YM-F0"))))]), "NB-YM")
    numbers = lambda content: sorted(by_001(decode_all(content)))
    assert numbers(run_export(tmp_path)) == ["F0", "F1", "F2", "F3", "F4"]
    kim_son = decode_all(run_export(tmp_path, "--library", "NB-KS"))
    assert sorted(by_001(kim_son)) == ["F0", "F1", "F2"]
    f0 = by_001(kim_son)["F0"]
    assert [f["852"]["subfields"][-1] for f in f0["fields"] if "852" in f] == [{"p": "KS-F0"}]  # only its items
    assert numbers(run_export(tmp_path, "--library", "NB-YM")) == ["F0"]
    old = timezone.now() - datetime.timedelta(days=30)
    BibRecord.objects.exclude(control_number="F4").update(updated_at=old)
    since = (timezone.now() - datetime.timedelta(days=1)).date().isoformat()
    assert numbers(run_export(tmp_path, "--since", since)) == ["F4"]
    BibRecord.objects.filter(control_number="F1").update(visibility="staff")
    services.withdraw_record(BibRecord.objects.get(control_number="F2"))
    assert numbers(run_export(tmp_path)) == ["F0", "F3", "F4"]
    assert numbers(run_export(tmp_path, "--include-restricted")) == ["F0", "F1", "F3", "F4"]
    with pytest.raises(CommandError, match="since"):
        run_export(tmp_path, "--since", "2024-13-45")
    with pytest.raises(CommandError, match="No library"):
        run_export(tmp_path, "--library", "NB-NOWHERE")


def test_write_records_is_reusable_on_plain_marc_in_json():
    data = marc_record("Nhật ký trong tù", ("001", "X1"), ("020", df(("a", "9780198534532"))))
    out = io.BytesIO()
    assert write_records([data], "iso2709", out) == 1
    assert out.getvalue() == iso2709(data)
    assert decode_all(out.getvalue()) == [data | {"leader": "00000nam a2200000 a 4500"}]
    with pytest.raises(ValueError):
        write_records([data], "mods", io.BytesIO())

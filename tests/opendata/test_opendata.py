"""Open data dumps: built atomically, listed at /opendata, downloadable, and never holding
restricted or withdrawn records, local fields, copies' private notes or anyone's data."""

import csv
import gzip
import io
import json

import pymarc
import pytest
from django.core.management import call_command

from thuvien.catalog import services
from thuvien.catalog.generate import marc_record
from thuvien.catalog.marc import clean
from thuvien.interop import opendata

pytestmark = pytest.mark.django_db
SECRET = "Nguyễn Thị Bạn Đọc Riêng"


@pytest.fixture
def catalogue(network, make_record, settings, tmp_path, monkeypatch):
    monkeypatch.setenv("THUVIEN_INDEX_MODE", "sync")  # no search index needed here
    settings.OPENDATA_DIR = tmp_path / "opendata"
    settings.OPENDATA_LICENCE = {"name": "CC0 1.0", "url": "https://creativecommons.org/publicdomain/zero/1.0/"}
    settings.SITE_URL = "https://thuvien.example.vn"
    kimson, yenmo = network["NB-KS"], network["NB-YM"]
    public = make_record("Địa chí Kim Sơn", authors=["Phạm, Văn Hòa"], copies=[kimson, yenmo], year=2019)
    data = public.marc
    data["fields"].append({"952": {"ind1": " ", "ind2": " ", "subfields": [{"z": SECRET}]}})
    services.update_record(public, data)
    item = public.items.first()
    services.update_item(None, item, notes=SECRET, price=120000)
    only_yenmo = make_record("Lễ hội Yên Mô", copies=[yenmo])
    restricted = make_record("Hồ sơ mật Tam Điệp", copies=[kimson])
    restricted.visibility = "staff"
    restricted.save()
    secret = services.create_record(marc_record(title="Tài liệu mật Hoa Lư", year=2001), visibility="staff")
    services.add_item(None, secret, network["NB-HL"], barcode="SECRET-HL")  # Hoa Lư holds nothing public
    withdrawn = make_record("Sách đã rút Gia Viễn", copies=[kimson])
    services.withdraw_record(withdrawn)
    # Digitised documents: one open to everyone (linked), the other levels never named.
    from thuvien.digital.models import Collection, DigitalObject

    collection = Collection.objects.create(code="DIACHI", name="Địa chí", library=kimson)
    objects = {"open": DigitalObject.objects.create(record=public, collection=collection, library=kimson,
                                                    access="open", label="Bản số hóa mở",
                                                    licence="http://creativecommons.org/licenses/by/4.0/")}
    for level in ("registered", "onsite", "staff", "closed"):
        objects[level] = DigitalObject.objects.create(record=public, collection=collection, library=kimson,
                                                      access=level, label=f"Bản hạn chế {level}")
    objects["of_restricted"] = DigitalObject.objects.create(record=restricted, collection=collection,
                                                            library=kimson, access="open", label="Bản của hồ sơ mật")
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from thuvien.circulation.models import Loan, Reader, ReaderCategory

    user = get_user_model().objects.create_user("reader", first_name=SECRET, email="riêng@example.org")
    category = ReaderCategory.objects.get_or_create(code="adult", defaults={"name": "Người lớn"})[0]
    reader = Reader.objects.create(card_number="NBCARD0042", user=user, name=SECRET, home_library=kimson,
                                   category=category, phone="0912345678", address="Phố Riêng, Kim Sơn")
    Loan.objects.create(item=item, reader=reader, category=category, library=kimson,
                        checked_out_at=timezone.now(), due_at=timezone.now())
    return {"public": public, "only_yenmo": only_yenmo, "objects": objects}


def _read(name):
    return gzip.decompress((opendata.directory() / name).read_bytes())


def test_build_contents_and_exclusions(catalogue, capsys):
    call_command("opendata", "build")
    manifest = opendata.manifest()
    files = {entry["file"]: entry for entry in manifest["files"]}
    assert set(files) == {f"{d}.{s}" for d in ("all", "library-nb-ks", "library-nb-ym")
                          for s, _, _ in opendata.FORMATS.values()}
    assert files["all.csv.gz"]["records"] == 2
    assert files["library-nb-ks.csv.gz"]["records"] == 1
    assert files["library-nb-ym.csv.gz"]["records"] == 2
    assert manifest["licence"]["name"] == "CC0 1.0"
    assert all(e["bytes"] == (opendata.directory() / e["file"]).stat().st_size for e in files.values())

    assert all(e["licence"]["name"] == "CC0 1.0" and e["generated_at"] == manifest["generated_at"]
               for e in files.values())
    link = f"https://thuvien.example.vn/digital/{catalogue['objects']['open'].pk}/"

    marc_records = list(pymarc.MARCReader(_read("all.mrc.gz"), to_unicode=True, force_utf8=True))
    assert sorted(clean(r.title) for r in marc_records) == ["Lễ hội Yên Mô", "Địa chí Kim Sơn"]
    xml_records = pymarc.parse_xml_to_array(io.BytesIO(_read("all.marcxml.xml.gz")))
    assert sorted(clean(r.title) for r in xml_records) == ["Lễ hội Yên Mô", "Địa chí Kim Sơn"]
    for records in (marc_records, xml_records):
        linked = next(r for r in records if clean(r.title) == "Địa chí Kim Sơn")
        assert [(f["u"], f["3"]) for f in linked.get_fields("856")] == [(link, "Bản số hóa mở")]
    rows = list(csv.DictReader(io.StringIO(_read("library-nb-ym.csv.gz").decode())))
    assert {r["title"]: (r["libraries"], r["digital"]) for r in rows} == {
        "Địa chí Kim Sơn": ("NB-KS NB-YM", link), "Lễ hội Yên Mô": ("NB-YM", "")}
    lines = [json.loads(line) for line in _read("library-nb-ks.jsonl.gz").decode().splitlines()]
    assert [line["title"] for line in lines] == ["Địa chí Kim Sơn"]
    assert lines[0]["marc"]["leader"]
    assert lines[0]["digital"] == [{"id": catalogue["objects"]["open"].pk, "label": "Bản số hóa mở", "url": link,
                                    "licence": "http://creativecommons.org/licenses/by/4.0/"}]

    everything = b"".join(_read(name) for name in files)
    for never in ("Hồ sơ mật", "Tài liệu mật", "SECRET-HL", "Sách đã rút", SECRET, "riêng@example.org", "T00000",
                  "120000", "NBCARD0042", "0912345678", "Phố Riêng", "Bản hạn chế", "Bản của hồ sơ mật",
                  *[f"/digital/{o.pk}/" for name, o in catalogue["objects"].items() if name != "open"]):
        assert never.encode() not in everything, never
    assert "library-nb-hl.csv.gz" not in files  # Hoa Lư holds only a restricted record
    assert not [p for p in opendata.directory().iterdir() if p.name.startswith(".")]  # no temp files left


def test_page_and_download(catalogue, client):
    response = client.get("/opendata")
    assert response.status_code == 200 and b"/opendata/all" not in response.content  # nothing built yet
    assert client.get("/opendata.json").json()["files"] == []
    opendata.build()
    page = client.get("/opendata").content.decode()
    assert "CC0 1.0" in page and "/opendata/all.mrc.gz" in page and "/opendata/library-nb-ks.csv.gz" in page
    assert "<time datetime=" in page
    assert "tài liệu số hóa mở" in page and 'href="/opendata.json"' in page  # Vietnamese first
    response = client.get("/opendata/all.jsonl.gz")
    assert response.status_code == 200
    body = gzip.decompress(b"".join(response.streaming_content))
    assert len(body.splitlines()) == 2
    listing = client.get("/opendata.json").json()
    assert listing["licence"]["name"] == "CC0 1.0" and "CC0 1.0" in listing["licence"]["statement"]
    entry = next(e for e in listing["files"] if e["file"] == "all.jsonl.gz")
    assert entry["url"] == "http://testserver/opendata/all.jsonl.gz" and entry["records"] == 2
    assert entry["licence"]["url"] and entry["generated_at"]
    assert client.get("/opendata/..%2Fmanifest.json").status_code == 404
    assert client.get("/opendata/manifest.json").status_code == 404
    assert client.get("/opendata/nothing.csv.gz").status_code == 404


def test_rebuild_replaces_atomically(catalogue):
    first = opendata.build()
    services.withdraw_record(catalogue["only_yenmo"])
    second = opendata.build()
    files = {e["file"]: e for e in second["files"]}
    assert files["all.csv.gz"]["records"] == 1
    assert "library-nb-ym.csv.gz" in files  # Yên Mô still holds a copy of the other record
    assert "Lễ hội".encode() not in _read("all.jsonl.gz")
    assert first["generated_at"] <= second["generated_at"]

    # Scheduled regeneration: the same build as a background task.
    from django_tasks_db.models import DBTaskResult

    call_command("opendata", "build", "--enqueue")
    assert DBTaskResult.objects.get().task_path.endswith("build_opendata_task")


def test_another_licence_gets_its_own_statement(catalogue, settings):
    settings.OPENDATA_LICENCE = {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/",
                                 "statement": ""}
    terms = opendata.build()["licence"]
    assert "CC BY 4.0" in terms["statement"] and "CC0" not in terms["statement"]
    settings.OPENDATA_LICENCE = {**settings.OPENDATA_LICENCE, "statement": "Ghi công Thư viện tỉnh."}
    assert opendata.licence()["statement"] == "Ghi công Thư viện tỉnh."

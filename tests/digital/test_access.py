"""Every path × every kind of visitor × every access level."""

import datetime as dt
import gzip
import os
import re
import subprocess
import sys

import pytest

from tests.digital.conftest import OFFSITE_IP, ONSITE_IP

LEVELS = ("open", "registered", "onsite", "staff", "closed")
# visitor -> the status each level gives (200, or the refusal)
EXPECTED = {
    "anonymous off site": dict(open=200, registered=403, onsite=403, staff=404, closed=404),
    "anonymous on site": dict(open=200, registered=403, onsite=200, staff=404, closed=404),
    "registered reader": dict(open=200, registered=200, onsite=403, staff=404, closed=404),
    "reader waiting for approval": dict(open=200, registered=403, onsite=403, staff=404, closed=404),
    "reader whose card expired": dict(open=200, registered=403, onsite=403, staff=404, closed=404),
    "desk staff of the owner": dict(open=200, registered=200, onsite=200, staff=200, closed=404),
    "staff of another library": dict(open=200, registered=200, onsite=200, staff=404, closed=404),
    "digitiser of the owner": dict(open=200, registered=200, onsite=200, staff=200, closed=200),
}


def _paths(obj):
    page = obj.files.order_by("order").first()
    size = min((p.name for p in (page_dir(page) / "full").iterdir()), key=lambda n: int(n.split(",")[0]))
    return {
        "viewer": f"/digital/{obj.pk}/",
        "manifest": f"/iiif/manifest/{obj.pk}.json",
        "Dublin Core": f"/digital/{obj.pk}/dc.xml",
        "info.json": f"/iiif/3/{page.pk}/info.json",
        "tile": f"/iiif/3/{page.pk}/0,0,512,512/512,512/0/default.jpg",
        "size": f"/iiif/3/{page.pk}/full/{size}/0/default.jpg",
        "rendered image": f"/iiif/3/{page.pk}/pct:10,10,50,50/,300/90/gray.png",
        "download": f"/digital/file/{page.pk}/download",
        "OCR text": f"/digital/file/{page.pk}/text",
        "hOCR": f"/digital/file/{page.pk}/hocr",
        "search inside": f"/iiif/search/{obj.pk}?q=Ninh",
    }


def page_dir(page):
    from thuvien.digital.models import media_path

    return media_path(page.iiif_dir)


def _reader(network, card, status="active", expires_on=None):
    from thuvien.circulation import services
    from thuvien.circulation.demo import load_categories_and_rules

    categories = load_categories_and_rules()
    reader = services.register_reader(None, network["NB-YM"], card, f"Bạn đọc {card}", categories["adult"],
                                      password="mat-khau-9")
    reader.status = status
    if expires_on:
        reader.expires_on = expires_on
    reader.save()
    return reader.user


def _visitor(name, staff, network):
    yesterday = dt.date.today() - dt.timedelta(days=1)
    return {
        "registered reader": lambda: _reader(network, "YM0001"),
        "reader waiting for approval": lambda: _reader(network, "YM0002", status="pending"),
        "reader whose card expired": lambda: _reader(network, "YM0003", expires_on=yesterday),
        "desk staff of the owner": lambda: staff["kimson_desk"],
        "staff of another library": lambda: staff["yenmo_catalog"],
        "digitiser of the owner": lambda: staff["kimson_catalog"],
    }.get(name, lambda: None)()


@pytest.mark.parametrize("visitor", list(EXPECTED))
def test_every_path_obeys_the_access_level(visitor, client, digitise, onsite, staff, network, record):
    ip = ONSITE_IP if visitor == "anonymous on site" else OFFSITE_IP
    user = _visitor(visitor, staff, network)
    if user is not None:
        client.force_login(user)
    obj = digitise("open")
    paths = _paths(obj)
    failures = []
    for level in LEVELS:
        obj.access = level
        obj.save()
        want = EXPECTED[visitor][level]
        for name, url in paths.items():
            got = client.get(url, REMOTE_ADDR=ip).status_code
            if got != want:
                failures.append(f"{level} {name}: {got} != {want}")
        shown = want == 200
        # the API lists the object (with its manifest and level) only to those who may see it
        for api in (f"/api/v1/records/{record.pk}", f"/api/v1/digital/records/{record.pk}"):
            listed = {o["id"]: o for o in client.get(api, REMOTE_ADDR=ip).json()["digital_objects"]}
            if (obj.pk in listed) != shown:
                failures.append(f"{level} {api} lists it: {obj.pk in listed}")
            elif shown and (listed[obj.pk]["access"] != level
                            or not listed[obj.pk]["manifest"].endswith(f"/iiif/manifest/{obj.pk}.json")):
                failures.append(f"{level} {api}: {listed[obj.pk]}")
        # the record page embeds the viewer, or says how to get access, or says nothing
        html = client.get(f"/record/{record.pk}/", REMOTE_ADDR=ip).content.decode()
        if (f'data-manifest="/iiif/manifest/{obj.pk}.json"' in html) != shown:
            failures.append(f"{level} record page viewer")
        if not shown and want == 404 and "record-digital" in html:
            failures.append(f"{level} record page mentions a hidden object")
        # catalogue search: the record is found by its title; page numbers and snippets of
        # the text only for those who may read the page
        results = client.get("/search/", {"q": "ninh binh"}, REMOTE_ADDR=ip).content.decode()
        assert f"/record/{record.pk}/" in results
        if ("<mark>Ninh Bình</mark>" in results or f"/digital/{obj.pk}/?q=" in results) != shown:
            failures.append(f"{level} search snippet shown: {not shown}")
    assert not failures, failures


@pytest.mark.parametrize("level", LEVELS)
def test_open_interfaces_show_open_objects_only(level, client, digitise, record, network, settings, tmp_path):
    """OAI-PMH, SRU and open data answer anyone: only an open object (and its text) shows."""
    from thuvien.digital.models import Collection
    from thuvien.interop import opendata

    collection = Collection.objects.create(code="KS-DIACHI", name="Địa chí Kim Sơn", library=network["NB-KS"])
    obj = digitise(level)
    obj.collection = collection
    obj.save()
    shown = level == "open"
    identifier = f"oai:thuvien.ninhbinh:{record.pk}"
    dc = client.get("/oai", {"verb": "GetRecord", "identifier": identifier, "metadataPrefix": "oai_dc"})
    assert (f"/digital/{obj.pk}/</dc:identifier>" in dc.content.decode()) == shown
    in_set = client.get("/oai", {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "collection:KS-DIACHI"})
    assert (identifier in in_set.content.decode()) == shown
    # a phrase that is only in the page text, not in the record
    sru = client.get("/sru", {"version": "1.2", "operation": "searchRetrieve", "query": '"dinh bo linh"'})
    assert re.search(r"numberOfRecords>(\d+)<", sru.content.decode()).group(1) == ("1" if shown else "0")
    settings.OPENDATA_DIR = tmp_path / "opendata"
    opendata.build()
    dumps = b"".join(gzip.decompress(p.read_bytes()) for p in (tmp_path / "opendata").glob("*.gz")).decode()
    assert "Địa chí Ninh Bình" in dumps  # the record itself is public
    assert "Đinh Bộ Lĩnh" not in dumps and "manifest" not in dumps
    assert (f"/digital/{obj.pk}/" in dumps) == shown  # open data links open objects only


def test_a_page_override_tightens_only_that_page(client, digitise):
    obj = digitise("open")
    first, second = obj.files.order_by("order")
    second.access = "staff"
    second.save()
    assert client.get(f"/iiif/3/{first.pk}/info.json").status_code == 200
    assert client.get(f"/iiif/3/{second.pk}/info.json").status_code == 404
    assert client.get(f"/iiif/3/{second.pk}/full/100,/0/default.jpg").status_code == 404
    manifest = client.get(f"/iiif/manifest/{obj.pk}.json").json()
    assert len(manifest["items"]) == 1
    [entry] = client.get(f"/api/v1/records/{obj.record_id}").json()["digital_objects"]
    assert entry["pages"] == 1  # the hidden page is not even counted
    hits = client.get(f"/iiif/search/{obj.pk}", {"q": "han nom"}).json()["items"]
    assert hits == []  # "Hán Nôm" is on the hidden page
    # and a looser override never opens a page of a closed object
    obj.access = "registered"
    obj.save()
    first.access = "open"
    first.save()
    assert client.get(f"/iiif/3/{first.pk}/info.json").status_code == 403


def test_a_page_override_takes_its_text_out_of_the_catalogue_index(digitise, record):
    from thuvien.search.service import SearchRequest, search

    obj = digitise("open")
    assert record.pk in search(SearchRequest(q='"dinh bo linh"')).ids
    first = obj.files.get(order=1)
    first.access = "registered"
    first.save()
    assert record.pk not in search(SearchRequest(q='"dinh bo linh"')).ids
    assert record.pk in search(SearchRequest(q='"han nom"')).ids  # page 2 is still open


def test_restricted_record_makes_its_objects_staff_only(client, digitise, record, staff):
    obj = digitise("open")
    record.visibility = "staff"
    record.save()
    assert client.get(f"/iiif/manifest/{obj.pk}.json").status_code == 404
    client.force_login(staff["kimson_desk"])
    assert client.get(f"/iiif/manifest/{obj.pk}.json").status_code == 200


def test_public_filters_for_open_interfaces(digitise, record):
    from thuvien.catalog.models import BibRecord
    from thuvien.digital.access import public_objects, public_record_filter

    obj = digitise("onsite")
    assert not BibRecord.objects.filter(public_record_filter()).exists()
    obj.access = "open"
    obj.save()
    assert list(public_objects()) == [obj]
    assert list(BibRecord.objects.filter(public_record_filter())) == [record]


def test_bad_ip_ranges_open_nothing(client, digitise, network):
    library = network["NB-KS"]
    library.onsite_ip_ranges = "not-a-network\n300.1.1.0/24"
    library.save()
    obj = digitise("onsite")
    assert client.get(f"/iiif/manifest/{obj.pk}.json", REMOTE_ADDR="300.1.1.5").status_code == 403


def test_forwarded_for_counts_only_from_a_trusted_proxy(client, digitise, onsite, settings):
    obj = digitise("onsite")
    url = f"/iiif/manifest/{obj.pk}.json"
    forged = {"REMOTE_ADDR": OFFSITE_IP, "HTTP_X_FORWARDED_FOR": ONSITE_IP}
    assert client.get(url, **forged).status_code == 403
    settings.DIGITAL_TRUSTED_PROXIES = "127.0.0.1/32"
    assert client.get(url, **forged).status_code == 403  # not from the proxy
    assert client.get(url, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {ONSITE_IP}").status_code == 200


def test_refusals_tell_the_reader_how_to_get_access(client, digitise, network):
    obj = digitise("registered")
    page = client.get(f"/digital/{obj.pk}/")
    assert page.status_code == 403 and "/account/login/?next=" in page.content.decode()
    record_page = client.get(f"/record/{obj.record_id}/").content.decode()
    assert "bạn đọc đã đăng ký" in record_page.lower() and "/account/login/" in record_page
    obj.access = "onsite"
    obj.save()
    assert "Thư viện huyện Kim Sơn" in client.get(f"/digital/{obj.pk}/").content.decode()


def test_library_administrators_set_their_on_site_networks(client, digitise, staff, network, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    obj = digitise("onsite")
    manifest = f"/iiif/manifest/{obj.pk}.json"
    assert client.get(manifest, REMOTE_ADDR="10.20.0.5").status_code == 403
    client.force_login(staff["kimson_catalog"])  # a cataloguer may not
    assert client.get("/staff/digital/onsite/").status_code == 403
    client.force_login(staff["kimson_admin"])
    page = client.get("/staff/digital/onsite/", REMOTE_ADDR="10.20.0.5").content.decode()
    assert "Thư viện huyện Kim Sơn" in page and "Thư viện huyện Yên Mô" not in page and "10.20.0.5" in page
    bad = client.post("/staff/digital/onsite/", {"library": network["NB-KS"].pk,
                                                 "ranges": "10.20.0.0/16\n10.30.0.0/33\n0.0.0.0/0"})
    html = bad.content.decode()
    assert bad.status_code == 200 and "10.30.0.0/33" in html and "dòng 2" in html and "dòng 3" in html
    network["NB-KS"].refresh_from_db()
    assert network["NB-KS"].onsite_ip_ranges == ""  # nothing half-saved
    assert client.post("/staff/digital/onsite/", {"library": network["NB-YM"].pk, "ranges": "10.0.0.0/8"}
                       ).status_code == 404  # another library's
    ok = client.post("/staff/digital/onsite/", {"library": network["NB-KS"].pk,
                                                "ranges": "10.20.0.0/16 # phòng đọc\n192.168.5.7"})
    assert ok.status_code == 302
    network["NB-KS"].refresh_from_db()
    assert network["NB-KS"].onsite_ip_ranges == "10.20.0.0/16  # phòng đọc\n192.168.5.7/32"
    client.logout()
    assert client.get(manifest, REMOTE_ADDR="10.20.0.5").status_code == 200  # at once, no stale cache
    assert client.get(manifest, REMOTE_ADDR="10.21.0.5").status_code == 403
    call_command("digital", "onsite", "NB-KS", "172.16.0.0/12")
    assert client.get(manifest, REMOTE_ADDR="10.20.0.5").status_code == 403
    assert client.get(manifest, REMOTE_ADDR="172.16.3.4").status_code == 200
    with pytest.raises(CommandError):
        call_command("digital", "onsite", "NB-KS", "not-an-address")


def test_a_change_from_another_process_reaches_cached_tiles_at_once(client, digitise, settings, tmp_path):
    """The image server caches page facts per process; a change saved by another process
    (a second gunicorn worker, the CLI) must close the page there at once, not minutes later."""
    from thuvien.digital.models import DigitalObject

    assert settings.MEDIA_ROOT == tmp_path / "media"  # the other process finds it from THUVIEN_DATA_DIR
    obj = digitise("open")
    tile = f"/iiif/3/{obj.files.order_by('order').first().pk}/full/max/0/default.jpg"
    assert client.get(tile).status_code == 200
    # The database changes without this process's signals, as when another process saves.
    DigitalObject.objects.filter(pk=obj.pk).update(access="closed")
    assert client.get(tile).status_code == 200  # still the cached facts
    subprocess.run([sys.executable, "-m", "thuvien.cli", "shell", "-c",
                    "from thuvien.digital import serving; serving.clear_cache()"],
                   env=dict(os.environ, THUVIEN_DATA_DIR=str(tmp_path),
                            DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}"), check=True)
    assert client.get(tile).status_code == 404

"""Every path × every kind of visitor × every access level."""

import pytest

from tests.digital.conftest import OFFSITE_IP, ONSITE_IP

LEVELS = ("open", "registered", "onsite", "staff", "closed")
# visitor -> the status each level gives (200, or the refusal)
EXPECTED = {
    "anonymous off site": dict(open=200, registered=403, onsite=403, staff=404, closed=404),
    "anonymous on site": dict(open=200, registered=403, onsite=200, staff=404, closed=404),
    "logged-in reader": dict(open=200, registered=200, onsite=403, staff=404, closed=404),
    "desk staff of the owner": dict(open=200, registered=200, onsite=200, staff=200, closed=404),
    "staff of another library": dict(open=200, registered=200, onsite=200, staff=404, closed=404),
    "digitiser of the owner": dict(open=200, registered=200, onsite=200, staff=200, closed=200),
}


def _paths(obj):
    page = obj.files.order_by("order").first()
    size = sorted((p.name for p in (page_dir(page) / "full").iterdir()), key=lambda n: int(n.split(",")[0]))[0]
    return {
        "viewer": f"/digital/{obj.pk}/",
        "manifest": f"/iiif/manifest/{obj.pk}.json",
        "Dublin Core": f"/digital/{obj.pk}/dc.xml",
        "info.json": f"/iiif/3/{page.pk}/info.json",
        "tile": f"/iiif/3/{page.pk}/0,0,512,512/512,512/0/default.jpg",
        "size": f"/iiif/3/{page.pk}/full/{size}/0/default.jpg",
        "download": f"/digital/file/{page.pk}/download",
        "OCR text": f"/digital/file/{page.pk}/text",
        "hOCR": f"/digital/file/{page.pk}/hocr",
        "search inside": f"/iiif/search/{obj.pk}?q=Ninh",
    }


def page_dir(page):
    from thuvien.digital.models import media_path

    return media_path(page.iiif_dir)


@pytest.mark.parametrize("visitor", list(EXPECTED))
def test_every_path_obeys_the_access_level(visitor, client, digitise, onsite, staff, record):
    from django.contrib.auth import get_user_model

    ip = ONSITE_IP if visitor == "anonymous on site" else OFFSITE_IP
    user = {
        "logged-in reader": lambda: get_user_model().objects.create_user("reader1", password="x"),
        "desk staff of the owner": lambda: staff["kimson_desk"],
        "staff of another library": lambda: staff["yenmo_catalog"],
        "digitiser of the owner": lambda: staff["kimson_catalog"],
    }.get(visitor, lambda: None)()
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
        listed = [o["id"] for o in client.get(f"/api/v1/digital/records/{record.pk}",
                                              REMOTE_ADDR=ip).json()["digital_objects"]]
        if (obj.pk in listed) != (want == 200):
            failures.append(f"{level} API lists it: {obj.pk in listed}")
    assert not failures, failures


def test_a_page_override_tightens_only_that_page(client, digitise):
    obj = digitise("open")
    first, second = obj.files.order_by("order")
    second.access = "staff"
    second.save()
    assert client.get(f"/iiif/3/{first.pk}/info.json").status_code == 200
    assert client.get(f"/iiif/3/{second.pk}/info.json").status_code == 404
    manifest = client.get(f"/iiif/manifest/{obj.pk}.json").json()
    assert len(manifest["items"]) == 1
    # and a looser override never opens a page of a closed object
    obj.access = "registered"
    obj.save()
    first.access = "open"
    first.save()
    assert client.get(f"/iiif/3/{first.pk}/info.json").status_code == 403


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

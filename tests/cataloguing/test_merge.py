"""Merging two records of one edition: nothing is lost."""

import pytest

from thuvien.catalog import marc
from thuvien.catalog.models import BibRecord
from thuvien.search.service import SearchRequest, search

from .conftest import isbn

pytestmark = pytest.mark.django_db


def test_merge_moves_items_identifiers_and_fields(login, network, make_record):
    keep = make_record("Truyện Kiều", authors=["Nguyễn, Du"], isbns=[isbn(21)], subjects=["Thơ"],
                       copies=[network["NB-KS"]], control="K1")
    other = make_record("Truyen Kieu (ban nhap)", authors=["Nguyễn, Du"], isbns=[isbn(21), isbn(22)],
                        subjects=["Thơ", "Văn học Việt Nam"], copies=[network["NB-YM"], network["NB-YM"]],
                        notes=["Bản của Yên Mô"], control="Y9")
    items_before = keep.items.count() + other.items.count()
    isbns_before = set(keep.identifiers.filter(kind="isbn").values_list("value", flat=True)) | set(
        other.identifiers.filter(kind="isbn").values_list("value", flat=True))
    barcodes = set(keep.items.values_list("barcode", flat=True)) | set(other.items.values_list("barcode", flat=True))

    assert login("kimson_catalog").post(f"/staff/catalog/records/{keep.pk}/merge/",
                                        {"other": other.pk, "keep": keep.pk}).status_code == 403
    client = login("kimson_admin")
    page = client.get(f"/staff/catalog/records/{keep.pk}/merge/", {"other": other.pk}).content.decode()
    assert "Truyen Kieu (ban nhap)" in page
    response = client.post(f"/staff/catalog/records/{keep.pk}/merge/", {"other": other.pk, "keep": keep.pk})
    assert response["Location"] == f"/staff/catalog/records/{keep.pk}/"

    keep.refresh_from_db()
    other.refresh_from_db()
    assert other.is_deleted and not keep.is_deleted
    assert keep.items.count() == items_before and other.items.count() == 0
    assert set(keep.items.values_list("barcode", flat=True)) == barcodes
    assert set(keep.identifiers.filter(kind="isbn").values_list("value", flat=True)) == isbns_before
    assert keep.title == "Truyện Kiều"
    assert keep.subjects == ["Thơ", "Văn học Việt Nam"]
    assert marc.notes_of(keep.marc) == ["Bản của Yên Mô"]
    assert [v["subfields"] for _, v in marc.fields(keep.marc, "035")] == [[{"a": "(VN-NBTV)Y9"}]]
    assert len(list(marc.fields(keep.marc, "245"))) == 1
    # The withdrawn record's page leads to the kept one.
    response = client.get(f"/staff/catalog/records/{other.pk}/")
    assert response["Location"] == f"/staff/catalog/records/{keep.pk}/"
    # Both were re-indexed: the kept one is found by the other's ISBN, the other is gone.
    found = search(SearchRequest(q=isbn(22)))
    assert found.ids == [keep.pk]
    assert other.pk not in search(SearchRequest(q="ban nhap")).ids
    assert BibRecord.objects.filter(is_deleted=False).count() == 1


def test_merge_refuses_self_and_unknown(login, network, make_record):
    record = make_record("Một")
    client = login("admin")
    response = client.post(f"/staff/catalog/records/{record.pk}/merge/", {"other": record.pk, "keep": record.pk})
    assert response.status_code == 200
    response = client.post(f"/staff/catalog/records/{record.pk}/merge/", {"other": "999999", "keep": record.pk})
    assert response.status_code == 200
    record.refresh_from_db()
    assert not record.is_deleted


def test_restricted_records_merge_only_with_restricted(network, make_record, staff):
    from django.core.exceptions import ValidationError

    from thuvien.cataloguing import merging

    public = make_record("Công khai", copies=[network["NB-KS"]])
    restricted = make_record("Hạn chế")
    restricted.visibility = "staff"
    restricted.save()
    with pytest.raises(ValidationError):
        merging.merge(staff["admin"], public, restricted)
    public.refresh_from_db()
    restricted.refresh_from_db()
    assert not public.is_deleted and not restricted.is_deleted and public.items.count() == 1


def test_merging_a_kept_record_again_keeps_the_redirects_right(login, network, make_record):
    a, b, c = make_record("Một", copies=[network["NB-KS"]]), make_record("Hai"), make_record("Ba")
    client = login("admin")
    client.post(f"/staff/catalog/records/{a.pk}/merge/", {"other": b.pk, "keep": b.pk})  # a -> b
    client.post(f"/staff/catalog/records/{b.pk}/merge/", {"other": c.pk, "keep": c.pk})  # b -> c
    for old in (a, b):
        assert client.get(f"/staff/catalog/records/{old.pk}/")["Location"] == f"/staff/catalog/records/{c.pk}/"
    assert c.items.count() == 1


def test_pages_speak_english_second(login, network, make_record):
    record = make_record("Sách")
    client = login("kimson_catalog")
    page = client.get(f"/staff/catalog/records/{record.pk}/edit/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Sửa biểu ghi" in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en"})
    page = client.get(f"/staff/catalog/records/{record.pk}/edit/")
    assert "Edit record" in page.content.decode()

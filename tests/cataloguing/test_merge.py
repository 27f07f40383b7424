"""Merging two records of one edition: everything moves, nothing is lost, rights are kept."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from lxml import etree

from thuvien.catalog import marc
from thuvien.catalog.models import BibRecord, Item, RecordIdentifier
from thuvien.cataloguing.models import RecordMerge
from thuvien.search.service import SearchRequest, search

from .conftest import isbn

pytestmark = pytest.mark.django_db
OAI = "{http://www.openarchives.org/OAI/2.0/}"


def reader(library, card="NB0001"):
    from thuvien.circulation.models import Reader, ReaderCategory

    category, _ = ReaderCategory.objects.get_or_create(code="adult", defaults={"name": "Người lớn"})
    return Reader.objects.create(card_number=card, name="Bạn đọc", home_library=library, category=category)


def snapshot():
    from thuvien.circulation.models import Hold
    from thuvien.digital.models import DigitalObject

    return (
        sorted(BibRecord.objects.values_list("id", "is_deleted", "updated_at")),
        sorted(Item.objects.values_list("barcode", "record_id")),
        sorted(RecordIdentifier.objects.values_list("record_id", "kind", "value")),
        sorted(Hold.objects.values_list("id", "record_id")),
        sorted(DigitalObject.objects.values_list("id", "record_id")),
        RecordMerge.objects.count(),
    )


def test_merge_moves_everything_and_loses_nothing(login, network, make_record, client, tmp_path):
    from thuvien.circulation.models import CopyRequest, Hold
    from thuvien.digital.models import DigitalObject

    ks, ym = network["NB-KS"], network["NB-YM"]
    keep = make_record("Truyện Kiều", authors=["Nguyễn, Du"], isbns=[isbn(21)], subjects=["Thơ"],
                       copies=[ks], control="K1")
    other = make_record("Đoạn trường tân thanh", authors=["Nguyễn Du"], isbns=[isbn(21), isbn(22)],
                        subjects=["Thơ", "Văn học Việt Nam"], copies=[ym, ym], notes=["Bản của Yên Mô"],
                        control="Y9")
    from thuvien.catalog import services

    lccn = {"010": {"ind1": " ", "ind2": " ", "subfields": [{"a": "2001312345"}]}}
    services.update_record(other, {**other.marc, "fields": other.marc["fields"][:2] + [lccn] + other.marc["fields"][2:]})
    # The loser's MARC as its library exported it, to import again after the merge.
    exported = tmp_path / "yen-mo.mrc"
    exported.write_bytes(marc.json_to_record(other.marc).as_marc())
    barcodes = set(Item.objects.values_list("barcode", flat=True))
    someone = reader(ym)
    hold = Hold.objects.create(reader=someone, record=other, pickup_library=ym, placed_at=timezone.now())
    copy_request = CopyRequest.objects.create(reader=someone, record=other, pages="1-10")
    scans = DigitalObject.objects.create(record=other, library=ym, label="Bản quét")

    client = login("admin")
    page = client.get(f"/staff/catalog/records/{keep.pk}/merge/", {"q": "doan truong tan thanh"}).content.decode()
    assert f"?other={other.pk}" in page  # found by searching, diacritics or not
    response = client.post(f"/staff/catalog/records/{keep.pk}/merge/", {"other": other.pk, "keep": keep.pk})
    assert response["Location"] == f"/staff/catalog/records/{keep.pk}/"

    keep.refresh_from_db()
    other.refresh_from_db()
    assert other.is_deleted and not keep.is_deleted
    assert set(keep.items.values_list("barcode", flat=True)) == barcodes and not other.items.exists()
    for moved in (hold, copy_request, scans):
        moved.refresh_from_db()
        assert moved.record_id == keep.pk
    # Identifiers: both ISBNs, the other's LCCN, and its 001/003 kept as an 035 that matching reads.
    kept_ids = set(keep.identifiers.values_list("kind", "value"))
    assert {("isbn", isbn(21)), ("isbn", isbn(22)), ("lccn", "2001312345"),
            ("control", "VN-NBTV|K1"), ("control", "VN-NBTV|Y9")} <= kept_ids
    assert [v["subfields"] for _, v in marc.fields(keep.marc, "035")] == [[{"a": "(VN-NBTV)Y9"}]]
    # MARC fields unique to the other: notes, subjects, its title as 246, its heading as 700.
    assert keep.title == "Truyện Kiều" and len(list(marc.fields(keep.marc, "245"))) == 1
    assert keep.subjects == ["Thơ", "Văn học Việt Nam"] and marc.notes_of(keep.marc) == ["Bản của Yên Mô"]
    assert [v["subfields"][0]["a"] for _, v in marc.fields(keep.marc, "246")] == ["Đoạn trường tân thanh"]
    assert keep.authors == ["Nguyễn, Du", "Nguyễn Du"]
    assert sum(1 for _ in marc.fields(keep.marc, "100", "110", "111", "130")) == 1
    # Search: the kept record is found by the other's ISBN and title; the other is gone.
    assert search(SearchRequest(q=isbn(22))).ids == [keep.pk]
    assert search(SearchRequest(q="doan truong tan thanh")).ids == [keep.pk]
    # Pages of the other lead to the kept record; OAI-PMH shows the other as deleted.
    assert client.get(f"/staff/catalog/records/{other.pk}/")["Location"] == f"/staff/catalog/records/{keep.pk}/"
    from thuvien.interop.oai.provider import make_identifier

    root = etree.fromstring(client.get("/oai", {"verb": "GetRecord", "identifier": make_identifier(other.pk),
                                                "metadataPrefix": "oai_dc"}).content)
    assert root.find(f".//{OAI}header").get("status") == "deleted"
    # Yên Mô imports its old file again: it matches the kept record, no duplicate comes back.
    call_command("marc", "import", str(exported), "--library", "NB-YM", "--no-progress",
                 "--rejects", str(tmp_path / "rejects.mrc"))
    assert BibRecord.objects.filter(is_deleted=False).count() == 1
    assert Item.objects.filter(record=keep).count() == 3


def test_a_cataloguer_merges_only_what_holds_their_own_copies(login, network, make_record):
    ks, ym = network["NB-KS"], network["NB-YM"]
    ours = make_record("Lịch sử Kim Sơn", copies=[ks])
    theirs = make_record("Lich su Kim Son", copies=[ym])
    client = login("kimson_catalog")
    before = snapshot()
    # Merging Yên Mô's record away would move Yên Mô's copy: refused, forged or not.
    response = client.post(f"/staff/catalog/records/{ours.pk}/merge/", {"other": theirs.pk, "keep": ours.pk})
    assert response.status_code == 403 and "Thư viện huyện Yên Mô" in response.content.decode()
    response = client.post(f"/staff/catalog/records/{theirs.pk}/merge/", {"other": ours.pk, "keep": ours.pk})
    assert response.status_code == 403
    assert snapshot() == before
    # Merging their own record into Yên Mô's is theirs to do: only Kim Sơn's copy moves.
    response = client.post(f"/staff/catalog/records/{theirs.pk}/merge/", {"other": ours.pk, "keep": theirs.pk})
    assert response["Location"] == f"/staff/catalog/records/{theirs.pk}/"
    assert sorted(theirs.items.values_list("library__code", flat=True)) == ["NB-KS", "NB-YM"]
    # Loan desk staff may not merge at all.
    third = make_record("Ba", copies=[ks])
    assert login("kimson_desk").post(f"/staff/catalog/records/{third.pk}/merge/",
                                     {"other": theirs.pk, "keep": theirs.pk}).status_code == 403


def test_digital_documents_of_another_library_do_not_move_without_rights(login, network, make_record):
    from thuvien.digital.models import DigitalObject

    ours = make_record("Ảnh làng cổ", copies=[network["NB-KS"]])
    scanned = make_record("Anh lang co")
    DigitalObject.objects.create(record=scanned, library=network["NB-TVT"], label="Bản số hóa")
    before = snapshot()
    response = login("kimson_catalog").post(f"/staff/catalog/records/{ours.pk}/merge/",
                                            {"other": scanned.pk, "keep": ours.pk})
    assert response.status_code == 403 and "Thư viện tỉnh Ninh Bình" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("case, message", [
    ("self", "Không thể gộp một biểu ghi với chính nó"),
    ("deleted", "còn hiệu lực"),
    ("unknown", "còn hiệu lực"),
    ("letters", "còn hiệu lực"),
    ("third", "Hãy chọn biểu ghi được giữ"),
    ("restricted", "chỉ có thể gộp với một biểu ghi hạn chế khác"),
    ("project", "dự án số hóa"),
    ("missing", "Hãy cho số của biểu ghi kia"),
])
def test_refused_merges_change_nothing(login, network, make_record, case, message):
    record = make_record("Một", copies=[network["NB-KS"]])
    other = make_record("Hai", copies=[network["NB-KS"]])
    third = make_record("Ba")
    post = {"other": other.pk, "keep": record.pk}
    if case == "self":
        post = {"other": record.pk, "keep": record.pk}
    elif case == "deleted":
        from thuvien.catalog import services

        services.withdraw_record(third)
        post = {"other": third.pk, "keep": record.pk}
    elif case == "unknown":
        post = {"other": "99999999", "keep": record.pk}
    elif case == "letters":
        post = {"other": "abc", "keep": record.pk}
    elif case == "third":
        post = {"other": other.pk, "keep": third.pk}
    elif case == "restricted":
        BibRecord.objects.filter(pk=other.pk).update(visibility="staff")
    elif case == "project":
        from thuvien.digital.models import (
            Collection,
            DigitisationItem,
            DigitisationProject,
        )

        collection = Collection.objects.create(code="DC", name="Địa chí", library=network["NB-KS"])
        project = DigitisationProject.objects.create(name="Số hóa 2025", library=network["NB-KS"],
                                                     collection=collection, target_count=10)
        DigitisationItem.objects.create(project=project, record=record)
        DigitisationItem.objects.create(project=project, record=other)
    elif case == "missing":
        post = {"keep": record.pk}
    before = snapshot()
    response = login("kimson_catalog").post(f"/staff/catalog/records/{record.pk}/merge/", post)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_merge_service_refuses_self_and_dead_records(network, make_record, staff):
    from django.core.exceptions import ValidationError

    from thuvien.catalog import services
    from thuvien.cataloguing import merging

    live, dead = make_record("Sống"), make_record("Chết")
    services.withdraw_record(dead)
    for keep, other in ((live, live), (live, dead), (dead, live)):
        with pytest.raises(ValidationError):
            merging.merge(staff["admin"], keep, other)
    live.refresh_from_db()
    assert not live.is_deleted and not RecordMerge.objects.exists()


def test_merging_a_kept_record_again_keeps_the_redirects_right(login, network, make_record):
    a, b, c = make_record("Một", copies=[network["NB-KS"]]), make_record("Hai"), make_record("Ba")
    client = login("admin")
    client.post(f"/staff/catalog/records/{a.pk}/merge/", {"other": b.pk, "keep": b.pk})  # a -> b
    client.post(f"/staff/catalog/records/{b.pk}/merge/", {"other": c.pk, "keep": c.pk})  # b -> c
    for old in (a, b):
        assert client.get(f"/staff/catalog/records/{old.pk}/")["Location"] == f"/staff/catalog/records/{c.pk}/"
    assert c.items.count() == 1


def test_withdrawing_is_refused_while_readers_or_scans_need_the_record(login, network, make_record):
    from thuvien.catalog import services
    from thuvien.circulation.models import Hold
    from thuvien.digital.models import DigitalObject

    record = make_record("Sách cũ", copies=[network["NB-KS"]])
    services.update_item(None, record.items.get(), status="withdrawn")
    hold = Hold.objects.create(reader=reader(network["NB-KS"]), record=record, pickup_library=network["NB-KS"],
                               placed_at=timezone.now() - datetime.timedelta(days=1))
    admin = login("kimson_admin")
    page = admin.post(f"/staff/catalog/records/{record.pk}/withdraw/", follow=True).content.decode()
    assert "đang đặt mượn" in page
    hold.status = "cancelled"
    hold.save()
    scans = DigitalObject.objects.create(record=record, library=network["NB-KS"])
    assert "tài liệu số" in admin.post(f"/staff/catalog/records/{record.pk}/withdraw/", follow=True).content.decode()
    scans.delete()
    record.refresh_from_db()
    assert not record.is_deleted
    admin.post(f"/staff/catalog/records/{record.pk}/withdraw/")
    record.refresh_from_db()
    assert record.is_deleted


def test_pages_speak_english_second(login, network, make_record):
    record = make_record("Sách")
    client = login("kimson_catalog")
    page = client.get(f"/staff/catalog/records/{record.pk}/edit/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Sửa biểu ghi" in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en"})
    page = client.get(f"/staff/catalog/records/{record.pk}/edit/")
    assert "Edit record" in page.content.decode()


def test_merged_marc_keeps_one_of_each_single_field():
    from thuvien.cataloguing.merging import merged_marc

    def rec(*fields):
        return {"leader": "00000nam a2200000 i 4500", "fields": list(fields)}

    keep = rec({"001": "A"}, {"010": {"ind1": " ", "ind2": " ", "subfields": [{"a": "111"}]}},
               {"100": {"ind1": "1", "ind2": " ", "subfields": [{"a": "Lê, Văn A."}]}},
               {"245": {"ind1": "1", "ind2": "0", "subfields": [{"a": "Một"}]}})
    other = rec({"001": "B"}, {"010": {"ind1": " ", "ind2": " ", "subfields": [{"a": "222"}]}},
                {"110": {"ind1": "2", "ind2": " ", "subfields": [{"a": "Hội Văn học."}]}},
                {"245": {"ind1": "1", "ind2": "0", "subfields": [{"a": "Một"}]}})
    merged = merged_marc(keep, other)
    tags = [next(iter(f)) for f in merged["fields"]]
    assert tags == ["001", "010", "035", "100", "245", "710"]
    assert next(v for t, v in marc.fields(merged, "010"))["subfields"] == [{"a": "111"}, {"z": "222"}]
    assert not list(marc.fields(merged, "246"))  # the same title is not repeated
    from thuvien.cataloguing.marceditor import structure_errors

    assert structure_errors(merged) == []


def test_a_record_without_isbn_is_found_again_by_its_old_control_number(login, network, make_record, tmp_path):
    keep = make_record("Gia phả họ Phạm", control="KS77", copies=[network["NB-KS"]])
    other = make_record("Gia pha ho Pham", control="YM88", copies=[network["NB-YM"]])
    exported = tmp_path / "yen-mo.mrc"
    exported.write_bytes(marc.json_to_record(other.marc).as_marc())
    response = login("admin").post(f"/staff/catalog/records/{keep.pk}/merge/", {"other": other.pk, "keep": keep.pk})
    assert response.status_code == 302
    call_command("marc", "import", str(exported), "--library", "NB-YM", "--no-progress",
                 "--rejects", str(tmp_path / "rejects.mrc"))
    assert list(BibRecord.objects.filter(is_deleted=False).values_list("pk", flat=True)) == [keep.pk]

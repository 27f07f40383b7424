"""The simple form and the MARC editor edit the same record; who may edit."""

import pytest

from thuvien.catalog import marc
from thuvien.catalog.models import BibRecord

from .conftest import isbn

pytestmark = pytest.mark.django_db


def field_values(record, tag):
    return [v for t, v in marc.fields(record.marc, tag)]


def test_create_with_simple_form_builds_marc21(login, network):
    client = login("kimson_catalog")
    response = client.post("/staff/catalog/records/new/", {
        "title": "Địa chí Ninh Bình : tập 1", "authors": "Trần, Văn Tuấn\nLê, Thị Hoa",
        "publisher": "Chính trị quốc gia", "place": "Hà Nội", "year": "2010", "isbns": isbn(1),
        "ddc": "915.9739", "subjects": "Địa chí -- Ninh Bình\nLịch sử", "language": "vie",
        "physical": "1200 tr. : ảnh ; 27 cm",
    })
    record = BibRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/catalog/records/{record.pk}/"
    assert record.title == "Địa chí Ninh Bình : tập 1"
    assert record.authors == ["Trần, Văn Tuấn", "Lê, Thị Hoa"] and record.year == 2010
    assert record.isbns == [isbn(1)] and record.ddc == "915.9739"
    assert record.subjects == ["Địa chí -- Ninh Bình", "Lịch sử"]
    title = field_values(record, "245")[0]["subfields"]
    assert title == [{"a": "Địa chí Ninh Bình :"}, {"b": "tập 1 /"}, {"c": "Trần Văn Tuấn ; Lê Thị Hoa."}]
    assert field_values(record, "264")[0]["subfields"] == [{"a": "Hà Nội :"}, {"b": "Chính trị quốc gia,"}, {"c": "2010."}]
    fixed = marc.control(record.marc, "008")
    assert len(fixed) == 40 and fixed[7:11] == "2010" and fixed[35:38] == "vie"
    assert len(record.marc["leader"]) == 24
    assert field_values(record, "300")[0]["subfields"] == [{"a": "1200 tr. :"}, {"b": "ảnh ;"}, {"c": "27 cm"}]
    assert record.identifiers.filter(kind="isbn", value=isbn(1)).exists()


def test_bad_isbn_and_year_are_refused_in_vietnamese(login, network, make_record):
    record = make_record("Sách cũ", authors=["A, B"])
    before = record.marc
    client = login("kimson_catalog")
    response = client.post(f"/staff/catalog/records/{record.pk}/edit/", {
        "title": "Sách mới", "isbns": "978-604-000000-1", "year": "năm ngoái", "language": "vie"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "không hợp lệ" in text and "không phải là một năm" in text
    record.refresh_from_db()
    assert record.marc == before and record.title == "Sách cũ"


def test_simple_form_and_marc_editor_edit_the_same_record(login, network, make_record):
    record = make_record("Truyện Kiều", authors=["Nguyễn, Du"], year=1990, subjects=["Văn học Việt Nam"],
                         notes=["Ghi chú của chuyên gia"], pages=300)
    client = login("yenmo_catalog")
    # Simple form edit...
    form = client.get(f"/staff/catalog/records/{record.pk}/edit/").content.decode()
    assert "Truyện Kiều" in form and "Nguyễn, Du" in form
    client.post(f"/staff/catalog/records/{record.pk}/edit/", {
        "title": "Truyện Kiều : bản mới", "authors": "Nguyễn, Du", "publisher": "Văn học", "place": "Hà Nội",
        "year": "1991", "isbns": isbn(7), "subjects": "Văn học Việt Nam\nThơ", "language": "vie",
        "physical": "300 tr. ; 21 cm."})
    # ...shows in the MARC editor, with the expert's other fields kept.
    editor = client.get(f"/staff/catalog/records/{record.pk}/marc/").content.decode()
    assert "$a Truyện Kiều : $b bản mới /" in editor
    assert "$a Ghi chú của chuyên gia" in editor and isbn(7) in editor and "$a Thơ" in editor
    # A MARC editor edit...
    record.refresh_from_db()
    from thuvien.cataloguing.marceditor import to_rows

    rows = to_rows(record.marc)
    rows = [r for r in rows if r.tag != "650" or "Thơ" not in r.value]
    post = {"leader": record.marc["leader"], "tag": [], "ind1": [], "ind2": [], "value": []}
    for r in rows:
        value = r.value.replace("bản mới", "bản chú giải") if r.tag == "245" else r.value
        for key, v in (("tag", r.tag), ("ind1", r.ind1), ("ind2", r.ind2), ("value", value)):
            post[key].append(v)
    for key, v in (("tag", "520"), ("ind1", " "), ("ind2", " "), ("value", "$a Tóm tắt: giá {dollar}5")):
        post[key].append(v)
    response = client.post(f"/staff/catalog/records/{record.pk}/marc/", post)
    assert response.status_code == 302
    # ...shows in the simple form.
    form = client.get(f"/staff/catalog/records/{record.pk}/edit/").content.decode()
    assert "Truyện Kiều : bản chú giải" in form and "Thơ" not in form
    record.refresh_from_db()
    assert record.subjects == ["Văn học Việt Nam"]
    assert [v["subfields"] for v in field_values(record, "520")] == [[{"a": "Tóm tắt: giá $5"}]]
    assert field_values(record, "500")  # never lost along the way


@pytest.mark.parametrize("change, message", [
    ({"leader": "00000nam a22"}, "24 ký tự"),
    ({"leader": "00000xam a2200000 i 4500"}, "Vị trí 05"),
    ({"008": "2601"}, "40 ký tự"),
    ({"tag": "24"}, "ba chữ số"),
    ({"ind1": "##"}, "một ký tự"),
    ({"value": "Không có mã trường con"}, "$a"),
])
def test_marc_editor_validation(login, network, make_record, change, message):
    record = make_record("Sách", authors=["A, B"])
    before = record.marc
    from thuvien.cataloguing.marceditor import to_rows

    rows = to_rows(record.marc)
    post = {"leader": change.get("leader", record.marc["leader"]), "tag": [], "ind1": [], "ind2": [], "value": []}
    for r in rows:
        entry = {"tag": r.tag, "ind1": r.ind1, "ind2": r.ind2, "value": r.value}
        if r.tag == "008" and "008" in change:
            entry["value"] = change["008"]
        if r.tag == "245":
            entry.update({k: v for k, v in change.items() if k in ("tag", "ind1", "value")})
        for key in ("tag", "ind1", "ind2", "value"):
            post[key].append(entry[key])
    response = login("kimson_catalog").post(f"/staff/catalog/records/{record.pk}/marc/", post)
    assert response.status_code == 200
    assert message in response.content.decode()
    record.refresh_from_db()
    assert record.marc == before


def test_who_may_edit_and_withdraw(login, network, make_record, client):
    record = make_record("Sách chung", copies=[network["NB-YM"]])
    assert client.get(f"/staff/catalog/records/{record.pk}/edit/").status_code == 302  # to the login page
    assert login("kimson_desk").get(f"/staff/catalog/records/{record.pk}/edit/").status_code == 403
    # Any cataloguer edits the shared record, even one held only by another library.
    assert login("kimson_catalog").get(f"/staff/catalog/records/{record.pk}/edit/").status_code == 200
    assert login("kimson_catalog").post(f"/staff/catalog/records/{record.pk}/withdraw/").status_code == 403
    admin = login("kimson_admin")
    response = admin.post(f"/staff/catalog/records/{record.pk}/withdraw/", follow=True)
    assert "vẫn còn bản sách" in response.content.decode()  # Yên Mô's copy is still on it
    record.refresh_from_db()
    assert not record.is_deleted
    from thuvien.catalog import services

    services.update_item(None, record.items.get(), status="withdrawn")
    # Yên Mô's withdrawn copy is still Yên Mô's history: not Kim Sơn's to withdraw.
    response = admin.post(f"/staff/catalog/records/{record.pk}/withdraw/", follow=True)
    assert "của thư viện khác" in response.content.decode()
    record.refresh_from_db()
    assert not record.is_deleted
    response = login("admin").post(f"/staff/catalog/records/{record.pk}/withdraw/")
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.is_deleted

"""The simple form and the MARC editor edit the same record; who may edit."""
import re

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


def editor_post(record, rows, leader=None, version=None):
    post = {"leader": leader or record.marc["leader"], "tag": [], "ind1": [], "ind2": [], "value": []}
    if version:
        post["version"] = version
    for r in rows:
        for key in ("tag", "ind1", "ind2", "value"):
            post[key].append(getattr(r, key))
    return post


@pytest.mark.parametrize("case, message", [
    ("empty 245", "trường con $a bị trống"),
    ("245 of punctuation", "phải có nhan đề ở $a"),
    ("two 245", "Trường 245 chỉ được có một lần"),
    ("two main entries", "tối đa một tiêu đề chính"),
    ("empty subfield", "trường con $b bị trống"),
    ("map with short 008", "phải có đúng 40 ký tự"),
    ("bad date 2", "008/11–14"),
    ("empty control field", "trường kiểm soát phải có dữ liệu"),
    ("tag 000", "từ 001 đến 999"),
    ("upper-case indicator", "chữ cái thường"),
    ("field too long", "quá dài cho một biểu ghi MARC"),
    ("no 245", "cần có trường nhan đề (245)"),
])
def test_marc_editor_refuses_invalid_marc(login, network, make_record, case, message):
    from thuvien.cataloguing.marceditor import Row, to_rows

    record = make_record("Sách", authors=["A, B"])
    before = record.marc
    rows, leader = to_rows(record.marc), None
    title = Row("245", "1", "0", "$a Sách")
    changes = {
        "empty 245": lambda rows: [r if r.tag != "245" else Row("245", "1", "0", "$a") for r in rows],
        "245 of punctuation": lambda rows: [r if r.tag != "245" else Row("245", "1", "0", "$a  / $c Ai.") for r in rows],
        "two 245": lambda rows: rows + [title],
        "two main entries": lambda rows: rows + [Row("110", "2", " ", "$a Hội Nhà văn")],
        "empty subfield": lambda rows: rows + [Row("500", " ", " ", "$a Ghi chú $b")],
        "map with short 008": lambda rows: [r if r.tag != "008" else Row("008", "", "", r.value[:38]) for r in rows],
        "bad date 2": lambda rows: [r if r.tag != "008" else Row("008", "", "", r.value[:11] + "20x5" + r.value[15:])
                                    for r in rows],
        "empty control field": lambda rows: [Row("001", "", "", "  ")] + rows,
        "tag 000": lambda rows: rows + [Row("000", "", "", "x")],
        "upper-case indicator": lambda rows: rows + [Row("500", "A", " ", "$a Ghi chú")],
        "field too long": lambda rows: rows + [Row("500", " ", " ", "$a " + "ư" * 5000)],
        "no 245": lambda rows: [r for r in rows if r.tag != "245"],
    }
    rows = changes[case](rows)
    if case == "map with short 008":
        leader = record.marc["leader"][:6] + "e" + record.marc["leader"][7:]  # a map: 008 is 40 characters too
    response = login("kimson_catalog").post(f"/staff/catalog/records/{record.pk}/marc/",
                                            editor_post(record, rows, leader))
    assert response.status_code == 200
    assert message in response.content.decode()
    record.refresh_from_db()
    assert record.marc == before


def test_marc_editor_takes_hash_for_blank_and_long_records(login, network, make_record):
    from thuvien.cataloguing.marceditor import Row, to_rows

    record = make_record("Sách nhiều ghi chú", authors=["A, B"])
    rows = to_rows(record.marc) + [Row("500", "#", "_", f"$a Ghi chú {n}") for n in range(400)]
    response = login("kimson_catalog").post(f"/staff/catalog/records/{record.pk}/marc/", editor_post(record, rows))
    assert response.status_code == 302  # 1,600 inputs in one form
    record.refresh_from_db()
    notes = [v for t, v in marc.fields(record.marc, "500")]
    assert len(notes) == 400 and {(v["ind1"], v["ind2"]) for v in notes} == {(" ", " ")}


def test_simple_form_refuses_a_second_record_with_the_same_isbn(login, network, make_record):
    existing = make_record("Dế Mèn phiêu lưu ký", isbns=[isbn(40)], copies=[network["NB-YM"]])
    client = login("kimson_catalog")
    form = {"title": "Dế mèn phiêu lưu kí", "isbns": isbn(40)[3:12] + "X", "language": "vie"}  # not valid...
    assert "không hợp lệ" in client.post("/staff/catalog/records/new/", form).content.decode()
    from thuvien.catalog.identifiers import isbn10_check_digit

    ten = isbn(40)[3:12] + isbn10_check_digit(isbn(40)[3:12])  # ...the same ISBN written as ISBN-10
    response = client.post("/staff/catalog/records/new/", {**form, "isbns": ten})
    page = response.content.decode()
    assert "ISBN này đã có trong mục lục liên hợp" in page
    assert f"/staff/catalog/records/{existing.pk}/items/add/" in page  # add copies instead
    assert BibRecord.objects.count() == 1
    response = client.post("/staff/catalog/records/new/", {**form, "isbns": ten, "duplicate_ok": "1"})
    assert response.status_code == 302, re.findall(r"<li>([^<]*)</li>", response.content.decode())
    assert BibRecord.objects.count() == 2
    # Giving another record that ISBN is caught the same way.
    other = make_record("Sách khác")
    page = client.post(f"/staff/catalog/records/{other.pk}/edit/",
                       {"title": "Sách khác", "isbns": isbn(40), "language": "vie"}).content.decode()
    assert "ISBN này đã có trong mục lục liên hợp" in page
    other.refresh_from_db()
    assert other.isbns == []
    # Editing a record may keep its own ISBN, of course.
    response = client.post(f"/staff/catalog/records/{existing.pk}/edit/",
                           {"title": "Dế Mèn phiêu lưu ký (in lần 2)", "isbns": isbn(40), "language": "vie"})
    assert response.status_code == 302


def test_simple_form_checks_the_ddc_number(login, network, make_record):
    record = make_record("Sách", ddc="895.922")
    client = login("kimson_catalog")
    for ddc in ("V23", "895.922 T450H", "89", "abc"):
        page = client.post(f"/staff/catalog/records/{record.pk}/edit/",
                           {"title": "Sách", "ddc": ddc, "language": "vie"}).content.decode()
        assert "không phải là chỉ số phân loại DDC" in page
    for ddc in ("895.9223", "895.922/334", "959.7"):
        assert client.post(f"/staff/catalog/records/{record.pk}/edit/",
                           {"title": "Sách", "ddc": ddc, "language": "vie"}).status_code == 302
    record.refresh_from_db()
    assert record.ddc == "959.7"


def test_two_editors_open_at_once_do_not_overwrite_each_other(login, network, make_record):
    from thuvien.cataloguing.marceditor import to_rows

    record = make_record("Truyện Kiều", authors=["Nguyễn, Du"])
    simple, expert = login("kimson_catalog"), login("yenmo_catalog")
    # Both open the record; the expert saves first.
    simple_page = simple.get(f"/staff/catalog/records/{record.pk}/edit/").content.decode()
    version = simple_page.split('name="version" value="')[1].split('"')[0]
    assert expert.get(f"/staff/catalog/records/{record.pk}/marc/").status_code == 200
    rows = to_rows(record.marc)
    rows = [r if r.tag != "245" else type(r)("245", "1", "0", "$a Truyện Kiều : $b bản Yên Mô") for r in rows]
    assert expert.post(f"/staff/catalog/records/{record.pk}/marc/",
                       editor_post(record, rows, version=version)).status_code == 302
    # The simple form, opened before that save, is refused, and says why.
    response = simple.post(f"/staff/catalog/records/{record.pk}/edit/", {
        "title": "Truyện Kiều : bản Kim Sơn", "authors": "Nguyễn, Du", "language": "vie", "version": version})
    assert "Người khác đã lưu biểu ghi này" in response.content.decode()
    record.refresh_from_db()
    assert record.title == "Truyện Kiều : bản Yên Mô"


def test_records_from_the_simple_form_open_and_save_unchanged_in_the_marc_editor(login, network):
    from thuvien.cataloguing.marceditor import to_rows

    client = login("kimson_catalog")
    client.post("/staff/catalog/records/new/", {
        "title": "Non nước Ninh Bình", "authors": "Lê, Văn A\nTrần, Thị B", "publisher": "Văn hóa",
        "place": "Ninh Bình", "year": "2019", "isbns": isbn(41), "ddc": "915.9739",
        "subjects": "Du lịch -- Ninh Bình", "language": "vie", "physical": "200 tr. : ảnh ; 24 cm"})
    record = BibRecord.objects.get()
    before = record.marc
    response = client.post(f"/staff/catalog/records/{record.pk}/marc/", editor_post(record, to_rows(record.marc)))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.marc == before

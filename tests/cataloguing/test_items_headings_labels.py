"""Items within one's library, barcode and spine labels, heading suggestions."""

import io

import pytest
from pypdf import PdfReader

from thuvien.catalog.models import Item

pytestmark = pytest.mark.django_db


def test_add_and_edit_items_only_in_own_library(login, network, make_record):
    record = make_record("Sách chung", ddc="895.922", copies=[network["NB-YM"]])
    yen_mo_item = record.items.get()
    client = login("kimson_catalog")
    form = client.get(f"/staff/catalog/records/{record.pk}/items/add/").content.decode()
    assert "Kim Sơn" in form and "Yên Mô" not in form
    response = client.post(f"/staff/catalog/records/{record.pk}/items/add/", {
        "library": network["NB-KS"].pk, "barcode": "KS-9001", "call_number": "895.922 T450H",
        "item_type": "book", "status": "available", "price": "85.000"})
    assert response.status_code == 302
    item = Item.objects.get(barcode="KS-9001")
    assert item.library == network["NB-KS"] and item.price == 85000
    # Yên Mô: not through the add form, not through the edit form.
    response = client.post(f"/staff/catalog/records/{record.pk}/items/add/", {
        "library": network["NB-YM"].pk, "barcode": "YM-FORGED"})
    assert response.status_code == 200 and not Item.objects.filter(barcode="YM-FORGED").exists()
    assert client.get(f"/staff/catalog/items/{yen_mo_item.pk}/edit/").status_code == 403
    assert client.post(f"/staff/catalog/items/{yen_mo_item.pk}/edit/", {
        "library": network["NB-YM"].pk, "barcode": "CHANGED"}).status_code == 403
    response = client.post(f"/staff/catalog/items/{item.pk}/edit/", {
        "library": network["NB-YM"].pk, "barcode": "KS-9001"})  # moving it to Yên Mô
    item.refresh_from_db()
    assert item.library == network["NB-KS"]
    # A duplicate barcode is refused with a message, nothing changes.
    response = client.post(f"/staff/catalog/items/{item.pk}/edit/", {
        "library": network["NB-KS"].pk, "barcode": yen_mo_item.barcode, "status": "available"})
    assert response.status_code == 200 and "đã được dùng" in response.content.decode()
    item.refresh_from_db()
    assert item.barcode == "KS-9001"
    client.post(f"/staff/catalog/items/{item.pk}/edit/", {
        "library": network["NB-KS"].pk, "barcode": "KS-9002", "status": "damaged", "call_number": "895.922 T450H"})
    item.refresh_from_db()
    assert (item.barcode, item.status) == ("KS-9002", "damaged")
    # A copy on loan keeps its status: the loan desk sets and clears it.
    from thuvien.catalog import services

    services.update_item(None, item, status="on_loan")
    client.post(f"/staff/catalog/items/{item.pk}/edit/", {
        "library": network["NB-KS"].pk, "barcode": "KS-9002", "status": "available", "notes": "bìa rách"})
    item.refresh_from_db()
    assert (item.status, item.notes) == ("on_loan", "bìa rách")


def test_labels_pdf_holds_the_barcodes_of_own_library(login, network, make_record, tmp_path):
    record = make_record("Địa chí Ninh Bình", ddc="915.9739", copies=[network["NB-KS"], network["NB-KS"], network["NB-YM"]])
    ours = list(record.items.filter(library=network["NB-KS"]).values_list("barcode", flat=True))
    theirs = record.items.get(library=network["NB-YM"]).barcode
    client = login("kimson_catalog")
    response = client.get("/staff/catalog/labels.pdf", {"kind": "barcode", "record": record.pk})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert all(code in text for code in ours) and theirs not in text
    assert "Thư viện huyện Kim Sơn" in text and "Địa chí Ninh Bình" in text  # Vietnamese via DejaVu
    (tmp_path / "barcode.pdf").write_bytes(response.content)
    response = client.get("/staff/catalog/labels.pdf", {"kind": "spine", "record": record.pk})
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "915.9739" in text
    # A sheet with no copies of one's library gives a message, not an empty PDF.
    other = make_record("Khác", copies=[network["NB-YM"]])
    assert client.get("/staff/catalog/labels.pdf", {"record": other.pk}).status_code == 302


def scanned(pdf, dpi=203):
    """What a scanner reads from each printed page: (text, format, x, y) per barcode, at label-printer dpi."""
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            image = page.render(scale=dpi / 72).to_pil()
            pages.append([(r.text, r.format.name, r.position.top_left.x, r.position.top_left.y)
                          for r in zxingcpp.read_barcodes(image)])
        return pages
    finally:
        document.close()


def test_barcode_labels_scan_back_as_code128_of_the_right_copies(login, network, make_record):
    from thuvien.catalog import services

    record = make_record("Địa chí Ninh Bình", ddc="915.9739")
    codes = ["KS-2025-000001", "KS.0042", "NB/KS/7", "0123456789", "ks-lower-case"]
    codes += [f"KS{n:06d}" for n in range(25)]  # 30 labels: two A4 sheets of 24
    for code in codes:
        services.add_item(None, record, network["NB-KS"], barcode=code, call_number="915.9739 Đ301C")
    services.add_item(None, record, network["NB-YM"], barcode="YM-NOT-MINE")
    response = login("kimson_catalog").get("/staff/catalog/labels.pdf", {"kind": "barcode", "record": record.pk})
    pages = scanned(response.content)
    assert [len(p) for p in pages] == [24, 6]
    assert sorted(text for p in pages for text, *_ in p) == sorted(codes)
    assert {fmt for p in pages for _, fmt, *_ in p} == {"Code128"}
    # Starting on the 5th label of a used sheet: the first row stays empty, one more page is not needed.
    response = login("kimson_catalog").get("/staff/catalog/labels.pdf",
                                           {"kind": "barcode", "items": ",".join(
                                               str(pk) for pk in record.items.filter(
                                                   barcode__in=codes[:3]).values_list("pk", flat=True)),
                                            "start": "5"})
    (page,) = scanned(response.content)
    assert sorted(t for t, *_ in page) == sorted(codes[:3])
    row = 37 / 25.4 * 203  # one row of labels (37 mm) at 203 dpi; the rows fill the A4 height
    assert sorted(int(y // row) for *_, y in page) == [1, 1, 2]  # slots 5, 6 (second row) and 7 (third)


@pytest.mark.parametrize("query", [
    {"record": "abc"}, {"record": "99999999999999999999"}, {"items": "1,,abc,99999999999999999999999"},
    {"library": "1", "since": "2025-13-45T99:00"}, {"library": "abc", "since": "garbage"}, {"kind": "x"},
    {"record": "1", "start": "-4"},
])
def test_label_requests_with_nonsense_give_a_message(login, network, query):
    response = login("kimson_catalog").get("/staff/catalog/labels.pdf", query, HTTP_REFERER="http://evil.example/")
    assert response.status_code == 302 and response["Location"] == "/staff/catalog/"


@pytest.mark.parametrize("post, message", [
    ({"barcode": "ĐKCB-01"}, "không dấu"),
    ({"barcode": "KS 01"}, "không có khoảng trắng"),
    ({"barcode": "K" * 65}, "dài quá 64 ký tự"),
    ({"barcode": ""}, "Cần có mã vạch"),
    ({"barcode": "KS-P1", "price": "1e50"}, "số đồng nguyên"),
    ({"barcode": "KS-P2", "price": "NaN"}, "số đồng nguyên"),
    ({"barcode": "KS-P3", "price": "-5"}, "số đồng nguyên"),
    ({"barcode": "KS-P4", "price": "9" * 13}, "Giá quá lớn"),
    ({"barcode": "KS-L1", "library": "abc"}, "Hãy chọn một thư viện của bạn"),
    ({"barcode": "KS-L2", "library": "99999999999999999999"}, "Hãy chọn một thư viện của bạn"),
    ({"barcode": "KS-L3", "location": "abc"}, "thuộc thư viện khác"),
])
def test_bad_copy_values_are_refused_in_vietnamese(login, network, make_record, post, message):
    record = make_record("Sách", copies=[network["NB-KS"]])
    before = sorted(Item.objects.values_list("barcode", "price"))
    response = login("kimson_catalog").post(f"/staff/catalog/records/{record.pk}/items/add/",
                                            {"library": network["NB-KS"].pk, **post})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert sorted(Item.objects.values_list("barcode", "price")) == before


def test_prices_as_librarians_write_them(login, network, make_record):
    record = make_record("Sách")
    client = login("kimson_catalog")
    for barcode, price in (("KS-A", "85.000"), ("KS-B", "85,000 đ"), ("KS-C", "120000")):
        assert client.post(f"/staff/catalog/records/{record.pk}/items/add/",
                           {"library": network["NB-KS"].pk, "barcode": barcode, "price": price}).status_code == 302
    assert sorted(Item.objects.values_list("barcode", "price")) == [("KS-A", 85000), ("KS-B", 85000), ("KS-C", 120000)]


def test_an_old_barcode_may_stay_when_the_copy_is_edited(login, network, make_record):
    from thuvien.catalog import services

    record = make_record("Sách")
    item = services.add_item(None, record, network["NB-KS"], barcode="KS 0001 CU")  # from an earlier system
    response = login("kimson_catalog").post(f"/staff/catalog/items/{item.pk}/edit/", {
        "library": network["NB-KS"].pk, "barcode": "KS 0001 CU", "status": "damaged"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "damaged"


def test_spine_lines():
    from thuvien.cataloguing.labels import spine_lines

    assert spine_lines("895.922 T450H 2020") == ["895.922", "T450H", "2020"]
    assert spine_lines("915.973912345") == ["915", ".9739", "1234", "5"]
    assert spine_lines("398 VŨ,") == ["398", "VŨ"]
    assert spine_lines("") == ["—"]


def test_headings_suggest_diacritic_insensitive_most_used_first(login, network, make_record):
    make_record("A", authors=["Nguyễn, Du"], subjects=["Văn học Việt Nam", "Thơ"])
    make_record("B", authors=["Nguyễn, Du"], subjects=["Văn học Việt Nam"])
    make_record("C", authors=["Ngô, Tất Tố"], subjects=["Văn hóa"])
    make_record("D", authors=["Nguyen, An"], subjects=["Vẽ"])
    client = login("kimson_catalog")
    data = client.get("/staff/catalog/headings", {"kind": "author", "q": "ngu"}).json()
    assert [r["heading"] for r in data["results"]] == ["Nguyễn, Du", "Nguyen, An"]
    assert data["results"][0]["uses"] == 2
    data = client.get("/staff/catalog/headings", {"kind": "subject", "q": "VAN"}).json()
    assert [r["heading"] for r in data["results"]] == ["Văn học Việt Nam", "Văn hóa"]
    data = client.get("/staff/catalog/headings", {"kind": "subject", "q": "ve"}).json()
    assert [r["heading"] for r in data["results"]] == ["Vẽ"]
    assert client.get("/staff/catalog/headings", {"kind": "x", "q": "a"}).status_code == 400
    assert login("kimson_desk").get("/staff/catalog/headings", {"kind": "author", "q": "a"}).status_code == 403

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

"""A Kim Sơn cataloguer changes Kim Sơn's copies and nobody else's, whichever door they try:
a tampered URL, another library's id in a form, the JSON API or a command line with --user.
Circulation staff do not catalogue, cataloguers do not lend. Every refusal changes nothing."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from thuvien.catalog.models import BibRecord, Item

pytestmark = pytest.mark.django_db


def items_snapshot():
    return sorted(Item.objects.values_list("id", "barcode", "library_id", "location_id", "status", "call_number",
                                           "record_id", "notes"))


def records_snapshot():
    return sorted(BibRecord.objects.values_list("id", "is_deleted", "title", "updated_at"))


@pytest.fixture
def shelf(network, staff, make_record):
    """A record held by Yên Mô only, and one held by both libraries."""
    yen_mo_only = make_record("Nuôi dê sữa và dê thịt", ["Lê, Văn Thông"], copies=[network["NB-YM"]], ddc="636.39")
    shared = make_record("Dế Mèn phiêu lưu ký", ["Tô, Hoài"], copies=[network["NB-KS"], network["NB-YM"]],
                         ddc="895.9223")
    return {"yen_mo_only": yen_mo_only, "shared": shared,
            "ym_item": yen_mo_only.items.get(), "ks_item": shared.items.get(library=network["NB-KS"]),
            "ym_shared_item": shared.items.get(library=network["NB-YM"])}


def as_user(staff, username):
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(staff[username])
    return client


def test_url_tampering_on_another_librarys_copy_is_refused(staff, network, shelf):
    client = as_user(staff, "kimson_catalog")
    before = items_snapshot()
    for item in (shelf["ym_item"], shelf["ym_shared_item"]):
        url = f"/staff/catalog/items/{item.pk}/edit/"
        assert client.get(url).status_code == 403
        assert client.post(url, {"library": network["NB-KS"].pk, "barcode": "STOLEN", "status": "withdrawn"}
                           ).status_code == 403
    assert items_snapshot() == before
    # The same forms work for the library's own copy (so the refusals above are about scope).
    response = client.post(f"/staff/catalog/items/{shelf['ks_item'].pk}/edit/",
                           {"library": network["NB-KS"].pk, "barcode": "KS-OWN-1", "status": "available"})
    assert response.status_code == 302 and Item.objects.filter(barcode="KS-OWN-1").exists()


def test_another_librarys_id_posted_in_a_form_changes_nothing(staff, network, shelf):
    client = as_user(staff, "kimson_catalog")
    ym, ks = network["NB-YM"], network["NB-KS"]
    before = items_snapshot()
    # Adding a copy to Yên Mô's holdings of a record.
    response = client.post(f"/staff/catalog/records/{shelf['yen_mo_only'].pk}/items/add/",
                           {"library": ym.pk, "barcode": "YM-FORGED", "status": "available", "item_type": "book"})
    assert response.status_code == 200 and "YM-FORGED" not in str(items_snapshot())
    # Kim Sơn's own copy, moved to Yên Mô or shelved in a Yên Mô location.
    url = f"/staff/catalog/items/{shelf['ks_item'].pk}/edit/"
    client.post(url, {"library": ym.pk, "barcode": shelf["ks_item"].barcode, "status": "available"})
    client.post(url, {"library": ks.pk, "barcode": shelf["ks_item"].barcode, "status": "available",
                      "location": ym.locations.first().pk})
    assert items_snapshot() == before
    # A spreadsheet import into Yên Mô's holdings.
    sheet = io.BytesIO("Nhan đề,Tác giả\nSách lậu,Ẩn danh\n".encode())
    sheet.name = "sach.csv"
    response = client.post("/staff/catalog/import/", {"library": ym.pk, "file": sheet})
    assert response.status_code == 400 and "Hãy chọn một thư viện của bạn." in response.content.decode()
    # Merging away a record that holds Yên Mô's copies.
    response = client.post(f"/staff/catalog/records/{shelf['shared'].pk}/merge/",
                           {"other": shelf["yen_mo_only"].pk, "keep": shelf["shared"].pk})
    assert response.status_code in (400, 403)
    assert items_snapshot() == before and BibRecord.objects.filter(is_deleted=True).count() == 0
    # Labels of another library's copies.
    for query in ({"items": f"{shelf['ym_item'].pk}"}, {"record": shelf["yen_mo_only"].pk},
                  {"library": ym.pk, "since": "2000-01-01T00:00"}):
        response = client.get("/staff/catalog/labels.pdf", {**query, "kind": "barcode"})
        assert response.status_code == 302 and response.get("Content-Type") != "application/pdf", query
    assert client.get("/staff/catalog/labels.pdf", {"items": f"{shelf['ks_item'].pk}"})["Content-Type"] == "application/pdf"


def test_a_library_administrator_cannot_withdraw_another_librarys_record(staff, shelf):
    before = records_snapshot()
    assert as_user(staff, "kimson_catalog").post(
        f"/staff/catalog/records/{shelf['yen_mo_only'].pk}/withdraw/").status_code == 403
    response = as_user(staff, "kimson_admin").post(f"/staff/catalog/records/{shelf['yen_mo_only'].pk}/withdraw/")
    assert response.status_code in (302, 400)
    assert records_snapshot() == before


def test_circulation_staff_cannot_catalogue(staff, network, shelf):
    client = as_user(staff, "kimson_desk")
    before, records = items_snapshot(), records_snapshot()
    for url, form in (
        (f"/staff/catalog/records/{shelf['shared'].pk}/items/add/", {"library": network["NB-KS"].pk, "barcode": "X1"}),
        (f"/staff/catalog/items/{shelf['ks_item'].pk}/edit/", {"library": network["NB-KS"].pk, "barcode": "X2"}),
        (f"/staff/catalog/records/{shelf['shared'].pk}/edit/", {"title": "Đổi tên"}),
        ("/staff/catalog/records/new/", {"title": "Sách mới"}),
        (f"/staff/catalog/records/{shelf['shared'].pk}/withdraw/", {}),
    ):
        assert client.post(url, form).status_code == 403, url
    assert items_snapshot() == before and records_snapshot() == records


def _token(username):
    out = io.StringIO()
    call_command("circulation", "token", username, stdout=out)
    return {"HTTP_AUTHORIZATION": f"Bearer {out.getvalue().strip()}"}


def test_json_api_keeps_the_scope(client, staff, network, shelf):
    from thuvien.circulation import services
    from thuvien.circulation.demo import load_categories_and_rules
    from thuvien.circulation.models import Loan

    categories = load_categories_and_rules()
    services.register_reader(None, network["NB-KS"], "KS0001", "Nguyễn Thị Lan", categories["adult"])
    base = "/api/v1/circulation"
    desk, cataloguer = _token("kimson_desk"), _token("kimson_catalog")
    before = items_snapshot()
    # Kim Sơn's desk lending Yên Mô's copy "at Yên Mô", or at Kim Sơn.
    for library in ("NB-YM", "NB-KS"):
        response = client.post(f"{base}/checkout", {"card_number": "KS0001", "barcode": shelf["ym_item"].barcode,
                                                    "library": library}, content_type="application/json", **desk)
        assert response.status_code in (403, 409), (library, response.content)
    response = client.post(f"{base}/checkin", {"barcode": shelf["ym_item"].barcode, "library": "NB-YM"},
                           content_type="application/json", **desk)
    assert response.status_code == 403
    # A cataloguer may not lend at all, even in their own library.
    response = client.post(f"{base}/checkout", {"card_number": "KS0001", "barcode": shelf["ks_item"].barcode,
                                                "library": "NB-KS"}, content_type="application/json", **cataloguer)
    assert response.status_code == 403 and response.json()["code"] == "not_permitted"
    assert items_snapshot() == before and not Loan.objects.exists()
    # The same call by the desk in its own library works.
    response = client.post(f"{base}/checkout", {"card_number": "KS0001", "barcode": shelf["ks_item"].barcode,
                                                "library": "NB-KS"}, content_type="application/json", **desk)
    assert response.status_code == 201


def test_command_line_user_is_held_to_their_library(staff, network, tmp_path):
    sheet = tmp_path / "sach.csv"
    sheet.write_text("Nhan đề,Tác giả,Mã vạch\nSách chung,Ẩn danh,CLI0001\n", encoding="utf-8")
    before, records = items_snapshot(), records_snapshot()
    for user, library in (("kimson_catalog", "NB-YM"), ("kimson_desk", "NB-KS"), ("khong_co_ai", "NB-KS")):
        with pytest.raises(CommandError):
            call_command("catalog", "import-sheet", str(sheet), "--library", library, "--user", user,
                         stdout=io.StringIO(), stderr=io.StringIO())
        assert items_snapshot() == before and records_snapshot() == records, user
    call_command("catalog", "import-sheet", str(sheet), "--library", "NB-KS", "--user", "kimson_catalog",
                 stdout=io.StringIO(), stderr=io.StringIO())
    assert Item.objects.get(barcode="CLI0001").library == network["NB-KS"]

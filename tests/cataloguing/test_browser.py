"""The little JavaScript of the cataloguing screens, in a real browser."""

import pytest
from django.test import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logged_in(page, live_server, username, password):
    client = Client()
    assert client.login(username=username, password=password)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])


def test_heading_suggestions_and_marc_editor_rows(page, live_server, staff, demo_password, make_record):
    record = make_record("Truyện Kiều", authors=["Nguyễn, Du"], subjects=["Văn học Việt Nam"])
    make_record("Thơ", authors=["Nguyễn, Du"], subjects=["Thơ"])
    logged_in(page, live_server, "kimson_catalog", demo_password)

    page.goto(f"/staff/catalog/records/{record.pk}/edit/")
    authors = page.locator("textarea[name=authors]")
    authors.fill("")
    authors.press_sequentially("nguyen")
    page.get_by_role("button", name="Nguyễn, Du (2)").click()
    assert authors.input_value() == "Nguyễn, Du"

    page.goto(f"/staff/catalog/records/{record.pk}/marc/")
    rows = page.locator("#marc-rows tr")
    count = rows.count()
    page.get_by_role("button", name="Thêm trường").click()
    new = rows.nth(count)
    new.locator("input[name=tag]").fill("500")
    new.locator("input[name=value]").fill("$a Ghi chú thêm bằng trình duyệt")
    rows.nth(0).get_by_role("button").click()  # removes the first row (008)
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_url(f"**/staff/catalog/records/{record.pk}/")
    record.refresh_from_db()
    assert {"500": {"ind1": " ", "ind2": " ", "subfields": [{"a": "Ghi chú thêm bằng trình duyệt"}]}} in record.marc["fields"]
    assert not any("008" in f for f in record.marc["fields"])


def test_sheet_import_goes_on_by_itself_in_the_browser(page, live_server, staff, demo_password, network,
                                                       monkeypatch, tmp_path):
    from thuvien.catalog.models import BibRecord
    from thuvien.cataloguing.views import sheet as sheet_views

    monkeypatch.setattr(sheet_views, "CHUNK", 2)
    path = tmp_path / "sach.csv"
    path.write_text("Nhan đề,Tác giả,Năm xuất bản\n" + "".join(f"Sách số {n},\"Lê, Văn {n}\",200{n}\n" for n in range(5)),
                    encoding="utf-8-sig")
    logged_in(page, live_server, "kimson_catalog", demo_password)
    page.goto("/staff/catalog/import/")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Tải lên").click()
    page.get_by_text("Sách số 4").wait_for()
    page.get_by_role("button", name="Nhập các dòng hợp lệ").click()
    page.get_by_role("heading", name="Đã nhập xong").wait_for()
    assert BibRecord.objects.count() == 5

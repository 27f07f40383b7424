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


def test_a_cataloguer_finds_adds_copies_catalogues_new_and_prints_labels(page, live_server, staff, demo_password,
                                                                        network, make_record):
    """The day's work of Kim Sơn's cataloguer, in Chromium: copy cataloguing first, then a new record."""
    import io

    from pypdf import PdfReader

    from thuvien.catalog.identifiers import isbn13_check_digit
    from thuvien.catalog.models import BibRecord, Item

    from .test_items_headings_labels import scanned

    kieu = make_record("Truyện Kiều", authors=["Nguyễn, Du"], subjects=["Văn học Việt Nam"], ddc="895.9221",
                       copies=[network["NB-YM"]])
    make_record("Lục Vân Tiên", authors=["Nguyễn, Đình Chiểu"], subjects=["Văn học Việt Nam"])
    logged_in(page, live_server, "kimson_catalog", demo_password)

    # 1. The edition is already in the union catalogue: add Kim Sơn's copy, no typing of the record.
    page.goto("/staff/catalog/")
    page.get_by_role("link", name="Biểu ghi mới (biên mục sao chép)").click()
    page.get_by_label("Nhan đề, tác giả hoặc ISBN").fill("truyen kieu")
    page.get_by_label("Nhan đề, tác giả hoặc ISBN").press("Enter")
    page.get_by_role("link", name="Thêm bản sách của tôi").first.click()
    page.get_by_label("Mã vạch").fill("KS 0001")  # a space: refused with a message
    page.get_by_role("button", name="Lưu").click()
    page.get_by_text("không có khoảng trắng").wait_for()
    page.get_by_label("Mã vạch").fill("KS-0001")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_url(f"**/staff/catalog/records/{kieu.pk}/")
    assert Item.objects.get(barcode="KS-0001").library == network["NB-KS"]
    # The barcode label prints, and a scanner reads the barcode back.
    href = page.get_by_role("link", name="Nhãn mã vạch (PDF)").get_attribute("href")
    pdf = page.request.get(href)
    assert pdf.headers["content-type"] == "application/pdf"
    assert [t for t, *_ in scanned(pdf.body())[0]] == ["KS-0001"]
    assert "Truyện Kiều" in PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()

    # 2. Not in the catalogue: the simple form, with heading suggestions and a checked ISBN.
    page.goto("/staff/catalog/copy/?q=non+nuoc+ninh+binh")
    page.get_by_role("link", name="Không tìm thấy: biên mục mới từ đầu").click()
    page.get_by_label("Nhan đề").first.fill("Non nước Ninh Bình : du lịch và văn hóa")
    authors = page.locator("textarea[name=authors]")
    authors.press_sequentially("nguyen d")
    page.get_by_role("button", name="Nguyễn, Du (1)").click()
    page.locator("input[name=isbns]").fill("978-604-123456-0")
    page.locator("textarea[name=subjects]").press_sequentially("van hoc")
    page.get_by_role("button", name="Văn học Việt Nam (2)").click()
    page.locator("input[name=ddc]").fill("915.9739")
    page.get_by_role("button", name="Lưu").click()
    page.get_by_text("không hợp lệ").wait_for()  # the check digit is wrong; nothing saved
    assert not BibRecord.objects.filter(title__startswith="Non nước").exists()
    core = "978604123456"
    page.locator("input[name=isbns]").fill(core + isbn13_check_digit(core))
    page.get_by_role("button", name="Lưu").click()
    page.get_by_text("Đã tạo biểu ghi").wait_for()
    record = BibRecord.objects.get(title__startswith="Non nước")
    assert record.authors == ["Nguyễn, Du"] and record.subjects == ["Văn học Việt Nam"]
    assert record.isbns == [core + isbn13_check_digit(core)] and record.ddc == "915.9739"

    # 3. The expert touch in the MARC editor; a bad 008 is refused first.
    page.get_by_role("link", name="Trình sửa MARC", exact=True).click()
    fixed = page.locator("#marc-rows tr").filter(has=page.locator("input[name=tag][value='008']"))
    good = fixed.locator("input[name=value]").input_value()
    fixed.locator("input[name=value]").fill(good[:30])
    page.get_by_role("button", name="Lưu").click()
    page.get_by_text("phải có đúng 40 ký tự").wait_for()
    fixed.locator("input[name=value]").fill(good)
    page.get_by_role("button", name="Thêm trường").click()
    new = page.locator("#marc-rows tr").last
    new.locator("input[name=tag]").fill("500")
    new.locator("input[name=value]").fill("$a Sách tặng của Sở Văn hóa và Thể thao.")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_url(f"**/staff/catalog/records/{record.pk}/")
    record.refresh_from_db()
    assert "Sách tặng của Sở Văn hóa và Thể thao" in " ".join(marc_notes(record))
    # ...and the simple form shows the same record.
    page.get_by_role("link", name="Sửa (biểu mẫu đơn giản)").click()
    assert page.locator("input[name=isbns]").input_value() == core + isbn13_check_digit(core)


def marc_notes(record):
    from thuvien.catalog import marc

    return marc.notes_of(record.marc)

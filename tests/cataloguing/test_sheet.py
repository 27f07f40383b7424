"""Spreadsheet import: CLI and staff screens, matching, errors, idempotence, scoping."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from thuvien.catalog import marc
from thuvien.catalog.models import BibRecord, Item, RecordIdentifier

from .conftest import isbn

pytestmark = pytest.mark.django_db

def _zip_bytes():
    """A real zip file that is not a workbook (as a .docx would be)."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


HEADERS = ["STT", "Nhan đề", "Tác giả", "Nhà xuất bản", "Năm xuất bản", "ISBN", "Số phân loại/DDC",
           "Chủ đề", "Mã vạch/Số ĐKCB", "Số bản"]


def rows():
    return [
        [1, "Dế Mèn phiêu lưu ký", "Tô, Hoài", "Kim Đồng", 2020, isbn(11), "895.9223", "Văn học thiếu nhi", "KS0001", 3],
        [2, "Toán 6 : tập một", "Bộ Giáo dục", "Giáo dục Việt Nam", "2021", "", "510", "Toán học; Sách giáo khoa", "", 2],
        [3, "", "Không nhan đề", "", "", "", "", "", "KS0100", 1],
        [4, "Sách có ISBN sai", "", "", "", "978-604-000000-1", "", "", "KS0101", 1],
        [5, "Năm sai", "", "", "hai nghìn", "", "", "", "KS0102", 1],
        [6, "Trùng mã vạch", "", "", "", "", "", "", "KS0002", 1],
        [7, "Lịch sử Kim Sơn", "Nguyễn, Văn A", "Văn hóa", 2015, "", "959.739", "Địa chí -- Kim Sơn", "KS0200", ""],
    ]


def xlsx_bytes(data_rows, headers=HEADERS):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in data_rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(data_rows, headers=HEADERS, bom=True):
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(data_rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8")


def snapshot():
    return (
        sorted(BibRecord.objects.values_list("id", "title", "updated_at")),
        sorted(Item.objects.values_list("barcode", "record_id", "library_id")),
        RecordIdentifier.objects.count(),
    )


def test_cli_imports_xlsx_builds_marc_and_reimport_changes_nothing(network, tmp_path, capsys):
    path = tmp_path / "sach.xlsx"
    path.write_bytes(xlsx_bytes(rows()))
    call_command("catalog", "import-sheet", str(path), "--library", "NB-KS")
    out = capsys.readouterr()
    assert "3 created, 0 attached, 0 unchanged, 4 skipped, 6 items added" in out.out
    for expected in ("row 4: ", "row 5: ", "row 6: ", "row 7: "):
        assert expected in out.err  # rows 3..6 of the data are rows 4..7 of the sheet
    assert "KS0002" in out.err  # generated from KS0001 x 3, so row 6's KS0002 clashes

    de_men = BibRecord.objects.get(title="Dế Mèn phiêu lưu ký")
    assert sorted(de_men.items.values_list("barcode", flat=True)) == ["KS0001", "KS0002", "KS0003"]
    assert set(de_men.items.values_list("library__code", flat=True)) == {"NB-KS"}
    assert de_men.isbns == [isbn(11)] and de_men.ddc == "895.9223" and de_men.year == 2020
    data = de_men.marc
    assert len(data["leader"]) == 24 and data["leader"][6:8] == "am"
    fixed = marc.control(data, "008")
    assert len(fixed) == 40 and fixed[7:11] == "2020" and fixed[35:38] == "vie"
    tags = [next(iter(f)) for f in data["fields"]]
    assert {"001", "003", "008", "020", "082", "100", "245", "264", "650"} <= set(tags)
    assert tags == sorted(tags)
    title = next(v for t, v in marc.fields(data, "245"))
    assert title["subfields"] == [{"a": "Dế Mèn phiêu lưu ký /"}, {"c": "Tô Hoài."}]

    toan = BibRecord.objects.get(title="Toán 6 : tập một")
    assert toan.subjects == ["Toán học", "Sách giáo khoa"] and toan.items.count() == 2
    local = BibRecord.objects.get(title="Lịch sử Kim Sơn")
    assert local.subjects == ["Địa chí -- Kim Sơn"] and local.items.get().barcode == "KS0200"
    assert not BibRecord.objects.filter(title__in=["Sách có ISBN sai", "Năm sai", "Trùng mã vạch"]).exists()

    before = snapshot()
    call_command("catalog", "import-sheet", str(path), "--library", "NB-KS")
    assert "0 created, 0 attached, 3 unchanged, 4 skipped, 0 items added" in capsys.readouterr().out
    assert snapshot() == before


def test_cli_attaches_to_existing_record_by_isbn_and_dry_run_writes_nothing(network, make_record, tmp_path, capsys):
    existing = make_record("Dế mèn (bản của tỉnh)", isbns=[isbn(11)], copies=[network["NB-TVT"]])
    path = tmp_path / "sach.csv"
    path.write_bytes(csv_bytes(rows()[:1]))
    before = snapshot()
    call_command("catalog", "import-sheet", str(path), "--library", "NB-YM", "--dry-run")
    assert "dry run: 0 created, 1 attached" in capsys.readouterr().out
    assert snapshot() == before
    call_command("catalog", "import-sheet", str(path), "--library", "NB-YM")
    assert BibRecord.objects.count() == 1
    assert sorted(existing.items.values_list("library__code", flat=True)) == ["NB-TVT", "NB-YM", "NB-YM", "NB-YM"]


def test_barcode_lists_and_ranges(network, tmp_path, capsys):
    from thuvien.cataloguing.sheet import barcode_list

    assert barcode_list("VV.001-VV.003") == ["VV.001", "VV.002", "VV.003"]
    assert barcode_list("KS1; KS7") == ["KS1", "KS7"] and barcode_list("KS-0001") == ["KS-0001"]
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes([["Cây lúa", "VV.001-VV.003", ""], ["Cây ngô", "VN.1; VN.2", "3"]],
                               headers=["Nhan đề", "Số ĐKCB", "Số bản"]))
    call_command("catalog", "import-sheet", str(path), "--library", "NB-KS")
    out = capsys.readouterr()
    assert "1 created" in out.out and "row 3: " in out.err
    assert sorted(Item.objects.values_list("barcode", flat=True)) == ["VV.001", "VV.002", "VV.003"]


def test_semicolon_csv_and_date_cells(network, tmp_path, capsys):
    import datetime

    path = tmp_path / "list.csv"
    path.write_bytes("Nhan de;Tac gia;Nam\nCây lúa;Lê, Văn Nông;2001\n".encode())
    call_command("catalog", "import-sheet", str(path), "--library", "NB-KS")
    assert BibRecord.objects.get().authors == ["Lê, Văn Nông"]
    path = tmp_path / "dates.xlsx"
    path.write_bytes(xlsx_bytes([["Cây ngô", datetime.datetime(2003, 1, 1)]], headers=["Title", "Year"]))
    call_command("catalog", "import-sheet", str(path), "--library", "NB-KS")
    assert BibRecord.objects.get(title="Cây ngô").year == 2003


def test_cli_mapping_option_and_plain_csv(network, tmp_path, capsys):
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes([["Cây lúa", "Lê, Văn Nông", "2001", "B77"]],
                               headers=["Tên", "Người viết", "Khi", "Số"], bom=False))
    with pytest.raises(CommandError):
        call_command("catalog", "import-sheet", str(path), "--library", "NB-KS")  # no title column
    call_command("catalog", "import-sheet", str(path), "--library", "NB-KS",
                 "--mapping", "Tên=title", "Người viết=author", "Khi=year", "3=barcode")
    record = BibRecord.objects.get()
    assert record.title == "Cây lúa" and record.authors == ["Lê, Văn Nông"] and record.year == 2001
    assert record.items.get().barcode == "B77"


def test_staff_upload_mapping_preview_and_import(login, network):
    client = login("kimson_catalog")
    page = client.get("/staff/catalog/import/").content.decode()
    assert "Yên Mô" not in page  # only the cataloguer's own library is offered
    response = client.post("/staff/catalog/import/", {
        "library": network["NB-KS"].pk, "file": _upload("sach.xlsx", xlsx_bytes(rows()))})
    assert response.status_code == 302
    mapping_url = response["Location"]
    page = client.get(mapping_url).content.decode()
    # Guessed mapping from the Vietnamese headers
    assert '<option value="title" selected>' in page and '<option value="barcode" selected>' in page
    assert '<option value="copies" selected>' in page
    # Preview: rows as they will be catalogued, and per-row errors; nothing written yet.
    assert "Dế Mèn phiêu lưu ký" in page and "KS0001, KS0002, KS0003" in page
    assert "Cần có nhan đề" in page
    assert BibRecord.objects.count() == 0
    form = {f"col{i}": c for i, c in enumerate(
        ["", "title", "author", "publisher", "year", "isbn", "ddc", "subject", "barcode", "copies"])}
    response = client.post(mapping_url, {**form, "action": "import"})
    assert response.status_code == 200
    assert BibRecord.objects.count() == 3 and Item.objects.filter(library=network["NB-KS"]).count() == 6
    # Labels for the copies just added, linked from the result page.
    import html
    import io as _io

    from pypdf import PdfReader

    link = html.unescape(response.content.decode().split('href="/staff/catalog/labels.pdf?kind=barcode')[1].split('"')[0])
    pdf = client.get("/staff/catalog/labels.pdf?kind=barcode" + link)
    text = "".join(p.extract_text() for p in PdfReader(_io.BytesIO(pdf.content)).pages)
    assert all(code in text for code in ("KS0001", "KS0002", "KS0003", "KS0200"))
    assert "Mới tạo" in response.content.decode() or "Biểu ghi mới" in response.content.decode()


def test_staff_import_of_a_long_sheet_goes_in_parts(login, network, monkeypatch):
    from thuvien.cataloguing.views import sheet as sheet_views

    monkeypatch.setattr(sheet_views, "CHUNK", 3)
    client = login("kimson_catalog")
    response = client.post("/staff/catalog/import/", {
        "library": network["NB-KS"].pk, "file": _upload("sach.csv", csv_bytes(rows()))})
    url = response["Location"]
    form = {f"col{i}": c for i, c in enumerate(
        ["", "title", "author", "publisher", "year", "isbn", "ddc", "subject", "barcode", "copies"])}
    pages = []
    response = client.post(url, {**form, "action": "import"})
    while "sheet-progress.js" in response.content.decode():
        pages.append(response)
        offset = response.content.decode().split('name="offset" value="')[1].split('"')[0]
        response = client.post(url, {**form, "action": "import", "offset": offset})
    assert len(pages) == 2  # 7 rows in parts of 3
    assert "3 trên 7 dòng" in pages[0].content.decode()
    text = response.content.decode()
    assert BibRecord.objects.count() == 3 and Item.objects.count() == 6
    assert text.count("Dòng ") >= 4  # the four skipped rows, with their numbers
    for number in (4, 5, 6, 7):
        assert f"Dòng {number}:" in text


def test_sheet_import_cannot_add_items_to_another_library(login, network, tmp_path, capsys):
    client = login("kimson_catalog")
    response = client.post("/staff/catalog/import/", {
        "library": network["NB-YM"].pk, "file": _upload("sach.xlsx", xlsx_bytes(rows()))})
    assert response.status_code == 400
    assert not Item.objects.exists()
    # The service refuses too, whatever a forged session says.
    from thuvien.cataloguing import sheet

    headers, data = sheet.read_sheet(xlsx_bytes(rows()[:1]), "a.xlsx")
    planned = sheet.plan(headers, data, sheet.guess_mapping(headers), network["NB-YM"])
    from django.contrib.auth import get_user_model

    summary = sheet.import_rows(planned, network["NB-YM"], actor=get_user_model().objects.get(username="kimson_catalog"))
    assert summary.skipped == 1 and not Item.objects.exists() and not BibRecord.objects.exists()


@pytest.mark.parametrize("name, content, message", [
    ("anh.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "không phải là bảng tính"),
    ("anh.png", b"\x89PNG\r\n\x1a\n", "không phải là bảng tính"),
    ("hong.xlsx", b"PK\x03\x04garbage", "không phải là bảng tính"),
    ("van-ban.xlsx", _zip_bytes(), "không phải là bảng tính"),
    ("rong.csv", b"", "trống"),
    ("latin1.csv", b"Nhan de\nS\x81ch\n", "Windows-1258"),  # 0x81 is no letter in Windows-1258
    ("lon.csv", b"a" * (10 * 1024 * 1024 + 1), "quá lớn"),
])
def test_bad_uploads_get_a_vietnamese_message(login, network, name, content, message):
    client = login("kimson_catalog")
    response = client.post("/staff/catalog/import/", {"library": network["NB-KS"].pk, "file": _upload(name, content)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BibRecord.objects.exists()


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)

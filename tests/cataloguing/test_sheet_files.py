"""The files school libraries really have: old Excel, LibreOffice, Windows CSV; and broken ones."""

import io
import unicodedata
import zipfile

import openpyxl
import pytest
import xlwt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from thuvien.catalog import marc
from thuvien.catalog.models import BibRecord, Item
from thuvien.cataloguing import marceditor, sheet

from .conftest import isbn

pytestmark = pytest.mark.django_db

BOOKS = [["Nhan đề", "Tác giả", "Năm xuất bản", "Mã vạch"],
         ["Dế Mèn phiêu lưu ký", "Tô, Hoài", "2020", "KS0001"],
         ["Truyện Kiều", "Nguyễn, Du", "1995", "KS0002"]]


def windows_1258(text):
    """Text as a Vietnamese Windows writes it: base letters, tone marks as combining characters."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


def csv_text(rows, sep=","):
    return "\r\n".join(sep.join(f'"{c}"' if "," in c else c for c in row) for row in rows) + "\r\n"


def xls_bytes(rows):
    book = xlwt.Workbook(encoding="utf-8")
    page = book.add_sheet("Sách")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            page.write(r, c, int(value) if value.isdigit() and len(value) == 4 else value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ods_bytes(rows):
    cells = "".join(
        "<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>' for c in row)
        + "</table:table-row>" for row in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="S">{cells}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>'))
    return out.getvalue()


def upload(client, network, name, content, library="NB-KS", **extra):
    return client.post("/staff/catalog/import/", {
        "library": network[library].pk if library in network else library,
        "file": SimpleUploadedFile(name, content), **extra})


@pytest.mark.parametrize("name, content, guessed", [
    ("sach.xls", xls_bytes(BOOKS), False),
    ("sach.ods", ods_bytes(BOOKS), False),
    ("sach.csv", windows_1258(csv_text(BOOKS)), True),
    ("sach.txt", csv_text(BOOKS, sep="\t").encode("utf-16"), False),  # Excel's "Unicode text"
    ("sach.csv", csv_text(BOOKS).encode("utf-8-sig"), False),
])
def test_every_kind_of_file_gives_the_same_records(login, network, name, content, guessed):
    client = login("kimson_catalog")
    response = upload(client, network, name, content)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Dế Mèn phiêu lưu ký" in page and "Nguyễn, Du" in page  # NFC, whatever the file held
    assert ("được đọc theo bảng mã Windows-1258" in page) == guessed  # a guessed encoding is said
    client.post(response["Location"], {"col0": "title", "col1": "author", "col2": "year", "col3": "barcode",
                                       "action": "import"})
    assert sorted(BibRecord.objects.values_list("title", "year")) == [("Dế Mèn phiêu lưu ký", 2020),
                                                                       ("Truyện Kiều", 1995)]
    assert sorted(Item.objects.values_list("barcode", flat=True)) == ["KS0001", "KS0002"]


def test_cli_reads_windows_csv_and_says_so(network, tmp_path, capsys):
    path = tmp_path / "sach.csv"
    path.write_bytes(windows_1258(csv_text(BOOKS)))
    call_command("catalog", "import-sheet", str(path), "--library", "NB-KS")
    out = capsys.readouterr()
    assert "Windows-1258" in out.err and "2 created" in out.out
    assert BibRecord.objects.filter(title="Truyện Kiều").exists()
    # Told it is Western Windows, the same bytes read differently: the choice is the user's.
    path.write_bytes(windows_1258(csv_text([BOOKS[0], ["Truyện Kiều (2)", "Nguyễn, Du", "1995", "KS0009"]])))
    with pytest.raises(CommandError, match="title"):  # "Nhan đề" is no header in Windows-1252
        call_command("catalog", "import-sheet", str(path), "--library", "NB-KS", "--encoding", "cp1252")
    assert not BibRecord.objects.filter(title="Truyện Kiều (2)").exists()


def zip_bomb():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", b"a" * (210 * 1024 * 1024))
    return out.getvalue()


def wide_sheet():
    book = openpyxl.Workbook()
    book.active.append([f"Cột {n}" for n in range(70)])
    book.active.append(["x"] * 70)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("name, content, message", [
    ("sach.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "không phải là bảng tính"),
    ("sach.ods", b"PK\x03\x04" + b"\x00" * 100, "không phải là bảng tính"),
    ("bom.xlsx", zip_bomb(), "khi giải nén"),
    ("rong.xlsx", b"", "trống"),
    ("tieu-de.csv", "Nhan đề,Tác giả\r\n".encode(), "chỉ có dòng tiêu đề"),
    ("o-dai.csv", ("Nhan đề\n" + "x" * 200_000 + "\n").encode(), "hơn 5000 ký tự"),
    ("rong-qua.xlsx", wide_sheet(), "quá nhiều cột"),
    ("rong-qua.csv", (",".join(f"c{n}" for n in range(70)) + "\nSách\n").encode(), "quá nhiều cột"),
    ("nhi-phan.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "không phải là bảng tính"),
])
def test_broken_files_get_a_vietnamese_message_and_change_nothing(login, network, name, content, message):
    response = upload(login("kimson_catalog"), network, name, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BibRecord.objects.exists()


def test_cp1258_bytes_that_are_no_letters_are_refused(network):
    with pytest.raises(sheet.SheetError, match="Windows-1258"):
        sheet.read_sheet(b"Nhan de\nS\x81ch\n", "a.csv")
    with pytest.raises(sheet.SheetError, match="UTF-8"):
        sheet.read_sheet(windows_1258("Nhân đề\nSách\n"), "a.csv", encoding="utf-8")


def test_forged_library_values_are_refused(login, network):
    client = login("kimson_catalog")
    for library in ("abc", "-1", "99999999999999999999999", "NB-YM", "NB"):
        response = upload(client, network, "sach.csv", csv_text(BOOKS).encode(), library=library)
        assert response.status_code == 400 and "Hãy chọn một thư viện của bạn" in response.content.decode()
    assert not BibRecord.objects.exists()


def test_rights_are_checked_again_at_the_import_step(login, network, staff):
    from thuvien.accounts.models import StaffRole

    client = login("kimson_catalog")
    mapping_url = upload(client, network, "sach.csv", csv_text(BOOKS).encode())["Location"]
    StaffRole.objects.filter(user=staff["kimson_catalog"]).update(library=network["NB-YM"])
    response = client.post(mapping_url, {"col0": "title", "action": "import"})
    assert response.status_code == 302 and not BibRecord.objects.exists()


def test_cli_scope_and_the_network_itself(network, staff, tmp_path):
    path = tmp_path / "sach.csv"
    path.write_bytes(csv_text(BOOKS).encode())
    with pytest.raises(CommandError, match="may not catalogue"):
        call_command("catalog", "import-sheet", str(path), "--library", "NB-YM", "--user", "kimson_catalog")
    with pytest.raises(CommandError, match="not the network"):
        call_command("catalog", "import-sheet", str(path), "--library", "NB")
    assert not BibRecord.objects.exists()
    call_command("catalog", "import-sheet", str(path), "--library", "NB-KS", "--user", "kimson_catalog")
    assert BibRecord.objects.count() == 2


def test_bad_barcodes_and_other_call_numbers(network, tmp_path, capsys):
    path = tmp_path / "sach.csv"
    path.write_bytes(csv_text([["Nhan đề", "Mã vạch", "Ký hiệu xếp giá"],
                               ["Sách một", "ĐKCB 01", "895.922 T450H"],
                               ["Sách hai", "KS 02", "V23 N465"],
                               ["Sách ba", "KS-03", "V23 N465"],
                               ["Sách bốn", "KS-" + "9" * 70, ""]]).encode())
    call_command("catalog", "import-sheet", str(path), "--library", "NB-KS")
    out = capsys.readouterr()
    assert "1 created" in out.out and "3 skipped" in out.out
    assert "row 2: " in out.err and "row 3: " in out.err and "row 5: " in out.err
    record = BibRecord.objects.get()
    assert record.ddc == "" and not list(marc.fields(record.marc, "082"))  # V23 is not DDC...
    assert record.items.get().call_number == "V23 N465"  # ...but it is the copy's call number


def test_imported_records_are_valid_marc21(network, tmp_path, testdata):
    import pymarc
    import xmlschema

    path = tmp_path / "sach.csv"
    path.write_bytes(csv_text([["Nhan đề", "Tác giả", "Nhà xuất bản", "Năm", "ISBN", "DDC", "Chủ đề"],
                               ["Toán 6 : tập một", "Bộ Giáo dục và Đào tạo", "Giáo dục", "2021",
                                isbn(30), "510", "Toán học -- Sách giáo khoa"],
                               ["Không tác giả", "", "", "", "", "", ""]]).encode())
    call_command("catalog", "import-sheet", str(path), "--library", "NB-KS")
    schema = xmlschema.XMLSchema(str(testdata / "schemas" / "MARC21slim.xsd"))
    assert BibRecord.objects.count() == 2
    for record in BibRecord.objects.all():
        data = record.marc
        assert marceditor.leader_errors(data["leader"]) == []
        assert marceditor.fixed_field_errors(marc.control(data, "008"), data["leader"]) == []
        assert marceditor.structure_errors(data) == []
        rows = marceditor.to_rows(data)
        assert marceditor.from_rows(data["leader"], rows) == (data, [])  # the MARC editor accepts it as is
        schema.validate(pymarc.record_to_xml(marc.json_to_record(data), namespace=True))
        assert marc.control(data, "003") == "VN-THUVIEN" and marc.first_subfield(data, ("040",), "b") == "vie"

"""Patron bulk load: ``thuvien patrons import`` and the same from the staff pages, with
real CSV and XLSX files made here. Rejected rows are reported and do not stop the load;
loading again updates and never duplicates; text is NFC; dates in d/m/Y and ISO."""

import datetime
import io
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from thuvien.circulation.models import Reader

from .conftest import messages_of

SCHOOL = "NB-TH-KS"
CSV_ROWS = [
    "số thẻ;họ tên;loại bạn đọc;ngày sinh;email;điện thoại",
    "HS24001;{nfd};Học sinh;05/09/2015;an@example.org;0912345678",
    "HS24002;Trần Thị Bình;pupil;2015-11-30;;",
    "HS24003;;pupil;01/01/2015;;",                      # no name
    "HS24004;Phạm Văn Cường;pupil;31/02/2015;;",        # no such date
    "HS24005;Lê Thị Dung;giáo sư;01/01/2015;;",         # unknown category
    "HS24006;Đỗ Minh Đức;pupil;01/01/2015;khong-email;",  # bad email
    "HS24001;Trùng Số Thẻ;pupil;01/01/2015;;",          # same card again in the file
    ";Không Có Thẻ;pupil;;;",                            # no card number
]


def csv_bytes(rows=CSV_ROWS):
    text = "\n".join(rows).replace("{nfd}", unicodedata.normalize("NFD", "Nguyễn Văn An"))
    return ("\ufeff" + text + "\n").encode("utf-8")


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("patrons", "import", str(path), "--library", SCHOOL, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_cli_loads_a_csv_with_vietnamese_headers_and_reports_rejected_rows(circ, tmp_path):
    path = tmp_path / "hoc-sinh.csv"
    path.write_bytes(csv_bytes())
    out, err = run(path, "--consent")
    assert "2 created, 0 updated, 0 unchanged, 6 rejected" in out
    for line in (4, 5, 6, 7, 8, 9):
        assert f"line {line}:" in err
    assert "HS24001" in err.splitlines()[4] or "dòng 2" in err  # the duplicate names the first line

    an = Reader.objects.get(card_number="HS24001")
    assert an.name == "Nguyễn Văn An" and unicodedata.is_normalized("NFC", an.name)
    assert an.birth_date == datetime.date(2015, 9, 5) and an.category.code == "pupil"
    assert an.home_library.code == SCHOOL and an.status == "active" and an.consent_at is not None
    assert Reader.objects.get(card_number="HS24002").birth_date == datetime.date(2015, 11, 30)

    # Loading the same file again: nothing new, nothing doubled.
    out, _err = run(path)
    assert "0 created, 0 updated, 2 unchanged, 6 rejected" in out
    assert Reader.objects.filter(card_number__startswith="HS24").count() == 2

    # A corrected file updates the readers it names.
    rows = list(CSV_ROWS)
    rows[2] = "HS24002;Trần Thị Bình;pupil;2015-11-30;binh@example.org;0229 3860 000"
    rows[3] = "HS24003;Vũ Văn Cần;pupil;01/01/2015;;"
    path.write_bytes(csv_bytes(rows))
    out, _err = run(path)
    assert "1 created, 1 updated, 1 unchanged" in out
    assert Reader.objects.get(card_number="HS24002").email == "binh@example.org"
    assert Reader.objects.filter(card_number__startswith="HS24").count() == 3


@pytest.mark.django_db
def test_cli_loads_an_xlsx_with_english_headers_and_date_cells(circ, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["card_number", "name", "category", "birth_date", "email", "phone"])
    sheet.append(["HS25001", "Hoàng Thị Én", "pupil", datetime.datetime(2016, 4, 7), "en@example.org", 912000111])
    sheet.append(["HS25002", "Đinh Văn Giang", "", "2016-12-01", None, None])
    sheet.append([25003, "Ngô Thị Hạnh", "pupil", "7/4/2016", None, None])
    sheet.append(["KS0001", "Nguyễn Thị Lan", "adult", None, None, None])  # a reader of Kim Sơn
    path = tmp_path / "lop-1.xlsx"
    book.save(path)
    out, err = run(path)
    assert "3 created, 0 updated, 0 unchanged, 1 rejected" in out
    assert "line 5:" in err and "Kim Sơn" in err
    en = Reader.objects.get(card_number="HS25001")
    assert en.birth_date == datetime.date(2016, 4, 7) and en.phone == "912000111"
    assert Reader.objects.get(card_number="HS25002").category.code == "pupil"  # a school's default
    assert Reader.objects.get(card_number="25003").birth_date == datetime.date(2016, 4, 7)
    assert Reader.objects.get(card_number="KS0001").home_library.code == "NB-KS"
    out, _err = run(path)
    assert "0 created, 0 updated, 3 unchanged" in out


@pytest.mark.django_db
def test_cli_refuses_what_it_cannot_read(circ, tmp_path):
    bad = tmp_path / "anh.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(CommandError):
        run(bad)
    headers_only = tmp_path / "sai-cot.csv"
    headers_only.write_bytes("tên sách,tác giả\nTruyện Kiều,Nguyễn Du\n".encode())
    with pytest.raises(CommandError, match="card_number"):
        run(headers_only)
    with pytest.raises(CommandError):
        call_command("patrons", "import", str(headers_only), "--library", "KHONG-CO")
    assert Reader.objects.count() == 2


@pytest.mark.django_db
def test_staff_load_a_file_from_the_desk(login, circ, network):
    from thuvien.accounts.models import StaffRole

    desk = login("kimson_desk")
    upload = SimpleUploadedFile("hs.csv", csv_bytes(), content_type="text/csv")
    response = desk.post("/staff/circulation/readers/import/", {"file": upload}, follow=True)
    assert messages_of(response) and not Reader.objects.filter(card_number__startswith="HS").exists()

    upload = SimpleUploadedFile("hs.csv", csv_bytes(), content_type="text/csv")
    response = desk.post("/staff/circulation/readers/import/", {"file": upload, "consent": "1"}, follow=True)
    text = response.content.decode()
    assert "2 tạo mới, 0 cập nhật, 0 không đổi, 6 bị từ chối" in text
    assert "Ngày sinh" in text or "không phải là ngày" in text
    assert Reader.objects.get(card_number="HS24001").home_library == circ["ks"]

    upload = SimpleUploadedFile("hs.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = desk.post("/staff/circulation/readers/import/", {"file": upload, "consent": "1"}, follow=True)
    assert response.status_code == 200 and messages_of(response)
    # A library that is not theirs is refused.
    upload = SimpleUploadedFile("hs.csv", csv_bytes(), content_type="text/csv")
    response = desk.post("/staff/circulation/readers/import/",
                         {"file": upload, "consent": "1", "library": network["NB-YM"].pk}, follow=True)
    assert not Reader.objects.filter(home_library=network["NB-YM"], card_number__startswith="HS").exists()
    assert StaffRole.objects.filter(user__username="kimson_desk", library=network["NB-YM"]).count() == 0

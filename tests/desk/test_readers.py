"""Readers at the desk and online: registration with consent, the approval queue,
changes, passwords; bad input is explained and changes nothing."""

import unicodedata

import pytest
from django.test import Client

from thuvien.circulation.models import Reader

from .conftest import messages_of

DESK = "/staff/circulation/"


@pytest.mark.django_db
def test_register_at_the_desk_records_consent_and_gives_a_login(login, circ):
    desk = login("kimson_desk")
    form = {"card_number": "KS0100", "name": unicodedata.normalize("NFD", "Phạm Thu Hà"), "category": "pupil",
            "birth_date": "05/09/2012", "email": "ha@example.org", "phone": "0912 345 678",
            "password": "matkhau-123", "password2": "matkhau-123", "consent": "1"}
    response = desk.post(DESK + "readers/new/", form)
    assert response.status_code == 302 and response["Location"] == DESK + "readers/KS0100/"
    reader = Reader.objects.get(card_number="KS0100")
    assert reader.name == "Phạm Thu Hà" and unicodedata.is_normalized("NFC", reader.name)
    assert reader.home_library == circ["ks"] and reader.category.code == "pupil" and reader.status == "active"
    assert reader.birth_date.isoformat() == "2012-09-05" and reader.consent_at is not None
    assert reader.expires_on is not None
    assert Client().post("/account/login/", {"card_number": "KS0100", "password": "matkhau-123"}).status_code == 302


@pytest.mark.django_db
def test_desk_registration_refuses_bad_input(login, circ):
    desk = login("kimson_desk")
    base = {"name": "Lê Quang Huy", "category": "adult", "consent": "1"}
    cases = [
        ({"consent": ""}, "đồng ý"),
        ({"name": ""}, "họ tên"),
        ({"birth_date": "31/02/2010"}, "không phải là ngày"),
        ({"birth_date": "01/01/2090"}, "không hợp lệ"),
        ({"email": "khong-phai-email"}, "email"),
        ({"category": "người ngoài hành tinh"}, "loại bạn đọc"),
        ({"card_number": "KS0001"}, "đã được dùng"),
        ({"card_number": "có dấu cách"}, "Số thẻ"),
        ({"password": "ngan", "password2": "ngan"}, "ít nhất"),
    ]
    for change, expected in cases:
        response = desk.post(DESK + "readers/new/", {**base, **change})
        assert response.status_code == 200, change
        errors = " ".join(str(e) for e in response.context["errors"])
        assert expected.lower() in errors.lower(), (change, errors)
    assert Reader.objects.count() == 2


@pytest.mark.django_db
def test_desk_registration_without_card_number_makes_one(login, circ):
    desk = login("kimson_desk")
    desk.post(DESK + "readers/new/", {"name": "Vũ Đức Thắng", "category": "Người lớn", "consent": "1"})
    reader = Reader.objects.get(name="Vũ Đức Thắng")
    assert reader.card_number.startswith("NB") and len(reader.card_number) == 10
    assert reader.category.code == "adult"  # found by its Vietnamese name


@pytest.mark.django_db
def test_self_registration_waits_for_a_librarian_of_the_chosen_library(login, circ):
    client = Client()
    assert client.get("/account/register").status_code == 200
    form = {"name": "Hoàng Minh Châu", "category": "student", "birth_date": "2004-03-15",
            "email": "chau@example.org", "library": circ["ks"].pk, "password": "mat-khau-dai",
            "password2": "mat-khau-dai", "consent": "1"}
    refused = client.post("/account/register", {**form, "consent": ""})
    assert refused.status_code == 200 and not Reader.objects.filter(name="Hoàng Minh Châu").exists()
    refused = client.post("/account/register", {**form, "password2": "khac-nhau"})
    assert refused.status_code == 200 and not Reader.objects.filter(name="Hoàng Minh Châu").exists()

    response = client.post("/account/register", {**form, "category": "staff"}, follow=True)
    reader = Reader.objects.get(name="Hoàng Minh Châu")
    assert reader.category.code == "adult"  # nobody makes themselves library staff online
    assert reader.status == "pending" and reader.consent_at is not None and reader.home_library == circ["ks"]
    assert reader.card_number in " ".join(messages_of(response))
    assert "chờ duyệt" in response.content.decode()

    # The pending reader cannot borrow yet.
    desk = login("kimson_desk")
    desk.post(DESK + f"readers/{reader.card_number}/checkout/", {"barcode": circ["ks_copy"]})
    assert not reader.loans.exists()
    # Only Kim Sơn's staff see it in their queue.
    assert reader.card_number not in login("yenmo_desk").get(DESK + "readers/pending/").content.decode()
    assert reader.card_number in desk.get(DESK + "readers/pending/").content.decode()
    login("yenmo_desk").post(DESK + f"readers/{reader.card_number}/approve/", {"decision": "approve"})
    assert Reader.objects.get(pk=reader.pk).status == "pending"
    desk.post(DESK + f"readers/{reader.card_number}/approve/", {"decision": "approve"})
    reader.refresh_from_db()
    assert reader.status == "active" and reader.expires_on is not None
    response = desk.post(DESK + f"readers/{reader.card_number}/approve/", {"decision": "approve"}, follow=True)
    assert response.status_code == 200 and messages_of(response)  # no longer waiting


@pytest.mark.django_db
def test_refused_registration_loses_its_personal_data(login, circ):
    from thuvien.circulation import services

    reader = services.self_register("Bùi Thị Ngọc", circ["ks"], "adult", "mat-khau-dai", True,
                                    email="ngoc@example.org")
    login("kimson_desk").post(DESK + f"readers/{reader.card_number}/approve/", {"decision": "refuse"})
    reader.refresh_from_db()
    assert reader.status == "erased" and reader.name == "" and reader.email == "" and reader.user is None


@pytest.mark.django_db
def test_change_reader_data_and_password_at_the_desk(login, circ):
    desk = login("kimson_desk")
    response = desk.post(DESK + "readers/KS0001/edit/", {"name": "Nguyễn Thị Lan", "category": "senior",
                                                         "phone": "0229 3871 234", "birth_date": "1950-01-02"})
    assert response.status_code == 302
    lan = Reader.objects.get(card_number="KS0001")
    assert lan.category.code == "senior" and lan.phone == "0229 3871 234"
    response = desk.post(DESK + "readers/KS0001/edit/", {"name": "", "category": "senior"})
    assert response.status_code == 200 and Reader.objects.get(card_number="KS0001").name == "Nguyễn Thị Lan"

    yenmo = login("yenmo_desk")
    yenmo.post(DESK + "readers/YM0001/password/", {"password": "ngan", "password2": "ngan"})
    assert Client().post("/account/login/", {"card_number": "YM0001", "password": "ngan"}).status_code == 200
    # A password opens the account: Kim Sơn's desk cannot give one to a reader of Yên Mô.
    response = desk.post(DESK + "readers/YM0001/password/", {"password": "mat-khau-moi", "password2": "mat-khau-moi"},
                         follow=True)
    assert "Yên Mô" in " ".join(messages_of(response))
    assert Client().post("/account/login/", {"card_number": "YM0001", "password": "mat-khau-moi"}).status_code == 200
    yenmo.post(DESK + "readers/YM0001/password/", {"password": "mat-khau-moi", "password2": "mat-khau-moi"})
    assert Client().post("/account/login/", {"card_number": "YM0001", "password": "mat-khau-moi"}).status_code == 302


@pytest.mark.django_db
def test_reader_search(login, circ):
    desk = login("yenmo_desk")
    assert desk.get(DESK + "readers/", {"q": "ks0001"})["Location"] == DESK + "readers/KS0001/"
    text = desk.get(DESK + "readers/", {"q": "Lan"}).content.decode()
    assert "KS0001" in text and "YM0001" not in text


@pytest.mark.django_db
def test_consent_missing_is_shown_and_recorded_at_the_desk(login, circ):
    Reader.objects.filter(card_number="KS0001").update(consent_at=None)  # e.g. loaded from a school's list
    desk = login("kimson_desk")
    panel = desk.get(DESK + "readers/KS0001/").content.decode()
    assert "Chưa ghi nhận sự đồng ý" in panel and 'action="/staff/circulation/readers/KS0001/consent/"' in panel
    desk.post(DESK + "readers/KS0001/consent/", {})  # the box not ticked
    assert Reader.objects.get(card_number="KS0001").consent_at is None
    response = login("yenmo_desk").post(DESK + "readers/KS0001/consent/", {"confirm": "1"}, follow=True)
    assert "không có quyền" in " ".join(messages_of(response))
    assert Reader.objects.get(card_number="KS0001").consent_at is None
    response = desk.post(DESK + "readers/KS0001/consent/", {"confirm": "1"}, follow=True)
    assert "Đã ghi nhận sự đồng ý" in " ".join(messages_of(response))
    lan = Reader.objects.get(card_number="KS0001")
    assert lan.consent_at is not None and lan.consent_at.date() == lan.updated_at.date()
    assert "Chưa ghi nhận sự đồng ý" not in desk.get(DESK + "readers/KS0001/").content.decode()

"""The reader's account in the OPAC: log in with the card number, loans and renewals,
holds, fines, reading history, remote copies and postal delivery handled in staff queues."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from thuvien.circulation import services
from thuvien.circulation.models import (
    CopyRequest,
    Hold,
    LedgerEntry,
    Loan,
    PostalRequest,
    Reader,
)

from .conftest import READER_PASSWORD, messages_of

DESK = "/staff/circulation/"


@pytest.mark.django_db
def test_login_with_card_number_and_log_out(circ):
    client = Client()
    assert client.get("/account/")["Location"].startswith("/account/login/")
    response = client.post("/account/login/", {"card_number": "KS0001", "password": "sai-mat-khau"}, follow=True)
    assert "Số thẻ hoặc mật khẩu không đúng" in " ".join(messages_of(response))
    assert client.get("/account/").status_code == 302
    response = client.post("/account/login/", {"card_number": " KS0001 ", "password": READER_PASSWORD,
                                               "next": "https://evil.example/"})
    assert response["Location"] == "/account/"
    page = client.get("/account/")
    assert page.status_code == 200 and "Nguyễn Thị Lan" in page.content.decode()
    client.post("/account/logout/")
    assert client.get("/account/").status_code == 302
    # Staff accounts have no reader's account.
    staff = Client()
    staff.force_login(Reader.objects.get(card_number="KS0001").user.__class__.objects.get(username="kimson_desk"))
    assert staff.get("/account/").status_code == 302


@pytest.mark.django_db
def test_repeated_wrong_passwords_are_throttled(circ):
    client = Client()
    for _attempt in range(5):
        client.post("/account/login/", {"card_number": "KS0001", "password": "sai"})
    response = client.post("/account/login/", {"card_number": "KS0001", "password": READER_PASSWORD}, follow=True)
    assert "quá nhiều lần" in " ".join(messages_of(response))
    assert client.get("/account/").status_code == 302


@pytest.mark.django_db
def test_loans_due_dates_renewal_and_fines(circ, reader_client):
    loan = services.checkout(None, "KS0001", circ["ks_copy"], circ["ks"])
    other = services.checkout(None, "YM0001", circ["ks_copy2"], circ["ks"])
    LedgerEntry.objects.create(reader=circ["lan"], kind="fine", amount=7000, note="7 ngày quá hạn")
    client = reader_client()
    text = client.get("/account/").content.decode()
    assert "7 ngày quá hạn" in text
    assert "Truyện Kiều" in text and loan.due_at.astimezone().strftime("%d/%m/%Y") in text
    assert "7.000 đ" in text

    response = client.post("/account/renew/", {"barcode": circ["ks_copy"]}, follow=True)
    assert "Đã gia hạn" in " ".join(messages_of(response))
    assert Loan.objects.get(pk=loan.pk).renewals == 1
    Loan.objects.filter(pk=loan.pk).update(renewals=2)
    response = client.post("/account/renew/", {"barcode": circ["ks_copy"]}, follow=True)
    assert "tối đa" in " ".join(messages_of(response))
    assert Loan.objects.get(pk=loan.pk).renewals == 2
    # Another reader's loan cannot be renewed from this account.
    response = client.post("/account/renew/", {"barcode": other.item.barcode}, follow=True)
    assert Loan.objects.get(pk=other.pk).renewals == 0 and messages_of(response)
    response = client.post("/account/renew/", {"all": "1"}, follow=True)
    assert response.status_code == 200 and Loan.objects.get(pk=loan.pk).renewals == 2


@pytest.mark.django_db
def test_place_and_cancel_holds(circ, reader_client, make_record):
    client = reader_client()
    record = circ["de_men"]
    opac_page = client.get(f"/record/{record.pk}/").content.decode()
    assert f'href="/account/holds/new/{record.pk}/"' in opac_page
    assert f'href="/account/requests/copy/new/{record.pk}/"' in opac_page
    page = client.get(f"/account/holds/new/{record.pk}/").content.decode()
    assert "Thư viện huyện Yên Mô" in page
    client.post(f"/account/holds/new/{record.pk}/", {"scope": "any", "pickup_library": circ["ks"].pk})
    hold = Hold.objects.get(reader=circ["lan"])
    assert hold.library is None and hold.pickup_library == circ["ks"] and hold.channel == "opac"
    response = client.post(f"/account/holds/new/{record.pk}/", {"scope": "any", "pickup_library": circ["ks"].pk},
                           follow=True)
    assert messages_of(response) and Hold.objects.filter(reader=circ["lan"]).count() == 1
    assert "Dế Mèn" in client.get("/account/").content.decode()

    client.post(f"/account/holds/{hold.pk}/cancel/")
    assert Hold.objects.get(pk=hold.pk).status == "cancelled"
    # One library's copies only; a library without copies is refused.
    client.post(f"/account/holds/new/{record.pk}/", {"scope": str(circ["ks"].pk), "pickup_library": circ["ks"].pk})
    assert Hold.objects.filter(reader=circ["lan"], status="waiting").count() == 0
    client.post(f"/account/holds/new/{record.pk}/", {"scope": str(circ["ym"].pk), "pickup_library": circ["ks"].pk})
    assert Hold.objects.get(reader=circ["lan"], status="waiting").library == circ["ym"]
    # Someone else's hold, a restricted record, a record that does not exist.
    theirs = services.place_hold(None, "YM0001", circ["kieu"].pk, circ["ym"])
    assert client.post(f"/account/holds/{theirs.pk}/cancel/").status_code == 404
    assert Hold.objects.get(pk=theirs.pk).status == "waiting"
    secret = make_record("Tài liệu mật", copies=[circ["ks"]])
    secret.visibility = "staff"
    secret.save()
    assert client.get(f"/account/holds/new/{secret.pk}/").status_code == 404
    assert client.post(f"/account/holds/new/{secret.pk}/", {"scope": "any",
                                                            "pickup_library": circ["ks"].pk}).status_code == 404
    assert client.get("/account/holds/new/999999/").status_code == 404


@pytest.mark.django_db
def test_reading_history_is_opt_in(circ, reader_client):
    client = reader_client()
    assert "không được lưu" in client.get("/account/history/").content.decode()
    client.post("/account/history/", {"keep": "1"})
    assert Reader.objects.get(card_number="KS0001").keep_history
    services.checkout(None, "KS0001", circ["ks_copy"], circ["ks"])
    services.checkin(None, circ["ks_copy"], circ["ks"])
    assert "Truyện Kiều" in client.get("/account/history/").content.decode()
    client.post("/account/history/", {"keep": "0"})
    assert not Reader.objects.get(card_number="KS0001").keep_history
    assert "Truyện Kiều" not in client.get("/account/history/").content.decode()


@pytest.mark.django_db
def test_remote_copy_goes_through_the_staff_queue_and_back_as_a_file(circ, reader_client, login):
    client = reader_client()
    url = f"/account/requests/copy/new/{circ['kieu'].pk}/"
    assert client.get(url).status_code == 200
    for pages in ("", "mười hai", "18-12", "1-500"):
        response = client.post(url, {"pages": pages}, follow=True)
        assert messages_of(response), pages
    assert not CopyRequest.objects.exists()
    client.post(url, {"pages": "12-18; 25", "note": "Chương 3"})
    request = CopyRequest.objects.get()
    assert request.pages == "12-18, 25" and request.state == "requested" and request.library == circ["ks"]

    # Yên Mô's staff do not see it; Kim Sơn's do.
    assert login("yenmo_desk").get(DESK + f"requests/copy/{request.pk}/").status_code == 404
    desk = login("kimson_desk")
    assert "Truyện Kiều" in desk.get(DESK + "requests/").content.decode()
    response = desk.post(DESK + f"requests/copy/{request.pk}/", {"state": "done"}, follow=True)
    assert "tải bản sao lên" in " ".join(messages_of(response)).lower()
    desk.post(DESK + f"requests/copy/{request.pk}/", {"state": "in_progress"})
    assert CopyRequest.objects.get().state == "in_progress"
    bad = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    desk.post(DESK + f"requests/copy/{request.pk}/", {"state": "done", "file": bad})
    assert CopyRequest.objects.get().state == "in_progress"
    pdf = SimpleUploadedFile("trang-12-18.pdf", b"%PDF-1.4 ban sao", content_type="application/pdf")
    desk.post(DESK + f"requests/copy/{request.pk}/", {"state": "done", "file": pdf})
    request.refresh_from_db()
    assert request.state == "done" and request.file

    text = client.get("/account/requests/").content.decode()
    assert f"/account/requests/copy/{request.pk}/file" in text
    download = client.get(f"/account/requests/copy/{request.pk}/file")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 ban sao"
    other = Client()
    other.post("/account/login/", {"card_number": "YM0001", "password": READER_PASSWORD})
    assert other.get(f"/account/requests/copy/{request.pk}/file").status_code == 404


@pytest.mark.django_db
def test_postal_delivery_shows_the_fee_and_can_be_cancelled(circ, reader_client, login):
    client = reader_client()
    url = f"/account/requests/postal/new/{circ['de_men'].pk}/"
    assert "30.000 đ" in client.get(url).content.decode()
    address = "Số 5 phố Chính, thị trấn Phát Diệm, huyện Kim Sơn, Ninh Bình"
    client.post(url, {"address": address})  # the fee not accepted
    client.post(url, {"address": "ngắn", "accept_fee": "1"})
    assert not PostalRequest.objects.exists()
    client.post(url, {"address": address, "accept_fee": "1"})
    request = PostalRequest.objects.get()
    assert request.fee == 30000 and request.library == circ["ym"] and request.address == address
    client.post(f"/account/requests/postal/{request.pk}/cancel/")
    assert PostalRequest.objects.get().state == "cancelled"

    client.post(url, {"address": address, "accept_fee": "1"})
    second = PostalRequest.objects.exclude(pk=request.pk).get()
    desk = login("yenmo_desk")
    assert address in desk.get(DESK + "requests/", {"kind": "postal"}).content.decode()
    desk.post(DESK + f"requests/postal/{second.pk}/", {"state": "in_progress"})
    response = client.post(f"/account/requests/postal/{second.pk}/cancel/", follow=True)
    assert messages_of(response) and PostalRequest.objects.get(pk=second.pk).state == "in_progress"
    desk.post(DESK + f"requests/postal/{second.pk}/", {"state": "done"})
    assert PostalRequest.objects.get(pk=second.pk).state == "done"
    response = desk.post(DESK + f"requests/postal/{second.pk}/", {"state": "requested"}, follow=True)
    assert messages_of(response) and PostalRequest.objects.get(pk=second.pk).state == "done"

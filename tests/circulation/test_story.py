"""The story of issue 4, end to end, through the doors people use: a reader of Yên Mô
reserves a book only the provincial library owns, collects it in Yên Mô after its
journey in transit, and renews it from a phone (the REST API); then returns it in
Yên Mô and it travels home. The email notices go out through ``thuvien worker``."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from thuvien.catalog.models import Item
from thuvien.circulation.models import Hold, HoldStatus, Loan

DESK = "/staff/circulation/"
API = "/api/v1/circulation"


def staff_client(username, password):
    client = Client()
    assert client.login(username=username, password=password)
    return client


def said(response):
    return " ".join(str(m) for m in response.context["messages"])


@pytest.mark.django_db(transaction=True)  # the worker closes its database connections between polls
def test_a_reader_of_yen_mo_reserves_a_provincial_book_collects_it_in_yen_mo_and_renews_it_from_a_phone(
        circ, make_record, demo_password):
    record = make_record("Địa chí Ninh Bình", authors=["Nhiều tác giả"], copies=[circ.tvt])
    barcode = record.items.get().barcode

    # Hà logs in to the OPAC with her card number and finds the book: only the provincial library has it.
    ha = Client()
    assert ha.post("/account/login/", {"card_number": "YM0001", "password": demo_password}).status_code == 302
    page = ha.get(f"/record/{record.pk}/").content.decode()
    assert "Thư viện tỉnh Ninh Bình" in page and f"/account/holds/new/{record.pk}/" in page
    form = ha.get(f"/account/holds/new/{record.pk}/").content.decode()
    assert "Thư viện tỉnh Ninh Bình" in form
    response = ha.post(f"/account/holds/new/{record.pk}/", {"scope": "any", "pickup_library": circ.ym.pk},
                       follow=True)
    assert "Yên Mô" in said(response)
    hold = Hold.objects.get(reader=circ.readers["ha"])
    assert (hold.status, hold.library, hold.pickup_library) == ("waiting", None, circ.ym)

    # The provincial library's pull list asks for the copy; checked in, it goes in transit to Yên Mô.
    tvt = staff_client("tvt_admin", demo_password)
    pull = tvt.get(DESK + "pull-list/").content.decode()
    assert "Địa chí Ninh Bình" in pull and "Phạm Thu Hà" in pull and barcode in pull
    response = tvt.post(DESK + "checkin/", {"barcode": barcode}, follow=True)
    text = response.content.decode()
    assert "Chuyển đến" in text and "Thư viện huyện Yên Mô" in text
    assert Item.objects.get(barcode=barcode).status == "in_transit"
    assert str(HoldStatus.IN_TRANSIT.label) in ha.get("/account/").content.decode()  # "Đang … chuyển"

    # Yên Mô sees it coming, receives it: it waits on the hold shelf for Hà, who is told by email.
    ym = staff_client("yenmo_desk", demo_password)
    assert barcode in ym.get(DESK + "transit/").content.decode()
    response = ym.post(DESK + "checkin/", {"barcode": barcode}, follow=True)
    text = response.content.decode()
    assert "Để lên giá giữ sách cho" in text and "Phạm Thu Hà" in text
    assert barcode in ym.get(DESK + "hold-shelf/").content.decode()
    call_command("worker", "--batch", "--notices-every", "0", verbosity=0)
    ready = [m for m in mail.outbox if m.to == ["ha@example.org"]]
    assert len(ready) == 1 and "Địa chí Ninh Bình" in ready[0].body and "Yên Mô" in ready[0].body
    account = ha.get("/account/").content.decode()
    assert "Sẵn sàng để nhận" in account and "Thư viện huyện Yên Mô" in account

    # She collects it at the Yên Mô desk: card, then copy.
    assert ym.get(DESK, {"scan": "YM0001"})["Location"] == DESK + "readers/YM0001/"
    response = ym.post(DESK + "readers/YM0001/checkout/", {"barcode": barcode}, follow=True)
    assert "Đã cho mượn" in said(response)
    loan = Loan.objects.get(item__barcode=barcode, returned_at__isnull=True)
    assert loan.reader == circ.readers["ha"] and loan.library == circ.ym
    assert Hold.objects.get(pk=hold.pk).status == "collected"

    # Twelve days later: the due-soon email, and she renews from her phone.
    Loan.objects.filter(pk=loan.pk).update(checked_out_at=loan.checked_out_at - dt.timedelta(days=12),
                                           due_at=loan.due_at - dt.timedelta(days=12))
    call_command("worker", "--batch", verbosity=0)  # runs the notices job itself, then sends
    assert [m.subject for m in mail.outbox if m.to == ["ha@example.org"]][1:] == [
        "Sách bạn mượn sắp đến hạn trả"]
    phone = Client(HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Mobile")
    token = phone.post(f"{API}/token", {"card_number": "YM0001", "password": demo_password},
                       content_type="application/json").json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    loans = phone.get(f"{API}/me/loans", **auth).json()
    assert [(row["barcode"], row["library"]["code"]) for row in loans] == [(barcode, "NB-YM")]
    before = Loan.objects.get(pk=loan.pk).due_at
    renewed = phone.post(f"{API}/me/loans/{loans[0]['id']}/renew", **auth)
    assert renewed.status_code == 200 and renewed.json()["renewals"] == 1
    after = Loan.objects.get(pk=loan.pk)
    assert after.due_at > before and after.channel == "desk" and after.renewals == 1
    assert timezone.localdate(after.due_at) >= timezone.localdate() + dt.timedelta(days=14)

    # She returns it in Yên Mô: it travels home, and the provincial library shelves it.
    response = ym.post(DESK + "checkin/", {"barcode": barcode}, follow=True)
    assert "Chuyển trả về Thư viện tỉnh Ninh Bình" in response.content.decode()
    response = tvt.post(DESK + "checkin/", {"barcode": barcode}, follow=True)
    assert "Xếp lên giá" in response.content.decode()
    assert Item.objects.get(barcode=barcode).status == "available"
    assert not Loan.objects.filter(returned_at__isnull=True).exists()
    assert Loan.objects.get().reader is None  # Hà keeps no reading history: the loan is anonymous now

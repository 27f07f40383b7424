"""Bad input at every door (the services, the desk, the REST API, the reader's account):
an unknown barcode or card, a copy already on loan, a blocked, expired or pending reader,
a renewal that is not allowed. Each gets a clear message, and the whole database is
exactly as it was: every row of circulation, copies, readers, users, the task and index
queues."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from thuvien.circulation import services
from thuvien.circulation.errors import CirculationError
from thuvien.circulation.models import Loan, Reader

from .conftest import READER_PASSWORD, messages_of, snapshot

DESK = "/staff/circulation/"
API = "/api/v1/circulation"
@pytest.fixture
def world(circ, categories, make_record, capsys):
    """Lan has a loan renewed to the limit; Minh's loan has a reader waiting for it; readers
    expired, blocked and pending; a reader with an expired card and a loan."""
    ks = circ["ks"]
    spare = make_record("Tắt đèn", copies=[ks, ks])
    spare_copy, expired_copy = spare.items.order_by("barcode").values_list("barcode", flat=True)
    services.checkout(None, "KS0001", circ["ks_copy"], ks)
    Loan.objects.filter(item__barcode=circ["ks_copy"]).update(renewals=2)
    services.checkout(None, "YM0001", circ["ks_copy2"], ks)
    services.register_reader(None, ks, "KS0003", "Lê Quang Huy", categories["adult"])
    services.register_reader(None, ks, "KS0004", "Đinh Thị Hoa", categories["adult"])
    services.register_reader(None, ks, "KS0005", "Vũ Đức Thắng", categories["adult"], password=READER_PASSWORD)
    services.checkout(None, "KS0003", expired_copy, ks)
    Reader.objects.filter(card_number="KS0003").update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    services.block_reader(None, "KS0004", "Nợ sách")
    pending = services.self_register("Hoàng Minh Châu", ks, "student", "mat-khau-dai", consent=True)
    services.place_hold(None, "KS0005", circ["kieu"].pk, ks)
    call_command("circulation", "token", "kimson_desk")
    staff_token = capsys.readouterr().out.strip()
    return {**circ, "spare_copy": spare_copy, "expired_copy": expired_copy, "pending": pending.card_number,
            "staff_token": staff_token}


def refusals(world):
    """(what, card, barcode, expected code) for the desk and the API."""
    return [
        ("checkout", "KHONG-CO", world["spare_copy"], "unknown_reader"),
        ("checkout", "KS0005", "KHONG-CO", "unknown_item"),
        ("checkout", "KS0005", world["ks_copy"], "already_on_loan"),
        ("checkout", "KS0003", world["spare_copy"], "card_expired"),
        ("checkout", "KS0004", world["spare_copy"], "reader_blocked"),
        ("checkout", world["pending"], world["spare_copy"], "reader_pending"),
        ("renew", "KS0001", world["ks_copy"], "renewal_limit"),
        ("renew", "YM0001", world["ks_copy2"], "renewal_on_hold"),
        ("renew", "KS0003", world["expired_copy"], "card_expired"),
        ("renew", "KS0005", world["spare_copy"], "not_on_loan"),
        ("checkin", "", "KHONG-CO", "unknown_item"),
    ]


@pytest.mark.django_db
def test_refused_service_calls_change_nothing(world):
    desk = world["lan"].user.__class__.objects.get(username="kimson_desk")
    before = snapshot()
    calls = {
        "checkout": lambda card, barcode: services.checkout(desk, card, barcode, world["ks"]),
        "renew": lambda card, barcode: services.renew(desk, barcode),
        "checkin": lambda card, barcode: services.checkin(desk, barcode, world["ks"]),
    }
    for what, card, barcode, code in refusals(world):
        with pytest.raises(CirculationError) as info:
            calls[what](card, barcode)
        assert info.value.code == code, (what, card, barcode)
        assert info.value.message and info.value.message != code
        assert snapshot() == before, (what, code)
    # A block that cannot be overridden stays, override or not; holds of a blocked reader too.
    for call in (lambda: services.checkout(desk, "KS0004", world["spare_copy"], world["ks"],
                                           override=["reader_blocked"]),
                 lambda: services.place_hold(None, "KS0004", world["kieu"].pk, world["ks"]),
                 lambda: services.renew(world["lan"].user, world["ks_copy"], channel="opac",
                                        override=["renewal_limit"])):  # readers never override
        pytest.raises(CirculationError, call)
        assert snapshot() == before


@pytest.mark.django_db
def test_refusals_at_the_desk_are_explained_and_change_nothing(world, login):
    desk = login("kimson_desk")
    before = snapshot()
    for what, card, barcode, code in refusals(world):
        if what == "checkout":
            url = DESK + f"readers/{card}/checkout/"
        elif what == "renew":
            url = DESK + "renew/"
        else:
            url = DESK + "checkin/"
        response = desk.post(url, {"barcode": barcode}, follow=True)
        assert response.status_code == 200
        text = " ".join(messages_of(response))
        message = CirculationError(code).message
        assert message in text, (what, code, text)
        assert snapshot() == before, (what, code)


@pytest.mark.django_db
def test_refusals_through_the_api_are_explained_and_change_nothing(world, client):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world['staff_token']}"}
    client.get(f"{API}/me", **auth)  # the token's first use is stamped; not part of what is compared
    before = snapshot()
    for what, card, barcode, code in refusals(world):
        body = {"checkout": {"card_number": card, "barcode": barcode, "library": "NB-KS"},
                "renew": {"barcode": barcode}, "checkin": {"barcode": barcode, "library": "NB-KS"}}[what]
        response = client.post(f"{API}/{what}", body, content_type="application/json", **auth)
        assert response.status_code in (404, 409), (what, code, response.content)
        assert response.json()["code"] == code
        assert response.json()["message"].startswith(CirculationError(code).message)
        assert snapshot() == before, (what, code)


@pytest.mark.django_db
def test_refused_renewals_in_the_reader_account_change_nothing(world):
    lan, minh = Client(), Client()
    lan.post("/account/login/", {"card_number": "KS0001", "password": READER_PASSWORD})
    minh.post("/account/login/", {"card_number": "YM0001", "password": READER_PASSWORD})
    before = snapshot()
    for client, barcode, code in ((lan, world["ks_copy"], "renewal_limit"), (minh, world["ks_copy2"],
                                                                              "renewal_on_hold")):
        response = client.post("/account/renew/", {"barcode": barcode}, follow=True)
        assert CirculationError(code).message in " ".join(messages_of(response))
        response = client.post("/account/renew/", {"all": "1"}, follow=True)
        assert CirculationError(code).message in " ".join(messages_of(response))
        assert snapshot() == before, code
    response = lan.post("/account/renew/", {"barcode": world["ym_copy"]}, follow=True)  # not hers
    assert messages_of(response) and snapshot() == before

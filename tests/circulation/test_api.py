"""REST API /api/v1/circulation/: tokens, the reader's own account, staff desk operations."""

import pytest
from django.core.management import call_command

from thuvien.circulation.models import ApiToken, Hold, Loan

pytestmark = pytest.mark.django_db
BASE = "/api/v1/circulation"


def _bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def reader_token(client, circ, demo_password):
    response = client.post(f"{BASE}/token", {"card_number": "KS0001", "password": demo_password},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.fixture
def staff_token(circ, capsys):
    call_command("circulation", "token", "kimson_desk")
    return capsys.readouterr().out.strip()


def test_reader_token_and_own_account(client, circ, book, reader_token, demo_password):
    bad = client.post(f"{BASE}/token", {"card_number": "KS0001", "password": "sai"}, content_type="application/json")
    assert bad.status_code == 401 and bad.json()["code"] == "invalid_credentials"
    assert "mật khẩu" in bad.json()["message"]
    assert client.get(f"{BASE}/me/loans").status_code == 401
    assert client.get(f"{BASE}/me/loans", **_bearer("tv_wrong")).status_code == 401
    # Only the hash is stored.
    assert not ApiToken.objects.filter(key_hash=reader_token).exists()
    me = client.get(f"{BASE}/me", **_bearer(reader_token)).json()
    assert me["card_number"] == "KS0001" and me["can_borrow"] is True

    from thuvien.circulation import services

    services.checkout(circ.desk, "KS0001", "T000001", circ.ks)
    loans = client.get(f"{BASE}/me/loans", **_bearer(reader_token)).json()
    assert [loan["barcode"] for loan in loans] == ["T000001"]
    renewed = client.post(f"{BASE}/me/loans/{loans[0]['id']}/renew", **_bearer(reader_token))
    assert renewed.status_code == 200 and renewed.json()["renewals"] == 1
    # Somebody else's loan is not the reader's to renew.
    other = services.checkout(circ.ym_desk, "YM0001", "T000002", circ.ym)
    response = client.post(f"{BASE}/me/loans/{other.pk}/renew", **_bearer(reader_token))
    assert response.status_code == 409 and response.json()["code"] == "not_on_loan"
    everything = client.post(f"{BASE}/me/loans/renew", **_bearer(reader_token)).json()
    assert len(everything["renewed"]) == 1 and everything["refused"] == []


def test_reader_holds(client, circ, make_record, reader_token):
    record = make_record("Địa chí Ninh Bình", copies=[circ.tvt])
    response = client.post(f"{BASE}/me/holds", {"record_id": record.pk, "pickup_library": "NB-KS"},
                           content_type="application/json", **_bearer(reader_token))
    assert response.status_code == 201, response.content
    hold = response.json()
    assert hold["status"] == "waiting" and hold["pickup_library"]["code"] == "NB-KS"
    again = client.post(f"{BASE}/me/holds", {"record_id": record.pk, "pickup_library": "NB-KS"},
                        content_type="application/json", **_bearer(reader_token))
    assert again.status_code == 409 and again.json() == {
        "code": "hold_exists", "message": "Bạn đọc đã đặt mượn tài liệu này rồi.", "overridable": False}
    unknown = client.post(f"{BASE}/me/holds", {"record_id": record.pk, "pickup_library": "NOPE"},
                          content_type="application/json", **_bearer(reader_token))
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_library"
    assert [h["id"] for h in client.get(f"{BASE}/me/holds", **_bearer(reader_token)).json()] == [hold["id"]]
    cancelled = client.delete(f"{BASE}/me/holds/{hold['id']}", **_bearer(reader_token))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    # Without reading history a closed hold keeps no reader (Decree 13): it is nobody's to cancel again.
    again = client.delete(f"{BASE}/me/holds/{hold['id']}", **_bearer(reader_token))
    assert again.status_code == 404 and again.json()["code"] == "unknown_hold"
    assert Hold.objects.get(pk=hold["id"]).reader is None
    assert client.delete(f"{BASE}/me/holds/99999999999999999999", **_bearer(reader_token)).status_code in (404, 422)


def test_staff_desk_operations(client, circ, book, staff_token, reader_token):
    response = client.post(f"{BASE}/checkout", {"card_number": "KS0001", "barcode": "T000001", "library": "NB-KS"},
                           content_type="application/json", **_bearer(staff_token))
    assert response.status_code == 201, response.content
    assert Loan.objects.get().channel == "api"
    again = client.post(f"{BASE}/checkout", {"card_number": "KS0002", "barcode": "T000001", "library": "NB-KS"},
                        content_type="application/json", **_bearer(staff_token))
    assert again.status_code == 409 and again.json()["code"] == "already_on_loan"
    assert again.json()["message"] == "Bản này đang được cho mượn."
    # Kim Sơn's desk has no rights in Yên Mô.
    scope = client.post(f"{BASE}/checkout", {"card_number": "KS0001", "barcode": "T000002", "library": "NB-YM"},
                        content_type="application/json", **_bearer(staff_token))
    assert scope.status_code == 403 and scope.json()["code"] == "not_permitted"
    # A reader's token is not a staff token.
    assert client.post(f"{BASE}/checkin", {"barcode": "T000001", "library": "NB-KS"},
                       content_type="application/json", **_bearer(reader_token)).status_code == 403
    renewed = client.post(f"{BASE}/renew", {"barcode": "T000001"}, content_type="application/json",
                          **_bearer(staff_token))
    assert renewed.status_code == 200 and renewed.json()["renewals"] == 1
    back = client.post(f"{BASE}/checkin", {"barcode": "T000001", "library": "NB-KS"},
                       content_type="application/json", **_bearer(staff_token))
    assert back.status_code == 200 and back.json()["action"] == "shelve"
    unknown = client.post(f"{BASE}/checkin", {"barcode": "NOPE", "library": "NB-KS"},
                          content_type="application/json", **_bearer(staff_token))
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_item"
    for bad in ({"card_number": "KS\u0000", "barcode": "\ud800", "library": "NB-KS"},
                {"card_number": "KS0001", "barcode": "T000001", "library": "NB\u0000"},
                {"card_number": "KS0001", "barcode": "T000001", "library": "\udfff"}):
        response = client.post(f"{BASE}/checkout", bad, content_type="application/json", **_bearer(staff_token))
        assert response.status_code in (400, 404, 422), response.content
    huge = client.post(f"{BASE}/me/holds", {"record_id": 2**70, "pickup_library": "NB-KS"},
                       content_type="application/json", **_bearer(reader_token))
    assert huge.status_code in (404, 422)


def test_openapi_documents_circulation(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/circulation/checkout"]["post"]
    assert {"201", "401", "403", "404", "409", "422"} <= set(operation["responses"])
    assert "ErrorOut" in schema["components"]["schemas"]

"""Odd input at every door of the desk and the account: a clear answer, never a 500,
and nothing written."""

import pytest
from django.test import Client

from thuvien.circulation.models import (
    CopyRequest,
    Hold,
    LedgerEntry,
    Loan,
    PostalRequest,
    Reader,
)

DESK = "/staff/circulation/"
ODD = ["", "²", "-1", "' OR 1=1 --", "x" * 3000, "a\x00b<script>"]


def counts():
    return [m.objects.count() for m in (Loan, Hold, LedgerEntry, CopyRequest, PostalRequest, Reader)]


@pytest.mark.django_db
def test_the_desk_never_fails_on_odd_input(login, circ):
    desk = login("kimson_desk")
    before = counts()
    posts = ["library/", "checkin/", "renew/", "items/lost/", "items/damaged/", "readers/KS0001/checkout/",
             "readers/KS0001/renew/", "readers/KS0001/pay/", "readers/KS0001/waive/", "readers/KS0001/password/",
             "readers/KS0001/approve/", "readers/KS0001/edit/", "readers/new/", "readers/import/",
             "requests/copy/1/", "requests/postal/1/"]
    for value in ODD:
        fields = {name: value for name in ("library", "barcode", "amount", "note", "reason", "password",
                                           "password2", "decision", "name", "category", "birth_date",
                                           "email", "phone", "state", "override", "confirm", "fee", "next")}
        fields["consent"] = ""
        for path in posts:
            response = desk.post(DESK + path, fields)
            assert response.status_code < 500, (path, value)
        for path, param in (("", "scan"), ("items/", "barcode"), ("readers/", "q"), ("readers/", "page"),
                            ("requests/", "kind"), ("requests/", "state")):
            assert desk.get(DESK + path, {param: value, "q": "Lan"}).status_code < 500, (path, param, value)
        assert desk.get(DESK + "readers/" + value.replace("\x00", "") + "/").status_code < 500
    assert counts() == before


@pytest.mark.django_db
def test_the_account_never_fails_on_odd_input(circ, reader_client):
    before = counts()
    client = reader_client()
    record = circ["kieu"].pk
    for value in ODD:
        fields = {name: value for name in ("card_number", "password", "barcode", "all", "pickup_library", "scope",
                                           "keep", "pages", "note", "address", "library", "accept_fee")}
        for path in ("/account/renew/", f"/account/holds/new/{record}/", "/account/holds/1/cancel/",
                     f"/account/requests/copy/new/{record}/", f"/account/requests/postal/new/{record}/",
                     "/account/requests/copy/1/cancel/", "/account/requests/other/1/cancel/"):
            response = client.post(path, fields)
            assert response.status_code < 500, (path, value)
        assert client.get("/account/", {"next": value}).status_code < 500
        anonymous = Client()
        assert anonymous.post("/account/login/", {**fields, "next": value}).status_code < 500
        assert anonymous.post("/account/register", {**fields, "name": value, "birth_date": value,
                                                    "consent": "1", "password2": value}).status_code < 500
    assert counts()[:5] == before[:5]
    assert Reader.objects.count() == before[5]  # no registration got through
    assert Reader.objects.get(card_number="KS0001").keep_history is False

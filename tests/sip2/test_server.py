"""The SIP2 server: login, SC status, refusals before login, damaged and garbled lines."""

import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

DATE = r"\d{8} {4}\d{6}"


def test_login_then_status(kiosk, client_factory, fields):
    client = client_factory()
    assert client.login("ks-kiosk-1", "wrong") .startswith("940AY0AZ")
    assert client.login().startswith("941AY1AZ")
    response = client.send("9900802.00")
    assert re.match(rf"^98YYYYNN030003{DATE}2\.00AO", response), response
    parsed = fields(response, 36)
    assert parsed["AO"] == ["NB-KS"]
    assert parsed["BX"] == ["YYYYYYYYYNYNNYYY"]
    assert parsed["AN"] == ["Sảnh chính"]
    assert "Kim Sơn" in parsed["AM"][0]
    kiosk.refresh_from_db()
    assert kiosk.last_login_at is not None


def test_requests_before_login_are_refused(kiosk, client_factory, fields):
    client = client_factory()
    status = client.send("9900802.00")
    assert status.startswith("98YNNN"), status  # on line, but nothing allowed yet
    assert fields(status, 36)["BX"] == ["NNNNYYYNNNNNNNNN"]
    checkout = client.send("11YN20060329    203000                  AONB-KS|AA999999|AB1565921879|AC|")
    assert checkout.startswith("120NNN"), checkout
    assert fields(checkout, 24)["AF"] == ["Máy tự phục vụ chưa đăng nhập."]
    patron = client.send("2300120060101    084237AONB-KS|AA999999|AD6789|AC|")
    assert patron.startswith("24YYYY"), patron
    assert "BLN" in patron
    # English when the kiosk asks for it (language 001).
    assert "The kiosk is not logged in." in patron


def test_disabled_account_and_unknown_login(kiosk, client_factory):
    from django.core.management import call_command

    call_command("sip2", "account", "disable", "ks-kiosk-1")
    client = client_factory()
    assert client.login().startswith("940")
    assert client.login("nobody", "x").startswith("940")
    # A third failure closes the connection.
    assert client.login("nobody", "y").startswith("940")
    with pytest.raises((ConnectionError, OSError)):
        client.send("9900802.00")


def test_damaged_and_garbled_lines_never_crash(kiosk, client_factory):
    client = client_factory()
    client.login()
    # A wrong checksum: the server asks for the message again (96).
    assert client.send_raw(b"9900802.00AY1AZ0000\r") == "96AZFEF6"
    # Unknown commands, garbage, binary noise, an overlong line: 96 each, and the line stays open.
    for noise in (b"42hello\r", b"\x00\x01\x02\r", b"11Y\r", b"\xff\xfe\xfd|AA|\r", b"A" * 70000 + b"\r"):
        assert client.send_raw(noise) == "96AZFEF6"
    # CRLF and LF line ends are fine; 97 repeats the last answer.
    first = client.send_raw(b"9900802.00\r\n")
    assert first.startswith("98YYYY")
    assert client.send_raw(b"97\n") == first
    assert client.send_raw(b"97AZFEF5\r") == first


def test_two_kiosks_of_different_libraries(network, fast_hashing, client_factory, fields):
    from thuvien.interop.sip2.accounts import add_account

    add_account(None, "ym-1", "NB-YM", "yenmo-secret", encoding="cp1258")
    client = client_factory(encoding="cp1258")
    assert client.send("9300CNym-1|COyenmo-secret|").startswith("941")
    status = client.send("9900802.00")
    assert fields(status, 36)["AO"] == ["NB-YM"]
    assert "Yên Mô" in fields(status, 36)["AM"][0]  # sent in Windows-1258, read back as such

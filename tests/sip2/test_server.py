"""The SIP2 server: login, SC status, refusals before login, damaged and garbled lines."""

import re
import unicodedata

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

DATE = r"\d{8} {4}\d{6}"


def test_login_then_status(kiosk, client_factory, fields):
    client = client_factory()
    assert client.login("ks-kiosk-1", "wrong") .startswith("940AY0AZ")
    assert client.login().startswith("941AY1AZ")
    response = client.send("9900802.00")
    assert re.match(rf"^98YYYYNN100003{DATE}2\.00AO", response), response
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

    add_account(None, "ym-1", "NB-YM", "mật-khẩu-yên-mô", encoding="cp1258")
    client = client_factory(encoding="cp1258")
    assert client.send("9300CNym-1|COsai-mật-khẩu|").startswith("940")
    assert client.send("9300CNym-1|COmật-khẩu-yên-mô|").startswith("941")  # a Vietnamese password, in cp1258
    status = client.send("9900802.00")
    assert fields(status, 36)["AO"] == ["NB-YM"]
    assert "Yên Mô" in unicodedata.normalize("NFC", fields(status, 36)["AM"][0])  # sent in Windows-1258
    assert "Y\u00ean M\u00f4".encode("cp1258") in client.last_bytes


def test_thuvien_sip2_command_serves(kiosk):
    """``thuvien sip2 --port 0`` listens, answers a kiosk, and stops cleanly."""
    import threading
    import time
    from io import StringIO

    from django.core.management import call_command

    from thuvien.interop.sip2.management.commands.sip2 import Command

    from .conftest import RawClient

    command = Command(stdout=StringIO(), stderr=StringIO())
    thread = threading.Thread(target=call_command, args=(command, "--host", "127.0.0.1", "--port", "0"),
                              daemon=True)
    thread.start()
    for _ in range(100):
        if getattr(command, "server", None) is not None:
            break
        time.sleep(0.05)
    assert "listening on 127.0.0.1:" in command.stdout.getvalue()
    client = RawClient(command.server.port)
    try:
        assert client.login().startswith("941")
        assert client.send("9900802.00").startswith("98YYYY")
    finally:
        client.close()
        command.server.shutdown()
        thread.join(10)
    assert not thread.is_alive()
    assert "SIP2 server stopped" in command.stdout.getvalue()


RESPONSE_CODE = {"23": "24", "93": "94", "11": "12", "09": "10", "01": "24", "25": "26", "99": "98", "35": "36",
                 "17": "18", "63": "64", "15": "16", "29": "30", "65": "66"}


def test_raw_evergreen_frames_each_get_their_answer(library, client_factory, testdata):
    client = client_factory()
    previous = client.login()
    lines = (testdata / "sip2" / "evergreen_sipserver_raw_messages.txt").read_text("utf-8").splitlines()
    for line in lines:
        if line.startswith("93"):
            continue  # its kiosk does not exist here: a 940 would end nothing, but skip the noise
        response = client.send_raw(line.encode() + b"\r")
        if line.startswith("97"):
            assert response == previous  # 97: the last answer again
        else:
            assert response[:2] == RESPONSE_CODE[line[:2]], (line, response)
        previous = response


def test_fuzzed_messages_never_crash(library, client_factory, caplog):
    """Mutated and random lines: every answer is a SIP2 message, and the line stays usable."""
    import random

    from thuvien.interop.sip2 import codec

    rng = random.Random(2026)
    valid = [
        "11YN20260101    120000                  AONB-KS|AA999999|AB1565921879|AC|",
        "09N20260101    12000020260101    120000APx|AONB-KS|AB1565921879|",
        "6300020260101    120000 Y        AONB-KS|AA999999|BP1|BQ3|",
        "15+20260101    120000AONB-KS|AA999999|AB0440242746|",
        "2300020260101    120000AONB-KS|AA999999|AD6789|",
        "1720260101    120000AONB-KS|AB660|", "6520260101    120000AONB-KS|AA999999|",
        "29NN20260101    120000                  AONB-KS|AA999999|AB1565921879|",
    ]
    client = client_factory()
    client.login()
    for n in range(100):
        text = list(rng.choice(valid))
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(len(text))
            text[position] = rng.choice(["|", "", "ệ", "\x00", "Z", "9", " ", "AB", "|AA", str(rng.random())])
        data = "".join(text).encode("utf-8")
        if n % 5 == 0:
            data = bytes(rng.randrange(256) for _ in range(rng.randint(1, 80))).replace(b"\r", b"").replace(b"\n", b"")
        if not data.strip(b"\x00 "):
            continue
        response = client.send_raw(data + b"\r")
        assert response == "96AZFEF6" or response[:2] in RESPONSE_CODE.values(), (data, response)
        body = response.encode("utf-8")
        assert codec.verify_checksum(body, response) if "AZ" in response else True
    assert client.send("9900802.00").startswith("98YYYY")
    assert not [r for r in caplog.records if r.levelname == "ERROR"]  # no handler failed on any of them


def test_idle_kiosks_are_dropped(kiosk, client_factory, sip2_server, monkeypatch):
    from thuvien.interop.sip2 import server

    monkeypatch.setattr(server, "DB_IDLE_SECONDS", 0.2)
    sip2_server.idle_timeout = 0.5
    client = client_factory()
    assert client.login().startswith("941")
    client.sock.settimeout(5)
    assert client.sock.recv(100) == b""  # the server hung up on the silent kiosk


def test_a_failing_service_gets_a_refusal_not_a_dropped_line(library, client_factory, monkeypatch):
    from thuvien.interop.sip2 import adapter

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(adapter.services, "checkout", broken)
    client = client_factory()
    client.login()
    response = client.send("11YN20260101    120000                  AONB-KS|AA999999|AB660|AC|")
    assert response.startswith("120NNN") and "Hệ thống không thực hiện được yêu cầu" in response
    assert client.send("1720260101    120000AONB-KS|AB660|").startswith("1803")  # the line goes on

"""Kiosk rules on top of the services: reader passwords, restricted records, expired cards."""

import datetime as dt

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_kiosk_that_requires_reader_passwords(library, client_factory, fields):
    from thuvien.interop.sip2.accounts import add_account

    add_account(None, "strict", "NB-KS", "strict-pass", patron_password_required=True)
    client = client_factory()
    assert client.send("9300CNstrict|COstrict-pass|").startswith("941")
    status = client.send("2300020260101    120000AONB-KS|AA999999|")
    parsed = fields(status, 37)
    assert parsed["BL"] == ["Y"] and parsed["CQ"] == ["N"] and parsed["AE"] == [""]
    assert parsed["AF"] == ["Vui lòng nhập mật khẩu."] and "BV" not in parsed
    refused = client.send("11YN20260101    120000                  AONB-KS|AA999999|AB660|AC|")
    assert refused.startswith("120") and "Vui lòng nhập mật khẩu" in refused
    wrong = client.send("11YN20260101    120000                  AONB-KS|AA999999|AB660|AC|ADnot-it|")
    assert wrong.startswith("120") and "Sai số thẻ hoặc mật khẩu" in wrong
    assert client.send("11YN20260101    120000                  AONB-KS|AA999999|AB660|AC|AD6789|").startswith("121")


def test_restricted_records_and_expired_cards(library, client_factory, fields):
    from thuvien.catalog.models import BibRecord
    from thuvien.circulation import services
    from thuvien.circulation.models import Hold

    record = library.items["0440242746"].record
    BibRecord.objects.filter(pk=record.pk).update(visibility="staff")
    client = client_factory()
    client.login()
    info = client.send("1720260101    120000AONB-KS|AB0440242746|")
    assert fields(info, 26)["AJ"] == [""]  # the title of a restricted record is not shown
    hold = client.send("15+20260101    120000AONB-KS|AA999999|AB0440242746|")
    assert hold.startswith("160N") and not Hold.objects.exists()
    by_id = client.send(f"15+20260101    120000AONB-KS|AA999999|AJ{record.pk}|")
    assert by_id.startswith("160N") and not Hold.objects.exists()

    services.update_reader(None, "KS0002", expires_on=dt.date(2020, 1, 1))
    status = client.send("2300020260101    120000AONB-KS|AAKS0002|")
    assert status.startswith("24YYYY"), status
    assert "hết hạn" in "".join(fields(status, 37)["AF"])
    refused = client.send("11YN20260101    120000                  AONB-KS|AAKS0002|AB660|AC|")
    assert refused.startswith("120") and "hết hạn" in refused  # the desk could override; a kiosk cannot


def test_password_guessing_is_throttled(library, client_factory):
    from django.core.cache import cache

    cache.clear()
    try:
        client = client_factory()
        client.login()
        for pin in range(5):
            status = client.send(f"2300020260101    120000AONB-KS|AA999999|AD{pin:04d}|")
            assert "|CQN|" in status
        # Now even the right PIN is refused for a while: a kiosk is no place to guess PINs.
        assert "|CQN|" in client.send("2300020260101    120000AONB-KS|AA999999|AD6789|")
        # Kiosk logins too: ten failures for one login, over several connections.
        for _ in range(4):
            other = client_factory()
            for _ in range(3):
                assert other.send("9300CNks-kiosk-1|COguess|").startswith("940")
        assert client_factory().login().startswith("940")
    finally:
        cache.clear()

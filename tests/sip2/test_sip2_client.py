"""Drive the server with the ``Sip2`` client package from PyPI (tzeumer, 1.1), as a kiosk would."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def wrapper_for(port, tmp_path):
    from Sip2.wrapper import Sip2Wrapper

    return Sip2Wrapper({
        "hostName": "127.0.0.1", "hostPort": port, "tlsEnable": False, "hostEncoding": "utf-8",
        "institutionId": "NB-KS", "scLocation": "lobby", "withCrc": True, "withSeq": True,
        "socketTimeout": 10, "logfile_path": str(tmp_path), "loglevel": "WARNING",
    }, True, "Sip2")


def test_sip2_client_session(library, sip2_server, tmp_path):
    from thuvien.circulation.models import Loan

    from .conftest import KIOSK_PASSWORD

    wrapper = wrapper_for(sip2_server.port, tmp_path)
    try:
        with pytest.raises(RuntimeError):
            wrapper.sip_login("ks-kiosk-1", "wrong password")
        assert wrapper.login_device("ks-kiosk-1", KIOSK_PASSWORD, True)  # 93 login + 99 SC status
        status = wrapper.return_sc_status()
        assert status["fixed"]["OnlineStatus"] == "Y"
        assert status["variable"]["AO"] == ["NB-KS"]

        assert not wrapper.login_patron("999999", "wrong")
        assert wrapper.login_patron("999999", "6789")  # 63 patron information, BL and CQ
        patron = wrapper.get_patron_status()
        assert patron["variable"]["AE"] == ["Nguyễn Văn Á"]

        sip = wrapper.return_sip2()
        # The wrapper's own checkout refuses patrons in good standing (it reads the status flags
        # the wrong way round), so checkout, renew and hold go through the client's message layer.
        checkout = sip.sip_checkout_response(sip.get_response(sip.sip_checkout_request("1565921879")))
        assert checkout["fixed"]["Ok"] == "1", sip.last_response
        assert checkout["variable"]["AJ"] == ["Perl 5 desktop reference"]
        assert wrapper.get_patron_chargedItems() == ["1565921879"]

        item = wrapper.sip_item_information("1565921879")
        assert item["fixed"]["CirculationStatus"] == "04"

        renew = sip.sip_checkout_response(sip.get_response(sip.sip_renew_request("1565921879")))
        assert renew["fixed"]["Ok"] == "1", sip.last_response
        renew_all = sip.sip_renew_all_response(sip.get_response(sip.sip_renew_all_request()))
        assert sip.last_response.startswith("66100010000"), sip.last_response
        assert renew_all["variable"]["BM"] == ["1565921879"]

        hold = sip.sip_hold_response(sip.get_response(sip.sip_hold_request("+", itemIdentifier="0440242746")))
        assert hold["fixed"]["Ok"] == "1", sip.last_response

        checkin = wrapper.sip_item_checkin("1565921879")
        assert checkin["fixed"]["Ok"] == "1" and checkin["fixed"]["Alert"] == "N", sip.last_response

        wrapper.sip_patron_session_end()  # raises unless 36 says Y
        assert Loan.objects.get(item__barcode="1565921879").channel == "sip2"
    finally:
        wrapper.disconnect()

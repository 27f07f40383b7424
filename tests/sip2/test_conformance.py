"""Conformance: the 29 request/response cases of Evergreen's SIPServer test suite.

The cases (../shared/testdata/sip2/evergreen_sipserver_cases.json) are pairs of a raw
request and the Perl regex its response must match; they come from several .t files
whose prep/cleanup steps assume a server state, so we run them in an order that gives
each its state: a patron with a valid card, then loans, renewals, a hold, and blocks.
"""

import json
import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def load_cases(testdata):
    data = json.loads((testdata / "sip2" / "evergreen_sipserver_cases.json").read_text("utf-8"))
    return data["cases"]


# Indexes into the cases, in the order that gives each the server state it expects.
ORDER_BEFORE_LOGIN = [0, 1]  # invalid user name, invalid password
ORDER = [
    28,  # item information: available copy
    2, 3, 4, 5, 10,  # patron status: valid, wrong password, unknown patron; patron info; no password
    6, 12, 22,  # patron enable on a patron in good standing
    15,  # no holds yet
    18, 17,  # check out, check in
    9, 21, 8,  # check out, renew, check in
    19, 20,  # check out, check in
    23, 27, 25,  # check out, renew all (one renewed), check in
    24, 26,  # second copy: check out, check in
    14, 16,  # place a hold; the patron now has one
    7, 11, 13,  # block the patron (three ways)
]


def test_every_case_is_run_once():
    assert sorted(ORDER_BEFORE_LOGIN + ORDER) == list(range(29))


def test_evergreen_sipserver_cases(library, client_factory, testdata, fields):
    cases = load_cases(testdata)
    assert len(cases) == 29
    client = client_factory()
    for index in ORDER_BEFORE_LOGIN:
        case = cases[index]
        response = client.send(case["request_with_defaults"])
        assert re.match(case["response_regex"], response), (case["id"], response)
    assert client.login().startswith("941")
    for index in ORDER:
        case = cases[index]
        for plain in (False, True):  # with and without error detection
            if plain and case["request_with_defaults"][:2] in ("11", "09", "29", "65", "15", "01"):
                continue  # state-changing: sent once
            response = client.send(case["request_with_defaults"], error_detection=not plain)
            assert re.match(case["response_regex"], response), (case["id"], response)

    # What the responses said is what happened, through the circulation services.
    from thuvien.circulation.models import Hold, Loan, Reader

    reader = Reader.objects.get(card_number="999999")
    assert reader.status == "blocked" and "He's a jerk" in reader.block_reason and "ks-kiosk-1" in reader.block_reason
    assert Hold.objects.filter(reader=reader, status="waiting", record=library.items["1565921879"].record).count() == 1
    loans = Loan.objects.filter(item__barcode__in=["1565921879", "0440242746"])
    assert loans.count() == 5 and all(loan.returned_at for loan in loans)
    assert {loan.channel for loan in loans} == {"sip2"}
    assert loans.filter(renewals=1).count() == 2  # 29 renew and 65 renew all

    # A blocked patron is refused at the kiosk, with the services' reason in Vietnamese.
    refused = client.send("11YN20060329    203000                  AONB-KS|AA999999|AB0440242746|AC|")
    assert refused.startswith("120NNN"), refused
    assert any("bị khóa" in message for message in fields(refused, 24)["AF"])
    assert not Loan.objects.filter(item__barcode="0440242746", returned_at__isnull=True).exists()


def test_response_fields(library, client_factory, fields):
    client = client_factory()
    client.login()
    info = client.send("6300020260101    084237Y         AONB-KS|AA999999|AD6789|")
    parsed = fields(info, 61)
    assert parsed["AE"] == ["Nguyễn Văn Á"] and parsed["BL"] == ["Y"] and parsed["CQ"] == ["Y"]
    assert parsed["BD"] == ["Phát Diệm, Kim Sơn, Ninh Bình"] and parsed["BE"] == ["nva@example.org"]
    assert parsed["BH"] == ["VND"] and parsed["BV"] == ["0"]

    checkout = client.send("11NN20260101    084237                  AONB-KS|AA999999|AB660|AC|AD6789|")
    assert checkout.startswith("121NNY"), checkout
    parsed = fields(checkout, 24)
    assert parsed["AJ"] == ["Truyện Kiều"] and parsed["CK"] == ["001"]
    assert re.fullmatch(r"\d{8} {4}\d{6}", parsed["AH"][0])
    assert parsed["AF"][0].startswith("Mượn thành công. Hạn trả: ")

    charged = client.send("6300020260101    084237  Y       AONB-KS|AA999999|BP1|BQ5|")
    assert charged[37:61] == "0000" "0000" "0001" "0000" "0000" "0000", charged
    assert fields(charged, 61)["AU"] == ["660"]
    # Scanned again by the same reader, with the kiosk's renewal policy Y: a renewal.
    again = client.send("11YN20260101    084237                  AONB-KS|AA999999|AB660|AC|")
    assert again.startswith("121YNY"), again
    assert client.send("11NN20260101    084237                  AONB-KS|AA999999|AB660|AC|").startswith("120")

    item = client.send("1720260101    084237AONB-KS|AB660|")
    assert item.startswith("1804"), item  # charged
    parsed = fields(item, 26)
    assert parsed["AH"][0] == fields(checkout, 24)["AH"][0] and parsed["BG"] == ["NB-KS"]
    assert parsed["AF"] == ["Đang được cho mượn."]

    # Someone else cannot renew this copy; the wrong password is refused; unknown copies too.
    other = client.send("29NN20260101    084237                  AONB-KS|AAKS0002|AB660|")
    assert other.startswith("300N") and "không phải do bạn mượn" in other
    wrong = client.send("29NN20260101    084237                  AONB-KS|AA999999|AB660|ADnope|")
    assert wrong.startswith("300N") and "Sai số thẻ hoặc mật khẩu" in wrong
    unknown = client.send("11YN20260101    084237                  AONB-KS|AA999999|ABNO-SUCH|")
    assert unknown.startswith("120") and "Không có bản sách nào có mã vạch này" in unknown  # the services' words
    assert client.send("1720260101    084237AONB-KS|ABNO-SUCH|").startswith("1801")

    # Another reader's hold: the copy goes to the hold shelf on return (alert, CV 01).
    hold = client.send("15+20260101    084237AONB-KS|AAKS0002|AB660|")
    assert hold.startswith("161N"), hold
    back = client.send("09N20260101    08423720260101    084237APlobby|AONB-KS|AB660|")
    assert back.startswith("101YNY"), back
    parsed = fields(back, 24)
    assert parsed["CV"] == ["01"] and parsed["CY"] == ["KS0002"]
    assert parsed["AF"][0] == "Đã trả. Cảm ơn bạn!" and "tại quầy" in parsed["AF"][1]
    assert "Trần Thị Bình" not in back  # the kiosk's screen never names the reader waiting
    ready = client.send("1720260101    084237AONB-KS|AB660|")
    assert ready.startswith("1808"), ready  # waiting on the hold shelf
    # The reader cancels the hold at the kiosk.
    cancelled = client.send("15-20260101    084237AONB-KS|AAKS0002|AB660|")
    assert cancelled.startswith("161N") and "Đã hủy đặt mượn" in cancelled
    end = client.send("3520260101    084237AONB-KS|AA999999|")
    assert end.startswith("36Y"), end

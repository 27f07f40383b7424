"""The SIP2 codec: checksums (Evergreen's vectors), fixed and variable fields, framing."""

import json

import pytest

from thuvien.interop.sip2 import codec


def test_checksum_vectors(testdata):
    vectors = json.loads((testdata / "sip2" / "sip2_checksum_vectors.json").read_text("utf-8"))
    assert len(vectors) == 19
    for vector in vectors:
        text = vector["message_without_checksum"]
        assert codec.checksum(text.encode("utf-8")) == vector["expected_checksum"], text
        full = (text + vector["expected_checksum"]).encode("utf-8")
        assert codec.verify_checksum(full, full.decode("utf-8"))
        # One changed byte is caught.
        damaged = b"9" + full[1:] if full[:1] != b"9" else b"8" + full[1:]
        assert not codec.verify_checksum(damaged, damaged.decode("utf-8"))


def test_character_sum_checksums_are_accepted_too():
    # The Sip2 client from PyPI sums characters, not bytes: "Nguyễn" differs between the two.
    text = "01N20260101    120000AONB-KS|ALThẻ bị mất|AA123|AY1AZ"
    by_chars = codec.checksum(text)
    assert by_chars != codec.checksum(text.encode("utf-8"))
    raw = (text + by_chars).encode("utf-8")
    assert codec.verify_checksum(raw, raw.decode("utf-8"))
    message = codec.decode(raw)
    assert message.get("AL") == "Thẻ bị mất" and message.sequence == "1"


def test_every_raw_evergreen_frame_parses(testdata):
    lines = (testdata / "sip2" / "evergreen_sipserver_raw_messages.txt").read_bytes().splitlines()
    assert len(lines) == 17
    codes = []
    for line in lines:
        message = codec.decode(line)
        codes.append(message.code)
    assert codes[0] == "97"
    assert set(codes) >= {"23", "93", "11", "09", "01", "25", "99", "35", "17", "63", "15", "29", "65"}


def test_fixed_and_variable_fields():
    message = codec.parse("11YN20060329    203000                  AOBR1|AA999999|AB1565921879|AC|")
    assert message.code == "11"
    assert message.fixed["renewal_policy"] == "Y" and message.fixed["no_block"] == "N"
    assert message.fixed["transaction_date"] == "20060329    203000"
    assert message.fixed["nb_due_date"] == " " * 18
    assert message.get("AA") == "999999" and message.get("AB") == "1565921879"
    assert message.has("AC") and message.get("AC") == ""
    assert message.sequence is None and message.checksum is None

    hold = codec.parse("15+20060415    110158BW20060815    110158|BSTaylor|BY2|AOBR1|AA999999|AB1565921879|")
    assert hold.fixed["hold_mode"] == "+" and hold.get("BW") == "20060815    110158" and hold.get("BS") == "Taylor"

    info = codec.parse("6300020060329    201700Y         AOUWOLS|AAdjfiander|BP1|BQ5|AY3AZF000")
    assert info.fixed["summary"] == "Y         " and info.sequence == "3" and info.checksum == "F000"
    assert info.get("BP") == "1"

    status = codec.parse("9910302.00AY1AZFCA5")
    assert status.fixed == {"status_code": "1", "max_print_width": "030", "protocol_version": "2.00"}
    assert status.sequence == "1"

    repeated = codec.parse("6300020060329    201700          AOX|AAp|AFone|AFtwo|")
    assert repeated.fields["AF"] == ["one", "two"]


@pytest.mark.parametrize("text", [
    "", "1", "XX", "42hello", "11Y", "2300120060101", "23001200601010000000AO|garbage|",
    "6300020060329    201700          AOBR1|A|",
])
def test_garbage_is_refused_cleanly(text):
    with pytest.raises(codec.MessageError):
        codec.parse(text)


def test_bad_checksum_and_bad_bytes():
    with pytest.raises(codec.ChecksumError):
        codec.decode(b"9300CNkiosk|COsecret|AY0AZ0000")
    with pytest.raises(codec.MessageError):
        codec.decode(b"9300CN\xff\xfe|COx|")
    # Latin-1 kiosks: the same bytes read fine in their own encoding.
    assert codec.decode("9300CNkiosk|COmàu|".encode("cp850"), "cp850").get("CO") == "màu"


def test_encode_adds_sequence_and_checksum():
    data = codec.encode("94", ["1"], sequence="0", error_detection=True)
    assert data == b"941AY0AZFDFD\r"  # the last of Evergreen's vectors
    assert codec.encode("96", error_detection=True) == b"96AZFEF6\r"
    plain = codec.encode("36", ["Y", "20260101    120000"], [("AO", "NB-KS"), ("AA", "a|b"), ("AF", None)])
    assert plain == b"36Y20260101    120000AONB-KS|AAa/b|\r"
    vietnamese = codec.encode("24", [], [("AE", "Nguyễn Văn Á")], sequence="4", error_detection=True)
    body = vietnamese[:-1]
    assert codec.verify_checksum(body, body.decode("utf-8"))
    assert "Nguyễn Văn Á".encode() in body


def test_dates_are_local_time_with_blank_zone(settings):
    from datetime import UTC, datetime

    moment = datetime(2026, 11, 25, 3, 4, 5, tzinfo=UTC)
    assert codec.sip_datetime(moment) == "20261125    100405"  # Asia/Ho_Chi_Minh is UTC+7
    assert codec.count(7) == "0007" and codec.count(123456) == "9999"


def test_fixed_fields_left_out_by_some_clients():
    # The Sip2 client sends 65 without its transaction date, and 63 without a summary.
    renew_all = codec.parse("65AONB-KS|AA999999|AD6789|AY5")
    assert renew_all.fixed["transaction_date"] == "" and renew_all.get("AA") == "999999"
    info = codec.parse("6300020260101    084237AONB-KS|AA1|")
    assert info.fixed["summary"] == "" and info.get("AO") == "NB-KS"
    # A required fixed field cannot be left out.
    with pytest.raises(codec.MessageError):
        codec.parse("11AONB-KS|AA1|AB2|")


def test_windows_1258_writes_tones_apart_and_reads_back_to_nfc():
    text = "Nguyễn Thị Ngọc Ánh, Truyện Kiều"
    data = codec.to_bytes(text, "cp1258")
    assert b"?" not in data
    assert data.decode("cp1258") != text  # tones as combining marks
    message = codec.decode(b"9300CN" + data + b"|COx|", "cp1258")
    assert message.get("CN") == text  # NFC again inside
    assert codec.to_bytes("Đà Nẵng", "cp850") == "Đà N?ng".encode("cp850", errors="replace")

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


def test_blocks_follow_the_rules_of_the_kiosk_library(library, client_factory, fields, network):
    """A kiosk in Yên Mô explains and applies Yên Mô's rules, as the Yên Mô desk does."""
    from thuvien.catalog import services as catalog
    from thuvien.circulation.models import LoanRule
    from thuvien.interop.sip2.accounts import add_account

    LoanRule.objects.create(library=network["NB-YM"], max_loans=1)  # Yên Mô lends one book at a time
    add_account(None, "ym-kiosk", "NB-YM", "yenmo-pass")
    ym_copy = catalog.add_item(None, library.items["660"].record, network["NB-YM"], barcode="YM660")
    kim_son, yen_mo = client_factory(), client_factory()
    kim_son.login()
    assert yen_mo.send("9300CNym-kiosk|COyenmo-pass|").startswith("941")
    assert kim_son.send("11YN20260101    120000                  AONB-KS|AA999999|AB1565921879|AC|").startswith("121")

    limit = "tối đa"
    here = kim_son.send("2300020260101    120000AONB-KS|AA999999|")
    there = yen_mo.send("2300020260101    120000AONB-YM|AA999999|")
    assert here[2:16] == " " * 14 and limit not in here, here
    assert there[2:16] == "Y    Y        " and limit in "".join(fields(there, 37)["AF"]), there
    info = yen_mo.send("6300020260101    120000          AONB-YM|AA999999|")
    assert info[2:16] == "Y    Y        " and limit in info, info
    refused = yen_mo.send("11YN20260101    120000                  AONB-YM|AA999999|ABYM660|AC|")
    assert refused.startswith("120") and limit in refused, refused
    assert not ym_copy.loans.exists()


def test_copy_of_another_library_is_refused_and_routed_home(library, client_factory, fields, network):
    """The desk's item_elsewhere refusal: a kiosk cannot override it. Returned at the wrong
    library, the copy is sent home (CV 04, CT its library)."""
    from thuvien.catalog import services as catalog
    from thuvien.circulation import services
    from thuvien.circulation.models import Loan, Override

    ym_copy = catalog.add_item(None, library.items["660"].record, network["NB-YM"], barcode="YM661")
    client = client_factory()
    client.login()
    refused = client.send("11YN20260101    120000                  AONB-KS|AA999999|ABYM661|AC|")
    assert refused.startswith("120"), refused
    assert "thuộc thư viện khác" in refused and "Yên Mô" in refused, refused
    assert not Loan.objects.filter(item=ym_copy).exists() and not Override.objects.exists()

    services.checkout(None, "999999", "YM661", network["NB-YM"])  # lent in Yên Mô ...
    returned = client.send("09N20260101    12000020260101    120000APlobby|AONB-KS|ABYM661|")  # ... returned in Kim Sơn
    parsed = fields(returned, 24)
    assert returned.startswith("101YNY"), returned
    assert parsed["CV"] == ["04"] and parsed["CT"] == ["NB-YM"] and parsed["AQ"] == ["NB-YM"], returned
    ym_copy.refresh_from_db()
    assert ym_copy.status == "in_transit" and not Loan.objects.filter(item=ym_copy, returned_at__isnull=True).exists()


def test_fines_are_charged_shown_and_block(library, client_factory, fields):
    """An overdue copy returned at the kiosk is fined by the desk's rules; the reader's fines
    show in 63/64 (BV, AV) and, over the limit, block the next loan."""
    from django.utils import timezone

    from thuvien.circulation import services
    from thuvien.circulation.models import LedgerEntry, Loan

    client = client_factory()
    client.login()
    assert client.send("11YN20260101    120000                  AONB-KS|AA999999|AB660|AC|").startswith("121")
    Loan.objects.filter(item__barcode="660").update(due_at=timezone.now() - dt.timedelta(days=90))
    returned = client.send("09N20260101    12000020260101    120000APlobby|AONB-KS|AB660|")
    owed = services.fines_owed(library.readers["999999"])
    assert owed > 0 and LedgerEntry.objects.filter(reader=library.readers["999999"]).exists()
    assert returned.startswith("101") and "Tiền phạt" in returned and f"{int(owed)}" in returned, returned
    info = client.send("6300020260101    120000   Y      AONB-KS|AA999999|")
    parsed = fields(info, 61)
    assert parsed["BV"] == [str(int(owed))] and parsed["AV"] == [f"{int(owed)} VND"], info
    rule = services.resolve_rule(library.ks, library.readers["999999"].category_id)
    assert owed > rule.max_fines and info[12] == "Y", info  # excessive fines flag
    assert "tiền phạt vượt mức" in "".join(parsed["AF"]), info
    checkout = client.send("11YN20260101    120000                  AONB-KS|AA999999|AB0440242746|AC|")
    assert checkout.startswith("120") and "tiền phạt vượt mức" in checkout, checkout

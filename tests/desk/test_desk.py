"""The loan desk over HTTP: scan a card, lend, check in, renew; blocks and overrides;
lost and damaged copies; money; bad input changes nothing; staff act only in their library."""

import datetime

import pytest
from django.utils import timezone

from thuvien.catalog.models import Item, ItemStatus
from thuvien.circulation.models import Hold, LedgerEntry, Loan, Override, Reader

from .conftest import messages_of

DESK = "/staff/circulation/"


def reader_url(card):
    return f"{DESK}readers/{card}/"


def open_loans(barcode):
    return Loan.objects.filter(item__barcode=barcode, returned_at__isnull=True)


@pytest.mark.django_db
def test_scan_card_lend_and_check_in(login, circ):
    desk = login("kimson_desk")
    page = desk.get(DESK)
    assert page.status_code == 200
    assert "Thư viện huyện Kim Sơn" in page.content.decode()
    assert desk.get(DESK, {"scan": "KS0001"})["Location"] == reader_url("KS0001")

    panel = desk.get(reader_url("KS0001"))
    assert panel.status_code == 200 and "Nguyễn Thị Lan" in panel.content.decode()

    response = desk.post(reader_url("KS0001") + "checkout/", {"barcode": f"  {circ['ks_copy']} "}, follow=True)
    assert response.redirect_chain[-1][0] == reader_url("KS0001")
    loan = open_loans(circ["ks_copy"]).get()
    assert loan.reader.card_number == "KS0001" and loan.channel == "desk" and loan.library == circ["ks"]
    text = response.content.decode()
    assert "Đã cho mượn" in " ".join(messages_of(response))
    assert "Truyện Kiều" in text and timezone.localtime(loan.due_at).strftime("%d/%m/%Y") in text

    # The next reader's card scanned into the copy box opens that reader.
    assert desk.post(reader_url("KS0001") + "checkout/", {"barcode": "YM0001"})["Location"] == reader_url("YM0001")

    response = desk.post(DESK + "checkin/", {"barcode": circ["ks_copy"]}, follow=True)
    assert response.status_code == 200
    assert not open_loans(circ["ks_copy"]).exists()
    assert Item.objects.get(barcode=circ["ks_copy"]).status == ItemStatus.AVAILABLE
    assert "Xếp lên giá" in response.content.decode()  # what to do with it: shelve


@pytest.mark.django_db
def test_check_in_says_hold_for_a_named_reader_and_transit_to_another_library(login, circ):
    from thuvien.circulation import services

    desk = login("kimson_desk")
    desk.post(reader_url("KS0001") + "checkout/", {"barcode": circ["ks_copy"]})
    desk.post(reader_url("KS0001") + "checkout/", {"barcode": circ["ks_copy2"]})
    # Minh of Yên Mô reserves Truyện Kiều to collect it in Yên Mô; Lan returns one copy in Kim Sơn.
    services.place_hold(None, "YM0001", circ["kieu"].pk, circ["ym"])
    response = desk.post(DESK + "checkin/", {"barcode": circ["ks_copy"]}, follow=True)
    text = response.content.decode()
    assert "Chuyển đến" in text and "Thư viện huyện Yên Mô" in text and "Trần Văn Minh" in text
    assert Item.objects.get(barcode=circ["ks_copy"]).status == ItemStatus.IN_TRANSIT

    # Yên Mô sees it in transit, receives it: it waits on the hold shelf for Minh.
    yenmo = login("yenmo_desk")
    assert circ["ks_copy"] in yenmo.get(DESK + "transit/").content.decode()
    response = yenmo.post(DESK + "checkin/", {"barcode": circ["ks_copy"]}, follow=True)
    text = response.content.decode()
    assert "Để lên giá giữ sách cho" in text and "Trần Văn Minh" in text
    assert Hold.objects.get(reader__card_number="YM0001").status == "ready"


@pytest.mark.django_db
def test_checkout_of_an_unknown_barcode_is_refused_and_changes_nothing(login, circ):
    desk = login("kimson_desk")
    for barcode in ("KHONG-CO", "", "   ", "x" * 500):
        response = desk.post(reader_url("KS0001") + "checkout/", {"barcode": barcode}, follow=True)
        assert response.status_code == 200
        assert messages_of(response), barcode
    assert "Không có bản sách nào có mã vạch này" in " ".join(messages_of(response))
    response = desk.post(DESK + "checkin/", {"barcode": "KHONG-CO"}, follow=True)
    assert "KHONG-CO: Không có bản sách" in " ".join(messages_of(response))
    assert not Loan.objects.exists()


@pytest.mark.django_db
def test_unknown_card_is_explained(login, circ):
    desk = login("kimson_desk")
    response = desk.get(DESK, {"scan": "KHONG-CO"}, follow=True)
    assert "KHONG-CO" in " ".join(messages_of(response))
    response = desk.get(reader_url("KHONG-CO"), follow=True)
    assert response.status_code == 200 and messages_of(response)
    response = desk.post(reader_url("KHONG-CO") + "checkout/", {"barcode": circ["ks_copy"]}, follow=True)
    assert response.status_code == 200 and messages_of(response)
    assert not Loan.objects.exists()


@pytest.mark.django_db
def test_copy_already_on_loan_is_refused(login, circ):
    from thuvien.circulation import services

    services.checkout(None, "YM0001", circ["ks_copy"], circ["ks"])
    desk = login("kimson_desk")
    response = desk.post(reader_url("KS0001") + "checkout/", {"barcode": circ["ks_copy"]}, follow=True)
    assert "đang được cho mượn" in " ".join(messages_of(response))
    assert open_loans(circ["ks_copy"]).get().reader.card_number == "YM0001"


@pytest.mark.django_db
def test_blocked_reader_cannot_borrow_and_block_is_explained(login, circ):
    desk = login("kimson_desk")
    desk.post(reader_url("KS0001") + "block/", {"reason": "Làm rách sách"})
    assert Reader.objects.get(card_number="KS0001").status == "blocked"
    panel = desk.get(reader_url("KS0001")).content.decode()
    assert "Làm rách sách" in panel
    response = desk.post(reader_url("KS0001") + "checkout/",
                         {"barcode": circ["ks_copy"], "override": "reader_blocked"}, follow=True)
    assert "khóa" in " ".join(messages_of(response))
    assert not Loan.objects.exists() and not Override.objects.exists()
    desk.post(reader_url("KS0001") + "unblock/")
    assert Reader.objects.get(card_number="KS0001").status == "active"


@pytest.mark.django_db
def test_expired_card_needs_a_recorded_override(login, circ):
    Reader.objects.filter(card_number="KS0001").update(expires_on=datetime.date(2020, 1, 1))
    desk = login("kimson_desk")
    panel = desk.get(reader_url("KS0001")).content.decode()
    assert "Thẻ bạn đọc đã hết hạn" in panel
    response = desk.post(reader_url("KS0001") + "checkout/", {"barcode": circ["ks_copy"]}, follow=True)
    assert not Loan.objects.exists()
    text = response.content.decode()
    assert 'name="override" value="card_expired"' in text  # the confirm form
    response = desk.post(reader_url("KS0001") + "checkout/",
                         {"barcode": circ["ks_copy"], "override": "card_expired"}, follow=True)
    assert open_loans(circ["ks_copy"]).exists()
    override = Override.objects.get()
    assert override.code == "card_expired" and override.actor.username == "kimson_desk"
    assert 'name="override" value="card_expired" required' not in response.content.decode()


@pytest.mark.django_db
def test_not_for_loan_copy_is_overridable_and_the_override_recorded(login, circ):
    Item.objects.filter(barcode=circ["ks_copy"]).update(status=ItemStatus.NOT_FOR_LOAN)
    desk = login("kimson_desk")
    desk.post(reader_url("KS0001") + "checkout/", {"barcode": circ["ks_copy"]})
    assert not Loan.objects.exists()
    desk.post(reader_url("KS0001") + "checkout/", {"barcode": circ["ks_copy"], "override": ["not_for_loan"]})
    assert open_loans(circ["ks_copy"]).exists()
    assert list(Override.objects.values_list("code", flat=True)) == ["not_for_loan"]


@pytest.mark.django_db
def test_renew_and_renewal_not_allowed(login, circ):
    from thuvien.circulation import services

    desk = login("kimson_desk")
    desk.post(reader_url("KS0001") + "checkout/", {"barcode": circ["ks_copy"]})
    loan = open_loans(circ["ks_copy"]).get()
    response = desk.post(reader_url("KS0001") + "renew/", {"barcode": circ["ks_copy"]}, follow=True)
    assert "Đã gia hạn" in " ".join(messages_of(response))
    assert Loan.objects.get(pk=loan.pk).renewals == 1
    # Someone waits for this title: the renewal is refused, nothing changes.
    services.place_hold(None, "YM0001", circ["kieu"].pk, circ["ym"], library=circ["ks"])
    Loan.objects.filter(pk=loan.pk).update(renewals=1)
    services.checkout(None, "KS0001", circ["ks_copy2"], circ["ks"])  # the other copy is out too
    response = desk.post(DESK + "renew/", {"barcode": circ["ks_copy"]}, follow=True)
    assert response.status_code == 200
    assert "gia hạn" in " ".join(messages_of(response))
    assert Loan.objects.get(pk=loan.pk).renewals == 1
    # Staff may override the renewal limit; the override is recorded.
    Hold.objects.all().delete()
    Loan.objects.filter(pk=loan.pk).update(renewals=2)
    response = desk.post(reader_url("KS0001") + "renew/", {"barcode": circ["ks_copy"]}, follow=True)
    assert 'value="renewal_limit"' in response.content.decode() and Loan.objects.get(pk=loan.pk).renewals == 2
    desk.post(reader_url("KS0001") + "renew/", {"barcode": circ["ks_copy"], "override": "renewal_limit"})
    assert Loan.objects.get(pk=loan.pk).renewals == 3
    assert Override.objects.get(code="renewal_limit").operation == "renew"
    # Renew mode: a copy not on loan.
    response = desk.post(DESK + "renew/", {"barcode": circ["ym_copy"]}, follow=True)
    assert response.status_code == 200 and messages_of(response)
    # A copy that is not this reader's loan.
    response = desk.post(reader_url("YM0001") + "renew/", {"barcode": circ["ks_copy"]}, follow=True)
    assert Loan.objects.get(pk=loan.pk).renewals == 3 and messages_of(response)
    response = desk.post(reader_url("KS0001") + "renew/", {"all": "1"}, follow=True)
    assert response.status_code == 200


@pytest.mark.django_db
def test_lost_damaged_fines_and_payments(login, circ):
    desk = login("kimson_desk")
    desk.post(reader_url("KS0001") + "checkout/", {"barcode": circ["ks_copy"]})
    item_page = desk.get(DESK + "items/", {"barcode": circ["ks_copy"]}).content.decode()
    assert "Nguyễn Thị Lan" in item_page
    # Without the confirmation box nothing happens.
    desk.post(DESK + "items/lost/", {"barcode": circ["ks_copy"]})
    assert Item.objects.get(barcode=circ["ks_copy"]).status == ItemStatus.ON_LOAN
    desk.post(DESK + "items/lost/", {"barcode": circ["ks_copy"], "confirm": "1"})
    assert Item.objects.get(barcode=circ["ks_copy"]).status == ItemStatus.LOST
    charge = LedgerEntry.objects.get(kind="lost")
    assert charge.amount > 0
    desk.post(DESK + "items/damaged/", {"barcode": circ["ks_copy2"], "confirm": "1", "fee": "mười nghìn"})
    assert Item.objects.get(barcode=circ["ks_copy2"]).status == ItemStatus.AVAILABLE
    desk.post(DESK + "items/damaged/", {"barcode": circ["ks_copy2"], "confirm": "1"})
    assert Item.objects.get(barcode=circ["ks_copy2"]).status == ItemStatus.DAMAGED

    for bad in ("", "abc", "-5", "0"):
        response = desk.post(reader_url("KS0001") + "pay/", {"amount": bad}, follow=True)
        assert response.status_code == 200 and messages_of(response)
    assert not LedgerEntry.objects.filter(kind="payment").exists()
    desk.post(reader_url("KS0001") + "pay/", {"amount": "20.000"})
    assert LedgerEntry.objects.get(kind="payment").amount == -20000
    panel = desk.get(reader_url("KS0001")).content.decode()
    assert "20.000 đ" in panel
    owed = sum(e.amount for e in LedgerEntry.objects.filter(reader__card_number="KS0001"))
    desk.post(reader_url("KS0001") + "waive/", {"amount": "5000"})  # no reason given
    assert not LedgerEntry.objects.filter(kind="waiver").exists()
    desk.post(reader_url("KS0001") + "waive/", {"amount": "5000", "note": "Hoàn cảnh khó khăn"})
    assert sum(e.amount for e in LedgerEntry.objects.filter(reader__card_number="KS0001")) == owed - 5000


@pytest.mark.django_db
def test_erase_a_reader_keeps_anonymous_loans(login, circ):
    from thuvien.circulation import services

    services.checkout(None, "KS0001", circ["ks_copy"], circ["ks"])
    desk = login("kimson_desk")
    response = desk.post(reader_url("KS0001") + "erase/", {"confirm": "1"}, follow=True)
    assert "còn sách đang mượn" in " ".join(messages_of(response))  # a copy still out
    assert Reader.objects.get(pk=circ["lan"].pk).status == "active"
    Loan.objects.filter(item__barcode=circ["ks_copy"]).update(due_at=timezone.now() - datetime.timedelta(days=2))
    services.checkin(None, circ["ks_copy"], circ["ks"])  # two days late: 2 000 đ owed
    response = desk.post(reader_url("KS0001") + "erase/", {"confirm": "1"}, follow=True)
    assert "còn nợ tiền" in " ".join(messages_of(response)) and "2.000 đ" in " ".join(messages_of(response))
    desk.post(reader_url("KS0001") + "pay/", {"amount": "2000"})
    desk.post(reader_url("KS0001") + "erase/", {})  # not confirmed
    assert Reader.objects.get(pk=circ["lan"].pk).status == "active"
    desk.post(reader_url("KS0001") + "erase/", {"confirm": "1"})
    lan = Reader.objects.get(pk=circ["lan"].pk)
    assert lan.status == "erased" and lan.name == "" and lan.email == ""
    loan = Loan.objects.get(item__barcode=circ["ks_copy"])
    assert loan.reader is None and loan.category_id is not None


@pytest.mark.django_db
def test_staff_are_scoped_to_their_library(login, circ, client):
    # Not logged in: to the login page. A cataloguer: refused.
    assert client.get(DESK)["Location"].startswith("/staff/login/")
    assert login("kimson_catalog").get(DESK).status_code == 403
    desk = login("kimson_desk")
    # Kim Sơn's desk cannot switch to Yên Mô.
    assert desk.post(DESK + "library/", {"library": circ["ym"].pk}).status_code == 403
    # A forged session pointing at Yên Mô is ignored: the desk falls back to Kim Sơn.
    session = desk.session
    session["circulation_desk_library"] = circ["ym"].pk
    session.save()
    assert "Thư viện huyện Kim Sơn" in desk.get(DESK).content.decode()
    # A Yên Mô copy that the records put on Yên Mô's shelves is not Kim Sơn's to lend ...
    response = desk.post(reader_url("YM0001") + "checkout/", {"barcode": circ["ym_copy"]}, follow=True)
    assert "thuộc thư viện khác" in " ".join(messages_of(response)) and not open_loans(circ["ym_copy"]).exists()
    # ... unless staff, copy in hand, override it (recorded).
    desk.post(reader_url("YM0001") + "checkout/", {"barcode": circ["ym_copy"], "override": "item_elsewhere"})
    assert open_loans(circ["ym_copy"]).get().library == circ["ks"]  # lent at Kim Sơn, never "at Yên Mô"
    assert Override.objects.get().code == "item_elsewhere"
    desk.post(DESK + "checkin/", {"barcode": circ["ym_copy"]})
    # Kim Sơn's staff cannot declare a Yên Mô copy lost.
    response = desk.post(DESK + "items/lost/", {"barcode": circ["ym_copy"], "confirm": "1"}, follow=True)
    assert "không có quyền" in " ".join(messages_of(response)).lower()
    assert Item.objects.get(barcode=circ["ym_copy"]).status != ItemStatus.LOST
    # A network administrator chooses the desk's library.
    admin = login("admin")
    admin.post(DESK + "library/", {"library": circ["ym"].pk})
    assert Item.objects.get(barcode=circ["ym_copy"]).status == ItemStatus.IN_TRANSIT  # back to Yên Mô
    admin.post(DESK + "checkin/", {"barcode": circ["ym_copy"]})  # received at Yên Mô
    admin.post(reader_url("YM0001") + "checkout/", {"barcode": circ["ym_copy"]})
    assert open_loans(circ["ym_copy"]).get().library == circ["ym"]


@pytest.mark.django_db
def test_pull_list_and_hold_shelf(login, circ):
    from thuvien.circulation import services

    services.place_hold(None, "YM0001", circ["kieu"].pk, circ["ym"])
    services.place_hold(None, "KS0001", circ["kieu"].pk, circ["ks"])
    kimson = login("kimson_desk")
    text = kimson.get(DESK + "pull-list/").content.decode()
    assert "Truyện Kiều" in text and "Trần Văn Minh" in text and "Nguyễn Thị Lan" in text
    assert "Truyện Kiều" not in login("yenmo_desk").get(DESK + "pull-list/").content.decode()
    # Pull the copies and check them in: one goes to Yên Mô, one waits here for Lan.
    kimson.post(DESK + "checkin/", {"barcode": circ["ks_copy"]})
    kimson.post(DESK + "checkin/", {"barcode": circ["ks_copy2"]})
    assert "Truyện Kiều" not in kimson.get(DESK + "pull-list/").content.decode()
    shelf = kimson.get(DESK + "hold-shelf/").content.decode()
    assert "Nguyễn Thị Lan" in shelf and circ["ks_copy2"] in shelf
    outgoing = kimson.get(DESK + "transit/").content.decode()
    assert circ["ks_copy"] in outgoing and "Thư viện huyện Yên Mô" in outgoing


@pytest.mark.django_db
def test_every_desk_page_answers(login, circ):
    desk = login("kimson_desk")
    for path in ("", "checkin/", "renew/", "items/", "items/?barcode=NOPE", "readers/", "readers/?q=Lan",
                 "readers/new/", "readers/pending/", "readers/import/", "pull-list/", "hold-shelf/", "transit/",
                 "requests/",
                 "requests/?kind=postal&state=done", "readers/KS0001/edit/"):
        response = desk.get(DESK + path, follow=True)
        assert response.status_code == 200, path
    # GET on a POST-only door is refused cleanly.
    assert desk.get(reader_url("KS0001") + "checkout/").status_code == 405


@pytest.mark.django_db
def test_loan_limit_and_fines_are_explained_in_vietnamese_and_overridden_on_record(login, circ, make_record):
    from thuvien.circulation.models import LoanRule

    LoanRule.objects.filter(library__isnull=True, category__isnull=True, item_type="").update(max_loans=1)
    desk = login("kimson_desk")
    desk.post(reader_url("KS0001") + "checkout/", {"barcode": circ["ks_copy"]})
    panel = desk.get(reader_url("KS0001")).content.decode()
    assert "Bạn đọc đã mượn đến số lượng tối đa" in panel  # the block is on the panel before anything is scanned
    response = desk.post(reader_url("KS0001") + "checkout/", {"barcode": circ["ks_copy2"]}, follow=True)
    assert "Bạn đọc đã mượn đến số lượng tối đa" in " ".join(messages_of(response))
    assert 'name="override" value="loan_limit"' in response.content.decode()
    assert open_loans(circ["ks_copy2"]).count() == 0 and not Override.objects.exists()
    # Fines above the threshold (50 000 đ) as well: staff tick both reasons and lend anyway.
    LedgerEntry.objects.create(reader=circ["lan"], kind="fine", amount=60000, note="60 ngày quá hạn")
    response = desk.post(reader_url("KS0001") + "checkout/", {"barcode": circ["ks_copy2"],
                                                              "override": "loan_limit"}, follow=True)
    assert "tiền phạt vượt mức" in " ".join(messages_of(response))
    assert 'value="fines_over_limit"' in response.content.decode() and not open_loans(circ["ks_copy2"]).exists()
    desk.post(reader_url("KS0001") + "checkout/", {"barcode": circ["ks_copy2"],
                                                   "override": ["loan_limit", "fines_over_limit"]})
    assert open_loans(circ["ks_copy2"]).get().reader == circ["lan"]
    assert sorted(Override.objects.values_list("code", "actor__username", "operation")) == [
        ("fines_over_limit", "kimson_desk", "checkout"), ("loan_limit", "kimson_desk", "checkout")]


def test_every_refusal_is_explained_in_vietnamese():
    from django.utils import translation

    from thuvien.circulation.errors import ERRORS, CirculationError

    for code in ERRORS:
        with translation.override("en"):
            english = CirculationError(code).message
        with translation.override("vi"):
            vietnamese = CirculationError(code).message
        assert vietnamese != english and vietnamese.strip(), code


@pytest.mark.django_db
def test_the_reader_panel_explains_blocks_by_the_rules_of_the_desk_library(login, circ):
    from thuvien.circulation import services
    from thuvien.circulation.models import LoanRule

    LoanRule.objects.create(library=circ["ym"], max_loans=1)  # Yên Mô lends one book at a time
    services.checkout(None, "KS0001", circ["ks_copy"], circ["ks"])
    limit = "Bạn đọc đã mượn đến số lượng tối đa"
    assert limit in login("yenmo_desk").get(reader_url("KS0001")).content.decode()
    assert limit not in login("kimson_desk").get(reader_url("KS0001")).content.decode()
    response = login("yenmo_desk").post(reader_url("KS0001") + "checkout/", {"barcode": circ["ym_copy"]}, follow=True)
    assert limit in " ".join(messages_of(response)) and not open_loans(circ["ym_copy"]).exists()

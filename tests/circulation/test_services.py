import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from thuvien.catalog.models import Item, ItemStatus
from thuvien.circulation import services
from thuvien.circulation.errors import CirculationError
from thuvien.circulation.models import (
    Calendar,
    ClosedDay,
    Hold,
    HoldStatus,
    LedgerEntry,
    Loan,
    LoanRule,
    Override,
    Reader,
    Transfer,
)

pytestmark = pytest.mark.django_db


def _code(call, *args, **kwargs):
    with pytest.raises(CirculationError) as info:
        call(*args, **kwargs)
    return info.value.code


def _item(barcode):
    return Item.objects.get(barcode=barcode)


def test_checkout_and_checkin_at_home(circ, book):
    loan = services.checkout(circ.desk, "KS0001", "T000001", circ.ks)
    assert loan.reader.card_number == "KS0001" and loan.channel == "desk"
    assert _item("T000001").status == ItemStatus.ON_LOAN
    assert timezone.localdate(loan.due_at) == timezone.localdate() + dt.timedelta(days=14) or \
        ClosedDay.objects.exists()
    result = services.checkin(circ.desk, "T000001", circ.ks)
    assert result.action == "shelve" and result.fine == 0 and result.loan.returned_at
    assert _item("T000001").status == ItemStatus.AVAILABLE
    assert "kệ" in result.message  # Vietnamese by default: "Đưa về kệ."


def test_bad_input_changes_nothing(circ, book):
    assert _code(services.checkout, circ.desk, "NOPE", "T000001", circ.ks) == "unknown_reader"
    assert _code(services.checkout, circ.desk, "KS0001", "NOPE", circ.ks) == "unknown_item"
    assert _code(services.checkin, circ.desk, "NOPE", circ.ks) == "unknown_item"
    assert _code(services.renew, circ.desk, "T000001") == "not_on_loan"
    services.checkout(circ.desk, "KS0001", "T000001", circ.ks)
    error = pytest.raises(CirculationError, services.checkout, circ.desk, "KS0002", "T000001", circ.ks).value
    assert error.code == "already_on_loan" and not error.overridable
    assert error.message == "Bản này đang được cho mượn."
    assert Loan.objects.count() == 1 and Loan.objects.get().reader.card_number == "KS0001"


def test_staff_scope(circ, book):
    # Yên Mô's desk cannot lend at Kim Sơn.
    assert _code(services.checkout, circ.ym_desk, "KS0001", "T000001", circ.ks) == "not_permitted"
    assert not Loan.objects.exists()
    services.checkout(circ.admin, "KS0001", "T000001", circ.ks)  # network admin may


def test_blocks_and_recorded_override(circ, book):
    lan = circ.readers["lan"]
    Reader.objects.filter(pk=lan.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    error = pytest.raises(CirculationError, services.checkout, circ.desk, "KS0001", "T000001", circ.ks).value
    assert error.code == "card_expired" and error.overridable
    assert not Loan.objects.exists() and _item("T000001").status == ItemStatus.AVAILABLE
    # A reader acting for themselves cannot override.
    assert _code(services.checkout, lan.user, "KS0001", "T000001", circ.ks, channel="opac",
                 override=["card_expired"]) == "card_expired"
    loan = services.checkout(circ.desk, "KS0001", "T000001", circ.ks, override=["card_expired"])
    assert loan.pk
    override = Override.objects.get()
    assert (override.code, override.actor, override.reader_id, override.item.barcode) == (
        "card_expired", circ.desk, lan.pk, "T000001")


def test_reader_status_blocks(circ, book):
    services.block_reader(circ.desk, "KS0001", "Mất sách chưa bồi thường")
    error = pytest.raises(CirculationError, services.checkout, circ.desk, "KS0001", "T000001", circ.ks,
                          override=["reader_blocked"]).value
    assert error.code == "reader_blocked" and "Mất sách" in error.message
    services.unblock_reader(circ.desk, "KS0001")
    services.checkout(circ.desk, "KS0001", "T000001", circ.ks)


def test_loan_limit_fines_and_not_for_loan(circ, make_record):
    record = make_record("Truyện Kiều", copies=[circ.ks] * 7)
    barcodes = list(record.items.order_by("barcode").values_list("barcode", flat=True))
    for barcode in barcodes[:5]:
        services.checkout(circ.desk, "KS0001", barcode, circ.ks)
    assert _code(services.checkout, circ.desk, "KS0001", barcodes[5], circ.ks) == "loan_limit"
    # Fines over the limit (50 000 đ by default).
    LedgerEntry.objects.create(reader=circ.readers["minh"], kind="fine", amount=60000)
    assert _code(services.checkout, circ.desk, "KS0002", barcodes[5], circ.ks) == "fines_over_limit"
    services.pay(circ.desk, "KS0002", "20.000")
    assert services.reader_summary("KS0002").fines_owed == Decimal(40000)
    services.checkout(circ.desk, "KS0002", barcodes[5], circ.ks)
    Item.objects.filter(barcode=barcodes[6]).update(status=ItemStatus.NOT_FOR_LOAN)
    assert _code(services.checkout, circ.desk, "KS0002", barcodes[6], circ.ks) == "not_for_loan"
    services.checkout(circ.desk, "KS0002", barcodes[6], circ.ks, override=["not_for_loan"])
    # Back from the loan, it goes back to the reading room, not the lending shelf.
    services.checkin(circ.desk, barcodes[6], circ.ks)
    assert _item(barcodes[6]).status == ItemStatus.NOT_FOR_LOAN


def test_rule_matrix(circ, book):
    child, adult = circ.categories["child"], circ.categories["adult"]
    assert services.resolve_rule(circ.ks, adult, "book").loan_days == 14
    assert services.resolve_rule(circ.ks, child, "book").max_loans == 3
    assert services.resolve_rule(circ.ks, child, "reference").can_leave_building is False
    LoanRule.objects.create(library=circ.ks, loan_days=21)
    assert services.resolve_rule(circ.ks, adult, "book").loan_days == 21
    assert services.resolve_rule(circ.ym, adult, "book").loan_days == 14  # the network default
    LoanRule.objects.create(library=circ.ks, category=adult, item_type="book", loan_days=7)
    loan = services.checkout(circ.desk, "KS0001", "T000001", circ.ks)
    Calendar.objects.create(library=circ.ks, open_weekdays="0123456")
    expected = services.due_date_for(circ.ks, 7)
    assert timezone.localdate(loan.due_at) == expected


def test_due_date_never_on_a_closed_day(circ, book):
    today = timezone.localdate()
    target = today + dt.timedelta(days=14)
    # Close the target day and the day after for Kim Sơn, and the Kim Sơn library on the weekday after.
    ClosedDay.objects.create(library=circ.ks, date=target, reason="Nghỉ")
    ClosedDay.objects.create(library=None, date=target + dt.timedelta(days=1), reason="Lễ")
    closed_weekday = (target + dt.timedelta(days=2)).weekday()
    Calendar.objects.create(library=circ.ks, open_weekdays="".join(str(d) for d in range(7) if d != closed_weekday))
    loan = services.checkout(circ.desk, "KS0001", "T000001", circ.ks)
    assert timezone.localdate(loan.due_at) == target + dt.timedelta(days=3)
    # Yên Mô is not affected by Kim Sơn's closures.
    loan = services.checkout(circ.ym_desk, "YM0001", "T000002", circ.ym)
    assert timezone.localdate(loan.due_at) == target


def test_fine_on_overdue_checkin(circ, book):
    loan = services.checkout(circ.desk, "KS0001", "T000001", circ.ks)
    Loan.objects.filter(pk=loan.pk).update(due_at=timezone.now() - dt.timedelta(days=3))
    result = services.checkin(circ.desk, "T000001", circ.ks)
    assert result.fine == Decimal(3000)
    assert services.reader_summary("KS0001").fines_owed == Decimal(3000)
    assert "3.000" in result.message
    entry = LedgerEntry.objects.get()
    assert entry.kind == "fine" and entry.reader == circ.readers["lan"]


def test_return_elsewhere_goes_home_in_transit(circ, book):
    services.checkout(circ.desk, "KS0001", "T000001", circ.ks)
    result = services.checkin(circ.ym_desk, "T000001", circ.ym)
    assert result.action == "transit" and result.destination == circ.ks
    assert _item("T000001").status == ItemStatus.IN_TRANSIT
    assert "Kim Sơn" in result.message
    result = services.checkin(circ.desk, "T000001", circ.ks)
    assert result.action == "shelve" and _item("T000001").status == ItemStatus.AVAILABLE
    assert Transfer.objects.get().received_at is not None


def test_hold_from_another_library_transit_and_pickup(circ, make_record):
    """A reader of Yên Mô reserves a book only the provincial library owns, collects it in Yên Mô."""
    record = make_record("Địa chí Ninh Bình", copies=[circ.tvt])
    hold = services.place_hold(circ.readers["ha"].user, "YM0001", record.pk, circ.ym, channel="opac")
    assert hold.status == HoldStatus.WAITING
    assert [(h.pk, i.barcode) for h, i in services.pull_list(circ.tvt)] == [(hold.pk, "T000001")]
    result = services.checkin(circ.admin, "T000001", circ.tvt)  # pulled from the shelf
    assert result.action == "transit" and result.destination == circ.ym and result.hold.pk == hold.pk
    assert _item("T000001").status == ItemStatus.IN_TRANSIT
    assert [t.item.barcode for t in services.in_transit(circ.ym)] == ["T000001"]
    result = services.checkin(circ.ym_desk, "T000001", circ.ym)
    assert result.action == "hold" and "Phạm Thu Hà" in result.message
    hold.refresh_from_db()
    assert hold.status == HoldStatus.READY and hold.expires_at > timezone.now()
    assert _item("T000001").status == ItemStatus.ON_HOLD_SHELF
    # Someone else cannot take it without an override.
    assert _code(services.checkout, circ.ym_desk, "KS0001", "T000001", circ.ym) == "item_on_hold"
    loan = services.checkout(circ.ym_desk, "YM0001", "T000001", circ.ym)
    hold.refresh_from_db()
    assert hold.status == HoldStatus.COLLECTED and loan.library == circ.ym
    # Renewed from a phone.
    assert services.renew(circ.readers["ha"].user, "T000001", channel="api").renewals == 1


def test_hold_queue_first_come_first_served_and_expiry(circ, book):
    services.checkout(circ.desk, "KS0001", "T000001", circ.ks)
    services.checkout(circ.ym_desk, "YM0001", "T000002", circ.ym)
    record = book.pk
    first = services.place_hold(None, "KS0002", record, circ.ks)
    assert _code(services.place_hold, None, "KS0002", record, circ.ks) == "hold_exists"
    assert _code(services.place_hold, None, "KS0001", record, circ.ks) == "already_borrowed"
    # A third reader, later, in the queue.
    third = services.register_reader(None, circ.ks, "KS0003", "Lê Quang Huy", "adult")
    later = services.place_hold(circ.desk, third.card_number, record, circ.ks)
    assert _code(services.renew, circ.desk, "T000001") == "renewal_on_hold"
    result = services.checkin(circ.desk, "T000001", circ.ks)
    assert result.action == "hold" and result.hold.pk == first.pk  # first come
    # Notice queued for the first reader; not collected in time: it passes on.
    Hold.objects.filter(pk=first.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert services.expire_holds() == 1
    first.refresh_from_db()
    later.refresh_from_db()
    assert first.status == HoldStatus.EXPIRED
    assert later.status == HoldStatus.READY and later.item.barcode == "T000001"
    services.cancel_hold(circ.desk, later.pk)
    assert _item("T000001").status == ItemStatus.AVAILABLE
    assert _code(services.cancel_hold, circ.desk, later.pk) == "hold_not_cancellable"


def test_holds_not_allowed_and_scope(circ, make_record):
    record = make_record("Từ điển", copies=[circ.ks])
    LoanRule.objects.create(category=circ.categories["adult"], holds_allowed=False)
    assert _code(services.place_hold, None, "KS0001", record.pk, circ.ks) == "holds_not_allowed"
    # A reader may not place a hold for somebody else.
    assert _code(services.place_hold, circ.readers["lan"].user, "KS0002", record.pk, circ.ks) == "not_permitted"
    assert _code(services.place_hold, None, "KS0002", 999999, circ.ks) == "unknown_record"
    hold = services.place_hold(None, "KS0002", record.pk, circ.ks)
    assert _code(services.cancel_hold, circ.readers["lan"].user, hold.pk) == "not_permitted"
    assert services.cancel_hold(circ.readers["minh"].user, hold.pk).status == HoldStatus.CANCELLED


def test_renewals(circ, make_record):
    record = make_record("Số đỏ", copies=[circ.ks, circ.ks])
    a, b = record.items.order_by("barcode").values_list("barcode", flat=True)
    services.checkout(circ.desk, "KS0001", a, circ.ks)
    services.checkout(circ.desk, "KS0001", b, circ.ks)
    assert services.renew(circ.desk, a).renewals == 1
    assert services.renew(circ.desk, a).renewals == 2
    assert _code(services.renew, circ.desk, a) == "renewal_limit"
    assert _code(services.renew, circ.readers["minh"].user, a) == "not_permitted"
    renewed, refused = services.renew_all(circ.readers["lan"].user, "KS0001", channel="opac")
    assert [loan.item.barcode for loan in renewed] == [b]
    assert [(loan.item.barcode, e.code) for loan, e in refused] == [(a, "renewal_limit")]
    assert services.renew(circ.desk, a, override=["renewal_limit"]).renewals == 3


def test_lost_and_damaged(circ, book):
    services.checkout(circ.desk, "KS0001", "T000001", circ.ks)
    entry = services.mark_lost(circ.desk, "T000001")
    assert entry.kind == "lost" and entry.amount == Decimal(100000)
    assert _item("T000001").status == ItemStatus.LOST
    assert not Loan.objects.filter(returned_at__isnull=True).exists()
    assert _code(services.mark_damaged, circ.desk, "T000002") == "not_permitted"  # Yên Mô's copy
    assert services.mark_damaged(circ.ym_desk, "T000002") is None
    assert _item("T000002").status == ItemStatus.DAMAGED
    # Found again and checked in: back on the shelf, and the charge is cancelled in the ledger.
    result = services.checkin(circ.desk, "T000001", circ.ks)
    assert result.action == "shelve" and "100.000 đ" in result.message
    assert _item("T000001").status == ItemStatus.AVAILABLE
    assert services.fines_owed(circ.readers["lan"]) == 0
    assert LedgerEntry.objects.filter(kind="waiver", amount=-100000).count() == 1
    services.mark_lost(circ.desk, "T000001")  # lost again while on the shelf: nobody is charged
    services.checkin(circ.desk, "T000001", circ.ks)
    assert LedgerEntry.objects.filter(kind="waiver").count() == 1
    assert _code(services.pay, circ.desk, "KS0001", "-5") == "invalid_amount"
    assert _code(services.pay, circ.desk, "KS0001", "abc") == "invalid_amount"


def test_item_and_reader_summary(circ, book):
    services.checkout(circ.desk, "KS0001", "T000001", circ.ks)
    services.place_hold(None, "KS0002", book.pk, circ.ks)
    summary = services.item_summary("T000001")
    assert summary.loan.reader.card_number == "KS0001" and summary.due_at == summary.loan.due_at
    assert [h.reader.card_number for h in summary.holds] == ["KS0002"]
    reader = services.reader_summary("KS0001")
    assert [loan.item.barcode for loan in reader.loans] == ["T000001"] and reader.can_borrow
    assert services.reader_summary("KS0002").holds[0].record == book


def test_notices_once_each(circ, book, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from thuvien.circulation import tasks

    services.checkout(circ.desk, "KS0001", "T000001", circ.ks)
    services.checkout(circ.ym_desk, "KS0002", "T000002", circ.ym)
    Loan.objects.filter(item__barcode="T000001").update(due_at=timezone.now() - dt.timedelta(days=1))
    Loan.objects.filter(item__barcode="T000002").update(due_at=timezone.now() + dt.timedelta(days=1))
    counts = tasks.queue_notices()
    assert (counts["overdue"], counts["due_soon"]) == (1, 1)
    assert tasks.queue_notices()["overdue"] == 0  # once each
    assert DBTaskResult.objects.count() == 2
    for row in DBTaskResult.objects.all():
        row.task.call(*row.args_kwargs["args"])
    subjects = sorted(m.subject for m in mail.outbox)
    assert len(subjects) == 2 and all("mượn" in s for s in subjects)
    assert {m.to[0] for m in mail.outbox} == {"lan@example.org", "minh@example.org"}


def test_checkout_is_one_transaction(circ, book):
    """A checkout that fails at its last write leaves the copy as it was."""
    # An inconsistent row: an open loan while the copy says "available".
    Loan.objects.create(item=_item("T000001"), reader=circ.readers["minh"], library=circ.ks,
                        checked_out_at=timezone.now(), due_at=timezone.now())
    assert _code(services.checkout, circ.desk, "KS0001", "T000001", circ.ks) == "already_on_loan"
    assert _item("T000001").status == ItemStatus.AVAILABLE  # the status update was rolled back
    assert Loan.objects.count() == 1

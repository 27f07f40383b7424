"""Personal data as Decree 13/2023/NĐ-CP asks: consent with its date, reading history only
for readers who opt in (and then really not kept), and erasure: the personal data goes,
past loans stay only as anonymous statistics, and what is still open is settled first."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from thuvien.catalog.models import Item, ItemStatus
from thuvien.circulation import services
from thuvien.circulation.errors import CirculationError
from thuvien.circulation.models import (
    ApiToken,
    CopyRequest,
    Hold,
    HoldStatus,
    LedgerEntry,
    Loan,
    Override,
    PostalRequest,
    Reader,
)

from .conftest import refusal

pytestmark = pytest.mark.django_db


def traces(reader):
    """Every row that still ties this reader to a title they borrowed or asked for."""
    return {
        "loans": list(Loan.objects.filter(reader=reader, returned_at__isnull=False).values_list("item__barcode",
                                                                                              flat=True)),
        "holds": list(Hold.objects.filter(reader=reader).exclude(status__in=("waiting", "in_transit", "ready"))
                      .values_list("record__title", flat=True)),
    }


def test_without_history_nothing_of_what_was_read_is_kept(circ, make_record):
    lan = circ.readers["lan"]  # no history
    record = make_record("Chí Phèo", authors=["Nam Cao"], copies=[circ.ks, circ.ks])
    a, b = record.items.order_by("barcode").values_list("barcode", flat=True)
    other = make_record("Vợ nhặt", copies=[circ.ks])
    # A hold collected, a hold cancelled, a hold that expired, a loan returned.
    services.checkout(circ.desk, "KS0002", a, circ.ks)
    services.checkout(circ.desk, "KS0002", b, circ.ks)
    collected = services.place_hold(lan.user, "KS0001", record.pk, circ.ks)
    cancelled = services.place_hold(lan.user, "KS0001", other.pk, circ.ks)
    services.cancel_hold(lan.user, cancelled.pk)
    assert services.checkin(circ.desk, a, circ.ks).hold.pk == collected.pk
    services.checkout(circ.desk, "KS0001", a, circ.ks)
    services.checkin(circ.desk, a, circ.ks)
    expired = services.place_hold(lan.user, "KS0001", record.pk, circ.ks)
    services.checkin(circ.desk, b, circ.ks)
    Hold.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    assert services.expire_holds() == 1

    assert traces(lan) == {"loans": [], "holds": []}
    statuses = dict(Hold.objects.filter(pk__in=[collected.pk, cancelled.pk, expired.pk])
                    .values_list("pk", "status"))
    assert statuses == {collected.pk: "collected", cancelled.pk: "cancelled", expired.pk: "expired"}
    assert not Hold.objects.filter(pk__in=statuses, reader__isnull=False).exists()
    # The statistics stay: the category and home library of the anonymous loan.
    loan = Loan.objects.get(item__barcode=a, returned_at__isnull=False, category__code="adult")
    assert loan.reader is None and loan.reader_library == circ.ks and loan.library == circ.ks


def test_with_history_it_is_kept_until_turned_off(circ, make_record):
    minh = circ.readers["minh"]  # opted in
    record = make_record("Số đỏ", copies=[circ.ks])
    hold = services.place_hold(minh.user, "KS0002", record.pk, circ.ks)
    services.checkin(circ.desk, "T000001", circ.ks)  # pulled: on the hold shelf for Minh
    services.checkout(circ.desk, "KS0002", "T000001", circ.ks)
    services.checkin(circ.desk, "T000001", circ.ks)
    assert traces(minh) == {"loans": ["T000001"], "holds": ["Số đỏ"]}
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.COLLECTED
    services.set_keep_history(minh.user, "KS0002", False)
    assert traces(minh) == {"loans": [], "holds": []}
    assert Loan.objects.get().category.code == "student"


def test_consent_is_recorded_with_its_date(circ):
    before = timezone.now()
    reader = services.self_register("Ngô Văn Tư", circ.ks, "adult", "mat-khau-123", consent=True)
    assert reader.consent_at >= before
    loaded = services.register_reader(None, circ.ks, "HS0001", "Đinh Thị Hoa", "pupil", consent=False)
    assert loaded.consent_at is None  # e.g. a school list loaded without the parents' consent
    when = timezone.now() - dt.timedelta(days=3)
    assert services.record_consent(circ.desk, "HS0001", when=when).consent_at == when
    assert Reader.objects.get(pk=loaded.pk).consent_at == when
    # Only the reader or their home library records it.
    assert refusal(services.record_consent, circ.ym_desk, "HS0001") == "not_permitted"


def test_erasure_is_refused_while_copies_are_out_or_money_is_owed(circ, book):
    services.checkout(circ.desk, "KS0002", "T000001", circ.ks)
    error = pytest.raises(CirculationError, services.erase_reader, circ.desk, "KS0002").value
    assert error.code == "reader_has_loans" and "1" in error.message and "trả" in error.message
    Loan.objects.update(due_at=timezone.now() - dt.timedelta(days=4))
    services.checkin(circ.desk, "T000001", circ.ks)  # 4 000 đ fine
    error = pytest.raises(CirculationError, services.erase_reader, circ.desk, "KS0002").value
    assert error.code == "reader_owes_fines" and "4.000 đ" in error.message
    assert Reader.objects.get(card_number="KS0002").name == "Trần Văn Minh"
    services.waive(circ.desk, "KS0002", 4000, note="Xoá dữ liệu theo yêu cầu")
    services.erase_reader(circ.desk, "KS0002")
    erased = Reader.objects.get(pk=circ.readers["minh"].pk)
    assert erased.status == "erased" and erased.name == ""
    # The money trail stays, on the anonymous row, and sums to nothing.
    assert sorted(LedgerEntry.objects.filter(reader=erased).values_list("kind", flat=True)) == ["fine", "waiver"]
    assert services.fines_owed(erased) == 0


def test_erasure_settles_holds_requests_overrides_and_the_login(circ, book, make_record,
                                                                django_capture_on_commit_callbacks):
    minh = circ.readers["minh"]
    user_id = minh.user_id
    ApiToken.issue(minh.user, name="phone")
    # A hold ready on the hold shelf, with another reader waiting behind: the copy passes on.
    hold = services.place_hold(minh.user, "KS0002", book.pk, circ.ks)
    behind = services.place_hold(circ.readers["lan"].user, "KS0001", book.pk, circ.ks)
    services.checkin(circ.desk, "T000001", circ.ks)
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.READY
    # An override recorded, requests open and delivered.
    Reader.objects.filter(pk=minh.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    make_record("Tắt đèn", copies=[circ.ym])
    services.checkout(circ.ym_desk, "KS0002", "T000003", circ.ym, override=["card_expired"])
    services.checkin(circ.ym_desk, "T000003", circ.ym)
    open_copy = services.request_copy(minh.user, "KS0002", book.pk, "1-5", note="Cho luận văn của tôi")
    done_copy = services.request_copy(minh.user, "KS0002", book.pk, "6-9")
    services.set_request_state(circ.desk, "copy", done_copy.pk, "done", file=ContentFile(b"%PDF-1.4", "p.pdf"))
    delivered = CopyRequest.objects.get(pk=done_copy.pk).file
    storage, name = delivered.storage, delivered.name
    assert storage.exists(name)
    postal = services.request_postal(minh.user, "KS0002", book.pk, "Số 9 phố Chính, Phát Diệm, Kim Sơn")

    with django_capture_on_commit_callbacks(execute=True):
        services.erase_reader(minh.user, "KS0002")  # a reader may ask for it themselves

    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.CANCELLED
    assert Hold.objects.get(pk=behind.pk).status == HoldStatus.READY  # the copy passed on
    assert Item.objects.get(barcode="T000001").status == ItemStatus.ON_HOLD_SHELF
    assert not Hold.objects.filter(reader=minh).exists()
    assert not Override.objects.filter(reader=minh).exists() and Override.objects.get().code == "card_expired"
    assert CopyRequest.objects.get(pk=open_copy.pk).state == "cancelled"
    assert CopyRequest.objects.get(pk=open_copy.pk).note == ""
    assert not CopyRequest.objects.filter(reader__isnull=False).exists()
    assert not storage.exists(name) and not CopyRequest.objects.get(pk=done_copy.pk).file
    assert PostalRequest.objects.get(pk=postal.pk).address == ""
    assert PostalRequest.objects.get(pk=postal.pk).state == "cancelled"
    assert not get_user_model().objects.filter(pk=user_id).exists() and not ApiToken.objects.exists()
    assert Loan.objects.filter(reader__isnull=True, category__code="student").count() == 1  # statistics stay

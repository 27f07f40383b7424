"""Readers: registration, approval, login, and personal data (Decree 13/2023/NĐ-CP)."""

import pytest
from django.contrib.auth import get_user_model

from thuvien.circulation import services
from thuvien.circulation.errors import CirculationError
from thuvien.circulation.models import Loan, Reader, ReaderStatus

pytestmark = pytest.mark.django_db


def _code(call, *args, **kwargs):
    with pytest.raises(CirculationError) as info:
        call(*args, **kwargs)
    return info.value.code


def test_self_registration_is_pending_until_approved(circ, book):
    assert _code(services.self_register, "Ngô Văn Tư", circ.ks, "adult", "mat-khau-123", consent=False) \
        == "invalid_data"
    reader = services.self_register("Ngô Văn Tư", circ.ks, "adult", "mat-khau-123", consent=True,
                                    email="tu@example.org")
    assert reader.status == ReaderStatus.PENDING and reader.consent_at is not None
    assert services.authenticate_reader(reader.card_number, "mat-khau-123").pk == reader.pk
    assert services.authenticate_reader(reader.card_number, "wrong") is None
    assert services.authenticate_reader("NOPE", "mat-khau-123") is None
    assert _code(services.checkout, circ.desk, reader.card_number, "T000001", circ.ks) == "reader_pending"
    # Only staff of the home library approve.
    assert _code(services.approve_reader, circ.ym_desk, reader.card_number) == "not_permitted"
    services.approve_reader(circ.desk, reader.card_number)
    assert Reader.objects.get(pk=reader.pk).status == ReaderStatus.ACTIVE
    services.checkout(circ.desk, reader.card_number, "T000001", circ.ks)


def test_staff_registration_and_import_upsert(circ):
    assert _code(services.register_reader, circ.desk, circ.ks, "KS0001", "X", "adult") == "card_number_taken"
    assert _code(services.register_reader, circ.desk, circ.ks, "KS0100", "X", "unknown") == "invalid_data"
    assert _code(services.register_reader, circ.ym_desk, circ.ks, "KS0100", "X", "adult") == "not_permitted"
    reader, created = services.upsert_reader(circ.desk, circ.ks, "HS0001", name="Đinh Thị Hoa", category="pupil",
                                             birth_date=None, email="hoa@example.org")
    assert created and reader.category.code == "pupil"
    reader, created = services.upsert_reader(circ.desk, circ.ks, "HS0001", name="Đinh Thị Hoà", phone="0912")
    assert not created and reader.phone == "0912" and reader.email == "hoa@example.org"
    assert Reader.objects.filter(card_number="HS0001").count() == 1


def test_history_only_with_consent(circ, make_record):
    record = make_record("Chí Phèo", copies=[circ.ks, circ.ks])
    a, b = record.items.order_by("barcode").values_list("barcode", flat=True)
    services.checkout(circ.desk, "KS0001", a, circ.ks)  # Lan: no history
    services.checkout(circ.desk, "KS0002", b, circ.ks)  # Minh: opted in
    services.checkin(circ.desk, a, circ.ks)
    services.checkin(circ.desk, b, circ.ks)
    anonymous = Loan.objects.get(item__barcode=a)
    assert anonymous.reader is None
    assert anonymous.category.code == "adult" and anonymous.reader_library == circ.ks  # statistics stay
    assert Loan.objects.get(item__barcode=b).reader.card_number == "KS0002"
    # Turning history off removes what was kept.
    services.set_keep_history(circ.readers["minh"].user, "KS0002", False)
    assert Loan.objects.get(item__barcode=b).reader is None
    assert _code(services.set_keep_history, circ.readers["lan"].user, "KS0002", True) == "not_permitted"


def test_erase_reader(circ, book):
    services.checkout(circ.desk, "KS0002", "T000001", circ.ks)
    assert _code(services.erase_reader, circ.desk, "KS0002") == "reader_has_loans"  # copies still out
    services.checkin(circ.desk, "T000001", circ.ks)
    services.place_hold(None, "KS0002", book.pk, circ.ks)
    user_id = circ.readers["minh"].user_id
    reader = services.erase_reader(circ.desk, "KS0002")
    reader.refresh_from_db()
    assert reader.status == ReaderStatus.ERASED
    assert (reader.name, reader.email, reader.phone, reader.address, reader.birth_date) == ("", "", "", "", None)
    assert reader.card_number != "KS0002" and reader.user is None
    assert not get_user_model().objects.filter(pk=user_id).exists()
    loan = Loan.objects.get()
    assert loan.reader is None and loan.category.code == "student"  # an anonymous statistic
    assert _code(services.reader_summary, "KS0002") == "unknown_reader"
    assert services.authenticate_reader("KS0002", "x") is None
    # The card number can be given to somebody new.
    services.register_reader(circ.desk, circ.ks, "KS0002", "Người mới", "adult")


def test_copy_and_postal_requests(circ, book):
    lan = circ.readers["lan"]
    copy = services.request_copy(lan.user, "KS0001", book.pk, "tr. 10-25")
    assert copy.state == "requested" and copy.pages == "tr. 10-25"
    assert _code(services.request_copy, lan.user, "KS0001", book.pk, "") == "invalid_data"
    postal = services.request_postal(lan.user, "KS0001", book.pk, "Số 1, Phát Diệm, Kim Sơn")
    assert postal.fee == services.postal_fee() and postal.fee > 0
    assert _code(services.set_request_state, lan.user, "postal", postal.pk, "done") == "not_permitted"
    assert services.set_request_state(lan.user, "postal", postal.pk, "cancelled").state == "cancelled"
    from django.core.files.base import ContentFile

    done = services.set_request_state(circ.desk, "copy", copy.pk, "done", file=ContentFile(b"%PDF-1.4", "x.pdf"))
    assert done.state == "done" and done.file.name.endswith(".pdf")
    assert _code(services.set_request_state, circ.desk, "copy", copy.pk, "in_progress") == "invalid_data"

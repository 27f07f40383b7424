"""Scope: circulation staff of Kim Sơn act at Kim Sơn's desk, on Kim Sơn's copies and on
the readers whose home is Kim Sơn. What the network shares (one reader identity,
returns anywhere, holds and payments at any desk) they may do for everyone; nothing
beyond it, by any door, and a refusal changes nothing."""

import pytest
from django.contrib.auth import get_user_model

from thuvien.circulation import registration, services
from thuvien.circulation.errors import CirculationError
from thuvien.circulation.models import Hold, Override

from .conftest import snapshot

pytestmark = pytest.mark.django_db


def test_kim_son_staff_cannot_act_for_yen_mo(circ, categories):
    User = get_user_model()
    kimson = User.objects.get(username="kimson_desk")
    ks, ym = circ["ks"], circ["ym"]
    # Yên Mô's reader Minh: a loan made in Yên Mô, a hold to collect there, a request there,
    # a fine, and an online registration waiting in Yên Mô's queue.
    services.checkout(None, "YM0001", circ["ym_copy"], ym)
    hold = services.place_hold(None, "YM0001", circ["kieu"].pk, ym)
    request = services.request_postal(None, "YM0001", circ["de_men"].pk, "Số 2 phố Mới, Yên Thịnh, Yên Mô",
                                      library=ym)
    services.pay(None, "YM0001", 1)  # something in the ledger
    pending = services.self_register("Bùi Thị Ngọc", ym, "adult", "mat-khau-dai", consent=True)
    before = snapshot()
    refused = {
        "lend at Yên Mô's desk": lambda: services.checkout(kimson, "KS0001", circ["ks_copy"], ym),
        "check in at Yên Mô's desk": lambda: services.checkin(kimson, circ["ks_copy"], ym),
        "renew a Yên Mô loan": lambda: services.renew(kimson, circ["ym_copy"]),
        "declare a Yên Mô copy lost": lambda: services.mark_lost(kimson, circ["ym_copy"]),
        "declare a Yên Mô copy damaged": lambda: services.mark_damaged(kimson, circ["ym_copy"]),
        "cancel a Yên Mô hold": lambda: services.cancel_hold(kimson, hold.pk),
        "handle a Yên Mô request": lambda: services.set_request_state(kimson, "postal", request.pk, "in_progress"),
        "register a reader for Yên Mô": lambda: services.register_reader(kimson, ym, "YM0099", "X", "adult"),
        "approve a Yên Mô registration": lambda: services.approve_reader(kimson, pending.card_number),
        "change a Yên Mô reader": lambda: services.update_reader(kimson, "YM0001", phone="0900000000"),
        "record consent for a Yên Mô reader": lambda: services.record_consent(kimson, "YM0001"),
        "turn on their history": lambda: services.set_keep_history(kimson, "YM0001", True),
        "waive their fines": lambda: services.waive(kimson, "YM0001", 1000, note="x"),
        "lift a block": lambda: services.unblock_reader(kimson, "YM0001"),
        "erase a Yên Mô reader": lambda: services.erase_reader(kimson, "YM0001"),
    }
    for what, call in refused.items():
        with pytest.raises(CirculationError) as info:
            call()
        assert info.value.code == "not_permitted", what
        assert snapshot() == before, what
    for what, call in {
        "give a password": lambda: registration.set_password_at_desk(kimson, "YM0001", "mat-khau-x", "mat-khau-x"),
        "load readers into Yên Mô": lambda: registration.upsert_reader(kimson, ym, {"card_number": "YM0100",
                                                                                 "name": "Lò Văn Páo"}),
        "decide a Yên Mô registration": lambda: registration.decide(kimson, pending.card_number, approve=True),
    }.items():
        with pytest.raises(registration.RegistrationError):
            call()
        assert snapshot() == before, what
    # Lending a Yên Mô copy that should be on Yên Mô's shelves needs a recorded override.
    with pytest.raises(CirculationError) as info:
        services.checkout(kimson, "KS0001", circ["ym_copy"], ks)
    assert info.value.code == "already_on_loan"  # Minh has it: the desk sees the real reason first
    services.checkin(None, circ["ym_copy"], ym)
    with pytest.raises(CirculationError) as info:
        services.checkout(kimson, "KS0001", circ["ym_copy"], ks)
    assert info.value.code == "item_elsewhere" and "Yên Mô" in info.value.message and info.value.overridable
    services.checkout(kimson, "KS0001", circ["ym_copy"], ks, override=["item_elsewhere"])
    assert Override.objects.get().actor == kimson


def test_what_the_network_shares_any_desk_may_do(circ, categories):
    User = get_user_model()
    kimson = User.objects.get(username="kimson_desk")
    ks, ym = circ["ks"], circ["ym"]
    # Minh of Yên Mô borrows in Yên Mô and returns in Kim Sơn: the copy goes home in transit.
    services.checkout(None, "YM0001", circ["ym_copy"], ym)
    result = services.checkin(kimson, circ["ym_copy"], ks)
    assert result.action == "transit" and result.destination == ym
    # Kim Sơn sees him, lends him its own copies, renews that loan, reserves for him, takes his money.
    assert services.reader_summary("YM0001").reader.name == "Trần Văn Minh"
    loan = services.checkout(kimson, "YM0001", circ["ks_copy"], ks)
    assert services.renew(kimson, circ["ks_copy"]).renewals == 1 and loan.library == ks
    hold = services.place_hold(kimson, "YM0001", circ["de_men"].pk, ym)
    assert Hold.objects.get(pk=hold.pk).pickup_library == ym
    assert services.pay(kimson, "YM0001", 2000).amount == -2000
    # The network administrator may act everywhere.
    admin = User.objects.get(username="admin")
    services.cancel_hold(admin, hold.pk)
    services.checkin(admin, circ["ym_copy"], ym)  # received home
    assert services.mark_damaged(admin, circ["ym_copy"]) is None

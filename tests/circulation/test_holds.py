"""Holds across the network: the loan rules say which copies may fill a hold, the pull
lists send copies only where they are needed, and a hold filled by another copy frees
the one kept for it."""

import pytest

from thuvien.catalog import services as catalog
from thuvien.catalog.models import Item, ItemStatus
from thuvien.circulation import services
from thuvien.circulation.models import Hold, HoldStatus, LoanRule

from .conftest import refusal

pytestmark = pytest.mark.django_db


def _pulled(library):
    return [(hold.reader.card_number, item.barcode) for hold, item in services.pull_list(library)]


def test_holds_allowed_follows_the_owning_library_item_type_and_category(circ, make_record):
    # The demo network rule: reference copies stay in the building and cannot be reserved.
    dictionary = make_record("Từ điển tiếng Việt", copies=[circ.ks, circ.ym])
    Item.objects.filter(record=dictionary).update(item_type="reference")
    assert refusal(services.place_hold, None, "KS0001", dictionary.pk, circ.ks) == "holds_not_allowed"
    assert not Hold.objects.exists()

    # A title with a lending copy in Kim Sơn and a reference copy in Yên Mô: only the first fills holds.
    atlas = make_record("Atlat địa lý Việt Nam", copies=[circ.ks, circ.ym])
    lending, reference = atlas.items.order_by("barcode")
    Item.objects.filter(pk=reference.pk).update(item_type="reference")
    hold = services.place_hold(None, "YM0001", atlas.pk, circ.ym)
    assert _pulled(circ.ym) == [] and _pulled(circ.ks) == [("YM0001", lending.barcode)]
    result = services.checkin(circ.ym_desk, reference.barcode, circ.ym)  # scanned at Yên Mô: not for the hold
    assert result.action == "shelve" and Hold.objects.get(pk=hold.pk).status == HoldStatus.WAITING
    assert services.checkin(circ.desk, lending.barcode, circ.ks).action == "transit"

    # Kim Sơn lets no child reserve its copies; Yên Mô does (the network's rule).
    story = make_record("Dế Mèn phiêu lưu ký", copies=[circ.ks])
    LoanRule.objects.create(library=circ.ks, category=circ.categories["child"], holds_allowed=False)
    services.register_reader(None, circ.ks, "KS0050", "Bé Bông", circ.categories["child"])
    assert refusal(services.place_hold, None, "KS0050", story.pk, circ.ks) == "holds_not_allowed"
    ym_copy = catalog.add_item(None, story, circ.ym, barcode="YM-DM-1")
    child_hold = services.place_hold(None, "KS0050", story.pk, circ.ks)
    adult_hold = services.place_hold(None, "KS0001", story.pk, circ.ks)
    ks_copy = story.items.get(library=circ.ks)
    # Kim Sơn's copy passes over the child's earlier hold to the adult's; Yên Mô's serves the child.
    assert _pulled(circ.ks) == [("KS0001", ks_copy.barcode)]
    assert services.checkin(circ.desk, ks_copy.barcode, circ.ks).hold.pk == adult_hold.pk
    assert _pulled(circ.ym) == [("KS0050", ym_copy.barcode)]
    result = services.checkin(circ.ym_desk, ym_copy.barcode, circ.ym)
    assert result.action == "transit" and result.hold.pk == child_hold.pk and result.destination == circ.ks


def test_the_pickup_library_fills_a_hold_from_its_own_shelves(circ, make_record):
    record = make_record("Truyện Kiều", copies=[circ.tvt, circ.ks, circ.ym])
    tvt_copy, ks_copy, ym_copy = record.items.order_by("barcode")
    services.place_hold(None, "YM0001", record.pk, circ.ym)  # any copy, collect in Yên Mô
    assert _pulled(circ.ym) == [("YM0001", ym_copy.barcode)]
    assert _pulled(circ.ks) == [] and _pulled(circ.tvt) == []  # nothing crosses the province for it
    # A hold on the provincial library's copies only is pulled there, even though Yên Mô has one.
    services.place_hold(None, "KS0001", record.pk, circ.ym, library=circ.tvt)
    assert _pulled(circ.tvt) == [("KS0001", tvt_copy.barcode)]
    # Once Yên Mô's copy is out, another library's copy is pulled for the next hold.
    services.checkout(circ.ym_desk, "YM0001", ym_copy.barcode, circ.ym)
    services.place_hold(None, "KS0002", record.pk, circ.ym)
    assert ("KS0002", ks_copy.barcode) in _pulled(circ.ks)


def test_a_hold_filled_by_another_copy_frees_the_one_kept_for_it(circ, make_record):
    record = make_record("Số đỏ", copies=[circ.ks, circ.ks])
    first, second = record.items.order_by("barcode")
    mine = services.place_hold(None, "KS0001", record.pk, circ.ks)
    theirs = services.place_hold(None, "KS0002", record.pk, circ.ks)
    services.checkin(circ.desk, first.barcode, circ.ks)  # pulled: kept for Lan
    assert Hold.objects.get(pk=mine.pk).item_id == first.pk
    # Lan takes the other copy from the shelf instead: the kept one passes to Minh.
    services.checkout(circ.desk, "KS0001", second.barcode, circ.ks)
    assert Hold.objects.get(pk=mine.pk).status == HoldStatus.COLLECTED
    theirs.refresh_from_db()
    assert theirs.status == HoldStatus.READY and theirs.item_id == first.pk
    assert Item.objects.get(pk=first.pk).status == ItemStatus.ON_HOLD_SHELF
    assert [h.pk for h in services.hold_shelf(circ.ks)] == [theirs.pk]


def test_a_copy_scanned_on_the_way_keeps_travelling_to_its_reader(circ, make_record):
    record = make_record("Địa chí Ninh Bình", copies=[circ.tvt])
    copy = record.items.get()
    hold = services.place_hold(None, "YM0001", record.pk, circ.ym)
    assert services.checkin(circ.admin, copy.barcode, circ.tvt).destination == circ.ym
    # The van stops in Kim Sơn and the copy is scanned there: it goes on to Yên Mô, for Hà.
    result = services.checkin(circ.desk, copy.barcode, circ.ks)
    assert (result.action, result.destination, result.hold.pk) == ("transit", circ.ym, hold.pk)
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.IN_TRANSIT
    assert [t.item_id for t in services.in_transit(circ.ym)] == [copy.pk]
    result = services.checkin(circ.ym_desk, copy.barcode, circ.ym)
    assert result.action == "hold" and Hold.objects.get(pk=hold.pk).status == HoldStatus.READY
    # Carried off Yên Mô's hold shelf to Kim Sơn by mistake: it is sent back for her.
    result = services.checkin(circ.desk, copy.barcode, circ.ks)
    assert (result.action, result.destination) == ("transit", circ.ym)
    services.checkin(circ.ym_desk, copy.barcode, circ.ym)
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.READY
    assert [h.pk for h in services.hold_shelf(circ.ym)] == [hold.pk]
    assert Item.objects.get(pk=copy.pk).status == ItemStatus.ON_HOLD_SHELF


def test_two_holds_for_one_pickup_copy_send_the_second_from_elsewhere(circ, make_record):
    record = make_record("Nhật ký trong tù", copies=[circ.ks, circ.ym])
    ks_copy, ym_copy = record.items.order_by("barcode")
    services.place_hold(None, "YM0001", record.pk, circ.ym)
    services.place_hold(None, "KS0001", record.pk, circ.ym)  # Lan collects in Yên Mô too
    assert _pulled(circ.ym) == [("YM0001", ym_copy.barcode)]
    assert _pulled(circ.ks) == [("KS0001", ks_copy.barcode)]  # Yên Mô's one copy is spoken for

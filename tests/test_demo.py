"""``thuvien demo``: the Ninh Bình network with every type of library, a believable
Vietnamese collection and one staff account per role, printed."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from thuvien.catalog.models import BibRecord, Item
from thuvien.network.models import Library, LocationKind

pytestmark = pytest.mark.django_db
DISTRICTS = ["Ninh Bình", "Tam Điệp", "Nho Quan", "Gia Viễn", "Hoa Lư", "Yên Khánh", "Kim Sơn", "Yên Mô"]


@pytest.fixture
def demo(settings, monkeypatch):
    monkeypatch.setenv("THUVIEN_INDEX_MODE", "off")  # queued, not indexed: this test does not search
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = io.StringIO()
    call_command("demo", "--records", "40", "--no-digital", stdout=out)
    return out.getvalue()


def test_every_type_of_library_with_its_locations_and_details(demo):
    root = Library.objects.get(library_type="network")
    libraries = Library.objects.exclude(pk=root.pk)
    assert set(libraries.values_list("library_type", flat=True)) == {
        "provincial", "district", "school", "community", "private", "armed_forces", "specialised"}
    assert all(lib.parent_id == root.pk for lib in libraries)
    districts = libraries.filter(library_type="district")
    assert districts.count() == 8
    for place in DISTRICTS:
        assert districts.filter(name__endswith=place).count() == 1, place
    assert libraries.filter(library_type="school").count() >= 2
    wanted = {LocationKind.READING_ROOM, LocationKind.LENDING, LocationKind.CHILDREN, LocationKind.STORE}
    for lib in libraries:
        assert wanted <= set(lib.locations.values_list("kind", flat=True)), lib.code
        assert lib.address and lib.district and lib.opening_hours and lib.phone and lib.email, lib.code
    # Opening hours suit the library: a school opens in the school year, a private library at weekends.
    assert "năm học" in libraries.filter(library_type="school").first().opening_hours
    assert "Chủ nhật" in libraries.get(library_type="private").opening_hours


def test_the_collection_is_believable_vietnamese(demo):
    titles = list(BibRecord.objects.values_list("title", flat=True))
    assert len(titles) == 30 + 15 + 40  # classics, local studies, generated
    for title in ("Truyện Kiều", "Dế Mèn phiêu lưu ký", "Địa chí Ninh Bình", "Nhà thờ đá Phát Diệm"):
        assert title in titles
    text = " ".join(titles).lower()
    for filler in ("lorem", "ipsum", "dolor", "test", "foo", "xxx"):
        assert filler not in text
    vietnamese = re.compile(r"[ăâđêôơưáàảãạếềểễệốồổỗộớờởỡợứừửữự]")
    assert sum(bool(vietnamese.search(t.lower())) for t in titles) / len(titles) > 0.9
    # Every record has copies; rare local-studies copies are kept in the store, not lent.
    assert not BibRecord.objects.filter(items__isnull=True).exists()
    rare = Item.objects.filter(item_type="rare")
    assert rare.exists() and set(rare.values_list("location__kind", flat=True)) == {"store"}
    assert set(rare.values_list("status", flat=True)) == {"not_for_loan"}


def test_a_staff_account_for_each_role_is_printed_and_works(demo, client):
    from thuvien.demo.data import DEMO_PASSWORD

    printed = re.findall(r"^\s+(\S+)\s+(\S+)\s+(network_admin|library_admin|cataloguer|circulation)\s+(\S+)$",
                         demo, re.M)
    assert {role for _, _, role, _ in printed} == {"network_admin", "library_admin", "cataloguer", "circulation"}
    for username, password, role, library in printed:
        assert password == DEMO_PASSWORD
        assert client.login(username=username, password=password), username
        client.logout()


def test_loading_twice_adds_nothing_and_bad_counts_are_refused(demo):
    counts = (Library.objects.count(), BibRecord.objects.count(), Item.objects.count())
    out = io.StringIO()
    call_command("demo", "--records", "40", "--no-digital", stdout=out)
    assert (Library.objects.count(), BibRecord.objects.count(), Item.objects.count()) == counts
    assert "kimson_catalog" in out.getvalue()
    with pytest.raises(CommandError, match="không được là số âm"):
        call_command("demo", "--records", "-1", stdout=io.StringIO())

"""Fixtures for circulation: categories, the demo rules and a few readers and copies."""

import types

import pytest


@pytest.fixture(autouse=True)
def _fast(settings, monkeypatch):
    # Circulation tests don't search: index updates stay queued instead of being applied.
    monkeypatch.setenv("THUVIEN_INDEX_MODE", "off")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def circ(network, staff, demo_password):
    """Rules and categories as the demo sets them, two readers of Kim Sơn and one of Yên Mô."""
    from thuvien.circulation import services
    from thuvien.circulation.demo import load_categories_and_rules

    categories = load_categories_and_rules()
    ks, ym = network["NB-KS"], network["NB-YM"]
    readers = {
        "lan": services.register_reader(None, ks, "KS0001", "Nguyễn Thị Lan", categories["adult"],
                                        password=demo_password, email="lan@example.org"),
        "minh": services.register_reader(None, ks, "KS0002", "Trần Văn Minh", categories["student"],
                                         password=demo_password, email="minh@example.org", keep_history=True),
        "ha": services.register_reader(None, ym, "YM0001", "Phạm Thu Hà", categories["adult"],
                                       password=demo_password, email="ha@example.org"),
    }
    return types.SimpleNamespace(categories=categories, readers=readers, ks=ks, ym=ym, tvt=network["NB-TVT"],
                                 desk=staff["kimson_desk"], ym_desk=staff["yenmo_desk"], admin=staff["admin"],
                                 network=network)


@pytest.fixture
def book(make_record, network):
    """A record with one copy in Kim Sơn (T000001) and one in Yên Mô (T000002)."""
    return make_record("Dế Mèn phiêu lưu ký", authors=["Tô Hoài"], copies=[network["NB-KS"], network["NB-YM"]])


def refusal(call, *args, **kwargs):
    """The code of the CirculationError that ``call`` raises (it must raise one)."""
    from thuvien.circulation.errors import CirculationError

    with pytest.raises(CirculationError) as info:
        call(*args, **kwargs)
    return info.value.code

"""Fixtures for the loan desk and the reader's account: the demo network, its staff,
reader categories and rules, two readers and a few copies in Kim Sơn and Yên Mô."""

import pytest
from django.apps import apps
from django.test import Client

READER_PASSWORD = "doc-gia-2026"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_search_index(monkeypatch):
    """These tests never search: index updates stay queued instead of committing tantivy each time."""
    monkeypatch.setenv("THUVIEN_INDEX_MODE", "off")


@pytest.fixture
def network(db):
    """The demo network as ``tests/conftest.py`` builds it, written in a few bulk inserts
    (the desk tests need dozens of fresh networks; locations are left out)."""
    from thuvien.core.vietnamese import sort_key
    from thuvien.demo import data
    from thuvien.network.models import Library

    def library(code, name, kind, **fields):
        return Library(code=code, name=name, name_sort=sort_key(name), library_type=kind, **fields)

    root = library(*data.NETWORK, "network")
    root.save()
    rows = Library.objects.bulk_create([
        library(code, name, kind, parent=root, district=district, address=address)
        for code, name, kind, district, address in data.LIBRARIES
    ])
    return {"NB": root, **{lib.code: Library.objects.get(code=lib.code) for lib in rows}}


@pytest.fixture
def login(staff, demo_password):
    """login("kimson_desk") -> a test client logged in as that demo staff account."""

    def make(username):
        client = Client()
        assert client.login(username=username, password=demo_password)
        return client

    return make


@pytest.fixture
def categories(db):
    from thuvien.circulation.demo import load_categories_and_rules

    return load_categories_and_rules()


@pytest.fixture
def circ(network, staff, categories, make_record):
    """Readers and copies: returns a dict of what the tests use."""
    from thuvien.circulation import services

    ks, ym = network["NB-KS"], network["NB-YM"]
    lan = services.register_reader(None, ks, "KS0001", "Nguyễn Thị Lan", categories["adult"],
                                   password=READER_PASSWORD, email="lan@example.org")
    minh = services.register_reader(None, ym, "YM0001", "Trần Văn Minh", categories["student"],
                                    password=READER_PASSWORD)
    kieu = make_record("Truyện Kiều", authors=["Nguyễn, Du"], copies=[ks, ks])
    de_men = make_record("Dế Mèn phiêu lưu ký", authors=["Tô, Hoài"], copies=[ym])
    items = {i.barcode: i for i in kieu.items.all()} | {i.barcode: i for i in de_men.items.all()}
    ks_copies = sorted(i.barcode for i in kieu.items.all())
    return {
        "ks": ks, "ym": ym, "lan": lan, "minh": minh, "kieu": kieu, "de_men": de_men, "items": items,
        "ks_copy": ks_copies[0], "ks_copy2": ks_copies[1], "ym_copy": de_men.items.get().barcode,
    }


@pytest.fixture
def reader_client(circ):
    """A client logged in to the OPAC as the reader KS0001 (through the login form)."""

    def make(card="KS0001", password=READER_PASSWORD):
        client = Client()
        response = client.post("/account/login/", {"card_number": card, "password": password})
        assert response.status_code == 302, response.content[:500]
        return client

    return make


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


APPS = ("circulation", "catalog", "network", "accounts", "auth", "search", "django_tasks_db")
VOLATILE = {"last_login", "last_used_at"}  # a login or a token's use is not a change of data


def snapshot():
    """Every row of the apps that circulation touches, as plain values."""
    state = {}
    for model in apps.get_models():
        if model._meta.app_label in APPS:
            fields = [f.attname for f in model._meta.concrete_fields if f.attname not in VOLATILE]
            state[model._meta.label] = list(model.objects.order_by("pk").values_list(*fields))
    return state

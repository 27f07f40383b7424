import pytest
from django.test import Client

from thuvien.catalog.identifiers import isbn13_check_digit


def isbn(n):
    core = f"978604{n:06d}"
    return core + isbn13_check_digit(core)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def login(staff, demo_password):
    """login("kimson_catalog") -> a Django test client logged in as that demo account."""

    def make(username):
        client = Client()
        assert client.login(username=username, password=demo_password)
        return client

    return make

import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def login(staff, demo_password):
    """login("kimson_admin") -> a Django test client logged in as that demo account (Vietnamese)."""

    def make(username):
        client = Client(HTTP_ACCEPT_LANGUAGE="vi")
        assert client.login(username=username, password=demo_password)
        return client

    return make


@pytest.fixture
def roles_of():
    from thuvien.accounts.models import StaffRole

    def get(username):
        return sorted((r.role, r.library.code if r.library else "*")
                      for r in StaffRole.objects.filter(user__username=username).select_related("library"))

    return get

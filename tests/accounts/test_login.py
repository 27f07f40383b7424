"""The staff login form: Vietnamese, labelled, errors tied to the fields, next= only to this site."""

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db


def test_errors_are_announced_and_tied_to_the_fields(client, staff):
    html = client.post("/staff/login/", {"username": "kimson_catalog", "password": "sai-mat-khau"},
                       HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'role="alert" id="login-error"' in html
    assert html.count('aria-describedby="login-error"') == 2 and html.count('aria-invalid="true"') == 2
    assert 'value="kimson_catalog"' in html  # the user name is kept, the password is not
    assert "sai-mat-khau" not in html


def test_login_goes_to_next_when_it_is_on_this_site(client, staff, demo_password):
    response = client.get("/staff/catalog/")
    assert response["Location"] == "/staff/login/?next=/staff/catalog/"
    response = client.post("/staff/login/?next=/staff/catalog/", {"username": "kimson_catalog",
                                                                  "password": demo_password,
                                                                  "next": "/staff/catalog/"})
    assert response.status_code == 302 and response["Location"] == "/staff/catalog/"


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/staff/", "/\\evil.example", "\\\\evil.example", "http:/evil.example",
    "javascript:alert(1)", " https://evil.example", "https:evil.example", "/%2F%2Fevil.example",
])
def test_login_never_sends_to_another_site(client, staff, demo_password, target):
    response = client.post("/staff/login/", {"username": "kimson_desk", "password": demo_password, "next": target})
    assert response.status_code == 302
    location = response["Location"]
    parts = urlsplit(location.replace("\\", "/"))  # browsers read a backslash as a slash
    assert not parts.scheme and not parts.netloc and location.startswith("/"), location


def test_bad_input_to_the_form_is_a_message_not_an_error(client, staff):
    for data in ({"username": "a" * 10_000, "password": "x"}, {"username": "\x00", "password": "\x00"},
                 {"username": "😀", "password": "😀"}, {}, {"username": ["a", "b"], "password": ""}):
        response = client.post("/staff/login/", data, HTTP_ACCEPT_LANGUAGE="vi")
        assert response.status_code == 200, data
        assert "_auth_user_id" not in client.session


def test_a_disabled_account_cannot_log_in(client, staff, demo_password):
    staff["kimson_desk"].is_active = False
    staff["kimson_desk"].save()
    response = client.post("/staff/login/", {"username": "kimson_desk", "password": demo_password})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_logout_is_a_post_and_the_login_page_works_in_english(client, staff, demo_password):
    client.post("/staff/login/", {"username": "kimson_desk", "password": demo_password})
    assert client.get("/staff/logout/").status_code == 405  # a link or image cannot log anyone out
    assert "_auth_user_id" in client.session
    client.post("/staff/logout/")
    assert "_auth_user_id" not in client.session
    client.post("/i18n/setlang/", {"language": "en", "next": "/staff/login/"})
    html = client.get("/staff/login/").content.decode()
    assert '<html lang="en">' in html and "Staff login" in html and '<label for="id_username">User name</label>' in html


def test_guessing_a_staff_password_is_stopped_after_five_tries(client, staff, demo_password):
    for _attempt in range(5):
        client.post("/staff/login/", {"username": "kimson_desk", "password": "doan-mo"})
    html = client.post("/staff/login/", {"username": "kimson_desk", "password": demo_password},
                       HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "_auth_user_id" not in client.session  # even the right password waits
    assert "quá nhiều lần" in html.lower() and 'aria-describedby="login-error"' in html
    # Other accounts are not locked out by it, and the count is per account.
    client.post("/staff/login/", {"username": "kimson_catalog", "password": demo_password})
    assert "_auth_user_id" in client.session


def test_guessing_across_accounts_from_one_address_is_stopped_too(client, staff, demo_password):
    for n in range(20):
        client.post("/staff/login/", {"username": f"doan-{n}", "password": "x"})
    client.post("/staff/login/", {"username": "kimson_catalog", "password": demo_password})
    assert "_auth_user_id" not in client.session

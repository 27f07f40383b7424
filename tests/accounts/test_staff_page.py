"""/staff/accounts/: the network administrator manages everyone, a library administrator
only their own library's staff. Refusals are shown in Vietnamese and change nothing."""

import re

import pytest
from django.contrib.auth import get_user_model

from .test_staff_cli import snapshot

pytestmark = pytest.mark.django_db
URL = "/staff/accounts/"


def usernames(html):
    return re.findall(r'<tr id="staff-([^"]+)">', html)


def test_only_administrators_reach_the_page(client, login):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"] == "/staff/login/?next=/staff/accounts/"
    for username in ("kimson_catalog", "kimson_desk", "yenmo_catalog"):
        assert login(username).get(URL).status_code == 403, username
        assert login(username).post(URL, {"action": "add", "username": "x1", "role": "cataloguer",
                                          "library": "NB-KS"}).status_code == 403
    assert not get_user_model().objects.filter(username="x1").exists()
    assert 'href="/staff/accounts/"' in login("kimson_admin").get("/staff/").content.decode()
    assert 'href="/staff/accounts/"' not in login("kimson_catalog").get("/staff/").content.decode()


def test_network_admin_sees_everyone_library_admin_only_their_library(login):
    html = login("admin").get(URL).content.decode()
    assert {"admin", "kimson_catalog", "yenmo_desk", "tvt_admin"} <= set(usernames(html))
    assert "Quản trị mạng lưới" in html and 'value="network_admin"' in html
    html = login("kimson_admin").get(URL).content.decode()
    assert set(usernames(html)) == {"kimson_admin", "kimson_catalog", "kimson_desk"}
    assert "Yên Mô" not in html and 'value="network_admin"' not in html
    assert 'value="NB-KS"' in html and 'value="NB-YM"' not in html
    assert "Bạn quản lý cán bộ của thư viện mình." in html


def test_library_admin_adds_grants_revokes_and_resets_in_own_library(login, roles_of, client):
    admin = login("kimson_admin")
    response = admin.post(URL, {"action": "add", "username": "pham.hoa", "full_name": "Phạm Thị Hoa",
                                "role": "cataloguer", "library": "NB-KS", "password": ""})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="new-password"' in html
    password = re.search(r'id="new-password".*?<code>([^<]+)</code>', html, re.S).group(1)
    assert client.login(username="pham.hoa", password=password)
    assert roles_of("pham.hoa") == [("cataloguer", "NB-KS")]

    response = admin.post(URL, {"action": "grant", "username": "pham.hoa", "role": "circulation", "library": "NB-KS"})
    assert response.status_code == 302
    assert roles_of("pham.hoa") == [("cataloguer", "NB-KS"), ("circulation", "NB-KS")]
    assert "pham.hoa nay là Lưu thông (Thư viện huyện Kim Sơn)." in admin.get(URL).content.decode()
    admin.post(URL, {"action": "revoke", "username": "pham.hoa", "role": "cataloguer", "library": "NB-KS"})
    assert roles_of("pham.hoa") == [("circulation", "NB-KS")]
    admin.post(URL, {"action": "password", "username": "pham.hoa", "password": "doi-mat-khau-1"})
    assert client.login(username="pham.hoa", password="doi-mat-khau-1")
    # With a password of one's own choosing: no password is shown, the page is reloaded.
    response = admin.post(URL, {"action": "add", "username": "le.nam", "role": "library_admin",
                                "library": "NB-KS", "password": "quan-tri-ks-1"})
    assert response.status_code == 302 and roles_of("le.nam") == [("library_admin", "NB-KS")]


REFUSED = [
    # (as, form, Vietnamese message)
    ("kimson_admin", {"action": "add", "username": "gian", "role": "network_admin", "library": ""},
     "Chỉ quản trị mạng lưới mới được bổ nhiệm quản trị mạng lưới"),
    ("kimson_admin", {"action": "add", "username": "gian", "role": "cataloguer", "library": "NB-YM"},
     "Bạn chỉ được quản lý cán bộ của thư viện mình"),
    ("kimson_admin", {"action": "grant", "username": "kimson_catalog", "role": "network_admin", "library": ""},
     "Chỉ quản trị mạng lưới mới được bổ nhiệm"),
    ("kimson_admin", {"action": "grant", "username": "kimson_admin", "role": "library_admin", "library": "NB-YM"},
     "Bạn chỉ được quản lý cán bộ của thư viện mình"),
    ("kimson_admin", {"action": "grant", "username": "yenmo_desk", "role": "circulation", "library": "NB-KS"},
     "Bạn chỉ được quản lý cán bộ của thư viện mình"),  # enlisting another library's staff
    ("kimson_admin", {"action": "grant", "username": "admin", "role": "cataloguer", "library": "NB-KS"},
     "Bạn chỉ được quản lý cán bộ của thư viện mình"),
    ("kimson_admin", {"action": "revoke", "username": "yenmo_catalog", "role": "cataloguer", "library": "NB-YM"},
     "Bạn chỉ được quản lý cán bộ của thư viện mình"),
    ("kimson_admin", {"action": "revoke", "username": "admin", "role": "network_admin", "library": ""},
     "Chỉ quản trị mạng lưới mới được bổ nhiệm"),
    ("kimson_admin", {"action": "password", "username": "yenmo_desk", "password": "chiem-quyen-1"},
     "Bạn chỉ được quản lý cán bộ của thư viện mình"),
    ("kimson_admin", {"action": "password", "username": "admin", "password": "chiem-quyen-1"},
     "Bạn chỉ được quản lý cán bộ của thư viện mình"),
    ("kimson_admin", {"action": "password", "username": "kimson_desk", "password": "ngan"}, "ít nhất 8 ký tự"),
    ("kimson_admin", {"action": "add", "username": "kimson_desk", "role": "cataloguer", "library": "NB-KS"},
     "đã có người dùng"),
    ("kimson_admin", {"action": "add", "username": "a b", "role": "cataloguer", "library": "NB-KS"},
     "không có dấu cách"),
    ("kimson_admin", {"action": "add", "username": "moi", "role": "'; DROP TABLE auth_user; --", "library": "NB-KS"},
     "Không có vai trò"),
    ("kimson_admin", {"action": "add", "username": "moi", "role": "cataloguer", "library": "\x00💥"},
     "Không có thư viện nào có mã"),
    ("kimson_admin", {"action": "add", "username": "moi", "full_name": "Lan\x00", "role": "cataloguer",
                      "library": "NB-KS"}, "không có ký tự điều khiển"),
    ("kimson_admin", {"action": "add", "username": "moi", "full_name": "L" * 151, "role": "cataloguer",
                      "library": "NB-KS"}, "tối đa 150 chữ"),
    ("kimson_admin", {"action": "grant", "username": "kimson_desk\x00", "role": "cataloguer", "library": "NB-KS"},
     "Không có tài khoản nào"),
    ("admin", {"action": "add", "username": "moi", "role": "network_admin", "library": "NB\x00"},
     "thuộc về cả mạng lưới"),
    ("kimson_admin", {"action": "xoa-het"}, "Thao tác không hợp lệ"),
    ("kimson_admin", {}, "Thao tác không hợp lệ"),
    ("admin", {"action": "revoke", "username": "admin", "role": "network_admin", "library": ""},
     "ít nhất một quản trị mạng lưới"),
    ("admin", {"action": "grant", "username": "khong_co", "role": "cataloguer", "library": "NB-KS"},
     "Không có tài khoản nào"),
    ("admin", {"action": "password", "username": "x" * 5000, "password": "12345678910"}, "Không có tài khoản nào"),
]


@pytest.mark.parametrize("who, form, message", REFUSED)
def test_refusals_are_explained_and_change_nothing(login, who, form, message):
    client = login(who)
    before = snapshot()
    response = client.post(URL, form)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'role="alert"' in html
    assert snapshot() == before


def test_a_reader_account_cannot_be_made_staff_by_a_library_admin(login, roles_of):
    get_user_model().objects.create_user("ban_doc_ks", password="x" * 12)
    response = login("kimson_admin").post(URL, {"action": "grant", "username": "ban_doc_ks", "role": "cataloguer",
                                                "library": "NB-KS"})
    assert response.status_code == 400 and roles_of("ban_doc_ks") == []
    response = login("kimson_admin").post(URL, {"action": "password", "username": "ban_doc_ks",
                                                "password": "chiem-quyen-1"})
    assert response.status_code == 400


def test_network_admin_appoints_across_libraries(login, roles_of):
    admin = login("admin")
    assert admin.post(URL, {"action": "grant", "username": "yenmo_desk", "role": "circulation",
                            "library": "NB-KS"}).status_code == 302
    assert admin.post(URL, {"action": "grant", "username": "tvt_admin", "role": "network_admin",
                            "library": ""}).status_code == 302
    assert roles_of("yenmo_desk") == [("circulation", "NB-KS"), ("circulation", "NB-YM")]
    assert ("network_admin", "*") in roles_of("tvt_admin")
    # yenmo_desk now also works in Kim Sơn, so Kim Sơn's administrator may not reset its password.
    response = login("kimson_admin").post(URL, {"action": "password", "username": "yenmo_desk",
                                                "password": "chiem-quyen-1"})
    assert response.status_code == 400

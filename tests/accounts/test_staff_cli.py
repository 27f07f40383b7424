"""``thuvien staff add|grant|revoke|password|list``: the operator's staff accounts."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("staff", *args, stdout=out)
    return out.getvalue()


def snapshot():
    from thuvien.accounts.models import StaffRole

    users = sorted(get_user_model().objects.values_list("username", "password", "first_name"))
    return users, sorted(StaffRole.objects.values_list("user__username", "role", "library_id"))


def test_add_with_a_password_then_log_in(client, staff, roles_of):
    out = run("add", "nguyen.lan", "--library", "NB-KS", "--role", "cataloguer", "--password", "sach-hay-2026",
              "--name", "Nguyễn Thị Lan")
    assert "nguyen.lan added" in out and "password:" not in out
    assert roles_of("nguyen.lan") == [("cataloguer", "NB-KS")]
    assert get_user_model().objects.get(username="nguyen.lan").first_name == "Nguyễn Thị Lan"
    response = client.post("/staff/login/", {"username": "nguyen.lan", "password": "sach-hay-2026"})
    assert response.status_code == 302 and response["Location"] == "/staff/"


def test_add_without_a_password_prints_a_generated_one(client, staff):
    out = run("add", "tran.minh", "--library", "NB-YM", "--role", "circulation")
    password = out.split("password: ")[1].strip()
    assert len(password) >= 12
    assert client.login(username="tran.minh", password=password)


def test_grant_revoke_password_and_list(client, staff, roles_of):
    run("grant", "kimson_catalog", "--role", "circulation", "--library", "NB-KS")
    assert roles_of("kimson_catalog") == [("cataloguer", "NB-KS"), ("circulation", "NB-KS")]
    run("revoke", "kimson_catalog", "--role", "cataloguer", "--library", "NB-KS")
    assert roles_of("kimson_catalog") == [("circulation", "NB-KS")]
    run("grant", "tvt_admin", "--role", "network_admin")
    assert ("network_admin", "*") in roles_of("tvt_admin")
    run("password", "yenmo_desk", "--password", "mat-khau-moi-2026")
    assert client.login(username="yenmo_desk", password="mat-khau-moi-2026")
    out = run("password", "yenmo_catalog")
    assert client.login(username="yenmo_catalog", password=out.split("password: ")[1].strip())
    listing = run("list")
    assert "admin\tQuản trị mạng lưới\tnetwork_admin@*" in listing
    assert "kimson_catalog\tBiên mục Kim Sơn\tcirculation@NB-KS" in listing
    only_yen_mo = run("list", "--library", "NB-YM")
    assert only_yen_mo.splitlines() == ["yenmo_catalog\tBiên mục Yên Mô\tcataloguer@NB-YM",
                                        "yenmo_desk\tLưu thông Yên Mô\tcirculation@NB-YM"]


@pytest.mark.parametrize("args, message", [
    (("add", "kimson_catalog", "--library", "NB-KS", "--role", "cataloguer"), "đã có người dùng"),
    (("add", "KIMSON_CATALOG", "--library", "NB-KS", "--role", "cataloguer"), "đã có người dùng"),
    (("add", "moi", "--library", "NB-XX", "--role", "cataloguer"), "Không có thư viện nào có mã NB-XX"),
    (("add", "moi", "--library", "NB", "--role", "cataloguer"), "Không có thư viện nào có mã NB"),
    (("add", "moi", "--role", "cataloguer"), "phải thuộc về một thư viện"),
    (("add", "moi", "--library", "NB-KS", "--role", "network_admin"), "thuộc về cả mạng lưới"),
    (("add", "moi", "--library", "NB-KS", "--role", "giam_doc"), "Không có vai trò giam_doc"),
    (("add", "moi", "--library", "NB-KS", "--role", "cataloguer", "--password", "ngan"), "ít nhất 8 ký tự"),
    (("add", "có dấu cách", "--library", "NB-KS", "--role", "cataloguer"), "không có dấu cách"),
    (("add", "x" * 151, "--library", "NB-KS", "--role", "cataloguer"), "từ 1 đến 150"),
    (("add", "", "--library", "NB-KS", "--role", "cataloguer"), "từ 1 đến 150"),
    (("add", "moi\x00", "--library", "NB-KS", "--role", "cataloguer"), "không có dấu cách"),
    (("grant", "khong_co", "--role", "cataloguer", "--library", "NB-KS"), "Không có tài khoản nào"),
    (("grant", "kimson_catalog", "--role", "cataloguer", "--library", "NB-KS"), "đã có vai trò này"),
    (("revoke", "kimson_catalog", "--role", "cataloguer", "--library", "NB-YM"), "không có vai trò này"),
    (("revoke", "admin", "--role", "network_admin"), "ít nhất một quản trị mạng lưới"),
    (("password", "kimson_desk", "--password", "1234567"), "ít nhất 8 ký tự"),
    (("password", "khong_co", "--password", "12345678910"), "Không có tài khoản nào"),
])
def test_bad_input_is_refused_in_vietnamese_and_changes_nothing(staff, args, message):
    before = snapshot()
    with pytest.raises(CommandError) as error:
        run(*args)
    assert message in str(error.value)
    assert snapshot() == before

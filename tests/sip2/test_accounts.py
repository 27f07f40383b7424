"""Kiosk accounts: the CLI and the staff page (scoped to the administrator's library)."""

import pytest
from django.core.management import CommandError, call_command

from thuvien.interop.sip2.models import KioskAccount


def test_cli_add_list_disable(network, fast_hashing, capsys):
    call_command("sip2", "account", "add", "ks-1", "--library", "NB-KS", "--password", "secret-pass")
    account = KioskAccount.objects.get(login="ks-1")
    assert account.library.code == "NB-KS" and account.enabled and account.encoding == "utf-8"
    assert account.password != "secret-pass" and account.check_password("secret-pass")
    call_command("sip2", "account", "add", "ym-1", "--library", "NB-YM", "--password", "secret-pass",
                 "--encoding", "cp850")
    capsys.readouterr()
    call_command("sip2", "account", "list")
    out = capsys.readouterr().out
    assert "ks-1\tNB-KS\tenabled\tutf-8" in out and "ym-1\tNB-YM\tenabled\tcp850" in out
    call_command("sip2", "account", "disable", "ks-1")
    assert not KioskAccount.objects.get(login="ks-1").enabled
    call_command("sip2", "account", "password", "ks-1", "--password", "another-pass")
    assert KioskAccount.objects.get(login="ks-1").check_password("another-pass")


@pytest.mark.parametrize("args, needle", [
    (["ks-1", "--library", "NOPE", "--password", "secret-pass"], "NOPE"),
    (["ks 1", "--library", "NB-KS", "--password", "secret-pass"], "dấu cách"),
    (["ks-2", "--library", "NB-KS", "--password", "short"], "8"),
    (["ks-2", "--library", "NB-KS", "--password", "secret-pass", "--encoding", "klingon"], "klingon"),
])
def test_cli_refuses_bad_input(network, fast_hashing, args, needle):
    with pytest.raises(CommandError) as caught:
        call_command("sip2", "account", "add", *args)
    assert needle in str(caught.value)
    assert not KioskAccount.objects.exists()


def test_cli_refuses_duplicates_and_unknown(network, fast_hashing):
    call_command("sip2", "account", "add", "ks-1", "--library", "NB-KS", "--password", "secret-pass")
    with pytest.raises(CommandError, match="ks-1"):
        call_command("sip2", "account", "add", "ks-1", "--library", "NB-YM", "--password", "secret-pass")
    with pytest.raises(CommandError, match="ghost"):
        call_command("sip2", "account", "disable", "ghost")
    assert KioskAccount.objects.get().library.code == "NB-KS"


def test_staff_page_is_scoped(fast_hashing, client, staff, demo_password):
    from thuvien.interop.sip2.accounts import add_account

    add_account(None, "ks-1", "NB-KS", "secret-pass")
    add_account(None, "ym-1", "NB-YM", "secret-pass")

    assert client.get("/staff/sip2/").status_code == 302  # to the login page
    client.login(username="kimson_desk", password=demo_password)
    assert client.get("/staff/sip2/").status_code == 403  # circulation staff do not manage kiosks

    client.login(username="kimson_admin", password=demo_password)
    page = client.get("/staff/sip2/").content.decode()
    assert "ks-1" in page and "ym-1" not in page
    assert "Máy tự phục vụ (SIP2)" in page
    # Adds a kiosk to their own library; not to another one.
    response = client.post("/staff/sip2/", {"action": "add", "login": "ks-2", "library": "NB-KS",
                                            "password": "kiosk-pass-2", "encoding": "cp1258"})
    assert response.status_code == 302
    assert KioskAccount.objects.get(login="ks-2").encoding == "cp1258"
    response = client.post("/staff/sip2/", {"action": "add", "login": "ym-2", "library": "NB-YM",
                                            "password": "kiosk-pass-2"})
    assert response.status_code == 400
    assert "thư viện mình" in response.content.decode()
    assert not KioskAccount.objects.filter(login="ym-2").exists()
    # Cannot disable another library's kiosk (it does not even exist for them).
    response = client.post("/staff/sip2/", {"action": "disable", "login": "ym-1"})
    assert response.status_code == 400
    assert KioskAccount.objects.get(login="ym-1").enabled
    client.post("/staff/sip2/", {"action": "disable", "login": "ks-1"})
    assert not KioskAccount.objects.get(login="ks-1").enabled
    response = client.post("/staff/sip2/", {"action": "password", "login": "ks-1", "password": "x"})
    assert response.status_code == 400

    client.login(username="admin", password=demo_password)
    page = client.get("/staff/sip2/").content.decode()
    assert "ks-1" in page and "ym-1" in page
    client.post("/staff/sip2/", {"action": "enable", "login": "ks-1"})
    assert KioskAccount.objects.get(login="ks-1").enabled

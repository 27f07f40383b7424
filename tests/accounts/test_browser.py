"""A library administrator in a real headless Chromium: logs in with the keyboard, adds a
cataloguer for their library, and the staff pages pass the OPAC's quick accessibility check."""

import pytest
from opac.test_browser import A11Y_CHECK

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def accounts(staff, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return staff


def test_library_admin_logs_in_and_adds_a_cataloguer(page, accounts, demo_password):
    page.set_viewport_size({"width": 360, "height": 720})
    page.goto("/staff/accounts/")
    page.wait_for_url("**/staff/login/?next=/staff/accounts/")
    assert page.evaluate(A11Y_CHECK) == []
    page.get_by_label("Tên đăng nhập").fill("kimson_admin")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "không đúng" in page.get_by_role("alert").inner_text()
    page.get_by_label("Mật khẩu").fill(demo_password)
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/accounts/")
    assert page.locator("h1").inner_text() == "Tài khoản cán bộ"
    assert page.evaluate(A11Y_CHECK) == []
    form = page.locator("form[aria-labelledby=add-heading]")
    form.get_by_label("Tên đăng nhập").fill("vu.thao")
    form.get_by_label("Họ và tên").fill("Vũ Phương Thảo")
    form.get_by_label("Vai trò").select_option("cataloguer")
    form.get_by_role("button", name="Thêm").click()
    page.wait_for_load_state()
    password = page.locator("#new-password code").inner_text()
    assert len(password) >= 12
    row = page.locator("#staff-vu\\.thao")
    assert "Biên mục – Thư viện huyện Kim Sơn" in row.inner_text()
    # Yên Mô is not offered, and a forged choice is refused with a message.
    assert page.locator("#add-library option[value=NB-YM]").count() == 0

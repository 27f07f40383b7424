"""The reader's part of the story in a real browser on a phone-sized screen: log in with
the card number, reserve a book only the provincial library owns for collection in
Yên Mô, follow it in the account, and renew the loan with a tap."""

import datetime as dt

import pytest

from thuvien.circulation import services
from thuvien.circulation.models import Hold, Loan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/120.0 Mobile Safari/537.36"}


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_reader_reserves_follows_and_renews_on_a_phone(browser, live_server, circ, make_record, demo_password):
    record = make_record("Địa chí Ninh Bình", copies=[circ.tvt])
    barcode = record.items.get().barcode
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", **PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto("/account/login/")
        page.get_by_label("Số thẻ").fill("YM0001")
        page.get_by_label("Mật khẩu").fill(demo_password)
        page.get_by_label("Mật khẩu").press("Enter")
        page.wait_for_url("**/account/")
        assert fits_the_screen(page)

        page.goto(f"/record/{record.pk}/")
        assert "Thư viện tỉnh Ninh Bình" in page.content()
        page.locator(f'a[href="/account/holds/new/{record.pk}/"]').tap()
        page.wait_for_url(f"**/account/holds/new/{record.pk}/")
        assert fits_the_screen(page)
        page.get_by_label("Nhận sách tại").select_option(label="Thư viện huyện Yên Mô")
        page.get_by_role("button", name="Đặt mượn").tap()
        page.wait_for_url("**/account/")
        holds = page.locator("#holds-title + ul")
        assert "Địa chí Ninh Bình" in holds.inner_text() and "Thư viện huyện Yên Mô" in holds.inner_text()
        assert fits_the_screen(page)

        # The library does its part: pulled in the provincial library, received in Yên Mô.
        services.checkin(circ.admin, barcode, circ.tvt)
        services.checkin(circ.ym_desk, barcode, circ.ym)
        page.reload()
        assert "Sẵn sàng để nhận" in page.locator("#holds-title + ul").inner_text()

        services.checkout(circ.ym_desk, "YM0001", barcode, circ.ym)
        Loan.objects.update(due_at=Loan.objects.get().due_at - dt.timedelta(days=12))
        page.reload()
        loans = page.locator("#loans-title + ul")
        assert "Địa chí Ninh Bình" in loans.inner_text() and "Hạn trả" in loans.inner_text()
        assert "Sẵn sàng" not in page.content()
        before = Loan.objects.get().due_at
        loans.get_by_role("button", name="Gia hạn").tap()
        page.wait_for_url("**/account/")
        assert "Đã gia hạn" in page.locator(".messages").inner_text()
        loan = Loan.objects.get()
        assert loan.renewals == 1 and loan.due_at > before
        assert loan.due_at.astimezone().strftime("%d/%m/%Y") in page.locator("#loans-title + ul").inner_text()
        assert fits_the_screen(page)
        assert Hold.objects.get().status == "collected"
    finally:
        context.close()

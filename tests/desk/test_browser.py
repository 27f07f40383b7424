"""The loan desk in a real browser, the way a barcode scanner uses it: it types a code and
presses Enter, and the focus is always back in the scan box."""

import pytest
from django.test import Client

from thuvien.catalog.models import Item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_scan_card_scan_barcode_see_the_loan_check_it_in(page, live_server, circ, demo_password):
    client = Client()
    assert client.login(username="kimson_desk", password=demo_password)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])
    barcode = circ["ks_copy"]

    page.goto("/staff/circulation/")
    page.keyboard.type("KS0001")  # the scan box has the focus
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/circulation/readers/KS0001/")
    assert page.get_by_role("heading", name="Nguyễn Thị Lan").is_visible()

    page.keyboard.type(barcode)  # the focus is in the checkout box
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    loans = page.locator("table.loans")
    assert barcode in loans.inner_text() and "Truyện Kiều" in loans.inner_text()
    assert page.evaluate("document.activeElement.name") == "barcode"

    page.keyboard.press("F3")  # check-in mode
    page.wait_for_url("**/staff/circulation/checkin/")
    page.keyboard.type(barcode)
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/circulation/checkin/")
    assert "Xếp lên giá" in page.locator(".checkin-result").inner_text()
    assert Item.objects.get(barcode=barcode).status == "available"
    assert page.evaluate("document.activeElement.name") == "barcode"

import re

import pytest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_viewer_loads_tiles_turns_pages_and_highlights_hits(page, digitise):
    obj = digitise("open")
    first, second = obj.files.order_by("order")
    tiles = []
    page.on("response", lambda r: tiles.append((r.url, r.status)) if "/iiif/3/" in r.url and r.url.endswith(".jpg")
            else None)
    page.goto(f"/digital/{obj.pk}/")
    page.wait_for_selector(".dv[data-ready='1']")
    page.wait_for_function("document.querySelector('.dv-count').textContent === '2'")
    page.wait_for_function(f"window.performance.getEntriesByType('resource').some(e => e.name.includes('/iiif/3/{first.pk}/') && e.name.endsWith('.jpg'))")
    page.wait_for_timeout(300)
    assert any(f"/iiif/3/{first.pk}/" in url and status == 200 for url, status in tiles), tiles
    assert all(status == 200 for _, status in tiles), tiles

    page.get_by_role("button", name=re.compile("Trang sau")).click()
    page.wait_for_function("document.querySelector('.dv').dataset.page === '2'")
    page.wait_for_function(f"window.performance.getEntriesByType('resource').some(e => e.name.includes('/iiif/3/{second.pk}/') && e.name.endsWith('.jpg'))")
    assert page.locator(".dv-page").input_value() == "2"

    # search inside: a folded query finds "Hán Nôm" on page 2 and draws a box on it
    page.get_by_role("button", name=re.compile("Trang trước")).click()
    page.wait_for_function("document.querySelector('.dv').dataset.page === '1'")
    page.fill(".dv-search input", "han nom")
    page.press(".dv-search input", "Enter")
    page.wait_for_selector(".dv-hits li button")
    assert "Trang 2" in page.locator(".dv-hits li").first.text_content()
    page.wait_for_function("document.querySelector('.dv').dataset.page === '2'")
    page.wait_for_selector(".dv-hit", state="attached")

    # two-page mode shows the facing pages together
    page.click(".dv-mode")
    assert page.locator(".dv-mode").get_attribute("aria-pressed") == "true"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_viewer_fits_a_phone(browser, live_server, digitise):
    obj = digitise("open")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 700},
                                  is_mobile=True, has_touch=True, locale="vi-VN")
    phone = context.new_page()
    phone.goto(f"/digital/{obj.pk}/")
    phone.wait_for_selector(".dv[data-ready='1']")
    width = phone.evaluate("document.documentElement.scrollWidth")
    box = phone.locator(".dv-canvas").bounding_box()
    context.close()
    assert width <= 375 and box["width"] > 300 and box["height"] > 300

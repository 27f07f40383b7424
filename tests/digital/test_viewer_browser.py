import re
from urllib.parse import urlsplit

import pytest


def _local_only(context):
    """Refuse every request that leaves the test server (no CDN, no web fonts); returns
    the list of what was refused."""
    refused = []

    def route(request_route):
        host = urlsplit(request_route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            request_route.continue_()
        else:
            refused.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    return refused


def _fetched(page, page_id):
    return (f"window.performance.getEntriesByType('resource').some("
            f"e => e.name.includes('/iiif/3/{page_id}/') && e.name.endsWith('.jpg'))")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_viewer_loads_tiles_turns_pages_zooms_and_highlights_hits(page, digitise):
    refused = _local_only(page.context)
    obj = digitise("open")
    first, second = obj.files.order_by("order")
    tiles = []
    page.on("response", lambda r: tiles.append((r.url, r.status)) if "/iiif/3/" in r.url and r.url.endswith(".jpg")
            else None)
    page.goto(f"/digital/{obj.pk}/")
    page.wait_for_selector(".dv[data-ready='1']")
    page.wait_for_function("document.querySelector('.dv-count').textContent === '2'")
    page.wait_for_function(_fetched(page, first.pk))
    page.wait_for_timeout(300)
    assert any(f"/iiif/3/{first.pk}/" in url and status == 200 for url, status in tiles), tiles
    assert all(status == 200 for _, status in tiles), tiles

    # zoom: the viewer asks for the full-resolution tiles (512 px regions at scale 1)
    before = len(tiles)
    for _ in range(3):
        page.get_by_role("button", name=re.compile("Phóng to")).click()
    page.wait_for_function(f"window.performance.getEntriesByType('resource').some("
                           f"e => /\\/iiif\\/3\\/{first.pk}\\/\\d+,\\d+,\\d+,\\d+\\/\\d+,\\d+\\/0\\/default.jpg/.test(e.name))")
    page.wait_for_timeout(300)
    assert len(tiles) > before and all(status == 200 for _, status in tiles)
    page.get_by_role("button", name=re.compile("Thu nhỏ")).click()

    page.get_by_role("button", name=re.compile("Trang sau")).click()
    page.wait_for_function("document.querySelector('.dv').dataset.page === '2'")
    page.wait_for_function(_fetched(page, second.pk))
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
    assert refused == []  # everything the viewer needs ships with the project


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_search_result_opens_the_page_it_found_with_the_hit_marked(page, digitise, record):
    refused = _local_only(page.context)
    obj = digitise("open")
    page.goto("/search/?q=han+nom")
    link = page.locator(f"a[href^='/digital/{obj.pk}/?q=']").first
    assert "trang 2" in link.text_content().lower()
    link.click()
    page.wait_for_selector(".dv[data-ready='1']")
    page.wait_for_function("document.querySelector('.dv').dataset.page === '2'")
    page.wait_for_selector(".dv-hit", state="attached")
    assert refused == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_viewer_fits_a_phone(browser, live_server, digitise):
    obj = digitise("open")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 700},
                                  is_mobile=True, has_touch=True, locale="vi-VN")
    refused = _local_only(context)
    phone = context.new_page()
    phone.goto(f"/digital/{obj.pk}/")
    phone.wait_for_selector(".dv[data-ready='1']")
    width = phone.evaluate("document.documentElement.scrollWidth")
    box = phone.locator(".dv-canvas").bounding_box()
    buttons = phone.locator(".dv-toolbar button").evaluate_all("bs => bs.map(b => b.getBoundingClientRect().height)")
    phone.get_by_role("button", name=re.compile("Trang sau")).tap()
    phone.wait_for_function("document.querySelector('.dv').dataset.page === '2'")
    context.close()
    assert width <= 375 and box["width"] > 300 and box["height"] > 300
    assert min(buttons) >= 32  # big enough for a finger
    assert refused == []

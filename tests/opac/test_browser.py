"""The public catalogue in a real headless Chromium."""

import pytest

from .conftest import build_catalogue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shelf(network):
    return build_catalogue(network)


def test_search_without_diacritics_open_the_record_see_the_holdings(page, shelf):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.get_by_label("Tìm theo nhan đề, tác giả, chủ đề hoặc ISBN").fill("de men phieu luu ky")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?**")
    status = page.locator(".results-summary[role=status]")
    assert "Kết quả 1–1 trong 1" in status.inner_text()
    first = page.locator(".hit").first
    assert "Thư viện huyện Yên Mô" in first.inner_text() and "hết trên giá" in first.inner_text()
    first.get_by_role("link", name="Dế Mèn phiêu lưu ký").click()
    page.wait_for_url(f"**/record/{shelf['de_men'].pk}/")
    assert page.locator("h1").inner_text() == "Dế Mèn phiêu lưu ký"
    holdings = page.locator("#holdings")
    assert holdings.is_visible()
    text = holdings.inner_text()
    for library in ("Thư viện huyện Kim Sơn", "Thư viện huyện Yên Mô", "Thư viện tỉnh Ninh Bình"):
        assert library in text
    assert "Đang cho mượn" in text and "Có trên giá" in text and "895.9223 T" in text


A11Y_CHECK = """() => {
  const problems = [];
  const lang = document.documentElement.getAttribute("lang");
  if (!lang) problems.push("html has no lang");
  if (!document.title.trim()) problems.push("no title");
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) problems.push(`${h1} h1 elements`);
  for (const tag of ["header", "nav", "main", "footer"]) {
    if (!document.querySelector(tag)) problems.push(`no <${tag}> landmark`);
  }
  const skip = document.querySelector("a.skip-link");
  if (!skip || !document.querySelector(skip.getAttribute("href"))) problems.push("skip link target missing");
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    const named = (el.labels && el.labels.length) || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (!named) problems.push("unlabelled control " + el.outerHTML.slice(0, 100));
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push("image without alt " + img.outerHTML.slice(0, 100));
  }
  for (const el of document.querySelectorAll("a[href], button")) {
    const name = (el.textContent || "").trim() || el.getAttribute("aria-label") || el.getAttribute("title");
    if (!name) problems.push("control without a name " + el.outerHTML.slice(0, 100));
  }
  const ids = {};
  for (const el of document.querySelectorAll("[id]")) {
    if (ids[el.id]) problems.push("duplicate id " + el.id);
    ids[el.id] = true;
  }
  // Text contrast (WCAG 1.4.3): 4.5:1, or 3:1 for large text.
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.clip === "rect(0px, 0px, 0px, 0px)") continue;
    const a = lum(rgb(style.color).slice(0, 3)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) problems.push(`contrast ${ratio.toFixed(2)} < ${needed}: ` + el.outerHTML.slice(0, 80));
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) problems.push("scrolls sideways");
  return problems;
}"""


def test_pages_pass_a_quick_accessibility_check_on_a_phone(page, shelf):
    page.set_viewport_size({"width": 320, "height": 640})
    record = shelf["de_men"]
    for url in ("/", "/search/?q=ninh+binh", f"/record/{record.pk}/", "/libraries/", "/libraries/NB-KS/",
                "/libraries/NB-KS/search/?q=de+men", "/staff/login/", "/new/"):  # the last one without autofocus
        page.goto(url)
        assert page.evaluate(A11Y_CHECK) == [], url
    # The skip link is the first stop of the keyboard, visible when focused, and leads to <main>.
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.className")
    assert focused == "skip-link"
    box = page.locator(".skip-link").bounding_box()
    assert box["y"] >= 0
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#main"

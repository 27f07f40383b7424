"""The public catalogue's pages through HTTP: home, results, record, directory, new acquisitions."""

import re
import unicodedata

import pytest


@pytest.fixture
def catalogue(db, use_shared_index):
    """Every test here only reads: they share one catalogue (see conftest)."""
    return use_shared_index


def html_of(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def titles(html):
    return re.findall(r'<a href="/record/\d+/">([^<]+)</a>', html)


def test_home_is_vietnamese_with_search_box_and_new_acquisitions(vi, catalogue):
    html = html_of(vi.get("/"))
    assert '<html lang="vi">' in html
    assert 'role="search"' in html and '<label for="q">' in html
    assert "Sách mới trong mạng lưới" in html
    assert "Dế Mèn phiêu lưu ký" in html
    assert "Tài liệu mật" not in html  # restricted record
    assert 'href="/account/"' in html and 'href="/staff/login/"' in html and 'href="/libraries/"' in html


def test_home_new_acquisitions_of_one_library(vi, catalogue):
    html = html_of(vi.get("/", {"library": "NB-KS"}))
    shown = set(titles(html))
    assert shown == {"Dế Mèn phiêu lưu ký", "Truyện Kiều"}
    assert "Sách mới tại Thư viện huyện Kim Sơn" in html


def test_english_is_one_click_away(client, catalogue):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/search/?q=kieu"})
    assert response.status_code == 302 and response["Location"] == "/search/?q=kieu"
    html = html_of(client.get("/search/", {"q": "kieu"}))
    assert '<html lang="en">' in html
    assert "Refine the results" in html and "Holding library" in html
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    assert '<html lang="vi">' in html_of(client.get("/"))


def test_language_switch_is_a_form_on_every_page(vi, catalogue):
    html = html_of(vi.get(f"/record/{catalogue['kieu'].pk}/"))
    assert 'action="/i18n/setlang/"' in html
    assert 'name="language" value="en"' in html and 'name="next"' in html


def test_search_without_diacritics_lists_holdings_with_availability(vi, catalogue):
    html = html_of(vi.get("/search/", {"q": "de men phieu luu ky"}))
    assert titles(html)[0] == "Dế Mèn phiêu lưu ký"
    hit = html.split('class="hit"')[1]
    assert "Thư viện huyện Kim Sơn" in hit and "Thư viện huyện Yên Mô" in hit and "Thư viện tỉnh Ninh Bình" in hit
    yen_mo = hit.split("Thư viện huyện Yên Mô")[1].split("</li>")[0]
    assert "hết trên giá" in yen_mo  # its only copy is on loan
    kim_son = hit.split("Thư viện huyện Kim Sơn")[1].split("</li>")[0]
    assert "còn 1 bản" in kim_son
    assert 'role="status"' in html  # the count is announced


def test_exact_diacritics_rank_first(vi, catalogue):
    assert titles(html_of(vi.get("/search/", {"q": "dế"})))[0] == "Dế Mèn phiêu lưu ký"
    assert titles(html_of(vi.get("/search/", {"q": "dê"})))[0] == "Kỹ thuật nuôi dê"


def test_facets_have_counts_and_can_be_chosen_and_removed(vi, catalogue):
    html = html_of(vi.get("/search/", {"q": ""}))
    facets = html.split('class="facets"')[1]
    for label in ("Thư viện có sách", "Loại tài liệu", "Ngôn ngữ", "Năm", "Chủ đề", "Tác giả"):
        assert label in facets
    # Tỉnh holds three public records; its facet link selects the library.
    link = re.search(r'<a href="(\?[^"]*library=NB-TVT[^"]*)"><span>Thư viện tỉnh Ninh Bình</span> <span class="count">(\d+)</span>', facets)
    assert link and link.group(2) == "3"
    chosen = html_of(vi.get("/search/" + link.group(1).replace("&amp;", "&")))
    assert set(titles(chosen)) == {"Dế Mèn phiêu lưu ký", "Địa chí Ninh Bình", "A history of Vietnam"}
    remove = re.search(r'<ul class="chosen".*?<a href="([^"]*)">', chosen, re.S).group(1)
    assert len(titles(html_of(vi.get("/search/" + remove.replace("&amp;", "&"))))) == 5
    # Two facets at once, then the language facet in English terms.
    both = html_of(vi.get("/search/", {"q": "", "language": "eng", "subject": "Lịch sử Việt Nam"}))
    assert titles(both) == ["A history of Vietnam"]
    assert "Tiếng Anh" in both


def test_library_and_available_now_filters(vi, catalogue):
    html = html_of(vi.get("/search/", {"library": "NB-YM"}))
    assert set(titles(html)) == {"Dế Mèn phiêu lưu ký", "Kỹ thuật nuôi dê"}
    html = html_of(vi.get("/search/", {"library": "NB-YM", "available": "1"}))
    assert titles(html) == ["Kỹ thuật nuôi dê"]  # Dế Mèn's copy there is on loan
    html = html_of(vi.get("/search/", {"q": "de men", "available": "1"}))
    assert titles(html) == ["Dế Mèn phiêu lưu ký"]  # on the shelf elsewhere


def test_sort_by_title_in_vietnamese_order_and_by_year(vi, catalogue):
    by_title = titles(html_of(vi.get("/search/", {"q": "", "sort": "title"})))
    assert by_title == ["A history of Vietnam", "Dế Mèn phiêu lưu ký", "Địa chí Ninh Bình", "Kỹ thuật nuôi dê", "Truyện Kiều"]
    by_year = titles(html_of(vi.get("/search/", {"q": "", "sort": "year"})))
    assert by_year[0] == "Dế Mèn phiêu lưu ký" and by_year[-1] == "A history of Vietnam"


def test_paging(vi, catalogue):
    first = html_of(vi.get("/search/", {"sort": "title", "page_size": 2}))
    second = html_of(vi.get("/search/", {"sort": "title", "page_size": 2, "page": 2}))
    third = html_of(vi.get("/search/", {"sort": "title", "page_size": 2, "page": 3}))
    assert titles(first) + titles(second) + titles(third) == [
        "A history of Vietnam", "Dế Mèn phiêu lưu ký", "Địa chí Ninh Bình", "Kỹ thuật nuôi dê", "Truyện Kiều"]
    assert 'aria-label="Các trang kết quả"' in first and 'rel="next"' in first and 'rel="prev"' in second
    assert "Kết quả 3–4 trong 5" in second


BAD_QUERIES = [
    "", "   ", "x" * 5000, "\x00\x01\x02 binary \x7f", "\ufffd\ufffe", '"unbalanced quote', 'Dế "Mèn',
    "*", "**", ":", "title:", "a:b:c", "AND", "OR NOT AND", "de AND men", "😀📚", "📚 dế mèn",
    unicodedata.normalize("NFD", "Dế Mèn phiêu lưu ký"), "(((", "[]{}\\/", "-", "--", "'; DROP TABLE catalog_bibrecord; --",
    "%", "_", "de*", "*men", "\u200b", "ء ܐ 漢字",
]


def test_odd_queries_never_fail(client, catalogue):
    for q in BAD_QUERIES:
        assert client.get("/search/", {"q": q}).status_code == 200, repr(q)
        response = client.get("/api/v1/search", {"q": q})
        assert response.status_code == 200, repr(q)
        assert isinstance(response.json()["total"], int)


def test_odd_queries_give_clear_messages(vi, catalogue):
    html = html_of(vi.get("/search/", {"q": "x" * 5000}))
    assert "Câu tìm quá dài" in html
    html = html_of(vi.get("/search/", {"q": '"dế mèn'}))
    assert "Dấu ngoặc kép chưa được đóng" in html and "Dế Mèn phiêu lưu ký" in titles(html)
    html = html_of(vi.get("/search/", {"q": ""}))
    assert 'id="blank-query"' in html
    html = html_of(vi.get("/search/", {"q": "zzzqqq"}))
    assert "Không tìm thấy kết quả cho “zzzqqq”." in html and 'id="no-results"' in html
    nfd = unicodedata.normalize("NFD", "Dế Mèn")
    assert titles(html_of(vi.get("/search/", {"q": nfd})))[0] == "Dế Mèn phiêu lưu ký"


ODD_PARAMETERS = [
    {"page": "abc"}, {"page": "-3"}, {"page": "99999999999999999999"}, {"page_size": "0"},
    {"page_size": "100000"}, {"sort": "evil"}, {"year": "abc"}, {"year": "99999999999"},
    {"library": "\x00"}, {"library": "KHONG-CO"}, {"type": "x" * 1000}, {"available": "maybe"},
    {"author": "\x00"}, {"q": "de", "subject": ["a"] * 50},
]


def test_odd_paths_are_404(client, catalogue):
    for path in ("/record/0/", "/record/99999999999999999999999/", "/record/abc/", "/libraries/%00/",
                 "/libraries/" + "x" * 500 + "/", "/libraries/NB-KS/search/%F0%9F%98%80/"):
        assert client.get(path).status_code == 404, path


def test_odd_parameters_never_fail(client, catalogue):
    for params in ODD_PARAMETERS:
        assert client.get("/search/", params).status_code == 200, params
        assert client.get("/", params).status_code == 200, params


def test_record_page_in_english(client, catalogue):
    url = f"/record/{catalogue['de_men'].pk}/"
    client.post("/i18n/setlang/", {"language": "en", "next": url})
    html = html_of(client.get(url))
    assert "Where to find it" in html and "On loan" in html and "Call number" in html


def test_vietnamese_is_the_default_whatever_the_browser_says(client, catalogue):
    html = html_of(client.get(f"/record/{catalogue['de_men'].pk}/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))
    assert 'lang="vi"' in html and "Where to find it" not in html


def test_record_page_offers_the_reader_services(vi, catalogue):
    record = catalogue["de_men"]
    html = html_of(vi.get(f"/record/{record.pk}/"))
    assert 'class="reader-actions"' in html
    for url in (f"/account/holds/new/{record.pk}/", f"/account/requests/copy/new/{record.pk}/",
                f"/account/requests/postal/new/{record.pk}/"):
        assert f'href="{url}"' in html


def test_library_directory_is_the_network_tree_by_type(vi, catalogue):
    html = html_of(vi.get("/libraries/"))
    assert "Mạng lưới thư viện tỉnh Ninh Bình" in html
    for heading, count in (("Thư viện tỉnh", 1), ("Thư viện cấp huyện/thành phố", 8), ("Thư viện trường học", 3)):
        assert f"{heading} <span class=\"count\">({count})</span>" in html
    assert html.index("Thư viện tỉnh <span") < html.index("Thư viện cấp huyện") < html.index("Thư viện trường học")


def test_library_page_details_and_scoped_catalogue(vi, catalogue):
    html = html_of(vi.get("/libraries/NB-KS/"))
    for text in ("Thư viện huyện Kim Sơn", "NB-KS", "Thị trấn Phát Diệm", "Huyện Kim Sơn", "Giờ mở cửa",
                 "7:30–11:30", "nb-ks@thuvien.ninhbinh.gov.vn", "0229 38", 'action="/libraries/NB-KS/search/"'):
        assert text in html
    assert set(titles(html)) == {"Dế Mèn phiêu lưu ký", "Truyện Kiều"}  # its new acquisitions
    scoped = html_of(vi.get("/libraries/NB-KS/search/", {"q": ""}))
    assert set(titles(scoped)) == {"Dế Mèn phiêu lưu ký", "Truyện Kiều"}
    assert "Mục lục của Thư viện huyện Kim Sơn" in scoped
    widen = re.search(r'<ul class="chosen".*?<a href="([^"]*)">', scoped, re.S).group(1)
    assert widen.startswith("/search/?") and len(titles(html_of(vi.get(widen.replace("&amp;", "&"))))) == 5
    assert titles(html_of(vi.get("/libraries/NB-KS/search/", {"q": "nuoi de"}))) == []
    assert vi.get("/libraries/KHONG-CO/").status_code == 404
    assert vi.get("/libraries/KHONG-CO/search/").status_code == 404
    assert vi.get("/libraries/NB/").status_code == 200  # the network's own page


def test_new_acquisitions_page(vi, catalogue):
    html = html_of(vi.get("/new/"))
    assert len(titles(html)) == 5 and "Tài liệu mật" not in html
    assert set(titles(html_of(vi.get("/new/", {"library": "NB-YM"})))) == {"Dế Mèn phiêu lưu ký", "Kỹ thuật nuôi dê"}
    assert vi.get("/new/", {"library": "KHONG-CO"}).status_code == 404
    assert vi.get("/new/", {"library": "\x00"}).status_code == 404


RSS = "{http://www.w3.org/2005/Atom}"


def test_new_acquisitions_rss_feed(client, catalogue):
    import xml.etree.ElementTree as ET

    response = client.get("/new/rss/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    items = channel.findall("item")
    assert {i.findtext("title") for i in items} == {
        "Dế Mèn phiêu lưu ký", "Kỹ thuật nuôi dê", "Địa chí Ninh Bình", "Truyện Kiều", "A history of Vietnam"}
    first = items[0]
    assert first.findtext("link").startswith("http://testserver/record/") and first.findtext("pubDate")
    root = ET.fromstring(client.get("/new/rss/", {"library": "NB-KS"}).content)
    assert {i.findtext("title") for i in root.iter("item")} == {"Dế Mèn phiêu lưu ký", "Truyện Kiều"}
    assert "Thư viện huyện Kim Sơn" in root.find("channel").findtext("title")


def test_new_acquisitions_atom_feed(client, catalogue):
    import xml.etree.ElementTree as ET

    response = client.get("/new/atom/", {"library": "NB-YM"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{RSS}feed"
    entries = root.findall(f"{RSS}entry")
    assert {e.findtext(f"{RSS}title") for e in entries} == {"Dế Mèn phiêu lưu ký", "Kỹ thuật nuôi dê"}
    for entry in entries:
        assert entry.findtext(f"{RSS}id") and entry.findtext(f"{RSS}updated")
        assert entry.find(f"{RSS}link").get("href").startswith("http://testserver/record/")
    assert client.get("/new/atom/", {"library": "KHONG-CO"}).status_code == 404
    assert client.get("/new/rss/", {"library": "\x00"}).status_code == 404

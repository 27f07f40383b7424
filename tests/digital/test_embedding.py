"""What other apps use: the record-page include, search-result page hits, the records API dicts."""

from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory


def _request(ip="203.0.113.9", user=None):
    request = RequestFactory().get("/record/1", REMOTE_ADDR=ip)
    request.user = user or AnonymousUser()
    return request


def test_record_page_include_shows_only_visible_objects(digitise, record):
    template = Template("{% load digital %}{% digital_viewers record %}")
    hidden = digitise("staff")
    assert 'class="dv"' not in template.render(Context({"record": record, "request": _request()}))
    shown = digitise("open")
    html = template.render(Context({"record": record, "request": _request()}))
    assert f"/iiif/manifest/{shown.pk}.json" in html and f"/iiif/manifest/{hidden.pk}.json" not in html


def test_search_result_page_numbers(digitise, record):
    from thuvien.digital.fulltext import record_page_hits

    obj = digitise("open")
    assert record_page_hits(record, "han nom quy hiem", _request()) == [(obj, [2])]
    obj.access = "onsite"
    obj.save()
    assert record_page_hits(record, "han nom quy hiem", _request()) == []


def test_visible_objects_dicts_for_the_records_api(digitise, record, client):
    from thuvien.digital.selectors import visible_objects

    obj = digitise("registered")
    assert visible_objects(record, _request()) == []
    data = client.get(f"/api/v1/digital/records/{record.pk}").json()
    assert data == {"record": record.pk, "digital_objects": []}
    obj.access = "open"
    obj.save()
    [entry] = client.get(f"/api/v1/digital/records/{record.pk}").json()["digital_objects"]
    assert entry["manifest"] == f"http://testserver/iiif/manifest/{obj.pk}.json"
    assert entry["access"] == "open" and entry["pages"] == 2
    assert client.get("/api/v1/digital/records/999999").status_code == 404
    [entry] = client.get(f"/api/v1/digital/records/{record.pk}", {"q": "han nom"}).json()["digital_objects"]
    assert entry["matching_pages"] == [2]


def test_catalogue_index_holds_open_text_only(digitise, record):
    """The index answers everyone (OPAC, API, SRU): a phrase finding a record would tell
    what a restricted text says, so only open text goes in."""
    from thuvien.search.service import SearchRequest, search

    obj = digitise("registered")
    assert record.pk not in search(SearchRequest(q='"Hoa Lu"')).ids
    obj.access = "open"
    obj.save()  # re-indexed on save
    assert record.pk in search(SearchRequest(q='"Hoa Lu"')).ids  # folded phrase of page 1
    obj.access = "onsite"
    obj.save()
    assert record.pk not in search(SearchRequest(q='"Hoa Lu"')).ids


def test_text_hits_give_pages_and_marked_snippets(digitise, record):
    from thuvien.digital.fulltext import text_hits

    obj = digitise("open")
    [hit] = text_hits([record], '"hoa lu" dinh', _request())[record.pk]
    assert hit.object == obj and hit.pages == [1]
    [(page, html)] = hit.snippets
    assert page == 1 and "<mark>Hoa Lư</mark>" in html and "<mark>Đinh</mark>" in html
    assert text_hits([record], "li", _request()) == {}  # whole words only
    assert text_hits([record], "li*", _request())[record.pk][0].pages == [1, 2]  # a prefix: "Lĩnh", "liệu"
    assert text_hits([record], "hoa lu -dinh", _request())[record.pk][0].pages == [1]  # exclusions ignored here
    assert text_hits([record], "tràng an", _request()) == {}  # not in this document
    assert text_hits([record], '"" *', _request()) == {}
    obj.access = "registered"
    obj.save()
    assert text_hits([record], "hoa lu", _request()) == {}


def test_snippets_escape_the_text():
    from thuvien.digital.textmatch import snippet, terms

    text = "Sách <b>cổ</b> & tài liệu Hán Nôm quý hiếm"
    assert snippet(text, terms('"han nom"')) == "Sách &lt;b&gt;cổ&lt;/b&gt; &amp; tài liệu <mark>Hán Nôm</mark> quý hiếm"
    assert "<mark>Hán</mark> <mark>Nôm</mark>" in snippet(text, terms("han nom"))  # two words, not a phrase
    long = " ".join(["chữ"] * 200) + " Hoa Lư " + " ".join(["chữ"] * 200)
    html = snippet(long, terms('"hoa lu"'))
    assert html.startswith("…") and html.endswith("…") and "<mark>Hoa Lư</mark>" in html and len(html) < 260


def test_a_word_typed_with_diacritics_marks_its_own_form_first():
    from thuvien.digital.textmatch import snippet, terms

    text = "hang động và dòng sông"
    assert snippet(text, terms("dòng sông")) == "hang động và <mark>dòng</mark> <mark>sông</mark>"
    assert snippet(text, terms("dong song")) == "hang <mark>động</mark> và <mark>dòng</mark> <mark>sông</mark>"
    assert snippet("hang động", terms("dòng")) == "hang <mark>động</mark>"  # no exact form: the folded one

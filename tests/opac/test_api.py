"""The search API: ``/api/v1/search`` and ``/api/v1/records/{id}``, checked against its own OpenAPI."""

import jsonschema
import pytest


@pytest.fixture
def catalogue(db, use_shared_index):
    return use_shared_index


@pytest.fixture(scope="module")
def openapi():
    from django.test import Client

    return Client().get("/api/v1/openapi.json").json()


def check(openapi, path, status, body):
    """Validate ``body`` against the documented response of ``path``."""
    schema = openapi["paths"][path]["get"]["responses"][str(status)]["content"]["application/json"]["schema"]
    jsonschema.validate(body, {**schema, "components": openapi["components"]})


def test_search_answers_total_results_holdings_and_facets(client, catalogue, openapi):
    response = client.get("/api/v1/search", {"q": "de men phieu luu ky"})
    assert response.status_code == 200
    data = response.json()
    check(openapi, "/api/v1/search", 200, data)
    assert data["total"] == 1
    [hit] = data["results"]
    assert hit["id"] == catalogue["de_men"].pk and hit["title"] == "Dế Mèn phiêu lưu ký"
    assert hit["authors"] == ["Tô, Hoài"] and hit["year"] == 2019
    assert {h["library"]: (h["library_name"], h["available"], h["total"]) for h in hit["holdings"]} == {
        "NB-KS": ("Thư viện huyện Kim Sơn", 1, 1), "NB-YM": ("Thư viện huyện Yên Mô", 0, 1),
        "NB-TVT": ("Thư viện tỉnh Ninh Bình", 1, 1)}
    assert set(data["facets"]) == {"library", "type", "language", "year", "subject", "author"}
    assert {f["value"]: f["count"] for f in data["facets"]["library"]} == {"NB-KS": 1, "NB-YM": 1, "NB-TVT": 1}


def test_search_filters_facets_sort_and_paging(client, catalogue, openapi):
    data = client.get("/api/v1/search", {"library": "NB-TVT"}).json()
    assert data["total"] == 3  # the restricted record there is left out
    facets = {f["value"]: f for f in data["facets"]["library"]}
    assert facets["NB-TVT"]["selected"] and facets["NB-TVT"]["count"] == 3
    data = client.get("/api/v1/search", {"library": "NB-YM", "available": "true"}).json()
    assert [r["title"] for r in data["results"]] == ["Kỹ thuật nuôi dê"]
    data = client.get("/api/v1/search", {"language": "eng"}).json()
    assert [r["title"] for r in data["results"]] == ["A history of Vietnam"]
    data = client.get("/api/v1/search", {"year": ["2010", "2015"], "sort": "year"}).json()
    assert [r["title"] for r in data["results"]] == ["Truyện Kiều", "Địa chí Ninh Bình"]
    data = client.get("/api/v1/search", {"author": "Nguyễn, Du", "type": "book"}).json()
    assert [r["title"] for r in data["results"]] == ["Truyện Kiều"]
    pages = [client.get("/api/v1/search", {"sort": "title", "page_size": 2, "page": n}).json() for n in (1, 2, 3)]
    assert [r["title"] for p in pages for r in p["results"]] == [
        "A history of Vietnam", "Dế Mèn phiêu lưu ký", "Địa chí Ninh Bình", "Kỹ thuật nuôi dê", "Truyện Kiều"]
    assert pages[0]["pages"] == 3 and pages[2]["page"] == 3 and pages[0]["total"] == 5
    for page in pages:
        check(openapi, "/api/v1/search", 200, page)


@pytest.mark.parametrize("params", [
    {"page": "-1"}, {"page": "0"}, {"page": str(10**30)}, {"page_size": "100000"}, {"page_size": "-5"},
    {"sort": "drop"}, {"year": "abc"}, {"library": "\x00"}, {"q": "\x00" * 10}, {"q": "x" * 100_000},
    {"q": '"'}, {"q": "*:*"}, {"q": "AND"}, {"q": "🙂"},
])
def test_odd_search_parameters_answer_200_or_422(client, catalogue, params, openapi):
    response = client.get("/api/v1/search", params)
    assert response.status_code in (200, 422)
    check(openapi, "/api/v1/search", response.status_code, response.json())


def test_bad_types_are_documented_422(client, catalogue, openapi):
    response = client.get("/api/v1/search", {"page": "abc"})
    assert response.status_code == 422
    check(openapi, "/api/v1/search", 422, response.json())


def test_record_description_holdings_and_digital_objects(client, catalogue, openapi):
    record = catalogue["de_men"]
    response = client.get(f"/api/v1/records/{record.pk}")
    assert response.status_code == 200
    data = response.json()
    check(openapi, "/api/v1/records/{record_id}", 200, data)
    assert data["title"] == "Dế Mèn phiêu lưu ký" and data["subjects"] == ["Văn học thiếu nhi"]
    assert data["ddc"] == "895.9223" and data["physical_description"].startswith("200 tr.")
    assert data["url"] == f"/record/{record.pk}/" and data["digital_objects"] == []
    yen_mo = next(h for h in data["holdings"] if h["library"] == "NB-YM")
    assert yen_mo["available"] == 0 and yen_mo["copies"][0]["status"] == "on_loan"
    assert yen_mo["copies"][0]["call_number"] == "895.9223 T"


@pytest.mark.parametrize("path", ["0", "-1", "999999", str(2**63), str(10**40)])
def test_unknown_records_are_404(client, catalogue, path, openapi):
    response = client.get(f"/api/v1/records/{path}")
    assert response.status_code in (404, 422)
    check(openapi, "/api/v1/records/{record_id}", response.status_code, response.json())


def test_restricted_record_is_404(client, catalogue, openapi):
    response = client.get(f"/api/v1/records/{catalogue['secret'].pk}")
    assert response.status_code == 404
    check(openapi, "/api/v1/records/{record_id}", 404, response.json())

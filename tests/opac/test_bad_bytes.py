"""Queries that are not text at all (invalid UTF-8, lone surrogates, cut-off sequences) reach
the catalogue as they come from a broken client: a page or JSON answer, never an error."""

import pytest

pytestmark = pytest.mark.django_db

RAW = ["q=%FF%FE%00", "q=%C3%28", "q=%ED%A0%80", "q=" + "%E1%BB" * 3, "q=%F0%9F%98", "q=de%00men",
       "q=%22de%20men", "q=*%3A*", "q=de%20AND%20", "q=a&q=b", "q=" + "%80" * 3000, "library=%FF&q=de",
       "q=de&sort=%FF", "q=de&page=%FF%FF"]


@pytest.mark.parametrize("query", RAW)
def test_raw_bytes_in_the_query_string(client, use_shared_index, query):
    for path in ("/search/", "/libraries/NB-KS/search/"):
        response = client.get(path, QUERY_STRING=query)
        assert response.status_code == 200, (path, query)
        assert 'role="search"' in response.content.decode()
    response = client.get("/api/v1/search", QUERY_STRING=query)
    assert response.status_code in (200, 422), query
    body = response.json()
    assert isinstance(body.get("total"), int) if response.status_code == 200 else "detail" in body

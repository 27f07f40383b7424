import pytest


def test_home(client, catalogue):
    r = client.get("/")
    assert r.status_code == 200
    html = r.content.decode()
    assert '<html lang="vi">' in html
    assert "Dế Mèn phiêu lưu ký" in html


def test_search_without_diacritics(client, catalogue):
    r = client.get("/search/", {"q": "de men phieu luu ky"})
    assert r.status_code == 200, r.content.decode()[:3000]
    html = r.content.decode()
    assert "Dế Mèn phiêu lưu ký" in html


def test_record(client, catalogue):
    r = client.get(f"/record/{catalogue['de_men'].pk}/")
    assert r.status_code == 200, r.content.decode()[:3000]


def test_libraries(client, catalogue):
    assert client.get("/libraries/").status_code == 200
    assert client.get("/libraries/NB-KS/").status_code == 200
    assert client.get("/libraries/NB-KS/search/?q=kieu").status_code == 200
    assert client.get("/new/").status_code == 200
    assert client.get("/new/rss/").status_code == 200
    assert client.get("/new/atom/?library=NB-KS").status_code == 200


def test_api(client, catalogue):
    r = client.get("/api/v1/search", {"q": "de men"})
    assert r.status_code == 200, r.content
    print(r.json())
    r = client.get(f"/api/v1/records/{catalogue['de_men'].pk}")
    assert r.status_code == 200, r.content
    print(r.json())

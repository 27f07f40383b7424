"""Every staff page refuses whoever may not use it, found by walking the URL map itself:
a staff page added later without a permission check fails here."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

OPEN = {"staff/login/", "staff/logout/"}  # the doors in
SAMPLES = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000000"}


def walk(resolver=None, prefix=""):
    """(route, view name) of every pattern, routes joined from their includes."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.lookup_str


def sample_url(route):
    if route.startswith("^"):  # a regex pattern: fill each group with a digit
        route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route).strip("^$")
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m.group(1) or "str"], route)


def staff_urls(urlconf=None):
    resolver = get_resolver(urlconf)
    return sorted({sample_url(route) for route, _ in walk(resolver)
                   if route.lstrip("^").startswith("staff/") and route.lstrip("^") not in OPEN})


def refused(client, url):
    """The answers a request may get that are not the page: a login redirect, 403, 405."""
    problems = []
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        login = response.status_code == 302 and response["Location"].startswith("/staff/login/?next=")
        if not (login or response.status_code in (403, 405)):
            problems.append(f"{method.upper()} {url} -> {response.status_code}")
    return problems


def test_the_walk_finds_every_staff_area():
    urls = staff_urls()
    for expected in ("/staff/", "/staff/accounts/", "/staff/catalog/records/1/edit/", "/staff/catalog/items/1/edit/",
                     "/staff/circulation/readers/x/checkout/", "/staff/digital/items/1/upload",
                     "/staff/sip2/", "/staff/harvest/1/"):
        assert expected in urls
    assert len(urls) >= 60


def test_anonymous_visitors_are_refused_everywhere():
    client = Client()
    problems = [p for url in staff_urls() for p in refused(client, url)]
    assert problems == []


def test_a_signed_in_reader_is_refused_everywhere():
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.create_user("ban_doc", password="x" * 12))
    problems = [p for url in staff_urls() if url != "/staff/" for p in refused(client, url)]
    assert problems == []


def test_circulation_staff_cannot_catalogue_and_cataloguers_cannot_lend(staff):
    desk, cataloguer = Client(), Client()
    desk.force_login(staff["kimson_desk"])
    cataloguer.force_login(staff["kimson_catalog"])
    urls = staff_urls()
    for prefix, client in (("/staff/catalog/", desk), ("/staff/digital/", desk), ("/staff/circulation/", cataloguer),
                           ("/staff/accounts/", desk), ("/staff/accounts/", cataloguer), ("/staff/sip2/", cataloguer),
                           ("/staff/harvest/", cataloguer)):
        problems = [p for url in urls if url.startswith(prefix) for p in refused(client, url)]
        assert problems == [], prefix


def open_view(request, pk):
    from django.http import HttpResponse

    return HttpResponse("anyone")


urlpatterns = [  # a URL map with one staff page that forgot its check, for the test below
    __import__("django.urls").urls.path("staff/forgotten/<int:pk>/", open_view),
]


def test_the_walk_catches_a_page_without_a_check():
    urls = staff_urls(__name__)
    assert urls == ["/staff/forgotten/1/"]
    from django.test import override_settings

    with override_settings(ROOT_URLCONF=__name__):
        assert refused(Client(), urls[0]) == ["GET /staff/forgotten/1/ -> 200", "POST /staff/forgotten/1/ -> 200"]


def test_api_operations_that_need_a_token_refuse_without_one(client):
    """Every operation the OpenAPI document marks as secured answers 401 to no or a forged token."""
    schema = client.get("/api/v1/openapi.json").json()
    secured = [(method, path) for path, ops in schema["paths"].items() for method, op in ops.items()
               if op.get("security")]
    assert ("post", "/api/v1/circulation/checkout") in secured and len(secured) >= 8
    for method, path in secured:
        url = re.sub(r"\{\w+\}", "1", path)
        for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer forged"}):
            body = {"data": "{}", "content_type": "application/json"} if method in ("post", "put", "patch") else {}
            response = getattr(client, method)(url, **body, **headers)
            assert response.status_code == 401, (method, url, headers)

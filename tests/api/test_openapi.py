"""The REST API against its own OpenAPI description (schemathesis).

For every operation, generated requests never get a 500 and every answer matches its
documented status codes, content types and schemas. Operations that need a token are
called with one: a reader's token for ``/me/...``, a loan-desk librarian's for the staff
operations, so their real answers (not only 401) are checked against the schema.
Generated ids mostly miss, so a second test sends each operation one request built from
known data and validates the successful answer too.
"""

import types

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from thuvien.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

READER_CARD = "API0001"
READER_PASSWORD = "mat-khau-ban-doc"
# Bounded: the whole suite runs twice in CI; 15 operations x MAX_EXAMPLES calls.
MAX_EXAMPLES = 5


@pytest.fixture
def keep_test_connection():
    """Calls go straight to the WSGI application, whose request signals would close the
    database connection inside the test's transaction (Django's test client avoids this too)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fast_hashing(settings):
    # Staff and reader passwords are hashed for every operation's fixture: keep it cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api_world(fast_hashing, network, staff, make_record, keep_test_connection):
    """Kim Sơn with loan rules, a reader with a loan, two records and two tokens."""
    from thuvien.circulation import services
    from thuvien.circulation.demo import load_categories_and_rules
    from thuvien.circulation.models import ApiToken

    categories = load_categories_and_rules()
    ks = network["NB-KS"]
    reader = services.register_reader(None, ks, READER_CARD, "Nguyễn Thị Bạn Đọc", categories["adult"],
                                      password=READER_PASSWORD)
    cricket = make_record("Dế mèn phiêu lưu ký", authors=["Tô Hoài"], year=1941, copies=[ks, ks, ks])
    history = make_record("Lịch sử Việt Nam", authors=["Nguyễn Văn An"], year=1990, copies=[ks])
    barcodes = sorted(cricket.items.values_list("barcode", flat=True))
    loan = services.checkout(None, READER_CARD, barcodes[0], ks)
    return types.SimpleNamespace(
        reader=reader, cricket=cricket, history=history, barcodes=barcodes, loan=loan,
        reader_token=ApiToken.issue(reader.user, name="reader")[1],
        staff_token=ApiToken.issue(staff["kimson_desk"], name="schemathesis")[1],
    )


def auth_headers(operation, world):
    """The token an operation is meant for: none, the reader's or the librarian's."""
    if operation.definition.raw.get("security") is None:
        return None
    token = world.reader_token if "/circulation/me" in operation.path else world.staff_token
    return {"Authorization": f"Bearer {token}"}


def call_and_check(case, world):
    headers = auth_headers(case.operation, world)
    response = case.call(headers=headers)
    assert response.status_code < 500, response.text[:500]
    case.validate_response(response, headers=headers)
    return response


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_api_conforms(case, api_world):
    call_and_check(case, api_world)


def known_requests(world):
    """(method, path, path parameters, query, body, expected status) built from real data."""
    hold_record = world.history.pk
    return [
        ("GET", "/api/v1/ping", None, None, None, 200),
        ("GET", "/api/v1/search", None, {"q": "de men"}, None, 200),
        ("GET", "/api/v1/records/{record_id}", {"record_id": world.cricket.pk}, None, None, 200),
        ("GET", "/api/v1/digital/records/{record_id}", {"record_id": world.cricket.pk}, None, None, 200),
        ("POST", "/api/v1/circulation/token", None, None,
         {"card_number": READER_CARD, "password": READER_PASSWORD}, 200),
        ("POST", "/api/v1/circulation/token", None, None, {"card_number": READER_CARD, "password": "sai"}, 401),
        ("GET", "/api/v1/circulation/me", None, None, None, 200),
        ("GET", "/api/v1/circulation/me/loans", None, None, None, 200),
        ("POST", "/api/v1/circulation/me/loans/{loan_id}/renew", {"loan_id": world.loan.pk}, None, None, 200),
        ("POST", "/api/v1/circulation/me/loans/renew", None, None, None, 200),
        ("POST", "/api/v1/circulation/me/holds", None, None,
         {"record_id": hold_record, "pickup_library": "NB-KS"}, 201),
        ("GET", "/api/v1/circulation/me/holds", None, None, None, 200),
        ("POST", "/api/v1/circulation/checkout", None, None,
         {"card_number": READER_CARD, "barcode": world.barcodes[1], "library": "NB-KS"}, 201),
        ("POST", "/api/v1/circulation/checkout", None, None,  # the same copy again: a refusal
         {"card_number": READER_CARD, "barcode": world.barcodes[1], "library": "NB-KS"}, 409),
        ("POST", "/api/v1/circulation/renew", None, None, {"barcode": world.barcodes[1]}, 200),
        ("POST", "/api/v1/circulation/checkin", None, None, {"barcode": world.barcodes[1], "library": "NB-KS"}, 200),
    ]


@pytest.mark.django_db
def test_successful_answers_conform(api_world):
    from thuvien.circulation.models import Hold

    seen = set()
    for method, path, path_parameters, query, body, status in known_requests(api_world):
        operation = schema[path][method]
        kwargs = {"path_parameters": path_parameters, "query": query}
        if body is not None:
            kwargs.update(body=body, media_type="application/json")
        response = call_and_check(operation.Case(**kwargs), api_world)
        assert response.status_code == status, (method, path, response.text[:500])
        seen.add((method, path))
    hold = Hold.objects.get(reader=api_world.reader)
    response = call_and_check(schema["/api/v1/circulation/me/holds/{hold_id}"]["DELETE"].Case(
        path_parameters={"hold_id": hold.pk}), api_world)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    seen.add(("DELETE", "/api/v1/circulation/me/holds/{hold_id}"))
    # Every operation of the description got a successful request here.
    documented = {(op.method.upper(), op.path) for op in (r.ok() for r in schema.get_all_operations())}
    assert seen == documented, documented ^ seen


@pytest.mark.django_db
def test_tokens_are_required(api_world):
    """Without a token, or with a forged one, every secured operation answers a documented 401."""
    secured = [op for op in (r.ok() for r in schema.get_all_operations())
               if op.definition.raw.get("security") is not None]
    assert len(secured) >= 10
    for operation in secured:
        for headers in ({}, {"Authorization": "Bearer forged-token"}):
            kwargs = {"path_parameters": {name: 1 for name in _path_names(operation)}}
            if _has_body(operation):
                kwargs.update(body={}, media_type="application/json")
            case = operation.Case(**kwargs)
            response = case.call(headers=headers)
            assert response.status_code == 401, (operation.path, response.text[:300])
            case.validate_response(response, headers=headers, excluded_checks=_excluded())


def _path_names(operation):
    return [p["name"] for p in operation.definition.raw.get("parameters", []) if p.get("in") == "path"]


def _has_body(operation):
    return "requestBody" in operation.definition.raw


def _excluded():
    from schemathesis.checks import ignored_auth, negative_data_rejection, positive_data_acceptance

    return [ignored_auth, negative_data_rejection, positive_data_acceptance]


def test_docs_served_from_local_assets(client):
    """/api/docs loads Swagger UI from our own static files; nothing from another host."""
    import re

    page = client.get("/api/docs").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")

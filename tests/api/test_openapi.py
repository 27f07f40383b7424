"""The REST API against its own OpenAPI description (schemathesis): for every operation,
generated requests never get a 500, and every answer matches its documented status codes,
content types and schemas. Operations that need a signed-in user may answer 401/403."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from thuvien.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


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


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_api_conforms(case, network, keep_test_connection):
    response = case.call()
    assert response.status_code < 500, response.text[:500]
    if response.status_code in (401, 403) and case.operation.definition.raw.get("security") is not None:
        return
    case.validate_response(response)


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

"""/api/docs renders in a real browser with every request to another host refused."""

from urllib.parse import urlsplit

import pytest

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_offline(page, live_server):
    foreign, errors = [], []

    def only_local(route):
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_local)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/api/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)

    spec = page.request.get("/api/v1/openapi.json").json()
    operations = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    rendered = set()
    for block in page.query_selector_all(".opblock"):
        method = block.query_selector(".opblock-summary-method").inner_text().strip().upper()
        path = block.query_selector(".opblock-summary-path").get_attribute("data-path")
        rendered.add((method, path))
    assert rendered == operations, operations ^ rendered
    assert len(operations) >= 15

    # An operation opens to show its parameters and its documented answers.
    page.click(".opblock-get .opblock-summary-path[data-path='/api/v1/search']")
    page.wait_for_selector(".opblock.is-open .parameters", timeout=10_000)
    opened = page.inner_text(".opblock.is-open")
    assert "200" in opened and "422" in opened
    assert page.query_selector(".auth-wrapper .authorize") is not None  # bearer tokens can be entered
    assert foreign == [] and errors == []

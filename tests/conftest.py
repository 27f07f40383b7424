"""Shared test fixtures.

Every test gets its own empty search index, and index updates are applied at once
(``THUVIEN_INDEX_MODE=immediate``) so that a change is searchable within the test's
transaction. Fixtures build the network the way the demo does.
"""

import os
from pathlib import Path

os.environ.setdefault("THUVIEN_INDEX_MODE", "immediate")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop in browser tests

import pytest  # noqa: E402
from paths import TESTDATA  # noqa: E402  (tests/paths.py: where the shared samples are)


@pytest.fixture(autouse=True)
def _isolated_index(settings, tmp_path):
    from thuvien.search import index

    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    settings.MEDIA_ROOT = tmp_path / "media"
    index.reset_process_state()
    yield
    index.reset_process_state()


@pytest.fixture(autouse=True)
def _fresh_cache(settings, tmp_path):
    """Each test counts failed logins (the only thing cached) from zero, in its own cache."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(tmp_path / "cache")}}


@pytest.fixture(scope="session")
def testdata():
    return TESTDATA


@pytest.fixture
def network(db):
    """The Ninh Bình network: returns {code: Library}, with the network under "NB"."""
    from thuvien.demo.loader import load_network

    root, libraries = load_network()
    return {"NB": root, **libraries}


@pytest.fixture
def staff(network):
    """Demo staff accounts by username; the password is ``demo_password``."""
    from django.contrib.auth import get_user_model

    from thuvien.demo.loader import load_staff

    load_staff(network)
    return {u.username: u for u in get_user_model().objects.all()}


@pytest.fixture
def demo_password():
    from thuvien.demo.data import DEMO_PASSWORD

    return DEMO_PASSWORD


@pytest.fixture
def make_record(db):
    """Create a record (and copies) through the catalogue services."""
    from thuvien.catalog import services
    from thuvien.catalog.generate import marc_record

    counter = {"n": 0}

    def make(title, authors=(), copies=(), year=2020, subjects=(), status="available", **kwargs):
        record = services.create_record(marc_record(title=title, authors=list(authors), year=year,
                                                    subjects=list(subjects), **kwargs))
        for library in copies:
            counter["n"] += 1
            services.add_item(None, record, library, barcode=f"T{counter['n']:06d}", status=status,
                              call_number=kwargs.get("ddc", ""))
        return record

    return make


CHROMIUM = os.environ.get("THUVIEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """A real headless Chromium (Debian's), driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page whose relative URLs go to the live test server."""
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()

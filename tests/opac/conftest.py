"""OPAC fixtures: a small catalogue spread over the demo network.

Most page tests only read, so they share one catalogue per module (``shared_catalogue``,
committed and indexed once, then flushed); tests that change records build their own
with ``catalogue``. Index updates are batched into one drain, which keeps the tests fast.
"""

import os
from contextlib import contextmanager

import pytest

from thuvien.catalog.models import ItemStatus


@contextmanager
def batched_indexing():
    """Queue index updates while building data, then index them in one go."""
    from thuvien.search.queue import drain

    old = os.environ.get("THUVIEN_INDEX_MODE", "immediate")
    os.environ["THUVIEN_INDEX_MODE"] = "off"
    try:
        yield
    finally:
        os.environ["THUVIEN_INDEX_MODE"] = old
    drain()


def build_catalogue(libraries):
    from thuvien.catalog import services
    from thuvien.catalog.generate import marc_record
    from thuvien.search.queue import enqueue

    kim_son, yen_mo, province = libraries["NB-KS"], libraries["NB-YM"], libraries["NB-TVT"]
    counter = {"n": 0}

    def make(title, authors, copies, year, subjects=(), language="vie", ddc="", visibility="public"):
        record = services.create_record(
            marc_record(title=title, authors=list(authors), year=year, subjects=list(subjects),
                        language=language, ddc=ddc, pages=200, notes=["Ghi chú thử"]),
            visibility=visibility)
        for library in copies:
            counter["n"] += 1
            services.add_item(None, record, library, barcode=f"OP{counter['n']:06d}", call_number=f"{ddc} T".strip(),
                              location=library.locations.first())
        return record

    with batched_indexing():
        records = {
            "de_men": make("Dế Mèn phiêu lưu ký", ["Tô, Hoài"], [kim_son, yen_mo, province], 2019,
                           ["Văn học thiếu nhi"], ddc="895.9223"),
            "de": make("Kỹ thuật nuôi dê", ["Đinh, Văn Cải"], [yen_mo], 2016, ["Chăn nuôi"], ddc="636.39"),
            "dia_chi": make("Địa chí Ninh Bình", ["Trương, Đình Tưởng"], [province], 2010,
                            ["Địa chí", "Ninh Bình"], ddc="915.9739"),
            "kieu": make("Truyện Kiều", ["Nguyễn, Du"], [kim_son], 2015, ["Văn học Việt Nam"], ddc="895.9221"),
            "english": make("A history of Vietnam", ["Smith, John"], [province], 1999, ["Lịch sử Việt Nam"],
                            language="eng", ddc="959.7"),
            "secret": make("Tài liệu mật Ninh Bình", ["Ẩn, Danh"], [province], 2001, visibility="staff"),
        }
        # Dế Mèn's copy at Yên Mô is out on loan.
        item = records["de_men"].items.get(library=yen_mo)
        item.status = ItemStatus.ON_LOAN
        item.save()
        enqueue([records["de_men"].pk])
    return records


@pytest.fixture
def catalogue(network):
    """A catalogue of one's own (for tests that change it), in the test's own index."""
    return build_catalogue(network)


@pytest.fixture(scope="module")
def shared_index(tmp_path_factory):
    return tmp_path_factory.mktemp("opac-index")


@pytest.fixture(scope="module")
def shared_catalogue(django_db_setup, django_db_blocker, shared_index):
    """One committed catalogue for a module of read-only tests; flushed afterwards."""
    from django.core.management import call_command
    from django.test import override_settings

    from thuvien.demo.loader import load_network
    from thuvien.search import index

    with django_db_blocker.unblock(), override_settings(SEARCH_INDEX_DIR=shared_index):
        index.reset_process_state()
        try:
            _, libraries = load_network()
            records = build_catalogue(libraries)
            yield records
        finally:
            index.reset_process_state()
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def use_shared_index(db, settings, shared_index, shared_catalogue):
    from thuvien.search import index

    settings.SEARCH_INDEX_DIR = shared_index
    index.reset_process_state()
    return shared_catalogue


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def vi(client):
    """A client whose browser asks for Vietnamese (the default anyway)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "vi"
    return client

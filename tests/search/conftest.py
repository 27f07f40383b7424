"""A small Vietnamese catalogue for the search tests, built through the catalogue services."""

from types import SimpleNamespace

import pytest


@pytest.fixture
def network(db):
    """Three libraries of the Ninh Bình network: enough for search, far quicker to
    build than the whole demo network (overrides the shared fixture here only)."""
    from thuvien.network.models import Library, LibraryType

    root = Library.objects.create(code="NB", name="Mạng lưới thư viện tỉnh Ninh Bình",
                                  library_type=LibraryType.NETWORK)
    libraries = {
        code: Library.objects.create(code=code, name=name, library_type=kind, parent=root)
        for code, name, kind in [("NB-TVT", "Thư viện tỉnh Ninh Bình", "provincial"),
                                 ("NB-KS", "Thư viện huyện Kim Sơn", "district"),
                                 ("NB-YM", "Thư viện huyện Yên Mô", "district")]
    }
    return {"NB": root, **libraries}


@pytest.fixture
def queued(monkeypatch):
    """Inside ``with queued():`` changes only reach the queue; they are indexed in one
    drain on leaving (one tantivy commit instead of one per change: quicker tests)."""
    from contextlib import contextmanager

    from thuvien.search import queue

    @contextmanager
    def block():
        with monkeypatch.context() as m:
            m.setenv("THUVIEN_INDEX_MODE", "off")
            yield
        queue.drain()

    return block


@pytest.fixture
def books(network, make_record, queued):
    """Records chosen to tell the search rules apart; copies in three libraries."""
    ks, ym, tvt = network["NB-KS"], network["NB-YM"], network["NB-TVT"]
    with queued():
        return _books(make_record, ks, ym, tvt)


def _books(make_record, ks, ym, tvt):
    return SimpleNamespace(
        cricket=make_record("Dế Mèn phiêu lưu ký", ["Tô, Hoài"], [tvt, ks], 1941, ["Văn học thiếu nhi"]),
        goats=make_record("Nuôi dê bằng men vi sinh", ["Lê, Văn Bình"], [ks], 2020, ["Chăn nuôi"]),
        history=make_record("Lịch sử Việt Nam", ["Nguyễn, Văn An"], [tvt, ym], 1995, ["Lịch sử Việt Nam"]),
        gazetteer=make_record("Địa chí Ninh Bình", ["Đặng, Minh Đức"], [tvt], 2005,
                              ["Địa lý Việt Nam", "Ninh Bình"]),
        night=make_record("Đêm trắng", ["Nguyễn, Thị Hoa"], [ym], 2010, ["Văn học Việt Nam"]),
        eat=make_record("Ăn uống và sức khỏe", ["Trần, Văn Đức"], [ks], 2018, ["Y học"], language="eng"),
    )

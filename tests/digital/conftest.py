"""Digital library fixtures: generated pages with known Vietnamese text, ingested objects."""

import pytest

from thuvien.digital.samples import TEXTS, born_digital_pdf, page_image


@pytest.fixture(scope="session")
def samples(tmp_path_factory):
    """Sample files made once per run: JPEG pages, a born-digital PDF."""
    root = tmp_path_factory.mktemp("digital-samples")
    pages = root / "pages"
    pages.mkdir()
    for n, text in enumerate(TEXTS[:3], 1):
        page_image(text, pages / f"trang-{n}.jpg", size=(900, 1200), font_size=30, margin=60)
    born_digital_pdf(TEXTS[:2], root / "born.pdf")
    return root


@pytest.fixture
def record(make_record):
    return make_record("Địa chí Ninh Bình", authors=["Nguyễn Văn Trác"], year=1998,
                       subjects=["Ninh Bình -- Lịch sử"])


@pytest.fixture
def digitise(samples, record, network):
    """Ingest the born-digital PDF (two pages, text layer: no OCR) with an access level."""
    from thuvien.digital.ingest import ingest

    def make(access="open", library="NB-KS", target=None, paths=None):
        result = ingest(paths or [samples / "born.pdf"], target or record, access=access,
                        library=network[library])
        return result.object

    return make


ONSITE_IP = "10.20.0.15"
OFFSITE_IP = "203.0.113.9"


@pytest.fixture
def onsite(network):
    library = network["NB-KS"]
    library.onsite_ip_ranges = "10.20.0.0/16\n# reading room\n192.168.5.0/24"
    library.save()
    return ONSITE_IP


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The demo staff accounts are hashed per test; a fast hasher keeps this area quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

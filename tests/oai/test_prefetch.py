"""The next page rendered ahead: the same pages, and never a page older than a change."""

import time

import pytest

from .conftest import NS, identifiers, oai_id

pytestmark = pytest.mark.django_db(transaction=True)


def _wait_for_prefetch(folder):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        files = list(folder.glob("*"))
        if files and not any(f.suffix in (".part", ".tmp") for f in files):
            return files
        time.sleep(0.02)
    raise AssertionError("no page was prefetched")


def test_prefetched_pages_are_the_pages(oai, catalogue, settings, tmp_path, monkeypatch):
    settings.OAI_PAGE_SIZE = 2
    settings.OAI_PREFETCH_DIR = str(tmp_path / "prefetch")
    settings.OAI_PREFETCH_MARGIN = 0  # the records were made just now
    settings.OAI_PREFETCH = False
    plain = [identifiers(p) for p in oai.harvest("ListRecords", metadataPrefix="oai_dc")]
    settings.OAI_PREFETCH = True
    used = []

    def wait(page):
        used.append(len(_wait_for_prefetch(tmp_path / "prefetch")))

    from thuvien.interop.oai import prefetch

    taken = []
    real_take = prefetch.take
    monkeypatch.setattr(prefetch, "take", lambda token: taken.append(real_take(token)) or taken[-1])
    ahead = [identifiers(p) for p in oai.harvest("ListRecords", between=wait, metadataPrefix="oai_dc")]
    assert ahead == plain
    assert len(taken) == 3 and all(taken)  # the three later pages came from what was kept
    assert used == [1, 1, 1]
    assert list((tmp_path / "prefetch").glob("*")) == []  # each kept page is used once


def test_a_change_after_prefetching_is_not_sent_from_the_kept_page(oai, catalogue, settings, tmp_path):
    from thuvien.catalog.models import BibRecord

    settings.OAI_PAGE_SIZE = 3
    settings.OAI_PREFETCH_DIR = str(tmp_path / "prefetch")
    settings.OAI_PREFETCH_MARGIN = 0
    first = oai.get(verb="ListRecords", metadataPrefix="oai_dc")
    _wait_for_prefetch(tmp_path / "prefetch")
    # the second page holds the goats book; it is made restricted after the page was rendered
    assert oai_id(catalogue.goats) not in identifiers(first)
    goats = BibRecord.objects.get(pk=catalogue.goats.pk)
    goats.visibility = "staff"
    goats.save()
    token = first.find("oai:ListRecords/oai:resumptionToken", NS).text
    second = oai.get(verb="ListRecords", resumptionToken=token)
    assert oai_id(catalogue.goats) not in identifiers(second)
    assert "nuôi dê" not in oai.bodies[-1].decode()
    assert identifiers(second)  # the page itself was answered

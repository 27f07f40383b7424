"""A real harvester, Sickle, harvests the provider over HTTP."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_sickle_harvests_everything(live_server, catalogue, settings, tmp_path):
    from sickle import Sickle
    from sickle.oaiexceptions import IdDoesNotExist

    settings.OAI_PAGE_SIZE = 2
    settings.OAI_PREFETCH_DIR = str(tmp_path / "prefetch")
    sickle = Sickle(f"{live_server.url}/oai", max_retries=0, timeout=30)
    assert sickle.Identify().deletedRecord == "persistent"
    records = list(sickle.ListRecords(metadataPrefix="oai_dc"))
    assert len(records) == 7
    assert sum(r.deleted for r in records) == 2
    titles = {r.metadata["title"][0] for r in records if not r.deleted}
    assert titles == {"Truyện Kiều", "Dế mèn phiêu lưu ký", "Địa chí Ninh Bình", "Kỹ thuật nuôi dê",
                      "Bản đồ hành chính tỉnh Ninh Bình"}
    headers = list(sickle.ListIdentifiers(metadataPrefix="marc21", set="library:NB-YM"))
    assert {h.identifier for h in headers} == {f"oai:thuvien.ninhbinh:{catalogue.kieu.pk}",
                                               f"oai:thuvien.ninhbinh:{catalogue.gazetteer.pk}"}
    record = sickle.GetRecord(identifier=f"oai:thuvien.ninhbinh:{catalogue.cricket.pk}", metadataPrefix="oai_dc")
    assert record.metadata["creator"] == ["Tô, Hoài"]
    assert {s.setSpec for s in sickle.ListSets()} >= {"library:NB-KS", "type:book"}
    with pytest.raises(IdDoesNotExist):
        sickle.GetRecord(identifier="oai:thuvien.ninhbinh:999999", metadataPrefix="oai_dc")

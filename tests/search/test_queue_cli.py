"""Item 5, the durable queue and `thuvien index rebuild|drain|status`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from thuvien.catalog import services
from thuvien.catalog.generate import marc_record
from thuvien.catalog.models import Item, ItemStatus
from thuvien.search import index, queue
from thuvien.search.models import PendingIndexUpdate
from thuvien.search.service import SearchRequest, search


def ids(q, **kwargs):
    return search(SearchRequest(q=q, **kwargs)).ids


def run(*args):
    out = StringIO()
    call_command("index", *args, stdout=out)
    return out.getvalue()


def test_change_made_while_the_index_cannot_be_written_is_applied_by_drain(books, monkeypatch):
    monkeypatch.setenv("THUVIEN_INDEX_MODE", "off")
    record = services.create_record(marc_record(title="Chèo Ninh Bình", authors=["Lã, Văn Hùng"], year=2019))
    services.update_record(books.gazetteer, marc_record(title="Địa chí Kim Sơn", year=2005))
    services.withdraw_record(books.night)
    assert queue.pending_count() == 3
    assert ids("cheo") == [] and ids("kim son") == [] and ids("đêm trắng") == [books.night.pk]
    status = run("status")
    assert "3" in status and index.current_generation() in status
    out = run("drain")
    assert "3" in out
    assert queue.pending_count() == 0
    assert ids("cheo") == [record.pk] and ids("kim son") == [books.gazetteer.pk] and ids("đêm trắng") == []
    assert ids("dia chi ninh binh") == []
    assert index.status()["documents"] == 6  # 6 + 1 new - 1 withdrawn


def test_a_crash_while_indexing_loses_no_update(books, monkeypatch):
    monkeypatch.setenv("THUVIEN_INDEX_MODE", "off")
    copy = Item.objects.get(record=books.night)
    services.update_item(None, copy, status=ItemStatus.LOST)
    record = services.create_record(marc_record(title="Hát xẩm", year=2001))

    def crash(*args, **kwargs):
        raise RuntimeError("the indexer died")

    with monkeypatch.context() as m:
        m.setattr(queue, "documents_for", crash)
        with pytest.raises(RuntimeError):
            queue.drain()
    assert queue.pending_count() == 2
    assert ids("hat xam") == []
    # Re-queueing the same record twice is harmless: indexing is idempotent.
    queue.enqueue([record.pk, record.pk])
    assert queue.drain() == 2
    assert queue.pending_count() == 0
    assert ids("hat xam") == [record.pk]
    assert books.night.pk not in ids("", available=True)
    assert search(SearchRequest(q="hat xam")).total == 1


def test_drain_while_a_rebuild_runs_keeps_the_rows(books, monkeypatch):
    monkeypatch.setenv("THUVIEN_INDEX_MODE", "off")
    record = services.create_record(marc_record(title="Hát văn", year=2001))
    with index.rebuild_marker():
        assert queue.drain() == 0
        assert "rebuild" in run("drain").lower() or queue.pending_count() == 1
        with pytest.raises(CommandError):
            call_command("index", "rebuild", stdout=StringIO())
    assert queue.pending_count() == 1
    run("drain")
    assert ids("hat van") == [record.pk]


def test_rebuild_from_the_database_gives_the_same_results(books, monkeypatch):
    queries = [SearchRequest(q=q, sort=sort) for q in ("", "dê", "dế mèn", "nguyeenx", "viet nam", "lich5 su73")
               for sort in ("relevance", "title", "year")]
    queries.append(SearchRequest(q="", library="NB-YM", available=True))
    before = [search(r) for r in queries]
    generation = index.current_generation()
    # A change waiting in the queue is part of the rebuild too.
    monkeypatch.setenv("THUVIEN_INDEX_MODE", "off")
    services.create_record(marc_record(title="Ca trù", year=1999))
    assert queue.pending_count() == 1
    # The index directory is lost: everything comes back from the database.
    import shutil

    shutil.rmtree(index.root() / generation)
    index.reset_process_state()
    out = run("rebuild")
    assert "7 / 7" in out
    assert index.current_generation() != generation
    assert queue.pending_count() == 0
    assert index.status()["documents"] == 7
    after = [search(r) for r in queries]
    for request, old, new in zip(queries, before, after, strict=True):
        if request.q == "" and request.sort in ("relevance", "title", "year"):
            continue  # the new record belongs in these
        assert (new.ids, new.total, new.facets) == (old.ids, old.total, old.facets), request
    assert len(ids("ca tru")) == 1
    assert [g.name for g in index.root().glob("gen-*")] == [index.current_generation()]


def test_status_output(books):
    out = run("status")
    assert "6" in out and str(index.root()) in out
    assert PendingIndexUpdate.objects.count() == 0


def test_drain_says_so_when_another_process_holds_the_index(books, monkeypatch):
    monkeypatch.setenv("THUVIEN_INDEX_MODE", "off")
    record = services.create_record(marc_record(title="Chầu văn", year=2003))
    with index.writer():  # as another process would
        with pytest.raises(CommandError):
            call_command("index", "drain", stdout=StringIO())
    assert queue.pending_count() == 1
    run("drain")
    assert ids("chau van") == [record.pk]

"""Item 5: searches between commits share one searcher and prepared queries, and still
see every commit at once, whichever process made it."""

import tantivy

from thuvien.catalog import services
from thuvien.catalog.generate import marc_record
from thuvien.search import index
from thuvien.search.documents import documents_for
from thuvien.search.service import SearchRequest, search


def ids(q, **kwargs):
    return search(SearchRequest(q=q, **kwargs)).ids


def test_searches_between_commits_share_one_searcher(books):
    first = index.searcher()
    assert index.searcher() is first
    assert ids("dế mèn")[0] == books.cricket.pk
    services.create_record(marc_record(title="Chèo Ninh Bình", year=2019))  # indexed at once: a commit
    assert index.searcher() is not first


def test_a_commit_made_by_another_process_is_seen_by_the_next_search(books, monkeypatch):
    assert ids("hat xam") == [] and ids("hát xẩm", sort="title") == []
    monkeypatch.setenv("THUVIEN_INDEX_MODE", "off")  # only queued here
    record = services.create_record(marc_record(title="Hát xẩm Ninh Bình", year=2001))
    assert ids("hat xam") == []
    # The indexing worker of another process: its own tantivy Index on the same files.
    other = tantivy.Index.open(str(index.root() / index.current_generation()))
    writer = other.writer(15_000_000, 1)
    index.write_documents(writer, documents_for([record.pk]))
    writer.commit()
    writer.wait_merging_threads()
    del writer
    # The same requests as before the commit: neither searcher nor prepared query is stale.
    assert ids("hat xam") == [record.pk]
    assert ids("hát xẩm", sort="title") == [record.pk]
    result = search(SearchRequest(q="hat xam", facets=("year",)))
    assert result.total == 1 and result.facets["year"] == [(2001, 1)]

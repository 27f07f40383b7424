"""What a record's search document holds: what it has, and nothing for what it lacks."""

from thuvien.catalog import services
from thuvien.catalog.generate import marc_record
from thuvien.search.documents import documents_for
from thuvien.search.service import SearchRequest, search


def test_a_document_holds_no_empty_values_and_searches_as_before(books):
    bare = services.create_record(marc_record(title="Chèo Ninh Bình", authors=[], year=None))
    (_, held), (_, lacking) = documents_for([books.eat.pk, bare.pk])
    assert held["f_lang"] == ["eng"] and held["f_library"] == ["NB-KS"]
    # No full text, author, year or copies: those fields are left out, not sent empty.
    assert not [name for name, value in lacking.items() if value in ("", [])]
    assert {"fulltext_exact", "fulltext_fold", "f_library", "f_available", "f_author", "year"}.isdisjoint(lacking)
    assert lacking["title_exact"] == "Chèo Ninh Bình"
    assert search(SearchRequest(q="cheo ninh binh")).ids == [bare.pk]
    assert search(SearchRequest(q="ninh binh", sort="title")).ids == [bare.pk, books.gazetteer.pk]  # C < Đ

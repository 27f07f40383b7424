"""Item 5, facets and sorting: counts, the library and "available now" filters, sort orders."""

from django.core.management import call_command

from thuvien.catalog import services
from thuvien.catalog.models import BibRecord, Item, ItemStatus
from thuvien.search import queue
from thuvien.search.service import FACETS, SearchRequest, search


def facets_of(**kwargs):
    return {name: dict(buckets) for name, buckets in search(SearchRequest(**kwargs)).facets.items()}


def test_every_facet_with_its_counts(books):
    facets = facets_of(q="")
    assert set(facets) == set(FACETS)
    assert facets["library"] == {"NB-TVT": 3, "NB-KS": 3, "NB-YM": 2}
    assert facets["type"] == {"book": 6}
    assert facets["language"] == {"vie": 5, "eng": 1}
    assert facets["year"] == {1941: 1, 2020: 1, 1995: 1, 2005: 1, 2010: 1, 2018: 1}
    assert facets["subject"]["Chăn nuôi"] == 1 and facets["subject"]["Ninh Bình"] == 1
    assert sum(facets["subject"].values()) == 7  # the gazetteer has two subjects
    expected_authors = {a for r in BibRecord.objects.all() for a in r.authors}
    assert set(facets["author"]) == expected_authors and set(facets["author"].values()) == {1}


def test_facets_count_the_matching_records_only(books):
    facets = facets_of(q="nguyen")
    assert facets["library"] == {"NB-TVT": 1, "NB-YM": 2}
    assert facets["author"] == {books.history.authors[0]: 1, books.night.authors[0]: 1}
    assert facets_of(q="nothing matches this", facets=("library",)) == {}


def test_facet_values_filter(books):
    assert search(SearchRequest(q="", filters={"language": ["eng"]})).ids == [books.eat.pk]
    assert search(SearchRequest(q="", filters={"year": ["1941", "bogus"]})).ids == [books.cricket.pk]
    assert set(search(SearchRequest(q="", filters={"subject": ["Chăn nuôi", "Y học"]})).ids) == {
        books.goats.pk, books.eat.pk}
    assert search(SearchRequest(q="", year_from=2006, year_to=2012)).ids == [books.night.pk]


def test_library_filter(books):
    found = search(SearchRequest(q="", library="NB-KS"))
    assert set(found.ids) == {books.cricket.pk, books.goats.pk, books.eat.pk}
    assert found.total == 3
    assert search(SearchRequest(q="dế mèn", library="NB-YM")).ids == []
    assert search(SearchRequest(q="", library="NO-SUCH")).total == 0


def test_available_now_follows_item_status_through_the_queue(books, monkeypatch):
    night_copy = Item.objects.get(record=books.night)
    assert books.night.pk in search(SearchRequest(q="", library="NB-YM", available=True)).ids
    # The index cannot be written now: the change waits in the queue.
    monkeypatch.setenv("THUVIEN_INDEX_MODE", "off")
    services.update_item(None, night_copy, status=ItemStatus.ON_LOAN)
    assert queue.pending_count() == 1
    assert books.night.pk in search(SearchRequest(q="", library="NB-YM", available=True)).ids
    call_command("index", "drain", verbosity=0)
    assert queue.pending_count() == 0
    available = search(SearchRequest(q="", library="NB-YM", available=True))
    assert available.ids == [books.history.pk]
    assert set(search(SearchRequest(q="", library="NB-YM")).ids) == {books.history.pk, books.night.pk}
    # "Available now" anywhere: the cricket is on the shelf in two libraries.
    assert books.night.pk not in search(SearchRequest(q="", available=True)).ids
    monkeypatch.setenv("THUVIEN_INDEX_MODE", "immediate")
    services.update_item(None, night_copy, status=ItemStatus.AVAILABLE)
    assert books.night.pk in search(SearchRequest(q="", available=True)).ids


def test_withdrawn_copies_leave_the_library_facet(books):
    copy = Item.objects.get(record=books.goats)
    services.update_item(None, copy, status=ItemStatus.WITHDRAWN)
    assert facets_of(q="")["library"]["NB-KS"] == 2
    assert books.goats.pk not in search(SearchRequest(q="", library="NB-KS")).ids


def test_sort_by_title_in_vietnamese_order(db, make_record, queued):
    titles = ["Được mùa", "Bà ngoại", "Âm nhạc dân gian", "Đêm trắng", "Ăn uống", "An cư", "Dòng sông",
              "Ca dao", "Ơn nghĩa", "Ông già", "Ưu tiên", "Uống nước", "Ếch ngồi đáy giếng", "Em bé"]
    with queued():
        for title in titles:
            make_record(title)
    found = search(SearchRequest(q="", sort="title", page_size=50))
    got = [BibRecord.objects.get(pk=pk).title for pk in found.ids]
    assert got == ["An cư", "Ăn uống", "Âm nhạc dân gian", "Bà ngoại", "Ca dao", "Dòng sông", "Đêm trắng",
                   "Được mùa", "Em bé", "Ếch ngồi đáy giếng", "Ông già", "Ơn nghĩa", "Uống nước", "Ưu tiên"]
    # Paging follows the same order.
    second = search(SearchRequest(q="", sort="title", page=2, page_size=5))
    assert second.ids == found.ids[5:10] and second.total == len(titles)


def test_sort_by_year_and_relevance(books):
    newest = search(SearchRequest(q="", sort="year")).ids
    assert newest == [books.goats.pk, books.eat.pk, books.night.pk, books.gazetteer.pk,
                      books.history.pk, books.cricket.pk]
    assert search(SearchRequest(q="", sort="year_asc")).ids == newest[::-1]
    assert search(SearchRequest(q="dê", sort="year")).ids == [books.goats.pk, books.cricket.pk]
    assert search(SearchRequest(q="dê", sort="year_asc")).ids == [books.cricket.pk, books.goats.pk]
    relevance = search(SearchRequest(q="dê", sort="relevance"))
    assert relevance.sort == "relevance" and relevance.ids == [books.goats.pk, books.cricket.pk]
    assert search(SearchRequest(q="", sort="bogus")).sort == "new"

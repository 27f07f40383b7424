"""Item 5: restricted (staff-only) and withdrawn records are not found by public searches."""

from tantivy import Query

from thuvien.catalog import services
from thuvien.catalog.generate import marc_record
from thuvien.search.service import SearchRequest, search, search_query


def test_restricted_and_withdrawn_records_stay_hidden(books, network):
    secret = services.create_record(marc_record(title="Hồ sơ mật Ninh Bình", authors=["Tô, Hoài"], year=1999,
                                                subjects=["Ninh Bình"]), visibility="staff")
    services.add_item(None, secret, network["NB-TVT"], barcode="SECRET1")
    services.withdraw_record(books.goats)
    public = search(SearchRequest(q="ninh binh"))
    assert public.ids == [books.gazetteer.pk]
    assert dict(public.facets["library"]) == {"NB-TVT": 1}
    assert search(SearchRequest(q="ho so mat")).total == 0
    assert secret.pk not in search(SearchRequest(q="")).ids
    assert secret.pk not in search(SearchRequest(q="", library="NB-TVT", available=True)).ids
    assert dict(search(SearchRequest(q="to hoai")).facets["author"]) == {"Tô, Hoài": 1}
    assert search_query(Query.all_query(), limit=100)[1].count(secret.pk) == 0
    # Staff searches see the restricted record, never the withdrawn one.
    assert search(SearchRequest(q="ho so mat", include_restricted=True)).ids == [secret.pk]
    assert search(SearchRequest(q="dê", include_restricted=True)).ids == [books.cricket.pk]
    assert search(SearchRequest(q="nuoi de men", include_restricted=True)).total == 0
    assert secret.pk in search_query(Query.all_query(), limit=100, include_restricted=True)[1]

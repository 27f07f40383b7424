from thuvien.search.service import SearchRequest, search


def test_new_record_is_searchable_without_diacritics(network, make_record):
    record = make_record("Địa chí Ninh Bình", ["Trương, Đình Tưởng"], copies=[network["NB-TVT"]])
    result = search(SearchRequest(q="dia chi ninh binh"))
    assert result.ids == [record.pk]

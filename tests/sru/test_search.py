"""CQL indexes, relations, booleans, truncation and sorting against known records."""

import unicodedata

from .conftest import diagnostics, hit_count, titles

HISTORY = "Lịch sử Việt Nam thời kỳ đổi mới"
CRICKET = "Dế mèn phiêu lưu ký"
TALES = "Truyện cổ tích Việt Nam"
GOATS = "Kỹ thuật nuôi dê"
GAZETTEER = "Địa chí Ninh Bình"
SECRET = "Tài liệu mật Ninh Bình lịch sử"


def found(sru, query, **params):
    root = sru.search(query, maximumRecords="50", **params)
    assert diagnostics(root) == [], diagnostics(root)
    assert hit_count(root) == len(titles(root))
    return titles(root)


CASES = [
    # dc.title: with and without diacritics, Telex, phrase, all, any
    ("dc.title = lịch sử", {HISTORY}),
    ('dc.title = "lich su"', {HISTORY}),
    ("dc.title = lichj", {HISTORY}),
    ('dc.title == "việt nam"', {HISTORY, TALES}),
    ('dc.title == "nam việt"', set()),
    ('dc.title adj "thoi ky"', {HISTORY}),
    ('dc.title all "dế phiêu"', {CRICKET}),
    ('dc.title all "dế ninh"', set()),
    ('dc.title any "mèn nuôi"', {CRICKET, GOATS}),
    ("title = truyện", {TALES}),
    # creator, subject
    ("dc.creator = Tô Hoài", {CRICKET}),
    ('dc.creator = "nguyen van an"', {HISTORY}),
    ("author = Đặng", {GAZETTEER}),
    ('dc.subject = "chăn nuôi"', {GOATS}),
    ('dc.subject = "van hoa dan gian"', {TALES}),
    ("bath.subject any lịch chăn", {HISTORY, GOATS}),
    # anywhere
    ("ninh", {GAZETTEER}),
    ("cql.anywhere = hoài", {CRICKET}),
    ('cql.serverChoice all "việt nam"', {HISTORY, TALES, GAZETTEER}),
    # dates
    ("dc.date = 2010", {TALES}),
    ("dc.date < 2000", {HISTORY, CRICKET}),
    ("dc.date <= 1995", {HISTORY, CRICKET}),
    ("dc.date > 2005", {TALES, GOATS}),
    ("dc.date >= 2005", {TALES, GOATS, GAZETTEER}),
    ('dc.date within "2000 2010"', {TALES, GAZETTEER}),
    ('dc.date any "1941 2020"', {CRICKET, GOATS}),
    ("dc.date <> 2010", {HISTORY, CRICKET, GOATS, GAZETTEER}),
    ('dc.title <> "việt"', {CRICKET, GOATS, GAZETTEER}),
    # booleans
    ("dc.title = việt and dc.date > 2000", {TALES}),
    ("dc.title = mèn or dc.title = địa", {CRICKET, GAZETTEER}),
    ("dc.title = dế", {CRICKET, GOATS}),  # folded "de" matches "dê" too, as in the OPAC
    ("việt not dc.subject = lịch", {TALES, GAZETTEER}),
    ("(dc.title = dế or dc.title = nuôi) and dc.date > 2000", {GOATS}),
    # truncation and masking
    ("dc.title = truy*", {TALES}),
    ("dc.title = *chí", {GAZETTEER}),
    ("dc.title = d?a", {GAZETTEER}),
    ("dc.title = ph*u", {CRICKET}),
    ("dc.creator = hoa*", {CRICKET, TALES}),
    ("cql.allRecords = 1", {HISTORY, CRICKET, TALES, GOATS, GAZETTEER}),
    # prefix maps and the "index relation (query)" form
    ('> x = "info:srw/cql-context-set/1/dc-v1.1" x.title = mèn', {CRICKET}),
    ('> "info:srw/cql-context-set/1/dc-v1.1" creator = hoài', {CRICKET}),
    ("dc.title = (mèn or nuôi)", {CRICKET, GOATS}),
]


def test_indexes_relations_booleans_truncation(sru, catalogue):
    # One catalogue for all cases: building it is the slow part.
    wrong = {query: got for query, expected in CASES if (got := set(found(sru, query))) != expected}
    assert wrong == {}


def test_identifiers(sru, catalogue):
    isbn = catalogue.history.isbns[0]
    assert found(sru, f"dc.identifier = {isbn}") == [HISTORY]
    hyphenated = f"{isbn[:3]}-{isbn[3:6]}-{isbn[6:]}"
    assert found(sru, f'bath.isbn = "{hyphenated}"') == [HISTORY]
    assert found(sru, f"bath.isbn = {isbn[:12]}*") == [HISTORY]
    assert set(found(sru, f"bath.isbn = {isbn[:9]}*")) == {HISTORY, CRICKET}
    assert found(sru, "dc.identifier = 9780000000002") == []
    assert found(sru, f"rec.id = {catalogue.cricket.pk}") == [CRICKET]
    assert set(found(sru, f'rec.id any "{catalogue.cricket.pk} {catalogue.goats.pk}"')) == {CRICKET, GOATS}


def test_restricted_records_never_returned(sru, catalogue):
    secret = catalogue.secret
    for query in ["mật", "dc.title = mật", f"rec.id = {secret.pk}", f"bath.isbn = {secret.isbns[0]}",
                  "dc.date = 2000", "cql.allRecords = 1", "dc.title = tài*"]:
        assert SECRET not in found(sru, query), query
    assert found(sru, 'dc.creator = "nguyễn văn an"') == [HISTORY]
    # scan counts leave restricted records out too: "lich" occurs in two titles, one restricted.
    root = sru.get(version="1.2", operation="scan", scanClause="dc.title=lich")
    terms = {t.findtext("{*}value"): int(t.findtext("{*}numberOfRecords")) for t in root.iter("{*}term")}
    assert terms["lich"] == 1
    assert "mat" not in terms and "tai" not in terms


def test_sort_by_title_is_vietnamese_order(sru, catalogue):
    ordered = [CRICKET, GAZETTEER, GOATS, HISTORY, TALES]  # d < đ < k < l < t
    assert found(sru, "cql.allRecords = 1 sortby dc.title") == ordered
    assert found(sru, "cql.allRecords = 1 sortBy dc.title/sort.descending", version="2.0") == ordered[::-1]
    assert found(sru, "cql.allRecords = 1", sortKeys="dc.title,,1") == ordered
    assert found(sru, "cql.allRecords = 1", sortKeys="title,,0") == ordered[::-1]


def test_sort_by_date(sru, catalogue):
    by_year = [CRICKET, HISTORY, GAZETTEER, TALES, GOATS]
    assert found(sru, "cql.allRecords = 1 sortby dc.date") == by_year
    assert found(sru, "cql.allRecords = 1 sortby dc.date/sort.descending") == by_year[::-1]
    assert found(sru, "cql.allRecords = 1", sortKeys="dc.date,,0") == by_year[::-1]


def test_sort_by_creator_is_vietnamese_order(sru, catalogue):
    # Đặng < Lê < Nguyễn < Tô < Trần: đ after d (not after z, as by code point), ô before r.
    by_author = [GAZETTEER, GOATS, HISTORY, CRICKET, TALES]
    assert found(sru, "cql.allRecords = 1 sortby dc.creator") == by_author
    assert found(sru, "cql.allRecords = 1 sortBy dc.creator/sort.descending", version="2.0") == by_author[::-1]
    assert found(sru, "cql.allRecords = 1", sortKeys="dc.creator,,0") == by_author[::-1]


def test_paging(sru, catalogue):
    root = sru.search("cql.allRecords = 1 sortby dc.date", startRecord="2", maximumRecords="2")
    assert titles(root) == [HISTORY, GAZETTEER]
    assert [int(p.text) for p in root.iter("{*}recordPosition")] == [2, 3]
    assert root.findtext("{*}nextRecordPosition") == "4"
    last = sru.search("cql.allRecords = 1 sortby dc.date", startRecord="5", maximumRecords="2")
    assert titles(last) == [GOATS] and last.find("{*}nextRecordPosition") is None
    counted = sru.search("cql.allRecords = 1", maximumRecords="0")
    assert hit_count(counted) == 5 and titles(counted) == []


def test_same_matches_as_the_opac_search(sru, catalogue):
    """cql.serverChoice/dc.title find exactly what the OPAC finds for the same words."""
    from thuvien.catalog.models import BibRecord
    from thuvien.search.service import SearchRequest, search

    def opac(q, scope="any"):
        ids = search(SearchRequest(q=q, scope=scope, page_size=100, facets=())).ids
        return {BibRecord.objects.get(pk=i).title for i in ids}

    for words in ["việt nam", "viet nam", "lichj suwr", "dế", "ninh bình", "truy*", "mèn ký"]:
        assert set(found(sru, f'cql.serverChoice all "{words}"')) == opac(words), words
        assert set(found(sru, f'dc.title all "{words}"')) == opac(words, "title"), words


def test_withdrawn_records_are_gone(sru, catalogue):
    from thuvien.catalog import services

    assert found(sru, "dc.title = truyện") == [TALES]
    services.withdraw_record(catalogue.tales)
    assert found(sru, "dc.title = truyện") == []


def test_exact_diacritics_rank_first(sru, catalogue):
    """Without sortBy, records come in the OPAC's relevance order: the typed tones first."""
    assert found(sru, "dc.title = dế") == [CRICKET, GOATS]
    assert found(sru, "dc.title = dê") == [GOATS, CRICKET]
    assert found(sru, 'cql.serverChoice all "dế mèn"')[0] == CRICKET
    nfd = unicodedata.normalize("NFD", "dế mèn")
    assert nfd != "dế mèn" and found(sru, f'cql.serverChoice all "{nfd}"')[0] == CRICKET
    assert found(sru, "dc.title = đia") == [GAZETTEER]  # đ typed as đ, tone left out

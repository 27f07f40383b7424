"""Item 5, Vietnamese: diacritics, đ→d, NFC/NFD, exact form first, Telex and VNI."""

import unicodedata

from thuvien.search.service import SearchRequest, search


def ids(q, **kwargs):
    return search(SearchRequest(q=q, facets=(), **kwargs)).ids


def nfd(text):
    return unicodedata.normalize("NFD", text)


def test_without_diacritics_and_d_bar(books):
    for q in ["dia chi ninh binh", "Địa chí Ninh Bình", "ĐỊA CHÍ", "địa chi ninh binh", "Dia Chi",
              "dang minh duc", "Đặng Minh Đức", "DANG"]:
        assert ids(q) == [books.gazetteer.pk], q
    assert ids("dem trang") == ids("ĐÊM TRẮNG") == [books.night.pk]


def test_nfc_and_nfd_input_alike(books):
    for q in ("Địa chí Ninh Bình", "dế mèn", "Lịch sử"):
        assert unicodedata.normalize("NFC", q) != nfd(q)
        assert ids(nfd(q)) == ids(q) != []
    # One word decomposed, the next composed.
    assert ids(nfd("Địa") + " chí") == [books.gazetteer.pk]


def test_exact_diacritics_rank_first(books):
    # Both records hold "de" and "men" once folded ("dế mèn" / "dê … men").
    assert set(ids("de men")) == {books.cricket.pk, books.goats.pk}
    assert ids("dế mèn") == [books.cricket.pk, books.goats.pk]
    assert ids("dê men") == [books.goats.pk, books.cricket.pk]
    assert ids("dế") == [books.cricket.pk, books.goats.pk]
    assert ids("dê") == [books.goats.pk, books.cricket.pk]


def test_exact_form_wins_even_against_title_weight(network, make_record):
    # "dê" only in the notes of one record, folded "de" in the title of the other.
    plain = make_record("De men tieu hoa", ["Ngô, Văn Lâm"], [], 2001)
    exact = make_record("Sổ tay chăn nuôi", ["Ngô, Văn Lâm"], [], 2001, notes=["Nuôi dê và men tiêu hóa"])
    assert ids("dê men")[0] == exact.pk
    assert ids("de men")[0] == plain.pk


TYPED = [
    ("de61 me2n", "cricket"),        # VNI
    ("dees meen", "cricket"),        # Telex (dế mên, folded like mèn)
    ("dees mefn", "cricket"),        # Telex: dế mèn
    ("nuooi dee", "goats"),          # Telex
    ("lichj suwr", "history"),       # Telex
    ("lich5 su73", "history"),       # VNI
    ("ddiaj chis", "gazetteer"),     # Telex đ
    ("d9i5a chi1", "gazetteer"),     # VNI đ
]


def test_telex_and_vni_typed_without_an_input_method(books):
    for q, expected in TYPED:
        assert ids(q)[:1] == [getattr(books, expected).pk], q


def test_telex_reading_ranks_its_exact_form_first(books):
    assert ids("de61")[:2] == [books.cricket.pk, books.goats.pk]   # dế
    assert ids("dee")[:2] == [books.goats.pk, books.cricket.pk]    # dê


def test_nguyeenx_finds_nguyen(books):
    assert set(ids("nguyeenx")) == {books.history.pk, books.night.pk}
    assert set(ids("nguyeenx")) == set(ids("Nguyễn")) == set(ids("nguyen"))


def test_words_must_all_match_and_prefix_and_phrase(books):
    assert ids("lịch sử ninh bình") == []
    assert ids("phiêu lư*") == [books.cricket.pk]
    assert ids('"ninh binh"') == [books.gazetteer.pk]
    assert ids('"binh ninh"') == []
    assert set(ids("việt nam -lịch")) == {books.gazetteer.pk, books.night.pk}
    assert set(ids('việt nam -"dia ly"')) == {books.history.pk, books.night.pk}


def test_scopes(books):
    assert ids("hoai", scope="author") == [books.cricket.pk]
    assert ids("hoai", scope="title") == []
    assert ids("chăn nuôi", scope="subject") == [books.goats.pk]

"""Sort keys and identifier normalising, the rules under every sorted list and every match."""

import pytest

from thuvien.catalog.identifiers import normalize_isbn
from thuvien.core.vietnamese import fold, sort_key


def test_sort_keys_follow_the_vietnamese_alphabet_then_the_tones():
    words = ["đá", "da", "ăn", "an", "ân", "bà", "ba", "bạ", "bá", "bả", "bã", "dz", "Ê", "e", "ơ", "ô", "o", "2", "10"]
    assert sorted(words, key=sort_key) == [
        "10", "2", "an", "ăn", "ân", "ba", "bà", "bả", "bã", "bá", "bạ", "da", "dz", "đá", "e", "Ê", "o", "ô", "ơ"]


def test_separators_count_once_and_not_at_the_ends():
    assert sort_key("  Truyện -- Kiều. ") == sort_key("truyện kiều")
    assert sort_key("Truyện Kiều") != sort_key("TruyệnKiều")
    assert sort_key("") == "00"


def test_other_scripts_sort_after_vietnamese_letters():
    assert sorted(["中文", "zebra", "Ωmega"], key=sort_key) == ["zebra", "Ωmega", "中文"]


@pytest.mark.parametrize(("written", "isbn"), [
    ("0-19-853453-1 (pbk.)", "9780198534532"),
    ("978 0 19 853453 2", "9780198534532"),
    ("080442957x", "9780804429573"),
    ("ISBN 979-10-90636-07-1", "9791090636071"),
    ("0-19-853453-2", None),  # wrong check digit
    ("978-0-19-853453-3", None),
    ("không có", None),
])
def test_isbns_are_matched_in_their_13_digit_form(written, isbn):
    assert normalize_isbn(written) == isbn


@pytest.mark.parametrize("text, folded", [
    ("Đặng Thị Mỹ Dung", "dang thi my dung"),
    ("Ngô Tất Tố — Tắt đèn", "ngo tat to — tat den"),
    ("Crème brûlée, Ångström", "creme brulee, angstrom"),
    ("שָׁלוֹם", "שלום"),  # Hebrew points are nonspacing marks too
    ("हिन्दी", "हिनदी"),  # the virama is one; the vowel signs are spacing marks, and stay
    ("漢字 ₫ 5%", "漢字 ₫ 5%"),
])
def test_folding_strips_every_nonspacing_mark_and_keeps_the_rest(text, folded):
    assert fold(text) == folded

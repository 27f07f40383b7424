"""Normalising the identifiers used to match records: ISBN, ISSN, LCCN."""

import operator
import re

_ISBN_CHARS = re.compile(r"[0-9Xx][0-9Xx\- ]{8,20}")
_SEPARATORS = re.compile(r"[\s-]")
_ISBN10 = re.compile(r"\d{9}[\dX]")
_ISBN13 = re.compile(r"97[89]\d{10}")
_WEIGHTS_10 = range(10, 1, -1)
_WEIGHTS_13 = (1, 3) * 6


def isbn10_check_digit(first9):
    total = sum(map(operator.mul, _WEIGHTS_10, map(int, first9)))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def isbn13_check_digit(first12):
    total = sum(map(operator.mul, _WEIGHTS_13, map(int, first12)))
    return str((10 - total % 10) % 10)


def is_valid_isbn(value):
    digits = _SEPARATORS.sub("", value or "").upper()
    if _ISBN10.fullmatch(digits):
        return isbn10_check_digit(digits[:9]) == digits[9]
    if _ISBN13.fullmatch(digits):
        return isbn13_check_digit(digits[:12]) == digits[12]
    return False


def normalize_isbn(value):
    """Return the ISBN-13 form of the ISBN at the start of ``value``, or None.

    "0-19-853453-1 (pbk.)" and "9780198534532" give the same result, so the
    same edition matches however its ISBN was written.
    """
    match = _ISBN_CHARS.search(value or "")
    if not match:
        return None
    # The match holds only digits, X, hyphens and spaces.
    digits = match.group(0).replace("-", "").replace(" ", "").upper()
    if len(digits) >= 13 and digits[:13].isdigit() and digits.startswith(("978", "979")):
        return digits[:13] if isbn13_check_digit(digits[:12]) == digits[12] else None
    if len(digits) >= 10 and _ISBN10.fullmatch(digits[:10]):
        if isbn10_check_digit(digits[:9]) != digits[9]:
            return None
        core = "978" + digits[:9]
        return core + isbn13_check_digit(core)
    return None


def normalize_issn(value):
    match = re.search(r"(\d{4})-?(\d{3}[\dXx])", value or "")
    return f"{match.group(1)}-{match.group(2).upper()}" if match else None


def normalize_lccn(value):
    """Normalise an LCCN as the Library of Congress describes (no spaces, no hyphen)."""
    text = (value or "").strip().split("/")[0].replace(" ", "")
    if not text:
        return None
    if "-" in text:
        prefix, _, suffix = text.partition("-")
        text = prefix + suffix.zfill(6)
    return text.lower() or None

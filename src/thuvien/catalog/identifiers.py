"""Normalising the identifiers used to match records: ISBN, ISSN, LCCN."""

import re

_ISBN_CHARS = re.compile(r"[0-9Xx][0-9Xx\- ]{8,20}")
_SEPARATORS = re.compile(r"[\s-]")
_ISBN10 = re.compile(r"\d{9}[\dX]")
_ISBN13 = re.compile(r"97[89]\d{10}")


def isbn10_check_digit(first9):
    total = sum((10 - i) * int(d) for i, d in enumerate(first9))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def isbn13_check_digit(first12):
    total = sum((1 if i % 2 == 0 else 3) * int(d) for i, d in enumerate(first12))
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
    digits = _SEPARATORS.sub("", match.group(0)).upper()
    if len(digits) >= 13 and digits[:13].isdigit() and digits.startswith(("978", "979")):
        return digits[:13] if is_valid_isbn(digits[:13]) else None
    if len(digits) >= 10 and _ISBN10.fullmatch(digits[:10]):
        if not is_valid_isbn(digits[:10]):
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

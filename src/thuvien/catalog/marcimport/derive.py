"""``catalog.marc.derive`` and ``identifiers_of`` in one pass over a record's fields.

The importer derives hundreds of thousands of records; ``catalog.marc`` scans the
field list once per column. These give exactly the same results (a test compares them on
every real sample) from one scan. ``data`` must be in NFC, as the readers give it.
"""

import re

from thuvien.catalog import marc
from thuvien.catalog.identifiers import normalize_isbn, normalize_issn, normalize_lccn
from thuvien.core.vietnamese import sort_key

_YEAR = re.compile(r"(1[0-9]{3}|20[0-9]{2})")
# What marc._TRAILING strips: whitespace (as the regex's \s) and these marks.
_TRAILING_CHARS = ("/:;,.=\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
                   "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def _clean(text):
    """``marc.clean`` of text already in NFC (as the readers give it), with ``rstrip`` for its regex."""
    text = text.strip()
    if text and text[-1] in "/:;,.=":
        text = text.rstrip(_TRAILING_CHARS)
    if text.endswith("]") and text.count("[") < text.count("]"):
        text = text[:-1]
    return text


_SYSTEM_NUMBER = marc._SYSTEM_NUMBER.fullmatch
_TITLE_SPACING = re.compile(r"\s+([:;/=])").sub
_LANGUAGE_CODE = re.compile(r"[a-z]{3}").fullmatch

# The fields derive_all reads, by tag: the index of the list they are collected in.
_BUCKET_OF = {"245": 0, "260": 1, "264": 1, **dict.fromkeys(marc.AUTHOR_TAGS, 2),
              **dict.fromkeys(marc.SUBJECT_TAGS, 3),
              "020": 4, "022": 5, "010": 6, "035": 7, "041": 8, "082": 9}
_BUCKETS = 10


def _values(value, codes):
    if isinstance(value, str):
        return []
    return [text for sf in value["subfields"] for code, text in sf.items() if code in codes]


def derive_all(data):
    """(derived columns, identifier pairs) of MARC-in-JSON ``data``."""
    controls = {}
    found_fields = [[] for _ in range(_BUCKETS)]
    for entry in data.get("fields", []):
        for tag, value in entry.items():
            if tag < "010":
                if tag not in controls:
                    controls[tag] = value if isinstance(value, str) else ""
            else:
                bucket = _BUCKET_OF.get(tag)
                if bucket is not None:
                    found_fields[bucket].append(value)
    t245, pub, authors_f, subjects_f, f020, f022, f010, f035, f041, f082 = found_fields

    # identifiers_of
    found = []
    number, org = controls.get("001", "").strip(), controls.get("003", "").strip()
    if number:
        found.append(("control", f"{org}|{number}"))
    for value in f035:  # "(ORG)NUMBER": this record's 001/003 in another system
        for text in _values(value, "a"):
            match = _SYSTEM_NUMBER(text.strip())
            if match:
                found.append(("control", f"{match.group(1).strip()}|{match.group(2).strip()}"))
    for value in f020:
        for text in _values(value, "a"):
            isbn = normalize_isbn(text)
            if isbn:
                found.append(("isbn", isbn))
    for value in f022:
        for text in _values(value, "a"):
            issn = normalize_issn(text)
            if issn:
                found.append(("issn", issn))
    for value in f010:
        for text in _values(value, "a"):
            lccn = normalize_lccn(text)
            if lccn:
                found.append(("lccn", lccn))
    pairs = list(dict.fromkeys(found))

    title = ""
    for value in t245:
        parts = _values(value, "abnp")
        if parts:
            text = " ".join(p.strip() for p in parts)
            title = _clean(_TITLE_SPACING(r" \1", text))
            break
    title = title or "[?]"

    fixed = controls.get("008", "")
    year = None
    if len(fixed) >= 11 and fixed[7:11].isdigit():
        year = int(fixed[7:11])
    else:
        for value in pub:
            for text in _values(value, "c"):
                match = _YEAR.search(text)
                if match:
                    year = int(match.group(1))
                    break
            if year is not None:
                break

    code = fixed[35:38].strip().lower() if len(fixed) >= 38 else ""
    if _LANGUAGE_CODE(code):
        language = code
    else:
        language = _first(f041, "a")
        language = language[:3].lower() if language else ""

    authors = []
    for value in authors_f:
        parts = _values(value, "a")
        if parts:
            name = _clean(parts[0])
            if name and name not in authors:
                authors.append(name)
    subjects = []
    for value in subjects_f:
        parts = [c for p in _values(value, "abcdvxyz") if (c := _clean(p))]
        heading = " -- ".join(parts)
        if heading and heading not in subjects:
            subjects.append(heading)

    derived = {
        "title": title,
        "title_sort": sort_key(title)[:200],
        "authors": authors,
        "publisher": _clean(_first(pub, "b"))[:255],
        "place": _clean(_first(pub, "a"))[:255],
        "year": year,
        "language": language,
        "material_type": marc.material_type_of(data.get("leader")),
        "subjects": subjects,
        "ddc": _clean(_first(f082, "a"))[:64],
        "isbns": [value for kind, value in pairs if kind == "isbn"],
        "control_number": number[:64],
        "control_org": org[:32],
    }
    return derived, pairs


def _first(values, codes):
    for value in values:
        found = _values(value, codes)
        if found:
            return found[0]
    return ""

"""MARC21 records: storing them losslessly and deriving what we display and search.

Records are stored as MARC-in-JSON (the structure pymarc's ``as_dict`` gives), with
all text in NFC. ``derive`` reads the fields the rest of the system needs.
"""

import re

import pymarc

from thuvien.catalog.identifiers import normalize_isbn, normalize_issn, normalize_lccn
from thuvien.core.vietnamese import nfc, sort_key

_TRAILING = re.compile(r"[\s/:;,.=]+$")
SUBJECT_TAGS = ("600", "610", "611", "630", "650", "651", "655")
AUTHOR_TAGS = ("100", "110", "111", "700", "710", "711")
_SYSTEM_NUMBER = re.compile(r"\(([^()]+)\)\s*(\S.*)")


def clean(text):
    """Strip the ISBD punctuation that closes a MARC subfield."""
    text = _TRAILING.sub("", nfc(text).strip())
    if text.endswith("]") and text.count("[") < text.count("]"):
        text = text[:-1]
    return text


def record_to_json(record):
    """A pymarc Record as NFC MARC-in-JSON."""
    fields = []
    for field in record.fields:
        if field.is_control_field():
            fields.append({field.tag: nfc(field.data)})
        else:
            fields.append(
                {
                    field.tag: {
                        "ind1": field.indicator1 or " ",
                        "ind2": field.indicator2 or " ",
                        "subfields": [{sf.code: nfc(sf.value)} for sf in field.subfields],
                    }
                }
            )
    return {"leader": str(record.leader), "fields": fields}


def json_to_record(data):
    """Rebuild a pymarc Record from stored MARC-in-JSON."""
    record = pymarc.Record(leader=data.get("leader"), force_utf8=True)
    for entry in data.get("fields", []):
        (tag, value), = entry.items()
        if isinstance(value, str):
            record.add_field(pymarc.Field(tag=tag, data=value))
        else:
            subfields = [pymarc.Subfield(code=code, value=text) for sf in value["subfields"] for code, text in sf.items()]
            record.add_field(
                pymarc.Field(tag=tag, indicators=pymarc.Indicators(value.get("ind1", " "), value.get("ind2", " ")), subfields=subfields)
            )
    return record


def fields(data, *tags):
    """Yield (tag, value) for every field of ``data`` with one of ``tags``."""
    for entry in data.get("fields", []):
        for tag, value in entry.items():
            if tag in tags:
                yield tag, value


def control(data, tag):
    for _, value in fields(data, tag):
        return value if isinstance(value, str) else ""
    return ""


def subfield_values(value, codes):
    if isinstance(value, str):
        return []
    return [text for sf in value["subfields"] for code, text in sf.items() if code in codes]


def first_subfield(data, tags, codes):
    for _, value in fields(data, *tags):
        found = subfield_values(value, codes)
        if found:
            return found[0]
    return ""


def title_of(data):
    for _, value in fields(data, "245"):
        parts = subfield_values(value, "abnp")
        if parts:
            text = " ".join(p.strip() for p in parts)
            return clean(re.sub(r"\s+([:;/=])", r" \1", text))
    return ""


_LEADER_TYPES = {
    "a": "book", "t": "manuscript", "e": "map", "f": "map", "c": "music", "d": "music",
    "i": "sound", "j": "sound", "g": "video", "k": "visual", "r": "visual", "o": "mixed",
    "p": "mixed", "m": "computer",
}


def material_type_of(leader):
    leader = (leader or "").ljust(24)
    kind = _LEADER_TYPES.get(leader[6], "book")
    if kind == "book" and leader[7] in "bis":
        return "serial"
    return kind


def year_of(data):
    fixed = control(data, "008")
    if len(fixed) >= 11 and fixed[7:11].isdigit():
        return int(fixed[7:11])
    for _, value in fields(data, "264", "260"):
        for text in subfield_values(value, "c"):
            match = re.search(r"(1[0-9]{3}|20[0-9]{2})", text)
            if match:
                return int(match.group(1))
    return None


def language_of(data):
    fixed = control(data, "008")
    code = fixed[35:38].strip().lower() if len(fixed) >= 38 else ""
    if re.fullmatch(r"[a-z]{3}", code or ""):
        return code
    found = first_subfield(data, ("041",), "a")
    return found[:3].lower() if found else ""


def authors_of(data):
    names = []
    for _, value in fields(data, *AUTHOR_TAGS):
        parts = subfield_values(value, "a")
        if parts:
            name = clean(parts[0])
            if name and name not in names:
                names.append(name)
    return names


def subjects_of(data):
    subjects = []
    for _, value in fields(data, *SUBJECT_TAGS):
        parts = [clean(p) for p in subfield_values(value, "abcdvxyz") if clean(p)]
        heading = " -- ".join(parts)
        if heading and heading not in subjects:
            subjects.append(heading)
    return subjects


def identifiers_of(data):
    """Normalised (kind, value) pairs used to match this record."""
    found = []
    number, org = control(data, "001").strip(), control(data, "003").strip()
    if number:
        found.append(("control", f"{org}|{number}"))
    for _, value in fields(data, "035"):  # "(ORG)NUMBER": this record's 001/003 in another system
        for text in subfield_values(value, "a"):
            match = _SYSTEM_NUMBER.fullmatch(text.strip())
            if match:
                found.append(("control", f"{match.group(1).strip()}|{match.group(2).strip()}"))
    for _, value in fields(data, "020"):
        for text in subfield_values(value, "a"):
            isbn = normalize_isbn(text)
            if isbn:
                found.append(("isbn", isbn))
    for _, value in fields(data, "022"):
        for text in subfield_values(value, "a"):
            issn = normalize_issn(text)
            if issn:
                found.append(("issn", issn))
    for _, value in fields(data, "010"):
        for text in subfield_values(value, "a"):
            lccn = normalize_lccn(text)
            if lccn:
                found.append(("lccn", lccn))
    return list(dict.fromkeys(found))


def derive(data):
    """The columns of a BibRecord that are read from its MARC record."""
    title = title_of(data) or "[?]"
    return {
        "title": title,
        "title_sort": sort_key(title)[:200],
        "authors": authors_of(data),
        "publisher": clean(first_subfield(data, ("264", "260"), "b"))[:255],
        "place": clean(first_subfield(data, ("264", "260"), "a"))[:255],
        "year": year_of(data),
        "language": language_of(data),
        "material_type": material_type_of(data.get("leader")),
        "subjects": subjects_of(data),
        "ddc": clean(first_subfield(data, ("082",), "a"))[:64],
        "isbns": [value for kind, value in identifiers_of(data) if kind == "isbn"],
        "control_number": control(data, "001").strip()[:64],
        "control_org": control(data, "003").strip()[:32],
    }


def notes_of(data):
    return [clean(t) for _, v in fields(data, "500", "504", "505", "520") for t in subfield_values(v, "a")]


def physical_description_of(data):
    return " ".join(subfield_values(next((v for _, v in fields(data, "300")), {"subfields": []}), "abce")).strip()

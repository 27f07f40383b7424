"""Items from holdings fields: MARC21's 852 and Koha's 952."""

import hashlib
import re
from itertools import chain

from thuvien.catalog.models import ItemStatus, ItemType

HOLDINGS_TAGS = ("852", "952")

# Koha item types as Vietnamese Koha libraries name them (and Koha's defaults).
KOHA_ITEM_TYPES = {
    "BK": ItemType.BOOK, "SACH": ItemType.BOOK, "S": ItemType.BOOK, "GT": ItemType.BOOK,
    "REF": ItemType.REFERENCE, "TK": ItemType.REFERENCE, "TC": ItemType.REFERENCE,
    "SER": ItemType.SERIAL, "CR": ItemType.SERIAL, "BAO": ItemType.SERIAL, "TAPCHI": ItemType.SERIAL,
    "TCHI": ItemType.SERIAL, "PER": ItemType.SERIAL,
    "DVD": ItemType.AUDIOVISUAL, "CD": ItemType.AUDIOVISUAL, "AV": ItemType.AUDIOVISUAL,
    "VM": ItemType.AUDIOVISUAL, "MU": ItemType.AUDIOVISUAL, "CF": ItemType.AUDIOVISUAL,
    "TN": ItemType.CHILDREN, "THIEUNHI": ItemType.CHILDREN, "JUV": ItemType.CHILDREN, "CHILD": ItemType.CHILDREN,
    "QUY": ItemType.RARE, "DC": ItemType.RARE, "RARE": ItemType.RARE, "LOCAL": ItemType.RARE,
}


def _subfields(value):
    found = {}
    for sf in value.get("subfields", []):
        for code, text in sf.items():
            found.setdefault(code, []).append(text.strip())
    return found


def _first(found, code):
    for text in found.get(code, []):
        if text:
            return text
    return ""


def _price(text):
    match = re.search(r"\d[\d.,]*", text or "")
    if not match:
        return None
    digits = re.sub(r"[.,]\d{1,2}$", "", match.group(0))  # drop cents
    digits = re.sub(r"[^\d]", "", digits)
    return int(digits[:12]) if digits else None


_HOLDINGS_TAGS = frozenset(HOLDINGS_TAGS)


def split_holdings(data):
    """(record without its 852/952 fields, [(tag, value), ...] of the removed fields)."""
    fields = data.get("fields", [])
    # Most records hold no copies: the fields' tags (their keys) are looked through in C.
    if _HOLDINGS_TAGS.isdisjoint(chain.from_iterable(fields)):
        return data, []
    kept, holdings = [], []
    for entry in fields:
        (tag, value), = entry.items()
        if tag in HOLDINGS_TAGS and not isinstance(value, str):
            holdings.append((tag, value))
        else:
            kept.append(entry)
    if not holdings:
        return data, holdings
    return {"leader": data.get("leader", ""), "fields": kept}, holdings


def item_values(tag, value, key, ordinal, library_code):
    """The values of an Item from one holdings field.

    ``key`` identifies the record in the file, so that a field without a barcode gets
    the same generated barcode on every import of the file.
    """
    sf = _subfields(value)
    values = {"status": ItemStatus.AVAILABLE, "item_type": ItemType.BOOK, "notes": "", "price": None,
              "location_code": "", "branch": ""}
    if tag == "952":
        barcode = _first(sf, "p")
        values["call_number"] = _first(sf, "o")
        values["item_type"] = KOHA_ITEM_TYPES.get(_first(sf, "y").upper(), ItemType.BOOK)
        values["branch"] = _first(sf, "a") or _first(sf, "b")
        values["location_code"] = _first(sf, "c")
        values["price"] = _price(_first(sf, "g") or _first(sf, "v"))
        values["notes"] = "; ".join(t for t in sf.get("z", []) + sf.get("x", []) if t)
        if _first(sf, "0") not in ("", "0"):
            values["status"] = ItemStatus.WITHDRAWN
        elif _first(sf, "1") not in ("", "0"):
            values["status"] = ItemStatus.LOST
        elif _first(sf, "4") not in ("", "0"):
            values["status"] = ItemStatus.DAMAGED
        elif _first(sf, "7") not in ("", "0"):
            values["status"] = ItemStatus.NOT_FOR_LOAN
    else:
        barcode = _first(sf, "p")
        call = " ".join(t for t in (_first(sf, "k"), _first(sf, "h"), _first(sf, "i"), _first(sf, "m")) if t)
        values["call_number"] = call or _first(sf, "j")
        values["branch"] = _first(sf, "a")
        values["location_code"] = _first(sf, "b") or _first(sf, "c")
        values["notes"] = "; ".join(t for t in sf.get("z", []) + sf.get("x", []) if t)
    if not barcode:
        digest = hashlib.sha1(f"{key}|{tag}|{ordinal}".encode()).hexdigest()[:10].upper()
        barcode = f"{library_code.split('-', 1)[-1]}-M{digest}"
    values["barcode"] = barcode[:64]
    values["source_field"] = tag
    values["call_number"] = values["call_number"][:100]
    return values


def holdings_field(item, library_code):
    """The 852 we generate on export for one Item."""
    subfields = [{"a": library_code}]
    if item.location_id:
        subfields.append({"b": item.location.code})
    if item.call_number:
        subfields.append({"h": item.call_number})
    subfields.append({"p": item.barcode})
    return {"852": {"ind1": " ", "ind2": " ", "subfields": subfields}}

"""Preparing one record for the importer's writes: all the work that needs no database.

A record is decoded, its holdings taken out, its columns and identifiers derived, and
its stored JSON and search document serialised, in a worker process for big files.
What comes back is small and flat (strings and tuples), so that passing it between
processes costs little and the writing process has nothing left to compute.
"""

import hashlib
import json
from typing import NamedTuple

import orjson

from thuvien.catalog.marcimport import holdings as H
from thuvien.catalog.marcimport.derive import derive_all
from thuvien.catalog.marcimport.reader import RecordError, decode_iso2709
from thuvien.catalog.models import Visibility
from thuvien.search.documents import ANY_LIBRARY, without_empty
from thuvien.search.documents import _fields as doc_fields

# The BibRecord columns a prepared row holds, in order (the importer adds the rest).
ROW_COLUMNS = ("marc", "title", "title_sort", "authors", "publisher", "place", "year", "language",
               "material_type", "subjects", "ddc", "isbns", "control_number", "control_org")
# Search document fields that depend on the record's id and its items: the importer adds them.
_LATE_FIELDS = ("id", "f_library", "f_available", "acquired")


class Prepared(NamedTuple):
    error: str = ""
    row: tuple = ()  # values of ROW_COLUMNS, JSON columns as JSON text
    pairs: tuple = ()  # normalised (kind, value) identifiers, values cut to the column's 128
    holdings: tuple = ()  # (tag, value) of its 852/952 fields
    key: str = ""  # what generated barcodes are derived from: the first identifier, or a digest
    doc: str = ""  # the search document as JSON, without its opening "{" and the late fields


def prepare_data(data):
    """A ``Prepared`` from MARC-in-JSON ``data`` (as the reader gives it)."""
    data, holdings = H.split_holdings(data)
    d, pairs = derive_all(data)
    pairs = tuple(dict.fromkeys((kind, value[:128]) for kind, value in pairs))
    key = pairs[0][1] if pairs else hashlib.sha1(
        json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    dumps = orjson.dumps
    row = (dumps(data).decode(), d["title"], d["title_sort"], dumps(d["authors"]).decode(), d["publisher"],
           d["place"], d["year"], d["language"][:3], d["material_type"], dumps(d["subjects"]).decode(), d["ddc"],
           dumps(d["isbns"]).decode(), d["control_number"], d["control_org"])
    fields = doc_fields({**d, "id": 0, "marc": data, "visibility": Visibility.PUBLIC, "created_at": None},
                        (), (), None, {})
    for name in _LATE_FIELDS:
        fields.pop(name, None)
    return Prepared("", row, pairs, tuple(holdings), key, dumps(fields).decode()[1:])


def prepare_raw(raw):
    """A ``Prepared`` from one raw ISO 2709 record (``error`` set if it cannot be read)."""
    try:
        data = decode_iso2709(raw)
    except RecordError as exc:
        return Prepared(str(exc))
    return prepare_data(data)


def prepare_chunk(raws):
    """``prepare_raw`` of each of ``raws`` (the work unit of a worker process)."""
    return [prepare_raw(raw) for raw in raws]


def document_json(prepared, record_id, libraries, available, acquired):
    """The whole search document of a prepared record, as tantivy's ``add_json`` takes it."""
    available = sorted(available)
    if available:
        available.append(ANY_LIBRARY)
    head = orjson.dumps(without_empty({"id": record_id, "f_library": sorted(libraries), "f_available": available,
                                       "acquired": acquired})).decode()
    return head[:-1] + "," + prepared.doc

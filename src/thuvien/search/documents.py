"""Building search documents from the database, which is the source of truth."""

from collections import defaultdict

from django.db.models import Max

from thuvien.catalog.models import BibRecord, Item, ItemStatus
from thuvien.core.vietnamese import fold, nfc, sort_key

ANY_LIBRARY = "__any__"

# Other apps add text to a record's document (for example OCR text of its digital
# objects) with ``register_contributor(fn)``; ``fn(record_ids)`` returns
# ``{record_id: {"fulltext": str}}``.
_contributors = []


def register_contributor(fn):
    if fn not in _contributors:
        _contributors.append(fn)


def _holdings(record_ids):
    libraries = defaultdict(set)
    available = defaultdict(set)
    acquired = {}
    rows = (
        Item.objects.filter(record_id__in=record_ids)
        .exclude(status=ItemStatus.WITHDRAWN)
        .values_list("record_id", "library__code", "status")
    )
    for record_id, code, status in rows:
        libraries[record_id].add(code)
        if status == ItemStatus.AVAILABLE:
            available[record_id].add(code)
    for row in (
        Item.objects.filter(record_id__in=record_ids).values("record_id").annotate(latest=Max("acquired_at"))
    ):
        acquired[row["record_id"]] = row["latest"]
    return libraries, available, acquired


NO_AUTHOR = "~"  # after every sort key (they are ASCII digits)


def documents_for(record_ids):
    """Yield ``(record_id, fields or None)``; None means: remove from the index."""
    record_ids = list(record_ids)
    records = {
        r["id"]: r
        for r in BibRecord.objects.filter(id__in=record_ids).values(
            "id", "title", "title_sort", "authors", "subjects", "publisher", "place", "year",
            "language", "material_type", "isbns", "ddc", "is_deleted", "visibility",
            "created_at", "marc",
        )
    }
    libraries, available, acquired = _holdings(list(records))
    extra = defaultdict(dict)
    for contributor in _contributors:
        for record_id, fields in contributor(list(records)).items():
            extra[record_id].update(fields)
    for record_id in record_ids:
        record = records.get(record_id)
        if record is None or record["is_deleted"]:
            yield record_id, None
            continue
        yield record_id, _fields(record, libraries[record_id], available[record_id],
                                 acquired.get(record_id), extra.get(record_id, {}))


def _notes(marc):
    texts = []
    for entry in marc.get("fields", []):
        for tag, value in entry.items():
            if tag in ("490", "500", "505", "520", "246", "740", "440", "830") and not isinstance(value, str):
                texts.extend(t for sf in value["subfields"] for code, t in sf.items() if code in "anpt")
    return texts


def _fields(record, libraries, available, acquired, extra):
    title = nfc(record["title"])
    authors = " ; ".join(record["authors"])
    subjects = " ; ".join(record["subjects"])
    everything = " ".join(
        [title, authors, subjects, record["publisher"], record["place"], record["ddc"],
         " ".join(record["isbns"]), *_notes(record["marc"])]
    )
    fulltext = extra.get("fulltext", "")
    when = acquired or record["created_at"]
    fields = {
        "id": record["id"],
        "title_exact": title, "title_fold": fold(title),
        "author_exact": authors, "author_fold": fold(authors),
        "subject_exact": subjects, "subject_fold": fold(subjects),
        # The title twice: its words weigh more in the catch-all fields that every
        # search reads (term frequency), with no extra clause at query time.
        "text_exact": [everything, title], "text_fold": [fold(everything), fold(title)],
        "fulltext_exact": fulltext, "fulltext_fold": fold(fulltext),
        "isbn": list(record["isbns"]),
        "visibility": record["visibility"],
        "f_library": sorted(libraries),
        "f_available": sorted(available) + ([ANY_LIBRARY] if available else []),
        "f_type": [record["material_type"]],
        "f_lang": [record["language"]] if record["language"] else [],
        "f_subject": [s.split(" -- ")[0] for s in record["subjects"]][:20],
        "f_author": record["authors"][:10],
        "title_sort": record["title_sort"],
        # The first author's heading in Vietnamese order; records without one sort last.
        "author_sort": sort_key(record["authors"][0]) if record["authors"] else NO_AUTHOR,
        "acquired": int(when.timestamp()) if when else 0,
    }
    if record["year"] is not None:
        fields["year"] = record["year"]
    return without_empty(fields)


def without_empty(fields):
    """``fields`` less its empty values. An empty value indexes nothing (its BM25 length is
    0 either way) but costs tantivy its per-field work: most records have no full text,
    language or copies."""
    return {name: value for name, value in fields.items() if value != "" and value != []}

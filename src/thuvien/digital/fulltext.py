"""Recognised text in the catalogue search, and the pages (with snippets) of a hit.

Only open text goes into the catalogue index, which answers everyone. Page numbers and
snippets are worked out per visitor from the database (``DigitalFile.text_folded``), so a
visitor sees them only for pages they may read.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from thuvien.digital import access
from thuvien.digital.models import ACCESS_RANK, DigitalFile, DigitalObject, OcrStatus
from thuvien.digital.textmatch import snippet, terms

SNIPPET_PAGES = 3  # snippets shown per object in a result list


def contribute(record_ids):
    """Search contributor: ``{record_id: {"fulltext": text}}`` of the pages of live
    records that an anonymous visitor off site may read."""
    texts = defaultdict(list)
    rows = (DigitalFile.objects
            .filter(object__record_id__in=record_ids, object__access__in=access.INDEXABLE_LEVELS,
                    ocr_status=OcrStatus.DONE)
            .exclude(text="")
            .order_by("object_id", "order")
            .values_list("object__record_id", "access", "text"))
    limit = max(ACCESS_RANK[level] for level in access.INDEXABLE_LEVELS)
    for record_id, override, text in rows.iterator():
        if override and ACCESS_RANK[override] > limit:
            continue
        texts[record_id].append(text)
    return {record_id: {"fulltext": "\n".join(parts)} for record_id, parts in texts.items()}


@dataclass
class TextHit:
    """Where a query was found in one digital object: its pages, and a few snippets."""

    object: DigitalObject
    pages: list = field(default_factory=list)  # page numbers
    snippets: list = field(default_factory=list)  # (page number, HTML)


def _matching_rows(files, wanted):
    for needle in wanted:
        files = files.filter(text_folded__contains=needle)
    return files.order_by("object_id", "order").values_list("pk", "object_id", "order", "access")


def text_hits(records, query, who, snippets=SNIPPET_PAGES, objects=None):
    """``{record_id: [TextHit]}``: the pages of ``records``' digital objects (or of
    ``objects``) holding every word and phrase of ``query``, among those ``who`` (a
    request or Visitor) may read; the first ``snippets`` pages of each with a snippet."""
    wanted = terms(query)
    if not wanted:
        return {}
    files = DigitalFile.objects.exclude(text_folded="")
    if objects is not None:
        files = files.filter(object__in=objects)
    else:
        files = files.filter(object__record__in=records)
    pages = defaultdict(list)
    for pk, object_id, order, override in _matching_rows(files, [t.needle for t in wanted]):
        pages[object_id].append((pk, order, override))
    if not pages:
        return {}
    visitor = who if isinstance(who, access.Visitor) else access.Visitor.of(who)
    found = DigitalObject.objects.select_related("record", "library", "collection").in_bulk(list(pages))
    hits = defaultdict(list)
    quoted = {}
    for object_id in sorted(pages):
        obj = found[object_id]
        if not access.can_view(visitor, obj):
            continue
        visible = [(pk, order) for pk, order, override in pages[object_id]
                   if access.can_view_page(visitor, obj, override)]
        if visible:
            hit = TextHit(obj, [order for _pk, order in visible])
            quoted.update({pk: (hit, order) for pk, order in visible[:snippets]})
            hits[obj.record_id].append(hit)
    for pk, text in DigitalFile.objects.filter(pk__in=list(quoted)).values_list("pk", "text"):
        hit, order = quoted[pk]
        hit.snippets.append((order, snippet(text, wanted)))
    for record_hits in hits.values():
        for hit in record_hits:
            hit.snippets.sort()
    return dict(hits)


def attach_text_hits(hits, query, request):
    """For a result list (dicts with a "record"): ``hit["text_hits"]`` where the query is
    found inside the record's digital objects that the visitor may read."""
    if not hits or not terms(query):
        return hits
    found = text_hits([h["record"] for h in hits], query, request)
    for hit in hits:
        hit["text_hits"] = found.get(hit["record"].pk, [])
    return hits


def pages_matching(obj, query, visitor=None):
    """Page numbers of ``obj`` whose text holds ``query``; with a ``visitor`` (request
    or Visitor) only pages that visitor may read."""
    wanted = [term.needle for term in terms(query)]
    if not wanted:
        return []
    if visitor is None:
        files = obj.files.exclude(text_folded="")
        return [order for _pk, _object, order, _access in _matching_rows(files, wanted)]
    return [n for hit in text_hits(None, query, visitor, snippets=0, objects=[obj]).get(obj.record_id, [])
            for n in hit.pages]


def record_page_hits(record, query, request):
    """``[(object, [page numbers])]`` of ``record``'s objects the visitor may read whose
    text holds ``query``."""
    return [(hit.object, hit.pages) for hit in text_hits([record], query, request, snippets=0).get(record.pk, [])]

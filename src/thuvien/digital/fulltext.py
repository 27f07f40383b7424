"""Recognised text in the catalogue search, and finding the pages of a hit."""

import re
from collections import defaultdict

from thuvien.core.vietnamese import fold, nfc
from thuvien.digital.access import INDEXABLE_LEVELS
from thuvien.digital.models import ACCESS_RANK, AccessLevel, DigitalFile, OcrStatus


def contribute(record_ids):
    """Search contributor: ``{record_id: {"fulltext": text}}`` of pages open to the
    public or to registered readers (the page itself still checks access)."""
    texts = defaultdict(list)
    rows = (DigitalFile.objects
            .filter(object__record_id__in=record_ids, object__access__in=INDEXABLE_LEVELS,
                    ocr_status=OcrStatus.DONE)
            .exclude(text="")
            .order_by("object_id", "order")
            .values_list("object__record_id", "access", "text"))
    limit = ACCESS_RANK[AccessLevel.REGISTERED]
    for record_id, override, text in rows.iterator():
        if override and ACCESS_RANK[override] > limit:
            continue
        texts[record_id].append(text)
    return {record_id: {"fulltext": "\n".join(parts)} for record_id, parts in texts.items()}


def _normalise(text):
    return re.sub(r"[^\w]+", " ", fold(nfc(text))).strip()


def pages_matching(obj, query, visitor=None):
    """Page numbers of ``obj`` whose text holds the phrase ``query``, diacritics-insensitive.

    With a ``visitor`` (request or Visitor), only pages that visitor may see.
    """
    from thuvien.digital.access import can_view

    phrase = _normalise(query)
    if not phrase:
        return []
    pattern = re.compile(r"(?:^| )" + re.escape(phrase) + r"(?:$| )")
    pages = []
    for page in obj.files.select_related("object__record", "object__library").exclude(text="").order_by("order"):
        if pattern.search(_normalise(page.text)) and (visitor is None or can_view(visitor, page)):
            pages.append(page.order)
    return pages


def record_page_hits(record, query, request):
    """For a search result: ``[(object, [page numbers])]`` of the record's objects the
    visitor may see whose text holds ``query``."""
    from thuvien.digital.selectors import objects_for_record

    hits = []
    for obj in objects_for_record(record, request):
        pages = pages_matching(obj, query, request)
        if pages:
            hits.append((obj, pages))
    return hits

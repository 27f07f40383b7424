"""REST: a record's digital objects (``/api/v1/digital/...``)."""

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from thuvien.catalog.models import BibRecord
from thuvien.digital.selectors import visible_objects

router = Router(tags=["digital"])


class DigitalObjectOut(Schema):
    id: int
    label: str
    access: str
    collection: str | None
    library: str
    pages: int
    manifest: str
    viewer: str
    licence: str
    matching_pages: list[int] | None = None


class RecordDigitalOut(Schema):
    record: int
    digital_objects: list[DigitalObjectOut]


@router.get("/records/{record_id}", response=RecordDigitalOut)
def record_objects(request, record_id: int, q: str = ""):
    """The record's digital objects that the caller may see, with their IIIF manifests;
    with ``q``, the pages of each whose text holds that phrase (diacritics-insensitive)."""
    record = get_object_or_404(BibRecord, pk=record_id, is_deleted=False)
    if record.visibility != "public":
        from thuvien.accounts.permissions import is_staff_member

        if not is_staff_member(request.user):
            from django.http import Http404

            raise Http404
    return {"record": record.pk, "digital_objects": visible_objects(record, request, q.strip()[:200])}

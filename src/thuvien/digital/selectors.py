"""What the record page and the records API show of a record's digital objects."""

from thuvien.digital import access


def _base(request):
    return f"{request.scheme}://{request.get_host()}" if request is not None else ""


def objects_for_record(record, request):
    """The record's digital objects ``request``'s visitor may see (model instances)."""
    return access.visible_objects(request, records=[record])


def visible_objects(record, request, query=""):
    """Dicts for ``GET /api/v1/records/{id}``: the objects the caller may see. With a
    ``query``, each also lists the pages whose text holds that phrase."""
    from thuvien.digital.fulltext import pages_matching

    base = _base(request)
    result = []
    for obj in objects_for_record(record, request):
        entry = {
            "id": obj.pk,
            "label": obj.label,
            "access": obj.access,
            "collection": obj.collection.code if obj.collection_id else None,
            "library": obj.library.code,
            "pages": sum(1 for level in obj.files.values_list("access", flat=True)
                         if access.can_view_page(request, obj, level)),
            "manifest": f"{base}/iiif/manifest/{obj.pk}.json",
            "viewer": f"{base}/digital/{obj.pk}/",
            "licence": obj.licence,
        }
        if query:
            entry["matching_pages"] = pages_matching(obj, query, request)
        result.append(entry)
    return result

"""The public search API: ``GET /api/v1/search`` and ``GET /api/v1/records/{id}``.

Both read through ``opac.selectors`` exactly as the pages do: restricted and withdrawn
records never appear, holdings and availability are read live from the copies, and a
bad query gets an answer (possibly empty) with a notice, never an error.
"""

from django.http import QueryDict
from django.urls import reverse
from ninja import Query, Router, Schema, Status

from thuvien.catalog.marc import notes_of, physical_description_of
from thuvien.catalog.models import BibRecord, Visibility
from thuvien.opac import selectors

router = Router(tags=["catalogue"])
MAX_ID = 2**63 - 1


class HoldingOut(Schema):
    library: str
    library_name: str
    total: int
    available: int


class HitOut(Schema):
    id: int
    title: str
    authors: list[str]
    year: int | None
    material_type: str
    language: str
    url: str
    holdings: list[HoldingOut]


class FacetValueOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class SearchOut(Schema):
    total: int
    page: int
    page_size: int
    pages: int
    q: str
    sort: str
    notices: list[str]
    results: list[HitOut]
    facets: dict[str, list[FacetValueOut]]


class SearchParams(Schema):
    q: str = ""
    library: str = ""
    available: bool = False
    type: list[str] = []
    language: list[str] = []
    year: list[str] = []
    subject: list[str] = []
    author: list[str] = []
    sort: str = "relevance"
    page: int = 1
    page_size: int = selectors.DEFAULT_PAGE_SIZE


class CopyOut(Schema):
    call_number: str
    location: str | None
    status: str
    status_label: str
    available: bool


class LibraryHoldingOut(HoldingOut):
    copies: list[CopyOut]


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


class RecordOut(Schema):
    id: int
    title: str
    authors: list[str]
    year: int | None
    publisher: str
    place: str
    language: str
    material_type: str
    subjects: list[str]
    isbns: list[str]
    ddc: str
    physical_description: str
    notes: list[str]
    url: str
    holdings: list[LibraryHoldingOut]
    digital_objects: list[DigitalObjectOut]


class NotFoundOut(Schema):
    detail: str
    merged_into: int | None = None


class ValidationErrorOut(Schema):
    detail: list[dict]


def _params(params: SearchParams):
    data = QueryDict(mutable=True)
    for name, value in params.dict().items():
        if isinstance(value, list):
            data.setlist(name, [str(v) for v in value])
        elif isinstance(value, bool):
            data[name] = "1" if value else ""
        else:
            data[name] = str(value)
    return data


@router.get("/search", response={200: SearchOut, 422: ValidationErrorOut}, summary="Search the union catalogue")
def search(request, params: Query[SearchParams]):
    """Search every library's catalogue, with or without Vietnamese diacritics.

    Facets (holding library, material type, language, year, subject, author) come with
    counts; the filters ``type``, ``language``, ``year``, ``subject`` and ``author``
    may be repeated. ``sort`` is ``relevance``, ``title`` (Vietnamese order) or
    ``year``. Each result lists its holding libraries with the copies on the shelf now.
    """
    query = selectors.Query.from_params(_params(params))
    result, hits = selectors.run(query)
    names = selectors.library_names()
    return {
        "total": result.total,
        "page": result.page,
        "page_size": result.page_size,
        "pages": result.pages,
        "q": query.q,
        "sort": query.sort,
        "notices": [str(n) for n in query.notices],
        "results": [_hit(hit) for hit in hits],
        "facets": {
            group["name"]: [
                {"value": v["value"], "label": str(v["label"]), "count": v["count"], "selected": v["selected"]}
                for v in group["values"]
            ]
            for group in selectors.facet_groups(result, query, names)
        },
    }


def _holding(h):
    return {"library": h["code"], "library_name": h["name"], "total": h["total"], "available": h["available"]}


def _hit(hit):
    record = hit["record"]
    return {
        "id": record.pk, "title": record.title, "authors": list(record.authors), "year": record.year,
        "material_type": record.material_type, "language": record.language,
        "url": reverse("opac:record", args=[record.pk]),
        "holdings": [_holding(h) for h in hit["holdings"]],
    }


@router.get("/records/{record_id}", response={200: RecordOut, 404: NotFoundOut, 422: ValidationErrorOut},
            summary="One record with its holdings and digital objects")
def record(request, record_id: int):
    """The record's description, its copies per library with live availability, and the
    digital objects the caller may see. A record merged into another answers 404 with
    ``merged_into``; restricted and withdrawn records answer 404."""
    found = BibRecord.objects.filter(pk=record_id).first() if 1 <= record_id <= MAX_ID else None
    if found is None or found.visibility != Visibility.PUBLIC:
        return Status(404, {"detail": "Not Found"})
    if found.is_deleted:
        from thuvien.cataloguing.merging import current_record

        live = current_record(found)
        moved = live.pk != found.pk and not live.is_deleted and live.visibility == Visibility.PUBLIC
        merged = live.pk if moved else None
        return Status(404, {"detail": "Withdrawn", "merged_into": merged})
    from thuvien.digital.selectors import visible_objects

    holdings = []
    for h in selectors.copies_by_library(found):
        holdings.append({
            "library": h["library"].code, "library_name": h["library"].name,
            "total": h["total"], "available": h["available"],
            "copies": [
                {"call_number": item.call_number, "location": item.location.name if item.location else None,
                 "status": item.status, "status_label": str(item.get_status_display()),
                 "available": item.is_available}
                for item in h["items"]
            ],
        })
    return Status(200, {
        "id": found.pk, "title": found.title, "authors": list(found.authors), "year": found.year,
        "publisher": found.publisher, "place": found.place, "language": found.language,
        "material_type": found.material_type, "subjects": list(found.subjects), "isbns": list(found.isbns),
        "ddc": found.ddc, "physical_description": physical_description_of(found.marc),
        "notes": notes_of(found.marc), "url": reverse("opac:record", args=[found.pk]),
        "holdings": holdings,
        "digital_objects": [
            {k: v for k, v in obj.items() if k in DigitalObjectOut.model_fields}
            for obj in visible_objects(found, request)
        ],
    })

"""The public catalogue's pages. Thin: every read goes through ``opac.selectors``."""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from thuvien.catalog.marc import notes_of, physical_description_of
from thuvien.catalog.models import BibRecord, ItemStatus, Visibility
from thuvien.digital.fulltext import attach_text_hits
from thuvien.opac import selectors

MAX_ID = 2**63 - 1  # larger numbers cannot be a database key
NEW_ON_HOME = 8
NEW_ON_PAGE = 30


def _library_choices():
    from thuvien.network.models import Library, LibraryType

    return list(Library.objects.filter(is_active=True).exclude(library_type=LibraryType.NETWORK))


def home(request):
    library = selectors.public_library(request.GET.get("library") or "")
    if library is not None and library.is_network:
        library = None
    return render(request, "opac/home.html", {
        "library": library,
        "libraries": _library_choices(),
        "new": selectors.new_acquisitions(library, NEW_ON_HOME),
    })


def search(request, code=None):
    library = None
    if code is not None:
        library = selectors.public_library(code)
        if library is None:
            raise Http404
    query = selectors.Query.from_params(request.GET, library=library.code if library else "")
    result, hits = selectors.run(query)
    attach_text_hits(hits, query.q, request)  # pages of digitised documents holding the words
    names = selectors.library_names()
    chosen = selectors.selected_filters(query, names)
    if library is not None:
        # On a library's own catalogue, dropping the library means the whole network's search.
        for choice in chosen:
            if choice["label"] == selectors.FACET_LABELS["library"]:
                choice["remove"] = reverse("opac:search") + choice["remove"]
    return render(request, "opac/results.html", {
        "query": query,
        "result": result,
        "hits": hits,
        "facets": selectors.facet_groups(result, query, names),
        "chosen": chosen,
        "sorts": selectors.SORTS.items(),
        "pages": _pages(query, result),
        "libraries": _library_choices(),
        "scoped_library": library,
        "site_q": query.q,
        "first": (result.page - 1) * result.page_size + 1,
        "last": (result.page - 1) * result.page_size + len(hits),
    })


def _pages(query, result):
    """Links for a short pager: first, previous, a window around this page, next."""
    current, last = result.page, min(result.pages, selectors.MAX_OFFSET // result.page_size + 1)
    window = [p for p in range(current - 2, current + 3) if 1 <= p <= last]
    links = []
    for number in sorted({1, *window, last} if last > 1 else set()):
        links.append({"number": number, "href": "?" + urlencode(query.params(page=number)),
                      "current": number == current})
    return {
        "links": links,
        "previous": "?" + urlencode(query.params(page=current - 1)) if current > 1 else None,
        "next": "?" + urlencode(query.params(page=current + 1)) if current < last else None,
    }


def record(request, pk):
    found = BibRecord.objects.filter(pk=pk).first() if pk <= MAX_ID else None
    if found is None or found.visibility != Visibility.PUBLIC:
        raise Http404
    if found.is_deleted:
        from thuvien.cataloguing.merging import current_record

        live = current_record(found)
        if live.pk != found.pk and not live.is_deleted and live.visibility == Visibility.PUBLIC:
            return redirect("opac:record", pk=live.pk, permanent=True)
        raise Http404
    holdings = selectors.copies_by_library(found)
    return render(request, "opac/record.html", {
        "record": found,
        "holdings": holdings,
        "total_copies": sum(h["total"] for h in holdings),
        "available_copies": sum(h["available"] for h in holdings),
        "marc_fields": _marc_rows(found.marc),
        "leader": found.marc.get("leader", ""),
        "notes": notes_of(found.marc),
        "physical": physical_description_of(found.marc),
        "language_label": selectors.facet_label("language", found.language),
        "AVAILABLE": ItemStatus.AVAILABLE,
    })


def _marc_rows(data):
    rows = []
    for entry in data.get("fields", []):
        for tag, value in entry.items():
            if isinstance(value, str):
                rows.append({"tag": tag, "control": value})
            else:
                rows.append({
                    "tag": tag, "ind1": value.get("ind1", " "), "ind2": value.get("ind2", " "),
                    "subfields": [(code, text) for sf in value.get("subfields", []) for code, text in sf.items()],
                })
    return rows


def libraries(request):
    return render(request, "opac/libraries.html", {"trees": selectors.directory()})


def library(request, code):
    found = selectors.public_library(code)
    if found is None:
        raise Http404
    return render(request, "opac/library.html", {
        "library": found,
        "children": list(found.children.filter(is_active=True)),
        "locations": list(found.locations.all()),
        "new": selectors.new_acquisitions(None if found.is_network else found, NEW_ON_HOME),
    })


def new_acquisitions(request):
    code = (request.GET.get("library") or "").strip()
    library = selectors.public_library(code)
    if code and library is None:
        raise Http404(_("No such library."))
    if library is not None and library.is_network:
        library = None
    return render(request, "opac/new.html", {
        "library": library,
        "libraries": _library_choices(),
        "new": selectors.new_acquisitions(library, NEW_ON_PAGE),
    })

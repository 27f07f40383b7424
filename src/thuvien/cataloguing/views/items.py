"""Copies of a record in the cataloguer's own library, and their labels."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from thuvien.accounts import permissions
from thuvien.catalog import services
from thuvien.catalog.models import BibRecord, Item, ItemStatus, ItemType
from thuvien.cataloguing import access, copies, labels
from thuvien.network.models import Location

MAX_LABELS = 2000
# Statuses the loan desk sets; the cataloguer's form neither sets nor clears them.
CIRCULATION_STATUSES = {ItemStatus.ON_LOAN, ItemStatus.ON_HOLD_SHELF, ItemStatus.IN_TRANSIT}
SHELF_STATUSES = [(v, label) for v, label in ItemStatus.choices if v not in CIRCULATION_STATUSES]


def _values(request, libraries, item=None):
    """Item values from the form, and errors."""
    post, errors = request.POST, []
    library = libraries.filter(pk=copies.as_id(post.get("library")) or 0).first()
    if library is None:
        errors.append(_("Choose one of your libraries."))
    location = None
    if post.get("location"):
        location = Location.objects.filter(pk=copies.as_id(post["location"]) or 0, library=library).first()
        if location is None:
            errors.append(_("The location belongs to another library."))
    price, error = copies.parse_price(post.get("price"))
    if error:
        errors.append(error)
    barcode = post.get("barcode", "").strip()
    if item is None or barcode != item.barcode:  # an old barcode from an earlier system may stay as it is
        error = copies.barcode_error(barcode)
        if error:
            errors.append(error)
    values = {
        "barcode": barcode, "location": location,
        "call_number": post.get("call_number", "").strip()[:100],
        "item_type": post.get("item_type") if post.get("item_type") in ItemType.values else ItemType.BOOK,
        "status": post.get("status") if post.get("status") in dict(SHELF_STATUSES) else ItemStatus.AVAILABLE,
        "price": price, "notes": post.get("notes", "").strip()[:2000],
    }
    if item is not None and item.status in CIRCULATION_STATUSES:
        values["status"] = item.status  # on loan, on the hold shelf or travelling: the desk's business
    return library, values, errors


def _form(request, record, item, values, errors, libraries):
    locations = Location.objects.filter(library__in=libraries).select_related("library")
    return render(request, "catalog/item_form.html", {
        "record": record, "item": item, "values": values, "errors": errors, "libraries": libraries,
        "locations": locations, "item_types": ItemType.choices, "statuses": SHELF_STATUSES,
        "circulating": item is not None and item.status in CIRCULATION_STATUSES,
    })


def _save(request, record, item, values, libraries, write, refused, done):
    """Handle the item form: ``write(library, values)`` calls the catalogue service."""
    errors = []
    if request.method == "POST":
        library, values, errors = _values(request, libraries, item)
        if not errors:
            try:
                write(library, values)
            except ValidationError as exc:
                errors += exc.messages
            except PermissionDenied:
                errors.append(refused)
            else:
                messages.success(request, done % {"barcode": values["barcode"]})
                return redirect("catalog:record", pk=record.pk)
        values["library"] = library
    return _form(request, record, item, values, errors, libraries)


@access.cataloguer_required
def item_add(request, pk):
    record = get_object_or_404(BibRecord, pk=pk, is_deleted=False)
    libraries = access.item_libraries(request.user)
    return _save(
        request, record, None, {"call_number": record.ddc, "library": libraries.first()}, libraries,
        lambda library, values: services.add_item(request.user, record, library, **values),
        _("You may not add items to this library."), _("Copy %(barcode)s was added."),
    )


@access.cataloguer_required
def item_edit(request, pk):
    item = get_object_or_404(Item.objects.select_related("record", "library"), pk=pk)
    if not permissions.can(request.user, permissions.CATALOGUE, item.library_id):
        raise PermissionDenied
    values = {"barcode": item.barcode, "location": item.location, "call_number": item.call_number,
              "item_type": item.item_type, "status": item.status, "price": item.price, "notes": item.notes,
              "library": item.library}
    return _save(
        request, item.record, item, values, access.item_libraries(request.user),
        lambda library, values: services.update_item(request.user, item, library=library, **values),
        _("You may not move copies to that library."), _("Copy %(barcode)s was saved."),
    )


def _moment(text):
    try:
        moment = parse_datetime(text or "")
    except ValueError:  # well formed but not a real moment
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)  # a time without an offset is the library's local time
    return moment


@access.cataloguer_required
def label_sheet(request):
    """PDF labels for copies of the user's libraries.

    ?kind=barcode|spine and one of: record=ID, items=1,2,3, or library=ID&since=ISO-DATETIME;
    &start=N begins on the N-th label of a sheet already partly used.
    """
    get = request.GET
    kind = get.get("kind", "barcode")
    if kind not in labels.SHEETS:
        kind = "barcode"
    items = Item.objects.select_related("record", "library").order_by("barcode")
    ids = permissions.library_ids_for(request.user, permissions.CATALOGUE)
    if ids is not None:
        items = items.filter(library_id__in=ids)
    since = _moment(get.get("since"))
    if copies.as_id(get.get("record")):
        items = items.filter(record_id=copies.as_id(get["record"]))
    elif copies.as_id(get.get("library")) and since:
        # The copies a library added since a moment (e.g. by a spreadsheet import).
        items = items.filter(library_id=copies.as_id(get["library"]), acquired_at__gte=since)
    elif get.get("items"):
        wanted = [copies.as_id(i) for i in get["items"].split(",")[:MAX_LABELS]]
        items = items.filter(pk__in=[i for i in wanted if i])
    else:
        items = items.none()
    items = list(items[:MAX_LABELS])
    if not items:
        messages.error(request, _("There are no copies of your library to print labels for."))
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = "catalog:home"
        return redirect(back)
    start = min(copies.as_id(get.get("start")) or 1, labels.per_sheet(kind))
    response = HttpResponse(labels.render(items, kind, start=start), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="labels-{kind}.pdf"'
    return response

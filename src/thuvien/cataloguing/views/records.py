"""Record pages: view, simple form, MARC editor, withdraw."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from thuvien.catalog import services
from thuvien.catalog.identifiers import normalize_isbn
from thuvien.catalog.models import BibRecord, RecordIdentifier
from thuvien.cataloguing import access, marceditor, merging
from thuvien.cataloguing.description import (
    Description,
    apply_description,
    describe,
    parse_year,
    split_list,
    validate,
)
from thuvien.cataloguing.merging import current_record
from thuvien.search.service import SearchRequest, search


@access.cataloguer_required
def home(request):
    q = request.GET.get("q", "").strip()
    records, total = [], 0
    if q:
        result = search(SearchRequest(q=q, page_size=30, facets=(), include_restricted=True))
        by_id = BibRecord.objects.in_bulk(result.ids)
        records, total = [by_id[i] for i in result.ids if i in by_id], result.total
    return render(request, "catalog/home.html", {"q": q, "records": records, "total": total})


def _record_or_redirect(pk):
    record = get_object_or_404(BibRecord, pk=pk)
    live = current_record(record)
    return record, (redirect("catalog:record", pk=live.pk) if live.pk != record.pk else None)


@access.cataloguer_required
def record(request, pk):
    record, moved = _record_or_redirect(pk)
    if moved:
        messages.info(request, _("That record was merged into this one."))
        return moved
    items = record.items.select_related("library", "location").order_by("library__name_sort", "barcode")
    mine = {lib.pk for lib in access.item_libraries(request.user)}
    return render(request, "catalog/record.html", {
        "record": record, "items": items, "mine": mine, "desc": describe(record.marc),
        "can_withdraw": access.can_withdraw(request.user), "can_merge": merging.can_merge(request.user),
    })


def description_from_post(post):
    """(Description, errors) from the simple form."""
    errors = []
    try:
        year = parse_year(post.get("year", ""))
    except ValueError:
        year = None
        errors.append(_("The year “%(year)s” is not a year.") % {"year": post.get("year", "")})
    desc = Description(
        title=post.get("title", "").strip(), authors=split_list(post.get("authors", "")),
        publisher=post.get("publisher", "").strip(), place=post.get("place", "").strip(), year=year,
        isbns=split_list(post.get("isbns", "").replace(",", ";")), ddc=post.get("ddc", "").strip(),
        subjects=split_list(post.get("subjects", "")), language=post.get("language", "").strip().lower(),
        physical=post.get("physical", "").strip(),
    )
    return desc, errors + validate(desc)


def _version(record):
    return record.updated_at.isoformat() if record else ""


def _stale(request, record):
    """True when someone saved ``record`` after this form was opened (both editors change one record)."""
    posted = request.POST.get("version")
    return bool(record and posted and posted != _version(record))


STALE = gettext_lazy("Someone else saved this record after you opened it. Open it again to see their "
                     "change, then make yours.")


def isbn_owners(desc, record=None):
    """Live records other than ``record`` that already have one of the ISBNs ``desc`` adds to it."""
    wanted = {normalize_isbn(i) for i in desc.isbns} - {None} - set(record.isbns if record else ())
    found = RecordIdentifier.objects.filter(kind="isbn", value__in=wanted, record__is_deleted=False)
    if record:
        found = found.exclude(record=record)
    return BibRecord.objects.filter(pk__in=found.values("record_id")).order_by("pk")


@access.cataloguer_required
def record_form(request, pk=None):
    """The simple form: edits a record (pk) or creates one."""
    record = get_object_or_404(BibRecord, pk=pk, is_deleted=False) if pk else None
    errors, twins = [], []
    if request.method == "POST":
        desc, errors = description_from_post(request.POST)
        if _stale(request, record):
            errors.insert(0, str(STALE))
        if not errors and not request.POST.get("duplicate_ok"):
            twins = list(isbn_owners(desc, record))
            if twins:
                errors.append(_("This ISBN is already in the union catalogue: add your copies to that record "
                                "instead, or tick “It is another edition: save anyway”."))
        data = apply_description(record.marc if record else None, desc) if not errors else None
        if data is not None:
            errors += marceditor.structure_errors(data)
        if not errors:
            if record:
                services.update_record(record, data)
                messages.success(request, _("The record was saved."))
            else:
                record = services.create_record(data, source="staff")
                messages.success(request, _("The record was created. Add your library's copies below."))
            return redirect("catalog:record", pk=record.pk)
    else:
        desc = describe(record.marc) if record else Description()
    return render(request, "catalog/record_form.html", {
        "record": record, "desc": desc, "errors": errors, "twins": twins,
        "version": request.POST.get("version") or _version(record),
    })


@access.cataloguer_required
def marc_editor(request, pk):
    record = get_object_or_404(BibRecord, pk=pk, is_deleted=False)
    errors = []
    if request.method == "POST":
        leader = request.POST.get("leader", "")
        rows = [marceditor.Row(tag=t, ind1=i1, ind2=i2, value=v) for t, i1, i2, v in zip(
            request.POST.getlist("tag"), request.POST.getlist("ind1"),
            request.POST.getlist("ind2"), request.POST.getlist("value"))]
        data, errors = marceditor.from_rows(leader, rows)
        if _stale(request, record):
            errors.insert(0, str(STALE))
        if not errors:
            services.update_record(record, data)
            messages.success(request, _("The record was saved."))
            return redirect("catalog:record", pk=record.pk)
    else:
        leader, rows = record.marc.get("leader", ""), marceditor.to_rows(record.marc)
    return render(request, "catalog/marc_editor.html", {
        "record": record, "leader": leader, "rows": rows, "errors": errors,
        "version": request.POST.get("version") or _version(record),
    })


@require_POST
@access.cataloguer_required
def withdraw(request, pk):
    record = get_object_or_404(BibRecord, pk=pk, is_deleted=False)
    if not access.can_withdraw(request.user):
        raise PermissionDenied
    reason = access.withdraw_refusal(request.user, record)
    if reason:
        messages.error(request, reason)
        return redirect("catalog:record", pk=record.pk)
    services.withdraw_record(record)
    messages.success(request, _("The record was withdrawn."))
    return redirect("catalog:home")

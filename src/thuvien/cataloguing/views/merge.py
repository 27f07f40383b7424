from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from thuvien.catalog.models import BibRecord
from thuvien.cataloguing import access, copies, merging
from thuvien.search.service import SearchRequest, search


@access.cataloguer_required
def merge(request, pk):
    """Merge this record with another; staff choose which one is kept."""
    record = get_object_or_404(BibRecord, pk=pk, is_deleted=False)
    other_id = (request.POST.get("other") or request.GET.get("other") or "").strip()
    other = BibRecord.objects.filter(pk=copies.as_id(other_id) or 0).first()
    errors, status = [], 200
    if other_id and (other is None or other.is_deleted):
        errors.append(_("There is no live record number %(id)s.") % {"id": other_id[:20]})
        other = None
    elif other is not None and other.pk == record.pk:
        errors.append(_("A record cannot be merged with itself."))
        other = None
    if request.method == "POST" and other is not None:
        keep_id = request.POST.get("keep")
        if keep_id not in (str(record.pk), str(other.pk)):
            errors.append(_("Choose the record to keep."))
        else:
            keep, drop = (record, other) if keep_id == str(record.pk) else (other, record)
            try:
                merging.merge(request.user, keep, drop)
            except ValidationError as exc:
                errors += exc.messages
            except PermissionDenied as exc:
                errors.append(str(exc) or _("You may not merge records."))
                status = 403
            else:
                messages.success(request, _("The records were merged; record %(id)s was withdrawn.") % {"id": drop.pk})
                return redirect("catalog:record", pk=keep.pk)
    elif request.method == "POST" and not errors:
        errors.append(_("Give the number of the other record."))
    q = request.GET.get("q", "").strip()[:200]
    candidates = []
    if q:
        result = search(SearchRequest(q=q, page_size=20, facets=(), include_restricted=True))
        found = BibRecord.objects.in_bulk(result.ids)
        candidates = [found[i] for i in result.ids if i in found and i != record.pk]
    return render(request, "catalog/merge.html", {
        "record": record, "other": other, "errors": errors, "q": q, "candidates": candidates,
    }, status=status if status != 200 else (400 if errors and request.method == "POST" else 200))

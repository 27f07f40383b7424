from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from thuvien.catalog.models import BibRecord
from thuvien.cataloguing import access, merging


@access.cataloguer_required
def merge(request, pk):
    """Merge this record with another; staff choose which one is kept."""
    if not merging.can_merge(request.user):
        raise PermissionDenied
    record = get_object_or_404(BibRecord, pk=pk, is_deleted=False)
    other_id = request.POST.get("other") or request.GET.get("other") or ""
    other = BibRecord.objects.filter(pk=other_id, is_deleted=False).first() if other_id.isdigit() else None
    errors = []
    if other_id and other is None:
        errors.append(_("There is no live record number %(id)s.") % {"id": other_id})
    if request.method == "POST" and other is not None and not errors:
        keep, drop = (record, other) if request.POST.get("keep") == str(record.pk) else (other, record)
        if request.POST.get("keep") not in (str(record.pk), str(other.pk)):
            errors.append(_("Choose the record to keep."))
        else:
            try:
                merging.merge(request.user, keep, drop)
            except ValidationError as exc:
                errors += exc.messages
            else:
                messages.success(request, _("The records were merged; record %(id)s was withdrawn.") % {"id": drop.pk})
                return redirect("catalog:record", pk=keep.pk)
    return render(request, "catalog/merge.html", {"record": record, "other": other, "errors": errors})

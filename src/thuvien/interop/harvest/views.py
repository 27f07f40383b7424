"""Staff page of the harvester (network administrators): register sources, start runs, read logs."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from thuvien.accounts.permissions import is_network_admin
from thuvien.interop.harvest import service
from thuvien.interop.harvest.models import HarvestSource, MetadataPrefix


def network_admin_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_network_admin(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _whole_number(text, highest):
    try:
        value = int(text)
    except (TypeError, ValueError):
        return None
    return value if 0 <= value <= highest else None


def _source_form(post):
    """(values, errors) of the source form: URL, format, set and the two schedules."""
    values = {k: post.get(k, "").strip() for k in ("base_url", "metadata_prefix", "set_spec")}
    errors = []
    values["interval_hours"] = _whole_number(post.get("interval_hours") or "24", 24 * 365)
    if values["interval_hours"] is None:
        errors.append(_("The interval must be a whole number of hours (0 = only by hand)."))
    values["reconcile_days"] = _whole_number(post.get("reconcile_days") or "0", 3650)
    if values["reconcile_days"] is None:
        errors.append(_("The reconciliation interval must be a whole number of days (0 = only by hand)."))
    if values["metadata_prefix"] not in MetadataPrefix.values:
        errors.append(_("Choose a metadata format."))
    return values, errors


def _validation_errors(error):
    labels = {"name": _("Name"), "base_url": _("Base URL"), "set_spec": _("Set")}
    return [f"{labels.get(field, field)}: {p}" for field, problems in error.message_dict.items() for p in problems]


@network_admin_required
def sources(request):
    errors, form = [], {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in ("name", "base_url", "metadata_prefix", "set_spec",
                                                             "interval_hours", "reconcile_days")}
        values, errors = _source_form(request.POST)
        if not errors:
            try:
                source = service.add_source(request.POST.get("name", ""), **values)
            except ValidationError as error:
                errors = _validation_errors(error)
            else:
                messages.success(request, _("The source %(name)s was added. Check the repository to see its "
                                            "formats and sets.") % {"name": source.name})
                return redirect("harvest:source", pk=source.pk)
    rows = [{"source": s, "count": service.harvested_count(s)} for s in HarvestSource.objects.all()]
    return render(request, "interop/harvest_sources.html", {
        "rows": rows, "errors": errors, "form": form, "prefixes": MetadataPrefix.choices,
    })


@network_admin_required
def source_detail(request, pk):
    source = get_object_or_404(HarvestSource, pk=pk)
    errors = []
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("run", "reconcile"):
            from thuvien.interop.tasks import harvest_source_task, reconcile_source_task

            (reconcile_source_task if action == "reconcile" else harvest_source_task).enqueue(source.pk)
            messages.success(request, _("A run of %(name)s was queued; the background worker runs it.")
                             % {"name": source.name})
        elif action in ("enable", "disable"):
            source.enabled = action == "enable"
            source.save(update_fields=["enabled"])
            messages.success(request, _("Saved."))
        elif action == "check":
            report = service.check_source(source)
            if report["problems"]:
                messages.error(request, _("The repository answered, with problems: %(problems)s")
                               % {"problems": " ".join(report["problems"])})
            else:
                messages.success(request, _("The repository answered; the source's format and set are there."))
        elif action == "edit":
            values, errors = _source_form(request.POST)
            if not errors:
                try:
                    changed = service.update_source(source, **values)
                except ValidationError as error:
                    errors = _validation_errors(error)
                else:
                    if changed.high_water_mark is None and source.high_water_mark is not None:
                        messages.warning(request, _("Saved. The URL, format or set changed: the next run "
                                                    "harvests the whole list again."))
                    else:
                        messages.success(request, _("Saved."))
        if not errors:
            return redirect("harvest:source", pk=source.pk)
    return render(request, "interop/harvest_source.html", {
        "source": source, "runs": source.runs.all()[:20], "count": service.harvested_count(source),
        "report": source.check_report or {}, "errors": errors, "prefixes": MetadataPrefix.choices,
    })

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


def _interval(text):
    try:
        value = int(text)
    except (TypeError, ValueError):
        return None
    return value if 0 <= value <= 24 * 365 else None


@network_admin_required
def sources(request):
    errors, form = [], {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in ("name", "base_url", "metadata_prefix", "set_spec",
                                                             "interval_hours")}
        interval = _interval(form["interval_hours"] or "24")
        if interval is None:
            errors.append(_("The interval must be a whole number of hours (0 = only by hand)."))
        if form["metadata_prefix"] not in MetadataPrefix.values:
            errors.append(_("Choose a metadata format."))
        if not errors:
            try:
                source = service.add_source(form["name"], form["base_url"], form["metadata_prefix"],
                                            form["set_spec"], interval)
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    label = {"name": _("Name"), "base_url": _("Base URL"), "set_spec": _("Set")}.get(field, field)
                    errors.extend(f"{label}: {p}" for p in problems)
            else:
                messages.success(request, _("The source %(name)s was added.") % {"name": source.name})
                return redirect("harvest:sources")
    rows = [{"source": s, "count": service.harvested_count(s)} for s in HarvestSource.objects.all()]
    return render(request, "interop/harvest_sources.html", {
        "rows": rows, "errors": errors, "form": form, "prefixes": MetadataPrefix.choices,
    })


@network_admin_required
def source_detail(request, pk):
    source = get_object_or_404(HarvestSource, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "run":
            from thuvien.interop.tasks import harvest_source_task

            harvest_source_task.enqueue(source.pk)
            messages.success(request, _("A harvest of %(name)s was queued; the background worker runs it.")
                             % {"name": source.name})
        elif action in ("enable", "disable"):
            source.enabled = action == "enable"
            source.save(update_fields=["enabled"])
            messages.success(request, _("Saved."))
        elif action == "schedule":
            interval = _interval(request.POST.get("interval_hours"))
            if interval is None:
                messages.error(request, _("The interval must be a whole number of hours (0 = only by hand)."))
            else:
                source.interval_hours = interval
                source.save(update_fields=["interval_hours"])
                messages.success(request, _("Saved."))
        return redirect("harvest:source", pk=source.pk)
    return render(request, "interop/harvest_source.html", {
        "source": source, "runs": source.runs.all()[:20], "count": service.harvested_count(source),
    })

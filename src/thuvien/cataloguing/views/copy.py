"""Copy cataloguing: look in the union catalogue and external SRU servers before typing."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thuvien.catalog import marc, services
from thuvien.catalog.models import BibRecord
from thuvien.cataloguing import access, marceditor, sru
from thuvien.cataloguing.models import SruServer
from thuvien.search.service import SearchRequest, search


@access.cataloguer_required
def copy_search(request):
    q = request.GET.get("q", "").strip()
    local, external = [], []
    if q:
        result = search(SearchRequest(q=q, page_size=20, facets=(), include_restricted=True))
        by_id = BibRecord.objects.in_bulk(result.ids)
        local = [by_id[i] for i in result.ids if i in by_id]
        for server in SruServer.objects.filter(is_active=True):
            entry = {"server": server, "records": [], "error": ""}
            try:
                found = sru.search(server.url, q)
                entry["total"] = found.total
                for data in found.records:
                    derived = marc.derive(data)
                    match = services.find_by_identifiers(marc.identifiers_of(data))
                    entry["records"].append({"derived": derived, "match": match,
                                             "json": json.dumps(data, ensure_ascii=False)})
            except sru.SruError as exc:
                entry["error"] = str(exc)
            external.append(entry)
    return render(request, "catalog/copy.html", {"q": q, "local": local, "external": external})


@require_POST
@access.cataloguer_required
def copy_import(request):
    """Import a record found on an SRU server as a new record (or open the match)."""
    try:
        data = json.loads(request.POST.get("marc", ""))
        leader = data["leader"]
        rows = [marceditor.Row(tag=r.tag, ind1=r.ind1, ind2=r.ind2, value=r.value)
                for r in marceditor.to_rows(data)]
    except (ValueError, KeyError, TypeError, AttributeError):
        messages.error(request, _("The record could not be read."))
        return redirect("catalog:copy")
    # The MARC editor's checks, except a foreign leader or 008: not ours to fix first.
    data, errors = marceditor.from_rows(leader.ljust(24)[:24], rows, strict=False)
    if errors:
        for error in errors:
            messages.error(request, error)
        return redirect("catalog:copy")
    existing = services.find_by_identifiers(marc.identifiers_of(data))
    if existing:
        messages.info(request, _("This edition is already in the union catalogue: add your copies to it."))
        return redirect("catalog:record", pk=existing.pk)
    record = services.create_record(data, source=request.POST.get("source", "sru")[:100])
    messages.success(request, _("The record was imported. Add your library's copies below."))
    return redirect("catalog:record", pk=record.pk)


@access.cataloguer_required
def sru_servers(request):
    """The external SRU servers searched by copy cataloguing (library administrators change them)."""
    can_change = access.can_withdraw(request.user)
    errors = []
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if request.POST.get("delete"):
            get_object_or_404(SruServer, pk=request.POST["delete"]).delete()
            return redirect("catalog:sru_servers")
        name, url = request.POST.get("name", "").strip(), request.POST.get("url", "").strip()
        if not name or not url.startswith(("http://", "https://")):
            errors.append(_("Give a name and an address starting with http:// or https://."))
        else:
            SruServer.objects.create(name=name[:100], url=url[:500])
            messages.success(request, _("The server was added."))
            return redirect("catalog:sru_servers")
    return render(request, "catalog/sru_servers.html",
                  {"servers": SruServer.objects.all(), "can_change": can_change, "errors": errors})

"""Copy cataloguing: look in the union catalogue and external SRU servers before typing."""

import json
from concurrent.futures import ThreadPoolExecutor

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thuvien.catalog import marc, services
from thuvien.catalog.models import BibRecord
from thuvien.cataloguing import access, copies, marceditor, sru
from thuvien.cataloguing.models import SruServer
from thuvien.search.service import SearchRequest, search


def _ask(server, q):
    try:
        return sru.search(server.url, q), ""
    except sru.SruError as exc:
        return None, str(exc)


@access.cataloguer_required
def copy_search(request):
    q = request.GET.get("q", "").strip()[:500]
    local, external = [], []
    if q:
        result = search(SearchRequest(q=q, page_size=20, facets=(), include_restricted=True))
        by_id = BibRecord.objects.in_bulk(result.ids)
        local = [by_id[i] for i in result.ids if i in by_id]
        servers = list(SruServer.objects.filter(is_active=True))
        # Asked side by side: one slow server costs its own time-out, not everyone's.
        with ThreadPoolExecutor(max_workers=max(1, min(len(servers), 8))) as pool:
            answers = list(pool.map(lambda server: _ask(server, q), servers))
        for server, (found, error) in zip(servers, answers):
            entry = {"server": server, "records": [], "error": error, "total": found.total if found else 0}
            for data in (found.records if found else []):
                match = services.find_by_identifiers(marc.identifiers_of(data))
                entry["records"].append({"derived": marc.derive(data), "match": match,
                                         "json": json.dumps(data, ensure_ascii=False)})
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
        if "delete" in request.POST:
            SruServer.objects.filter(pk=copies.as_id(request.POST["delete"]) or 0).delete()
            return redirect("catalog:sru_servers")
        name, url = request.POST.get("name", "").strip(), request.POST.get("url", "").strip()
        try:
            URLValidator(schemes=("http", "https"))(url)
        except ValidationError:
            url = ""
        if not name or not url or len(url) > 500:
            errors.append(_("Give a name and an address starting with http:// or https://."))
        else:
            SruServer.objects.create(name=name[:100], url=url)
            messages.success(request, _("The server was added."))
            return redirect("catalog:sru_servers")
    return render(request, "catalog/sru_servers.html",
                  {"servers": SruServer.objects.all(), "can_change": can_change, "errors": errors})

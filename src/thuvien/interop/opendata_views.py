"""/opendata: the list of open dumps of the union catalogue, and their downloads."""

from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from thuvien.interop import opendata


def index(request):
    current = opendata.manifest()
    datasets = []
    if current:
        by_slug = {}
        for entry in current["files"]:
            entry = {**entry, "generated": parse_datetime(entry["generated_at"])}
            by_slug.setdefault(entry["dataset"], {"slug": entry["dataset"], "label": entry["label"],
                                                  "library": entry["library"], "records": entry["records"],
                                                  "files": []})["files"].append(entry)
        datasets = list(by_slug.values())
    return render(request, "interop/opendata.html", {
        "datasets": datasets, "licence": (current or {}).get("licence") or opendata.licence(),
        "generated": parse_datetime(current["generated_at"]) if current else None,
    })


def download(request, name):
    path = opendata.published_file(name)
    if path is None:
        raise Http404
    response = FileResponse(path.open("rb"), as_attachment=True, filename=name,
                            content_type="application/gzip")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def listing(request):
    """The manifest for programs: every dump with its dataset, format, size, date and licence."""
    current = opendata.manifest()
    if current is None:
        return JsonResponse({"generated_at": None, "licence": opendata.licence(), "files": []},
                            json_dumps_params={"ensure_ascii": False})
    files = [{**entry, "url": request.build_absolute_uri(reverse("interop:opendata_file", args=[entry["file"]]))}
             for entry in current["files"]]
    return JsonResponse({**current, "files": files}, json_dumps_params={"ensure_ascii": False})

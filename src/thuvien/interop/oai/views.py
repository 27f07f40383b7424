"""The HTTP door of OAI-PMH: GET or form POST arguments in, OAI-PMH XML out."""

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from thuvien.interop.oai.provider import respond


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def oai(request):
    source = request.POST if request.method == "POST" else request.GET
    query = {name: source.getlist(name) for name in source}
    base_url = getattr(settings, "OAI_BASE_URL", "") or request.build_absolute_uri(request.path)
    site_url = base_url.rsplit("/", 1)[0]  # record and digital object pages are linked from there
    body = respond(query, base_url, site_url)
    return HttpResponse(body, content_type="text/xml; charset=utf-8")

"""The HTTP door of SRU: GET (and form POST) parameters in, SRU XML out."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from thuvien.interop.sru.protocol import respond


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def sru(request):
    source = request.POST if request.method == "POST" else request.GET
    params = {key: source.get(key) for key in source}
    host, _, port = request.get_host().partition(":")
    body = respond(params, host=host, port=int(port) if port.isdigit() else (443 if request.is_secure() else 80))
    return HttpResponse(body, content_type="text/xml; charset=utf-8")

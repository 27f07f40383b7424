from django.http import JsonResponse
from django.utils.translation import gettext as _

from thuvien.cataloguing import access, headings


@access.cataloguer_required
def suggest(request):
    kind = request.GET.get("kind", "")
    if kind not in headings.KINDS:
        return JsonResponse({"error": _("kind must be author or subject")}, status=400)
    return JsonResponse({"kind": kind, "results": headings.suggest(kind, request.GET.get("q", "")[:100])})

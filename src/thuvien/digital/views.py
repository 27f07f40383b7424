"""Public doors of the digital library: IIIF images, manifests, search inside, viewer,
downloads and recognised text. Every one asks ``access`` first."""

import json

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from thuvien.accounts import permissions
from thuvien.digital import access, iiif, iiif_image, imaging, serving
from thuvien.digital.models import DigitalFile, DigitalObject, media_path

JSON_LD = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'


def _base(request):
    return f"{request.scheme}://{request.get_host()}"


def _json(request, document, level, profile=None, shared=False):
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    if "application/ld+json" in request.headers.get("Accept", "") and profile:
        response["Content-Type"] = profile
    return serving.cache_headers(response, level, shared=shared)


@require_GET
def image_service(request, file_id):
    return HttpResponseRedirect(f"/iiif/3/{file_id}/info.json", status=303)


@require_GET
def info_json(request, file_id):
    facts = serving.allowed_facts(request, file_id)
    if isinstance(facts, HttpResponse):
        return facts
    try:
        info = json.loads((facts.iiif_dir / "info.json").read_text())
    except OSError:
        raise Http404 from None
    info = {"@context": iiif.IMAGE_CONTEXT, "id": iiif.image_service_url(_base(request), file_id), **info,
            "maxArea": iiif_image.max_area((size["width"], size["height"]) for size in info.get("sizes", ())),
            "extraFeatures": iiif_image.EXTRA_FEATURES, "extraQualities": iiif_image.EXTRA_QUALITIES,
            "extraFormats": iiif_image.EXTRA_FORMATS}
    return _json(request, info, facts.level, 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"',
                 shared=True)


@require_GET
def image(request, file_id, region, size, rotation, name):
    facts = serving.allowed_facts(request, int(file_id))
    if isinstance(facts, HttpResponse):
        return facts
    path = serving.tile_path(facts, region, size, rotation, name)
    if path is not None:
        return serving.send_file(path, "image/jpeg", facts.level)
    return _rendered(facts, region, size, rotation, name)


def _rendered(facts, region, size, rotation, name):
    """A request no static file answers: rendered, or the IIIF error status with a reason."""
    sizes = iiif_image.made_sizes(facts.iiif_dir)
    if not sizes:
        raise Http404  # the page's files are gone
    try:
        wanted = iiif_image.parse(region, size, rotation, name, facts.width, facts.height,
                                  iiif_image.max_area((w, h) for w, h, _path in sizes))
        page = DigitalFile.objects.only("path", "mime_type", "pdf_page").get(pk=facts.file_id)
        data = iiif_image.render(wanted, facts.width, facts.height, sizes,
                                 imaging.PageSource(media_path(page.path), page.mime_type, page.pdf_page))
    except iiif_image.IIIFError as error:
        return HttpResponse(str(error), status=error.status, content_type="text/plain; charset=utf-8")
    except (imaging.Refused, DigitalFile.DoesNotExist):
        raise Http404 from None
    return serving.cache_headers(HttpResponse(data, content_type=wanted.content_type), facts.level)


def _object_for(request, object_id):
    """The object and the pages the visitor may see; a 403 response or Http404 otherwise."""
    obj = DigitalObject.objects.select_related("record", "library", "collection").filter(pk=object_id).first()
    if obj is None or obj.record.is_deleted:
        raise Http404
    if not access.can_view(request, obj):
        return serving.deny(access.level_of(obj)), []
    pages = [p for p in obj.files.all() if _set_object(p, obj) and access.can_view(request, p)]
    return obj, pages


def _set_object(page, obj):
    page.object = obj  # saves a query per page
    return True


@require_GET
def manifest(request, object_id):
    obj, pages = _object_for(request, object_id)
    if isinstance(obj, HttpResponse):
        return obj
    return _json(request, iiif.manifest(_base(request), obj, pages), obj.access, JSON_LD)


@require_GET
def search_inside(request, object_id):
    obj, pages = _object_for(request, object_id)
    if isinstance(obj, HttpResponse):
        return obj
    query = request.GET.get("q", "").strip()[:200]
    return _json(request, iiif.search_answer(_base(request), obj, pages, query), obj.access)


def _page_for(request, file_id):
    page = DigitalFile.objects.select_related("object__record", "object__library").filter(pk=file_id).first()
    if page is None or page.object.record.is_deleted:
        raise Http404
    if not access.can_view(request, page):
        return serving.deny(access.level_of(page))
    return page


@require_GET
def download(request, file_id):
    page = _page_for(request, file_id)
    if isinstance(page, HttpResponse):
        return page
    path = media_path(page.path)
    if not path.is_file():
        raise Http404
    text = settings.DIGITAL_WATERMARK
    if text and not permissions.can(request.user, permissions.DIGITISE, page.object.library_id):
        # Readers get the page as a watermarked image; digitisers keep the original.
        data = imaging.watermarked_jpeg(imaging.PageSource(path, page.mime_type, page.pdf_page), text)
        response = HttpResponse(data, content_type="image/jpeg")
        response["Content-Disposition"] = f'attachment; filename="page-{page.object_id}-{page.order}.jpg"'
        return serving.cache_headers(response, access.level_of(page), shared=False)
    return serving.send_file(path, page.mime_type, access.level_of(page), filename=page.source_name)


@require_GET
def page_text(request, file_id):
    page = _page_for(request, file_id)
    if isinstance(page, HttpResponse):
        return page
    response = HttpResponse(page.text, content_type="text/plain; charset=utf-8")
    return serving.cache_headers(response, access.level_of(page))


@require_GET
def page_hocr(request, file_id):
    page = _page_for(request, file_id)
    if isinstance(page, HttpResponse):
        return page
    if not page.hocr_path or not media_path(page.hocr_path).is_file():
        raise Http404
    return serving.send_file(media_path(page.hocr_path), "text/vnd.hocr+html; charset=utf-8", access.level_of(page))


@require_GET
def viewer(request, object_id):
    obj = DigitalObject.objects.select_related("record", "library", "collection").filter(pk=object_id).first()
    if obj is None or obj.record.is_deleted:
        raise Http404
    if not access.can_view(request, obj):
        level = access.level_of(obj)
        if access.hides_existence(obj):
            raise Http404
        return render(request, "digital/denied.html", {"object": obj, "level": level}, status=403)
    return render(request, "digital/viewer_page.html", {
        "object": obj, "record": obj.record, "digital_object": obj,
    })


@require_GET
def dublin_core(request, object_id):
    from thuvien.digital.dublin_core import oai_dc_xml

    obj, _pages = _object_for(request, object_id)
    if isinstance(obj, HttpResponse):
        return obj
    response = HttpResponse(oai_dc_xml(obj, _base(request)), content_type="application/xml; charset=utf-8")
    return serving.cache_headers(response, obj.access, shared=False)

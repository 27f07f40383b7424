"""IIIF documents: Presentation API 3 manifests and Content Search 2 answers.

URLs are absolute, built from the request (``base`` = scheme://host).
"""

from urllib.parse import urlencode

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from thuvien.core.vietnamese import fold, nfc
from thuvien.digital import hocr
from thuvien.digital.models import AccessLevel, media_path

PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
SEARCH_CONTEXT = "http://iiif.io/api/search/2/context.json"
IMAGE_CONTEXT = "http://iiif.io/api/image/3/context.json"


def both(message):
    """A IIIF language map of a lazily translated message in Vietnamese and English."""
    values = {}
    for code in ("vi", "en"):
        with translation.override(code):
            values[code] = [str(message)]
    return values


def plain(value):
    return {"none": [nfc(str(value))]}


def image_service_url(base, file_id):
    return f"{base}/iiif/3/{file_id}"


def manifest_url(base, object_id):
    return f"{base}/iiif/manifest/{object_id}.json"


def canvas_url(base, object_id, order):
    return f"{base}/iiif/canvas/{object_id}/p{order}"


def search_url(base, object_id):
    return f"{base}/iiif/search/{object_id}"


def _best_size(page):
    """The largest pre-made whole-page size (level 0 serves only what exists)."""
    width, height = page.width, page.height
    while width > 1600:
        width, height = -(-width // 2), -(-height // 2)
    return width, height


def _canvas(base, obj, page):
    canvas_id = canvas_url(base, obj.pk, page.order)
    service = image_service_url(base, page.pk)
    width, height = _best_size(page)
    canvas = {
        "id": canvas_id,
        "type": "Canvas",
        "label": {"vi": [f"Trang {page.order}"], "en": [f"Page {page.order}"]},
        "width": page.width,
        "height": page.height,
        "items": [{
            "id": f"{canvas_id}/page",
            "type": "AnnotationPage",
            "items": [{
                "id": f"{canvas_id}/image",
                "type": "Annotation",
                "motivation": "painting",
                "body": {
                    "id": f"{service}/full/{width},{height}/0/default.jpg",
                    "type": "Image",
                    "format": "image/jpeg",
                    "width": width,
                    "height": height,
                    "service": [{"id": service, "type": "ImageService3", "profile": "level0"}],
                },
                "target": canvas_id,
            }],
        }],
        "rendering": [{"id": f"{base}/digital/file/{page.pk}/download", "type": "Dataset",
                       "label": both(_("Download the original file")), "format": page.mime_type}],
    }
    if page.hocr_path:
        canvas["seeAlso"] = [{"id": f"{base}/digital/file/{page.pk}/hocr", "type": "Dataset",
                              "format": "text/vnd.hocr+html", "profile": "http://kba.cloud/hocr-spec/1.2/",
                              "label": both(_("Recognised text (hOCR)"))}]
    return canvas


def manifest(base, obj, pages):
    """The manifest of ``obj`` showing ``pages`` (the pages the visitor may see)."""
    record = obj.record
    metadata = []
    if record.authors:
        metadata.append({"label": both(_("Author")), "value": plain(" ; ".join(record.authors))})
    if record.publisher or record.place:
        metadata.append({"label": both(_("Publisher")), "value": plain(", ".join(
            v for v in (record.place, record.publisher) if v))})
    if record.year:
        metadata.append({"label": both(_("Date")), "value": plain(record.year)})
    if record.subjects:
        metadata.append({"label": both(_("Subjects")), "value": plain(" ; ".join(record.subjects))})
    if obj.collection_id:
        metadata.append({"label": both(_("Collection")), "value": plain(obj.collection.name)})
    metadata.append({"label": both(_("Access")), "value": both(AccessLevel(obj.access).label)})
    if obj.donor:
        metadata.append({"label": both(_("Given by")), "value": plain(obj.donor)})
    if obj.donated_on:
        metadata.append({"label": both(_("Date given")), "value": plain(obj.donated_on.isoformat())})
    if obj.provenance_note:
        metadata.append({"label": both(_("Provenance")), "value": plain(obj.provenance_note)})
    title = nfc(obj.label or record.title)
    document = {
        "@context": PRESENTATION_CONTEXT,
        "id": manifest_url(base, obj.pk),
        "type": "Manifest",
        "label": {"vi": [title], "en": [title]},
        "metadata": metadata,
        "summary": both(_("Digitised document of the provincial library network")),
        "rights": obj.licence,
        "requiredStatement": {
            "label": both(_("Attribution")),
            "value": {"vi": [f"{obj.library.name}"], "en": [f"{obj.library.name}"]},
        },
        "provider": [{
            "id": f"{base}/library/{obj.library.code}",
            "type": "Agent",
            "label": plain(obj.library.name),
        }],
        "homepage": [{"id": f"{base}/record/{record.pk}", "type": "Text", "format": "text/html",
                      "label": both(_("Catalogue record"))}],
        "seeAlso": [{"id": f"{base}/api/v1/digital/records/{record.pk}", "type": "Dataset",
                     "format": "application/json", "label": both(_("Record data (JSON)"))}],
        "behavior": ["paged"] if len(pages) > 1 else ["individuals"],
        "viewingDirection": "left-to-right",
        "service": [{"id": search_url(base, obj.pk), "type": "SearchService2"}],
        "items": [_canvas(base, obj, page) for page in pages],
    }
    if pages:
        first = pages[0]
        width, height = _best_size(first)
        while width > 400:
            width, height = -(-width // 2), -(-height // 2)
        document["thumbnail"] = [{
            "id": f"{image_service_url(base, first.pk)}/full/{width},{height}/0/default.jpg",
            "type": "Image", "format": "image/jpeg", "width": width, "height": height,
            "service": [{"id": image_service_url(base, first.pk), "type": "ImageService3", "profile": "level0"}],
        }]
    return document


def _phrase(query):
    return [w for w in fold(nfc(query)).split() if w]


def _clean(word):
    return "".join(c for c in fold(word) if c.isalnum())


def page_hits(page, query):
    """Hit boxes ``[(matched text, x, y, w, h)]`` of a phrase on a page, from its hOCR."""
    wanted = [_clean(w) for w in _phrase(query)]
    wanted = [w for w in wanted if w]
    if not wanted or not page.hocr_path:
        return []
    path = media_path(page.hocr_path)
    if not path.is_file():
        return []
    words = hocr.words(path.read_bytes())
    folded = [_clean(w[0]) for w in words]
    hits = []
    n = len(wanted)
    for i in range(len(words) - n + 1):
        if folded[i:i + n - 1] == wanted[:-1] and folded[i + n - 1].startswith(wanted[-1]):
            run = words[i:i + n]
            x0 = min(w[1] for w in run)
            y0 = min(w[2] for w in run)
            x1 = max(w[1] + w[3] for w in run)
            y1 = max(w[2] + w[4] for w in run)
            hits.append((" ".join(w[0] for w in run), x0, y0, x1 - x0, y1 - y0))
    return hits


def search_answer(base, obj, pages, query):
    """A Content Search 2 AnnotationPage of the hits of ``query`` on ``pages``."""
    items = []
    for page in pages:
        for n, (text, x, y, w, h) in enumerate(page_hits(page, query)):
            items.append({
                "id": f"{search_url(base, obj.pk)}/hit/{page.order}/{n}",
                "type": "Annotation",
                "motivation": "highlighting",
                "label": {"vi": [f"Trang {page.order}"], "en": [f"Page {page.order}"]},
                "body": {"type": "TextualBody", "value": text, "format": "text/plain"},
                "target": f"{canvas_url(base, obj.pk, page.order)}#xywh={x},{y},{w},{h}",
            })
    return {"@context": SEARCH_CONTEXT, "id": f"{search_url(base, obj.pk)}?{urlencode({'q': query})}",
            "type": "AnnotationPage", "items": items}

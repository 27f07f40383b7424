"""The fast path for IIIF image requests: one cached lookup, one access check, file serving.

Facts about a page (its level, owner, tile directory) are cached per process for a
short time and dropped whenever a digital object, page, library or record is saved.
"""

import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse

from thuvien.digital import access
from thuvien.digital.models import ACCESS_RANK, AccessLevel, DigitalFile, media_path

TTL_SECONDS = 30
_cache = {}
_lock = threading.Lock()
_SEGMENT = re.compile(r"^[A-Za-z0-9,.:!^]+$")
_QUALITY = re.compile(r"^default\.jpg$")


@dataclass(frozen=True)
class PageFacts:
    file_id: int
    object_id: int
    level: str
    library_id: int
    onsite_ranges: str
    iiif_dir: Path
    width: int
    height: int


def clear_cache(**_kwargs):
    with _lock:
        _cache.clear()


def page_facts(file_id):
    now = time.monotonic()
    entry = _cache.get(file_id)
    if entry is not None and entry[0] > now:
        return entry[1]
    page = DigitalFile.objects.select_related("object__record", "object__library").filter(pk=file_id).first()
    facts = None
    if page is not None:
        facts = PageFacts(page.pk, page.object_id, access.level_of(page), page.object.library_id,
                          page.object.library.onsite_ip_ranges, media_path(page.iiif_dir), page.width, page.height)
    with _lock:
        if len(_cache) > 50_000:
            _cache.clear()
        _cache[file_id] = (now + TTL_SECONDS, facts)
    return facts


def deny(level):
    """404 for material whose existence is not to be revealed, 403 otherwise."""
    if ACCESS_RANK[level] >= ACCESS_RANK[AccessLevel.STAFF]:
        raise Http404
    return HttpResponse(status=403, content_type="text/plain; charset=utf-8")


def allowed_facts(request, file_id):
    """The page's facts if the visitor may see it; else a 403/404 response (or Http404)."""
    facts = page_facts(file_id)
    if facts is None:
        raise Http404
    visitor = access.Visitor.of(request)
    if not access.allows(facts.level, visitor, facts.library_id, facts.onsite_ranges):
        return deny(facts.level)
    return facts


def cache_headers(response, level, shared=True):
    """Open images may sit in shared caches (for an hour: access can be tightened later);
    anything else, and documents that differ by visitor (``shared=False``), stay private."""
    if level == AccessLevel.OPEN:
        response["Access-Control-Allow-Origin"] = "*"
    if level == AccessLevel.OPEN and shared:
        response["Cache-Control"] = "public, max-age=3600"
    else:
        response["Cache-Control"] = "private, max-age=300"
        response["Vary"] = "Cookie"
    return response


def send_file(path, content_type, level, filename=None):
    """Serve a stored file, through the front server if one is configured."""
    header = settings.DIGITAL_SENDFILE_HEADER
    if header:
        relative = Path(path).relative_to(Path(settings.MEDIA_ROOT))
        response = HttpResponse(content_type=content_type)
        response[header] = settings.DIGITAL_SENDFILE_PREFIX + str(relative)
    else:
        response = FileResponse(open(path, "rb"), content_type=content_type,
                                as_attachment=filename is not None, filename=filename or "")
    return cache_headers(response, level)


def tile_path(facts, region, size, rotation, name):
    """The static file answering a level-0 image request, or None."""
    for part in (region, size, rotation):
        if not _SEGMENT.match(part) or ".." in part:
            return None
    if not _QUALITY.match(name) or rotation != "0":
        return None
    name = "default.jpg"
    base = facts.iiif_dir
    if region == "full" or region == f"0,0,{facts.width},{facts.height}":
        if size == "max":
            try:
                sizes = sorted((base / "full").iterdir(), key=lambda p: int(p.name.split(",")[0]), reverse=True)
            except OSError:
                return None
            return sizes[0] / "0" / name if sizes else None
        candidate = base / "full" / size / "0" / name
        if candidate.is_file():
            return candidate
        region = f"0,0,{facts.width},{facts.height}"
    if size == "max":
        try:
            _x, _y, w, h = (int(v) for v in region.split(","))
        except ValueError:
            return None
        size = f"{w},{h}"
    candidate = base / region / size / "0" / name
    if candidate.is_file():
        return candidate
    # Edge tiles: our and the viewer's rounding may differ by a pixel.
    region_dir = base / region
    if region_dir.is_dir() and "," in size:
        try:
            w, h = (int(v) for v in size.split(","))
        except ValueError:
            return None
        for option in region_dir.iterdir():
            ow, oh = (int(v) for v in option.name.split(","))
            if abs(ow - w) <= 1 and abs(oh - h) <= 1:
                return option / "0" / name
    return None

"""The fast path for IIIF image requests: one cached lookup, one access check, file serving.

Facts about a page (its level, owner, tile directory) are cached per process. Any save
of a digital object, page, library or record drops them in every process at once: the
saving process appends to a stamp file in the media directory, and each lookup compares the
stamp (one ``stat``) with the one its cache was filled under.
"""

import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.http import FileResponse, Http404, HttpResponse

from thuvien.digital import access
from thuvien.digital.models import ACCESS_RANK, AccessLevel, DigitalFile, media_path, page_level

TTL_SECONDS = 600  # a safety net only: the stamp makes changes visible at once
_STAMP_LIMIT = 1 << 16  # bytes before the stamp file starts again
_cache = {}
_cache_stamp = [None]
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


def _stamp_file():
    return Path(settings.MEDIA_ROOT) / ".access-stamp"


def _stamp():
    try:
        info = os.stat(_stamp_file())
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


def clear_cache(**_kwargs):
    """Drop the cached facts here and, through the stamp file, in every other process:
    now, and again once the change is committed, so that no process keeps facts it read
    while the change was still in flight."""
    _drop_everywhere()
    transaction.on_commit(_drop_everywhere)


def _drop_everywhere():
    with _lock:
        _cache.clear()
    path = _stamp_file()
    try:
        # One byte more each time: the size changes even when the clock's tick does not.
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = "wb" if path.exists() and path.stat().st_size >= _STAMP_LIMIT else "ab"
        with open(path, mode) as stamp:
            stamp.write(b".")
    except OSError:
        pass  # a read-only media directory: the TTL still bounds staleness


_FACT_COLUMNS = ("pk", "object_id", "access", "object__access", "object__library_id",
                 "object__library__onsite_ip_ranges", "iiif_dir", "width", "height",
                 "object__record__is_deleted", "object__record__visibility")


_facts_sql = {}  # vendor -> the facts query, compiled once by the ORM


def _load_facts(file_id):
    # Plain SQL from the ORM's own compilation: a tile's first request on a worker should
    # cost a query, not a query's compilation.
    sql = _facts_sql.get(connection.vendor)
    if sql is None:
        query = DigitalFile.objects.filter(pk=0).values_list(*_FACT_COLUMNS).query
        sql = _facts_sql[connection.vendor] = query.sql_with_params()[0]
    with connection.cursor() as cursor:
        cursor.execute(sql, [file_id])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, object_id, page_access, object_access, library_id, ranges, iiif_dir, width, height, deleted, visibility = row
    level = access.level_for(page_level(page_access, object_access), bool(deleted), visibility)
    return PageFacts(pk, object_id, level, library_id, ranges, media_path(iiif_dir), width, height)


def page_facts(file_id):
    now = time.monotonic()
    stamp = _stamp()
    if stamp != _cache_stamp[0]:
        with _lock:
            _cache.clear()
            _cache_stamp[0] = stamp
    entry = _cache.get(file_id)
    if entry is not None and entry[0] > now:
        return entry[1]
    facts = _load_facts(file_id)
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

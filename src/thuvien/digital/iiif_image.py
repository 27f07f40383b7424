"""IIIF Image API 3 requests beyond the static files: every form of region, size,
rotation, quality and format, answered by libvips within the page's ``maxArea``.

Viewers ask for the tiles and sizes made at ingest, which are served as files (see
``serving``). Anything else a client may ask is parsed here and rendered, or refused
with the status the specification gives: 400 for a malformed or impossible request,
404 for a size above the limits, 501 for a format we do not make.
"""

import math
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

FORMATS = {"jpg": "image/jpeg", "png": "image/png"}
KNOWN_FORMATS = {"jpg", "tif", "png", "gif", "jp2", "pdf", "webp"}
QUALITIES = ("default", "color", "gray", "bitonal")
# What info.json declares beyond level 0 (the static files).
EXTRA_FEATURES = ["mirroring", "regionByPct", "regionByPx", "regionSquare", "rotationArbitrary", "rotationBy90s",
                  "sizeByConfinedWh", "sizeByH", "sizeByPct", "sizeByW", "sizeByWh", "sizeUpscaling"]
EXTRA_QUALITIES = ["color", "gray", "bitonal"]
EXTRA_FORMATS = ["png"]

_PX_REGION = re.compile(r"^(\d+),(\d+),(\d+),(\d+)$")
_PCT_REGION = re.compile(r"^pct:(\d+(?:\.\d+)?),(\d+(?:\.\d+)?),(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)$")
_SIZE = re.compile(r"^(\^?)(?:(max)|pct:(\d+(?:\.\d+)?)|(!?)(\d*),(\d*))$")
_ROTATION = re.compile(r"^(!?)(\d+(?:\.\d+)?)$")
_NAME = re.compile(r"^([a-z]+)\.([a-z0-9]+)$")

_renders = None
_renders_lock = threading.Lock()


class IIIFError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ImageRequest:
    region: tuple  # x, y, w, h in pixels of the full image
    width: int  # of the answer, before rotation
    height: int
    mirror: bool
    rotation: float
    quality: str
    format: str

    @property
    def content_type(self):
        return FORMATS[self.format]


def parse(region, size, rotation, name, full_width, full_height, max_area):
    """The request for a ``full_width``×``full_height`` image, or IIIFError."""
    x, y, w, h = _region(region, full_width, full_height)
    width, height = _size(size, w, h, max_area)
    mirror, degrees = _rotation(rotation)
    quality, image_format = _quality_and_format(name)
    return ImageRequest((x, y, w, h), width, height, mirror, degrees, quality, image_format)


def _bad(message):
    return IIIFError(400, message)


def _region(region, full_width, full_height):
    if region == "full":
        return 0, 0, full_width, full_height
    if region == "square":
        side = min(full_width, full_height)
        return (full_width - side) // 2, (full_height - side) // 2, side, side
    match = _PX_REGION.match(region)
    if match:
        x, y, w, h = (int(v) for v in match.groups())
    else:
        match = _PCT_REGION.match(region)
        if not match:
            raise _bad(_("The region must be full, square, x,y,w,h or pct:x,y,w,h."))
        px, py, pw, ph = (float(v) for v in match.groups())
        x, y = math.floor(px * full_width / 100), math.floor(py * full_height / 100)
        w, h = round(pw * full_width / 100), round(ph * full_height / 100)
    if w <= 0 or h <= 0:
        raise _bad(_("The region has no width or height."))
    if x >= full_width or y >= full_height:
        raise _bad(_("The region lies outside the image."))
    return x, y, min(w, full_width - x), min(h, full_height - y)


def _size(size, region_width, region_height, max_area):
    match = _SIZE.match(size)
    if not match:
        raise _bad(_("The size must be max, w,, ,h, pct:n, w,h or !w,h (with ^ to enlarge)."))
    upscale, is_max, pct, confined, w, h = match.groups()
    upscale = bool(upscale)
    if is_max:
        factor = math.sqrt(max_area / (region_width * region_height))
        factor = factor if upscale else min(1.0, factor)
        width, height = max(1, math.floor(region_width * factor)), max(1, math.floor(region_height * factor))
        return width, height
    if pct is not None:
        width, height = round(region_width * float(pct) / 100), round(region_height * float(pct) / 100)
    elif confined:
        if not (w and h):
            raise _bad(_("!w,h needs both a width and a height."))
        factor = min(int(w) / region_width, int(h) / region_height)
        if not upscale:
            factor = min(1.0, factor)  # as large as possible, never larger than the region
        width, height = round(region_width * factor), round(region_height * factor)
    elif w and h:
        width, height = int(w), int(h)
    elif w:
        width = int(w)
        height = round(region_height * width / region_width)
    elif h:
        height = int(h)
        width = round(region_width * height / region_height)
    else:
        raise _bad(_("The size needs a width or a height."))
    if width < 1 or height < 1:
        raise _bad(_("The requested size has no width or height."))
    if not upscale and (width > region_width or height > region_height):
        raise _bad(_("A size larger than the region must start with ^."))
    if width * height > max_area:
        raise IIIFError(404, _("The requested size is larger than this image service allows (maxArea %(area)d).")
                        % {"area": max_area})
    return width, height


def _rotation(rotation):
    match = _ROTATION.match(rotation)
    if not match or float(match.group(2)) > 360:
        raise _bad(_("The rotation must be a number of degrees from 0 to 360, optionally after !."))
    return bool(match.group(1)), float(match.group(2)) % 360


def _quality_and_format(name):
    match = _NAME.match(name)
    if not match or match.group(1) not in QUALITIES:
        raise _bad(_("The last part must be quality.format, the quality one of default, color, gray, bitonal."))
    quality, image_format = match.groups()
    if image_format not in FORMATS:
        if image_format in KNOWN_FORMATS:
            raise IIIFError(501, _("This image service makes JPEG and PNG only."))
        raise _bad(_("Unknown image format."))
    return quality, image_format


def max_area(sizes):
    """The largest answer a page gives: its largest whole-page size made at ingest."""
    return max((w * h for w, h in sizes), default=1)


def made_sizes(iiif_dir):
    """``[(width, height, path)]`` of the whole-page sizes made at ingest, smallest first."""
    found = []
    try:
        for entry in (Path(iiif_dir) / "full").iterdir():
            w, _sep, h = entry.name.partition(",")
            if w.isdigit() and h.isdigit():
                found.append((int(w), int(h), entry / "0" / "default.jpg"))
    except OSError:
        return []
    return sorted(found)


def _slots():
    global _renders
    with _renders_lock:
        if _renders is None:
            _renders = threading.BoundedSemaphore(max(1, settings.DIGITAL_IIIF_RENDERS))
        return _renders


def render(request, full_width, full_height, sizes, original):
    """The answer's bytes. ``sizes`` from ``made_sizes``; ``original`` an imaging.PageSource,
    read only when no whole-page size is sharp enough for the answer."""
    slots = _slots()
    if not slots.acquire(timeout=settings.DIGITAL_IIIF_RENDER_WAIT):
        raise IIIFError(503, _("The image service is busy; try again in a moment."))
    import pyvips

    try:
        return _render(request, full_width, full_height, sizes, original)
    except pyvips.Error:
        raise IIIFError(404, _("The page image cannot be read.")) from None
    finally:
        slots.release()


def _render(request, full_width, full_height, sizes, original):
    import pyvips

    from thuvien.digital import imaging

    x, y, w, h = request.region
    scale = max(request.width / w, request.height / h)
    image = None
    for size_width, size_height, path in sizes:
        factor = size_width / full_width
        if factor + 1e-9 >= scale and path.is_file():
            image = pyvips.Image.new_from_file(str(path))
            left, top = math.floor(x * factor), math.floor(y * factor)
            image = image.crop(left, top, max(1, min(image.width - left, round(w * factor))),
                               max(1, min(image.height - top, round(h * factor))))
            break
    if image is None:
        image = imaging.load_page(original, decode=False).crop(x, y, w, h)
    image = image.resize(request.width / image.width, vscale=request.height / image.height, kernel="lanczos3")
    if (image.width, image.height) != (request.width, request.height):  # rounding: a pixel either way
        image = image.crop(0, 0, min(image.width, request.width), min(image.height, request.height))
        image = image.embed(0, 0, request.width, request.height, extend="copy")
    if request.mirror:
        image = image.fliphor()
    if request.rotation in (90, 180, 270):
        image = image.rot(f"d{int(request.rotation)}")
    elif request.rotation:
        image = image.rotate(request.rotation, background=[255] * image.bands)
    if request.quality in ("gray", "bitonal") and image.bands > 1:
        image = image.colourspace("b-w")
    if request.quality == "bitonal":
        image = image > 127
    image = image.cast("uchar")
    if request.format == "png":
        return image.pngsave_buffer(compression=6)
    return image.jpegsave_buffer(Q=85, strip=True)

"""Checking incoming files and making page images: static IIIF tiles, sizes, text layers.

Everything here works on paths; the ingest service decides what goes where.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

EXTENSIONS = {".pdf": "application/pdf", ".tif": "image/tiff", ".tiff": "image/tiff",
              ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
MAGIC = {
    "application/pdf": (b"%PDF-",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
SIZE_WIDTHS_MAX = 1600  # the largest pre-made whole-page size
SIZE_WIDTH_MIN = 90


class Refused(Exception):
    """A file that cannot be ingested, with a message for people."""


@dataclass
class PageSource:
    path: Path
    mime_type: str
    page: int | None = None  # 1-based page of a PDF or a multi-page TIFF


def _vips():
    import pyvips

    return pyvips


def check_file(path):
    """Validate one file and return its pages, or raise Refused. Reads headers only."""
    path = Path(path)
    if not path.is_file():
        raise Refused(_("not found or not a file"))
    mime = EXTENSIONS.get(path.suffix.lower())
    if mime is None:
        raise Refused(_("unsupported file type (PDF, TIFF, JPEG and PNG are accepted)"))
    size = path.stat().st_size
    if size == 0:
        raise Refused(_("the file is empty"))
    if size > settings.DIGITAL_MAX_FILE_BYTES:
        raise Refused(_("the file is too large (%(size)d MB; the limit is %(limit)d MB)") % {
            "size": size // 2**20, "limit": settings.DIGITAL_MAX_FILE_BYTES // 2**20})
    with path.open("rb") as f:
        head = f.read(16)
    if not any(head.startswith(m) for m in MAGIC[mime]):
        raise Refused(_("the content is not a %(type)s file, whatever its name says") % {
            "type": mime.split("/")[1].upper()})
    if mime == "application/pdf":
        return _check_pdf(path)
    return _check_image(path, mime)


def _check_pdf(path):
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            raise Refused(_("the PDF is encrypted or password-protected"))
        count = len(reader.pages)
        boxes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages[:count]]
    except Refused:
        raise
    except PdfReadError as error:
        raise Refused(_("the PDF is damaged (%(error)s)") % {"error": str(error)[:120]}) from None
    except Exception as error:  # noqa: BLE001 - a hostile PDF can break the parser in any way
        raise Refused(_("the PDF is damaged (%(error)s)") % {"error": type(error).__name__}) from None
    if count == 0:
        raise Refused(_("the PDF has no pages"))
    _check_page_count(count)
    scale = settings.DIGITAL_PDF_DPI / 72
    for width, height in boxes:
        _check_pixels(width * scale, height * scale)
    return [PageSource(path, "application/pdf", n + 1) for n in range(count)]


def _check_page_count(count):
    if count > settings.DIGITAL_MAX_PDF_PAGES:
        raise Refused(_("the file has too many pages (%(count)d; the limit is %(limit)d)") % {
            "count": count, "limit": settings.DIGITAL_MAX_PDF_PAGES})


def _check_pixels(width, height):
    if width * height > settings.DIGITAL_MAX_PIXELS:
        raise Refused(_("the image is too large (%(w)d×%(h)d pixels; the limit is %(limit)d megapixels)") % {
            "w": width, "h": height, "limit": settings.DIGITAL_MAX_PIXELS // 1_000_000})


def _check_image(path, mime):
    from PIL import Image

    # Pillow's own bomb check stays on (it raises at twice its limit); ours is exact.
    Image.MAX_IMAGE_PIXELS = settings.DIGITAL_MAX_PIXELS
    try:
        with Image.open(path) as image:
            width, height = image.size
            _check_pixels(width, height)
            frames = getattr(image, "n_frames", 1) if mime == "image/tiff" else 1
            _check_page_count(frames)
            if frames > 1:  # every frame of a TIFF may declare its own size
                for n in range(1, frames):
                    image.seek(n)
                    _check_pixels(*image.size)
    except Refused:
        raise
    except Image.DecompressionBombError:
        raise Refused(_("the image declares an enormous size (a decompression bomb?)")) from None
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        raise Refused(_("the image is damaged (%(error)s)") % {"error": str(error)[:120]}) from None
    if frames > 1:
        return [PageSource(path, mime, n + 1) for n in range(frames)]
    return [PageSource(path, mime)]


def load_page(source, decode=True):
    """The page as an 8-bit sRGB (or grey) image without alpha. Raises Refused if it
    cannot be read. ``decode=False`` leaves decoding to whoever reads the pixels."""
    pyvips = _vips()
    try:
        if source.mime_type == "application/pdf":
            image = pyvips.Image.pdfload(str(source.path), page=source.page - 1,
                                         dpi=settings.DIGITAL_PDF_DPI, fail=True)
        elif source.page:
            image = pyvips.Image.tiffload(str(source.path), page=source.page - 1, fail=True)
        else:
            image = pyvips.Image.new_from_file(str(source.path), fail=True)
        _check_pixels(image.width, image.height)
        if image.hasalpha():
            image = image.flatten(background=[255])
        if image.interpretation not in ("srgb", "b-w"):
            image = image.colourspace("srgb")
        if image.format != "uchar":
            image = image.cast("uchar")
        if image.bands == 2:
            image = image[0]
        if decode:
            # Force decoding now, so a truncated file fails here, not half-way through tiling.
            image = image.copy_memory()
    except pyvips.Error as error:
        message = str(error).strip().splitlines()
        raise Refused(_("the image cannot be decoded (%(error)s)") % {
            "error": (message[-1] if message else "")[:160]}) from None
    return image


def make_tiles(image, target_dir):
    """Write static IIIF Image API 3 (level 0) tiles and whole-page sizes under ``target_dir``.

    ``target_dir/info.json`` is written with a placeholder id; it is set per request.
    """
    target_dir = Path(target_dir)
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    image.dzsave(str(target_dir), layout="iiif3", id="iiif", tile_size=settings.DIGITAL_TILE_SIZE,
                 suffix=".jpg[Q=85,strip]", overlap=0)
    sizes = []
    width, height = image.width, image.height
    current = image
    k = 0
    while True:
        w, h = math.ceil(width / 2**k), math.ceil(height / 2**k)
        if k:
            # Each size from the one before: halving a smaller image every step is cheap.
            current = current.resize(w / current.width, vscale=h / current.height, kernel="linear")
            if (current.width, current.height) != (w, h):
                current = current.crop(0, 0, min(w, current.width), min(h, current.height))
                w, h = current.width, current.height
            current = current.copy_memory()
        if w <= SIZE_WIDTHS_MAX:
            directory = target_dir / "full" / f"{w},{h}" / "0"
            directory.mkdir(parents=True, exist_ok=True)
            current.jpegsave(str(directory / "default.jpg"), Q=85, strip=True)
            sizes.append({"width": w, "height": h})
        if w <= SIZE_WIDTH_MIN:
            break
        k += 1
    info_path = target_dir / "info.json"
    info = json.loads(info_path.read_text())
    info["sizes"] = sorted(sizes, key=lambda s: s["width"])
    info.pop("id", None)
    info_path.write_text(json.dumps(info))
    (target_dir / "vips-properties.xml").unlink(missing_ok=True)
    return info


class PdfText:
    """Words of a PDF's text layer, page by page, in pixel coordinates of the rendered
    pages. The PDF is parsed once for all its pages."""

    def __init__(self, path):
        self.path = path
        self._pdf = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._pdf is not None:
            self._pdf.close()

    def words(self, page_number):
        """``[(text, x0, y0, x1, y1)]``; ``[]`` when the page has no text layer (OCR it instead)."""
        import pdfplumber

        scale = settings.DIGITAL_PDF_DPI / 72
        try:
            if self._pdf is None:
                self._pdf = pdfplumber.open(str(self.path))
            page = self._pdf.pages[page_number - 1]
            words = page.extract_words(keep_blank_chars=False, use_text_flow=True)
            page.flush_cache()
        except Exception:  # noqa: BLE001 - a broken text layer is no text layer; the page is OCRed
            return []
        return [(w["text"], round(w["x0"] * scale), round(w["top"] * scale),
                 round(w["x1"] * scale), round(w["bottom"] * scale)) for w in words if w["text"].strip()]


def watermarked_jpeg(source, text):
    """The page as JPEG bytes with ``text`` set faintly across its lower part."""
    pyvips = _vips()
    image = load_page(source)
    if image.bands == 1:
        image = image.colourspace("srgb")
    size = max(12, image.width // 40)
    mark = pyvips.Image.text(text, font=f"DejaVu Sans Bold {size}", dpi=72, width=int(image.width * 0.9))
    # mark is an alpha mask: grey ink at 35 % where the glyphs are
    alpha = (mark * 0.35).cast("uchar")
    ink = mark.new_from_image([90, 90, 90]).copy(interpretation="srgb")
    overlay = ink.bandjoin(alpha)
    x = max(0, (image.width - mark.width) // 2)
    y = max(0, image.height - mark.height - image.height // 12)
    image = image.composite2(overlay, "over", x=x, y=y).flatten().cast("uchar")
    return image.jpegsave_buffer(Q=88, strip=True)

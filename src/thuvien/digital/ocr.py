"""Recognising page text with Tesseract (hOCR, with word positions)."""

import functools
import logging
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction

from thuvien.digital import hocr, imaging
from thuvien.digital.models import DigitalFile, OcrStatus, TextSource, media_path
from thuvien.digital.textmatch import folded_words

log = logging.getLogger(__name__)
OCR_TIMEOUT = 600


def recognise(image, languages=None):
    """hOCR bytes of a pyvips image."""
    languages = languages or settings.DIGITAL_OCR_LANGUAGES
    with tempfile.TemporaryDirectory(prefix="thuvien-ocr-") as tmp:
        source = Path(tmp) / "page.png"
        image.colourspace("b-w").pngsave(str(source), compression=1)
        subprocess.run(
            ["tesseract", str(source), str(Path(tmp) / "out"), "-l", languages, "--psm", "3", "hocr"],
            check=True, capture_output=True, timeout=OCR_TIMEOUT,
            env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"},
        )
        return (Path(tmp) / "out.hocr").read_bytes()


@functools.lru_cache(maxsize=1)
def installed_languages():
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30,
                             check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(line.strip() for line in out.splitlines()[1:] if line.strip())


def languages_for(obj):
    """Tesseract languages for an object: by its collection's kind (Hán Nôm: ``chi_tra+vie``),
    keeping only those installed; the default otherwise."""
    default = settings.DIGITAL_OCR_LANGUAGES
    kind = obj.collection.kind if obj.collection_id else None
    wanted = settings.DIGITAL_OCR_LANGUAGES_BY_KIND.get(kind, default)
    available = [lang for lang in wanted.split("+") if lang in installed_languages()]
    return "+".join(available) or default


def _source_of(page):
    path = media_path(page.path)
    return imaging.PageSource(path, page.mime_type, page.pdf_page)


def ocr_page(page, languages=None):
    """Recognise one page and store its text and hOCR. Returns True if done."""
    try:
        image = imaging.load_page(_source_of(page))
        data = recognise(image, languages)
    except (imaging.Refused, subprocess.SubprocessError, OSError) as error:
        log.warning("OCR failed for page %s: %s", page.pk, error)
        DigitalFile.objects.filter(pk=page.pk).update(ocr_status=OcrStatus.FAILED)
        return False
    hocr_relative = str(Path(page.iiif_dir).parent / "page.hocr")
    target = media_path(hocr_relative)
    target.write_bytes(data)
    text = hocr.text(data)
    DigitalFile.objects.filter(pk=page.pk).update(
        ocr_status=OcrStatus.DONE, text_source=TextSource.OCR, text=text, text_folded=folded_words(text),
        hocr_path=hocr_relative)
    return True


def ocr_object(object_id, retry_failed=False):
    """OCR every waiting page of an object (and failed ones with ``retry_failed``), then
    re-index its record."""
    from thuvien.digital.models import DigitalObject
    from thuvien.search.queue import enqueue

    done = 0
    obj = DigitalObject.objects.select_related("collection").filter(pk=object_id).first()
    if obj is None:
        return 0
    languages = languages_for(obj)
    statuses = [OcrStatus.PENDING, OcrStatus.FAILED] if retry_failed else [OcrStatus.PENDING]
    for page in DigitalFile.objects.filter(object_id=object_id, ocr_status__in=statuses).order_by("order"):
        done += ocr_page(page, languages)
    with transaction.atomic():
        enqueue([obj.record_id])
    return done

"""Recognising page text with Tesseract (hOCR, with word positions)."""

import logging
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction

from thuvien.digital import hocr, imaging
from thuvien.digital.models import DigitalFile, OcrStatus, TextSource, media_path

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


def _source_of(page):
    path = media_path(page.path)
    return imaging.PageSource(path, page.mime_type, page.pdf_page)


def ocr_page(page):
    """Recognise one page and store its text and hOCR. Returns True if done."""
    try:
        image = imaging.load_page(_source_of(page))
        data = recognise(image)
    except (imaging.Refused, subprocess.SubprocessError, OSError) as error:
        log.warning("OCR failed for page %s: %s", page.pk, error)
        DigitalFile.objects.filter(pk=page.pk).update(ocr_status=OcrStatus.FAILED)
        return False
    hocr_relative = str(Path(page.iiif_dir).parent / "page.hocr")
    target = media_path(hocr_relative)
    target.write_bytes(data)
    DigitalFile.objects.filter(pk=page.pk).update(
        ocr_status=OcrStatus.DONE, text_source=TextSource.OCR, text=hocr.text(data), hocr_path=hocr_relative)
    return True


def ocr_object(object_id):
    """OCR every waiting page of an object, then re-index its record."""
    from thuvien.digital.models import DigitalObject
    from thuvien.search.queue import enqueue

    done = 0
    for page in DigitalFile.objects.filter(object_id=object_id, ocr_status=OcrStatus.PENDING).order_by("order"):
        done += ocr_page(page)
    record_id = DigitalObject.objects.filter(pk=object_id).values_list("record_id", flat=True).first()
    if record_id:
        with transaction.atomic():
            enqueue([record_id])
    return done

"""Ingest: files on disk become one digital object of a catalogue record.

Each file is checked first; a refused file is reported and skipped, the others go on.
Pages are built in a scratch directory under MEDIA_ROOT, moved into place in one
rename, and the rows are written in one transaction: there is never a half-made object.
OCR of pages without a text layer runs afterwards as a background task.
"""

import hashlib
import logging
import re
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from thuvien.accounts import permissions
from thuvien.digital import hocr, imaging
from thuvien.digital.imaging import EXTENSIONS, Refused
from thuvien.digital.models import (
    AccessLevel,
    DigitalFile,
    DigitalObject,
    OcrStatus,
    TextSource,
)
from thuvien.digital.textmatch import folded_words
from thuvien.search.queue import enqueue

log = logging.getLogger(__name__)
OBJECTS_DIR = "digital/objects"
SCRATCH_DIR = "digital/scratch"


class IngestError(Exception):
    """Nothing was ingested; the message says why, ``refused`` lists each file's reason."""

    def __init__(self, message, refused=()):
        super().__init__(message)
        self.refused = list(refused)


@dataclass
class IngestResult:
    object: DigitalObject | None = None
    pages: int = 0
    refused: list = field(default_factory=list)  # (file name, message)
    ocr_pages: int = 0  # pages waiting for (or done by) OCR


def _natural_key(path):
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def expand(paths):
    """Files in the order given; a folder contributes its supported files in natural order."""
    files = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted((p for p in path.iterdir() if p.is_file() and p.suffix.lower() in EXTENSIONS),
                                key=_natural_key))
        else:
            files.append(path)
    return files


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _safe_name(name):
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).stem)[:80] or "file"
    return stem + Path(name).suffix.lower()


def ingest(paths, record, access=AccessLevel.OPEN, collection=None, library=None, actor=None,
           label="", licence=None, donor="", donated_on=None, provenance_note="", wait=False,
           progress=None):
    """Ingest ``paths`` as one new object of ``record``. Raises IngestError if nothing could be used."""
    if access not in AccessLevel.values:
        raise IngestError(_("Unknown access level: %(level)s") % {"level": access})
    library = library or (collection.library if collection else None)
    if library is None:
        raise IngestError(_("Give a collection or an owning library."))
    if actor is not None and not permissions.can(actor, permissions.DIGITISE, library):
        raise IngestError(_("You may not digitise for this library."))
    if record.is_deleted:
        raise IngestError(_("The record has been withdrawn."))
    files = expand(paths)
    if not files:
        raise IngestError(_("No files to ingest."))
    media_root = Path(settings.MEDIA_ROOT)
    _sweep_scratch(media_root / SCRATCH_DIR)
    scratch = media_root / SCRATCH_DIR / uuid.uuid4().hex
    scratch.mkdir(parents=True)
    result = IngestResult()
    try:
        pages = _build(files, scratch, result, progress)
        if not pages:
            raise IngestError(_("None of the files could be ingested."), result.refused)
        with transaction.atomic():
            obj = DigitalObject.objects.create(
                record=record, collection=collection, library=library, access=access,
                label=label or record.title[:255], licence=licence or DigitalObject._meta.get_field("licence").default,
                donor=donor, donated_on=donated_on, provenance_note=provenance_note, storage_dir="")
            relative = f"{OBJECTS_DIR}/{obj.pk}"
            final = media_root / relative
            final.parent.mkdir(parents=True, exist_ok=True)
            try:
                scratch.rename(final)
                obj.storage_dir = relative
                obj.save(update_fields=["storage_dir"])
                DigitalFile.objects.bulk_create(
                    [DigitalFile(object=obj, **{k: (f"{relative}/{v}" if k in ("path", "iiif_dir", "hocr_path") and v
                                                    else v) for k, v in page.items()}) for page in pages])
                enqueue([record.pk])
            except BaseException:
                shutil.rmtree(final, ignore_errors=True)
                raise
        result.object = obj
        result.pages = len(pages)
        result.ocr_pages = sum(1 for p in pages if p["ocr_status"] == OcrStatus.PENDING)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if result.ocr_pages:
        start_ocr(obj, wait=wait)
    return result


def default_library(record):
    """The owning library when none is given: the one library holding copies of the
    record, or the provincial library if none holds any; None if that is not clear."""
    from thuvien.catalog.models import Item, ItemStatus
    from thuvien.network.models import Library, LibraryType

    copies = Item.objects.filter(record=record).exclude(status=ItemStatus.WITHDRAWN)
    holders = list(Library.objects.filter(pk__in=copies.values("library_id"))[:2])
    if holders:
        return holders[0] if len(holders) == 1 else None
    provincial = Library.objects.filter(library_type=LibraryType.PROVINCIAL, is_active=True)
    return provincial[0] if len(provincial[:2]) == 1 else None


def _sweep_scratch(folder, max_age=2 * 24 * 3600):
    """Remove scratch left by an ingest that was killed (never one still running)."""
    if not folder.is_dir():
        return
    now = time.time()
    for entry in folder.iterdir():
        try:
            if now - entry.stat().st_mtime > max_age:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            pass


def start_ocr(obj, wait=False):
    if wait:
        from thuvien.digital.ocr import ocr_object

        return ocr_object(obj.pk)
    from thuvien.digital.tasks import ocr_object_task

    transaction.on_commit(lambda: ocr_object_task.enqueue(obj.pk))
    return 0


def _build(files, scratch, result, progress):
    """Check, copy and tile every file in ``scratch``; return page rows (paths relative to it)."""
    pages = []
    originals = scratch / "originals"
    originals.mkdir()
    for number, path in enumerate(files, 1):
        stored = originals / f"{number:04d}-{_safe_name(path.name)}"
        try:
            sources = imaging.check_file(path)
            shutil.copyfile(path, stored)
            digest, size = sha256_of(stored), stored.stat().st_size
            built = []
            with imaging.PdfText(stored) as text_layer:
                for source in sources:
                    source.path = stored
                    built.append(_build_page(source, scratch, len(pages) + len(built) + 1, text_layer))
        except Exception as error:
            if isinstance(error, Refused):
                message = str(error)
            elif isinstance(error, OSError):
                message = _("the file cannot be read or stored (%(error)s)") % {"error": error.strerror or error}
            else:
                log.exception("ingest of %s failed", path)
                message = _("the file could not be processed (%(error)s)") % {"error": type(error).__name__}
            result.refused.append((path.name, message))
            stored.unlink(missing_ok=True)
            for leftover in (scratch / "pages").glob("*") if (scratch / "pages").is_dir() else []:
                if int(leftover.name) > len(pages):
                    shutil.rmtree(leftover, ignore_errors=True)
            continue
        finally:
            if progress:
                progress(number, len(files))
        for row in built:
            row.update(source_name=path.name[:255], path=f"originals/{stored.name}", mime_type=sources[0].mime_type,
                       size=size, sha256=digest)
        pages.extend(built)
    return pages


def _build_page(source, scratch, order, text_layer):
    image = imaging.load_page(source)
    page_dir = f"pages/{order:04d}"
    imaging.make_tiles(image, scratch / page_dir / "iiif")
    row = {"order": order, "pdf_page": source.page,
           "width": image.width, "height": image.height, "iiif_dir": f"{page_dir}/iiif",
           "ocr_status": OcrStatus.PENDING, "text_source": TextSource.NONE, "text": "", "text_folded": "",
           "hocr_path": ""}
    if source.mime_type == "application/pdf":
        words = text_layer.words(source.page)
        if words:
            data = hocr.write_words(words, image.width, image.height).encode()
            (scratch / page_dir / "page.hocr").write_bytes(data)
            text = hocr.text(data)
            row.update(ocr_status=OcrStatus.DONE, text_source=TextSource.PDF, text=text,
                       text_folded=folded_words(text), hocr_path=f"{page_dir}/page.hocr")
    return row

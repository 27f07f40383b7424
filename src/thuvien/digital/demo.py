"""Demo digital library on top of `thuvien demo`: collections, a project, a few digitised
local-studies documents (generated pages, OCRed), and their place in the workflow."""

import tempfile
from pathlib import Path

from django.db import transaction

from thuvien.catalog.models import BibRecord, ItemType
from thuvien.digital.models import Collection, DigitisationEvent, DigitisationItem, DigitisationProject, Stage
from thuvien.digital.samples import TEXTS, page_image
from thuvien.network.models import Library

COLLECTIONS = [
    ("NB-DIACHI", "Tài liệu địa chí Ninh Bình", "local_studies", "NB-TVT"),
    ("NB-COQUY", "Tài liệu cổ, quý hiếm", "rare", "NB-TVT"),
    ("NB-HANNOM", "Hán Nôm", "han_nom", "NB-TVT"),
    ("NB-NOISINH", "Tài liệu nội sinh", "institutional", "NB-TVT"),
]
ACCESS = ["open", "open", "registered", "onsite"]


def load(stdout=None, wait=True):
    from thuvien.digital.ingest import ingest

    libraries = {lib.code: lib for lib in Library.objects.all()}
    if "NB-TVT" not in libraries:
        raise RuntimeError("run `thuvien demo` first")
    collections = {}
    for code, name, kind, library in COLLECTIONS:
        collections[code], _ = Collection.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "library": libraries[library]})
    records = list(BibRecord.objects.filter(items__item_type=ItemType.RARE, is_deleted=False)
                   .distinct().order_by("id")[:8])
    with transaction.atomic():
        project, _ = DigitisationProject.objects.get_or_create(
            name="Số hóa tài liệu địa chí 2021–2025", library=libraries["NB-TVT"],
            collection=collections["NB-DIACHI"], defaults={"target_count": 40})
    made = 0
    for n, record in enumerate(records):
        item, created = DigitisationItem.objects.get_or_create(project=project, record=record)
        if created:
            DigitisationEvent.objects.create(item=item, to_stage=Stage.SELECTED)
        if n >= len(ACCESS) or item.digital_object_id:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for page in range(3):
                text = record.title if page == 0 else "\n".join(TEXTS[(n + page + k) % len(TEXTS)] for k in range(2))
                paths.append(page_image(text, Path(tmp) / f"{page + 1:03d}.jpg", font_size=36 if page else 60))
            result = ingest(paths, record, access=ACCESS[n], collection=collections["NB-DIACHI"], wait=wait)
        item.digital_object = result.object
        item.stage = Stage.PUBLISHED
        item.save()
        DigitisationEvent.objects.create(item=item, from_stage=Stage.SELECTED, to_stage=Stage.PUBLISHED)
        made += 1
        if stdout:
            stdout.write(f"  {record.title}: /digital/{result.object.pk}/ ({ACCESS[n]})\n")
    return made

"""Demo digital library on top of `thuvien demo`: the four collections of the plan, a
digitisation project per owner, digitised local-studies documents (generated pages,
OCRed) and a school's institutional documents (born-digital PDFs), in the workflow."""

import tempfile
from pathlib import Path

from django.db import transaction

from thuvien.catalog.models import BibRecord, ItemType
from thuvien.digital.models import (
    Collection,
    DigitisationEvent,
    DigitisationItem,
    DigitisationProject,
    Stage,
)
from thuvien.digital.samples import TEXTS, page_image, text_pdf
from thuvien.network.models import Library

SCHOOL = "NB-THPT-LVT"
COLLECTIONS = [
    ("NB-DIACHI", "Tài liệu địa chí Ninh Bình", "local_studies", "NB-TVT"),
    ("NB-COQUY", "Tài liệu cổ, quý hiếm", "rare", "NB-TVT"),
    ("NB-HANNOM", "Hán Nôm", "han_nom", "NB-TVT"),
    ("NB-NOISINH", "Tài liệu nội sinh", "institutional", SCHOOL),
]
ACCESS = ["open", "open", "registered", "onsite"]
SCHOOL_DOCUMENTS = [
    ("Kỷ yếu 30 năm Trường THPT chuyên Lương Văn Tụy", "open",
     ["Kỷ yếu 30 năm xây dựng và phát triển Trường THPT chuyên Lương Văn Tụy, Ninh Bình.",
      "Những thế hệ học sinh chuyên đã mang về cho tỉnh nhà nhiều giải thưởng quốc gia và quốc tế."]),
    ("Tuyển tập đề tài nghiên cứu khoa học của học sinh", "registered",
     ["Đề tài: Khảo sát hệ sinh thái hang động Tràng An và đề xuất giải pháp bảo tồn.",
      "Đề tài: Ứng dụng bản đồ số trong dạy học lịch sử địa phương Ninh Bình."]),
]


def load(stdout=None, wait=True):
    """Idempotent; returns how many digital objects were added."""
    libraries = {lib.code: lib for lib in Library.objects.all()}
    if "NB-TVT" not in libraries:
        raise RuntimeError("run `thuvien demo` first")
    collections = {}
    for code, name, kind, owner in COLLECTIONS:
        owner = libraries.get(owner, libraries["NB-TVT"])
        collections[code], _ = Collection.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "library": owner})
    made = _local_studies(libraries["NB-TVT"], collections["NB-DIACHI"], stdout, wait)
    made += _institutional(collections["NB-NOISINH"], stdout)
    return made


def _project(name, collection, target_count):
    with transaction.atomic():
        project, _ = DigitisationProject.objects.get_or_create(
            name=name, library=collection.library, collection=collection, defaults={"target_count": target_count})
    return project


def _publish(project, record, paths, access, stdout, wait):
    from thuvien.digital.ingest import ingest

    item, created = DigitisationItem.objects.get_or_create(project=project, record=record)
    if created:
        DigitisationEvent.objects.create(item=item, to_stage=Stage.SELECTED)
    if item.digital_object_id or not paths:
        return 0
    result = ingest(paths, record, access=access, collection=project.collection, wait=wait)
    item.digital_object = result.object
    item.stage = Stage.PUBLISHED
    item.save()
    DigitisationEvent.objects.create(item=item, from_stage=Stage.SELECTED, to_stage=Stage.PUBLISHED)
    if stdout:
        stdout.write(f"  {record.title}: /digital/{result.object.pk}/ ({access})\n")
    return 1


def _local_studies(library, collection, stdout, wait):
    project = _project("Số hóa tài liệu địa chí 2021–2025", collection, 40)
    records = list(BibRecord.objects.filter(items__item_type=ItemType.RARE, items__library=library,
                                            is_deleted=False).distinct().order_by("id")[:8])
    made = 0
    for n, record in enumerate(records):
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            if n < len(ACCESS):
                for page in range(3):
                    text = record.title if page == 0 else "\n".join(
                        TEXTS[(n + page + k) % len(TEXTS)] for k in range(2))
                    paths.append(page_image(text, Path(tmp) / f"{page + 1:03d}.jpg", font_size=36 if page else 60))
            made += _publish(project, record, paths, ACCESS[n] if n < len(ACCESS) else "open", stdout, wait)
    return made


def _institutional(collection, stdout):
    from thuvien.catalog import services
    from thuvien.catalog.generate import marc_record

    project = _project("Số hóa tài liệu nội sinh của trường", collection, 6)
    made = 0
    for n, (title, access, pages) in enumerate(SCHOOL_DOCUMENTS):
        record = BibRecord.objects.filter(title=title, is_deleted=False).first()
        if record is None:
            record = services.create_record(marc_record(
                title=title, authors=["Trường THPT chuyên Lương Văn Tụy"], year=2023, publisher="Nhà trường",
                place="Ninh Bình", subjects=["Giáo dục -- Ninh Bình"]), source="demo")
        with tempfile.TemporaryDirectory() as tmp:
            made += _publish(project, record, [text_pdf(pages, Path(tmp) / f"noi-sinh-{n + 1}.pdf")], access,
                             stdout, wait=True)
    return made

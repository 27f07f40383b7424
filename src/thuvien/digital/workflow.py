"""The digitisation workflow: items move selected → scanning → quality check → metadata
→ published, and can be sent back with a reason. Every move is kept in the history."""

import math
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.accounts import permissions
from thuvien.core.vietnamese import nfc, sort_key
from thuvien.digital.models import (
    STAGE_ORDER,
    Collection,
    Deposit,
    DepositStatus,
    DigitisationEvent,
    DigitisationItem,
    DigitisationProject,
    Stage,
)


def _require(actor, library_id):
    if not permissions.can(actor, permissions.DIGITISE, library_id):
        raise PermissionDenied(_("You may not digitise for this library."))


COLLECTION_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")  # also an OAI-PMH setSpec part


@transaction.atomic
def save_collection(actor, code, name, library, kind="other", target_percent=70, description=""):
    """Create a collection, or change it (found by its code) if ``actor`` digitises for its owner."""
    code = (code or "").strip()
    if not COLLECTION_CODE.match(code):
        raise ValidationError(_("The code is 1 to 32 letters (without diacritics), digits, dots, dashes or "
                                "underscores, such as NB-DIACHI."))
    if not 1 <= int(target_percent) <= 100:
        raise ValidationError(_("The target is a percentage from 1 to 100."))
    if not nfc(name or "").strip():
        raise ValidationError(_("Give the collection a name."))
    existing = Collection.objects.select_for_update().filter(code=code).first()
    for owner in {library.pk, existing.library_id if existing else library.pk}:
        if actor is not None:
            _require(actor, owner)
    values = {"name": nfc(name).strip(), "library": library, "kind": kind, "target_percent": int(target_percent),
              "description": nfc(description or "").strip()}
    if existing is None:
        return Collection.objects.create(code=code, **values)
    for field_name, value in values.items():
        setattr(existing, field_name, value)
    existing.save()
    return existing


@transaction.atomic
def create_project(actor, name, library, collection, target_count):
    _require(actor, library.pk)
    if target_count < 1:
        raise ValidationError(_("The number of documents must be at least 1."))
    if collection.library_id != library.pk:
        raise ValidationError(_("The collection belongs to another library."))
    return DigitisationProject.objects.create(name=name, library=library, collection=collection,
                                              target_count=target_count)


@transaction.atomic
def select_records(actor, project, records):
    """Add records to a project (those already in it are left as they are)."""
    _require(actor, project.library_id)
    added = []
    for record in records:
        item, created = DigitisationItem.objects.get_or_create(project=project, record=record)
        if created:
            DigitisationEvent.objects.create(item=item, to_stage=Stage.SELECTED, actor=actor)
            added.append(item)
    return added


@transaction.atomic
def assign(actor, item, user):
    _require(actor, item.project.library_id)
    if user is not None and not permissions.can(user, permissions.DIGITISE, item.project.library_id):
        raise ValidationError(_("This person does not digitise for this library."))
    item.assignee = user
    item.save(update_fields=["assignee", "updated_at"])
    return item


def next_stage(stage):
    index = STAGE_ORDER.index(stage)
    return STAGE_ORDER[index + 1] if index + 1 < len(STAGE_ORDER) else None


@transaction.atomic
def advance(actor, item):
    """Move an item one stage on. Scans must be attached before quality check."""
    item = DigitisationItem.objects.select_for_update().get(pk=item.pk)
    _require(actor, item.project.library_id)
    target = next_stage(item.stage)
    if target is None:
        raise ValidationError(_("The item is already published."))
    if target in (Stage.QUALITY_CHECK, Stage.METADATA, Stage.PUBLISHED) and item.digital_object_id is None:
        raise ValidationError(_("Upload the scans first."))
    return _move(actor, item, target, "")


@transaction.atomic
def send_back(actor, item, to_stage, reason):
    item = DigitisationItem.objects.select_for_update().get(pk=item.pk)
    _require(actor, item.project.library_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for sending the item back."))
    if to_stage not in STAGE_ORDER or STAGE_ORDER.index(to_stage) >= STAGE_ORDER.index(item.stage):
        raise ValidationError(_("An item can only be sent back to an earlier stage."))
    return _move(actor, item, to_stage, reason)


def _move(actor, item, target, reason):
    DigitisationEvent.objects.create(item=item, from_stage=item.stage, to_stage=target, actor=actor, reason=reason)
    item.stage = target
    item.save(update_fields=["stage", "updated_at"])
    return item


def upload_scans(actor, item, paths, access="open"):
    """Ingest a document's scans as the item's digital object; the item moves to scanning if it was selected."""
    from thuvien.digital.ingest import ingest

    _require(actor, item.project.library_id)
    project = item.project
    result = ingest(paths, item.record, access=access, collection=project.collection, library=project.library,
                    actor=actor)
    with transaction.atomic():
        item = DigitisationItem.objects.select_for_update().get(pk=item.pk)
        item.digital_object = result.object
        item.save(update_fields=["digital_object", "updated_at"])
        if item.stage == Stage.SELECTED:
            _move(actor, item, Stage.SCANNING, "")
    return result


def queues(actor):
    """Items per stage in the libraries where ``actor`` digitises."""
    items = DigitisationItem.objects.select_related("record", "project", "assignee")
    ids = permissions.library_ids_for(actor, permissions.DIGITISE)
    if ids is not None:
        items = items.filter(project__library_id__in=ids)
    grouped = {stage: [] for stage in STAGE_ORDER}
    for item in items.order_by("updated_at"):
        grouped[item.stage].append(item)
    return grouped


@dataclass
class Progress:
    """Documents digitised (published) against the plan's goal: ``target_percent`` of the
    documents in scope, or the sum of several projects' goals (``goal``)."""

    label: str
    documents: int
    digitised: int
    target_percent: float
    fixed_goal: int | None = None

    @property
    def percent(self):
        return round(100 * self.digitised / self.documents, 1) if self.documents else 0.0

    @property
    def goal(self):
        if self.fixed_goal is not None:
            return self.fixed_goal
        return math.ceil(self.documents * self.target_percent / 100)

    @property
    def remaining(self):
        return max(0, self.goal - self.digitised)


def progress_by_collection():
    rows = []
    for collection in Collection.objects.select_related("library").order_by("code"):
        projects = list(collection.projects.annotate(
            digitised=Count("items", filter=Q(items__stage=Stage.PUBLISHED))))
        documents = sum(p.target_count for p in projects)
        digitised = sum(p.digitised for p in projects)
        rows.append(Progress(f"{collection.name} ({collection.library.name})", documents, digitised,
                             collection.target_percent))
    return rows


def progress_by_library():
    """Per library, over all its projects: each project's goal is its collection's target."""
    by_library, weighted = {}, {}
    for project in DigitisationProject.objects.select_related("library", "collection").annotate(
            digitised=Count("items", filter=Q(items__stage=Stage.PUBLISHED))):
        row = by_library.setdefault(project.library_id, Progress(project.library.name, 0, 0, 0, 0))
        row.documents += project.target_count
        row.digitised += project.digitised
        row.fixed_goal += math.ceil(project.target_count * project.collection.target_percent / 100)
        weighted[project.library_id] = (weighted.get(project.library_id, 0)
                                        + project.target_count * project.collection.target_percent)
    for library_id, row in by_library.items():  # the targets' average, weighted by documents
        row.target_percent = round(weighted[library_id] / row.documents, 1) if row.documents else 0
    return sorted(by_library.values(), key=lambda p: sort_key(p.label))


# Deposits -----------------------------------------------------------------------

DEPOSITS_DIR = "digital/deposits"


def offer_deposit(library, depositor, email, title, uploaded_files, phone="", description="", licence=None):
    """Store an offered document for review. ``uploaded_files`` are Django UploadedFiles."""
    from thuvien.digital.imaging import EXTENSIONS

    files = list(uploaded_files)
    if not files:
        raise ValidationError(_("Attach at least one file."))
    # The form is public: keep what one offer may store within bounds.
    if len(files) > settings.DIGITAL_DEPOSIT_MAX_FILES:
        raise ValidationError(_("At most %(n)d files per offer.") % {"n": settings.DIGITAL_DEPOSIT_MAX_FILES})
    if sum(f.size for f in files) > settings.DIGITAL_DEPOSIT_MAX_BYTES:
        raise ValidationError(_("The files are too large together (the limit is %(mb)d MB); please contact the library.")
                              % {"mb": settings.DIGITAL_DEPOSIT_MAX_BYTES // 2**20})
    for f in files:
        if Path(f.name).suffix.lower() not in EXTENSIONS:
            raise ValidationError(_("%(name)s: only PDF, TIFF, JPEG and PNG files are accepted.") % {"name": f.name})
        if f.size > settings.DIGITAL_MAX_FILE_BYTES:
            raise ValidationError(_("%(name)s is too large.") % {"name": f.name})
    relative = f"{DEPOSITS_DIR}/{uuid.uuid4().hex}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.mkdir(parents=True)
    names = []
    try:
        for n, f in enumerate(files, 1):
            from thuvien.digital.ingest import _safe_name

            name = f"{n:03d}-{_safe_name(f.name)}"
            with (target / name).open("wb") as out:
                for chunk in f.chunks():
                    out.write(chunk)
            names.append(name)
        _check_offered(target, names, files)
        with transaction.atomic():
            return Deposit.objects.create(
                library=library, depositor=depositor, email=email, phone=phone, title=title,
                description=description, licence=licence or Deposit._meta.get_field("licence").default,
                storage_dir=relative, file_names=names)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise


def _check_offered(folder, names, files):
    """Refuse the offer, with every file's reason, if any file is not a usable document."""
    from thuvien.digital.imaging import Refused, check_file

    problems = []
    for name, upload in zip(names, files):
        try:
            check_file(folder / name)
        except Refused as refusal:
            problems.append(f"{upload.name}: {refusal}")
    if problems:
        raise ValidationError(problems)


def deposit_paths(deposit):
    root = Path(settings.MEDIA_ROOT) / deposit.storage_dir
    return [root / name for name in deposit.file_names]


def accept_deposit(actor, deposit, record, access="open", collection=None):
    """Publish an offered document as a digital object of ``record``, keeping its provenance."""
    from thuvien.digital.ingest import ingest

    _require(actor, deposit.library_id)
    if deposit.status != DepositStatus.PENDING:
        raise ValidationError(_("This deposit has already been reviewed."))
    result = ingest(deposit_paths(deposit), record, access=access, collection=collection,
                    library=deposit.library, actor=actor, licence=deposit.licence, donor=deposit.depositor,
                    donated_on=deposit.created_at.date(),
                    provenance_note=_("Deposited online: %(title)s") % {"title": deposit.title})
    with transaction.atomic():
        Deposit.objects.filter(pk=deposit.pk).update(
            status=DepositStatus.ACCEPTED, reviewer=actor, reviewed_at=timezone.now(),
            digital_object=result.object)
    shutil.rmtree(Path(settings.MEDIA_ROOT) / deposit.storage_dir, ignore_errors=True)
    deposit.refresh_from_db()
    return result


@transaction.atomic
def reject_deposit(actor, deposit, note):
    _require(actor, deposit.library_id)
    if not (note or "").strip():
        raise ValidationError(_("Give a reason for the refusal."))
    deposit.status = DepositStatus.REJECTED
    deposit.reviewer = actor
    deposit.review_note = note.strip()
    deposit.reviewed_at = timezone.now()
    deposit.save()
    transaction.on_commit(lambda: shutil.rmtree(Path(settings.MEDIA_ROOT) / deposit.storage_dir,
                                                ignore_errors=True))
    return deposit


def pending_deposits(actor):
    deposits = Deposit.objects.filter(status=DepositStatus.PENDING).select_related("library")
    ids = permissions.library_ids_for(actor, permissions.DIGITISE)
    return deposits if ids is None else deposits.filter(library_id__in=ids)


@transaction.atomic
def update_object(actor, obj, changes, page_access=None):
    """Change an object's description, access and provenance, and pages' access overrides."""
    from thuvien.digital.models import AccessLevel, DigitalFile

    _require(actor, obj.library_id)
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.save()
    for page_id, level in (page_access or {}).items():
        if level and level not in AccessLevel.values:
            raise ValidationError(_("Unknown access level: %(level)s") % {"level": level})
        DigitalFile.objects.filter(object=obj, pk=page_id).update(access=level or "")
    from thuvien.digital import serving

    serving.clear_cache()
    return obj

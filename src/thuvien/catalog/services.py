"""Changing the union catalogue. Every door (staff pages, API, CLI, importers)
goes through these functions so that derived columns, identifiers, permissions and
the search queue stay right.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from thuvien.accounts import permissions
from thuvien.catalog import marc
from thuvien.catalog.models import BibRecord, Item, RecordIdentifier
from thuvien.search.queue import enqueue


def _apply(record, data):
    record.marc = data
    for name, value in marc.derive(data).items():
        setattr(record, name, value)


def _sync_identifiers(record):
    wanted = set(marc.identifiers_of(record.marc))
    existing = set(record.identifiers.values_list("kind", "value"))
    if wanted == existing:
        return
    for kind, value in existing - wanted:
        record.identifiers.filter(kind=kind, value=value).delete()
    RecordIdentifier.objects.bulk_create(
        [RecordIdentifier(record=record, kind=k, value=v[:128]) for k, v in wanted - existing]
    )


@transaction.atomic
def create_record(data, source="", visibility="public"):
    """Create a BibRecord from MARC-in-JSON ``data`` (see ``catalog.marc``)."""
    record = BibRecord(source=source, visibility=visibility)
    _apply(record, data)
    record.save()
    _sync_identifiers(record)
    enqueue([record.pk])
    return record


@transaction.atomic
def update_record(record, data):
    _apply(record, data)
    record.save()
    _sync_identifiers(record)
    enqueue([record.pk])
    return record


@transaction.atomic
def withdraw_record(record):
    """Withdraw a record from the catalogue; it stays as a deleted record for harvesters."""
    record.is_deleted = True
    record.save(update_fields=["is_deleted", "updated_at"])
    enqueue([record.pk])


def find_by_identifiers(pairs):
    """The first live record sharing any of the normalised (kind, value) ``pairs``."""
    for kind, value in pairs:
        match = (
            RecordIdentifier.objects.filter(kind=kind, value=value, record__is_deleted=False)
            .values_list("record_id", flat=True)
            .first()
        )
        if match:
            return BibRecord.objects.get(pk=match)
    return None


ITEM_FIELDS = ("barcode", "location", "call_number", "item_type", "status", "price", "notes")


def _check_item(item):
    if item.location_id and item.location.library_id != item.library_id:
        raise ValidationError(_("The location belongs to another library."))
    item.barcode = (item.barcode or "").strip()
    if not item.barcode:
        raise ValidationError(_("A barcode is required."))
    if len(item.barcode) > Item._meta.get_field("barcode").max_length:
        raise ValidationError(_("The barcode is too long."))
    clash = Item.objects.filter(barcode=item.barcode).exclude(pk=item.pk).exists()
    if clash:
        raise ValidationError(_("Barcode %(barcode)s is already used in the network.") % {"barcode": item.barcode})


@transaction.atomic
def add_item(actor, record, library, source_field="", **values):
    """Add a copy of ``record`` to ``library``. ``actor`` None means the system (CLI);
    ``source_field`` is the 852/952 an import made the copy from."""
    if actor is not None:
        permissions.require(actor, permissions.CATALOGUE, library)
    item = Item(record=record, library=library, source_field=source_field,
                **{k: v for k, v in values.items() if k in ITEM_FIELDS})
    _check_item(item)
    item.save()
    enqueue([record.pk])
    return item


@transaction.atomic
def update_item(actor, item, **values):
    """Change a copy. The copy's library cannot be changed by a scoped role."""
    item = Item.objects.select_for_update().get(pk=item.pk)
    if actor is not None:
        permissions.require(actor, permissions.CATALOGUE, item.library_id)
    if "library" in values and values["library"].pk != item.library_id:
        if actor is not None and not permissions.can(actor, permissions.CATALOGUE, values["library"]):
            raise PermissionDenied
        item.library = values["library"]
    for name in ITEM_FIELDS:
        if name in values:
            setattr(item, name, values[name])
    _check_item(item)
    item.save()
    enqueue([item.record_id])
    return item

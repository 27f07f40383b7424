"""A record's datestamp moves when it enters or leaves a set.

Set membership follows copies (``library:CODE``) and open digital objects
(``collection:CODE``), which are not part of the record itself. When a copy is added,
moved to another library, withdrawn or brought back, or when a digital object changes,
the record's ``updated_at`` is set to now in the same transaction, so that a harvester
harvesting a set incrementally (``from``) learns that the record came in or went out.
"""

from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone


def touch(record_ids):
    from thuvien.catalog.models import BibRecord

    ids = [pk for pk in set(record_ids) if pk]
    if ids:
        BibRecord.objects.filter(pk__in=ids).update(updated_at=timezone.now())


def _membership(item):
    from thuvien.catalog.models import ItemStatus

    return item.record_id, item.library_id, item.status == ItemStatus.WITHDRAWN


def _remember_item(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._oai_before = None
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"library", "status", "record"} & set(update_fields):
        return
    from thuvien.catalog.models import ItemStatus

    before = sender.objects.filter(pk=instance.pk).values_list("record_id", "library_id", "status").first()
    if before is not None:
        instance._oai_before = (before[0], before[1], before[2] == ItemStatus.WITHDRAWN)


def _item_saved(sender, instance, created=False, raw=False, **kwargs):
    if raw:
        return
    before = getattr(instance, "_oai_before", None)
    after = _membership(instance)
    if created:
        touch([instance.record_id])
    elif before is not None and before != after:
        touch([before[0], instance.record_id])


def _item_deleted(sender, instance, **kwargs):
    touch([instance.record_id])


def _digital_object_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        touch([instance.record_id])


def connect():
    from thuvien.catalog.models import Item
    from thuvien.digital.models import DigitalObject

    pre_save.connect(_remember_item, sender=Item, dispatch_uid="oai-item-before")
    post_save.connect(_item_saved, sender=Item, dispatch_uid="oai-item-saved")
    post_delete.connect(_item_deleted, sender=Item, dispatch_uid="oai-item-deleted")
    post_save.connect(_digital_object_changed, sender=DigitalObject, dispatch_uid="oai-digital-saved")
    post_delete.connect(_digital_object_changed, sender=DigitalObject, dispatch_uid="oai-digital-deleted")

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class DigitalConfig(AppConfig):
    name = "thuvien.digital"

    def ready(self):
        from thuvien.catalog.models import BibRecord
        from thuvien.digital import fulltext, serving
        from thuvien.digital.models import DigitalFile, DigitalObject
        from thuvien.network.models import Library
        from thuvien.search.documents import register_contributor

        register_contributor(fulltext.contribute)
        # A change of access changes what the catalogue index may hold of the text.
        post_save.connect(_reindex_record, sender=DigitalObject, dispatch_uid="digital-reindex")
        post_save.connect(_reindex_page_record, sender=DigitalFile, dispatch_uid="digital-reindex-page")
        # Access facts of pages are cached for the image server; any change drops them.
        for model in (DigitalObject, DigitalFile, Library, BibRecord):
            post_save.connect(serving.clear_cache, sender=model, dispatch_uid=f"digital-cache-{model.__name__}")
            post_delete.connect(serving.clear_cache, sender=model, dispatch_uid=f"digital-cache-d-{model.__name__}")


def _reindex_record(sender, instance, **kwargs):
    from thuvien.search.queue import enqueue

    enqueue([instance.record_id])


def _reindex_page_record(sender, instance, raw=False, **kwargs):
    from thuvien.search.queue import enqueue

    if not raw:
        enqueue([instance.object.record_id])

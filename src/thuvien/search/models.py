from django.db import models


class PendingIndexUpdate(models.Model):
    """A record whose search document must be rewritten.

    Written in the same transaction as the change itself, and deleted only after
    the search index has committed the new document, so a crash loses no update.
    """

    record_id = models.BigIntegerField(db_index=True)
    enqueued_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"reindex {self.record_id}"

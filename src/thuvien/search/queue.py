"""The durable queue between the catalogue and the search index.

Services call ``enqueue`` inside their transaction. After the commit the queue is
drained: synchronously (``THUVIEN_INDEX_MODE=sync``, the CLI's default), by a
background thread of this process (``thread``, the web server's default), or only by
``thuvien worker`` or ``thuvien index drain [--watch]`` (``off``). Tests use ``immediate``, which
drains at once inside the test's transaction.
"""

import logging
import os
import threading

from django.db import transaction

from thuvien.search import index
from thuvien.search.documents import documents_for
from thuvien.search.models import PendingIndexUpdate

log = logging.getLogger(__name__)
BATCH = 2000
RebuildRunning = index.RebuildRunning


def mode():
    return os.environ.get("THUVIEN_INDEX_MODE", "thread")


def enqueue(record_ids):
    """Mark records for re-indexing, in the caller's transaction."""
    ids = sorted({int(i) for i in record_ids})
    if not ids:
        return
    PendingIndexUpdate.objects.bulk_create([PendingIndexUpdate(record_id=i) for i in ids])
    if mode() == "immediate":
        drain()
        return
    connection = transaction.get_connection()
    # One drain per transaction is enough, however many records it touched.
    if not any(entry[1] is _after_commit for entry in connection.run_on_commit):
        transaction.on_commit(_after_commit)


def _after_commit():
    current = mode()
    if current == "sync":
        drain()
    elif current == "thread":
        _background.wake()


def drain(batch=BATCH, heap_size=64_000_000, num_threads=1):
    """Index every pending update; return how many records were written.

    Queue rows are deleted only after tantivy has committed, so a crash at any
    point leaves them to be processed again (re-indexing is idempotent).
    """
    done = 0
    if index.rebuilding():
        return 0  # rows stay queued; the rebuild drains them when it switches over
    try:
        with index.writer(heap_size, num_threads) as w:
            while True:
                entries = list(PendingIndexUpdate.objects.order_by("id").values_list("id", "record_id")[:batch])
                if not entries:
                    break
                record_ids = list(dict.fromkeys(r for _, r in entries))
                index.write_documents(w, documents_for(record_ids))
                w.commit()
                if index.rebuilding():
                    # A rebuild began meanwhile and may have read these records before
                    # this change: keep the rows, the rebuild applies them after its switch.
                    break
                PendingIndexUpdate.objects.filter(id__in=[e for e, _ in entries]).delete()
                done += len(record_ids)
    except index.IndexBusy:
        log.info("search index busy; pending updates left for its holder")
    return done


def pending_count():
    return PendingIndexUpdate.objects.count()


class _BackgroundIndexer:
    """One daemon thread per process that drains the queue when woken."""

    def __init__(self):
        self._event = threading.Event()
        self._thread = None
        self._lock = threading.Lock()

    def wake(self):
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="thuvien-indexer", daemon=True)
                self._thread.start()
        self._event.set()

    def _run(self):
        from django.db import connection

        while True:
            self._event.wait()
            self._event.clear()
            try:
                drain()
                if pending_count():
                    self._event.wait(1.0)
                    self._event.set()
            except Exception:  # keep the thread alive; rows stay queued
                log.exception("background indexing failed")
            finally:
                connection.close()


_background = _BackgroundIndexer()


def rebuild(chunk=5000, heap_size=256_000_000, num_threads=0, progress=None):
    """Build a new index generation from the database and switch to it."""
    from thuvien.catalog.models import BibRecord

    with index.rebuild_marker():
        # Queue rows visible now were committed before the build reads the database,
        # so the new generation holds their changes; later rows are drained after it.
        covered = list(PendingIndexUpdate.objects.values_list("id", flat=True))
        generation, total = _build_generation(BibRecord, chunk, heap_size, num_threads, progress)
        index.activate(generation)
        for start in range(0, len(covered), 1000):
            PendingIndexUpdate.objects.filter(id__in=covered[start:start + 1000]).delete()
    drain()
    return total


def _build_generation(BibRecord, chunk, heap_size, num_threads, progress):
    generation, new_index = index.new_generation()
    total = 0
    w = new_index.writer(heap_size, num_threads)
    last_id = 0
    while True:
        ids = list(
            BibRecord.objects.filter(id__gt=last_id, is_deleted=False).order_by("id").values_list("id", flat=True)[:chunk]
        )
        if not ids:
            break
        for record_id, fields in documents_for(ids):
            if fields is not None:
                w.add_document(index.make_document(fields))
                total += 1
        last_id = ids[-1]
        if progress:
            progress(total)
    w.commit()
    w.wait_merging_threads()
    return generation, total

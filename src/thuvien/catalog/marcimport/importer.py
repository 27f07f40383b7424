"""Importing a MARC file into the union catalogue.

Records are read one at a time (``reader``) and written in batches: every batch is one
transaction in which new records, their identifiers, their items and their search-queue
entries are written with ``bulk_create``, after a few queries that match the whole batch
against the catalogue (by 001/003, ISBN, ISSN and LCCN) and find barcodes already used.
If anything in a batch's bulk write fails, the batch is rolled back to its savepoint and
written again record by record through ``catalog.services``, each record in its own
savepoint, so a record is always written whole or not at all.

A record that matches an existing one is not duplicated: the library's items are
attached to it. A control number (001) without an 003 only matches records this
library imported before, since local numbers of two libraries can coincide.
"""

import gc
import logging
import multiprocessing
from contextlib import closing, contextmanager
import os
import sqlite3
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import orjson
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.catalog import services
from thuvien.catalog.marcimport import holdings as H
from thuvien.catalog.marcimport import prepare as P
from thuvien.catalog.marcimport.reader import detect_format, iter_iso2709, iter_records
from thuvien.catalog.models import BibRecord, Item, ItemStatus, RecordIdentifier, Visibility
from thuvien.network.models import Library, Location
from thuvien.search import index, queue
from thuvien.search.documents import documents_for
from thuvien.search.models import PendingIndexUpdate

log = logging.getLogger(__name__)

BATCH = 1000
MAX_KEPT_REJECTS = 1000  # reasons kept in memory for the caller; all go to the report file


@dataclass
class Reject:
    number: int
    offset: int
    reason: str


@dataclass
class ImportSummary:
    read: int = 0
    created: int = 0
    merged: int = 0
    unchanged: int = 0
    rejected: int = 0
    items: int = 0
    rejects: list = field(default_factory=list)
    format: str = ""
    seconds: float = 0.0

    def as_dict(self):
        return {k: getattr(self, k) for k in ("read", "created", "merged", "unchanged", "rejected", "items")}


@dataclass(slots=True)
class _Pending:
    raw: object  # RawRecord
    prep: P.Prepared
    items: list  # dicts from holdings.item_values
    match_id: int | None = None
    twin: "_Pending | None" = None  # an earlier record of this batch it matches
    record_id: int | None = None
    new_items: list = field(default_factory=list)

    @property
    def data(self):
        """MARC-in-JSON without holdings (only the record-by-record path needs it)."""
        return orjson.loads(self.prep.row[0])


class RejectWriter:
    """The rejects file (raw records, fixable and re-importable) and its report."""

    def __init__(self, path, fmt):
        self.path = path
        self.fmt = fmt
        self._data = None
        self._report = None

    def _open(self):
        if self._data is None:
            self._data = open(self.path, "wb")  # noqa: SIM115 (closed by close())
            if self.fmt == "marcxml":
                self._data.write(b'<?xml version="1.0" encoding="UTF-8"?>\n'
                                 b'<collection xmlns="http://www.loc.gov/MARC21/slim">\n')
            self._report = open(self.report_path, "w", encoding="utf-8")  # noqa: SIM115
            self._report.write("number\toffset\treason\n")

    @property
    def report_path(self):
        return f"{self.path}.txt"

    def write(self, reject, raw):
        self._open()
        self._report.write(f"{reject.number}\t{reject.offset}\t{reject.reason}\n")
        if raw:
            self._data.write(raw)
            if self.fmt == "marcxml":
                self._data.write(b"\n")

    def close(self):
        if self._data is not None:
            if self.fmt == "marcxml":
                self._data.write(b"</collection>\n")
            self._data.close()
            self._report.close()

    @property
    def used(self):
        return self._data is not None


class Progress:
    """A one-line progress bar on stderr: records, records/s, and time left when the size is known."""

    def __init__(self, total_bytes, stream=None, every=0.5):
        self.total = total_bytes
        self.stream = stream or sys.stderr
        self.every = every
        self.started = time.monotonic()
        self.last = self.started
        self.shown = False

    def update(self, records, position, force=False):
        now = time.monotonic()
        if not force and now - self.last < self.every:
            return
        self.last = now
        elapsed = max(now - self.started, 1e-6)
        rate = records / elapsed
        line = f"{records:>10,} records  {rate:8,.0f} rec/s"
        if self.total and position:
            fraction = min(position / self.total, 1.0)
            left = elapsed * (1 - fraction) / fraction if fraction > 0 else 0
            width = 30
            done = int(width * fraction)
            line = f"[{'#' * done}{'.' * (width - done)}] {fraction:6.1%} " + line + f"  {_clock(left)} left"
        self.stream.write("\r" + line)
        self.stream.flush()
        self.shown = True

    def finish(self, records, position):
        self.update(records, position, force=True)
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def _clock(seconds):
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def default_rejects_path(path, fmt):
    return f"{path}.rejects.{'xml' if fmt == 'marcxml' else 'mrc'}"


def import_file(path, library, rejects_path=None, batch_size=BATCH, progress=None, on_reject=None, workers=None):
    """Import the MARC file at ``path`` for ``library``; return an ``ImportSummary``.

    ``workers`` processes decode and derive records while this one writes (default:
    one per CPU, up to 4, for files over ``PARALLEL_FROM`` bytes, none otherwise).
    """
    size = os.path.getsize(path)
    if workers is None:
        # One per CPU: this process mostly waits on the database and the index, which run in C.
        workers = min(4, os.cpu_count() or 1) if size >= PARALLEL_FROM else 0
    with open(path, "rb") as stream:
        fmt = detect_format(stream.peek(512)[:512])
        writer = RejectWriter(rejects_path or default_rejects_path(path, fmt), fmt)
        try:
            summary = import_stream(stream, library, fmt, writer, batch_size=batch_size,
                                    progress=progress, total=size, on_reject=on_reject, workers=workers)
        finally:
            writer.close()
    summary.rejects_path = writer.path if writer.used else None
    summary.report_path = writer.report_path if writer.used else None
    return summary


def import_stream(stream, library, fmt, writer, batch_size=BATCH, progress=None, total=None, on_reject=None,
                  workers=0):
    importer = _Importer(library, writer, on_reject)
    summary = importer.summary
    summary.format = fmt
    started = time.monotonic()
    bar = Progress(total) if progress is True else progress
    batch = []
    position = 0
    with _checkpoints_in_background() as importer.checkpointer, closing(importer.indexer):
        for item in prepared_records(stream, fmt, workers):
            summary.read += 1
            position = item.offset if fmt == "iso2709" else _tell(stream)
            error = item.error or item.prepared.error
            if error:
                importer.reject(item, error)
            else:
                batch.append(item)
                if len(batch) >= batch_size:
                    importer.write_batch(batch)
                    batch = []
            if bar:
                bar.update(summary.read, position)
        if batch:
            importer.write_batch(batch)
    if bar:
        bar.finish(summary.read, total or position)
    summary.seconds = time.monotonic() - started
    return summary


CHECKPOINT_EVERY = 1.0  # seconds between the import's checkpoints (about 4 batches, 60 MB of WAL)
WAL_LIMIT = 256 << 20  # bytes of WAL after which a checkpoint has the WAL start over


@contextmanager
def _checkpoints_in_background():
    """SQLite: while an import runs, its connection does not checkpoint the WAL (SQLite's
    default does it in the commit that crosses 1000 pages, with two fsyncs, while the
    import waits); a thread with its own connection does, every ``CHECKPOINT_EVERY``
    seconds after a commit, without blocking the import's writes. Durability is the same:
    commits are in the WAL. Yields the checkpointer (None on other databases)."""
    connection = connections[BibRecord.objects.db]
    if connection.vendor != "sqlite":
        yield None
        return
    connection.ensure_connection()
    with _checkpointing_thread(connection.connection) as checkpointer:
        yield checkpointer


@contextmanager
def _checkpointing_thread(db):
    """A running ``_Checkpointer`` while ``db`` (a sqlite3 connection) does not checkpoint
    itself; its setting is restored afterwards. None for a database without a WAL file."""
    wal = db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    path = next(row[2] for row in db.execute("PRAGMA database_list").fetchall() if row[1] == "main")
    if not wal or not path:  # an in-memory database (the tests') has no WAL
        yield None
        return
    previous = int(db.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    db.execute("PRAGMA wal_autocheckpoint=0")
    checkpointer = _Checkpointer(path)
    checkpointer.start()
    try:
        yield checkpointer
    finally:
        checkpointer.stop()
        db.execute(f"PRAGMA wal_autocheckpoint={previous}")


class _Checkpointer(threading.Thread):
    """Runs PASSIVE checkpoints of the database at ``path`` after the import's commits.

    A PASSIVE checkpoint copies committed pages into the database file without taking
    the write lock; once it has copied them all, the next write starts the WAL afresh.
    """

    def __init__(self, path):
        super().__init__(name="import-checkpointer", daemon=True)
        self.path = path
        self.stopping = threading.Event()
        self.pending = False
        self.checkpoints = self.restarts = 0
        self.page_size = 4096

    def committed(self):
        self.pending = True

    def run(self):
        with closing(sqlite3.connect(self.path, timeout=30, check_same_thread=False)) as db:
            self.page_size = db.execute("PRAGMA page_size").fetchone()[0]
            while not self.stopping.wait(CHECKPOINT_EVERY):
                if self.pending:
                    self.pending = False
                    self.checkpoint(db)
            if self.pending:  # what the last seconds wrote, so that the WAL is left short
                self.checkpoint(db)

    def checkpoint(self, db):
        try:
            _busy, frames, _copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if frames * self.page_size >= WAL_LIMIT:
                # The import commits while a checkpoint runs, so the WAL seldom starts over
                # by itself: RESTART waits for the current batch, copies the rest and has the
                # next batch write from the WAL's start, which keeps the file's size bounded.
                db.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
                self.restarts += 1
            self.checkpoints += 1
        except sqlite3.Error as exc:  # the import goes on; SQLite checkpoints later
            log.warning("import checkpoint failed: %s", exc)

    def stop(self):
        self.stopping.set()
        self.join()


PARALLEL_FROM = 8 << 20
CHUNK = 500
# How much lower the workers' CPU priority is than the writing process's. The writer (its
# SQLite writes and tantivy's indexing thread) is the import's critical path; the workers
# prepare chunks ahead of it, so on a busy machine they should take the CPU it leaves.
WORKER_NICENESS = 10


_CUT = P.Prepared("")  # a record the reader could not cut out: its error is on the RawRecord


def prepared_records(stream, fmt, workers=0):
    """RawRecords in file order, each with its ``prepared`` (a ``prepare.Prepared``).

    ISO 2709 records are prepared by ``workers`` processes if > 0: this process cuts
    the file into records and sends them in chunks; the chunks in flight are bounded,
    so memory stays flat.
    """
    if fmt != "iso2709" or workers < 1 or "fork" not in multiprocessing.get_all_start_methods():
        for item in iter_records(stream, fmt, decode=False):
            if item.error:
                item.prepared = _CUT
            elif item.data is not None:  # MARCXML, decoded by the reader
                item.prepared = P.prepare_data(item.data)
                item.data = None
            else:
                item.prepared = P.prepare_raw(item.raw)
            yield item
        return
    context = multiprocessing.get_context("fork")
    # The objects loaded so far (Django, the apps) live as long as the import: frozen, the
    # collector skips them here, and in the workers it does not copy their pages by touching them.
    gc.freeze()
    try:
        yield from _prepared_by_workers(stream, context, workers)
    finally:
        gc.unfreeze()


def _lower_priority():
    os.nice(WORKER_NICENESS)  # raising one's own niceness needs no privilege


def worker_pool(context, workers):
    """The pool of ``workers`` processes that prepare records, at a lower priority than this one."""
    return context.Pool(workers, initializer=_lower_priority)


def _prepared_by_workers(stream, context, workers):
    with worker_pool(context, workers) as pool:
        waiting, chunk = deque(), []

        def send():
            waiting.append((chunk, pool.apply_async(P.prepare_chunk, ([r.raw for r in chunk if not r.error],))))

        def receive():
            items, result = waiting.popleft()
            done = iter(result.get())
            for item in items:
                item.prepared = _CUT if item.error else next(done)
            return items

        for item in iter_iso2709(stream):
            chunk.append(item)
            if len(chunk) >= CHUNK:
                send()
                chunk = []
                while len(waiting) > 2 * workers + 1:
                    yield from receive()
        if chunk:
            send()
        while waiting:
            yield from receive()


def _tell(stream):
    try:
        return stream.tell()
    except (OSError, ValueError):
        return 0


class _Importer:
    def __init__(self, library, writer, on_reject):
        self.library = library
        self.writer = writer
        self.on_reject = on_reject
        self.summary = ImportSummary()
        self.source = f"marc:{library.code}"[:100]
        self.locations = {loc.code.lower(): loc.pk for loc in Location.objects.filter(library=library)}
        tree = library_tree(library)
        self.branches = {lib.code.lower(): lib.pk for lib in tree}
        _LIBRARY_CODES.update({lib.pk: lib.code for lib in tree})
        self.indexer = _Indexer()
        self.checkpointer = None

    def reject(self, raw, reason):
        self.summary.rejected += 1
        entry = Reject(raw.number, raw.offset, reason)
        if len(self.summary.rejects) < MAX_KEPT_REJECTS:
            self.summary.rejects.append(entry)
        self.writer.write(entry, raw.raw)
        if self.on_reject:
            self.on_reject(entry)

    # --- preparing a batch -----------------------------------------------------------

    def _prepare(self, raws):
        pending = []
        code = self.library.code
        for raw in raws:
            prep = raw.prepared
            items = [H.item_values(tag, value, prep.key, n, code) for n, (tag, value) in enumerate(prep.holdings)]
            pending.append(_Pending(raw, prep, items))
        return pending

    def _lookup_pairs(self, pending):
        """(kind, value) -> id of the live record it matches, in one query per kind and chunk."""
        wanted = {}
        for p in pending:
            for kind, value in p.prep.pairs:
                wanted.setdefault(kind, set()).add(value)
        found = {}
        for kind, values in wanted.items():
            values = sorted(values)
            for start in range(0, len(values), 500):
                for value, record_id, source in _identifier_rows(kind, values[start:start + 500]):
                    if kind == "control" and value.startswith("|") and source != self.source:
                        continue  # a bare 001 only matches this library's own earlier imports
                    key = (kind, value)
                    if key not in found or record_id < found[key]:  # the oldest record, whatever the plan
                        found[key] = record_id
        return found

    def _match(self, pending):
        found = self._lookup_pairs(pending)
        seen = {}
        for p in pending:
            keys = p.prep.pairs
            p.match_id = next((found[k] for k in keys if k in found), None)
            if p.match_id is None:
                p.twin = next((seen[k] for k in keys if k in seen), None)
            if p.match_id is None and p.twin is None:
                for k in keys:
                    seen.setdefault(k, p)

    # --- writing a batch -------------------------------------------------------------

    def write_batch(self, raws):
        pending = self._prepare(raws)
        with transaction.atomic():
            self._match(pending)
            used = self._used_barcodes(pending)
            pending = self._check_items(pending, used)
            try:
                with transaction.atomic():
                    counts = self._bulk_write(pending, used)
            except (DatabaseError, ValidationError, ValueError) as exc:
                # Slower, but a record that cannot be stored is rejected alone, not the batch.
                log.warning("bulk write of %d records failed (%s); writing them one by one", len(pending), exc)
                counts = self._write_one_by_one(pending)
        if self.checkpointer:
            self.checkpointer.committed()
        for name, value in counts.items():
            setattr(self.summary, name, getattr(self.summary, name) + value)

    def _used_barcodes(self, pending):
        codes = sorted({i["barcode"] for p in pending for i in p.items})
        used = {}
        for start in range(0, len(codes), 500):
            used.update(Item.objects.filter(barcode__in=codes[start:start + 500]).values_list("barcode", "record_id"))
        return used

    def _check_items(self, pending, used):
        """Reject records whose barcodes belong to another record, in the catalogue or earlier in the file."""
        kept, claimed = [], {}
        for p in pending:
            target = p.match_id or id(p.twin or p)
            problem = ""
            for values in p.items:
                code = values["barcode"]
                owner = used.get(code)
                if owner is not None and owner != p.match_id:
                    problem = _("Barcode %(barcode)s is already used by another record.") % {"barcode": code}
                    break
                if claimed.get(code, target) != target:
                    problem = _("Barcode %(barcode)s is also on another record of this file.") % {"barcode": code}
                    break
            if problem:
                self.reject(p.raw, problem)
                continue
            for values in p.items:
                claimed[values["barcode"]] = target
            kept.append(p)
        return kept

    def _new_items(self, p, used, record_id, added):
        items = []
        for values in p.items:
            code = values["barcode"]
            if code in used or code in added:
                continue
            added.add(code)
            items.append(self._item(values, record_id))
        return items

    def _item(self, values, record_id):
        library_id = self.branches.get(values["branch"].lower(), self.library.pk)
        location_id = self.locations.get(values["location_code"].lower()) if library_id == self.library.pk else None
        return Item(record_id=record_id, library_id=library_id, location_id=location_id, barcode=values["barcode"],
                    call_number=values["call_number"], item_type=values["item_type"], status=values["status"],
                    price=values["price"], notes=values["notes"], source_field=values["source_field"])

    def _bulk_write(self, pending, used):
        counts = {"created": 0, "merged": 0, "unchanged": 0, "items": 0}
        new = [p for p in pending if p.match_id is None and p.twin is None]
        now = timezone.now()
        ids = _insert_records(new, self.source, now)
        for p, pk in zip(new, ids):
            p.record_id = pk
        _insert_identifiers([(p.record_id, k, v) for p in new for k, v in p.prep.pairs])
        items, touched, added = [], [], set()
        for p in pending:
            record_id = p.record_id if p.record_id else (p.match_id or p.twin.record_id)
            new_items = self._new_items(p, used, record_id, added)
            p.new_items = new_items
            items += new_items
            counts["items"] += len(new_items)
            if p.record_id:
                counts["created"] += 1
                touched.append(record_id)
            elif new_items:
                counts["merged"] += 1
                touched.append(record_id)
            else:
                counts["unchanged"] += 1
        Item.objects.bulk_create(items, batch_size=1000)
        touched = sorted(set(touched))
        queued = _insert_queue(touched, now)
        if touched:
            self.indexer.after_write(new, touched, queued, now)
        return counts

    def _write_one_by_one(self, pending):
        """The slow path, after a bulk write failed: each record in its own savepoint."""
        counts = {"created": 0, "merged": 0, "unchanged": 0, "items": 0}
        for p in pending:
            try:
                with transaction.atomic():
                    found = self._lookup_pairs([p])
                    match_id = next((found[k] for k in p.prep.pairs if k in found), None)
                    record = BibRecord.objects.get(pk=match_id) if match_id else None
                    created = record is None
                    if created:
                        record = services.create_record(p.data, source=self.source)
                    added = 0
                    for values in p.items:
                        if Item.objects.filter(barcode=values["barcode"], record=record).exists():
                            continue
                        item = self._item(values, record.pk)
                        services.add_item(None, record, Library.objects.get(pk=item.library_id),
                                          source_field=item.source_field,
                                          **{k: getattr(item, k) for k in services.ITEM_FIELDS})
                        added += 1
            except (DatabaseError, ValidationError, ValueError) as exc:
                message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.reject(p.raw, _("The record could not be stored: %(error)s") % {"error": message})
                continue
            counts["items"] += added
            counts["created" if created else "merged" if added else "unchanged"] += 1
        return counts


def _identifier_rows(kind, values):
    """(value, record_id, record source) of live records with one of the identifiers ``values``."""
    connection = connections[RecordIdentifier.objects.db]
    ident, bib = RecordIdentifier._meta, BibRecord._meta
    qn = connection.ops.quote_name
    # PostgreSQL: one array parameter, so that psycopg parses a short, cached statement.
    wanted, params = ("= ANY(%s)", [list(values)]) if _is_postgres(connection) else (
        f"IN ({', '.join(['%s'] * len(values))})", list(values))
    # No ORDER BY: SQLite would walk the record_id index instead of the lookup one.
    sql = (f"SELECT i.{qn('value')}, i.{qn('record_id')}, r.{qn('source')} FROM {qn(ident.db_table)} i "
           f"JOIN {qn(bib.db_table)} r ON r.{qn('id')} = i.{qn('record_id')} "
           f"WHERE i.{qn('kind')} = %s AND i.{qn('value')} {wanted} AND r.{qn('is_deleted')} = %s")
    with connection.cursor() as cursor:
        _execute(cursor, sql, [kind, *params, False])
        return cursor.fetchall()


def _is_postgres(connection):
    return connection.vendor == "postgresql"


def _unnest_insert(cursor, model, names, columns, constants=(), returning=True):
    """PostgreSQL: INSERT the rows given as one array per column (``columns``), with
    ``constants`` (name, value) the same on every row; the ids in row order if ``returning``.

    One short statement whatever the number of rows (psycopg parses long ones anew each
    time); INSERT … SELECT FROM unnest keeps the rows' order, as Django's bulk_create relies on.
    """
    connection = cursor.db
    meta = model._meta
    qn = connection.ops.quote_name
    fields = [meta.get_field(name) for name in names]
    const_fields = [meta.get_field(name) for name, _value in constants]
    # %b: arrays in binary, element by element, without the text format's escaping of quotes.
    arrays = ", ".join(f"%b::{'text' if f.get_internal_type() == 'JSONField' else f.db_type(connection)}[]"
                       for f in fields)
    aliases = [f"c{n}" for n in range(len(fields))]
    select = [f"{a}::jsonb" if f.get_internal_type() == "JSONField" else a for a, f in zip(aliases, fields)]
    select += [f"%s::{f.db_type(connection)}" for f in const_fields]
    sql = (f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields + const_fields)}) "
           f"SELECT {', '.join(select)} FROM unnest({arrays}) AS u({', '.join(aliases)})")
    if returning:
        sql += f" RETURNING {qn(meta.pk.column)}"
    import psycopg

    # Server-side binding: the arrays travel as parameters, not rendered into the SQL text.
    with psycopg.Cursor(connection.connection) as raw:
        raw.execute(sql, [*(value for _name, value in constants), *columns])  # in the order of the text
        return [r[0] for r in raw.fetchall()] if returning else None


def _insert_records(pending, source, now):
    """Insert new BibRecords in multi-row INSERTs; return their ids in order.

    Imported records are public and live, so ``ever_public`` is true (as ``BibRecord.save``
    would set it).
    """
    if not pending:
        return []
    connection = connections[BibRecord.objects.db]
    meta = BibRecord._meta
    if _is_postgres(connection):
        with connection.cursor() as cursor:
            columns = [list(values) for values in zip(*(p.prep.row for p in pending))]
            constants = [("source", source), ("visibility", Visibility.PUBLIC), ("is_deleted", False),
                         ("ever_public", True), ("created_at", now), ("updated_at", now)]
            return _unnest_insert(cursor, BibRecord, P.ROW_COLUMNS, columns, constants)
    stamp = meta.get_field("created_at").get_db_prep_save(now, connection)
    columns = [meta.get_field(name).column for name in _RECORD_COLUMNS]
    tail = (source, Visibility.PUBLIC, False, True, stamp, stamp)
    ids = []
    qn = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(pending), 400):
            chunk = pending[start:start + 400]
            params = []
            for p in chunk:
                params += p.prep.row
                params += tail
            _execute(cursor,
                     f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
                     f"VALUES {', '.join([row] * len(chunk))} RETURNING {qn(meta.pk.column)}", params)
            ids += [r[0] for r in cursor.fetchall()]
    return ids


_native_sql = {}


def _execute(cursor, sql, params):
    """``cursor.execute`` of our own SQL (``%s`` placeholders, no literal %), on SQLite
    without Django's per-call rewriting of the placeholders (a regex over the whole text)."""
    if cursor.db.vendor != "sqlite":
        return cursor.execute(sql, params)
    native = _native_sql.get(sql)
    if native is None:
        native = sql.replace("%s", "?")
        if len(_native_sql) < 64:
            _native_sql[sql] = native
    return sqlite3.Cursor.execute(cursor.cursor, native, params)


_RECORD_COLUMNS = (*P.ROW_COLUMNS, "source", "visibility", "is_deleted", "ever_public", "created_at", "updated_at")


def _insert_identifiers(rows):
    if not rows:
        return
    connection = connections[RecordIdentifier.objects.db]
    meta = RecordIdentifier._meta
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(meta.db_table)} ({qn(meta.get_field('record').column)}, {qn('kind')}, {qn('value')}) VALUES "
    with connection.cursor() as cursor:
        if _is_postgres(connection):
            _unnest_insert(cursor, RecordIdentifier, ("record", "kind", "value"),
                           [list(values) for values in zip(*rows)], returning=False)
            return
        for start in range(0, len(rows), 500):
            chunk = rows[start:start + 500]
            _execute(cursor, head + ", ".join(["(%s, %s, %s)"] * len(chunk)), [v for r in chunk for v in r])


def _insert_queue(record_ids, now):
    """Queue the records for the search index (in this transaction); return the queue rows' ids."""
    if not record_ids:
        return []
    connection = connections[PendingIndexUpdate.objects.db]
    meta = PendingIndexUpdate._meta
    qn = connection.ops.quote_name
    stamp = meta.get_field("enqueued_at").get_db_prep_save(now, connection)
    ids = []
    with connection.cursor() as cursor:
        if _is_postgres(connection):
            return _unnest_insert(cursor, PendingIndexUpdate, ("record_id",), [list(record_ids)],
                                  [("enqueued_at", now)])
        for start in range(0, len(record_ids), 1000):
            chunk = record_ids[start:start + 1000]
            params = [v for record_id in chunk for v in (record_id, stamp)]
            _execute(cursor,
                f"INSERT INTO {qn(meta.db_table)} ({qn('record_id')}, {qn('enqueued_at')}) "
                f"VALUES {', '.join(['(%s, %s)'] * len(chunk))} RETURNING {qn(meta.pk.column)}", params)
            ids += [r[0] for r in cursor.fetchall()]
    return ids


class _Indexer:
    """Writes the search documents of an import's batches.

    The batch's records are in the durable search queue (written in the batch's
    transaction). After the commit, the documents of new records are built from what
    the import has in memory (no read back), those of records that gained items from
    the database, and the queue rows are deleted once tantivy has committed them. One
    index writer is kept for the whole import. When the queue is not drained by the
    CLI (``THUVIEN_INDEX_MODE`` thread/off), or the index is busy or being rebuilt,
    the rows stay queued for the usual drain.
    """

    COMMIT_EVERY = int(os.environ.get("THUVIEN_IMPORT_COMMIT_EVERY", 50_000))  # documents between tantivy commits
    # Tantivy's indexing memory, bytes: it sets the size of the segments written (about
    # 25,000 records at 96 MB). With 32 MB (7,000) tantivy spent as long merging segments
    # as indexing; with 96 MB 250k records need no merge at all and the import peaks near 400 MB.
    HEAP = int(os.environ.get("THUVIEN_IMPORT_INDEX_HEAP", 96_000_000))
    THREADS = int(os.environ.get("THUVIEN_IMPORT_INDEX_THREADS", 1))

    def __init__(self):
        self.mode = queue.mode()
        self._cm = self._writer = None
        self._queued = []
        self._since_commit = 0
        self.disabled = self.mode not in ("sync", "immediate")

    def after_write(self, new, touched, queued, now):
        if self.disabled:
            if self.mode in ("thread",):
                transaction.on_commit(queue._after_commit)
            return
        new_ids = {p.record_id for p in new}
        docs = [_document(p, now) for p in new]
        others = [i for i in touched if i not in new_ids]

        def write():
            self._write(docs, others, queued)

        if self.mode == "immediate":
            write()
        else:
            transaction.on_commit(write)

    def _write(self, docs, others, queued):
        if self._writer is None:
            if index.rebuilding():
                self.disabled = True
                return
            try:
                self._cm = index.writer(self.HEAP, self.THREADS)
                self._writer = self._cm.__enter__()
            except index.IndexBusy:
                self._cm = None
                self.disabled = True
                return
        # New records have no document yet: added without the delete-by-query that
        # write_documents does first (tantivy runs each of those at commit).
        for doc in docs:
            self._writer.add_json(doc)
        if others:
            index.write_documents(self._writer, documents_for(others))
        self._queued += queued
        self._since_commit += len(docs)
        if self._since_commit >= self.COMMIT_EVERY or self.mode == "immediate":
            self.commit()

    def commit(self):
        if self._writer is None:
            return
        self._writer.commit()
        for start in range(0, len(self._queued), 1000):
            PendingIndexUpdate.objects.filter(id__in=self._queued[start:start + 1000])._raw_delete(
                PendingIndexUpdate.objects.db)
        self._queued, self._since_commit = [], 0

    def close(self):
        if self._writer is not None:
            try:
                self.commit()
                self._writer.wait_merging_threads()
            finally:
                self._cm.__exit__(None, None, None)
                self._cm = self._writer = None
        if self.mode == "sync":
            queue.drain()  # whatever was left queued (a busy index, an earlier failure)


def _document(p, now):
    """The search document (JSON) of a record created by this import, from memory."""
    libraries, available = set(), set()
    for item in p.new_items:
        code = _LIBRARY_CODES.get(item.library_id)
        if item.status == ItemStatus.WITHDRAWN:
            continue  # as documents_for: a withdrawn copy is nowhere to be found
        libraries.add(code)
        if item.status == ItemStatus.AVAILABLE:
            available.add(code)
    return P.document_json(p.prep, p.record_id, libraries, available, int(now.timestamp()))


_LIBRARY_CODES = {}


def library_tree(library):
    """``library`` and every library under it."""
    found, frontier = [library], [library.pk]
    while frontier:
        children = list(Library.objects.filter(parent_id__in=frontier))
        found += children
        frontier = [c.pk for c in children]
    return found

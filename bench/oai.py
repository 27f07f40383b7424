"""OAI-PMH harvest throughput: a real harvester (Sickle) through a real HTTP server.

    python bench/oai.py [--records N] [--database-url URL] [--prefix oai_dc|marc21]

1. Loads N records (default 1,000,000) with one copy each, inserting rows directly (a
   pool of generated MARC records is reused, each copy with its own control number), into
   SQLite in THUVIEN_DATA_DIR (default /tmp/oai-bench-N, kept for the next run) or into
   ``--database-url``.
2. Starts ``thuvien serve`` (gunicorn) on a free port and harvests everything with
   Sickle: records/s, and the latency of the first, middle and last pages (HTTP time of
   the request, parsing excluded). Every response is saved to a file.
3. In the same run, harvests the saved responses with the same Sickle from a plain static
   file server (a threaded http.server in its own process, resumption-token URLs mapped
   to the files): the ceiling the harvester itself sets. The two harvests take turns
   (``--segment-pages`` pages each), so that the load of anything else running on the
   machine weighs on both alike.
"""

import argparse
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

POOL = 20_000  # distinct generated records; copies of them fill the rest
BATCH = 20_000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- loading ------------------------------------------------------------------------

def load(count):
    """Insert ``count`` records (and one copy each) unless they are there; seconds taken or None."""
    from django.db import connection, transaction

    from thuvien.catalog.generate import generate_records
    from thuvien.catalog.marc import derive
    from thuvien.catalog.models import BibRecord, Item
    from thuvien.demo.loader import load_network

    have = BibRecord.objects.count()
    if have >= count:
        return None
    started = time.perf_counter()
    _root, libraries = load_network()
    library_ids = [lib.pk for lib in libraries.values()]
    pool = []
    for marc in generate_records(min(POOL, count)):
        derived = derive(marc)
        pool.append((json.dumps(marc, ensure_ascii=False), derived))
    record_fields = [f for f in BibRecord._meta.concrete_fields if not f.primary_key]
    item_fields = [f for f in Item._meta.concrete_fields if not f.primary_key]
    ops = connection.ops

    def insert_sql(model, fields):
        columns = ", ".join(ops.quote_name(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        return f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"

    record_sql, item_sql = insert_sql(BibRecord, record_fields), insert_sql(Item, item_fields)
    json_field = BibRecord._meta.get_field("authors")
    start = datetime(2024, 1, 1, tzinfo=UTC)
    first_id = (BibRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    for batch_start in range(have, count, BATCH):
        records, items = [], []
        for n in range(batch_start, min(batch_start + BATCH, count)):
            text, derived = pool[n % len(pool)]
            control = f"GEN{n + 1:08d}"
            if n >= len(pool):
                text = text.replace(derived["control_number"], control)
            moment = ops.adapt_datetimefield_value(start + timedelta(seconds=n // 2, microseconds=(n % 2) * 500_000))
            values = {**derived, "control_number": control, "marc": text, "source": "bench", "visibility": "public",
                      "ever_public": True,
                      "is_deleted": n % 100 == 99, "created_at": moment, "updated_at": moment}
            row = []
            for field in record_fields:
                value = values[field.name]
                if field.name in ("authors", "subjects", "isbns"):
                    value = json_field.get_db_prep_save(value, connection)
                elif field.name == "marc" and connection.vendor != "sqlite":
                    value = json_field.get_db_prep_save(json.loads(value), connection)
                row.append(value)
            records.append(row)
            item = {"record": first_id + n - have, "barcode": f"B{n + 1:09d}", "library": library_ids[n % len(library_ids)],
                    "location": None, "call_number": derived["ddc"], "item_type": "book", "status": "available",
                    "price": None, "notes": "", "source_field": "", "acquired_at": moment, "updated_at": moment}
            items.append([item[f.name] for f in item_fields])
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(record_sql, records)
            cursor.executemany(item_sql, items)
        print(f"  loaded {min(batch_start + BATCH, count):,} records", end="\r", flush=True)
    print()
    if BibRecord.objects.count() != count or Item.objects.filter(record_id=first_id + count - have - 1).count() != 1:
        raise SystemExit("loading went wrong: record ids are not consecutive")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return time.perf_counter() - started


# --- servers ------------------------------------------------------------------------

def start_live_server(port, env):
    process = subprocess.Popen(
        [sys.executable, "-m", "thuvien.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
         "--no-worker"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for(f"http://127.0.0.1:{port}/oai?verb=Identify", process)
    # One worker (the harvester asks one page at a time), warmed up: the first page then
    # measures the list, not Python importing modules.
    wait_for(f"http://127.0.0.1:{port}/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:x:1", process)
    return process


def wait_for(url, process, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped: {process.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                response.read()
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"no answer from {url}")


def page_file(directory, token):
    """Where the response to ``token`` ("" for the first request) is saved."""
    name = hashlib.sha1(token.encode()).hexdigest() if token else "first"
    return Path(directory) / f"{name}.xml"


def serve_static(directory, port):
    """A plain threaded static file server for the saved pages (run in its own process)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            path = page_file(directory, query.get("resumptionToken", [""])[0])
            try:
                body = path.read_bytes()
            except OSError:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


# --- harvesting ---------------------------------------------------------------------

class Harvest:
    """A Sickle harvest pulled a number of records at a time, timed."""

    def __init__(self, name, base, prefix, save_to=None):
        from sickle import Sickle

        self.name = name
        self.latencies = []
        self.records = self.deleted = 0
        self.seconds = 0.0
        harvest = self

        class TimedSickle(Sickle):
            def harvest(self, **kwargs):
                started = time.perf_counter()
                response = super().harvest(**kwargs)
                harvest.latencies.append(time.perf_counter() - started)
                if save_to is not None:
                    page_file(save_to, kwargs.get("resumptionToken", "")).write_bytes(response.http_response.content)
                return response

        started = time.perf_counter()
        self.iterator = TimedSickle(base, max_retries=0, timeout=600).ListRecords(metadataPrefix=prefix)
        self.seconds += time.perf_counter() - started
        self.done = False

    def pull(self, count):
        """Harvest ``count`` more records (fewer at the end of the list)."""
        started = time.perf_counter()
        for _ in range(count):
            record = next(self.iterator, None)
            if record is None:
                self.done = True
                break
            self.records += 1
            if record.deleted:
                self.deleted += 1
            elif not record.metadata:
                raise SystemExit(f"a record without metadata: {record.header.identifier}")
        self.seconds += time.perf_counter() - started


def wait_for_prefetch(data_dir):
    """Let the live server finish a page it renders ahead, so that it does not run in the
    static harvest's time."""
    folder = Path(data_dir) / "oai-prefetch"
    deadline = time.time() + 30
    while folder.exists() and any(folder.glob("*.part")) and time.time() < deadline:
        time.sleep(0.005)


def describe(harvest):
    name, records, deleted, seconds, latencies = (harvest.name, harvest.records, harvest.deleted, harvest.seconds,
                                                   harvest.latencies)
    n = len(latencies)
    middle = n // 2

    def ms(values):
        return f"{statistics.median(values) * 1000:7.1f}"

    print(f"{name:<8} {records:>9,} records ({deleted:,} deleted) in {n:,} pages, {seconds:7.1f} s = "
          f"{records / seconds:8,.0f} records/s")
    print(f"{'':<8} page latency ms: first {latencies[0] * 1000:.1f}, middle {latencies[middle] * 1000:.1f}, "
          f"last {latencies[-1] * 1000:.1f}; median of 10 first/middle/last: "
          f"{ms(latencies[:10])} /{ms(latencies[max(0, middle - 5):middle + 5])} /{ms(latencies[-10:])}; "
          f"all pages median {ms(latencies)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--prefix", default="oai_dc", choices=["oai_dc", "marc21"])
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--segment-pages", type=int, default=20,
                        help="pages the live and the static harvest take in turn")
    parser.add_argument("--load-only", action="store_true", help="load the records and stop")
    parser.add_argument("--serve-static", nargs=2, metavar=("DIR", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_static:
        serve_static(args.serve_static[0], int(args.serve_static[1]))
        return

    data_dir = os.environ.get("THUVIEN_DATA_DIR") or os.path.join(tempfile.gettempdir(), f"oai-bench-{args.records}")
    env = {**os.environ, "THUVIEN_DATA_DIR": data_dir, "THUVIEN_INDEX_MODE": "off",
           "THUVIEN_OAI_PAGE_SIZE": str(args.page_size), "DJANGO_SETTINGS_MODULE": "thuvien.settings"}
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    took = load(args.records)
    engine = connection.vendor
    connection.close()
    loaded = f"loaded in {took:.0f} s" if took else "already loaded"
    print(f"{args.records:,} records on {engine} ({loaded}); "
          f"prefix {args.prefix}, {args.page_size} records a page; load average {os.getloadavg()[0]:.1f}")
    if args.load_only:
        return

    port, static_port = free_port(), free_port()
    live_server = start_live_server(port, env)
    pages_dir = Path(data_dir) / f"static-{args.prefix}"
    static_server = None
    shutil.rmtree(pages_dir, ignore_errors=True)
    pages_dir.mkdir(parents=True)
    segment = args.page_size * args.segment_pages
    try:
        # The two harvests take turns, segment_pages pages at a time, so that both meet the
        # same load from whatever else runs on the machine; the static one reads the pages
        # the live one has just saved.
        live = Harvest("live", f"http://127.0.0.1:{port}/oai", args.prefix, save_to=pages_dir)
        static_server = subprocess.Popen([sys.executable, __file__, "--serve-static", str(pages_dir), str(static_port)])
        wait_for(f"http://127.0.0.1:{static_port}/oai", static_server)
        wait_for_prefetch(data_dir)
        static = Harvest("static", f"http://127.0.0.1:{static_port}/oai", args.prefix)
        while not (live.done and static.done):
            live.pull(segment)
            wait_for_prefetch(data_dir)
            static.pull(segment)
            print(f"  {live.records:,} records: live {live.records / live.seconds:,.0f}/s, "
                  f"static {static.records / static.seconds:,.0f}/s, load average {os.getloadavg()[0]:.1f}   ",
                  end="\r", flush=True)
        print()
    finally:
        live_server.terminate()
        if static_server:
            static_server.terminate()
        live_server.wait()
    size = sum(f.stat().st_size for f in pages_dir.iterdir())
    shutil.rmtree(pages_dir, ignore_errors=True)
    describe(live)
    describe(static)
    print(f"{'':<8} {len(live.latencies):,} responses, {size / 1e6:,.0f} MB")
    rate = live.records / live.seconds
    ceiling = static.records / static.seconds
    latencies = live.latencies
    print(f"targets: {rate:,.0f} records/s (target >= 2,000); last page / first page = "
          f"{latencies[-1] / latencies[0]:.2f} (target <= 2); live / static ceiling = {rate / ceiling:.0%} "
          f"(target >= 50%); load average {os.getloadavg()[0]:.1f}")
    if live.records != args.records or static.records != args.records:
        raise SystemExit(f"harvested {live.records:,} / {static.records:,} records, expected {args.records:,}")


if __name__ == "__main__":
    main()

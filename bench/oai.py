"""OAI-PMH harvest throughput: a real harvester (Sickle) through a real HTTP server.

    python bench/oai.py [--records N] [--database-url URL] [--prefix oai_dc|marc21]

1. Loads N records (default 1,000,000) with one copy each, inserting rows directly (a
   pool of generated MARC records is reused, each copy with its own control number), into
   SQLite in THUVIEN_DATA_DIR (default /tmp/oai-bench-N, kept for the next run) or into
   ``--database-url``.
2. Starts ``thuvien serve`` (gunicorn) on a free port and harvests everything with
   Sickle: records/s, and the latency of the first, middle and last pages (HTTP time of
   the request, parsing excluded). Every response is saved to a file.
3. Harvests the saved responses with the same Sickle from a plain static file server (a
   threaded http.server in its own process, resumption-token URLs mapped to the files):
   the ceiling the harvester itself sets.
"""

import argparse
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
        [sys.executable, "-m", "thuvien.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for(f"http://127.0.0.1:{port}/oai?verb=Identify", process)
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


def serve_static(directory, port):
    """A plain threaded static file server for the saved pages (run in its own process)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    directory = Path(directory)
    index = json.loads((directory / "index.json").read_text())

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            token = query.get("resumptionToken", [None])[0]
            name = index.get(token) if token else index.get("", "page-000000.xml")
            path = directory / name if name else None
            if path is None or not path.exists():
                self.send_error(404)
                return
            body = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


# --- harvesting ---------------------------------------------------------------------

def harvest(base, prefix, save_to=None):
    """Harvest everything with Sickle: (records, deleted, seconds, [page latency]).
    With ``save_to`` every response is also saved there, for the static server."""
    from sickle import Sickle

    latencies = []
    index = {}

    class TimedSickle(Sickle):
        def harvest(self, **kwargs):
            started = time.perf_counter()
            response = super().harvest(**kwargs)
            latencies.append(time.perf_counter() - started)
            if save_to is not None:
                name = f"page-{len(index):06d}.xml"
                (save_to / name).write_bytes(response.http_response.content)
                index[kwargs.get("resumptionToken", "")] = name
            return response

    sickle = TimedSickle(base, max_retries=0, timeout=600)
    records = deleted = 0
    started = time.perf_counter()
    for record in sickle.ListRecords(metadataPrefix=prefix):
        records += 1
        if record.deleted:
            deleted += 1
        elif not record.metadata:
            raise SystemExit(f"a record without metadata: {record.header.identifier}")
    took = time.perf_counter() - started
    if save_to is not None:
        (save_to / "index.json").write_text(json.dumps(index))
    return records, deleted, took, latencies


def describe(name, result):
    records, deleted, seconds, latencies = result
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
    print(f"{args.records:,} records on {engine} ({'loaded in %.0f s' % took if took else 'already loaded'}); "
          f"prefix {args.prefix}, {args.page_size} records a page; load average {os.getloadavg()[0]:.1f}")
    if args.load_only:
        return

    port, static_port = free_port(), free_port()
    live = start_live_server(port, env)
    pages_dir = Path(data_dir) / f"static-{args.prefix}"
    static = None
    try:
        base = f"http://127.0.0.1:{port}/oai"
        shutil.rmtree(pages_dir, ignore_errors=True)
        pages_dir.mkdir(parents=True)
        live_result = harvest(base, args.prefix, save_to=pages_dir)
        describe("live", live_result)
        size = sum(f.stat().st_size for f in pages_dir.iterdir())
        print(f"{'':<8} the {len(live_result[3]):,} responses saved for the static server: {size / 1e6:,.0f} MB")
        static = subprocess.Popen([sys.executable, __file__, "--serve-static", str(pages_dir), str(static_port)])
        wait_for(f"http://127.0.0.1:{static_port}/oai", static)
        static_result = harvest(f"http://127.0.0.1:{static_port}/oai", args.prefix)
        describe("static", static_result)
    finally:
        live.terminate()
        if static:
            static.terminate()
        live.wait()
    shutil.rmtree(pages_dir, ignore_errors=True)
    rate = live_result[0] / live_result[2]
    ceiling = static_result[0] / static_result[2]
    latencies = live_result[3]
    print(f"targets: {rate:,.0f} records/s (target >= 2,000); last page / first page = "
          f"{latencies[-1] / latencies[0]:.2f} (target <= 2); live / static ceiling = {rate / ceiling:.0%} "
          f"(target >= 50%); load average {os.getloadavg()[0]:.1f}")
    if live_result[0] != args.records or static_result[0] != args.records:
        raise SystemExit(f"harvested {live_result[0]:,} / {static_result[0]:,} records, expected {args.records:,}")


if __name__ == "__main__":
    main()

"""Circulation benchmark: concurrent checkout/checkin cycles through the services.

    python bench/circulation.py [--db sqlite,postgres] [--clients 1,4,16] [--seconds 8]
                                [--pg postgres://postgres@127.0.0.1:5432/thuvien_bench_circulation]

For each database (a fresh SQLite file in a temporary directory; a PostgreSQL database
dropped and created again) and each number of clients, N processes (each with its own
database connection) run for S seconds: pick a random copy from a shared pool of
4×N copies (at least 32), ``services.checkout`` it to their reader and, if that worked,
``services.checkin`` it. Clients collide on copies on purpose: a refusal
``already_on_loan`` is expected, any other exception is an error. Afterwards the loans
table is checked for double loans: two loans of one copy whose periods overlap.

In the same run, as the floor, the same clients do a bare SQL checkout (one
``UPDATE item SET status='on_loan' WHERE id=? AND status='available'`` plus one
``INSERT`` of the loan, in one transaction) and the matching bare checkin (two
``UPDATE``s) on the same database. Throughput is completed cycles per second;
latencies are per operation (checkouts and checkins together); "client CPU" is the
clients' own CPU time per cycle (Python + driver, not the database server), which does
not depend on how loaded the machine is.
"""

import argparse
import datetime as dt
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/thuvien_bench_circulation"


# ----------------------------------------------------------------- one database, in a child process

def _setup_django(database_url, data_dir):
    os.environ["DATABASE_URL"] = database_url
    os.environ["THUVIEN_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "thuvien.settings"
    os.environ["THUVIEN_INDEX_MODE"] = "off"  # index updates are queued (part of the cost), not applied
    import django

    django.setup()


def _prepare(pool_size, max_clients):
    from django.core.management import call_command

    from thuvien.catalog import services as catalog
    from thuvien.catalog.generate import marc_record
    from thuvien.circulation import services
    from thuvien.circulation.demo import load_categories_and_rules
    from thuvien.circulation.models import LoanRule
    from thuvien.demo.loader import load_network

    call_command("migrate", verbosity=0)
    _network, libraries = load_network()
    categories = load_categories_and_rules()
    LoanRule.objects.create(library=libraries["NB-KS"], max_loans=10_000, max_fines=10**9)
    library = libraries["NB-KS"]
    for n in range(max_clients):
        services.register_reader(None, library, f"B{n:04d}", f"Bạn đọc {n}", categories["adult"])
    record = catalog.create_record(marc_record(title="Sách thử tải", authors=["Thư viện"], year=2026))
    for n in range(pool_size):
        catalog.add_item(None, record, library, barcode=f"BENCH{n:05d}")
    return library.pk


def _client(kind, index, pool_size, seconds, library_id, barrier, results):
    from django.db import connection, transaction
    from django.utils import timezone

    from thuvien.catalog.models import Item
    from thuvien.circulation import services
    from thuvien.circulation.errors import CirculationError
    from thuvien.circulation.models import Reader
    from thuvien.network.models import Library

    connection.close()
    library = Library.objects.get(pk=library_id)
    card = f"B{index:04d}"
    reader = Reader.objects.get(card_number=card)
    items = dict(Item.objects.filter(barcode__startswith="BENCH").values_list("barcode", "pk"))
    barcodes = sorted(items)
    rng = random.Random(index)
    latencies, cycles, contended, errors = [], 0, 0, []
    loan_sql = (
        "INSERT INTO circulation_loan (item_id, reader_id, category_id, reader_library_id, library_id, "
        "checked_out_at, due_at, renewals, channel, item_status_before, lost) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, 0, 'desk', '', %s)"
    )

    def stamp(value):
        return connection.ops.adapt_datetimefield_value(value)

    def bare_checkout(item_id):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE catalog_item SET status = 'on_loan' WHERE id = %s AND status = 'available'",
                           [item_id])
            if cursor.rowcount != 1:
                return False
            now = timezone.now()
            cursor.execute(loan_sql, [item_id, reader.pk, reader.category_id, reader.home_library_id, library_id,
                                      stamp(now), stamp(now + dt.timedelta(days=14)), False])
        return True

    def bare_checkin(item_id):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE catalog_item SET status = 'available' WHERE id = %s", [item_id])
            cursor.execute("UPDATE circulation_loan SET returned_at = %s WHERE item_id = %s AND returned_at IS NULL",
                           [stamp(timezone.now()), item_id])

    barrier.wait()
    cpu_started = time.process_time()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        barcode = rng.choice(barcodes)
        started = time.perf_counter()
        try:
            if kind == "service":
                try:
                    services.checkout(None, card, barcode, library)
                    ok = True
                except CirculationError as error:
                    if error.code != "already_on_loan":
                        raise
                    ok = False
            else:
                ok = bare_checkout(items[barcode])
            latencies.append(time.perf_counter() - started)
            if not ok:
                contended += 1
                continue
            started = time.perf_counter()
            if kind == "service":
                services.checkin(None, barcode, library)
            else:
                bare_checkin(items[barcode])
            latencies.append(time.perf_counter() - started)
            cycles += 1
        except Exception as error:  # noqa: BLE001 - every unexpected failure is counted and shown
            errors.append(repr(error)[:200])
    cpu = time.process_time() - cpu_started
    connection.close()
    results.put({"latencies": latencies, "cycles": cycles, "contended": contended, "errors": errors, "cpu": cpu})


def _double_loans():
    """Pairs of loans of one copy whose periods overlap (must be 0)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM circulation_loan a JOIN circulation_loan b "
            "ON a.item_id = b.item_id AND a.id < b.id "
            "WHERE a.checked_out_at < COALESCE(b.returned_at, '9999-12-31') "
            "AND b.checked_out_at < COALESCE(a.returned_at, '9999-12-31')"
        )
        overlapping = cursor.fetchone()[0]
        cursor.execute(
            "SELECT COUNT(*) FROM catalog_item i WHERE i.barcode LIKE 'BENCH%%' AND "
            "((i.status = 'on_loan') <> EXISTS (SELECT 1 FROM circulation_loan l "
            "WHERE l.item_id = i.id AND l.returned_at IS NULL))"
        )
        inconsistent = cursor.fetchone()[0]
    return overlapping, inconsistent


def _percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run_database(database_url, clients_list, seconds):
    data_dir = tempfile.mkdtemp(prefix="thuvien-bench-circ-")
    _setup_django(database_url, data_dir)
    from django.db import connection, connections, transaction
    from django.utils import timezone

    pool = max(32, 4 * max(clients_list))
    library_id = _prepare(pool, max(clients_list))
    vendor = connection.vendor
    rows = []
    context = multiprocessing.get_context("fork")
    for clients in clients_list:
        for kind in ("floor", "service"):
            with transaction.atomic():  # every copy back on the shelf between runs
                with connection.cursor() as cursor:
                    cursor.execute("UPDATE circulation_loan SET returned_at = %s WHERE returned_at IS NULL",
                                   [connection.ops.adapt_datetimefield_value(timezone.now())])
                    cursor.execute("UPDATE catalog_item SET status = 'available' WHERE barcode LIKE 'BENCH%%'")
            connections.close_all()
            barrier = context.Barrier(clients + 1)
            results = context.Queue()
            processes = [context.Process(target=_client, args=(kind, i, pool, seconds, library_id, barrier, results))
                         for i in range(clients)]
            for process in processes:
                process.start()
            barrier.wait()
            started = time.perf_counter()
            collected = [results.get(timeout=seconds + 120) for _ in processes]
            elapsed = time.perf_counter() - started
            for process in processes:
                process.join(30)
            latencies = [x for r in collected for x in r["latencies"]]
            cycles = sum(r["cycles"] for r in collected)
            errors = [e for r in collected for e in r["errors"]]
            overlapping, inconsistent = _double_loans()
            rows.append({
                "db": vendor, "clients": clients, "kind": kind, "cycles": cycles,
                "throughput": cycles / elapsed, "p50_ms": _percentile(latencies, 50) * 1000,
                "p99_ms": _percentile(latencies, 99) * 1000, "mean_ms": statistics.fmean(latencies) * 1000
                if latencies else float("nan"),
                "contended": sum(r["contended"] for r in collected), "errors": len(errors),
                "cpu_ms_per_cycle": sum(r["cpu"] for r in collected) / max(cycles, 1) * 1000,
                "error_sample": errors[:3], "double_loans": overlapping, "inconsistent_items": inconsistent,
            })
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


# ----------------------------------------------------------------- orchestration

def _fresh_postgres(url):
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    if args.child:
        print(json.dumps(run_database(args.child, clients, args.seconds)))
        return
    rows = []
    for db in args.db.split(","):
        if db == "postgres":
            _fresh_postgres(args.pg)
            url = args.pg
        else:
            url = f"sqlite:///{tempfile.mkdtemp(prefix='thuvien-bench-circ-')}/bench.sqlite3"
        out = subprocess.run([sys.executable, __file__, "--child", url, "--clients", args.clients,
                              "--seconds", str(args.seconds)], check=True, capture_output=True, text=True)
        rows += json.loads(out.stdout.strip().splitlines()[-1])
    print(f"load average: {os.getloadavg()[0]:.1f}  cores: {os.cpu_count()}  seconds per run: {args.seconds}")
    print("| database | clients | floor cycles/s | service cycles/s | ratio | floor p50/p99 ms | "
          "service p50/p99 ms | client CPU ms/cycle floor/service | contended | errors | double loans |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    by_key = {(r["db"], r["clients"], r["kind"]): r for r in rows}
    for (db, n, kind), row in by_key.items():
        if kind != "service":
            continue
        floor = by_key[(db, n, "floor")]
        print(f"| {db} | {n} | {floor['throughput']:.0f} | {row['throughput']:.0f} | "
              f"{row['throughput'] / floor['throughput'] * 100:.0f} % | {floor['p50_ms']:.1f} / {floor['p99_ms']:.1f} | "
              f"{row['p50_ms']:.1f} / {row['p99_ms']:.1f} | "
              f"{floor['cpu_ms_per_cycle']:.2f} / {row['cpu_ms_per_cycle']:.2f} | {row['contended']} | "
              f"{row['errors'] + floor['errors']} | "
              f"{row['double_loans'] + row['inconsistent_items']} |")
    for row in rows:
        if row["errors"]:
            print(f"errors {row['db']} {row['clients']} {row['kind']}: {row['error_sample']}")


if __name__ == "__main__":
    main()

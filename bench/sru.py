"""SRU throughput: load N generated records, then time searchRetrieve and scan requests.

    THUVIEN_DATA_DIR=/tmp/sru-bench python bench/sru.py [N] [REQUESTS]

Requests go through Django's full request path in-process (no network), so the figures
are the server's own cost: CQL parsing, tantivy search, record reading, XML writing.
"""

import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("THUVIEN_DATA_DIR", tempfile.mkdtemp(prefix="sru-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuvien.settings")
os.environ.setdefault("THUVIEN_INDEX_MODE", "sync")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

QUERIES = [
    ("word, marcxml", {"query": "dc.title = lịch sử", "maximumRecords": "10"}),
    ("no diacritics, dc", {"query": 'dc.title = "lich su"', "recordSchema": "dc", "maximumRecords": "10"}),
    ("boolean + date", {"query": "dc.subject = nông nghiệp and dc.date >= 2000", "maximumRecords": "10"}),
    ("truncation", {"query": "dc.title = truy*", "maximumRecords": "10"}),
    ("sortBy title", {"query": "cql.allRecords = 1 sortBy dc.title", "maximumRecords": "10"}),
    ("deep page", {"query": "việt", "startRecord": "5001", "maximumRecords": "10"}),
    ("50 records", {"query": "dc.creator = nguyễn", "maximumRecords": "50"}),
]


def load(count):
    """Load and index ``count`` generated records unless the data dir has them; True if loaded."""
    from thuvien.catalog.generate import generate_records
    from thuvien.catalog.marc import derive
    from thuvien.catalog.models import BibRecord
    from thuvien.search import queue

    if BibRecord.objects.count() >= count:
        return False
    batch = []
    for marc in generate_records(count):
        batch.append(BibRecord(marc=marc, **derive(marc)))
        if len(batch) == 5000:
            BibRecord.objects.bulk_create(batch)
            batch = []
    BibRecord.objects.bulk_create(batch)
    queue.rebuild()
    return True


def timed(client, params, requests):
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get("/sru", {"version": "1.2", "operation": "searchRetrieve", **params})
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200
    return latencies, response.content


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    loaded = load(count)
    took = f"loaded and indexed in {time.perf_counter() - started:.1f} s" if loaded else "already loaded"
    print(f"records: {count} ({took}); load average {os.getloadavg()[0]:.1f}")
    client = Client()
    client.get("/sru", {"query": "warm"})
    print(f"{'query':<20} {'hits':>8} {'median ms':>10} {'p95 ms':>8} {'req/s':>7}")
    for name, params in QUERIES:
        latencies, body = timed(client, params, requests)
        hits = body.split(b"numberOfRecords>")[1].split(b"<")[0].decode()
        p95 = sorted(latencies)[int(len(latencies) * 0.95) - 1]
        print(f"{name:<20} {hits:>8} {statistics.median(latencies) * 1000:>10.1f} {p95 * 1000:>8.1f} "
              f"{len(latencies) / sum(latencies):>7.0f}")
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get("/sru", {"version": "1.2", "operation": "scan", "scanClause": "dc.title=lich", "maximumTerms": "20"})
        latencies.append(time.perf_counter() - started)
    print(f"{'scan dc.title':<20} {'':>8} {statistics.median(latencies) * 1000:>10.1f} "
          f"{sorted(latencies)[int(len(latencies) * 0.95) - 1] * 1000:>8.1f} {len(latencies) / sum(latencies):>7.0f}")


if __name__ == "__main__":
    main()

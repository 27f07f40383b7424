"""OPAC benchmark: what the public pages and the search API add on top of the search service.

    python bench/opac.py [--records 2000] [--rounds 20]

Loads the demo network with N generated records (plus the classics and local-studies
works) into a temporary SQLite database and index, then runs a fixed query mix, in the
same process and the same run, through:

- the search service alone (`search.service.search`, six facets);
- the search API (`GET /api/v1/search`, Django test client: routing, validation, holdings
  of each hit read live from the items, JSON);
- the results page (`GET /search/`: the same plus facets, pager and HTML);
- the record page (`GET /record/ID/`: description, holdings per library, MARC view).

Prints p50/p95 per door and the ratio of each to the bare service.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DATA = Path(tempfile.mkdtemp(prefix="thuvien-bench-opac-"))
os.environ["THUVIEN_DATA_DIR"] = str(DATA)
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuvien.settings")
os.environ["THUVIEN_INDEX_MODE"] = "sync"

QUERIES = [
    "de men phieu luu ky", "dia chi ninh binh", "lịch sử", "truyen kieu", "nguyeenx du",
    "văn học", "ky thuat nuoi de", "ninh binh", "", "chùa", "giáo trình", "hoa lu",
]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(fn, rounds):
    samples = []
    for _ in range(rounds):
        for q in QUERIES:
            start = time.perf_counter()
            fn(q)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from thuvien.catalog.models import BibRecord
    from thuvien.demo.loader import load
    from thuvien.search.service import SearchRequest, search

    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        result = load(generated=args.records)
        print(f"demo loaded: {result['records']} records in {time.perf_counter() - started:.1f} s")
        client = Client(HTTP_ACCEPT_LANGUAGE="vi")
        ids = list(BibRecord.objects.filter(visibility="public").values_list("id", flat=True)[:len(QUERIES)])

        def service(q):
            search(SearchRequest(q=q))

        def api(q):
            assert client.get("/api/v1/search", {"q": q}).status_code == 200

        def page(q):
            assert client.get("/search/", {"q": q}).status_code == 200

        record_ids = iter(ids * (args.rounds + 1))

        def record(_):
            assert client.get(f"/record/{next(record_ids)}/").status_code == 200

        for fn in (service, api, page, record):  # warm up
            fn(QUERIES[0])
        rows = []
        base = None
        for name, fn in (("search service (6 facets)", service), ("GET /api/v1/search", api),
                         ("GET /search/ (results page)", page), ("GET /record/ID/", record)):
            samples = timed(fn, args.rounds)
            p50, p95 = percentile(samples, 50), percentile(samples, 95)
            base = base or p95
            rows.append((name, p50, p95, p95 / base))
        print(f"\n{len(QUERIES)} queries × {args.rounds} rounds, load average {os.getloadavg()[0]:.1f}\n")
        print("| door | p50 | p95 | p95 / service |")
        print("|---|---|---|---|")
        for name, p50, p95, ratio in rows:
            print(f"| {name} | {p50:.2f} ms | {p95:.2f} ms | {ratio:.2f}× |")
    finally:
        shutil.rmtree(DATA, ignore_errors=True)


if __name__ == "__main__":
    main()

"""MARC import speed: `thuvien marc import` of the Library of Congress's BooksAll.2016.part01.utf8.

    python bench/import.py                       # all 250,000 records, SQLite then PostgreSQL
    python bench/import.py --limit 20000 --databases sqlite

The file ships inside the pymarc 5.4.0 source distribution; the bench downloads it once
(`pip download --no-deps --no-binary :all: pymarc==5.4.0`, from the local index) and keeps
it in bench/.cache (or $THUVIEN_BENCH_CACHE). It prints, from one run:

- bare pymarc parsing of the same records (MARCReader, permissive, to Unicode): records/s;
- end to end (parse, match, store, index) on a fresh SQLite database and on PostgreSQL
  (database thuvien_bench_import, dropped and created again): records/s, counts, and the
  peak resident memory (ru_maxrss) of the importing process and of its worker processes;
- the ratio end to end / bare parse (target on SQLite: at least 0.5) and peak memory
  (target: under 500 MB).

Each import runs in a fresh process, so that its ru_maxrss is its own.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("THUVIEN_BENCH_CACHE", ROOT / "bench" / ".cache"))
MEMBER = "pymarc-5.4.0/BooksAll.2016.part01.utf8"
PG_URL = "postgres://postgres@127.0.0.1:5432/thuvien_bench_import"


def books_file():
    target = CACHE / "BooksAll.2016.part01.utf8"
    if target.exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    sdist = CACHE / "pymarc-5.4.0.tar.gz"
    if not sdist.exists():
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                        "pymarc==5.4.0", "-d", str(CACHE)], check=True)
    with tarfile.open(sdist) as tar:
        source = tar.extractfile(MEMBER)
        partial = target.with_suffix(".part")
        with open(partial, "wb") as out:
            while chunk := source.read(1 << 20):
                out.write(chunk)
        partial.rename(target)
    return target


def sliced(path, limit):
    """The first ``limit`` records of ``path`` as a file of their own (cached)."""
    if not limit:
        return path
    target = CACHE / f"BooksAll.first{limit}.mrc"
    if not target.exists():
        with open(path, "rb") as source, open(target.with_suffix(".part"), "wb") as out:
            for _ in range(limit):
                head = source.read(5)
                if not head:
                    break
                out.write(head + source.read(int(head) - 5))
        target.with_suffix(".part").rename(target)
    return target


def bare_parse(path):
    import pymarc

    started = time.perf_counter()
    count = 0
    with open(path, "rb") as stream:
        for record in pymarc.MARCReader(stream, to_unicode=True, force_utf8=True, permissive=True):
            if record is not None:
                count += 1
    seconds = time.perf_counter() - started
    return {"records": count, "seconds": seconds, "rate": count / seconds}


def child(database, path, workers):
    """Run one import in this (fresh) process and print its figures as JSON."""
    data_dir = tempfile.mkdtemp(prefix="bench-import-")
    os.environ["THUVIEN_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuvien.settings")
    os.environ["THUVIEN_INDEX_MODE"] = "sync"
    if database == "postgres":
        os.environ["DATABASE_URL"] = PG_URL
        import psycopg

        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS thuvien_bench_import")
            conn.execute("CREATE DATABASE thuvien_bench_import")
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from thuvien.catalog.marcimport import importer
    from thuvien.demo.loader import load_network
    from thuvien.search.service import SearchRequest, search

    load_network()
    from thuvien.network.models import Library

    library = Library.objects.get(code="NB-TVT")
    summary = importer.import_file(str(path), library, rejects_path=os.path.join(data_dir, "rejects.mrc"),
                                   progress=importer.Progress(os.path.getsize(path), sys.stderr, every=5.0),
                                   workers=workers)
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the search below maps the index
    found = search(SearchRequest(q="history")).total
    print(json.dumps({
        **summary.as_dict(), "seconds": summary.seconds, "rate": summary.read / summary.seconds,
        "maxrss_mb": maxrss, "maxrss_after_search_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "workers_maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "searchable_history": found,
    }))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="only the first N records (default: all)")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--workers", type=int, default=-1, help="decoding processes (default: the importer's choice)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    workers = None if args.workers < 0 else args.workers
    if args.child:
        child(args.child, Path(args.file), workers)
        return
    path = sliced(books_file(), args.limit)
    print(f"file: {path} ({path.stat().st_size / 1e6:.1f} MB)", flush=True)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
    bare = bare_parse(path)
    print(f"bare pymarc parse: {bare['records']} records in {bare['seconds']:.1f} s = {bare['rate']:.0f} records/s",
          flush=True)
    results = {"bare": bare}
    for database in [d.strip() for d in args.databases.split(",") if d.strip()]:
        command = [sys.executable, __file__, "--child", database, "--file", str(path), "--workers", str(args.workers)]
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        done = subprocess.run(command, stdout=subprocess.PIPE, env=env, check=True, text=True)
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        results[database] = figures
        print(f"{database}: {figures['read']} records in {figures['seconds']:.1f} s = {figures['rate']:.0f} records/s "
              f"end to end ({figures['rate'] / bare['rate']:.2f} × bare parse); created {figures['created']}, "
              f"merged {figures['merged']}, unchanged {figures['unchanged']}, rejected {figures['rejected']}; "
              f"peak memory {figures['maxrss_mb']:.0f} MB (workers {figures['workers_maxrss_mb']:.0f} MB; "
              f"{figures['maxrss_after_search_mb']:.0f} MB after a first search)",
              flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()

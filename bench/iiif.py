"""Digital library benchmark: ingest (tiles included), OCR, and IIIF tile serving.

    python bench/iiif.py [--pages 200] [--width 3000 --height 4000] [--ocr-pages 10] [--requests 2000]

Generates M page images with Vietnamese text, ingests them as one digital object
(static IIIF tiles and sizes made with libvips), OCRs some pages (Tesseract `vie`),
then starts the real HTTP server (`thuvien serve` = gunicorn, on a loopback port) and
asks for random tiles through /iiif/3/..., and, in the same run, the same tile files
from a plain static file server (Python's http.server) as the floor. Reports ingest
and OCR throughput separately and the tile latency percentiles of both.
Everything lives in a temporary data directory that is removed at the end.
"""

import argparse
import http.client
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DATA = Path(tempfile.mkdtemp(prefix="thuvien-bench-iiif-"))
os.environ["THUVIEN_DATA_DIR"] = str(DATA)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuvien.settings")
os.environ["THUVIEN_INDEX_MODE"] = "sync"
THUVIEN = Path(sys.executable).parent / "thuvien"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, path, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server on port {port} did not start")


def fetch(port, path):
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    elapsed = time.perf_counter() - started
    if response.status != 200 or not body:
        raise RuntimeError(f"{path}: HTTP {response.status}")
    return elapsed


def percentiles(samples):
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "mean": statistics.mean(ordered) * 1000}


def run_load(port, paths, concurrency):
    if concurrency == 1:
        return [fetch(port, p) for p in paths]
    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(lambda p: fetch(port, p), paths))


def make_pages(folder, count, width, height):
    from thuvien.digital.samples import TEXTS, page_image

    distinct = []
    for n in range(min(count, 8)):
        text = "\n".join(TEXTS[(n + k) % len(TEXTS)] for k in range(6))
        distinct.append(page_image(text, folder / f"distinct-{n}.jpg", size=(width, height),
                                   font_size=max(20, width // 40), margin=width // 12))
    pages = []
    for n in range(count):
        target = folder / f"page-{n + 1:04d}.jpg"
        shutil.copyfile(distinct[n % len(distinct)], target)
        pages.append(target)
    for path in distinct:
        path.unlink()
    return pages


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--width", type=int, default=3000)
    parser.add_argument("--height", type=int, default=4000)
    parser.add_argument("--ocr-pages", type=int, default=10, help="pages to OCR for the OCR throughput")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (serve's default)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from thuvien.catalog import services
    from thuvien.catalog.generate import marc_record
    from thuvien.demo.loader import load_network
    from thuvien.digital.ingest import ingest
    from thuvien.digital.models import DigitalFile, media_path
    from thuvien.digital.ocr import ocr_page

    _, libraries = load_network()
    record = services.create_record(marc_record(title="Địa chí Ninh Bình (bench)", authors=["Bench"], year=2000))
    source = DATA / "source"
    source.mkdir()
    started = time.perf_counter()
    paths = make_pages(source, args.pages, args.width, args.height)
    print(f"generated {args.pages} pages of {args.width}x{args.height} px in {time.perf_counter() - started:.1f} s "
          f"(not counted)")

    started = time.perf_counter()
    result = ingest(paths, record, access="open", library=libraries["NB-TVT"], wait=False)
    ingest_seconds = time.perf_counter() - started
    obj = result.object
    tile_files = [p for p in media_path(obj.storage_dir).rglob("default.jpg")]
    megapixels = args.pages * args.width * args.height / 1e6
    print(f"ingest: {result.pages} pages in {ingest_seconds:.1f} s = {result.pages / ingest_seconds:.2f} pages/s "
          f"({megapixels / ingest_seconds:.1f} Mpx/s), {len(tile_files)} tile and size files, "
          f"checksums and copies included")

    pages = list(DigitalFile.objects.filter(object=obj).order_by("order")[: args.ocr_pages])
    started = time.perf_counter()
    done = sum(ocr_page(page) for page in pages)
    ocr_seconds = time.perf_counter() - started
    if pages:
        print(f"OCR: {done} pages in {ocr_seconds:.1f} s = {done / ocr_seconds:.3f} pages/s "
              f"({ocr_seconds / max(done, 1):.1f} s a page, one core, Tesseract vie)")

    # Random tiles (not sizes): the requests a zooming viewer makes.
    media_root = Path(settings.MEDIA_ROOT)
    file_ids = {f.iiif_dir: f.pk for f in DigitalFile.objects.filter(object=obj)}
    tiles = [p for p in tile_files if "/full/" not in str(p)]
    rng = random.Random(2026)
    chosen = [rng.choice(tiles) for _ in range(args.requests)]
    iiif_paths, static_paths = [], []
    for tile in chosen:
        relative = tile.relative_to(media_root)
        parts = relative.parts
        iiif_dir = "/".join(parts[:6])  # digital/objects/<id>/pages/<n>/iiif
        rest = "/".join(parts[6:])
        iiif_paths.append(f"/iiif/3/{file_ids[iiif_dir]}/{rest}")
        static_paths.append("/" + str(relative))

    app_port, static_port = free_port(), free_port()
    env = dict(os.environ, THUVIEN_DATA_DIR=str(DATA), THUVIEN_INDEX_MODE="off")
    server = subprocess.Popen([str(THUVIEN), "serve", "--bind", f"127.0.0.1:{app_port}",
                               "--workers", str(args.workers), "--threads", str(args.threads), "--no-worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    static = subprocess.Popen([sys.executable, "-m", "http.server", str(static_port), "--bind", "127.0.0.1",
                               "--directory", str(media_root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(app_port, iiif_paths[0])
        wait_for(static_port, static_paths[0])
        for label, port, paths_ in (("warm-up", app_port, iiif_paths[:50]), ("warm-up", static_port, static_paths[:50])):
            run_load(port, paths_, 1)
        print(f"tile requests: {args.requests} random tiles, a new connection per request")
        for concurrency in (1, args.concurrency):
            iiif = percentiles(run_load(app_port, iiif_paths, concurrency))
            floor = percentiles(run_load(static_port, static_paths, concurrency))
            print(f"  concurrency {concurrency}: IIIF via thuvien serve p50 {iiif['p50']:.2f} ms, "
                  f"p95 {iiif['p95']:.2f} ms, p99 {iiif['p99']:.2f} ms | plain static (http.server) "
                  f"p50 {floor['p50']:.2f} ms, p95 {floor['p95']:.2f} ms, p99 {floor['p99']:.2f} ms | "
                  f"p95 ratio {iiif['p95'] / floor['p95']:.2f}x")
    finally:
        for process in (server, static):
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(DATA, ignore_errors=True)


if __name__ == "__main__":
    main()

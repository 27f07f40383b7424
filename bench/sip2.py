"""SIP2 benchmark: kiosks doing checkout/checkin cycles through the SIP2 server.

    python bench/sip2.py [--db sqlite|postgres] [--kiosks 1,4,16] [--seconds 8]
                         [--pg postgres://postgres@127.0.0.1:5432/thuvien_bench_sip2]

A fresh database (a SQLite file in a temporary directory, or the PostgreSQL database
dropped and created again) gets the network, the demo rules, one reader per kiosk and a
pool of 4×K copies (at least 32). ``thuvien sip2`` runs as its own process; K kiosk
connections (threads of this process, sockets only) each log in and, for S seconds, pick
a random copy, check it out (11) to their reader and, if that worked, check it in (09).
Kiosks collide on copies on purpose (a 120 refusal is expected). Afterwards the loans
table is checked for double loans.

In the same run, as the baseline, K threads (each with its own database connection) call
``circulation.services.checkout``/``checkin`` directly: the same work without SIP2. The
ratio says what the protocol door adds. Throughput is completed cycles per second;
latencies are per operation.
"""

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/thuvien_bench_sip2"
PASSWORD = "bench-kiosk-pass"
DATE = "20260101    120000"


def setup_django(database_url, data_dir):
    os.environ["DATABASE_URL"] = database_url
    os.environ["THUVIEN_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "thuvien.settings"
    os.environ["THUVIEN_INDEX_MODE"] = "off"  # index updates are queued (part of the cost), not applied
    import django

    django.setup()


def prepare(pool_size, kiosks):
    from django.core.management import call_command

    from thuvien.catalog import services as catalog
    from thuvien.catalog.generate import marc_record
    from thuvien.circulation import services
    from thuvien.circulation.demo import load_categories_and_rules
    from thuvien.circulation.models import LoanRule
    from thuvien.demo.loader import load_network
    from thuvien.interop.sip2.accounts import add_account

    call_command("migrate", verbosity=0)
    _network, libraries = load_network()
    categories = load_categories_and_rules()
    library = libraries["NB-KS"]
    LoanRule.objects.create(library=library, max_loans=10_000, max_fines=10**9)
    for n in range(kiosks):
        services.register_reader(None, library, f"K{n:04d}", f"Bạn đọc {n}", categories["adult"])
    record = catalog.create_record(marc_record(title="Sách thử tải", authors=["Thư viện"], year=2026))
    for n in range(pool_size):
        catalog.add_item(None, record, library, barcode=f"SIP{n:05d}")
    add_account(None, "bench", "NB-KS", PASSWORD)
    return library


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Kiosk:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.buffer = b""
        assert self.send(f"9300CNbench|CO{PASSWORD}|").startswith("941")

    def send(self, text):
        self.sock.sendall(text.encode() + b"\r")
        while b"\r" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\r")
        return line.decode()


def run_clients(kiosks, seconds, pool_size, path):
    """K threads run ``path.cycle(state, index, barcode) -> (ok, [latency, ...])`` for S seconds."""
    barrier = threading.Barrier(kiosks + 1)
    results = [None] * kiosks
    deadline = [0.0]

    def client(index):
        rng = random.Random(index)
        cycles, refused, errors, latencies = 0, 0, 0, []
        state = path.open(index)
        barrier.wait()
        while time.perf_counter() < deadline[0]:
            barcode = f"SIP{rng.randrange(pool_size):05d}"
            try:
                ok, times = path.cycle(state, index, barcode)
            except Exception as error:  # counted, shown below
                errors += 1
                if errors < 3:
                    print(f"  client {index}: {error!r}", file=sys.stderr)
                continue
            latencies += times
            cycles += ok
            refused += not ok
        path.close(state)
        results[index] = (cycles, refused, errors, latencies)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(kiosks)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + 3600  # set for real once every client is ready
    barrier.wait()
    start = time.perf_counter()
    deadline[0] = start + seconds
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    cycles = sum(r[0] for r in results)
    latencies = sorted(t for r in results for t in r[3])
    return {
        "cycles_per_s": cycles / elapsed,
        "refused": sum(r[1] for r in results),
        "errors": sum(r[2] for r in results),
        "p50_ms": 1000 * statistics.median(latencies) if latencies else 0,
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0,
    }


class Sip2Path:
    """Kiosk connections to the SIP2 server (sockets only)."""

    def __init__(self, port):
        self.port = port

    def open(self, index):
        return Kiosk(self.port)

    def close(self, kiosk):
        kiosk.sock.close()

    def cycle(self, kiosk, index, barcode):
        t0 = time.perf_counter()
        out = kiosk.send(f"11NN{DATE}{' ' * 18}AONB-KS|AAK{index:04d}|AB{barcode}|AC|")
        t1 = time.perf_counter()
        if not out.startswith("121"):
            if not out.startswith("120"):
                raise RuntimeError(out)
            return False, [t1 - t0]
        back = kiosk.send(f"09N{DATE}{DATE}APbench|AONB-KS|AB{barcode}|")
        t2 = time.perf_counter()
        if not back.startswith("101"):
            raise RuntimeError(back)
        return True, [t1 - t0, t2 - t1]


class DirectPath:
    """The same work as direct service calls (each thread its own database connection)."""

    def __init__(self, library):
        self.library = library

    def open(self, index):
        return None

    def close(self, _state):
        from django.db import connection

        connection.close()

    def cycle(self, _state, index, barcode):
        from thuvien.circulation import services
        from thuvien.circulation.errors import CirculationError

        t0 = time.perf_counter()
        try:
            services.checkout(None, f"K{index:04d}", barcode, self.library, channel="sip2")
        except CirculationError as error:
            if error.code != "already_on_loan":
                raise
            return False, [time.perf_counter() - t0]
        t1 = time.perf_counter()
        services.checkin(None, barcode, self.library, channel="sip2")
        return True, [t1 - t0, time.perf_counter() - t1]


def double_loans():
    from django.db.models import Count

    from thuvien.circulation.models import Loan

    return Loan.objects.filter(returned_at__isnull=True).values("item").annotate(n=Count("id")).filter(
        n__gt=1).count()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--kiosks", default="1,4,16")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--pg", default=DEFAULT_PG)
    args = parser.parse_args()
    counts = [int(k) for k in args.kiosks.split(",")]
    pool_size = max(32, 4 * max(counts))
    with tempfile.TemporaryDirectory() as tmp:
        if args.db == "postgres":
            url = args.pg
            base, name = url.rsplit("/", 1)
            subprocess.run(["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
            subprocess.run(["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
        else:
            url = f"sqlite:///{tmp}/bench.sqlite3"
        setup_django(url, tmp)
        started = time.perf_counter()
        library = prepare(pool_size, max(counts))
        print(f"# SIP2 bench on {args.db}: {pool_size} copies, prepared in {time.perf_counter() - started:.0f} s")
        port = free_port()
        env = dict(os.environ)
        server = subprocess.Popen([sys.executable, "-m", "thuvien.cli", "sip2", "--port", str(port)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            for line in server.stdout:  # system check warnings may come first
                if "listening" in line:
                    break
            else:
                raise SystemExit("the SIP2 server did not start")
            print(f"{'kiosks':>6} {'path':>8} {'cycles/s':>9} {'p50 ms':>7} {'p95 ms':>7} {'refused':>8} {'errors':>6}")
            for kiosks in counts:
                rows = {}
                for path, runner in (("sip2", Sip2Path(port)), ("direct", DirectPath(library))):
                    rows[path] = result = run_clients(kiosks, args.seconds, pool_size, runner)
                    print(f"{kiosks:>6} {path:>8} {result['cycles_per_s']:>9.1f} {result['p50_ms']:>7.1f} "
                          f"{result['p95_ms']:>7.1f} {result['refused']:>8} {result['errors']:>6}")
                ratio = rows["sip2"]["cycles_per_s"] / max(rows["direct"]["cycles_per_s"], 1e-9)
                print(f"{kiosks:>6} {'ratio':>8} {ratio:>9.2f}  (SIP2 / direct services)")
            print(f"double loans: {double_loans()}")
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()

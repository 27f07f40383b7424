"""Search at scale: our search service beside raw tantivy and SQL full text, on the same data.

    python bench/search.py                 # 1,000,000 records (the issue's target size)
    python bench/search.py --n 100000      # a quicker run

It generates N Vietnamese-like records (the vocabulary of ``thuvien.catalog.generate``)
straight into search documents, the same fields ``search.documents`` builds from the
database, and writes them to a fresh index generation (the build rate is timed apart from
the generation of the records). The same records go into an SQLite FTS5 table and, if
PostgreSQL is reachable, a ``tsvector`` column with a GIN index (database
``thuvien_bench_search``; ``--pg-url`` or ``THUVIEN_BENCH_PG`` to change it, ``--no-pg`` to
skip). SQL text is stored folded (no diacritics, đ→d), as our folded fields are.

Then a fixed query mix runs round-robin through the engines, so that load on the shared
machine hits them alike:

- ours: ``thuvien.search.service.search`` with three facets (library, subject, year), first
  page of 20 record ids, total count;
- raw tantivy: the plainest equivalent done by hand with the tantivy API: every folded
  word must be in the catch-all field, restricted records left out (so it finds the same
  records as ours: the hit counts are printed side by side), top 20 by BM25 with the
  count, the same three facets in one ``aggregate`` call, and the 20 ids read from the
  fast field; one call after the other, no boosts, no Telex/VNI alternatives;
- raw tantivy without facets (the baseline of earlier runs, for comparison only);
- SQLite FTS5: ``MATCH`` ranked by ``bm25`` (top 20) plus ``count(*)``;
- PostgreSQL: ``@@`` ranked by ``ts_rank`` (top 20) plus ``count(*)``.

The SQL rows get no facets, which favours them. Wall-clock latency is what the targets
read; CPU time of the process (``time.process_time``, all its threads) is printed beside
it, since the shared machine's load moves wall clock much more than CPU time.
"""

import argparse
import datetime
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuvien.settings")
os.environ.setdefault("THUVIEN_DATA_DIR", tempfile.mkdtemp(prefix="search-bench-"))
os.environ.setdefault("THUVIEN_INDEX_MODE", "off")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from tantivy import Occur, Query  # noqa: E402

from thuvien.catalog import generate as g  # noqa: E402
from thuvien.core.vietnamese import decode_typed, fold, sort_key  # noqa: E402
from thuvien.search import documents, index, service  # noqa: E402
from thuvien.search.documents import ANY_LIBRARY  # noqa: E402
from thuvien.search.query import parse  # noqa: E402
from thuvien.search.service import FACET_SIZES, SearchRequest, search  # noqa: E402

LIBRARIES = ["NB-TVT", "NB-TPNB", "NB-TD", "NB-NQ", "NB-GV", "NB-HL", "NB-YK", "NB-KS", "NB-YM",
             "NB-THPT-LVT", "NB-THCS-DTH", "NB-TH-KS", "NB-CD-TA"]
FACETS = ("library", "subject", "year")

# The fixed query mix: common and rare words, with and without diacritics, Telex and
# VNI typed without an input method, a phrase, a prefix, an author, a filter.
QUERIES = [
    ("lịch sử việt nam", {}),
    ("lich su viet nam", {}),
    ("địa chí ninh bình", {}),
    ("dia chi ninh binh", {}),
    ("kỹ thuật nuôi dê", {}),
    ("ky thuat nuoi de", {}),
    ("nguyeenx vawn", {}),             # Telex: Nguyễn Văn
    ("lich5 su73", {}),                # VNI: lịch sử
    ('"hoa lư"', {}),
    ("giáo trình tin*", {}),
    ("phạm thị lan", {}),
    ("ca dao tục ngữ", {}),
    ("kinh tế phát triển", {"library": "NB-KS"}),
    ("cà phê", {"available": True}),
]


# --- generating records -----------------------------------------------------------

def generate_records(n, seed=2026):
    """Yield plain record dicts shaped like the rows ``documents_for`` reads."""
    rng = random.Random(seed)
    base = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    for record_id in range(1, n + 1):
        heading, ddc, nouns = rng.choice(g.TOPICS)
        authors = [g.person(rng) for _ in range(rng.choice((1, 1, 1, 2, 3)))]
        place, publisher = rng.choice(g.PUBLISHERS)
        title = g._title(rng, heading, nouns)
        title = title[0].upper() + title[1:]
        subjects = [heading] + ([rng.choice(g.PLACES)] if rng.random() < 0.3 else [])
        holders = rng.sample(LIBRARIES, rng.choice((1, 1, 2, 3, 5)))
        available = [code for code in holders if rng.random() < 0.7]
        record = {
            "id": record_id, "title": title, "title_sort": sort_key(title)[:200], "authors": authors,
            "subjects": subjects, "publisher": publisher, "place": place,
            "year": rng.randint(1960, 2026), "language": "vie" if rng.random() < 0.9 else "eng",
            "material_type": "book" if rng.random() < 0.85 else rng.choice(("serial", "map", "video")),
            "isbns": [g.isbn(rng)], "ddc": ddc, "is_deleted": False,
            "visibility": "public" if rng.random() < 0.99 else "staff",
            "created_at": base + datetime.timedelta(minutes=record_id), "marc": {"fields": []},
        }
        yield record, holders, available


# --- building ---------------------------------------------------------------------

def build(n, batch, heap_mb, pg):
    """Build the tantivy generation, the FTS5 table and the PostgreSQL table; return timings."""
    generation, new_index = index.new_generation()
    writer = new_index.writer(heap_mb * 1_000_000, 0)
    fts_path = Path(settings.DATA_DIR) / "fts5.sqlite3"
    fts_path.unlink(missing_ok=True)
    fts = sqlite3.connect(fts_path)
    fts.execute("PRAGMA journal_mode=OFF")
    fts.execute("PRAGMA synchronous=OFF")
    fts.execute("CREATE VIRTUAL TABLE docs USING fts5(title, author, subject, body, tokenize='unicode61')")
    pg_file = open(Path(settings.DATA_DIR) / "pg.tsv", "w") if pg else None
    times = {"generate": 0.0, "index": 0.0, "fts5": 0.0}
    pending = []
    started_all = time.perf_counter()

    def flush():
        t0 = time.perf_counter()
        for fields in pending:
            writer.add_document(index.make_document(fields))
        t1 = time.perf_counter()
        fts.executemany(
            "INSERT INTO docs(rowid, title, author, subject, body) VALUES (?, ?, ?, ?, ?)",
            [(f["id"], f["title_fold"], f["author_fold"], f["subject_fold"], _body(f)) for f in pending],
        )
        t2 = time.perf_counter()
        if pg_file:
            for f in pending:
                pg_file.write(f"{f['id']}\t{_tsv(f['title_fold'])}\t{_tsv(_body(f))}\n")
        times["index"] += t1 - t0
        times["fts5"] += t2 - t1
        pending.clear()

    t = time.perf_counter()
    for done, (record, holders, available) in enumerate(generate_records(n), 1):
        pending.append(documents._fields(record, set(holders), set(available), None, {}))
        if len(pending) == batch:
            times["generate"] += time.perf_counter() - t
            flush()
            t = time.perf_counter()
            if done % 100_000 == 0:
                print(f"  generated and written {done:,} records ({time.perf_counter() - started_all:.0f} s)",
                      flush=True)
    times["generate"] += time.perf_counter() - t
    flush()
    t0 = time.perf_counter()
    writer.commit()
    writer.wait_merging_threads()
    del writer
    times["index"] += time.perf_counter() - t0
    index.activate(generation)
    t0 = time.perf_counter()
    fts.commit()
    fts.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    fts.commit()
    times["fts5"] += time.perf_counter() - t0
    fts.close()
    if pg_file:
        pg_file.close()
        times["postgres"] = pg.load(Path(pg_file.name))
    return times


def _body(fields):
    """The catch-all folded text, once (our index also holds the title a second time)."""
    value = fields["text_fold"]
    return value[0] if isinstance(value, list) else value


def _tsv(text):
    return text.replace("\\", " ").replace("\t", " ").replace("\n", " ")


class Postgres:
    def __init__(self, url):
        import psycopg

        self.psycopg = psycopg
        self.url = url
        base, _, name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                admin.execute(f'CREATE DATABASE "{name}"')
        self.conn = psycopg.connect(url, autocommit=True)

    def load(self, path):
        c = self.conn
        started = time.perf_counter()
        c.execute("DROP TABLE IF EXISTS docs")
        c.execute("CREATE TABLE docs (id bigint PRIMARY KEY, title text, body text, tsv tsvector)")
        with c.cursor().copy("COPY docs (id, title, body) FROM STDIN") as copy:
            with open(path, "rb") as f:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
        c.execute("UPDATE docs SET tsv = setweight(to_tsvector('simple', title), 'A') || "
                  "to_tsvector('simple', body)")
        c.execute("CREATE INDEX docs_tsv ON docs USING gin (tsv)")
        c.execute("VACUUM ANALYZE docs")
        return time.perf_counter() - started

    def query(self, tsquery):
        rows = self.conn.execute(
            "SELECT id FROM docs WHERE tsv @@ to_tsquery('simple', %s) "
            "ORDER BY ts_rank(tsv, to_tsquery('simple', %s)) DESC LIMIT 20", (tsquery, tsquery)
        ).fetchall()
        total = self.conn.execute(
            "SELECT count(*) FROM docs WHERE tsv @@ to_tsquery('simple', %s)", (tsquery,)
        ).fetchone()[0]
        return total, [r[0] for r in rows]


# --- the same query for each engine -------------------------------------------------

def folded_terms(text):
    """What a plain engine gets: folded words (Telex/VNI read as Vietnamese), phrases, prefixes."""
    parsed = parse(text)
    words = []
    for word, prefix in parsed.words:
        readings = [] if prefix else decode_typed(word)
        words.append((fold(readings[0] if readings else word), prefix))
    phrases = [[fold(w) for w in phrase] for phrase in parsed.phrases]
    return words, phrases


def raw_query(text, extra=None):
    s = index.schema()
    words, phrases = folded_terms(text)
    # Staff-only records are not public: left out, as by our service; the same filters.
    clauses = [(Occur.MustNot, Query.term_query(s, "visibility", "staff"))]
    extra = extra or {}
    if extra.get("library"):
        clauses.append((Occur.Must, Query.term_query(s, "f_library", extra["library"])))
    if extra.get("available"):
        clauses.append((Occur.Must, Query.term_query(s, "f_available", extra.get("library") or ANY_LIBRARY)))
    for word, prefix in words:
        if prefix:
            clauses.append((Occur.Must, Query.regex_query(s, "text_fold", word + ".*")))
        else:
            clauses.append((Occur.Must, Query.term_query(s, "text_fold", word)))
    for phrase in phrases:
        clauses.append((Occur.Must, Query.phrase_query(s, "text_fold", phrase)))
    return Query.boolean_query(clauses)


def fts5_match(text):
    words, phrases = folded_terms(text)
    parts = [f'"{w}"' + ("*" if prefix else "") for w, prefix in words]
    parts += ['"' + " ".join(p) + '"' for p in phrases]
    return " ".join(parts)


def pg_tsquery(text):
    words, phrases = folded_terms(text)
    parts = [w + (":*" if prefix else "") for w, prefix in words]
    parts += ["(" + " <-> ".join(p) + ")" for p in phrases]
    return " & ".join(parts)


def run_ours(text, extra):
    result = search(SearchRequest(q=text, facets=FACETS, **extra))
    return result.total


RAW_AGGREGATIONS = {name: {"terms": {"field": field, "size": FACET_SIZES.get(name, 15)}}
                    for name, field in (("library", "f_library"), ("subject", "f_subject"), ("year", "year"))}


def run_raw(searcher, query):
    """What a plain tantivy user writes for a result page: hits, count, facets, ids."""
    found = searcher.search(query, limit=20, count=True)
    searcher.aggregate(query, RAW_AGGREGATIONS)
    searcher.fast_field_values("id", [address for _, address in found.hits])
    return found.count


def run_raw_no_facets(searcher, query):
    return searcher.search(query, limit=20, count=True).count


def run_fts5(conn, match):
    conn.execute("SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 20", (match,)).fetchall()
    return conn.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[0]


def percentiles(samples):
    ordered = sorted(samples)

    def at(p):
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000

    return at(50), at(95), at(99), statistics.fmean(ordered) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="records to generate (default 1,000,000)")
    parser.add_argument("--rounds", type=int, default=30, help="rounds of the query mix for tantivy")
    parser.add_argument("--sql-rounds", type=int, default=5, help="rounds of the query mix for SQL")
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--heap-mb", type=int, default=512, help="tantivy writer memory")
    parser.add_argument("--pg-url", default=os.environ.get(
        "THUVIEN_BENCH_PG", "postgres://postgres@127.0.0.1:5432/thuvien_bench_search"))
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-query-cache", action="store_true",
                        help="build every query afresh (the mix repeats its queries, which the service's "
                             "prepared-query cache would otherwise serve after the warm-up round)")
    parser.add_argument("--reuse", action="store_true",
                        help="query the data a previous run left in THUVIEN_DATA_DIR instead of building it")
    args = parser.parse_args()

    settings.SEARCH_INDEX_DIR = Path(settings.DATA_DIR) / "bench-index"
    index.reset_process_state()
    if args.no_query_cache:
        service.QUERY_CACHE_SIZE = 0
    pg = None
    if not args.no_pg:
        try:
            pg = Postgres(args.pg_url)
        except Exception as exc:  # noqa: BLE001 - the bench runs without PostgreSQL
            print(f"PostgreSQL not reachable ({exc.__class__.__name__}: {exc}); its row is left out")
    print(f"search bench: {args.n:,} records, data in {settings.DATA_DIR}; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)

    if args.reuse and index.current_generation() and index.searcher().num_docs == args.n:
        print(f"reusing the index, FTS5 file and PostgreSQL table built earlier in {settings.DATA_DIR}")
        return run_queries(args, pg)
    times = build(args.n, args.batch, args.heap_mb, pg)
    print(f"\nbuild ({args.n:,} records):")
    print(f"  generating the records (Python, not indexing): {times['generate']:.1f} s")
    print(f"  tantivy index build: {times['index']:.1f} s = {args.n / times['index']:,.0f} docs/s "
          f"(documents made, added, committed, merged)")
    print(f"  SQLite FTS5 insert + optimize: {times['fts5']:.1f} s = {args.n / times['fts5']:,.0f} docs/s")
    if "postgres" in times:
        print(f"  PostgreSQL COPY + tsvector + GIN: {times['postgres']:.1f} s = "
              f"{args.n / times['postgres']:,.0f} docs/s")
    size = sum(f.stat().st_size for f in Path(settings.SEARCH_INDEX_DIR).rglob("*") if f.is_file())
    print(f"  index size {size / 1e6:,.0f} MB; {index.searcher().num_docs:,} documents", flush=True)
    return run_queries(args, pg)


def run_queries(args, pg):

    fts = sqlite3.connect(Path(settings.DATA_DIR) / "fts5.sqlite3")
    fts.execute("PRAGMA cache_size=-200000")
    engines = {"ours": [], "raw": [], "raw_plain": [], "fts5": [], "postgres": []}
    cpu = {name: [] for name in engines}
    per_query = {text: {name: [] for name in engines} for text, _ in QUERIES}
    hits = {text: {} for text, _ in QUERIES}
    prepared = [(text, extra, raw_query(text, extra), fts5_match(text), pg_tsquery(text)) for text, extra in QUERIES]

    def timed(name, text, fn, *fn_args):
        c0 = time.process_time()
        t0 = time.perf_counter()
        total = fn(*fn_args)
        elapsed = time.perf_counter() - t0
        cpu[name].append(time.process_time() - c0)
        engines[name].append(elapsed)
        per_query[text][name].append(elapsed)
        hits[text][name] = total

    load_before = os.getloadavg()[0]
    print(f"\nqueries: {len(QUERIES)} in the mix; {args.rounds} rounds for tantivy, {args.sql_rounds} for SQL "
          f"(after one warm-up round); prepared-query cache {'off' if args.no_query_cache else 'on'}; "
          f"load average {load_before:.1f}", flush=True)
    for round_no in range(args.rounds + 1):
        searcher = index.searcher()
        for text, extra, raw, match, tsq in prepared:
            timed("ours", text, run_ours, text, extra)
            timed("raw", text, run_raw, searcher, raw)
            timed("raw_plain", text, run_raw_no_facets, searcher, raw)
            if round_no <= args.sql_rounds:
                timed("fts5", text, run_fts5, fts, match)
                if pg:
                    timed("postgres", text, lambda q: pg.query(q)[0], tsq)
        if round_no == 0:  # warm-up
            for samples in [*engines.values(), *cpu.values()]:
                samples.clear()
            for by_engine in per_query.values():
                for samples in by_engine.values():
                    samples.clear()

    print(f"\n{'query':<24} {'hits':>7} {'raw hits':>8} {'ours p50':>9} {'raw p50':>8} {'fts5 p50':>9} "
          f"{'pg p50':>8}  (ms, wall)")
    for text, _extra in QUERIES:
        row = per_query[text]
        cells = [f"{statistics.median(row[name]) * 1000:>8.1f}" if row[name] else f"{'-':>8}"
                 for name in ("ours", "raw", "fts5", "postgres")]
        label = text + (" +filter" if _extra else "")
        raw_hits = hits[text]["raw"]
        note = "" if raw_hits == hits[text]["ours"] else "  (raw finds other records)"
        print(f"{label[:24]:<24} {hits[text]['ours']:>7} {raw_hits:>8} {cells[0]:>9} "
              f"{cells[1]:>8} {cells[2]:>9} {cells[3]:>8}{note}")

    print(f"\n{'engine (wall clock)':<48} {'samples':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    labels = {
        "ours": "ours: service.search, 3 facets, top 20 ids",
        "raw": "raw tantivy: same hits, 3 facets, top 20 ids",
        "raw_plain": "raw tantivy without facets (earlier baseline)",
        "fts5": "SQLite FTS5: MATCH, bm25 top 20 + count",
        "postgres": "PostgreSQL: tsvector GIN, ts_rank + count",
    }
    p95 = {}
    cpu95 = {}
    for name, samples in engines.items():
        if not samples:
            continue
        p50, p95[name], p99, mean = percentiles(samples)
        print(f"{labels[name]:<48} {len(samples):>7} {p50:>8.2f} {p95[name]:>8.2f} {p99:>8.2f} {mean:>8.2f}")
    print(f"\n{'engine (CPU time of the process)':<48} {'samples':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'mean ms':>8}")
    for name, samples in cpu.items():
        if not samples:
            continue
        p50, cpu95[name], p99, mean = percentiles(samples)
        # PostgreSQL works in its server process: only the client's share is counted here.
        label = "PostgreSQL: client side only (not the server)" if name == "postgres" else labels[name]
        print(f"{label:<48} {len(samples):>7} {p50:>8.2f} {cpu95[name]:>8.2f} {p99:>8.2f} {mean:>8.2f}")

    print(f"\ntargets at {args.n:,} records (load average {load_before:.1f} → {os.getloadavg()[0]:.1f}):")
    ok = p95["ours"] <= 30
    print(f"  our p95 {p95['ours']:.2f} ms ≤ 30 ms: {'yes' if ok else 'NO'}")
    ratio = p95["ours"] / p95["raw"]
    print(f"  our p95 / raw tantivy p95 = {ratio:.2f}× (≤ 3×: {'yes' if ratio <= 3 else 'NO'}); "
          f"CPU time {cpu95['ours'] / cpu95['raw']:.2f}×; "
          f"against raw tantivy without facets {p95['ours'] / p95['raw_plain']:.2f}×")
    for name in ("fts5", "postgres"):
        if name in p95:
            better = p95[name] / p95["ours"]
            print(f"  {name} p95 / our p95 = {better:.1f}× better (≥ 10×: {'yes' if better >= 10 else 'NO'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

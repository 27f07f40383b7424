"""The catalogue search service used by the OPAC, the API and SRU."""

import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tantivy import Occur, Order, Query

from thuvien.core.vietnamese import decode_typed, fold
from thuvien.search import index
from thuvien.search.documents import ANY_LIBRARY
from thuvien.search.query import (
    MATCH_FIELDS,
    ParsedQuery,
    filter_query,
    match_clauses,
    parse,
    restricted_query,
    with_ranking,
    year_range_query,
)

FACETS = {
    "library": "f_library",
    "type": "f_type",
    "language": "f_lang",
    "year": "year",
    "subject": "f_subject",
    "author": "f_author",
}
FACET_SIZES = {"library": 60, "year": 30}
SORTS = ("relevance", "title", "year", "year_asc", "new")
MAX_PAGE_SIZE = 100
MAX_OFFSET = 10_000


@dataclass
class SearchRequest:
    q: str = ""
    library: str | None = None
    available: bool = False
    filters: dict = field(default_factory=dict)  # facet name -> list of values
    year_from: int | None = None
    year_to: int | None = None
    scope: str = "any"
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20
    facets: tuple = tuple(FACETS)
    include_restricted: bool = False


@dataclass
class SearchResult:
    total: int
    ids: list
    page: int
    page_size: int
    facets: dict = field(default_factory=dict)
    sort: str = "relevance"

    @property
    def pages(self):
        return max(1, -(-self.total // self.page_size))


def build_query(request, rank=True, searcher=None):
    """The tantivy query of ``request`` and the parsed text.

    ``rank=False`` leaves out the clauses that only rank (for counting and facets).
    """
    parsed = parse(request.q)
    return _build(request, parsed, rank, searcher), parsed


def _build(request, parsed, rank, searcher):
    scope = request.scope if request.scope in MATCH_FIELDS else "any"
    # The words and the filters in one boolean query, the ranking clauses around it
    # (``with_ranking``): they are then only evaluated on records that pass the filters.
    clauses = match_clauses(parsed, scope, searcher)
    if not request.include_restricted:
        clauses.append((Occur.MustNot, restricted_query()))
    if request.library:
        clauses.append((Occur.Must, filter_query("f_library", [request.library])))
    if request.available:
        clauses.append((Occur.Must, filter_query("f_available", [request.library or ANY_LIBRARY])))
    for name, values in request.filters.items():
        if name not in FACETS or not values:
            continue
        if name == "year":
            years = [int(v) for v in values if str(v).lstrip("-").isdecimal() and len(str(v)) <= 6]
            if years:
                clauses.append((Occur.Must, Query.boolean_query(
                    [(Occur.Should, year_range_query(y, y)) for y in years])))
            continue
        clauses.append((Occur.Must, filter_query(FACETS[name], [str(v) for v in values])))
    if request.year_from is not None or request.year_to is not None:
        clauses.append((Occur.Must, year_range_query(request.year_from, request.year_to)))
    query = Query.boolean_query(clauses)
    return with_ranking(query, parsed, scope, searcher) if rank else query


@dataclass(frozen=True)
class _Prepared:
    parsed: ParsedQuery
    sort: str
    query: object  # what ranks the page (or, sorted by a field, only matches)
    match_query: object  # the same records, no ranking clauses: facets
    estimate: int


# Prepared queries by request and searcher: a repeated search (the next page, another
# sort of the same words, a popular query) skips parsing, the doc_freq look-ups and the
# regex compilation of prefixes. Any commit changes the searcher version, so an entry
# never outlives the statistics it was built from.
QUERY_CACHE_SIZE = 512
_prepared_cache = OrderedDict()
_prepared_lock = threading.Lock()


def _request_key(request, version):
    filters = tuple(sorted((str(name), tuple(str(v) for v in values))
                           for name, values in request.filters.items() if values))
    return (version, request.q, request.scope, request.library, bool(request.available), filters,
            request.year_from, request.year_to, request.sort, bool(request.include_restricted))


def _prepare(request, searcher, version):
    try:
        key = _request_key(request, version)
        hash(key)
    except TypeError:  # odd values (a caller's own types): build without caching
        key = None
    if key is not None:
        with _prepared_lock:
            prepared = _prepared_cache.get(key)
            if prepared is not None:
                _prepared_cache.move_to_end(key)
                return prepared
    parsed = parse(request.q)
    sort = request.sort if request.sort in SORTS else "relevance"
    if sort == "relevance" and parsed.is_empty:
        sort = "new"
    match_query = _build(request, parsed, False, searcher)
    scope = request.scope if request.scope in MATCH_FIELDS else "any"
    # The ranked query is the matching one with the ranking clauses around it.
    query = with_ranking(match_query, parsed, scope, searcher) if sort == "relevance" else match_query
    prepared = _Prepared(parsed, sort, query, match_query, _estimate(parsed, searcher))
    if key is not None:
        with _prepared_lock:
            _prepared_cache[key] = prepared
            while len(_prepared_cache) > QUERY_CACHE_SIZE:
                _prepared_cache.popitem(last=False)
    return prepared


def _aggregations(names):
    return {
        name: {"terms": {"field": FACETS[name], "size": FACET_SIZES.get(name, 15)}}
        for name in names if name in FACETS
    }


_pool = None
_pool_lock = threading.Lock()
PARALLEL_FACETS_FROM = 5000  # matching records (estimated) from which facets run on a thread


def _estimate(parsed, searcher):
    """An upper bound of the matching records: the rarest word's document count."""
    counts = [
        sum(searcher.doc_freq("text_fold", fold(form)) for form in dict.fromkeys([word, *decode_typed(word)]))
        for word, prefix in parsed.words if not prefix
    ]
    return min(counts) if counts else searcher.num_docs


def _executor():
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="thuvien-facets")
        return _pool


def _facets(searcher, query, names):
    raw = searcher.aggregate(query, _aggregations(names))
    return {name: [(_key(b["key"]), b["doc_count"]) for b in body.get("buckets", [])]
            for name, body in raw.items()}


def search(request):
    """Run ``request``; return record ids in order, the total and facet counts."""
    page_size = max(1, min(int(request.page_size or 20), MAX_PAGE_SIZE))
    page = max(1, int(request.page or 1))
    offset = min((page - 1) * page_size, MAX_OFFSET)
    searcher, version = index.searcher_and_version()
    prepared = _prepare(request, searcher, version)
    sort = prepared.sort
    options = {"limit": page_size, "offset": offset, "count": True}
    if sort == "title":
        options.update(order_by_field="title_sort", order=Order.Asc)
    elif sort == "year":
        options.update(order_by_field="year", order=Order.Desc)
    elif sort == "year_asc":
        options.update(order_by_field="year", order=Order.Asc)
    elif sort == "new":
        options.update(order_by_field="acquired", order=Order.Desc)
    facet_names = [name for name in (request.facets or ()) if name in FACETS]
    pending = facets = None
    if facet_names:
        # Facets are counted over the matching records without the ranking clauses.
        # When many records match, on another thread while this one ranks (tantivy
        # releases the GIL); for a few, handing over would cost more than it saves.
        if prepared.estimate >= PARALLEL_FACETS_FROM:
            pending = _executor().submit(_facets, searcher, prepared.match_query, facet_names)
        else:
            facets = _facets(searcher, prepared.match_query, facet_names)
    found = searcher.search(prepared.query, **options)
    hits = [address for _, address in found.hits]
    ids = searcher.fast_field_values("id", hits) if hits else []
    if pending is not None:
        facets = pending.result()
    if not found.count or facets is None:
        facets = {}
    return SearchResult(total=found.count, ids=ids, page=page, page_size=page_size, facets=facets, sort=sort)


def _key(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def search_query(query, order_by=None, descending=False, offset=0, limit=20, include_restricted=False):
    """Run an already-built tantivy ``query`` (SRU's CQL); return (total, record ids).

    Restricted records are left out exactly as in ``build_query``. ``order_by`` is a
    fast field ("title_sort", "year", "acquired") or None for relevance.
    """
    clauses = [(Occur.Must, query)]
    if not include_restricted:
        clauses.append((Occur.MustNot, restricted_query()))
    limit = max(0, int(limit))
    options = {"limit": max(1, limit), "offset": max(0, int(offset)), "count": True}
    if order_by:
        options.update(order_by_field=order_by, order=Order.Desc if descending else Order.Asc)
    searcher = index.searcher()
    found = searcher.search(Query.boolean_query(clauses), **options)
    hits = [address for _, address in found.hits[:limit]]
    return found.count, (searcher.fast_field_values("id", hits) if hits else [])

"""What the public catalogue reads: search requests from query strings, hits with their
holdings, a record's copies, the network directory and new acquisitions.

Pages and the API both go through here, so the two always agree. Nothing here ever
shows a restricted (staff-only) or withdrawn record.
"""

from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from thuvien.catalog.models import BibRecord, Item, ItemStatus, MaterialType, Visibility
from thuvien.network.models import Library, LibraryType
from thuvien.search.query import MAX_QUERY_LENGTH, clean_input, parse
from thuvien.search.service import FACETS, MAX_OFFSET, SearchRequest, search

# The sorts a reader may choose (the service knows more).
SORTS = OrderedDict([
    ("relevance", gettext_lazy("Relevance")),
    ("title", gettext_lazy("Title (A–Z)")),
    ("year", gettext_lazy("Year (newest first)")),
])
FACET_ORDER = ("library", "type", "language", "year", "subject", "author")
FACET_LABELS = {
    "library": gettext_lazy("Holding library"),
    "type": gettext_lazy("Material type"),
    "language": gettext_lazy("Language"),
    "year": gettext_lazy("Year"),
    "subject": gettext_lazy("Subject"),
    "author": gettext_lazy("Author"),
}
LANGUAGES = {
    "vie": gettext_lazy("Vietnamese"), "eng": gettext_lazy("English"), "fre": gettext_lazy("French"),
    "chi": gettext_lazy("Chinese"), "rus": gettext_lazy("Russian"), "jpn": gettext_lazy("Japanese"),
    "kor": gettext_lazy("Korean"), "ger": gettext_lazy("German"), "lao": gettext_lazy("Lao"),
    "khm": gettext_lazy("Khmer"), "tha": gettext_lazy("Thai"), "spa": gettext_lazy("Spanish"),
}
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_FILTER_VALUES = 10
MAX_FILTER_LENGTH = 200
# Statuses that are no longer a copy a reader can ask for.
GONE = (ItemStatus.WITHDRAWN,)


def _int(value, default, low, high):
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    return max(low, min(high, number))


def _clean_value(value):
    return clean_input(value)[:MAX_FILTER_LENGTH]


@dataclass
class Query:
    """A reader's search, read leniently from a query string: bad values fall back."""

    q: str = ""
    library: str = ""
    available: bool = False
    filters: dict = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    notices: list = field(default_factory=list)  # messages about what we changed

    @classmethod
    def from_params(cls, params, library=""):
        """``params`` is a QueryDict or a dict of lists/strings."""

        def get_list(name):
            if hasattr(params, "getlist"):
                values = params.getlist(name)
            else:
                values = params.get(name) or []
                values = values if isinstance(values, (list, tuple)) else [values]
            return [v for v in (_clean_value(v) for v in values if v is not None) if v]

        def get_one(name, default=""):
            values = get_list(name)
            return values[0] if values else default

        notices = []
        raw_q = params.get("q") or ""
        if isinstance(raw_q, (list, tuple)):
            raw_q = raw_q[0] if raw_q else ""
        raw_q = str(raw_q)
        if len(raw_q) > MAX_QUERY_LENGTH:
            notices.append(_("Your search was too long; only its first %(n)d characters were used.")
                           % {"n": MAX_QUERY_LENGTH})
        q = clean_input(raw_q)
        if q.count('"') % 2:
            notices.append(_("A quotation mark was not closed, so the words were searched one by one."))
        filters = {}
        for name in FACETS:
            if name == "library":
                continue
            values = get_list(name)[:MAX_FILTER_VALUES]
            if name == "year":
                values = [v for v in values if v.lstrip("-").isdigit() and len(v) <= 6]
            if values:
                filters[name] = list(dict.fromkeys(values))
        sort = get_one("sort", "relevance")
        if sort not in SORTS:
            sort = "relevance"
        available = get_one("available") in ("1", "true", "on", "yes")
        return cls(
            q=q,
            library=library or get_one("library"),
            available=available,
            filters=filters,
            sort=sort,
            page=_int(get_one("page", "1"), 1, 1, MAX_OFFSET // DEFAULT_PAGE_SIZE + 1),
            page_size=_int(get_one("page_size", str(DEFAULT_PAGE_SIZE)), DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
            notices=notices,
        )

    @property
    def is_blank(self):
        return parse(self.q).is_empty

    def request(self):
        return SearchRequest(
            q=self.q, library=self.library or None, available=self.available,
            filters=self.filters, sort=self.sort, page=self.page, page_size=self.page_size,
        )

    def params(self, **changes):
        """The query string items of this search, with ``changes`` applied."""
        items = []
        values = {"q": self.q, "library": self.library, "sort": self.sort if self.sort != "relevance" else "",
                  "available": "1" if self.available else ""}
        values.update({k: v for k, v in changes.items() if k in values})
        for name in ("q", "library", "available", "sort"):
            if values[name]:
                items.append((name, values[name]))
        filters = changes.get("filters", self.filters)
        for name in FACET_ORDER:
            for value in filters.get(name, []):
                items.append((name, value))
        page = changes.get("page", 1)
        if page and page > 1:
            items.append(("page", str(page)))
        return items


def run(query):
    """Search; return (SearchResult, hits) where hits are dicts in result order."""
    result = search(query.request())
    return result, hits_for(result.ids)


def hits_for(record_ids):
    """Public records for ``record_ids`` in that order, each with its holdings."""
    records = {
        r.pk: r for r in BibRecord.objects.filter(
            pk__in=record_ids, is_deleted=False, visibility=Visibility.PUBLIC).defer("marc")
    }
    holdings = holdings_summary(list(records))
    # Worked out here rather than per item in the template, which is where pages spend their time.
    record_url = reverse("opac:record", args=[0])[:-2]
    library_urls = {}
    for rows in holdings.values():
        for h in rows:
            if h["code"] not in library_urls:
                library_urls[h["code"]] = reverse("opac:library", args=[h["code"]])
            h["url"] = library_urls[h["code"]]
            h["available_text"] = (
                ngettext("%(n)s available", "%(n)s available", h["available"]) % {"n": h["available"]}
                if h["available"] else _("none on the shelf"))
            h["total_text"] = ngettext("%(n)s copy", "%(n)s copies", h["total"]) % {"n": h["total"]}
    hits = []
    for record_id in record_ids:
        record = records.get(record_id)
        if record is None:
            continue  # the index is a moment behind the database
        hits.append({"record": record, "holdings": holdings.get(record_id, []), "url": f"{record_url}{record_id}/"})
    return hits


def holdings_summary(record_ids):
    """{record_id: [{code, name, library_id, total, available}]} read live from the items."""
    rows = (
        Item.objects.filter(record_id__in=record_ids).exclude(status__in=GONE)
        .values("record_id", "library_id", "library__code", "library__name", "library__name_sort")
        .annotate(total=Count("id"), available=Count("id", filter=Q(status=ItemStatus.AVAILABLE)))
        .order_by("record_id", "library__name_sort")
    )
    result = {}
    for row in rows:
        result.setdefault(row["record_id"], []).append({
            "code": row["library__code"], "name": row["library__name"], "library_id": row["library_id"],
            "total": row["total"], "available": row["available"],
        })
    return result


def public_record(pk):
    """The record readers may see, or None."""
    return BibRecord.objects.filter(pk=pk, is_deleted=False, visibility=Visibility.PUBLIC).first()


def copies_by_library(record):
    """[(library, [items])] of a record's copies, ordered by library name; live status."""
    items = (
        Item.objects.filter(record=record).exclude(status__in=GONE)
        .select_related("library", "location").order_by("library__name_sort", "call_number", "barcode")
    )
    grouped = OrderedDict()
    for item in items:
        grouped.setdefault(item.library, []).append(item)
    return [
        {"library": library, "items": copies, "total": len(copies),
         "available": sum(1 for c in copies if c.status == ItemStatus.AVAILABLE)}
        for library, copies in grouped.items()
    ]


def library_names():
    return dict(Library.objects.values_list("code", "name"))


def facet_groups(result, query, names=None):
    """Facets ready for display: [{name, label, values: [{value, label, count, selected, params}]}]."""
    names = names or library_names()
    groups = []
    for name in FACET_ORDER:
        buckets = result.facets.get(name, [])
        if name == "year":
            buckets = sorted(buckets, key=lambda b: -b[0])
        selected = set(query.filters.get(name, [])) if name != "library" else {query.library} - {""}
        values = []
        for value, count in buckets:
            text = str(value)
            is_selected = text in selected
            values.append({
                "value": text, "label": facet_label(name, text, names), "count": count,
                "selected": is_selected, "href": "?" + urlencode(_toggle(query, name, text, is_selected)),
            })
        if values:
            groups.append({"name": name, "label": FACET_LABELS[name], "values": values})
    return groups


def _toggle(query, name, value, selected):
    """The query string that adds ``value`` to (or removes it from) the search."""
    if name == "library":
        return query.params(library="" if selected else value)
    filters = {k: list(v) for k, v in query.filters.items()}
    current = filters.setdefault(name, [])
    if selected:
        current.remove(value)
    else:
        current.append(value)
    return query.params(filters=filters)


def facet_label(name, value, names=None):
    if name == "library":
        return (names or library_names()).get(value, value)
    if name == "type":
        try:
            return MaterialType(value).label
        except ValueError:
            return value
    if name == "language":
        return LANGUAGES.get(value, value)
    return value


def selected_filters(query, names=None):
    """The filters in force, each with the query string that removes it."""
    chosen = []
    if query.library:
        chosen.append({"label": FACET_LABELS["library"], "value": facet_label("library", query.library, names),
                       "remove": "?" + urlencode(query.params(library=""))})
    if query.available:
        chosen.append({"label": _("Availability"), "value": _("Available now"),
                       "remove": "?" + urlencode(query.params(available=""))})
    for name in FACET_ORDER:
        for value in query.filters.get(name, []):
            rest = {k: [v for v in vs if not (k == name and v == value)] for k, vs in query.filters.items()}
            chosen.append({"label": FACET_LABELS[name], "value": facet_label(name, value, names),
                           "remove": "?" + urlencode(query.params(filters=rest))})
    return chosen


def new_acquisitions(library=None, limit=20):
    """Public records most recently acquired (by their newest copy), with that date."""
    request = SearchRequest(q="", library=library.code if library else None, sort="new",
                            page_size=limit, facets=())
    result = search(request)
    hits = hits_for(result.ids)
    items = Item.objects.filter(record_id__in=[h["record"].pk for h in hits]).exclude(status__in=GONE)
    if library is not None:
        items = items.filter(library=library)
    latest = dict(items.values("record_id").annotate(latest=Max("acquired_at")).values_list("record_id", "latest"))
    for hit in hits:
        hit["acquired"] = latest.get(hit["record"].pk) or hit["record"].created_at
    return hits


def directory():
    """The network as a tree: [(root, [(type label, [library, ...]), ...])]."""
    libraries = list(Library.objects.filter(is_active=True))
    roots = [lib for lib in libraries if lib.library_type == LibraryType.NETWORK]
    trees = []
    for root in roots or [None]:
        members = [lib for lib in libraries if lib.library_type != LibraryType.NETWORK
                   and (root is None or _under(lib, root, libraries))]
        groups = []
        for kind, label in LibraryType.choices:
            chosen = [lib for lib in members if lib.library_type == kind]
            if chosen:
                groups.append({"type": kind, "label": label, "libraries": chosen})
        trees.append({"root": root, "groups": groups})
    return trees


def _under(library, root, libraries):
    by_id = {lib.pk: lib for lib in libraries}
    seen = set()
    current = library
    while current is not None and current.pk not in seen:
        if current.parent_id == root.pk:
            return True
        seen.add(current.pk)
        current = by_id.get(current.parent_id)
    return False


def public_library(code):
    code = _clean_value(code)[:32]
    if not code:
        return None
    return Library.objects.filter(code=code, is_active=True).first()

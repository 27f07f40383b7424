"""Author and subject headings already in the catalogue, offered as suggestions."""

from collections import Counter

from django.core.cache import cache
from django.db.models import Count, Max

from thuvien.catalog.models import BibRecord
from thuvien.core.vietnamese import fold, sort_key

KINDS = {"author": "authors", "subject": "subjects"}


def _all_headings(kind):
    """[(heading, uses, folded)], most used first then in Vietnamese order; cached until the catalogue changes."""
    live = BibRecord.objects.filter(is_deleted=False)
    stamp = live.aggregate(n=Count("id"), last=Max("updated_at"))
    key = f"cataloguing:headings:{kind}:{stamp['n']}:{stamp['last']}"
    found = cache.get(key)
    if found is None:
        counts = Counter()
        for values in live.values_list(KINDS[kind], flat=True).iterator(chunk_size=5000):
            counts.update(set(values or ()))
        found = sorted(((h, n, fold(h)) for h, n in counts.items()), key=lambda e: (-e[1], sort_key(e[0])))
        cache.set(key, found, 600)
    return found


def suggest(kind, prefix, limit=15):
    """Headings whose text (or any word of it) starts with ``prefix``, ignoring diacritics."""
    if kind not in KINDS:
        raise ValueError(kind)
    wanted = fold(prefix).strip()
    if not wanted:
        return []
    results = []
    for heading, uses, folded in _all_headings(kind):
        if folded.startswith(wanted) or f" {wanted}" in f" {folded}":
            results.append({"heading": heading, "uses": uses})
            if len(results) >= limit:
                break
    return results

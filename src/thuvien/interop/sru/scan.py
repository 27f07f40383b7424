"""SRU scan: index words around a term, alphabetically, with public-record counts.

Words come from the folded (diacritic-free) fields of the tantivy index, so a scan
for "lich" or "lịch" lists the same word "lich" that searches match. Counts only
cover public records (restricted ones are filtered out of every count).
"""

from thuvien.core.vietnamese import fold
from thuvien.interop.sru import cql
from thuvien.interop.sru.diagnostics import Diagnostic
from thuvien.interop.sru.translate import INDEXES, resolve_index

FIELDS = {"title": "title_fold", "author": "author_fold", "subject": "subject_fold", "any": "text_fold"}
ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def scan_terms(clause_text, maximum, position=1):
    """[(word, count)] of up to ``maximum`` words; the scan term sits at ``position``."""
    from thuvien.search import index as search_index
    from thuvien.search.query import filter_query

    try:
        node = cql.parse(clause_text)
    except cql.CQLSyntaxError as exc:
        raise Diagnostic(10, str(exc)) from exc
    if not isinstance(node, cql.SearchClause) or node.sort_keys:
        raise Diagnostic(10, "scanClause must be one search clause")
    kind, scope = INDEXES[resolve_index(node)]
    if kind != "text":
        raise Diagnostic(16, node.index)
    if node.relation.value.lower() not in ("=", "==", "exact", "any", "all", "adj"):
        raise Diagnostic(19, node.relation.value)
    if position > maximum + 1:
        raise Diagnostic(120, str(position))
    words = fold(node.term).replace("*", " ").split()
    start = words[0] if words else ""
    searcher = search_index.searcher()
    visible = filter_query("visibility", ["public"])
    cache = {}

    def terms_of(letter):
        if letter not in cache:
            found = searcher.terms_with_prefix(FIELDS[scope], letter, filter_query=visible)
            cache[letter] = sorted((term, count) for term, count in found if count > 0)
        return cache[letter]

    first = start[:1] or ALPHABET[0]
    letters = sorted(set(ALPHABET) | {first})
    here = letters.index(first)
    wanted_before = max(position - 1, 0)
    after = []
    for letter in letters[here:]:
        after += [t for t in terms_of(letter) if (t[0] > start if position == 0 else t[0] >= start)]
        if len(after) >= maximum - wanted_before:
            break
    before = []
    for letter in reversed(letters[:here + 1]):
        if len(before) >= wanted_before:
            break
        before = [t for t in terms_of(letter) if t[0] < start] + before
    before = before[len(before) - wanted_before:] if wanted_before else []
    return (before + after)[:maximum]

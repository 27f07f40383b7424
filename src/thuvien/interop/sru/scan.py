"""SRU scan: index words around a term, alphabetically, with public-record counts.

Words come from the folded (diacritic-free) fields of the tantivy index, so a scan
for "lich" or "lịch" lists the same word "lich" that searches match. Counts only
cover public records (restricted ones are filtered out of every count).
"""

from collections import defaultdict

from thuvien.core import vietnamese
from thuvien.core.vietnamese import fold, nfc
from thuvien.interop.sru import cql
from thuvien.interop.sru.diagnostics import Diagnostic
from thuvien.interop.sru.translate import INDEXES, resolve_index

FIELDS = {"title": "title_fold", "author": "author_fold", "subject": "subject_fold", "any": "text_fold"}
EXACT_FIELDS = {"title": "title_exact", "author": "author_exact", "subject": "subject_exact", "any": "text_exact"}
ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
# Every lower-case letter as typed (with its tone), by the folded letter it starts a word as.
_TYPED = defaultdict(set)
for _letter in vietnamese.ALPHABET:
    for _tone in ("",) + vietnamese.TONES:
        _char = nfc(_letter + _tone)
        if len(_char) == 1:
            _TYPED[fold(_char)].add(_char)


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
    terms = (before + after)[:maximum]
    return [(term, count, display) for (term, count), display
            in zip(terms, _display_forms(searcher, scope, [t for t, _ in terms], visible))]


def _display_forms(searcher, scope, words, visible):
    """The most used form with diacritics of each folded word ("lich" -> "lịch")."""
    best, wanted = {}, set(words)
    for letter in sorted({w[:1] for w in words if w}):
        for char in _TYPED.get(letter, {letter}):
            for term, count in searcher.terms_with_prefix(EXACT_FIELDS[scope], char, filter_query=visible):
                key = fold(term)
                if count > 0 and key in wanted and count > best.get(key, ("", 0))[1]:
                    best[key] = (term, count)
    return [best.get(w, (w, 0))[0] for w in words]

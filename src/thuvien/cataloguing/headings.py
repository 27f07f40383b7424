"""Author and subject headings already in the catalogue, offered as suggestions.

Read from the search index: records whose folded author (subject) words start with
what was typed, and a terms aggregation over their raw headings, which counts uses.
Fast at any catalogue size, and current as soon as the index is.
"""

import re

from tantivy import Occur, Query

from thuvien.core.vietnamese import fold, sort_key
from thuvien.search import index

KINDS = {"author": ("author_fold", "f_author"), "subject": ("subject_fold", "f_subject")}
CANDIDATES = 200


def _words(text):
    return re.findall(r"\w+", fold(text))


def suggest(kind, prefix, limit=15):
    """Headings with a word run starting with ``prefix`` (diacritics ignored), most used first."""
    if kind not in KINDS:
        raise ValueError(kind)
    words = _words(prefix)[:8]
    if not words:
        return []
    text_field, facet = KINDS[kind]
    schema = index.schema()
    clauses = [(Occur.Must, Query.term_query(schema, text_field, w)) for w in words[:-1]]
    clauses.append((Occur.Must, Query.regex_query(schema, text_field, re.escape(words[-1]) + ".*")))
    searcher = index.searcher()
    raw = searcher.aggregate(Query.boolean_query(clauses),
                             {"h": {"terms": {"field": facet, "size": CANDIDATES}}})
    wanted = " ".join(words)
    found = []
    for bucket in raw.get("h", {}).get("buckets", []):
        heading, uses = bucket["key"], bucket["doc_count"]
        folded = " ".join(_words(heading))
        if folded.startswith(wanted) or f" {wanted}" in f" {folded}":
            found.append((heading, uses))
    found.sort(key=lambda e: (-e[1], sort_key(e[0])))
    return [{"heading": h, "uses": n} for h, n in found[:limit]]

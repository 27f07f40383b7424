"""Turning what a reader types into a tantivy query.

We never hand raw input to a query parser: quotes, ``*``, ``:``, ``AND`` or emoji are
read by this small grammar, so no query can fail. Each word matches its exact form
(boosted) or its folded form, and a word typed in Telex or VNI also matches the
Vietnamese word it spells.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from tantivy import FieldType, Occur, Query

from thuvien.core.vietnamese import decode_typed, fold, nfc
from thuvien.search.index import schema

MAX_QUERY_LENGTH = 500
MAX_WORDS = 32
# Words as the index splits them: letters and digits (tantivy splits on "_" too).
_TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)([^\W_]+)(\*?)', re.UNICODE)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Field weights: the exact (diacritics as typed) form always outweighs the folded one.
FIELDS = {
    "any": (("title", 3.0), ("author", 1.5), ("subject", 1.2), ("text", 1.0), ("fulltext", 0.4)),
    "title": (("title", 1.0),),
    "author": (("author", 1.0),),
    "subject": (("subject", 1.0),),
    "fulltext": (("fulltext", 1.0),),
}
EXACT_BOOST = 4.0
TYPED_BOOST = 0.8


@dataclass
class ParsedQuery:
    words: list = field(default_factory=list)  # (word, is_prefix)
    phrases: list = field(default_factory=list)
    excluded: list = field(default_factory=list)

    @property
    def is_empty(self):
        return not (self.words or self.phrases)


def clean_input(text):
    """NFC, without control characters, and not longer than we accept."""
    text = nfc(str(text or ""))[:MAX_QUERY_LENGTH]
    return "".join(c if unicodedata.category(c)[0] != "C" else " " for c in text).strip()


# Field prefixes typed out of habit from other catalogues ("title:dế mèn") are read as
# plain words rather than required words "title".
_FIELD_PREFIX = re.compile(r"\b(?:title|author|subject|any|kw|ti|au|su)\s*:", re.IGNORECASE)
# Lucene's boost and fuzziness marks ("mèn^3", "dế~2") are dropped, not searched as numbers.
_LUCENE_MARK = re.compile(r"(?<=\w)[~^][0-9.]*")


def parse(text):
    parsed = ParsedQuery()
    text = _LUCENE_MARK.sub(" ", _FIELD_PREFIX.sub(" ", clean_input(text)))
    if text.count('"') % 2:
        text = text.replace('"', " ")
    for match in _TOKEN.finditer(text):
        neg_phrase, phrase, neg_word, word, star = match.groups()
        if phrase is not None:
            words = _WORD.findall(phrase.lower())
            if not words:
                continue
            (parsed.excluded if neg_phrase else parsed.phrases).append(words)
        elif word:
            if word in ("AND", "OR", "NOT", "and", "or"):
                continue
            lowered = word.lower()
            if neg_word:
                parsed.excluded.append([lowered])
            elif (lowered, bool(star)) not in parsed.words:
                parsed.words.append((lowered, bool(star)))
        if len(parsed.words) + len(parsed.phrases) >= MAX_WORDS:
            break
    return parsed


def _boosted(query, boost):
    return Query.boost_query(query, boost) if boost != 1.0 else query


def _term(field_name, value):
    return Query.term_query(schema(), field_name, value)


@functools.lru_cache(maxsize=1024)
def _regex(field_name, pattern):
    """A compiled regex query (compiling costs more than running it); queries are immutable."""
    return Query.regex_query(schema(), field_name, pattern)


def word_query(word, prefix=False, scope="any"):
    """Match one word in the fields of ``scope``: exact form, folded form, typed forms."""
    s = schema()
    folded = fold(word)
    readings = [] if prefix else decode_typed(word)
    clauses = []
    for name, weight in FIELDS[scope]:
        if prefix:
            pattern = re.escape(folded) + ".*"
            clauses.append(_boosted(Query.regex_query(s, f"{name}_fold", pattern), weight))
            continue
        clauses.append(_boosted(_term(f"{name}_exact", word), weight * EXACT_BOOST))
        clauses.append(_boosted(_term(f"{name}_fold", folded), weight))
        for reading in readings:
            clauses.append(_boosted(_term(f"{name}_exact", reading), weight * EXACT_BOOST * TYPED_BOOST))
            if fold(reading) != folded:
                clauses.append(_boosted(_term(f"{name}_fold", fold(reading)), weight * TYPED_BOOST))
    return Query.disjunction_max_query(clauses, 0.3)


def phrase_query(words, scope="any"):
    s = schema()
    clauses = []
    for name, weight in FIELDS[scope]:
        if len(words) == 1:
            clauses.append(_boosted(_term(f"{name}_exact", words[0]), weight * EXACT_BOOST))
            clauses.append(_boosted(_term(f"{name}_fold", fold(words[0])), weight))
        else:
            clauses.append(_boosted(Query.phrase_query(s, f"{name}_exact", words), weight * EXACT_BOOST))
            clauses.append(_boosted(Query.phrase_query(s, f"{name}_fold", [fold(w) for w in words]), weight))
    return Query.disjunction_max_query(clauses, 0.3)


# Where a word must be found for a record to match: the catch-all folded field holds
# title, authors, subjects, publisher, notes…; OCR text has its own field.
MATCH_FIELDS = {
    "any": (("text", 1.0), ("fulltext", 0.4)),
    "title": (("title", 1.0),),
    "author": (("author", 1.0),),
    "subject": (("subject", 1.0),),
    "fulltext": (("fulltext", 1.0),),
}
# What only ranks: the form as typed (with its diacritics). Evaluated only on records
# that already match. Title words weigh more because documents hold the title twice in
# the catch-all fields (see ``documents``), which costs nothing at query time.
RANK_FIELDS = {
    "any": (("text_exact", EXACT_BOOST), ("fulltext_exact", EXACT_BOOST * 0.4)),
    "title": (("title_exact", EXACT_BOOST),),
    "author": (("author_exact", EXACT_BOOST),),
    "subject": (("subject_exact", EXACT_BOOST),),
    "fulltext": (("fulltext_exact", EXACT_BOOST),),
}


def _any_of(clauses):
    if len(clauses) == 1:
        return clauses[0]
    return Query.boolean_query([(Occur.Should, c) for c in clauses])


def _word_forms(word):
    """(forms as typed, folded forms): the word itself and what it spells in Telex/VNI."""
    exact = [word, *decode_typed(word)]
    folded = list(dict.fromkeys(fold(w) for w in exact))
    return exact, folded


def _match_word(word, prefix, scope, searcher=None):
    if prefix:
        pattern = re.escape(fold(word)) + ".*"
        return _any_of([_boosted(_regex(f"{name}_fold", pattern), weight)
                        for name, weight in MATCH_FIELDS[scope]])
    _exact, folded = _word_forms(word)
    terms = [(f"{name}_fold", f, weight) for name, weight in MATCH_FIELDS[scope] for f in folded]
    if searcher is not None and len(terms) > 1:
        # A term no record holds matches nothing; leaving it out spares a union.
        terms = [t for t in terms if searcher.doc_freq(t[0], t[1])] or terms[:1]
    return _any_of([_boosted(_term(name, f), weight) for name, f, weight in terms])


def _holds(searcher, name, words):
    """False when no record holds every one of ``words`` in field ``name`` (a phrase
    there matches nothing); True when some may, or without a searcher to ask."""
    return searcher is None or all(searcher.doc_freq(name, w) for w in dict.fromkeys(words))


def _match_phrase(words, scope, searcher=None):
    folded = [fold(w) for w in words]
    # A field where the phrase cannot occur (most records have no OCR text) is left out.
    fields = [(name, weight) for name, weight in MATCH_FIELDS[scope]
              if _holds(searcher, f"{name}_fold", folded)] or MATCH_FIELDS[scope][:1]
    if len(folded) == 1:
        return _any_of([_boosted(_term(f"{name}_fold", folded[0]), weight) for name, weight in fields])
    return _any_of([_boosted(Query.phrase_query(schema(), f"{name}_fold", folded), weight)
                    for name, weight in fields])


def _discriminates(searcher, name, form):
    """Whether ranking by ``form`` in the exact field ``name`` can change the order.

    If every record holding the folded word holds it exactly as typed (or none holds
    it), the clause would lift every match alike and only cost time.
    """
    if searcher is None:
        return True
    exact = searcher.doc_freq(name, form)
    return 0 < exact < searcher.doc_freq(name.replace("_exact", "_fold"), fold(form))


def _rank_clauses(parsed, scope, searcher=None):
    # A query typed with no diacritic at all says nothing about them: its words rank
    # by their folded form only (Telex/VNI readings still count as typed forms).
    accented = any(fold(w) != w for w, _ in parsed.words) or any(fold(w) != w for p in parsed.phrases for w in p)
    clauses = []
    for word, prefix in parsed.words:
        if prefix:
            continue
        exact, _folded = _word_forms(word)
        for name, weight in RANK_FIELDS[scope]:
            for i, form in enumerate(exact):
                if (i == 0 and not accented) or not _discriminates(searcher, name, form):
                    continue
                # A Telex/VNI reading counts a little less than the word as typed.
                clauses.append(_boosted(_term(name, form), weight * (1.0 if i == 0 else TYPED_BOOST)))
    for phrase in parsed.phrases:
        if len(phrase) > 1 and accented:
            for name, weight in RANK_FIELDS[scope]:
                if _holds(searcher, name, phrase):
                    clauses.append(_boosted(Query.phrase_query(schema(), name, phrase), weight))
    return clauses


def match_clauses(parsed, scope="any", searcher=None):
    """The clauses deciding which records match: every word and phrase, none excluded."""
    clauses = [(Occur.Must, _match_word(w, prefix, scope, searcher)) for w, prefix in parsed.words]
    clauses += [(Occur.Must, _match_phrase(p, scope, searcher)) for p in parsed.phrases]
    clauses += [(Occur.MustNot, _match_phrase(p, scope, searcher)) for p in parsed.excluded]
    if not clauses or all(occur == Occur.MustNot for occur, _ in clauses):
        clauses.append((Occur.Must, Query.all_query()))
    return clauses


def text_query(parsed, scope="any", rank=True, searcher=None):
    """All words and phrases must match; excluded ones must not.

    Matching reads one folded field per word; the ranking clauses (the form as typed)
    only add to the score of records that match. With ``searcher``, ranking clauses
    that cannot change the order (see ``_discriminates``) are left out.
    """
    query = Query.boolean_query(match_clauses(parsed, scope, searcher))
    return with_ranking(query, parsed, scope, searcher) if rank else query


def with_ranking(query, parsed, scope="any", searcher=None):
    """``query`` (what matches) with the ranking clauses of ``parsed`` added to its score.

    One optional clause per level: tantivy then only seeks each ranking term to the
    records that match. Several optional clauses in one boolean query become a union
    that reads and scores every posting of every ranking term, most of them on records
    that do not match. The score is the same sum.
    """
    for clause in _rank_clauses(parsed, scope, searcher):
        query = Query.boolean_query([(Occur.Must, query), (Occur.Should, clause)])
    return query


def filter_query(field_name, values):
    """Match any of ``values`` in a raw field, without touching the score."""
    terms = [(Occur.Should, _term(field_name, v)) for v in values]
    return Query.const_score_query(Query.boolean_query(terms), 0.0)


def restricted_query():
    """Records the public must not find: every visibility but "public".

    Excluding this small set is much cheaper than requiring "public" on every match.
    """
    from thuvien.catalog.models import Visibility

    return filter_query("visibility", [v for v in Visibility.values if v != Visibility.PUBLIC])


def year_range_query(start=None, end=None):
    lower = max(-(2**31), int(start)) if start is not None else -(2**31)
    upper = min(2**31, int(end)) if end is not None else 2**31
    return Query.const_score_query(
        Query.range_query(schema(), "year", FieldType.Integer, lower, upper), 0.0
    )

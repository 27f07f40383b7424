"""Turning what a reader types into a tantivy query.

We never hand raw input to a query parser: quotes, ``*``, ``:``, ``AND`` or emoji are
read by this small grammar, so no query can fail. Each word matches its exact form
(boosted) or its folded form, and a word typed in Telex or VNI also matches the
Vietnamese word it spells.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from tantivy import FieldType, Occur, Query

from thuvien.core.vietnamese import decode_typed, fold, nfc
from thuvien.search.index import schema

MAX_QUERY_LENGTH = 500
MAX_WORDS = 32
_TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)([\w]+)(\*?)', re.UNICODE)

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


def parse(text):
    parsed = ParsedQuery()
    text = clean_input(text)
    if text.count('"') % 2:
        text = text.replace('"', " ")
    for match in _TOKEN.finditer(text):
        neg_phrase, phrase, neg_word, word, star = match.groups()
        if phrase is not None:
            words = re.findall(r"\w+", phrase.lower())
            if not words:
                continue
            (parsed.excluded if neg_phrase else parsed.phrases).append(words)
        elif word:
            if word in ("AND", "OR", "NOT", "and", "or"):
                continue
            lowered = word.lower()
            if neg_word:
                parsed.excluded.append([lowered])
            else:
                parsed.words.append((lowered, bool(star)))
        if len(parsed.words) + len(parsed.phrases) >= MAX_WORDS:
            break
    return parsed


def _boosted(query, boost):
    return Query.boost_query(query, boost) if boost != 1.0 else query


def _term(field_name, value):
    return Query.term_query(schema(), field_name, value)


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


def text_query(parsed, scope="any"):
    """All words and phrases must match; excluded ones must not."""
    clauses = [(Occur.Must, word_query(w, prefix, scope)) for w, prefix in parsed.words]
    clauses += [(Occur.Must, phrase_query(p, scope)) for p in parsed.phrases]
    plain = [w for w, prefix in parsed.words if not prefix]
    if len(plain) > 1:
        # Words next to each other in the title rank higher.
        clauses.append((Occur.Should, _boosted(Query.phrase_query(schema(), "title_fold", [fold(w) for w in plain], 1), 2.0)))
    clauses += [(Occur.MustNot, phrase_query(p, scope)) for p in parsed.excluded]
    if not clauses or all(occur == Occur.MustNot for occur, _ in clauses):
        clauses.append((Occur.Must, Query.all_query()))
    return Query.boolean_query(clauses)


def filter_query(field_name, values):
    """Match any of ``values`` in a raw field, without touching the score."""
    terms = [(Occur.Should, _term(field_name, v)) for v in values]
    return Query.const_score_query(Query.boolean_query(terms), 0.0)


def year_range_query(start=None, end=None):
    lower = start if start is not None else -(2**31)
    upper = end if end is not None else 2**31
    return Query.const_score_query(
        Query.range_query(schema(), "year", FieldType.Integer, lower, upper), 0.0
    )

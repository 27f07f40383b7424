"""CQL to the catalogue's tantivy search, with the OPAC's Vietnamese-aware word queries.

Every word goes through ``thuvien.search.query.word_query``/``phrase_query``, so a CQL
term matches exactly what the same words typed into the OPAC match: diacritics as
typed rank first, folded forms and Telex/VNI spellings match too.
"""

import re
from dataclasses import dataclass

from tantivy import Occur, Query

from thuvien.catalog.identifiers import normalize_isbn
from thuvien.core.vietnamese import fold, nfc
from thuvien.interop.sru import cql
from thuvien.interop.sru.diagnostics import Diagnostic
from thuvien.search.index import schema
from thuvien.search.query import FIELDS, phrase_query, word_query, year_range_query

MAX_TERM_LENGTH = 500
MAX_WORDS = 32
MAX_CLAUSES = 64
MAX_MASKS = 8  # each * or ? widens a regex over the term dictionary

# Context-set identifiers we know, by their usual prefix.
CONTEXT_SETS = {
    "dc": ("info:srw/cql-context-set/1/dc-v1.1", "info:srw/cql-context-set/1/dc-v1.0",
           "http://purl.org/dc/elements/1.1/"),
    "cql": ("info:srw/cql-context-set/1/cql-v1.2", "info:srw/cql-context-set/1/cql-v1.1"),
    "bath": ("http://zing.z3950.org/cql/bath/2.0/",),
    "rec": ("info:srw/cql-context-set/2/rec-1.1", "info:srw/cql-context-set/2/rec-1.0"),
}
_SET_BY_URI = {uri.rstrip("/").lower(): name for name, uris in CONTEXT_SETS.items() for uri in uris}

# (context set, index name) -> (kind, scope)
INDEXES = {
    ("cql", "serverchoice"): ("text", "any"),
    ("cql", "anywhere"): ("text", "any"),
    ("cql", "allrecords"): ("all", None),
    ("dc", "title"): ("text", "title"),
    ("dc", "creator"): ("text", "author"),
    ("dc", "subject"): ("text", "subject"),
    ("dc", "identifier"): ("isbn", None),
    ("dc", "date"): ("year", None),
    ("bath", "isbn"): ("isbn", None),
    ("bath", "title"): ("text", "title"),
    ("bath", "author"): ("text", "author"),
    ("bath", "name"): ("text", "author"),
    ("bath", "subject"): ("text", "subject"),
    ("rec", "id"): ("id", None),
}
# Unprefixed names: the default context set (dc) first, then these.
ALIASES = {"author": ("dc", "creator"), "isbn": ("bath", "isbn"), "serverchoice": ("cql", "serverchoice"),
           "anywhere": ("cql", "anywhere"), "allrecords": ("cql", "allrecords"), "id": ("rec", "id")}

RELATIONS = {
    "text": ("=", "==", "exact", "adj", "all", "any", "<>"),
    "year": ("=", "==", "exact", "<", ">", "<=", ">=", "within", "any", "<>"),
    "isbn": ("=", "==", "exact", "any", "<>"),
    "id": ("=", "==", "exact", "any", "<>"),
    "all": ("=", "==", "exact", "any", "all", "adj"),
}
RELATION_MODIFIERS = ("ignorecase", "ignoreaccents", "masked", "unmasked", "word", "relevant")

# Sort keys: (context set, index) -> fast field.
SORT_FIELDS = {("dc", "title"): "title_sort", ("dc", "creator"): "author_sort", ("dc", "date"): "year"}


@dataclass
class Sort:
    field: str | None = None
    descending: bool = False


@dataclass
class Translation:
    query: object
    sort: Sort


def translate(node):
    """The tantivy query and sort order of a parsed CQL tree (raises Diagnostic)."""
    walker = _Walker()
    query = walker.node(node, {"": "dc"})
    sort = walker.sort(node.sort_keys, walker._prefix_map(node.prefixes, {"": "dc"}))
    return Translation(query, sort)


def resolve_index(node):
    """(context set, index name) of a search clause, after its own prefix maps."""
    walker = _Walker()
    return walker.resolve(node.index, walker._prefix_map(node.prefixes, {"": "dc"}))


def translate_text(text):
    try:
        node = cql.parse(text)
    except cql.CQLSyntaxError as exc:
        raise Diagnostic(10, str(exc)) from exc
    return translate(node)


class _Walker:
    def __init__(self):
        self.clauses = 0

    def _prefix_map(self, prefixes, inherited):
        mapping = dict(inherited)
        for prefix in prefixes:
            known = _SET_BY_URI.get(prefix.identifier.rstrip("/").lower())
            mapping[prefix.name.lower() if prefix.name else ""] = known or f"?{prefix.identifier}"
        return mapping

    def resolve(self, index, mapping):
        """(set, name) of ``index`` under the prefix ``mapping``; raises 15/16."""
        prefix, dot, name = index.rpartition(".")
        name = name.lower()
        if dot:
            prefix = prefix.lower()
            context = mapping.get(prefix, prefix if prefix in CONTEXT_SETS else None)
            if context is None or context.startswith("?"):
                raise Diagnostic(15, prefix)
            if (context, name) not in INDEXES:
                raise Diagnostic(16, index)
            return context, name
        default = mapping.get("", "dc")
        if (default, name) in INDEXES:
            return default, name
        if name in ALIASES:
            return ALIASES[name]
        if ("dc", name) in INDEXES and not default.startswith("?"):
            return "dc", name
        raise Diagnostic(16, index)

    def node(self, node, inherited):
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise Diagnostic(38, str(MAX_CLAUSES))
        mapping = self._prefix_map(node.prefixes, inherited)
        if isinstance(node, cql.SearchClause):
            return self.clause(node, mapping)
        if node.boolean == "prox":
            raise Diagnostic(39, "prox")
        if node.modifiers:
            raise Diagnostic(46, node.modifiers[0].type)
        left, right = self.node(node.left, mapping), self.node(node.right, mapping)
        if node.boolean == "and":
            return Query.boolean_query([(Occur.Must, left), (Occur.Must, right)])
        if node.boolean == "or":
            return Query.boolean_query([(Occur.Should, left), (Occur.Should, right)])
        return Query.boolean_query([(Occur.Must, left), (Occur.MustNot, right)])

    def clause(self, node, mapping):
        context, name = self.resolve(node.index, mapping)
        kind, scope = INDEXES[(context, name)]
        relation = node.relation.value.lower()
        relation = relation.removeprefix("cql.")
        if relation == "scr":  # CQL 1.1's "server choice" relation
            relation = "="
        if relation not in RELATIONS[kind]:
            raise Diagnostic(19, node.relation.value)
        masked = True
        for modifier in node.relation.modifiers:
            mod = modifier.type.lower().removeprefix("cql.")
            if mod not in RELATION_MODIFIERS or (modifier.comparison is not None and kind == "text"):
                raise Diagnostic(20, modifier.type)
            if mod == "unmasked":
                masked = False
        term = nfc(node.term)
        if len(term) > MAX_TERM_LENGTH:
            raise Diagnostic(23, str(MAX_TERM_LENGTH))
        if kind == "all":
            return Query.all_query()
        if relation == "<>":  # "not equal": everything but what "=" finds
            matched = self._match(kind, scope, term, "=", masked)
            return Query.boolean_query([(Occur.Must, Query.all_query()), (Occur.MustNot, matched)])
        return self._match(kind, scope, term, relation, masked)

    def _match(self, kind, scope, term, relation, masked):
        if kind == "text":
            return text_query(term, relation, scope, masked)
        if kind == "year":
            return year_query(term, relation)
        if kind == "isbn":
            return isbn_query(term, masked)
        return id_query(term)

    def sort(self, keys, mapping):
        if not keys:
            return Sort()
        if len(keys) > 1:
            raise Diagnostic(84, "1")
        key = keys[0]
        try:
            resolved = self.resolve(key.index, mapping)
        except Diagnostic:
            raise Diagnostic(88, key.index) from None
        if resolved not in SORT_FIELDS:
            raise Diagnostic(88, key.index)
        descending = False
        for modifier in key.modifiers:
            mod = modifier.type.lower().removeprefix("sort.")
            if mod == "descending":
                descending = True
            elif mod not in ("ascending", "ignorecase", "respectcase", "ignoreaccents", "respectaccents"):
                raise Diagnostic(82, modifier.type)
        return Sort(SORT_FIELDS[resolved], descending)


# --- terms ----------------------------------------------------------------------------

def _units(term, masked):
    """(character, kind) pairs of a CQL term: kind is lit, star, one or anchor."""
    i = 0
    while i < len(term):
        c = term[i]
        if c == "\\" and i + 1 < len(term):
            yield term[i + 1], "lit"
            i += 2
            continue
        if masked and c == "*":
            yield c, "star"
        elif masked and c == "?":
            yield c, "one"
        elif c == "^":
            yield c, "anchor"  # anchoring is not supported; it only separates words
        else:
            yield c, "lit"
        i += 1


def term_tokens(term, masked=True):
    """Words of a term: ("word", w), ("prefix", w), ("regex", pattern) or ("every", None)."""
    tokens, current = [], []

    def close():
        if not current:
            return
        kinds = [k for _, k in current]
        text = "".join(c for c, k in current if k == "lit").lower()
        if "lit" not in kinds:
            tokens.append(("every", None))
        elif kinds == ["lit"] * len(kinds):
            tokens.append(("word", text))
        elif "one" not in kinds and all(k == "star" for k in kinds[kinds.index("star"):]) and kinds[0] == "lit":
            tokens.append(("prefix", text))
        else:
            pattern = "".join(
                re.escape(fold(c)) if k == "lit" else (".*" if k == "star" else ".") for c, k in current
            )
            tokens.append(("regex", pattern))
        current.clear()

    units = list(_units(term, masked))
    if sum(kind in ("star", "one") for _, kind in units) > MAX_MASKS:
        raise Diagnostic(30, str(MAX_MASKS))
    for char, kind in units:
        if kind in ("star", "one") or (kind == "lit" and char.isalnum()):
            current.append((char, kind))
        else:
            close()
    close()
    return tokens[:MAX_WORDS]


def _regex_query(pattern, scope):
    clauses = [Query.boost_query(Query.regex_query(schema(), f"{name}_fold", pattern), weight)
               for name, weight in FIELDS[scope]]
    return Query.disjunction_max_query(clauses, 0.3)


def text_query(term, relation, scope, masked=True):
    if not term.strip():
        raise Diagnostic(27)
    tokens = term_tokens(term, masked)
    if not tokens:
        return Query.empty_query()
    real = [t for t in tokens if t[0] != "every"]
    if not real:
        return Query.all_query()
    if relation in ("adj", "==", "exact") and len(real) > 1 and all(kind == "word" for kind, _ in real):
        return phrase_query([w for _, w in real], scope)
    parts = []
    for kind, value in real:
        if kind == "regex":
            parts.append(_regex_query(value, scope))
        else:
            parts.append(word_query(value, kind == "prefix", scope))
    if len(parts) == 1:
        return parts[0]
    occur = Occur.Should if relation == "any" else Occur.Must
    return Query.boolean_query([(occur, p) for p in parts])


_DATE = re.compile(r"(-?\d{1,4})(?:-\d{2}(?:-\d{2})?)?")


def year_query(term, relation):
    values = term.split()
    years = []
    for value in values:
        match = _DATE.fullmatch(value)
        if not match:
            raise Diagnostic(36, term)
        years.append(int(match.group(1)))
    if not years:
        raise Diagnostic(27)
    if relation == "any":
        return Query.boolean_query([(Occur.Should, year_range_query(y, y)) for y in years])
    if relation == "within":
        if len(years) != 2:
            raise Diagnostic(36, term)
        return year_range_query(min(years), max(years))
    if len(years) != 1:
        raise Diagnostic(36, term)
    year = years[0]
    bounds = {"<": (None, year - 1), ">": (year + 1, None), "<=": (None, year), ">=": (year, None)}
    return year_range_query(*bounds.get(relation, (year, year)))


def isbn_query(term, masked=True):
    clauses = []
    for value in term.split():
        if masked and ("*" in value or "?" in value):
            digits = re.sub(r"[^0-9Xx*?]", "", value).upper()
            pattern = "".join(".*" if c == "*" else "." if c == "?" else c for c in digits)
            clauses.append(Query.regex_query(schema(), "isbn", pattern))
            continue
        isbn = normalize_isbn(value.replace("\\", ""))
        if isbn:
            clauses.append(Query.term_query(schema(), "isbn", isbn))
    if not clauses:
        if not term.strip():
            raise Diagnostic(27)
        return Query.empty_query()
    return Query.boolean_query([(Occur.Should, c) for c in clauses])


def id_query(term):
    ids = []
    for value in term.split():
        if not value.isdigit() or len(value) > 18:
            raise Diagnostic(36, term)
        ids.append(int(value))
    if not ids:
        raise Diagnostic(27)
    return Query.boolean_query([(Occur.Should, Query.term_query(schema(), "id", i)) for i in ids])

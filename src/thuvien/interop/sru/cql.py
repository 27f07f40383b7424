"""A CQL 1.2 parser: query text to a small tree, and that tree to XCQL.

Follows the BNF of CQL 1.2 (prefix maps, search clauses with index, relation and
modifiers, and/or/not/prox with modifiers, parentheses, sortBy). Two extensions that
both reference parsers (cql-java and YAZ) accept are kept: unquoted multi-word terms
(``dc.title lịch sử`` reads as the term "lịch sử") and ``index relation (query)``,
which gives the index and relation to every clause inside the parentheses.
Terms keep their backslash escapes; the translator decides what ``\\*`` means.
"""

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

MAX_QUERY_LENGTH = 4000
MAX_DEPTH = 64
BOOLEANS = ("and", "or", "not", "prox")
KEYWORDS = BOOLEANS + ("sortby",)
NAMED_RELATIONS = ("any", "all", "exact", "within", "encloses", "adj")
SYMBOLS = ("==", "<>", "<=", ">=", "=", "<", ">", "(", ")", "/")
SYMBOLIC_RELATIONS = ("==", "<>", "<=", ">=", "=", "<", ">")
_SPECIAL = set(' \t\r\n()=<>"/')


class CQLSyntaxError(ValueError):
    """The query is not CQL; becomes SRU diagnostic 10."""


@dataclass
class Modifier:
    type: str
    comparison: str | None = None
    value: str | None = None


@dataclass
class Relation:
    value: str = "="
    modifiers: list = field(default_factory=list)


@dataclass
class Prefix:
    name: str | None
    identifier: str


@dataclass
class SearchClause:
    index: str
    relation: Relation
    term: str
    prefixes: list = field(default_factory=list)
    sort_keys: list = field(default_factory=list)


@dataclass
class Triple:
    boolean: str
    modifiers: list
    left: object
    right: object
    prefixes: list = field(default_factory=list)
    sort_keys: list = field(default_factory=list)


@dataclass
class SortKey:
    index: str
    modifiers: list = field(default_factory=list)


@dataclass
class Token:
    kind: str  # "word", "string", "symbol", "eof"
    text: str

    @property
    def keyword(self):
        return self.text.lower() if self.kind == "word" and self.text.lower() in KEYWORDS else None

    @property
    def is_term(self):
        return self.kind in ("word", "string")


def tokenize(text):
    tokens = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise CQLSyntaxError("unterminated quoted string")
            tokens.append(Token("string", text[i + 1:j]))
            i = j + 1
        elif c in "()=<>/":
            for symbol in SYMBOLS:
                if text.startswith(symbol, i):
                    tokens.append(Token("symbol", symbol))
                    i += len(symbol)
                    break
        else:
            j = i
            while j < n and text[j] not in _SPECIAL:
                j += 2 if text[j] == "\\" and j + 1 < n else 1
            tokens.append(Token("word", text[i:j]))
            i = j
    tokens.append(Token("eof", ""))
    return tokens


class _Parser:
    def __init__(self, text):
        if len(text) > MAX_QUERY_LENGTH:
            raise CQLSyntaxError("query too long")
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0

    @property
    def token(self):
        return self.tokens[self.pos]

    def peek(self, ahead=1):
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def advance(self):
        token = self.tokens[self.pos]
        self.pos = min(self.pos + 1, len(self.tokens) - 1)
        return token

    def expect_symbol(self, symbol):
        if self.token.kind != "symbol" or self.token.text != symbol:
            raise CQLSyntaxError(f"expected {symbol!r}, got {self._describe()}")
        self.advance()

    def _describe(self):
        return "end of query" if self.token.kind == "eof" else repr(self.token.text)

    def term(self, what):
        if not self.token.is_term:
            raise CQLSyntaxError(f"expected {what}, got {self._describe()}")
        return self.advance().text

    # cqlQuery ::= prefixAssignment cqlQuery | scopedClause [sortby sortSpec]
    def query(self, index, relation, top=False):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CQLSyntaxError("query nested too deeply")
        prefixes = self.prefixes()
        node = self.scoped_clause(index, relation)
        if top and self.token.keyword == "sortby":
            self.advance()
            node.sort_keys = self.sort_spec()
        node.prefixes = prefixes + node.prefixes
        self.depth -= 1
        return node

    def prefixes(self):
        found = []
        while self.token.kind == "symbol" and self.token.text == ">":
            self.advance()
            first = self.term("prefix or URI")
            if self.token.kind == "symbol" and self.token.text == "=":
                self.advance()
                found.append(Prefix(first, self.term("URI")))
            else:
                found.append(Prefix(None, first))
        return found

    def scoped_clause(self, index, relation):
        node = self.search_clause(index, relation)
        while self.token.keyword in BOOLEANS:
            boolean = self.advance().text.lower()
            modifiers = self.modifiers()
            right = self.search_clause(index, relation)
            node = Triple(boolean, modifiers, node, right)
        if self.token.kind not in ("eof",) and not (self.token.kind == "symbol" and self.token.text == ")") \
                and self.token.keyword != "sortby":
            raise CQLSyntaxError(f"expected boolean, got {self._describe()}")
        return node

    def modifiers(self):
        found = []
        while self.token.kind == "symbol" and self.token.text == "/":
            self.advance()
            if not self.token.is_term:
                raise CQLSyntaxError(f"expected modifier, got {self._describe()}")
            name = self.advance().text.lower()
            if self.token.kind == "symbol" and self.token.text in SYMBOLIC_RELATIONS:
                comparison = self.advance().text
                found.append(Modifier(name, comparison, self.term("modifier value")))
            else:
                found.append(Modifier(name))
        return found

    # searchClause ::= '(' cqlQuery ')' | index relation searchTerm | searchTerm
    def search_clause(self, index, relation):
        if self.token.kind == "symbol" and self.token.text == "(":
            self.advance()
            node = self.query(index, relation)
            self.expect_symbol(")")
            return node
        words = [self.term("index or term")]
        while self.token.kind == "word" and not self.token.keyword and not self._at_relation():
            words.append(self.advance().text)
        if not self._at_relation():
            return SearchClause(index, Relation(relation.value, list(relation.modifiers)), " ".join(words))
        new_index = " ".join(words)
        value = self.advance().text
        new_relation = Relation(value, self.modifiers())
        if self.token.kind == "symbol" and self.token.text == "(":
            return self.search_clause(new_index, new_relation)
        if self.token.kind == "symbol" and self.token.text == ">":
            raise CQLSyntaxError("a prefix map cannot stand in place of a term")
        words = [self.term("search term")]
        while self.token.kind == "word" and not self.token.keyword and not self._at_relation():
            words.append(self.advance().text)
        return SearchClause(new_index, new_relation, " ".join(words))

    def _at_relation(self):
        token = self.token
        if token.kind == "symbol":
            return token.text in SYMBOLIC_RELATIONS
        if token.kind != "word" or token.keyword:
            return False
        if token.text.lower() not in NAMED_RELATIONS and "." not in token.text:
            return False
        # A named relation is followed (after its modifiers) by a term, not a boolean.
        ahead = 1
        while self.peek(ahead).kind == "symbol" and self.peek(ahead).text == "/":
            ahead += 2
            if self.peek(ahead).kind == "symbol" and self.peek(ahead).text in SYMBOLIC_RELATIONS:
                ahead += 2
        following = self.peek(ahead)
        return not (following.keyword in BOOLEANS)

    def sort_spec(self):
        keys = []
        while self.token.is_term:
            index = self.advance().text
            keys.append(SortKey(index, self.modifiers()))
        if not keys:
            raise CQLSyntaxError("sortBy without sort keys")
        return keys


def parse(text):
    """Parse CQL ``text``; raise CQLSyntaxError when it is not CQL."""
    text = str(text or "")
    if not text.strip():
        raise CQLSyntaxError("empty query")
    parser = _Parser(text)
    node = parser.query("cql.serverChoice", Relation("="), top=True)
    if parser.token.kind != "eof":
        raise CQLSyntaxError(f"unexpected {parser._describe()} after the end of the query")
    return node


# --- XCQL ---------------------------------------------------------------------------

XCQL_NS = "http://docs.oasis-open.org/ns/search-ws/xcql"


def _modifiers_xml(modifiers):
    if not modifiers:
        return ""
    parts = []
    for m in modifiers:
        inner = f"<type>{escape(m.type)}</type>"
        if m.comparison is not None:
            inner += f"<comparison>{escape(m.comparison)}</comparison><value>{escape(m.value)}</value>"
        parts.append(f"<modifier>{inner}</modifier>")
    return f"<modifiers>{''.join(parts)}</modifiers>"


def _prefixes_xml(prefixes):
    if not prefixes:
        return ""
    parts = []
    for p in prefixes:
        name = f"<name>{escape(p.name)}</name>" if p.name is not None else ""
        parts.append(f"<prefix>{name}<identifier>{escape(p.identifier)}</identifier></prefix>")
    return f"<prefixes>{''.join(parts)}</prefixes>"


def _sort_xml(keys):
    if not keys:
        return ""
    return "<sortKeys>" + "".join(
        f"<key><index>{escape(k.index)}</index>{_modifiers_xml(k.modifiers)}</key>" for k in keys
    ) + "</sortKeys>"


def to_xcql(node, namespace=None):
    """The XCQL of ``node`` as a string (with ``xmlns`` on the root when given)."""
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    if isinstance(node, SearchClause):
        return (
            f"<searchClause{xmlns}>{_prefixes_xml(node.prefixes)}<index>{escape(node.index)}</index>"
            f"<relation><value>{escape(node.relation.value)}</value>{_modifiers_xml(node.relation.modifiers)}"
            f"</relation><term>{escape(node.term)}</term>{_sort_xml(node.sort_keys)}</searchClause>"
        )
    return (
        f"<triple{xmlns}>{_prefixes_xml(node.prefixes)}<boolean><value>{escape(node.boolean)}</value>"
        f"{_modifiers_xml(node.modifiers)}</boolean><leftOperand>{to_xcql(node.left)}</leftOperand>"
        f"<rightOperand>{to_xcql(node.right)}</rightOperand>{_sort_xml(node.sort_keys)}</triple>"
    )

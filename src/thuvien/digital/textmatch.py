"""Finding what a reader typed in page text: folded (no diacritics, đ→d), whole words,
phrases kept together, as the catalogue search reads a query."""

import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe

from thuvien.core.vietnamese import fold, nfc

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def folded_words(text):
    """``" w1 w2 … "``: the folded words of ``text`` between single spaces, so that a
    phrase is found with ``LIKE '% w1 w2 %'``."""
    words = _WORD.findall(fold(nfc(text or "")))
    return f" {' '.join(words)} " if words else ""


@dataclass(frozen=True)
class Term:
    """A word or a phrase of a query, as typed (lower case) and folded."""

    words: tuple
    prefix: bool = False  # the last word typed with ``*``

    @property
    def folded(self):
        return tuple(fold(w) for w in self.words)

    @property
    def accented(self):
        return self.folded != self.words

    @property
    def needle(self):
        """The ``folded_words`` form: found with ``LIKE``."""
        return " " + " ".join(self.folded) + ("" if self.prefix else " ")


def terms(query):
    """The words and phrases a page must hold to match ``query``, read as the catalogue
    search reads it (excluded words play no part here)."""
    from thuvien.search.query import parse

    parsed = parse(query)
    found = [Term(tuple(nfc(w) for w in phrase)) for phrase in parsed.phrases]
    found += [Term((nfc(word),), prefix) for word, prefix in parsed.words]
    return list(dict.fromkeys(t for t in found if "".join(t.folded)))


def needles(query):
    return [term.needle for term in terms(query)]


def _find(tokens, words, prefix, form):
    n = len(words)
    found = []
    for i in range(len(tokens) - n + 1):
        last = tokens[i + n - 1][form]
        if all(tokens[i + k][form] == words[k] for k in range(n - 1)) and (
                last.startswith(words[-1]) if prefix else last == words[-1]):
            found.append((tokens[i][2], tokens[i + n - 1][3]))
    return found


def spans(text, wanted):
    """Character spans ``(start, end)`` in ``text`` of each Term of ``wanted``, in text
    order. A term typed with diacritics marks only its exact form when the text has it
    ("dòng" marks "dòng", not "động"), else every folded match, as search ranks them."""
    tokens = [(m.group().lower(), fold(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]
    found = []
    for term in wanted:
        exact = _find(tokens, term.words, term.prefix, 0) if term.accented else []
        found += exact or _find(tokens, term.folded, term.prefix, 1)
    return sorted(set(found))


def snippet(text, wanted, context=80):
    """HTML: the text around the first hit of the Terms ``wanted``, hits in ``<mark>``;
    "" if none is found."""
    text = nfc(text or "")
    found = spans(text, wanted)
    if not found:
        return ""
    start = max(0, found[0][0] - context)
    end = min(len(text), found[0][1] + context)
    if start:  # begin and end on a word boundary
        start = text.find(" ", start, found[0][0]) + 1 or start
    if end < len(text):
        cut = text.rfind(" ", found[0][1], end)
        end = cut if cut > 0 else end
    parts = ["…" if start else ""]
    position = start
    for begin, finish in found:
        if begin < position or finish > end:
            continue
        parts.append(escape(text[position:begin]))
        parts.append(f"<mark>{escape(text[begin:finish])}</mark>")
        position = finish
    parts.append(escape(text[position:end]))
    parts.append("…" if end < len(text) else "")
    return mark_safe(" ".join("".join(parts).split()))

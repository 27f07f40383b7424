"""Finding what a reader typed in page text: folded (no diacritics, đ→d), whole words,
phrases kept together, as the catalogue search reads a query."""

import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

from thuvien.core.vietnamese import fold, nfc

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def folded_words(text):
    """``" w1 w2 … "``: the folded words of ``text`` between single spaces, so that a
    phrase is found with ``LIKE '% w1 w2 %'``."""
    words = _WORD.findall(fold(nfc(text or "")))
    return f" {' '.join(words)} " if words else ""


def needles(query):
    """What a page must hold to match ``query``: each phrase and word, folded, in the
    ``folded_words`` form (a word typed with ``*`` is a prefix)."""
    from thuvien.search.query import parse

    parsed = parse(query)
    found = [" " + " ".join(fold(w) for w in phrase) + " " for phrase in parsed.phrases]
    found += [" " + fold(word) + ("" if prefix else " ") for word, prefix in parsed.words]
    return list(dict.fromkeys(n for n in found if n.strip()))


def spans(text, wanted):
    """Character spans ``(start, end)`` in ``text`` of each of ``wanted`` (needles), in text order."""
    tokens = [(fold(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]
    found = []
    for needle in wanted:
        words = needle.split()
        prefix = not needle.endswith(" ")
        n = len(words)
        for i in range(len(tokens) - n + 1):
            last = tokens[i + n - 1][0]
            if all(tokens[i + k][0] == words[k] for k in range(n - 1)) and (
                    last.startswith(words[-1]) if prefix else last == words[-1]):
                found.append((tokens[i][1], tokens[i + n - 1][2]))
    return sorted(found)


def snippet(text, wanted, context=80):
    """HTML: the text around the first hit, hits in ``<mark>``; "" if none is found."""
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

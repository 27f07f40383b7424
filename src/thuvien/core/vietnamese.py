"""Vietnamese text: normalisation, diacritic folding, sort keys and Telex/VNI decoding.

Everything inside the system is NFC. Search folds diacritics and maps đ→d, but keeps
the exact form too so that exact matches can rank first. Sorting follows the
Vietnamese alphabet (a ă â b c d đ e ê …) and then the tones (ngang, huyền, hỏi, ngã,
sắc, nặng), not byte order.
"""

import functools
import re
import unicodedata

# Combining marks that make a Vietnamese letter from its base.
BREVE, CIRCUMFLEX, HORN = "\u0306", "\u0302", "\u031b"
GRAVE, HOOK, TILDE, ACUTE, DOT = "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"
TONES = (GRAVE, HOOK, TILDE, ACUTE, DOT)  # in sort order after the level tone

ALPHABET = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m",
    "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
]
_LETTER_CODE = {letter: f"{12 + i:02d}" for i, letter in enumerate(ALPHABET)}
_DIGIT_CODE = {str(d): f"{2 + d:02d}" for d in range(10)}
_SPACE_CODE, _SEPARATOR = "01", "00"
SORT_KEY_LENGTH = 160


def nfc(text):
    """Return ``text`` in NFC, the one form stored inside the system."""
    return unicodedata.normalize("NFC", text or "")


class _LazyTable(dict):
    """A ``str.translate`` table filled as characters are met, from ``entry(char)``: a table
    of all of Unicode would take half a second to build in every process (its first search)."""

    def __init__(self, entry):
        super().__init__()
        self.entry = entry

    def __missing__(self, code_point):
        value = self.entry(chr(code_point))
        if len(self) < 65536:
            self[code_point] = value
        return value


# Deletes every nonspacing mark (category Mn), keeps every other character.
_NONSPACING = _LazyTable(lambda char: None if unicodedata.category(char) == "Mn" else ord(char))


def fold(text):
    """Lower-case ``text`` and strip every diacritic, mapping đ/Đ to d."""
    text = text or ""
    if text.isascii():  # the same result, without the Unicode work
        return text.lower()
    decomposed = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    stripped = decomposed.translate(_NONSPACING)
    return unicodedata.normalize("NFC", stripped).lower()


@functools.lru_cache(maxsize=8192)
def _split_letter(char):
    """Split a lower-case NFC character into (base letter, tone index)."""
    decomposed = unicodedata.normalize("NFD", char)
    tone = 0
    kept = []
    for c in decomposed:
        if c in TONES:
            tone = TONES.index(c) + 1
        else:
            kept.append(c)
    return unicodedata.normalize("NFC", "".join(kept)), tone


def _sort_char(char):
    """(primary code, tone digit or None) of a lower-case character, or None for a separator."""
    base, tone = _split_letter(char)
    if base in _LETTER_CODE:
        return _LETTER_CODE[base], str(tone)
    if base in _DIGIT_CODE:
        return _DIGIT_CODE[base], None
    if base.isalpha():
        # Other scripts sort after Vietnamese letters, by code point.
        return f"99{ord(base):07d}", None
    return None


def _primary(char):
    """A character's primary code in a sort key; separators become a space."""
    entry = _sort_char(char)
    return entry[0] if entry else " "


def _tone_digit(char):
    """A letter's tone digit in a sort key; other characters are deleted."""
    entry = _sort_char(char)
    return entry[1] if entry else None


_PRIMARY, _TONE_DIGITS = _LazyTable(_primary), _LazyTable(_tone_digit)


def sort_key(text):
    """A string whose byte order is Vietnamese alphabetical order of ``text``.

    Only ASCII digits are used, so the key sorts the same under any database
    collation. Letters decide first; tones only break ties. A run of separators
    counts as one, and leading and trailing ones not at all.
    """
    lowered = nfc(text).lower()
    primary = _SPACE_CODE.join(lowered.translate(_PRIMARY).split())
    tones = lowered.translate(_TONE_DIGITS)
    return primary[:SORT_KEY_LENGTH] + _SEPARATOR + tones[: SORT_KEY_LENGTH // 4]


# --- Telex and VNI ---------------------------------------------------------------

_VOWELS = "aăâeêioôơuưy"
_INITIALS = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)
_FINALS = ("ch", "ng", "nh", "c", "m", "n", "p", "t", "i", "o", "u", "y", "")
_SYLLABLE = re.compile(
    r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    r"([aăâeêioôơuưy]{1,3})"
    r"(ch|ng|nh|[cmnpt])?$"
)

_TELEX_MODIFIERS = {"aa": "â", "aw": "ă", "ee": "ê", "oo": "ô", "ow": "ơ", "uw": "ư", "dd": "đ"}
_TELEX_TONES = {"s": ACUTE, "f": GRAVE, "r": HOOK, "x": TILDE, "j": DOT, "z": ""}
_VNI_MODIFIERS = {"6": CIRCUMFLEX, "7": HORN, "8": BREVE}
_VNI_TONES = {"1": ACUTE, "2": GRAVE, "3": HOOK, "4": TILDE, "5": DOT, "0": ""}
_COMBINE = {
    ("a", CIRCUMFLEX): "â", ("e", CIRCUMFLEX): "ê", ("o", CIRCUMFLEX): "ô",
    ("o", HORN): "ơ", ("u", HORN): "ư", ("a", BREVE): "ă",
}


def _place_tone(syllable, tone):
    """Put ``tone`` on the vowel Vietnamese spelling gives it."""
    if not tone:
        return syllable
    match = _SYLLABLE.match(syllable)
    if not match:
        return None
    initial, vowels, final = match.group(1) or "", match.group(2), match.group(3) or ""
    start = len(initial)
    marked = [i for i, v in enumerate(vowels) if v in "ăâêôơư"]
    if marked:
        index = marked[-1]
    elif len(vowels) == 1:
        index = 0
    elif final or vowels in ("oa", "oe", "uy", "uê"):
        index = len(vowels) - 1
    elif len(vowels) == 3:
        index = 1
    else:
        index = 0
    position = start + index
    char = syllable[position]
    toned = unicodedata.normalize("NFC", char + tone)
    return syllable[:position] + toned + syllable[position + 1 :]


def _valid(syllable):
    return bool(_SYLLABLE.match(fold_keep_letters(syllable)))


def fold_keep_letters(syllable):
    """Strip tones only, keeping ă â ê ô ơ ư đ."""
    return "".join(_split_letter(c)[0] for c in syllable)


def decode_telex(word):
    """Decode a word typed in Telex without an input method, or return None.

    The tone key is usually typed last ("nguyeenx") but may come before the final
    consonant ("vieejt"), so every tone-key position is tried, last first.
    """
    word = word.lower()
    if not word.isascii() or not word.isalpha() or len(word) > 10:
        return None
    candidates = [(word, "")]
    for i in range(len(word) - 1, 0, -1):
        # A tone key inside a word only counts right after a vowel ("vieejt"),
        # so that ordinary words such as "tran" are not misread.
        if word[i] in _TELEX_TONES and (i == len(word) - 1 or word[i - 1] in "aeiouyw"):
            candidates.append((word[:i] + word[i + 1 :], _TELEX_TONES[word[i]]))
    for letters, tone in candidates[1:] + candidates[:1]:
        reading = _telex_letters(letters)
        if reading == word and not tone:
            continue
        toned = _place_tone(reading, tone)
        if toned and _valid(toned) and toned != word:
            return toned
    return None


def _telex_letters(letters):
    out = letters
    for pair, letter in _TELEX_MODIFIERS.items():
        out = out.replace(pair, letter)
    if "w" in out:
        out = out.replace("uow", "ươ").replace("w", "ư")
    if "uơ" in out and not out.startswith("qu"):
        out = out.replace("uơ", "ươ")
    return out


def decode_vni(word):
    """Decode a word typed in VNI (digits for marks) without an input method."""
    word = word.lower()
    if not word.isascii() or not word.isalnum() or word.isdigit() or word.isalpha():
        return None
    letters, tone = [], ""
    for char in word:
        if char.isalpha():
            letters.append(char)
        elif char == "9":
            if "d" not in letters:
                return None
            letters[letters.index("d")] = "đ"
        elif char in _VNI_MODIFIERS:
            mark = _VNI_MODIFIERS[char]
            for i in range(len(letters) - 1, -1, -1):
                if (letters[i], mark) in _COMBINE:
                    letters[i] = _COMBINE[(letters[i], mark)]
                    if mark == HORN and letters[i] == "ơ" and i > 0 and letters[i - 1] == "u":
                        letters[i - 1] = "ư"
                    break
            else:
                return None
        elif char in _VNI_TONES:
            tone = _VNI_TONES[char]
    toned = _place_tone("".join(letters), tone)
    if toned is None or not _valid(toned):
        return None
    return toned


def decode_typed(word):
    """Vietnamese readings of a word typed in Telex or VNI, if it has any."""
    readings = []
    for decoder in (decode_vni, decode_telex):
        reading = decoder(word)
        if reading and reading != word.lower() and reading not in readings:
            readings.append(reading)
    return readings


_WORD = re.compile(r"\w+", re.UNICODE)


def words(text):
    """Split NFC text into lower-case words, the way the index does."""
    return _WORD.findall(nfc(text).lower())

"""GSM-7 (GSM 03.38) text: normalising and counting SMS (bot.channels.sms.split cuts them).

One character outside the GSM-7 alphabet switches a *whole* SMS to UCS-2, which cuts it from 160 to
70 characters, so a French sentence with a single "ê" or a typographic apostrophe costs two or three
SMS instead of one. Every text the SMS channel sends therefore goes through `to_gsm7` first.

The table is our own (a hundred characters from the standard) rather than the `gsm0338` codec: we
never encode to bytes (the gateway does), we only need membership, septet counts and a French-aware
replacement policy, which a codec does not give.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# GSM 03.38 default alphabet in code order 0x00-0x7F (unicode.org GSM0338.TXT, ETSI TS 123 038).
# 0x09 is the *capital* Ç; 0x1B is the escape to the extension table, not a character.
BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
BASIC: frozenset[str] = frozenset(BASIC_TABLE) - {"\x1b"}
# Extension table: sent as ESC + code, so each costs 2 septets (and a segment never splits the pair).
EXTENSION: frozenset[str] = frozenset("\f^{}\\[~]|€")
GSM7: frozenset[str] = BASIC | EXTENSION

SINGLE_SEPTETS = 160  # 140 octets of user data, no header
MULTI_SEPTETS = 153  # 140 octets minus the 6-octet concatenation header
SINGLE_UCS2 = 70
MULTI_UCS2 = 67

# Characters outside GSM-7 and what the person reads instead. Accented letters that *are* in GSM-7
# (é è ù ì ò à É Ç ä ö ñ ü Ä Ö Ñ Ü Å å Æ æ Ø ø ß) never reach this table: they are kept, because
# French without its accents is harder to read and they cost nothing.
_REPLACEMENTS: dict[str, str] = {
    # French letters missing from the alphabet: the bare letter is what French readers expect on a
    # phone keyboard ("pret", "a cote" is how people text). Listed explicitly although Unicode
    # decomposition would find most, so that the French policy is visible in one place.
    "â": "a", "ê": "e", "î": "i", "ô": "o", "û": "u", "ë": "e", "ï": "i", "ÿ": "y",
    "ç": "c",  # only the capital Ç is in GSM-7
    "À": "A", "Â": "A", "È": "E", "Ê": "E", "Ë": "E", "Î": "I", "Ï": "I", "Ô": "O", "Û": "U", "Ù": "U",
    "Ÿ": "Y",
    "œ": "oe", "Œ": "OE",  # ligatures have no decomposition; spelling them out is the usual convention
    # Letters without a Unicode decomposition that would otherwise become "?".
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ı": "i", "ħ": "h",
    # Typography that Babel, word processors and phones insert; the ASCII form carries the same meaning.
    "’": "'", "‘": "'", "‚": "'", "‛": "'", "′": "'", "ʼ": "'", "`": "'", "´": "'",
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"', "‹": "'", "›": "'",
    "…": "...",
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
    "•": "-", "◦": "-", "‣": "-",  # bullets: a dash still reads as a list item
    "·": ".",  # inclusive writing "salarié·e" is commonly typed "salarié.e"
    "°": "o",  # "n°" -> "no", the usual typed form
    "×": "x", "÷": "/", "⁄": "/", "±": "+/-", "≤": "<=", "≥": ">=", "≠": "!=",
    "→": "->", "⇒": "=>", "←": "<-", "⇐": "<=", "↔": "<->",
    "©": "(c)", "®": "(R)",
    "ـ": "",  # Arabic tatweel only stretches a word
    # Arabic-script punctuation: same meaning as the Latin marks.
    "،": ",", "؛": ";", "؟": "?", "٪": "%", "٫": ",", "٬": ",", "۔": ".",
}

# Other scripts are spelled in Latin letters: a readable approximation is worth more than a row of
# "?". Context-free and lossy by design (Arabic short vowels are not written); a person who reads
# only Arabic script is better served by a counsellor than by SMS, which the channel should offer.
_UKRAINIAN = {  # Ukrainian national romanisation (2010), simplified to one form per letter
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ye", "ж": "zh",
    "з": "z", "и": "y", "і": "i", "ї": "yi", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "yu", "я": "ya",
    # Russian letters, for Russian-speaking Ukrainians.
    "ё": "yo", "ы": "y", "э": "e", "ъ": "",
}
for _lower, _latin in list(_UKRAINIAN.items()):
    _REPLACEMENTS[_lower] = _latin
    _REPLACEMENTS[_lower.upper()] = _latin.capitalize()

_ARABIC_SCRIPT = {  # Arabic, Dari and Pashto letters; hamza and vowel marks are combining and dropped
    "ء": "'", "ا": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d",
    "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
    "ع": "'", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h",
    "ة": "a", "و": "w", "ي": "y", "ى": "a",
    "پ": "p", "چ": "ch", "ژ": "zh", "ک": "k", "گ": "g", "ی": "y",  # Dari / Persian
    "ټ": "t", "ډ": "d", "ړ": "r", "ږ": "zh", "ښ": "x", "ځ": "dz", "څ": "ts", "ڼ": "n", "ګ": "g",
    "ې": "e", "ۍ": "ay", "ئ": "y",  # Pashto
}
_REPLACEMENTS.update(_ARABIC_SCRIPT)

# Removed: controls, format characters (U+200E/U+200F from Babel, zero-width joiners, bidi
# embeddings, soft hyphen), combining marks left after decomposition, variation selectors, private
# use and unassigned code points (often emoji newer than this Python's Unicode database).
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me"})
# Emoji and pictographs carry tone, not content; a "?" in their place would read as a question.
_SYMBOL_CATEGORIES = frozenset({"So", "Sk"})

_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
# French guillemets come with inner (no-break) spaces, which straight quotes do not take: « aide » -> "aide".
_GUILLEMET_OPEN = re.compile("«[ \u00a0\u202f\u2009]?")
_GUILLEMET_CLOSE = re.compile("[ \u00a0\u202f\u2009]?»")


def to_gsm7(text: str) -> str:
    """The text with every character outside GSM-7 replaced, so that an SMS never switches to UCS-2.

    Idempotent: GSM-7 text comes back unchanged, except CR and form feed which become a newline.
    """
    # NFC first, so that "e" + combining acute becomes the GSM-7 "é" instead of losing its accent.
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text)
    text = _GUILLEMET_CLOSE.sub('"', _GUILLEMET_OPEN.sub('"', text))
    return text.translate(_TRANSLATION)


class _Translation(dict[int, str]):
    """str.translate's table, filled on first sight of each character (C speed afterwards)."""

    def __missing__(self, codepoint: int) -> str:
        converted = _convert(chr(codepoint))
        if len(self) < 65_536:  # bounded: a flood of distinct characters cannot grow it forever
            self[codepoint] = converted
        return converted


_TRANSLATION = _Translation()


@lru_cache(maxsize=4096)
def _convert(char: str) -> str:
    if char in GSM7:
        return char
    if char in _REPLACEMENTS:
        return _REPLACEMENTS[char]
    category = unicodedata.category(char)
    if char == "\t" or category == "Zs":
        # U+00A0 and U+202F come from Babel's money and number formatting, U+2009 from typography.
        return " "
    if category in _DROPPED_CATEGORIES:
        return ""
    digit = unicodedata.decimal(char, None)
    if digit is not None:
        # Arabic-Indic and Persian digits: phone numbers and amounts must stay numbers.
        return str(digit)
    decomposed = unicodedata.normalize("NFKD", char)
    if decomposed != char:
        # á -> a, ș -> s, ﬁ -> fi, ½ -> 1/2, ᵉ -> e, № -> No, ™ -> TM: the compatibility form is the
        # closest GSM-7 spelling; its combining marks are dropped above.
        return "".join(_convert(piece) for piece in decomposed)
    if category in _SYMBOL_CATEGORIES:
        return ""
    # An unknown letter or sign: show that something was there rather than silently merge words.
    return "?"


def is_gsm7(text: str) -> bool:
    return all(char in GSM7 for char in text)


def septets(text: str) -> int:
    """Septets the GSM-7 text takes: extension characters (€ [ ] { } ^ ~ | \\) count 2."""
    total = 0
    for char in text:
        if char in BASIC:
            total += 1
        elif char in EXTENSION:
            total += 2
        else:
            raise ValueError(f"{char!r} (U+{ord(char):04X}) is not GSM-7: pass the text through to_gsm7")
    return total


def gsm7_septets(text: str) -> int:
    """septets() of a text already through to_gsm7: a count, no check (the renderer's hot path)."""
    return _septets_gsm7(text)


def _septets_gsm7(text: str) -> int:
    """septets() of a text already through to_gsm7, without checking each character."""
    return len(text) + sum(text.count(char) for char in EXTENSION)


def segments(text: str) -> int:
    """How many SMS segments any text is billed as: GSM-7 if it can be, else UCS-2. 0 for ""."""
    if not text:
        return 0
    if is_gsm7(text):
        costs = [2 if char in EXTENSION else 1 for char in text]
        single, multi = SINGLE_SEPTETS, MULTI_SEPTETS
    else:
        costs = [2 if ord(char) > 0xFFFF else 1 for char in text]  # UTF-16 code units
        single, multi = SINGLE_UCS2, MULTI_UCS2
    if sum(costs) <= single:
        return 1
    # Phones never split an escape pair or a surrogate pair across segments, so pack greedily.
    count, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            count, used = count + 1, 0
        used += cost
    return count

"""Free text as people type it: normalisation and numbers ("vingt-trois", "1 200 €", "٣٥")."""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from functools import lru_cache

from text_to_num import alpha2digit

MAX_INPUT = 2000  # longer messages are cut: nobody answers a question in more, and parsing stays cheap

# Arabic-Indic and Extended Arabic-Indic (Persian, Dari, Pashto) digits to ASCII.
_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")})
_DIGITS[ord("٫")] = ","  # Arabic decimal separator
_DIGITS[ord("٬")] = " "  # Arabic thousands separator
# People type Arabic, Dari and Pashto on whatever keyboard they have: one form per letter for matching.
_LETTER_VARIANTS = str.maketrans({"ي": "ی", "ى": "ی", "ې": "ی", "ۍ": "ی", "ئ": "ی", "ك": "ک", "ګ": "گ",
                                  "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ۀ": "ه", "ـ": ""})
_NUMBER_WORD_LANGS = {"fr", "en", "es", "pt", "de", "it", "nl"}


def clean(text: str) -> str:
    """Drop control and invisible formatting characters, unify spaces, cut very long input."""
    text = unicodedata.normalize("NFKC", text or "")[:MAX_INPUT]
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\n\t" or category.startswith("Z"):
            kept.append(" ")
        elif category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue  # controls, bidi overrides, zero-width joiners, surrogates, private use
        else:
            kept.append(char)
    return re.sub(r"\s+", " ", "".join(kept)).strip()


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower case, no accents, apostrophes and punctuation as spaces: for matching words."""
    text = clean(text).casefold().translate(_DIGITS)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    text = text.translate(_LETTER_VARIANTS)
    text = re.sub(r"[’'`´‘]", " ", text)
    text = re.sub(r"[^\w\s?€%,.+-]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def fold_keep_case(text: str) -> str:
    """fold() without lower-casing: to tell a name ("Strasbourg") from an ordinary word."""
    text = clean(text).translate(_DIGITS)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    text = re.sub(r"[’'`´‘]", " ", text.translate(_LETTER_VARIANTS))
    text = re.sub(r"[^\w\s?€%,.+-]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def words_to_digits(text: str, lang: str = "fr") -> str:
    if lang not in _NUMBER_WORD_LANGS:
        return text
    try:
        return str(alpha2digit(text, lang, threshold=0))
    except Exception:  # the library is strict on odd inputs; the digits path still works
        return text


_NUMBER = re.compile(
    r"(?<![0-9A-Za-z_.,])[-+]?(?:\d{1,3}(?:[ .,]\d{3})+|\d+)(?:[.,]\d{1,2})?(?![\d])(?:\s*(k)\b)?", re.IGNORECASE)


def numbers(text: str, lang: str = "fr") -> list[float]:
    """Every number in the text, French style: "1 200,50" and "1.200" are one number."""
    folded = words_to_digits(fold(text), lang)
    found = []
    for match in _NUMBER.finditer(folded):
        raw = match.group(0)
        thousand = bool(match.group(1))
        raw = re.sub(r"\s*k$", "", raw, flags=re.IGNORECASE)
        raw = raw.replace(" ", "")
        if lang == "en" and re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d{1,2})?", raw):
            raw = raw.replace(",", "")  # 1,200.50 in English
        elif re.fullmatch(r"[-+]?\d{1,3}(\.\d{3})+", raw):
            raw = raw.replace(".", "")  # 1.200 is one thousand two hundred in French
        raw = raw.replace(",", ".")
        try:
            value = float(raw)
        except ValueError:
            continue
        if thousand:
            value *= 1000
        if not math.isfinite(value):
            value = math.copysign(sys.float_info.max, value)  # 400 nines: a number, but out of every range
        found.append(0.0 if value == 0 else value)  # "-0" is zero
    return found


def has_word(folded_text: str, phrase: str) -> bool:
    """Whole-word (or whole-phrase) match on folded text."""
    pattern = _phrase_pattern(fold(phrase))
    return pattern is not None and pattern.search(folded_text) is not None


@lru_cache(maxsize=8192)
def _phrase_pattern(folded_phrase: str) -> re.Pattern[str] | None:
    return re.compile(rf"(?<!\w){re.escape(folded_phrase)}(?!\w)") if folded_phrase else None


_CHOICE_NUMBER = re.compile(r"[0-9]{1,3}")


def choice_number(folded_text: str) -> int | None:
    """The number of a choice when that is all the message says ("2", " 3. "); fold() has already turned
    Arabic-Indic and Persian digits into ASCII ones. Other Unicode digits (², ①) are not choices."""
    stripped = folded_text.strip(" .")
    return int(stripped) if _CHOICE_NUMBER.fullmatch(stripped) else None

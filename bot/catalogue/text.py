"""The one way text is folded for matching, shared by the dialog, the places and the catalogue checks.

Two spellings meet when they fold alike: "Rezé" and "reze", "l'Île" and "l ile", "Sœur" and "soeur",
"٣٥" and "35", an Arabic "ي" and a Persian "ی". Three folds used to disagree (one kept "œ", one
dropped non-Latin letters): a name checked unique by the catalogue could then collide when matched.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_INPUT = 2000  # longer messages are cut: nobody answers a question in more, and parsing stays cheap

# Arabic-Indic and Extended Arabic-Indic (Persian, Dari, Pashto) digits to ASCII.
_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")})
_DIGITS[ord("٫")] = ","  # Arabic decimal separator
_DIGITS[ord("٬")] = " "  # Arabic thousands separator
# People type Arabic, Dari and Pashto on whatever keyboard they have: one form per letter for matching.
_LETTER_VARIANTS = str.maketrans({"ي": "ی", "ى": "ی", "ې": "ی", "ۍ": "ی", "ئ": "ی", "ك": "ک", "ګ": "گ",
                                  "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ۀ": "ه", "ـ": ""})
# Ligatures that Unicode does not decompose: "Sœur" must meet "soeur".
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})
_WORD = re.compile(r"[^\W_]+")


def clean(text: str) -> str:
    """Drop control and invisible formatting characters, unify spaces, cut very long input."""
    text = unicodedata.normalize("NFKC", text or "")[:MAX_INPUT]
    if text.isprintable():
        # No control, format or odd space character (the usual case): only the spaces to unify.
        return " ".join(text.split())
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
    """Lower case, no accents, apostrophes and punctuation as spaces: for matching words.

    The signs that carry a number or a question (? € % , . + -) stay, for the answers' parsers.
    """
    text = clean(text).casefold().translate(_DIGITS).translate(_LIGATURES)
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
        text = text.translate(_LETTER_VARIANTS)
    text = re.sub(r"[’'`´‘]", " ", text)
    text = re.sub(r"[^\w\s?€%,.+-]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def fold_keep_case(text: str) -> str:
    """fold() without lower-casing: to tell a name ("Strasbourg") from an ordinary word."""
    text = clean(text).translate(_DIGITS).translate(_LIGATURES)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    text = re.sub(r"[’'`´‘]", " ", text.translate(_LETTER_VARIANTS))
    text = re.sub(r"[^\w\s?€%,.+-]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=65536)
def fold_words(text: str) -> str:
    """`fold` with every sign gone, letters and digits only: the key of a name ("Saint-Herblain" ->
    "saint herblain"), for places, streets and the uniqueness checks of the catalogue."""
    return " ".join(_WORD.findall(fold(text)))

"""Free text as people type it: normalisation and numbers ("vingt-trois", "1 200 €", "٣٥")."""

from __future__ import annotations

import math
import re
import sys
from functools import lru_cache

from text_to_num import alpha2digit

# One fold for the whole core: the dialog modules take it from here.
from bot.catalogue.text import MAX_INPUT as MAX_INPUT
from bot.catalogue.text import clean as clean
from bot.catalogue.text import fold as fold
from bot.catalogue.text import fold_keep_case as fold_keep_case

_NUMBER_WORD_LANGS = {"fr", "en", "es", "pt", "de", "it", "nl"}


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

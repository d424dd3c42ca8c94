"""Which of our languages a first message is written in: the script first (Cyrillic is Ukrainian;
Arabic letters are Arabic, Dari or Pashto by the letters only those use), then, for Latin letters,
a detector made for short texts (lingua, restricted to our Latin-script languages) checked against
the words of our own lexicons. Used only to offer a language, never to switch silently."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bot.catalogue.text import clean

_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF]")
_PASHTO = re.compile("[ټډړږښګڼېۍځڅ]")
_PERSIAN = re.compile("[پچژگکی]")  # Persian-only letters and the Persian forms of kaf and yeh
_ARABIC = re.compile("[ةيكىإأ]")  # Arabic forms (teh marbuta, Arabic yeh and kaf)
LATIN = ("fr", "en", "es", "ro")
MIN_CONFIDENCE = 0.6


def script_language(text: str) -> str | None:
    text = clean(text)
    if _CYRILLIC.search(text):
        return "uk"
    if _ARABIC_SCRIPT.search(text):
        if _PASHTO.search(text):
            return "ps"
        persian, arabic = len(_PERSIAN.findall(text)), len(_ARABIC.findall(text))
        return "fa" if persian > arabic else "ar"
    return None


@lru_cache(maxsize=1)
def _detector() -> Any:
    try:
        from lingua import Language, LanguageDetectorBuilder
    except ImportError:  # pragma: no cover - declared in pyproject; without it, the lexicon alone decides
        return None
    names = {"fr": Language.FRENCH, "en": Language.ENGLISH, "es": Language.SPANISH, "ro": Language.ROMANIAN}
    return LanguageDetectorBuilder.from_languages(*names.values()).with_low_accuracy_mode().build()


def detect(text: str, known_words: dict[str, set[str]], toks: tuple[str, ...]) -> str | None:
    """The language of a message, or None when unsure. `known_words`: the single words of each
    language's lexicon (folded); a Latin-script guess must be backed by one of them."""
    by_script = script_language(text)
    if by_script:
        return by_script
    words = [t for t in toks if t.isalpha() and len(t) > 1]
    if not words:
        return None
    hits = {lang: sum(w in known_words.get(lang, set()) for w in words) for lang in LATIN}
    detector = _detector()
    guess, confidence = None, 0.0
    if detector is not None:
        values = detector.compute_language_confidence_values(" ".join(words))
        if values:
            guess = {"FRENCH": "fr", "ENGLISH": "en", "SPANISH": "es", "ROMANIAN": "ro"}.get(values[0].language.name)
            confidence = values[0].value
    if guess and confidence >= MIN_CONFIDENCE and hits.get(guess, 0) > hits["fr"] // 2 and hits.get(guess, 0):
        return guess
    best = max(LATIN, key=lambda lang: hits[lang])
    if hits[best] >= 2 and hits["fr"] == 0:
        return best
    return None

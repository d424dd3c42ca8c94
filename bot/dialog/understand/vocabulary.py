"""The words of one language, ready for matching: marker words (units, people, negation), the answer
phrases of every question, number words. The person's language first, then French (everyone in
Nantes may type some French), built once per language."""

from __future__ import annotations

import re

from text_to_num import alpha2digit

from bot.catalogue import Catalogue
from bot.dialog.understand.phrases import PhraseIndex, phrase_tokens

# Languages text2num reads; the others use the number words of their lexicon file.
TEXT2NUM = {"fr", "en", "es", "pt", "de", "it", "nl"}
_HAS_LETTERS = re.compile(r"[^\W\d_]")


class Vocabulary:
    def __init__(self, catalogue: Catalogue, lang: str) -> None:
        self.lang = lang
        langs = [lang] if lang == "fr" else [lang, "fr"]
        words = [catalogue.words[code] for code in langs if code in catalogue.words]
        self.markers: PhraseIndex[str] = PhraseIndex(
            (word, name) for w in words for name, items in w.words.items() for word in items)
        answers: list[tuple[str, tuple[str, str]]] = []
        for question in catalogue.questions:
            for choice in question.choices:
                if question.type == "choice":
                    answers += [(phrase, (question.id, choice.value)) for phrase in (choice.label, *choice.synonyms)]
            for w in words:
                for value, phrases in w.answers.get(question.id, {}).items():
                    answers += [(phrase, (question.id, value)) for phrase in phrases]
        self.answers: PhraseIndex[tuple[str, str]] = PhraseIndex(answers)
        self.by_question: dict[str, dict[str, tuple[str, ...]]] = {}
        for phrase, (qid, value) in answers:
            values = self.by_question.setdefault(qid, {})
            values[value] = (*values.get(value, ()), phrase)
        self._negations = {tok for w in words for name in ("negation", "negation_after")
                           for word in w.words.get(name, ()) for tok in phrase_tokens(word)}
        self.numbers = {tok: value for w in reversed(words) for word, value in w.numbers.items()
                        for tok in phrase_tokens(word)[:1]}
        self._number_words = set(self.numbers)
        self.not_emergencies = tuple(p for w in words for p in w.not_emergencies)

    def is_negation(self, token: str) -> bool:
        return token in self._negations

    def digits(self, folded: str) -> str:
        """Number words as digits ("trente-quatre" -> 34), the article "un" left alone."""
        if not _HAS_LETTERS.search(folded) or not (self._number_words & set(re.findall(r"[^\W\d_]+", folded))):
            return folded
        if self.lang in TEXT2NUM:
            try:
                return str(alpha2digit(folded, self.lang, threshold=2))
            except Exception:  # the library is strict on odd inputs; the digits path still works
                return folded
        return _sum_words(folded, self.numbers)


def _sum_words(folded: str, numbers: dict[str, int]) -> str:
    """Languages without a number library: each number word as its value, a run of them added up
    ("двадцять п'ять" -> 25), the word for one left alone (an article as often as a number)."""
    out: list[str] = []
    run: list[int] = []
    for word in folded.split(" "):
        value = numbers.get(word)
        if value is not None and not (value == 1 and not run):
            run.append(value)
            continue
        if run:
            out.append(str(sum(run)))
            run = []
        out.append(word)
    if run:
        out.append(str(sum(run)))
    return " ".join(out)

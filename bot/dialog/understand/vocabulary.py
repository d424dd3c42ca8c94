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
        # A number word with an apostrophe ("п'ять") folds to two tokens: it is matched joined up.
        self._joined = {" ".join(phrase_tokens(word)): "".join(phrase_tokens(word))
                        for w in words for word in w.numbers if len(phrase_tokens(word)) > 1}
        self.numbers = {"".join(phrase_tokens(word)): value for w in reversed(words) for word, value in w.numbers.items()
                        if phrase_tokens(word)}
        self._number_words = set(self.numbers) | {w[1:] for w in self.numbers}
        self._joiners = {tok for w in words for word in w.words.get("and", ()) for tok in phrase_tokens(word)}
        self.not_emergencies = tuple(p for w in words for p in w.not_emergencies)

    def is_negation(self, token: str) -> bool:
        return token in self._negations

    def digits(self, folded: str) -> str:
        """Number words as digits ("trente-quatre" -> 34), the article "un" left alone."""
        for split, joined in self._joined.items():
            if split in folded:
                folded = re.sub(rf"(?<!\w){re.escape(split)}(?!\w)", joined, folded)
        if not _HAS_LETTERS.search(folded) or not (self._number_words & set(re.findall(r"[^\W\d_]+", folded))):
            return folded
        if self.lang in TEXT2NUM:
            try:
                folded = str(alpha2digit(folded, self.lang, threshold=2))
            except Exception:  # the library is strict on odd inputs; the digits path still works
                pass
        # The words the library does not know ("veintiún"), and every word of the other languages.
        return _sum_words(folded, self.numbers, self._joiners)


def _sum_words(folded: str, numbers: dict[str, int], joiners: set[str]) -> str:
    """Languages without a number library: a run of number words as its value ("o mie două sute" ->
    1200, "سی و چهار" -> 34): hundreds and thousands multiply what comes before them, the rest adds up;
    "and" words inside a run and an "and" letter stuck to a number word ("وثلاثون") are joiners. A
    lone word for one stays (an article as often as a number)."""
    out: list[str] = []
    total = current = 0
    in_run = False

    def flush() -> None:
        nonlocal total, current, in_run
        if in_run:
            out.append(str(total + current))
        total = current = 0
        in_run = False

    words = folded.split(" ")
    for index, word in enumerate(words):
        value = numbers.get(word)
        if value is None and len(word) > 2 and word[0] in joiners and word[1:] in numbers:
            value = numbers[word[1:]]  # Arabic "و" written onto the next number
        if value is None and in_run and word in joiners and index + 1 < len(words) and (
                words[index + 1] in numbers or (len(words[index + 1]) > 2 and words[index + 1][1:] in numbers)):
            continue
        if value is None or (value == 1 and not in_run and not (index + 1 < len(words) and numbers.get(
                words[index + 1], 0) >= 100)):
            flush()
            out.append(word)
            continue
        in_run = True
        if value >= 1000:
            total += (current or 1) * value
            current = 0
        elif value == 100 and current % 100:
            current = (current // 100) * 100 + (current % 100) * 100
        elif value == 100:
            current += 100
        else:
            current += value
    flush()
    return " ".join(out)

"""Understanding what a person typed: intents, emergencies, needs and answers to a question."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from bot.catalogue import Catalogue
from bot.catalogue.dialogue import Emergency, Need, Question
from bot.dialog.text import choice_number, fold, has_word, numbers

Choices = list[tuple[str, str, tuple[str, ...]]]
UNCLEAR = object()  # the answer could not be understood


@dataclass(frozen=True)
class Understood:
    value: Any  # the profile value, UNCLEAR, or None for "skip"
    skipped: bool = False
    problem: str = ""  # why it was unclear: "range", "several", "" (nothing recognised)


class Understanding:
    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self._lexicon = {
            lang: {intent: tuple(fold(w) for w in words) for intent, words in intents.items()}
            for lang, intents in catalogue.lexicon.items()
        }
        # One regular expression per situation, folded once: this runs on every message.
        self._triggers = []
        for emergency in catalogue.emergencies:
            phrases = sorted({fold(p) for words in emergency.triggers.values() for p in words if fold(p)},
                             key=len, reverse=True)
            if phrases:
                pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, phrases)) + r")(?!\w)")
                self._triggers.append((emergency, pattern))
        # Exact words of every language count (people mix languages); near-misses only in the person's own,
        # else English "of course" would be a typo of French "courses" (food).
        self._need_phrases = {
            need.id: {fold(p) for p in (need.label, *need.synonyms, *(w for ws in need.words.values() for w in ws))
                      if fold(p)}
            for need in catalogue.needs
        }
        self._near_cache: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[list[str], list[str]]] = {}
        self._need_phrases_by_lang = {
            lang: {need.id: {fold(p) for p in ((need.label, *need.synonyms) if lang == "fr" else ())
                             + need.words.get(lang, ()) if fold(p)}
                   for need in catalogue.needs}
            for lang in {*catalogue.lexicon, "fr"}
        }

    # -- words ------------------------------------------------------------------

    def words(self, intent: str, lang: str) -> tuple[str, ...]:
        """The intent's words in the person's language, then in French (everyone may type French)."""
        ours = self._lexicon.get(lang, {}).get(intent, ())
        return ours + tuple(w for w in self._lexicon.get("fr", {}).get(intent, ()) if w not in ours)

    def is_intent(self, folded: str, intent: str, lang: str, whole: bool = True) -> bool:
        """The message is the intent (whole=True), or contains one of its phrases."""
        candidates = self.words(intent, lang)
        if whole:
            stripped = folded.strip(" ?!.,") or folded
            return stripped in candidates or folded in candidates
        return any(has_word(folded, w) for w in candidates if len(w) > 2)

    def command(self, folded: str, lang: str) -> str:
        """A command typed as a word at any step ("retour", "/recommencer", "AIDE")."""
        from bot.dialog.commands import TYPED

        folded = folded.lstrip("/").strip(" !.")
        for command in TYPED:
            if folded in self.words(command, lang):
                return command
        return ""

    # -- emergencies and needs --------------------------------------------------

    def emergencies(self, folded: str) -> list[Emergency]:
        return [e for e, pattern in self._triggers if pattern.search(folded)]

    def need(self, folded: str, lang: str, k: Callable[[str], str] | None = None) -> Need | None:
        """Match free text ("je n'arrive plus à payer mon loyer") to the need whose words it uses most."""
        words = folded.split()
        scores: dict[str, float] = {}
        labels = {need.id: fold(k(need.label)) for need in self.catalogue.needs} if k else {}
        for need in self.catalogue.needs:
            score = 0.0
            for target in self._need_phrases[need.id] | {labels.get(need.id, "")}:
                # The substring test is cheap and rules out almost every phrase before the word-boundary test.
                if target and target in folded and has_word(folded, target):
                    score += 100 + len(target)  # longer phrases are more specific
            scores[need.id] = score
        targets, owners = self._near_targets(lang, labels)
        if targets and words:
            # Near-misses (typos) in the person's own language: every word against every single-word phrase.
            closeness: dict[int, float] = {}
            for word in words:
                for _, score, index in process.extract(word, targets, scorer=fuzz.ratio, score_cutoff=88,
                                                       limit=None):
                    closeness[index] = max(closeness.get(index, 0.0), score)
            for index, close in closeness.items():
                if targets[index] not in words:
                    scores[owners[index]] += close
        best = max(self.catalogue.needs, key=lambda need: scores[need.id], default=None)
        return best if best is not None and scores[best.id] > 0 else None

    def _near_targets(self, lang: str, labels: dict[str, str]) -> tuple[list[str], list[str]]:
        key = (lang, tuple(sorted(labels.items())))
        cached = self._near_cache.get(key)
        if cached is None:
            own = self._need_phrases_by_lang.get(lang, {})
            pairs = sorted({(phrase, need_id) for need_id, phrases in own.items()
                            for phrase in phrases | {labels.get(need_id, "")}
                            if len(phrase) >= 5 and " " not in phrase})
            cached = self._near_cache[key] = ([p for p, _ in pairs], [n for _, n in pairs])
        return cached

    # -- answers to a question --------------------------------------------------

    def answer(self, question: Question, text: str, lang: str, choices: list[tuple[str, str, tuple[str, ...]]]
               ) -> Understood:
        """`choices`: (value, label shown, synonyms) in the order shown, numbered 1…n."""
        folded = fold(text)
        if not folded:
            return Understood(UNCLEAR)
        if self.is_intent(folded, "dont_know", lang) or self.is_intent(folded, "prefer_not", lang):
            return Understood(None, skipped=True)
        if folded.strip() == "0" and question.type in ("choice", "boolean", "location"):
            return Understood(None, skipped=True)
        parse: Callable[[Question, str, str, str, Choices], Understood] = getattr(self, f"_{question.type}")
        return parse(question, folded, text, lang, choices)

    def _integer(self, question: Question, folded: str, text: str, lang: str, choices: Choices) -> Understood:
        if re.search(r"\d\s*e\s*\d", folded):
            return Understood(UNCLEAR)  # 1e309 is not an age
        values = numbers(text, lang)
        if question.key == "age" and len(values) > 1:
            # "j'ai 23 ans et 2 enfants": the number followed by "ans" is the age
            tagged = re.findall(r"(\d+)\s*ans?\b", folded)
            values = [float(v) for v in tagged] if len(tagged) == 1 else values
        if not values and self.is_intent(folded, "none", lang) and question.key != "age":
            return Understood(0)
        if len(values) != 1:
            return Understood(UNCLEAR, problem="several" if values else "")
        spec = self.catalogue.profile.keys.get(question.key)
        value = values[0]
        if value != int(value) or (spec and (spec.min is not None and value < spec.min
                                             or spec.max is not None and value > spec.max)):
            return Understood(UNCLEAR, problem="range")
        return Understood(int(value))

    def _money(self, question: Question, folded: str, text: str, lang: str, choices: Choices) -> Understood:
        if re.search(r"\d\s*e\s*\d", folded):
            return Understood(UNCLEAR)
        values = numbers(text, lang)
        if not values and (self.is_intent(folded, "none", lang) or self.is_intent(folded, "no", lang)):
            return Understood(0)
        if len(values) != 1:
            return Understood(UNCLEAR, problem="several" if values else "")
        value = values[0]
        if re.search(r"\b(par an|an|annuel|annuels|par annee|per year|a year)\b", folded):
            value = value / 12
        spec = self.catalogue.profile.keys.get(question.key)
        if value < 0 or (spec and spec.max is not None and value > spec.max):
            return Understood(UNCLEAR, problem="range")
        return Understood(round(value, 2))

    def _boolean(self, question: Question, folded: str, text: str, lang: str, choices: Choices) -> Understood:
        for value, label, _synonyms in choices:
            if folded == fold(label):
                return Understood(value == "yes")
        if folded in ("1",):
            return Understood(True)
        if folded in ("2",):
            return Understood(False)
        if self.is_intent(folded, "yes", lang) or self.is_intent(folded, "yes", lang, whole=False) and not \
                self.is_intent(folded, "no", lang, whole=False):
            return Understood(True)
        if self.is_intent(folded, "no", lang) or self.is_intent(folded, "no", lang, whole=False):
            return Understood(False)
        return Understood(UNCLEAR)

    def _choice(self, question: Question, folded: str, text: str, lang: str, choices: Choices) -> Understood:
        index = choice_number(folded)
        if index is not None:
            real = [c for c in choices if c[0] != "skip"]
            if 1 <= index <= len(real):
                return Understood(real[index - 1][0])
            return Understood(UNCLEAR, problem="range")
        candidates, owners = [], []
        for value, label, synonyms in choices:
            for phrase in (label, *synonyms):
                candidates.append(fold(phrase))
                owners.append(value)
        for phrase, owner in sorted(zip(candidates, owners, strict=False), key=lambda pair: -len(pair[0])):
            if phrase and (phrase == folded or len(phrase) > 3 and has_word(folded, phrase)):
                return Understood(owner)
        match = process.extractOne(folded, candidates, scorer=fuzz.WRatio, score_cutoff=86)
        if match and len(folded) >= 3:
            return Understood(owners[match[2]])
        return Understood(UNCLEAR)

    def _ages(self, question: Question, folded: str, text: str, lang: str, choices: Choices) -> Understood:
        if self.is_intent(folded, "none", lang) or self.is_intent(folded, "no", lang):
            return Understood([])
        without_counts = re.sub(r"\b\d+\s*(enfants?|gosses?|children|kids?|petits?)\b", " ", folded)
        values = numbers(without_counts, lang)
        if not values:
            if re.search(r"\b\d+\s*(enfants?|children|kids?)\b", folded) or self.is_intent(folded, "yes", lang,
                                                                                            whole=False):
                return Understood(UNCLEAR, problem="count_only")
            return Understood(UNCLEAR)
        if any(v != int(v) or not 0 <= v <= 30 for v in values) or len(values) > 15:
            return Understood(UNCLEAR, problem="range")
        return Understood(sorted(int(v) for v in values))

    def _location(self, question: Question, folded: str, text: str, lang: str, choices: Choices) -> Understood:
        from bot.places.search import locate

        location = locate(text, self.catalogue.gazetteer)
        return Understood(location) if location else Understood(UNCLEAR)

"""Understanding what a person typed: emergencies first, then commands, needs, and the answers a
message gives (the open question's, and any other question's), each with a confidence.

Everything language-specific is data (knowledge/lexicon/<lang>.yaml); the parts are in
bot.dialog.understand: tokens and phrases, the analysis of a message (markers, quantities), who a
number is about, and one reader per answer type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from rapidfuzz import fuzz, process

from bot.catalogue import Catalogue
from bot.catalogue.questions import Emergency, Need, Question
from bot.catalogue.text import clean, fold
from bot.dialog.text import has_word
from bot.dialog.understand.analysis import analyse
from bot.dialog.understand.phrases import Hit, PhraseIndex, tokens
from bot.dialog.understand.readers import READERS, Choices, Context, extras
from bot.dialog.understand.result import UNCLEAR, Slot, Understood
from bot.dialog.understand.vocabulary import Vocabulary

NAME = " NAME"  # at the end of a look-alike phrase: followed by a capitalised word
__all__ = ["UNCLEAR", "Choices", "Slot", "Understanding", "Understood"]


class Understanding:
    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self._lexicon = {
            lang: {intent: tuple(fold(w) for w in words) for intent, words in intents.items()}
            for lang, intents in catalogue.lexicon.items()
        }
        # Every language's trigger phrases, and the phrases that only look like one ("en finir avec mes
        # dettes"): where both match, the longer wins.
        self._triggers: PhraseIndex[str] = PhraseIndex(
            (p, e.id) for e in catalogue.emergencies for words in e.triggers.values() for p in words)
        looks = [p for words in catalogue.words.values() for p in words.not_emergencies]
        self._look_alikes: PhraseIndex[str] = PhraseIndex((p, "") for p in looks if not p.endswith(NAME))
        # "vivo en la calle NAME": an address ("vivo en la calle Strasbourg"), when a capitalised word follows.
        self._before_names = [tokens(fold(p[:-len(NAME)])) for p in looks if p.endswith(NAME)]
        self._emergency_order = {e.id: i for i, e in enumerate(catalogue.emergencies)}
        self._emergency = {e.id: e for e in catalogue.emergencies}
        self._vocabularies: dict[str, Vocabulary] = {}
        self._language_words: dict[str, set[str]] | None = None
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

    def emergencies(self, folded: str, text: str = "") -> list[Emergency]:
        """The situations a message names. A trigger inside a longer one gives way ("il va me tuer" is
        violence, not suicide); a look-alike at least as long cancels one ("en finir avec mes
        dettes"); one phrase may name two situations (listed under both)."""
        toks = tokens(folded)
        every = self._triggers.find_all(toks)
        if not every:
            return []
        hits = [h for h in every if not any(o.start <= h.start and h.end <= o.end and o.end - o.start > h.end - h.start
                                            for o in every)]
        looks = self._look_alikes.find_all(toks) + self._names_after(toks, text)
        found = {h.payload for h in hits
                 if not any(lk.start < h.end and h.start < lk.end and lk.end - lk.start >= h.end - h.start
                            for lk in looks)}
        return [self._emergency[e] for e in sorted(found, key=self._emergency_order.__getitem__)]

    def _names_after(self, toks: tuple[str, ...], text: str) -> list[Hit[str]]:
        if not self._before_names or not text or not any(c.islower() for c in text):
            return []  # A message in capitals tells no name apart
        # The same tokens, case kept: a capitalised word is a name (a street), not "with my children".
        original = tokens(clean(text))
        if len(original) != len(toks):
            return []
        found = []
        for words in self._before_names:
            n = len(words)
            for start in range(len(toks) - n):
                if toks[start:start + n] == words and original[start + n][:1].isupper():
                    found.append(Hit(start, start + n + 1, ""))
        return found

    def vocabulary(self, lang: str) -> Vocabulary:
        vocabulary = self._vocabularies.get(lang)
        if vocabulary is None:
            vocabulary = self._vocabularies[lang] = Vocabulary(self.catalogue, lang)
        return vocabulary

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

    def answer(self, question: Question, text: str, lang: str, choices: Choices) -> Understood:
        """`choices`: (value, label shown, synonyms) in the order shown, numbered 1…n."""
        folded = fold(text)
        if not folded:
            return Understood(UNCLEAR)
        if self.is_intent(folded, "dont_know", lang) or self.is_intent(folded, "prefer_not", lang) or \
                self._starts_with_dont_know(folded, lang):
            return Understood(None, skipped=True)
        if folded.strip() == "0" and question.type in ("choice", "boolean", "location"):
            return Understood(None, skipped=True)  # the number of "je ne sais pas" where choices are numbered
        if question.type == "location":
            from bot.places.search import locate

            location = locate(text, self.catalogue.gazetteer)
            return Understood(location) if location else Understood(UNCLEAR)
        vocabulary = self.vocabulary(lang)
        analysis = analyse(folded, vocabulary)
        first = analysis.toks[0] if analysis.toks else ""
        ctx = Context(question, analysis, folded, lambda intent, whole: self.is_intent(folded, intent, lang, whole),
                      choices, self.catalogue, vocabulary.by_question.get(question.id, {}),
                      first in self.words("no", lang), first in self.words("yes", lang))
        result = READERS[question.type](ctx)
        return replace(result, extras=extras(ctx))

    def _starts_with_dont_know(self, folded: str, lang: str) -> bool:
        """ "jsp désolé", "je sais plus combien": a "don't know" then a few words, and no number."""
        if any(c.isdigit() for c in folded):
            return False
        return any(folded.startswith(w + " ") for w in self.words("dont_know", lang) if len(w) >= 3)

    # -- the language of a first message ---------------------------------------------------------

    def language(self, text: str) -> str | None:
        from bot.dialog.understand.language import detect

        if self._language_words is None:
            self._language_words = {
                lang: {tok for phrase in self._all_phrases(lang) for tok in tokens(fold(phrase)) if tok.isalpha()}
                for lang in self.catalogue.lexicon}
        return detect(text, self._language_words, tokens(fold(text)))

    def _all_phrases(self, lang: str) -> list[str]:
        phrases = [w for words in self.catalogue.lexicon.get(lang, {}).values() for w in words]
        extra = self.catalogue.words.get(lang)
        if extra:
            phrases += [p for values in extra.answers.values() for ps in values.values() for p in ps]
        phrases += [p for need in self.catalogue.needs for p in need.words.get(lang, ())]
        if lang == "fr":
            phrases += [p for need in self.catalogue.needs for p in (need.label, *need.synonyms)]
        return phrases

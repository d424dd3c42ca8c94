"""Search the catalogue by keyword, typos tolerated: "apl", "mutuel", "permis", "cantine", "logment".

    search = CatalogueSearch(catalogue)            # indexes once
    hits = search.find("mutuelle gratuite")        # best first

Each aid is indexed by the words of its name and plain name, its extra keywords
(knowledge/search_synonyms.yaml, section `aids`), its summary, its thématiques, the synonyms of the
needs it answers (needs.yaml) and its institution, each field with a weight. A typed word matches an
indexed word exactly, as its beginning ("mutuel" -> "mutuelle") or, from 4 letters on, with a typo
(rapidfuzz ratio). Words of the section `words` stand for others ("cantine" -> école, rentrée
scolaire…), for things that have no aid of their own. An aid's score is the mean of its typed words'
best scores, so every word counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from bot.catalogue import KNOWLEDGE_DIR, Aid, Catalogue
from bot.dialog.text import fold

SYNONYMS_FILE = "search_synonyms.yaml"

WEIGHTS = {"name": 1.0, "keywords": 1.0, "plain_name": 0.95, "thematiques": 0.7, "summary": 0.7, "needs": 0.6,
           "institution": 0.5}
STOPWORDS = frozenset("""
a au aux avec d de des du en et l la le les un une pour par sur son sa ses mon ma mes votre vos
qui que quand dans pas plus tres ou si se s y est c
""".split())
PREFIX_SCORE = 92.0  # "mutuel" is the beginning of "mutuelle": nearly as good as the whole word
MEANING_WEIGHT = 0.95  # name, plain name, keywords: what the aid is, not words of its description
FUZZY_MIN_LENGTH = 4  # shorter words are acronyms (apl, rsa, aah, css): one letter off is another aid
FUZZY_CUTOFF = 80.0
EXPANSION_SHARE = 0.9  # a word found through `words:` counts a little less than itself
EXPANSION_STEP = 0.02  # and a little less for each word listed before it
MIN_SCORE = 60.0
WORD_KEY_SCORE = 85.0  # how close a typed word must be to a key of `words:` to stand for it


class SearchDataError(ValueError):
    """knowledge/search_synonyms.yaml is malformed or names an unknown aid."""


@dataclass(frozen=True)
class Hit:
    aid: Aid
    score: float
    matched: tuple[str, ...]  # the indexed words that matched, for the counsellor to see why
    tier: int = 0  # 0: a word of its name or keywords; 1: words of its description; 2: typos only


def tokens(text: str) -> list[str]:
    """Folded words without stopwords: "la Complémentaire santé" -> ["complementaire", "sante"]; "auto-école" -> ["autoecole"]."""
    # A hyphenated word is one word: "auto-école" is not a school, and must not answer "cantine".
    folded = fold(text).replace("-", "")
    return [w.strip(".,?%+€") for w in folded.split() if w.strip(".,?%+€") and w.strip(".,?%+€") not in STOPWORDS]


def load_synonyms(catalogue: Catalogue, path: Path | None = None) -> tuple[dict[str, tuple[str, ...]],
                                                                          dict[str, tuple[str, ...]]]:
    """(aid id -> keywords, word -> words) from knowledge/search_synonyms.yaml; ({}, {}) when absent."""
    path = path or KNOWLEDGE_DIR / SYNONYMS_FILE
    if not path.is_file():
        return {}, {}
    raw: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict) or set(raw) - {"aids", "words"}:
        raise SearchDataError(f"{path.name}: expected the sections aids and words")
    aids: dict[str, tuple[str, ...]] = {}
    for aid_id, words in (raw.get("aids") or {}).items():
        if aid_id not in catalogue.aids:
            raise SearchDataError(f"{path.name}: aids.{aid_id}: no such aid in knowledge/aids/")
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise SearchDataError(f"{path.name}: aids.{aid_id}: must be a list of words")
        aids[aid_id] = tuple(words)
    expansions: dict[str, tuple[str, ...]] = {}
    for word, words in (raw.get("words") or {}).items():
        if not isinstance(word, str) or not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise SearchDataError(f"{path.name}: words.{word}: must be a list of words")
        expansions[fold(word)] = tuple(words)
    return aids, expansions


class CatalogueSearch:
    def __init__(self, catalogue: Catalogue, synonyms_path: Path | None = None) -> None:
        self.catalogue = catalogue
        keywords, self.expansions = load_synonyms(catalogue, synonyms_path)
        needs = {need.id: (need.label, *need.synonyms) for need in catalogue.needs}
        # aid id -> indexed word -> weight of the best field it appears in
        self._index: dict[str, dict[str, float]] = {}
        for aid in catalogue.aids.values():
            fields = {
                "name": [aid.name, aid.title], "plain_name": [aid.plain_name], "keywords": list(keywords.get(aid.id, ())),
                "summary": [aid.summary], "thematiques": [t.replace("-", " ") for t in aid.thematiques],
                "needs": [text for need in aid.needs for text in needs.get(need, ())],
                "institution": [aid.institution],
            }
            words: dict[str, float] = {}
            for name, texts in fields.items():
                for text in texts:
                    for word in tokens(text):
                        words[word] = max(words.get(word, 0.0), WEIGHTS[name])
            self._index[aid.id] = words
        self._vocabulary = sorted({w for words in self._index.values() for w in words})
        self._words = set(self._vocabulary)
        self._expansion_keys = sorted(self.expansions)

    def _word_scores(self, word: str) -> dict[str, float]:
        """Indexed word -> how well the typed word matches it (0-100)."""
        return {w: score for w, (score, _) in self._word_matches(word).items()}

    def _word_matches(self, word: str) -> dict[str, tuple[float, bool]]:
        """Indexed word -> (score 0-100, whether the typed word is the word itself or its beginning)."""
        sure = self._sure_scores(word)
        fuzzy = self._fuzzy_scores(word)
        matches = {w: (score, True) for w, score in sure.items()}
        for w, score in fuzzy.items():
            if score > matches.get(w, (0.0, True))[0]:
                matches[w] = (score, False)
        return matches

    def _sure_scores(self, word: str) -> dict[str, float]:
        scores: dict[str, float] = {}
        if word in self._words:
            scores[word] = 100.0
        if len(word) >= 3:
            for candidate in self._vocabulary:
                if candidate != word and candidate.startswith(word):
                    scores[candidate] = max(scores.get(candidate, 0.0), PREFIX_SCORE)
        return scores

    def _fuzzy_scores(self, word: str) -> dict[str, float]:
        scores: dict[str, float] = {}
        if len(word) >= FUZZY_MIN_LENGTH:
            for candidate, score, _ in process.extract(word, self._vocabulary, scorer=fuzz.ratio,
                                                       score_cutoff=FUZZY_CUTOFF, limit=None):
                # Typos rarely hit the first letter: "cantine" must not become "pantine".
                if candidate[0] == word[0] and len(candidate) >= FUZZY_MIN_LENGTH:
                    scores[candidate] = max(scores.get(candidate, 0.0), float(score))
            # A typo in the beginning of a longer word: "mutul" for "mutuelle".
            for candidate in self._vocabulary:
                if len(candidate) > len(word) and candidate[0] == word[0]:
                    score = fuzz.ratio(word, candidate[:len(word)])
                    if score >= 80.0:
                        scores[candidate] = max(scores.get(candidate, 0.0), score * PREFIX_SCORE / 100)
        return scores

    def _expansions_of(self, word: str) -> list[tuple[str, float]]:
        """The words a typed word stands for, each with its share: the first listed is the closest in meaning."""
        if word in self.expansions:
            key = word
        else:
            best = process.extractOne(word, self._expansion_keys, scorer=fuzz.ratio, score_cutoff=WORD_KEY_SCORE)
            key = best[0] if best and len(word) >= FUZZY_MIN_LENGTH else None
        if key is None:
            return []
        return [(w, EXPANSION_SHARE - EXPANSION_STEP * rank) for rank, text in enumerate(self.expansions[key])
                for w in tokens(text)]

    def find(self, query: str, limit: int = 8) -> list[Hit]:
        """Best first: aids whose name or keywords carry the typed words (or the words they stand for)
        before aids that only mention them in their description, and typos last; then by score."""
        typed = tokens(query)[:8]
        if not typed:
            return []
        # per typed word: aid id -> (score, matched word, found in the aid's name or keywords, not a typo)
        per_word: list[dict[str, tuple[float, str, bool, bool]]] = []
        for word in typed:
            direct = self._word_matches(word)
            expanded = [(self._word_matches(w), share) for w, share in self._expansions_of(word)]
            best: dict[str, tuple[float, str, bool, bool]] = {}
            for aid_id, words in self._index.items():
                candidates = []
                for matches, share in [(direct, 1.0), *expanded]:
                    candidates += [(matches[w][0] * weight * share, w, weight >= MEANING_WEIGHT and matches[w][1],
                                    matches[w][1]) for w, weight in words.items() if w in matches]
                if candidates:
                    best[aid_id] = max(candidates, key=lambda c: (c[2], c[0]))
            per_word.append(best)
        hits = []
        for aid_id, aid in self.catalogue.aids.items():
            found = [word.get(aid_id, (0.0, "", False, False)) for word in per_word]
            score = sum(f[0] for f in found) / len(found)
            if score >= MIN_SCORE:
                tier = 0 if any(f[2] for f in found) else 1 if all(f[3] for f in found if f[1]) else 2
                hits.append(Hit(aid, round(score, 1), tuple(dict.fromkeys(f[1] for f in found if f[1])), tier))
        hits.sort(key=lambda h: (h.tier, -h.score, h.aid.title))
        return hits[:limit]

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
FUZZY_MIN_LENGTH = 4  # shorter words are acronyms (apl, rsa, aah, css): one letter off is another aid
FUZZY_CUTOFF = 80.0
EXPANSION_SHARE = 0.9  # a word found through `words:` counts a little less than itself
MIN_SCORE = 60.0
WORD_KEY_SCORE = 85.0  # how close a typed word must be to a key of `words:` to stand for it


class SearchDataError(ValueError):
    """knowledge/search_synonyms.yaml is malformed or names an unknown aid."""


@dataclass(frozen=True)
class Hit:
    aid: Aid
    score: float
    matched: tuple[str, ...]  # the indexed words that matched, for the counsellor to see why


def tokens(text: str) -> list[str]:
    """Folded words without stopwords: "la Complémentaire santé" -> ["complementaire", "sante"]."""
    folded = fold(text).replace("-", " ")
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
                "name": [aid.name], "plain_name": [aid.plain_name], "keywords": list(keywords.get(aid.id, ())),
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
        scores: dict[str, float] = {}
        if word in self._words:
            scores[word] = 100.0
        if len(word) >= 3:
            for candidate in self._vocabulary:
                if candidate != word and candidate.startswith(word):
                    scores[candidate] = max(scores.get(candidate, 0.0), PREFIX_SCORE)
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

    def _expansions_of(self, word: str) -> list[str]:
        if word in self.expansions:
            key = word
        else:
            best = process.extractOne(word, self._expansion_keys, scorer=fuzz.ratio, score_cutoff=WORD_KEY_SCORE)
            key = best[0] if best and len(word) >= FUZZY_MIN_LENGTH else None
        if key is None:
            return []
        return [w for text in self.expansions[key] for w in tokens(text)]

    def find(self, query: str, limit: int = 8) -> list[Hit]:
        typed = tokens(query)[:8]
        if not typed:
            return []
        per_word: list[dict[str, tuple[float, str]]] = []  # per typed word: aid id -> (score, matched word)
        for word in typed:
            direct = self._word_scores(word)
            expanded = [(self._word_scores(w), EXPANSION_SHARE) for w in self._expansions_of(word)]
            best: dict[str, tuple[float, str]] = {}
            for aid_id, words in self._index.items():
                candidates = [(direct.get(w, 0.0) * weight, w) for w, weight in words.items() if w in direct]
                for scores, share in expanded:
                    candidates += [(scores[w] * weight * share, w) for w, weight in words.items() if w in scores]
                if candidates:
                    best[aid_id] = max(candidates)
            per_word.append(best)
        hits = []
        for aid_id, aid in self.catalogue.aids.items():
            found = [word.get(aid_id, (0.0, "")) for word in per_word]
            score = sum(s for s, _ in found) / len(found)
            if score >= MIN_SCORE:
                hits.append(Hit(aid, round(score, 1), tuple(dict.fromkeys(w for _, w in found if w))))
        hits.sort(key=lambda h: (-h.score, h.aid.title))
        return hits[:limit]

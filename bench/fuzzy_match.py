"""Benchmark: our rapidfuzz-based matching of free text beside the same matching done with difflib.

    .venv/bin/python bench/fuzzy_match.py [--repeat 3]

Prints one JSON line. Three measures, each on the same inputs for both libraries, in the same run:

* scorer: one similarity score of two short strings (rapidfuzz fuzz.ratio vs difflib
  SequenceMatcher.ratio), over every pair of (typed words, catalogue phrases);
* need: bot.dialog.understanding.Understanding.need (what "je n'arrive plus à payer mon loyer" is about),
  as shipped (rapidfuzz's process.extract over every typed word), vs the same algorithm with difflib
  doing the scoring (the same process.extract, in Python over SequenceMatcher);
* choice: the answer to a choice question (process.extractOne with WRatio, cutoff 86) vs difflib's
  get_close_matches over the same candidates (cutoff 0.86).

`speedup` is difflib's time divided by rapidfuzz's (higher: rapidfuzz is faster). `agreement` is how
often both give the same result: difflib's scores differ from rapidfuzz's (Ratcliff/Obershelp vs
Indel distance), so the same cutoff does not pick exactly the same matches; it is reported so that the
speed figure is read with what it would cost to switch.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process  # noqa: E402

from bot.catalogue import load_catalogue  # noqa: E402
from bot.dialog import understanding as understanding_module  # noqa: E402
from bot.dialog.render import question_choices  # noqa: E402
from bot.dialog.text import fold  # noqa: E402
from bot.dialog.understanding import Understanding  # noqa: E402
from bot.i18n import translator  # noqa: E402

# What people type when asked "Qu'est-ce qui vous amène ?" (typos included) and to choice questions.
NEED_TEXTS = [
    "je n'arrive plus à payer mon loyer", "j'ai faim", "manger", "mnager", "logemnt", "je dors dehors",
    "besoin d'argent pour les factures", "facture d'électricité", "je cherche du travail", "formation",
    "mes enfants", "papiers", "titre de séjour", "je me sens seul", "santé", "mutuelle", "dentiste",
    "tous mes droits", "aide", "je sais pas", "bonjour", "je suis enceinte", "expulsion", "dettes",
    "surendettement", "chomage", "solitude", "medecin", "apl", "hébergement d'urgence",
] * 4
CHOICE_TEXTS = ["je loue", "locataire", "HLM", "proprio", "propriétaire", "chez mes parents", "hébergé",
                "foyer", "à la rue", "sans logement", "je travaille", "salarié", "chomeur", "étudiant",
                "retraité", "rien", "auto entrepreneur", "intérim", "cdi", "je cherche"] * 5


def _timed(function: Callable[[], object], repeat: int) -> float:
    """The best of `repeat` timings (seconds): the least disturbed by the machine's noise."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def _difflib_ratio(a: str, b: str, score_cutoff: float | None = None) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio() * 100


class DifflibFuzz:
    """rapidfuzz.fuzz's ratio, computed by difflib (what Understanding.need would do without rapidfuzz)."""

    ratio = staticmethod(_difflib_ratio)


class DifflibProcess:
    """rapidfuzz.process.extract (one query against many choices, above a cutoff), by difflib."""

    @staticmethod
    def extract(query: str, choices: list[str], scorer=None, score_cutoff: float = 0, limit=None,  # noqa: ANN001
                **_: object) -> list[tuple[str, float, int]]:
        found = [(choice, score, index) for index, choice in enumerate(choices)
                 if (score := _difflib_ratio(query, choice)) >= score_cutoff]
        found.sort(key=lambda match: -match[1])
        return found if limit is None else found[:limit]


def run(repeat: int) -> dict:
    catalogue = load_catalogue()
    understanding = Understanding(catalogue)
    t = translator("fr")

    # -- scorer -----------------------------------------------------------------------------------
    words = sorted({word for text in NEED_TEXTS for word in fold(text).split()})
    phrases = sorted({phrase for phrases in understanding._need_phrases.values() for phrase in phrases})
    pairs = [(word, phrase) for word in words for phrase in phrases]
    rapid_scorer = _timed(lambda: [fuzz.ratio(a, b) for a, b in pairs], repeat)
    difflib_scorer = _timed(lambda: [_difflib_ratio(a, b) for a, b in pairs], repeat)

    # -- need ---------------------------------------------------------------------------------------
    def needs() -> list:
        return [understanding.need(fold(text), "fr", k=t.k) for text in NEED_TEXTS]

    rapid_need = _timed(needs, repeat)
    rapid_answers = needs()
    shipped = understanding_module.fuzz, understanding_module.process
    understanding_module.fuzz, understanding_module.process = DifflibFuzz, DifflibProcess
    try:
        difflib_need = _timed(needs, repeat)
        difflib_answers = needs()
    finally:
        understanding_module.fuzz, understanding_module.process = shipped
    need_agreement = sum(a == b for a, b in zip(rapid_answers, difflib_answers, strict=False)) / len(rapid_answers)

    # -- choice -------------------------------------------------------------------------------------
    questions = [q for q in catalogue.questions if q.type == "choice"]
    cases = []
    for question in questions:
        candidates = [fold(phrase) for choice in question_choices(question, t)
                      for phrase in (choice.label, *next((c.synonyms for c in question.choices
                                                          if c.value == choice.value), ()))]
        cases += [(fold(text), candidates) for text in CHOICE_TEXTS]

    def rapid_choices() -> list:
        return [(match[0] if match else None) for match in
                (process.extractOne(text, candidates, scorer=fuzz.WRatio, score_cutoff=86) for text, candidates
                 in cases)]

    def difflib_choices() -> list:
        return [(matches[0] if matches else None) for matches in
                (difflib.get_close_matches(text, candidates, n=1, cutoff=0.86) for text, candidates in cases)]

    rapid_choice = _timed(rapid_choices, repeat)
    difflib_choice = _timed(difflib_choices, repeat)
    choice_agreement = sum(a == b for a, b in zip(rapid_choices(), difflib_choices(), strict=False)) / len(cases)

    return {
        "bench": "fuzzy_match",
        "scorer_pairs": len(pairs),
        "scorer_rapidfuzz_us": round(rapid_scorer / len(pairs) * 1e6, 3),
        "scorer_difflib_us": round(difflib_scorer / len(pairs) * 1e6, 3),
        "scorer_speedup": round(difflib_scorer / rapid_scorer, 1),
        "need_texts": len(NEED_TEXTS),
        "need_rapidfuzz_ms": round(rapid_need / len(NEED_TEXTS) * 1000, 3),
        "need_difflib_ms": round(difflib_need / len(NEED_TEXTS) * 1000, 3),
        "need_speedup": round(difflib_need / rapid_need, 1),
        "need_agreement": round(need_agreement, 3),
        "choice_cases": len(cases),
        "choice_rapidfuzz_us": round(rapid_choice / len(cases) * 1e6, 2),
        "choice_difflib_us": round(difflib_choice / len(cases) * 1e6, 2),
        "choice_speedup": round(difflib_choice / rapid_choice, 1),
        "choice_agreement": round(choice_agreement, 3),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    print(json.dumps(run(parser.parse_args().repeat)))

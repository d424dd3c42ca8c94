"""Which question to ask next: the one whose answer settles the most open aids, never a useless one."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from bot.catalogue import Catalogue
from bot.catalogue.questions import Question
from bot.dialog.state import Answer, DialogState
from bot.rules.conditions import ELIGIBLE, UNKNOWN, evaluate
from bot.rules.facts import Facts
from bot.rules.screen import AidResult, screen

MAX_QUESTIONS = 6  # before the first results (the place question comes on top): a result in under 8

AMOUNT_WEIGHT = 0.5  # settling an amount counts less than settling whether a right is open

Frozen = tuple[tuple[str, bool | int | float | str | tuple[int, ...] | None], ...]


class Screening:
    """Screening is most of a turn's work, and a turn that asks its last question screens the same
    answers again for the results: the last few are remembered."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._cached = lru_cache(maxsize=64)(self._screen)

    def results(self, state: DialogState, now: datetime) -> list[AidResult]:
        answers: Frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in state.answers.items()))
        return self._cached(answers, now.date(), tuple(focus(self.catalogue, state)))

    def _screen(self, answers: Frozen, today: date, aids: tuple[str, ...]) -> list[AidResult]:
        profile: dict[str, Answer] = {k: list(v) if isinstance(v, tuple) else v for k, v in answers}
        return screen(self.catalogue, profile, today, aids)


def focus(catalogue: Catalogue, state: DialogState) -> list[str]:
    """The aids the person's need points to (every aid for "tous mes droits" or after "préciser")."""
    need = state.need
    if state.wide or not need or need == "all":
        return list(catalogue.aids)
    return [aid.id for aid in catalogue.aids.values() if need in aid.needs] or list(catalogue.aids)


def next_question(catalogue: Catalogue, screening: Screening, state: DialogState, now: datetime, *,
                  limited: bool = True) -> Question | None:
    """The question whose answer settles the most open aids; None when no answer can change them.

    Each open aid shares one point among the answers it still misses, so an aid one answer away
    weighs more than one that needs four. Before the first results at most MAX_QUESTIONS are asked:
    the person can then choose to answer more.
    """
    done = set(state.skipped) | set(state.history)
    past_limit = limited and not state.more and len(done) >= MAX_QUESTIONS
    best = _most_useful(catalogue, screening, state, now, done, forms_only=past_limit)
    if best is not None:
        return best
    where = next((q for q in catalogue.questions if q.type == "location"), None)
    if where and where.id not in done and not state.location:
        return where
    return None


def _most_useful(catalogue: Catalogue, screening: Screening, state: DialogState, now: datetime,
                 done: set[str], forms_only: bool = False) -> Question | None:
    """`forms_only`, past the limit: only an answer that alone says which form of a right applies (the RSA
    majoré or the plain RSA), so that the results never show a form the next answer would change."""
    results = screening.results(state, now)
    if forms_only:
        results = [r for r in results if r.aid.form and r.status == UNKNOWN and len(r.missing) == 1]
    facts = Facts(state.answers)
    candidates = []
    for question in catalogue.questions:
        if question.id in done or question.type == "location" or question.key in state.answers:
            continue
        if question.ask_if is not None and evaluate(question.ask_if, facts, now.date()).status != ELIGIBLE:
            continue
        candidates.append(question)
    asked_keys = {q.key for q in candidates}
    scores: dict[str, float] = {}
    for result in results:
        if result.status == UNKNOWN:
            keys, weight = result.missing & asked_keys, 1.0
        elif result.amount is not None and result.amount.missing:
            # a right already settled whose amount is still a range: the answer makes it one figure
            keys, weight = result.amount.missing & asked_keys, AMOUNT_WEIGHT
        else:
            continue
        for key in keys:
            scores[key] = scores.get(key, 0.0) + weight / len(keys)
    best, best_score = None, 0.0
    for question in candidates:
        score = scores.get(question.key, 0.0)
        if score > best_score + 1e-9:
            best, best_score = question, score
    return best

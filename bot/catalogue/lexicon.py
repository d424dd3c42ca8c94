"""The language-specific words of lexicon/<lang>.yaml beyond intents, needs and emergency triggers:
answer phrases per question and choice, word lists the understanding needs (negation, units, people,
kinds of income), number words for languages the number library does not read, and phrases that look
like an emergency and are not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.catalogue.questions import Question

# The word lists a language file may give (section `words`), and what each is for.
WORD_LISTS = {
    "negation": "words that turn the phrase after them into its opposite (ne, pas, jamais)",
    "negation_after": "words that turn the phrase before them into its opposite (pas after a verb)",
    "years": "units of age: ans, years", "months": "mois", "weeks": "semaines", "days": "jours",
    "euros": "€, euros, balles", "per_year": "par an", "per_month": "par mois", "per_week": "par semaine",
    "percent": "%, pour cent", "thousand": "k, mille (after a number)",
    "one": "articles that mean one before a child word (un, une)",
    "child": "words for a child (enfant, fils, fille, bébé)", "baby": "a baby (age in months)",
    "newborn": "a newborn (age 0)", "twins": "twins (2 of the same age)", "triplets": "triplets",
    "partner": "the person's partner (mari, copine): an age after it is the partner's",
    "work_income": "words that say an amount is earned by working (salaire, smic)",
    "other_income": "words that say an amount is another income (chômage, pension)",
    "pregnancy": "a pregnancy (enceinte): months after it are not a child's age",
    "and": "words joining a list of numbers (et, and): the unit after the last applies to all",
    "other_people": "other people whose age is not the person's (mère, voisin)",
    "duration": "words before a duration (depuis, ça fait): the number after them is not an age",
    "rent": "words that say an amount is a rent (loyer): not an income",
    "per_hour": "de l'heure: an hourly wage is not a monthly amount",
    "range": "entre (800 et 1200), plus de: a range is not one amount",
    "to": "à (1100 à 1200): between two numbers, a range",
    "excluding": "hors charges: alone, the amount is not the whole",
}
Report = Callable[[str, str, str], None]


@dataclass(frozen=True)
class LanguageWords:
    answers: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)  # question id -> value -> phrases
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)  # WORD_LISTS name -> words
    numbers: dict[str, int] = field(default_factory=dict)  # number word -> value
    not_emergencies: tuple[str, ...] = ()


def _strings(items: Any, where: str, lang: str, report: Report) -> tuple[str, ...]:
    if not isinstance(items, list):
        report(lang, where, "must be a list of words")
        return ()
    for item in items:
        if not isinstance(item, str):
            report(lang, where, f"{item!r} is not text: put it in quotes (YAML reads yes/no/on/off as true/false)")
    return tuple(item.strip() for item in items if isinstance(item, str) and item.strip())


def _values(question: Question) -> set[str]:
    if question.type == "boolean":
        return {"yes", "no"}
    if question.type == "ages":
        return {"none"}
    return {c.value for c in question.choices}


def parse_language_words(raw: Any, lang: str, questions: tuple[Question, ...], report: Report) -> LanguageWords:
    """`report(entry, field, message)`; raw is the whole file (other sections are parse_lexicon's)."""
    if not isinstance(raw, dict):
        return LanguageWords()
    by_id = {q.id: q for q in questions}
    answers: dict[str, dict[str, tuple[str, ...]]] = {}
    for qid, values in (raw.get("answers") or {}).items():
        question = by_id.get(qid)
        if question is None:
            report(lang, f"answers.{qid}", "no such question in questions.yaml")
            continue
        if not isinstance(values, dict):
            report(lang, f"answers.{qid}", "must map the question's values to lists of phrases")
            continue
        answers[qid] = {}
        for value, items in values.items():
            value = ("yes" if value else "no") if isinstance(value, bool) else str(value)
            if value not in _values(question):
                report(lang, f"answers.{qid}.{value}", f"not a value of {qid} ({', '.join(sorted(_values(question)))})")
                continue
            answers[qid][value] = _strings(items, f"answers.{qid}.{value}", lang, report)
    words: dict[str, tuple[str, ...]] = {}
    for name, items in (raw.get("words") or {}).items():
        if name not in WORD_LISTS:
            report(lang, f"words.{name}", f"unknown word list (known: {', '.join(WORD_LISTS)})")
            continue
        words[name] = _strings(items, f"words.{name}", lang, report)
    numbers: dict[str, int] = {}
    for word, value in (raw.get("numbers") or {}).items():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1_000_000:
            report(lang, f"numbers.{word}", "must be a whole number")
            continue
        numbers[str(word).strip()] = value
    return LanguageWords(answers, words, numbers,
                         _strings(raw.get("not_emergencies") or [], "not_emergencies", lang, report))

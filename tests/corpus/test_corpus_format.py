"""The corpora themselves: well-formed, big enough, and holding every example of issue 15.

What the engine understands from each line is tests/test_corpus.py; this file only checks the data.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.corpus.check import KNOWLEDGE, LANGUAGES, validate

HERE = Path(__file__).resolve().parent

# Every message quoted in issue 15, "What goes wrong today": (file, question or None, text).
ISSUE_EXAMPLES = [
    ("fr", "children_ages", "0"), ("fr", "children_ages", "aucun"), ("fr", "children_ages", "non aucun"),
    ("fr", "children_ages", "j'ai pas d'enfants"), ("fr", "children_ages", "j'ai un fils de 5 ans"),
    ("fr", "children_ages", "deux enfants de 3 et 7 ans"), ("fr", "children_ages", "un bebe de 8 mois"),
    ("fr", "children_ages", "des jumeaux de 4 ans"), ("en", "children_ages", "one son aged 5"),
    ("es", "children_ages", "tengo un hijo de 5 años"),
    ("fr", "couple", "célibataire"), ("fr", "couple", "seule"), ("fr", "couple", "veuve"), ("fr", "couple", "divorcé"),
    ("fr", "couple", "séparée"), ("fr", "couple", "marié"), ("fr", "couple", "pacsé"), ("fr", "couple", "en couple"),
    ("fr", "couple", "nn"), ("fr", "couple", "plus maintenant"), ("en", "couple", "single"), ("es", "couple", "soltera"),
    ("fr", "employment", "je cherche du travail"), ("fr", "employment", "je travaille pas"),
    ("fr", "employment", "j'ai pas de travail"), ("fr", "employment", "je cherche du taf"),
    ("en", "housing", "i rent a flat"), ("es", "housing", "alquilo un piso"), ("uk", "housing", "живу у друзів"),
    ("ar", "housing", "أسكن عند صديق"), ("fa", "housing", "اجاره"), ("fr", "housing", "chez ma soeur"),
    ("fr", "housing", "chez un pote"), ("fr", "housing", "au 115"),
    ("fr", "disability_rate", "j'ai une carte mdph"),
    ("fr", "work_income", "je touche le chomage 800e"), ("fr", "age", "trente-quatre"),
    ("fr", "work_income", "mille deux cents"), ("fr", "age", "12"), ("fr", "age", "103"),
    ("fr", "pregnant", "je suis enceinte"), ("fr", "age", "34 ans seule avec 2 enfants de 4 et 9 ans"),
]
ISSUE_EMERGENCIES = [
    ("fr", "je vais me foutre en l'air"), ("fr", "j'ai envie de crever"), ("fr", "je veux plus vivre"),
    ("fr", "mon copain me tape"), ("fr", "mon mari me bat"), ("fr", "il me cogne"), ("fr", "mon copain frappe mon fils"),
    ("fr", "je dors dans la rue"), ("fr", "on dort dehors avec les enfants"), ("fr", "je vis dans ma voiture"),
    ("fr", "je dors dans une tente"), ("es", "vivo en la calle"),
]
# Typed at a question: the card, and nothing stored (never "age 2").
AT_A_QUESTION = [("fr", "age", "jai rien mangé depuis 2 jours")]
ISSUE_NOT_EMERGENCIES = [("fr", "je veux en finir avec mes dettes")]


def _entries(name: str) -> list[dict]:
    with (HERE / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_every_line_follows_the_format():
    problems, _ = validate()
    assert problems == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_has_enough_answers_for_every_question(lang):
    entries = _entries(f"answers/{lang}.yaml")
    assert len(entries) >= (800 if lang == "fr" else 60)
    with (KNOWLEDGE / "questions.yaml").open(encoding="utf-8") as handle:
        questions = {q["id"] for q in yaml.safe_load(handle)}
    assert questions - {e["q"] for e in entries} == set()
    # Every question can be answered "I don't know" (or, for the yes/no ones, by their plain no).
    assert {e["q"] for e in entries if e["expect"] == {"skip": True}} >= {"age", "quotient_familial", "where"}


def test_emergencies_cover_the_eight_languages_and_their_cards():
    entries = _entries("emergencies.yaml")
    assert len(entries) >= 150
    assert {e["lang"] for e in entries} == set(LANGUAGES)
    raised = {i for e in entries for i in (e["expect"] if isinstance(e["expect"], list) else [e["expect"]])}
    with (KNOWLEDGE / "emergencies.yaml").open(encoding="utf-8") as handle:
        assert raised == {card["id"] for card in yaml.safe_load(handle)}
    not_emergencies = _entries("not_emergencies.yaml")
    assert len(not_emergencies) >= 50
    assert len({e["lang"] for e in not_emergencies}) >= 5


def test_every_example_of_the_issue_is_in_the_corpus_with_a_note():
    answers = {(lang, e["q"], e["text"]): e for lang in LANGUAGES for e in _entries(f"answers/{lang}.yaml")}
    missing = [example for example in ISSUE_EXAMPLES if example not in answers]
    assert missing == []
    assert [example for example in ISSUE_EXAMPLES if "issue 15" not in answers[example].get("note", "")] == []
    emergencies = {(e["lang"], e["text"]): e for e in _entries("emergencies.yaml") if "q" not in e}
    assert [example for example in ISSUE_EMERGENCIES if "issue 15" not in emergencies.get(example, {}).get("note", "")] == []
    asked = {(e["lang"], e["q"], e["text"]): e for e in _entries("emergencies.yaml") if "q" in e}
    assert [example for example in AT_A_QUESTION if "issue 15" not in asked.get(example, {}).get("note", "")] == []
    near_misses = {(e["lang"], e["text"]): e for e in _entries("not_emergencies.yaml")}
    assert [example for example in ISSUE_NOT_EMERGENCIES if example not in near_misses] == []

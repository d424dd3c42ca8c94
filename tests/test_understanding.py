"""Issue 15, "What goes wrong today": every example, as a resident types it, through the engine.

Each test stands at the question the message answers (or at the first message) and checks what the
engine then holds (Turn.answers), never the state's inside. The same examples run through
`aiguillage chat --json` at the end of this file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import Conversation

from bot.dialog.messages import Incoming

# -------------------------------------------------------------------------------------------- children


@pytest.mark.parametrize("text", ["0", "aucun", "non aucun", "j'ai pas d'enfants"])
def test_no_children_in_every_ordinary_way(talk: Conversation, text: str) -> None:
    talk.at("children_ages").say(text)
    assert talk.answers["children_ages"] == []


@pytest.mark.parametrize("lang, text, ages", [
    ("fr", "j'ai un fils de 5 ans", [5]),  # the article is not a child aged 1
    ("fr", "deux enfants de 3 et 7 ans", [3, 7]),  # the count is not a third child
    ("fr", "un bebe de 8 mois", [0]),
    ("fr", "des jumeaux de 4 ans", [4, 4]),
    ("fr", "un fils de 5 ans et une fille de 2 ans", [2, 5]),
    ("en", "one son aged 5", [5]),
    ("es", "tengo un hijo de 5 años", [5]),
])
def test_children_count_and_ages_from_one_sentence(talk: Conversation, lang: str, text: str, ages: list[int]) -> None:
    talk.at("children_ages", lang).say(text)
    assert sorted(talk.answers["children_ages"]) == ages


def test_a_22_year_old_without_children_is_not_told_she_raises_children_alone(talk: Conversation) -> None:
    talk.at("children_ages", age=22).say("0")
    assert talk.answers["children_ages"] == []
    talk.say("je ne sais pas") if talk.question else None
    assert "rsa_majore" not in talk.aids_shown()


# ---------------------------------------------------------------------------------------------- couple


@pytest.mark.parametrize("lang, text, couple", [
    ("fr", "célibataire", False), ("fr", "seule", False), ("fr", "veuve", False), ("fr", "divorcé", False),
    ("fr", "séparée", False), ("fr", "marié", True), ("fr", "pacsé", True), ("fr", "en couple", True),
    ("fr", "nn", False), ("fr", "plus maintenant", False), ("en", "single", False), ("es", "soltera", False),
    ("fr", "pas en couple", False),
])
def test_couple_in_the_words_the_hint_names(talk: Conversation, lang: str, text: str, couple: bool) -> None:
    talk.at("couple", lang).say(text)
    assert talk.answers["couple"] is couple


# -------------------------------------------------------------------------------------- work, negation


@pytest.mark.parametrize("text", ["je cherche du travail", "je travaille pas", "j'ai pas de travail",
                                  "je cherche du taf"])
def test_not_working_is_never_read_as_working(talk: Conversation, text: str) -> None:
    talk.at("employment").say(text)
    assert talk.answers["employment"] == "unemployed"


def test_no_earnings_promise_the_prime_d_activite_to_nobody(talk: Conversation) -> None:
    talk.at("work_income").say("je travaille pas")
    assert talk.answers["work_income"] == 0


# ------------------------------------------------------------------------------ typed choices, 8 languages


@pytest.mark.parametrize("lang, text, housing", [
    ("en", "i rent a flat", "tenant"), ("es", "alquilo un piso", "tenant"), ("uk", "живу у друзів", "hosted_free"),
    ("ar", "أسكن عند صديق", "hosted_free"), ("fa", "اجاره", "tenant"), ("fr", "chez ma soeur", "hosted_free"),
    ("fr", "chez un pote", "hosted_free"), ("fr", "au 115", "emergency_shelter"),
])
def test_housing_typed_in_words_in_every_language(talk: Conversation, lang: str, text: str, housing: str) -> None:
    talk.at("housing", lang).say(text)
    assert talk.answers["housing"] == housing


# ------------------------------------------------------------------------------------- numbers from words


def test_a_disability_card_is_not_a_rate_of_one_percent(talk: Conversation) -> None:
    talk.at("disability_rate").say("j'ai une carte mdph")
    assert "disability_rate" not in talk.answers
    assert talk.replies[-1].kind == "reprompt"


def test_days_without_food_are_not_an_age_and_raise_the_hunger_card(talk: Conversation) -> None:
    talk.at("age").say("jai rien mangé depuis 2 jours")
    assert "age" not in talk.answers
    assert "hungry" in talk.emergencies()


def test_unemployment_benefit_is_not_a_wage(talk: Conversation) -> None:
    talk.at("work_income").say("je touche le chomage 800e")
    assert talk.answers.get("other_income") == 800 and "work_income" not in talk.answers


@pytest.mark.parametrize("question, text, key, value", [
    ("age", "trente-quatre", "age", 34), ("work_income", "mille deux cents", "work_income", 1200),
    ("work_income", "1,5k", "work_income", 1500), ("work_income", "1.200", "work_income", 1200),
    ("work_income", "14 400 par an", "work_income", 1200), ("age", "٣٥", "age", 35),
])
def test_numbers_in_words_and_in_every_notation(talk: Conversation, question: str, text: str, key: str,
                                                value: int) -> None:
    talk.at(question).say(text)
    assert talk.answers[key] == pytest.approx(value, abs=1)


@pytest.mark.parametrize("text", ["12", "103"])
def test_an_implausible_age_is_confirmed_before_it_is_stored(talk: Conversation, text: str) -> None:
    talk.at("age").say(text)
    assert "age" not in talk.answers and talk.confirming
    assert [c.value for c in talk.replies[-1].choices] == ["yes", "no"]
    talk.tap("Oui")
    assert talk.answers["age"] == int(text)


def test_an_implausible_income_denied_is_asked_again(talk: Conversation) -> None:
    talk.at("work_income").say("25000")
    assert talk.confirming
    talk.say("non")
    assert "work_income" not in talk.answers and talk.question == "work_income" and not talk.confirming


# ------------------------------------------------------------------------------------------- pregnancy


def test_i_am_pregnant_answers_the_pregnancy_question(talk: Conversation) -> None:
    talk.at("pregnant").say("je suis enceinte")
    assert talk.answers["pregnant"] is True


@pytest.mark.parametrize("age", [58, 65, 72])
def test_pregnancy_is_not_asked_when_the_age_rules_it_out(talk: Conversation, age: int) -> None:
    talk.say("vérifier tous mes droits")
    asked = talk.answer_until_results({
        "age": str(age), "children_ages": "2 enfants de 14 et 17 ans", "couple": "non", "employment": "sans emploi",
        "work_income": "0", "other_income": "0", "housing": "je loue", "rent": "500", "disability_rate": "0",
        "quotient_familial": "je ne sais pas", "where": "Bellevue", "partner_age": "40", "separated_recently": "non",
    })
    assert asked and "pregnant" not in [q for q, _ in talk.transcript]
    assert talk.answers["pregnant"] is False  # implied, so RSA majoré is not "to check: if you are expecting"
    checks = [r.text for r in talk.replies if r.data.get("to_check")]
    assert not any("enfant" in text and "attend" in text.lower() for text in checks)


# ------------------------------------------------------------------------------------ two facts at once


def test_three_answers_from_one_message(talk: Conversation) -> None:
    talk.at("age").say("34 ans seule avec 2 enfants de 4 et 9 ans")
    assert talk.answers == {"age": 34, "couple": False, "children_ages": [4, 9]}
    assert talk.question not in ("age", "couple", "children_ages")


# ---------------------------------------------------------------------------------------- emergencies


@pytest.mark.parametrize("text, emergency", [
    ("je vais me foutre en l'air", "suicide"), ("j'ai envie de crever", "suicide"), ("je veux plus vivre", "suicide"),
    ("mon copain me tape", "violence"), ("mon mari me bat", "violence"), ("il me cogne", "violence"),
    ("mon copain frappe mon fils", "child_danger"), ("je dors dans la rue", "no_roof"),
    ("on dort dehors avec les enfants", "no_roof"), ("je vis dans ma voiture", "no_roof"),
    ("je dors dans une tente", "no_roof"), ("vivo en la calle", "no_roof"),
])
def test_ordinary_ways_of_saying_an_emergency_raise_the_card(talk: Conversation, text: str, emergency: str) -> None:
    talk.say(text)
    assert emergency in talk.emergencies()


def test_debts_are_not_a_suicide(talk: Conversation) -> None:
    talk.say("je veux en finir avec mes dettes")
    assert talk.emergencies() == []


def test_an_emergency_message_is_never_stored_as_an_answer(talk: Conversation) -> None:
    talk.at("housing").say("a la rue")
    assert "no_roof" in talk.emergencies() and "housing" not in talk.answers


def test_after_the_card_at_the_first_step_the_need_is_chosen_and_the_card_does_not_loop(talk: Conversation) -> None:
    talk.say("je dors dans la rue")
    assert talk.state is not None and talk.state["need"] == "roof" and talk.phase == "ask"
    talk.say("je dors dans la rue")
    assert [r for r in talk.replies if r.kind == "emergency" and "🚨" in r.text] == []  # no second card
    assert any("115" in r.text for r in talk.replies)  # the number, in one line


def test_after_a_card_mid_flow_one_line_asks_whether_to_go_on(talk: Conversation) -> None:
    talk.say("vérifier tous mes droits")
    asked = talk.question
    talk.say("mon mari me bat")
    assert talk.replies[-1].kind == "question" and {c.value for c in talk.replies[-1].choices} == {"continue",
                                                                                                 "results"}
    talk.tap("continue")
    assert talk.question == asked and talk.replies[-1].data.get("question") == asked


def test_the_numbers_come_back_at_the_end_of_the_results(talk: Conversation) -> None:
    talk.say("vérifier tous mes droits")
    talk.say("mon mari me bat")
    talk.tap("results")
    # Issue 16: the numbers come with what to do now, first in the results.
    where = next(r for r in talk.replies if r.place is not None or r.door is not None)
    assert where.emergency is not None and "3919" in where.emergency.numbers and "3919" in where.text


# ------------------------------------------------------------------------------------------- languages


@pytest.mark.parametrize("text, lang, code", [
    ("hello, I lost my job and I need help with my rent", "en", "EN"),
    ("مرحبا، أحتاج مساعدة في دفع الإيجار", "ar", "AR"),
    ("привіт, мені потрібна допомога з орендою", "uk", "UK"),
])
def test_a_first_message_in_another_language_gets_a_one_line_offer(talk: Conversation, text: str, lang: str,
                                                                    code: str) -> None:
    talk.say(text)
    offers = [r for r in talk.replies if r.data.get("language") == lang]
    assert len(offers) == 1 and code in offers[0].text
    assert talk.state is not None and talk.state["lang"] == "fr"  # never a silent switch
    talk.say(code)
    assert talk.state["lang"] == lang


@pytest.mark.parametrize("payload", ["prs", "fa-AF"])
def test_prs_and_fa_af_are_dari(engine, payload: str) -> None:
    from conftest import MONDAY_MORNING

    turn = engine.handle(None, Incoming("start", payload=payload), MONDAY_MORNING)
    assert turn.language == "fa"


# ------------------------------------------------------------------------------------------- reprompts


@pytest.mark.parametrize("question", ["where", "children_ages"])
def test_the_second_reprompt_of_a_place_or_children_does_not_ask_for_digits_only(talk: Conversation,
                                                                                  question: str) -> None:
    talk.at(question)
    talk.say("blablabla")
    talk.say("blablabla")
    assert talk.replies[-1].kind == "reprompt" and "chiffres" not in talk.replies[-1].text


def test_skipping_never_collides_with_zero(talk: Conversation) -> None:
    talk.at("children_ages").say("0")
    assert talk.answers["children_ages"] == []  # zero children, not "je ne sais pas"
    talk.at("work_income").say("0")
    assert talk.answers["work_income"] == 0
    talk.at("housing").say("0")
    assert "housing" not in talk.answers and talk.state is not None and "housing" in talk.state["skip"]


# ----------------------------------------------------------------------------- through aiguillage chat --json

CHAT = [
    ({"text": "vérifier tous mes droits"}, None),
    ({"text": "34 ans seule avec 2 enfants de 4 et 9 ans"}, {"age": 34, "couple": False, "children_ages": [4, 9]}),
]


def test_chat_json_prints_the_answers_understood_on_every_line() -> None:
    lines = [json.dumps(message, ensure_ascii=False) for message, _ in CHAT]
    done = subprocess.run([sys.executable, "-m", "bot.cli", "chat", "--json"], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONUTF8": "1"})
    outputs = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert len(outputs) == len(CHAT) + 1 and all("answers" in line for line in outputs)
    assert outputs[0]["answers"] == {}
    for (_, expected), line in zip(CHAT, outputs[1:], strict=True):
        if expected is not None:
            assert {k: line["answers"][k] for k in expected} == expected

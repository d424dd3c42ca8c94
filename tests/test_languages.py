"""Whole conversations in the residents' languages, and the language chosen the way each channel knows it."""

import re

import pytest

from bot.dialog.messages import Incoming

ARABIC = re.compile(r"[\u0600-\u06FF]")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def converse(talk, answers: dict[str, str], limit: int = 20) -> None:
    for _ in range(limit):
        if talk.state["phase"] != "ask":
            return
        talk.say(answers[talk.question])


EN = {"age": "34", "children_ages": "no", "couple": "no", "employment": "I am looking for a job",
      "work_income": "0", "other_income": "0", "housing": "I rent", "rent": "1,200", "pregnant": "no",
      "disability_rate": "0", "where": "Bellevue", "quotient_familial": "I don't know", "partner_age": "30"}
AR = {"age": "٣٤", "children_ages": "لا", "couple": "لا", "employment": "1", "work_income": "0",
      "other_income": "0", "housing": "1", "rent": "٥٠٠", "pregnant": "لا", "disability_rate": "0",
      "where": "Bellevue", "quotient_familial": "لا أعرف", "partner_age": "30"}
FR = {"age": "34", "children_ages": "non", "couple": "non", "employment": "je cherche un emploi",
      "work_income": "0", "other_income": "0", "housing": "je loue", "rent": "500", "pregnant": "non",
      "disability_rate": "0", "where": "Bellevue", "quotient_familial": "je ne sais pas", "partner_age": "30"}


@pytest.mark.parametrize("lang, answers, needle", [
    ("fr", FR, "probablement droit"), ("en", EN, "probably"), ("ar", AR, None)])
def test_a_whole_conversation_in_the_residents_language(talk, lang, answers, needle):
    talk.start(lang)
    assert talk.state["lang"] == lang
    talk.tap("all")  # "Tous mes droits", by its button
    converse(talk, answers)
    assert talk.state["phase"] == "done"
    assert "rsa" in talk.aids_shown()
    if needle:
        assert needle in talk.text
    else:
        assert ARABIC.search(talk.text)
    assert any(r.kind == "place" for r in talk.replies)


def test_english_amounts_with_thousands_separators_are_understood(talk):
    talk.start("en")
    talk.tap("all")
    while talk.state["phase"] == "ask" and talk.question != "work_income":
        talk.say(EN[talk.question])
    talk.say("1,200")
    assert talk.answers["work_income"] == 1200


def test_the_channel_language_hint_starts_a_new_conversation_in_that_language(engine):
    from conftest import MONDAY_MORNING

    turn = engine.handle(None, Incoming("text", text="Привіт", lang="uk"), MONDAY_MORNING)
    assert turn.state["lang"] == "uk"
    assert CYRILLIC.search(turn.replies[0].text)


def test_an_unknown_language_falls_back_to_french(engine):
    from conftest import MONDAY_MORNING

    turn = engine.handle(None, Incoming("text", text="hola", lang="zz"), MONDAY_MORNING)
    assert turn.state["lang"] == "fr"


def test_the_language_can_be_changed_at_any_step_and_the_question_comes_back(talk):
    talk.say("tous mes droits")
    asked = talk.question
    talk.say("langue")
    assert {c.label for c in talk.replies[-1].choices} >= {"English", "العربية", "Українська", "پښتو"}
    talk.tap("es")
    assert talk.state["lang"] == "es" and talk.question == asked
    assert talk.replies[-1].kind == "question" and "¿" in talk.replies[-1].text


@pytest.mark.parametrize("lang, words", [("en", "go back"), ("es", "atrás"), ("ar", "رجوع"), ("uk", "назад")])
def test_back_works_in_each_language(talk, lang, words):
    talk.start(lang)
    talk.tap("all")
    first = talk.question
    talk.say("34" if first == "age" else "1")
    talk.say(words)
    assert talk.question == first


@pytest.mark.parametrize("lang, text", [("en", "I sleep in my car"), ("ar", "أنام في الشارع"), ("uk", "я сплю на вулиці"),
                                        ("es", "duermo en la calle esta noche")])
def test_emergency_words_work_in_each_language(talk, lang, text):
    talk.start(lang)
    replies = talk.say(text)
    assert replies[0].kind == "emergency" and "115" in replies[0].text

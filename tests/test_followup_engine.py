"""The follow-up in the dialog (the real engine): offered once after the first results with probable
aids, its yes the final menu's last choice and anything else a no; the message four weeks later in the
person's language names the first aids and reads 1-4; starting again does not cancel it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import Conversation

from bot.dialog.messages import Incoming, numbered
from bot.i18n import LANGUAGES, translator

ANSWERS = {
    "age": "34", "children_ages": "4 et 9", "couple": "non", "employment": "je travaille", "work_income": "900",
    "other_income": "0", "housing": "je loue", "rent": "520", "pregnant": "non", "disability_rate": "0",
    "quotient_familial": "je ne sais pas", "where": "Malakoff", "partner_age": "36",
}
OFFER = "Puis-je vous écrire dans 4 semaines pour savoir si ça a marché ?"


def at_results(engine) -> Conversation:  # type: ignore[no-untyped-def]
    talk = Conversation(engine)
    talk.start()
    talk.send(Incoming("choice", choice="all"))
    talk.answer_until_results(ANSWERS)
    assert talk.phase == "done"
    return talk


def yes_number(talk: Conversation) -> int:
    menu = talk.replies[-1]
    return next(n for n, choice in numbered(menu.choices) if choice.value == "follow_up_yes")


def test_the_offer_comes_once_after_the_results_and_the_menu_keeps_its_numbers(engine) -> None:
    talk = at_results(engine)
    assert OFFER in talk.text
    menu = talk.replies[-1]
    assert [c.label for c in menu.choices][:4] == ["Voir le détail", "Vérifier d'autres droits", "Montrer à un conseiller",
                                                   "Recommencer"]
    assert yes_number(talk) == 5  # the offer comes last: the menu's own numbers stay as they are
    turn = engine.handle(talk.state, Incoming.from_text("5"), talk.now)
    assert turn.follow_up_accepted is True
    assert "C'est noté : je vous écrirai une seule fois, dans 4 semaines." in turn.replies[0].text
    assert OFFER not in "\n".join(r.text for r in turn.replies)


@pytest.mark.parametrize("answer", ["non", "2", "je voudrais savoir pour la CAF"])
def test_anything_but_a_yes_is_a_no(engine, answer: str) -> None:
    talk = at_results(engine)
    turn = engine.handle(talk.state, Incoming.from_text(answer), talk.now)
    assert turn.follow_up_accepted is not True
    assert engine.follow_up(turn.state, talk.now + timedelta(days=28)) is None
    if answer == "2":  # the menu's own choices still work: "Vérifier d'autres droits", more questions
        assert turn.state["phase"] == "ask"


def test_the_message_four_weeks_later_names_the_first_aids_and_reads_the_answer(engine) -> None:
    talk = at_results(engine)
    shown = next(r.data["eligible"] for r in talk.replies if r.kind == "results")
    accepted = engine.handle(talk.state, Incoming("choice", choice="follow_up_yes"), talk.now)
    later = talk.now + timedelta(days=28)
    message = engine.follow_up(accepted.state, later)
    assert message is not None and len(message.replies) == 1
    question = message.replies[0]
    assert "Avez-vous fait la demande ?" in question.text
    assert [(n, c.label) for n, c in numbered(question.choices)] == [
        (1, "Oui"), (2, "Pas encore"), (3, "On me l'a refusée"), (4, "J'ai besoin d'aide")]
    for aid in shown[:2]:
        assert engine.catalogue.aids[aid].name in question.text
    refused = engine.handle(message.state, Incoming.from_text("3"), later)
    assert refused.follow_up_answer == ("refused", tuple(shown[:2]))
    assert any(r.kind == "place" for r in refused.replies)  # the accueil
    assert any(c.value == "handover" for r in refused.replies for c in r.choices)  # a counsellor's code
    # Answered once: a later "1" is the menu again, not a second answer.
    assert engine.handle(refused.state, Incoming.from_text("1"), later).follow_up_answer is None
    assert engine.follow_up(refused.state, later) is None  # never twice


def test_starting_again_does_not_cancel_a_follow_up_said_yes_to(engine) -> None:
    talk = at_results(engine)
    accepted = engine.handle(talk.state, Incoming("choice", choice="follow_up_yes"), talk.now)
    restarted = engine.handle(accepted.state, Incoming("command", command="restart"), talk.now)
    assert engine.follow_up(restarted.state, talk.now + timedelta(days=28)) is not None


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != "fr"])
def test_the_offer_and_the_message_are_in_the_person_s_language(engine, lang: str) -> None:
    talk = at_results(engine)
    state = dict(talk.state, lang=lang)
    t = translator(lang)
    message = engine.follow_up(dict(engine.handle(state, Incoming("choice", choice="follow_up_yes"), talk.now).state),
                               talk.now + timedelta(days=28))
    assert message is not None
    assert t._("Pas encore") != "Pas encore" and t._("Pas encore") in [c.label for c in message.replies[0].choices]
    assert "Avez-vous" not in message.replies[0].text
    assert t._(OFFER) != OFFER


def test_no_offer_when_conversations_are_kept_less_than_four_weeks(catalogue) -> None:
    from bot.dialog.engine import Engine

    talk = at_results(Engine(catalogue, retention_days=14))
    assert OFFER not in talk.text
    assert all(c.value != "follow_up_yes" for c in talk.replies[-1].choices)

"""The result model and the order that serves action (issue 16), through the engine."""

from __future__ import annotations

from bot.dialog.messages import Incoming

SINGLE_MOTHER = {
    "age": "29", "children_ages": "3 et 7", "couple": "non", "employment": "je cherche un emploi",
    "work_income": "0", "other_income": "0", "housing": "je loue", "rent": "550", "pregnant": "non",
    "disability_rate": "0", "where": "Bellevue", "quotient_familial": "je ne sais pas", "partner_age": "",
    "separated_recently": "non", "rsdae": "non", "partner_work_income": "0", "partner_other_income": "0",
    "partner_disability_rate": "0",
}


def results_turn(talk):  # type: ignore[no-untyped-def]
    talk.say("vérifier tous mes droits")
    talk.answer_until_results(SINGLE_MOTHER)
    return talk.replies


def test_what_to_do_now_comes_first_then_the_aids_by_weight_then_the_menu(talk) -> None:  # type: ignore[no-untyped-def]
    replies = results_turn(talk)
    kinds = [r.kind for r in replies if r.kind != "emergency"]
    where = next(i for i, r in enumerate(replies) if r.place is not None or r.door is not None)
    results = next(i for i, r in enumerate(replies) if r.kind == "results")
    assert where < results, kinds
    assert replies[-1].kind == "question" and any(c.value == "details" for c in replies[-1].choices)
    aids = replies[results].aids
    assert aids and aids[0].id in ("rsa", "rsa_majore")  # what weighs most for her comes first
    assert aids[0].line.startswith("RSA") and "environ" in aids[0].line and "€ par mois" in aids[0].line


def test_the_official_name_sits_beside_the_plain_words(talk) -> None:  # type: ignore[no-untyped-def]
    replies = results_turn(talk)
    rsa = next(a for r in replies for a in r.aids if a.id == "rsa" or a.id == "rsa_majore")
    assert rsa.official.startswith("RSA") and rsa.plain and rsa.plain != rsa.official
    assert f"{rsa.official} : " in rsa.line


def test_the_detail_gives_every_aid_in_full_and_what_is_missing(talk) -> None:  # type: ignore[no-untyped-def]
    results_turn(talk)
    talk.send(Incoming("choice", choice="details"))
    aid_texts = [r.text for r in talk.replies if r.kind == "aid"]
    assert aid_texts and any("Comment faire" in text for text in aid_texts)
    assert talk.replies[-1].kind == "question"


def test_two_unclear_answers_to_the_needs_question_go_on_with_all_rights(talk) -> None:  # type: ignore[no-untyped-def]
    talk.start()
    talk.say("0")
    assert talk.replies[-1].kind == "reprompt" and "de 1 à 10" in talk.replies[-1].text
    talk.say("0")
    assert "tous vos droits" in talk.text
    assert talk.state["need"] == "all" and talk.state["phase"] == "ask"


def test_a_location_before_any_question_is_answered_with_the_nearest_accueil(talk) -> None:  # type: ignore[no-untyped-def]
    talk.start()
    talk.send(Incoming("location", lat=47.2043, lon=-1.6054))
    places = [r for r in talk.replies if r.place is not None]
    assert places and places[0].place.address
    assert talk.state["phase"] == "need" and talk.replies[-1].data.get("question") == "need"


def test_unknown_hours_of_an_unverified_place_are_said_once(catalogue) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.dialog.render import place_reply
    from bot.i18n import translator
    from bot.places.hours import open_status

    now = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
    unsure = [p for p in catalogue.places.values()
              if not p.verified and open_status(p, now).state not in ("open", "closed")]
    assert unsure, "no unverified place without known hours in the catalogue"
    text = place_reply(unsure[0], now, translator("fr"), "Un lieu :").text
    assert text.count("à confirmer") == 1, text

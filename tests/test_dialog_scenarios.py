"""Whole conversations, as residents have them."""

import json

from bot.dialog.messages import Incoming


def test_a_first_message_gets_a_welcome_the_privacy_notice_and_the_need_question(talk):
    talk.start()
    # Issue 16: the welcome and the privacy notice are one reply (one SMS).
    assert talk.kinds() == ["notice", "question"]
    assert "30 jours" in talk.replies[0].text and "OUBLI" in talk.replies[0].text
    assert any(c.value == "roof" for c in talk.replies[1].choices)


def test_a_need_written_in_free_words_skips_the_menu(talk):
    talk.say("je n'arrive plus à payer mon loyer")
    assert talk.state["need"] == "home"
    assert talk.kinds()[:2] == ["notice", "info"]
    assert talk.replies[-1].kind == "question" and talk.question


def test_no_roof_tonight_puts_the_115_first(talk):
    talk.say("je vais dormir dehors ce soir")
    first = next(r for r in talk.replies if r.kind != "notice")
    assert first.kind == "emergency"
    assert "115" in first.text


def test_emergency_words_interrupt_at_any_step_then_the_question_comes_back(talk):
    talk.say("vérifier tous mes droits")
    asked = talk.question
    talk.say("mon mari me frappe")
    assert talk.replies[0].kind == "emergency"
    assert "3919" in talk.replies[0].text
    assert talk.question == asked
    assert talk.replies[-1].kind == "question"


def test_a_young_student_is_told_why_the_rsa_does_not_apply(talk):
    talk.say("de l'argent")
    talk.answer_until_results({
        "age": "23", "employment": "étudiant", "children_ages": "non", "couple": "non",
        "pregnant": "non", "work_income": "0", "other_income": "0", "housing": "je loue",
        "rent": "400", "disability_rate": "0", "where": "Nantes Nord", "partner_age": "",
        "quotient_familial": "je ne sais pas",
    })
    assert "rsa" not in talk.aids_shown()
    talk.tap("Vérifier d'autres droits")  # answer the remaining questions to settle every aid
    talk.answer_until_results({
        "pregnant": "non", "rent": "400", "disability_rate": "0", "quotient_familial": "je ne sais pas",
        "couple": "non", "other_income": "0", "housing": "je loue", "employment": "étudiant",
    })
    from bot.rules.screen import screen
    result = next(r for r in screen(talk.engine.catalogue, talk.answers, talk.now.date()) if r.aid.id == "rsa")
    assert result.status == "not_eligible"


def test_a_single_mother_without_income_gets_the_rsa_with_its_amount(talk):
    talk.say("vérifier tous mes droits")
    answers = {
        "age": "29", "children_ages": "3 et 7", "couple": "non", "employment": "je cherche un emploi",
        "work_income": "0", "other_income": "0", "housing": "je loue", "rent": "550", "pregnant": "non",
        "disability_rate": "je préfère ne pas répondre", "where": "Bellevue", "quotient_familial": "je ne sais pas",
        "partner_age": "", "separated_recently": "non",
    }
    talk.answer_until_results(answers)
    shown = talk.aids_shown()
    assert "rsa" in shown or "rsa_majore" in shown
    # Issue 16: the results carry each aid as a typed line, the official name beside the plain words.
    rsa = next(a for r in talk.replies for a in r.aids if a.id in ("rsa", "rsa_majore"))
    assert "€" in rsa.amount and "environ" in rsa.amount
    assert rsa.line.startswith("RSA") and rsa.amount in rsa.line


def test_a_retired_man_with_a_small_pension_gets_the_aspa(talk):
    talk.say("l'argent et les factures")
    talk.answer_until_results({
        "age": "67", "children_ages": "non", "couple": "non", "employment": "retraite",
        "work_income": "0", "other_income": "600", "housing": "je loue", "rent": "450", "pregnant": "non",
        "disability_rate": "0", "where": "Rezé", "quotient_familial": "je ne sais pas", "partner_age": "",
    })
    assert "aspa" in talk.aids_shown()


def test_a_person_sleeping_in_their_car_gets_the_115_and_a_place_to_go(talk):
    replies = talk.say("je dors dans ma voiture")
    assert any(r.kind == "emergency" and "115" in r.text for r in replies)
    assert any(r.kind == "place" for r in replies)


def test_a_typical_person_gets_results_in_under_8_questions(talk):
    talk.say("mon logement et mon loyer")
    asked = talk.answer_until_results({
        "age": "41", "children_ages": "non", "couple": "non", "employment": "je travaille",
        "work_income": "1100", "other_income": "0", "housing": "je loue", "rent": "520", "pregnant": "non",
        "disability_rate": "0", "where": "Malakoff", "quotient_familial": "je ne sais pas", "partner_age": "",
    })
    assert asked < 8
    assert talk.state["phase"] == "done"
    assert any(r.kind == "place" for r in talk.replies)


def test_back_returns_to_the_previous_question_and_forgets_its_answer(talk):
    talk.say("vérifier tous mes droits")
    first = talk.question
    talk.say("34" if first == "age" else "non")
    assert talk.question != first
    talk.say("retour")
    assert talk.question == first
    assert first not in talk.state["hist"]


def test_restart_starts_over_but_keeps_the_language(talk):
    talk.say("vérifier tous mes droits")
    talk.say("34")
    talk.say("recommencer")
    assert talk.answers == {}
    assert talk.replies[-1].data.get("question") == "need"


def test_dont_know_leaves_the_aid_to_check_not_refused(talk):
    talk.say("vérifier tous mes droits")
    for _ in range(30):
        if talk.state["phase"] != "ask":
            break
        talk.say("je ne sais pas")
    assert talk.state["phase"] == "done"
    to_check = [r for r in talk.replies if r.kind == "results" and r.data.get("to_check")]
    assert to_check and "rsa" in to_check[0].data["to_check"]


def test_an_unclear_answer_is_asked_again_differently_then_the_dialog_moves_on(talk):
    talk.say("vérifier tous mes droits")
    question = talk.question
    talk.say("blablabla")
    first = talk.replies[-1].text
    talk.say("blablabla")
    second = talk.replies[-1].text
    assert talk.question == question and first != second
    talk.say("blablabla")
    assert talk.question != question
    assert question in talk.state["skip"]


def test_results_can_be_seen_at_any_time_and_the_question_comes_back(talk):
    talk.say("vérifier tous mes droits")
    talk.say("40")
    asked = talk.question
    talk.say("résultats")
    assert any(r.kind == "results" for r in talk.replies)
    assert talk.question == asked


def test_forget_me_erases_everything_and_says_so(talk):
    talk.say("vérifier tous mes droits")
    talk.say("40")
    talk.say("oubli")
    assert talk.erased
    assert talk.state == {}
    assert "effacé" in talk.text


def test_a_choice_can_be_given_by_its_number(talk):
    talk.say("vérifier tous mes droits")
    while talk.question != "housing" and talk.state["phase"] == "ask":
        talk.say("je ne sais pas")
    talk.say("1")
    assert talk.answers["housing"] == "tenant"


def test_a_sticker_gets_a_kind_answer_and_the_question_again(talk):
    talk.say("vérifier tous mes droits")
    asked = talk.question
    talk.send(Incoming("unsupported", what="sticker"))
    assert "écrits" in talk.replies[0].text
    assert talk.question == asked


def test_a_shared_location_answers_where_and_finds_the_nearest_accueil(talk):
    talk.say("manger")
    while talk.state["phase"] == "ask" and talk.question != "where":
        talk.say("je ne sais pas")
    talk.send(Incoming("location", lat=47.2043, lon=-1.6054))
    # The door says why it was chosen: here the accueil of the person's quartier (bot.places.doors).
    place = next(r for r in talk.replies if r.kind == "place" and "votre quartier" in r.text)
    assert place.place.distance_m is not None


def test_the_state_stays_small(talk):
    talk.say("vérifier tous mes droits")
    for text in ["34", "3 et 7", "non", "je cherche", "0", "300", "je loue", "500", "non", "0", "Bellevue"]:
        talk.say(text)
    assert len(json.dumps(talk.state, ensure_ascii=False).encode()) < 2048

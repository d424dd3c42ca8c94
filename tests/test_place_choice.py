"""A typed place that names several places: the conversation asks which one, never takes the first match."""

from __future__ import annotations

import pytest
from test_sms_gateways import cached_catalogue, make_runtime, relay  # noqa: F401

ANSWERS = {
    "age": "41", "children_ages": "non", "couple": "non", "employment": "je travaille", "work_income": "1100",
    "other_income": "0", "housing": "je loue", "rent": "520", "pregnant": "non", "disability_rate": "0",
    "quotient_familial": "je ne sais pas", "partner_age": "",
}


def reach_where(talk) -> None:
    talk.say("mon logement et mon loyer")
    for _ in range(15):
        if talk.question == "where":
            return
        talk.say(ANSWERS[talk.question])
    raise AssertionError("the place question never came")


def test_a_name_of_two_places_is_asked_which_one_and_the_number_picks_it(talk):
    reach_where(talk)
    talk.say("Sainte-Anne")
    asked = talk.replies[-1]
    assert asked.kind == "question" and "Lequel" in asked.text
    labels = [c.label for c in asked.choices]
    assert any("Bellevue" in label for label in labels) and any("Ile de Nantes" in label for label in labels)
    assert "quartier" not in talk.answers  # nothing stored before the person says which
    island = next(n for n, label in enumerate(labels, start=1) if "Ile de Nantes" in label)
    talk.say(str(island))
    assert talk.answers["quartier"] == "Ile de Nantes"
    assert talk.state["phase"] == "done"
    assert "plc" not in talk.state


def test_the_button_of_the_other_place_picks_it(talk):
    reach_where(talk)
    talk.say("Mellinet")
    place = next(c for c in talk.replies[-1].choices if "Dervallières" in c.label)
    talk.tap(place.value)
    assert talk.answers["quartier"] == "Dervallières - Zola"


def test_a_postcode_of_several_communes_is_asked_by_commune(talk):
    reach_where(talk)
    talk.say("44470")
    assert [c.label for c in talk.replies[-1].choices][:3] == [
        "Carquefou (44470)", "Mauves-sur-Loire (44470)", "Thouaré-sur-Loire (44470)"]
    talk.say("Thouaré-sur-Loire (44470)")
    assert talk.answers["commune"] == "44204"


def test_a_street_across_quartiers_asks_the_house_number_or_a_place_nearby(talk):
    reach_where(talk)
    talk.say("quai de la Fosse")
    assert "numéro" in talk.replies[-1].text
    assert "quartier" not in talk.answers
    talk.say("près de la place Graslin")
    assert talk.state["phase"] == "done"
    assert talk.answers["quartier"] == "Centre Ville"


def test_a_house_number_that_does_not_settle_the_street_is_kept_without_asking_again(talk):
    reach_where(talk)
    talk.say("boulevard des Belges")
    talk.say("12")
    assert talk.state["phase"] == "done"  # asked once; the main accueil, not a loop
    assert talk.answers["commune"] == "44109" and "quartier" not in talk.answers


@pytest.mark.parametrize("reply", ["je ne sais pas", "0"])
def test_not_knowing_which_keeps_only_what_is_sure(talk, reply):
    reach_where(talk)
    talk.say("Sainte-Anne")
    talk.say(reply)
    assert talk.state["phase"] == "done"
    assert "quartier" not in talk.answers  # two quartiers: neither is guessed
    assert talk.answers.get("commune") == "44109"  # both are in Nantes


def test_an_emergency_during_the_choice_then_the_choice_comes_back(talk):
    reach_where(talk)
    talk.say("Sainte-Anne")
    talk.say("mon mari me frappe")
    assert talk.replies[0].kind == "emergency"
    talk.say("continuer")
    assert "Lequel" in talk.replies[-1].text
    talk.say("1")
    assert talk.answers.get("quartier")


async def test_by_sms_the_places_come_numbered_and_a_typed_number_picks_one(relay) -> None:
    from test_sms_gateways import NUMBER, assert_sms

    from bot.dialog.messages import view

    def state() -> dict:
        return relay.runtime.service.state_of("sms", NUMBER) or {}

    await relay.twilio("mon logement et mon loyer")
    for _ in range(15):
        if state().get("q") == "where":
            break
        await relay.twilio(ANSWERS[state()["q"]])
    assert state().get("q") == "where"
    texts = await relay.twilio("Sainte-Anne")
    assert_sms(texts)
    sent = "\n".join(texts)
    assert "1" in sent and "2" in sent and "Ile de Nantes" in sent
    line = next(line for line in sent.splitlines() if "Ile de Nantes" in line)
    number = next(ch for ch in line if ch.isdigit())
    assert_sms(await relay.twilio(number))
    assert view(state()).answers["quartier"] == "Ile de Nantes"


@pytest.mark.parametrize("tampered", [
    "x", [], {"best": "x"}, {"best": {"label": 3}}, {"best": {"label": "Rue"}, "opts": "x"},
    {"best": {"label": "Rue", "lat": "nan"}, "opts": [{"label": "A"}, 7, {"label": None}]},
])
def test_a_tampered_pending_choice_gets_a_kind_reply_never_a_crash(talk, tampered):
    reach_where(talk)
    talk.state = dict(talk.state, plc=tampered)
    talk.say("2")
    assert talk.replies and talk.replies[-1].text

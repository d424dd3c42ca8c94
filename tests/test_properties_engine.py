"""Properties of the engine over random conversations (Hypothesis).

Any sequence of texts (answers people give, words of every menu, hostile samples, random Unicode), button
presses (valid values and junk), commands, shared positions, deep links and unsupported messages, sent
from no state at all, keeps these true after every turn (tests.hostile.check_turn):

* at least one reply, each plain non-empty text, no unfilled {placeholder}, nothing echoed back;
* the state is strict JSON (no NaN, valid UTF-8), under 2 KB, with a valid phase, question and language;
* the same (state, message, now) always gives the same turn.

Hypothesis is steered (target()) towards the largest states it can find, so the 2 KB bound is tested
where it is tightest. Bounded example counts keep the file under a minute.
"""

from __future__ import annotations

import json

from conftest import MONDAY_MORNING
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from bot.dialog.engine import Engine
from bot.dialog.messages import COMMANDS, Incoming
from bot.i18n import LANGUAGES
from tests.hostile import STATE_LIMIT, check_turn, corpus

WORDS = ["bonjour", "34", "j'ai 23 ans", "0", "1", "2", "3", "7", "9", "10", "11", "oui", "non", "je ne sais pas",
         "je préfère ne pas répondre", "je loue", "HLM", "je dors dehors", "à la rue", "manger", "loyer", "argent",
         "tous mes droits", "3 et 7", "aucun", "1 200 €", "450", "900 par mois", "12000 par an", "étudiant",
         "retraité", "je travaille", "Bellevue", "Malakoff", "Rezé", "44300", "Nantes Nord", "retour",
         "recommencer", "résultats", "langue", "aide", "code", "oubli", "English", "العربية",
         "vérifier d'autres droits",
         "j'ai faim", "il me frappe", "menu", "suite", "/start", "٣٥", "vingt-trois", "enceinte", "en couple",
         "seul", "80 %", "handicap", "2 enfants", "d'autres droits"]


def _choice_values(engine: Engine) -> list[str]:
    values = {"yes", "no", "skip", "none", "more", "restart", "handover", "results", "back", "help", "language",
              "erase", *LANGUAGES}
    values |= {need.id for need in engine.catalogue.needs}
    values |= {choice.value for question in engine.catalogue.questions for choice in question.choices}
    return sorted(values)


def incomings(engine: Engine) -> st.SearchStrategy[Incoming]:
    samples = [item.text for item in corpus() if len(item.text) <= 300]
    text = st.one_of(st.sampled_from(WORDS), st.sampled_from(WORDS), st.sampled_from(samples),
                     st.text(max_size=30), st.text(alphabet=st.characters(codec="utf-8"), max_size=12))
    places = [place.deep_link for place in engine.catalogue.places.values() if getattr(place, "deep_link", None)]
    return st.one_of(
        text.map(Incoming.from_text),
        text.map(Incoming.from_text),
        text.map(Incoming.from_text),
        st.sampled_from(_choice_values(engine)).map(lambda value: Incoming("choice", choice=value)),
        st.sampled_from(_choice_values(engine)).map(lambda value: Incoming("choice", choice=value)),
        st.text(max_size=20).map(lambda value: Incoming("choice", choice=value)),
        st.sampled_from(COMMANDS).map(lambda command: Incoming("command", command=command)),
        st.builds(lambda lat, lon: Incoming("location", lat=lat, lon=lon),
                  st.one_of(st.floats(47.15, 47.3), st.floats(-90, 90)),
                  st.one_of(st.floats(-1.65, -1.45), st.floats(-180, 180))),
        st.one_of(st.sampled_from([*LANGUAGES, *places, ""]), st.text(max_size=20)).map(
            lambda payload: Incoming("start", payload=payload)),
        st.sampled_from(["sticker", "photo", "voice"]).map(lambda what: Incoming("unsupported", what=what)),
    )


CONVERSATION = settings(max_examples=120, deadline=None, stateful_step_count=30,
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                               HealthCheck.data_too_large])


@CONVERSATION
@given(data=st.data())
def test_any_conversation_keeps_a_small_valid_state_and_always_answers(engine: Engine, data):
    steps = data.draw(st.lists(incomings(engine), min_size=1, max_size=30), label="messages")
    state = None
    largest = 0
    for incoming in steps:
        turn = engine.handle(state, incoming, MONDAY_MORNING)
        check_turn(engine, turn)
        assert engine.handle(state, incoming, MONDAY_MORNING) == turn  # no hidden state
        size = len(json.dumps(turn.state, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        largest = max(largest, size)
        state = None if turn.erase else turn.state
    target(float(largest), label="state bytes")
    assert largest < STATE_LIMIT


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.lists(st.sampled_from(["skip", "yes", "no", "none"]), max_size=20),
       need=st.sampled_from(["roof", "food", "health", "money", "home", "work", "family", "papers", "loneliness",
                             "all"]))
def test_any_need_reaches_results_through_buttons_alone(engine: Engine, need, answers):
    """Whatever the buttons pressed, a person reaches the results in a bounded number of turns."""
    state = engine.handle(None, Incoming("start"), MONDAY_MORNING).state
    state = engine.handle(state, Incoming("choice", choice=need), MONDAY_MORNING).state
    for turn_number in range(40):
        if state["phase"] != "ask":
            break
        value = answers[turn_number] if turn_number < len(answers) else "skip"
        turn = engine.handle(state, Incoming("choice", choice=value), MONDAY_MORNING)
        check_turn(engine, turn)
        state = turn.state
    assert state["phase"] == "done"

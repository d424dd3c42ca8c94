"""The stored conversation state: typed inside the engine, JSON outside, migrated across versions.

The version-1 states below are copied from what the engine stored before the state was typed
(printed by that engine mid-conversation): a person who stored one then resumes, never restarts.
"""

from __future__ import annotations

import json

from conftest import MONDAY_MORNING

from bot.dialog.messages import Incoming, view
from bot.dialog.state import STATE_VERSION, DialogState, migrate

V1_AT_HOUSING = {"v": 1, "lang": "fr", "phase": "ask", "q": "housing", "a": {"age": 34, "children_ages": [4, 9]},
                 "skip": [], "hist": ["age", "children_ages"], "need": "all", "wide": True, "more": False,
                 "tries": 0, "loc": None, "src": None, "em": []}
V1_LANGUAGE_MENU = {**V1_AT_HOUSING, "phase": "language", "back_phase": "ask"}
V1_ROOF_WITH_PLACE = {"v": 1, "lang": "fr", "phase": "ask", "q": "housing",
                      "a": {"commune": "44109", "quartier": "Dervallières - Zola"}, "skip": [], "hist": [],
                      "need": "roof", "wide": False, "more": False, "tries": 0,
                      "loc": {"label": "Dervallières - Zola", "lat": 47.223, "lon": -1.591}, "src": None,
                      "em": ["no_roof"]}


def test_a_conversation_stored_in_version_1_resumes_where_it_was(engine):
    turn = engine.handle(json.loads(json.dumps(V1_AT_HOUSING)), Incoming.from_text("je loue"), MONDAY_MORNING)
    assert "notice" not in [r.kind for r in turn.replies]  # no welcome again: not a new conversation
    assert turn.answers == {"age": 34, "children_ages": [4, 9], "housing": "tenant"}
    assert turn.state["v"] == STATE_VERSION
    assert turn.state["hist"] == ["age", "children_ages", "housing"]


def test_a_version_1_language_menu_returns_to_the_question_it_interrupted(engine):
    turn = engine.handle(V1_LANGUAGE_MENU, Incoming("choice", choice="en"), MONDAY_MORNING)
    assert turn.language == "en"
    assert turn.state["phase"] == "ask" and turn.state["q"] == "housing"
    assert turn.replies[-1].data.get("question") == "housing"


def test_a_version_1_place_and_emergency_are_kept(engine):
    turn = engine.handle(V1_ROOF_WITH_PLACE, Incoming.from_text("je n'ai pas de logement"), MONDAY_MORNING)
    assert turn.location is not None and turn.location.label == "Dervallières - Zola"
    assert turn.answers["housing"] == "homeless"
    # The 115 card was shown before the version changed: not shown again.
    assert sum(r.kind == "emergency" for r in turn.replies) == 0


def test_migration_moves_the_ad_hoc_back_phase_and_keeps_everything_else():
    migrated = migrate(V1_LANGUAGE_MENU)
    assert migrated is not None and migrated["bp"] == "ask" and "back_phase" not in migrated
    assert {k: v for k, v in migrated.items() if k not in ("v", "bp")} == \
        {k: v for k, v in V1_LANGUAGE_MENU.items() if k not in ("v", "back_phase")}


def test_a_state_survives_its_json_form_unchanged(engine):
    state = engine.handle(V1_ROOF_WITH_PLACE, Incoming.from_text("12"), MONDAY_MORNING).state
    typed, fresh = DialogState.from_json(json.loads(json.dumps(state)))
    assert not fresh and typed.to_json() == state


def test_states_that_are_not_ours_start_a_new_conversation_in_their_language():
    for foreign in (None, {}, {"v": 99, "lang": "es"}, {"v": "1"}, {"v": True}, [], "junk"):
        typed, fresh = DialogState.from_json(foreign)  # type: ignore[arg-type]
        assert fresh
    assert DialogState.from_json({"v": 99, "lang": "es"})[0].lang == "es"


def test_other_layers_read_a_stored_state_through_its_view():
    stored = view(V1_ROOF_WITH_PLACE)
    assert stored.language == "fr" and stored.answers["commune"] == "44109"
    assert stored.location is not None and stored.location.lat == 47.223
    assert view({"v": 1, "a": "not answers", "skip": "x"}).answers == {}

"""Where a person says they live leads to the right door: the corpus in tests/corpus_places/ (typed
locations and shared points) read as a table, and every street of the 2022 list."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from bot.i18n import translator
from bot.places.doors import door_for
from bot.places.search import locate, locate_point
from bot.places.why import ask_text, commune_lines, reason_text, unconfirmed_text

HERE = Path(__file__).resolve().parent
TYPED = yaml.safe_load((HERE / "corpus_places" / "typed.yaml").read_text(encoding="utf-8"))
SHARED = yaml.safe_load((HERE / "corpus_places" / "shared.yaml").read_text(encoding="utf-8"))
STREETS = HERE.parent / "knowledge" / "gazetteer" / "nantes_streets.csv"


def check_door(case: dict, location, catalogue) -> None:
    door = door_for(location, catalogue)
    if case.get("commune"):
        assert location.insee == case["commune"], location
    if case.get("quartier"):
        assert (location.insee, location.quartier) == ("44109", case["quartier"]), location
    expected = case["door"]
    if expected == "commune":
        assert door.reason == "commune" and door.place is None and door.commune
    elif expected == "nearest":
        assert door.reason == "nearest" and door.place.kind == "accueil_solidarite" and door.place.is_open
    elif expected == "outside":
        assert door.reason == "outside" and door.place.id == catalogue.territory.default_accueil
    else:
        assert door.reason in ("quartier", "home") and door.place.id == expected, door


def test_the_corpus_is_large_and_covers_every_kind_of_place():
    assert len(TYPED) >= 300
    whys = " ".join(case["why"] for case in TYPED)
    for kind in ("typo", "without rue", "micro-quartier", "landmark", "postcode", "commune", "several quartiers"):
        assert kind in whys
    assert {c["quartier"] for c in TYPED if c.get("quartier")} >= {c["quartier"] for c in SHARED if c.get("quartier")}


@pytest.mark.parametrize("case", TYPED, ids=[c["text"] for c in TYPED])
def test_a_typed_location_leads_to_its_door(case, catalogue):
    location = locate(case["text"], catalogue.gazetteer)
    assert location is not None, case
    if case.get("ask"):
        assert location.ambiguous, location
        assert ask_text(location, translator("fr"))
        return
    check_door(case, location, catalogue)


@pytest.mark.parametrize("case", SHARED, ids=[c.get("quartier") or c.get("commune") or "outside" for c in SHARED])
def test_a_shared_location_leads_to_its_door(case, catalogue):
    check_door(case, locate_point(case["lat"], case["lon"], catalogue.gazetteer), catalogue)


def test_every_street_of_the_2022_list_resolves_to_its_quartier(catalogue):
    wrong = []
    with STREETS.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            location = locate(row["voie"], catalogue.gazetteer)
            source = row["quartier"]
            several = source == "pluriel" or "|" in source or source.startswith("numeros")
            if location is None or location.insee != "44109":
                wrong.append((row["voie"], source, location))
            elif several and not location.spans:
                wrong.append((row["voie"], source, location))
            elif not several and location.quartier != (source or None):
                wrong.append((row["voie"], source, location))
    assert wrong == []


def test_the_reason_is_said_and_an_unconfirmed_fact_once_with_the_ccas_phone(catalogue):
    t = translator("fr")
    door = door_for(locate("rue des Herses", catalogue.gazetteer), catalogue)
    assert door.place.id == "accueil_nantes_sud"
    assert reason_text(door, t) == "C'est l'accueil de votre quartier, Nantes Sud."
    assert "02 40 99 27 00" in unconfirmed_text(door, catalogue.territory.confirm_phone, t)
    near = door_for(locate("44100", catalogue.gazetteer), catalogue)
    assert "km" in reason_text(near, t)


def test_a_resident_of_another_commune_is_sent_to_its_ccas_with_the_sourced_contact(catalogue):
    t = translator("fr")
    reze = door_for(locate("Rezé", catalogue.gazetteer), catalogue)
    lines = commune_lines(reze, t)
    assert "CCAS" in reason_text(reze, t) and "Rezé" in reason_text(reze, t)
    assert "Tél. 02 40 84 43 00" in lines
    assert any("Ville de Nantes" in line for line in lines)  # its aids are not for Rezé
    assert reze.unconfirmed  # that the CCAS sits at the town hall is not sourced
    sautron = door_for(locate("Sautron", catalogue.gazetteer), catalogue)
    assert sautron.contact is None and "mairie de Sautron" in commune_lines(sautron, t)[0]


def test_the_reason_is_translated(catalogue):
    door = door_for(locate("Bellevue", catalogue.gazetteer), catalogue)
    english = reason_text(door, translator("en"))
    assert english == "This is the accueil for your quartier, Bellevue - Chantenay - Sainte Anne."


def run_nearest(*args: str) -> dict:
    import json
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "bot.cli", "nearest", *args], cwd=HERE.parent, capture_output=True,
                            text=True, timeout=120)
    return json.loads(result.stdout)


def test_aiguillage_nearest_says_why_the_place_was_chosen():
    found = run_nearest("rue des Herses")
    assert found["quartier"] == "Nantes Sud"
    assert found["door"]["place"] == "accueil_nantes_sud"
    assert found["door"]["why"] == "C'est l'accueil de votre quartier, Nantes Sud."
    assert "02 40 99 27 00" in found["door"]["unconfirmed"]
    assert all(place["id"] != "accueil_bottiere" for place in found["places"])  # planned, not open


def test_aiguillage_nearest_asks_which_and_sends_other_communes_to_their_ccas():
    procé = run_nearest("Procé")["door"]
    assert procé["ask"] and procé["choices"] == ["Parc de Procé, Dervallières - Zola",
                                                 "Procé (Hauts-Pavés), Hauts Pavés - Saint Félix"]
    assert run_nearest("44470")["door"]["choices"] == ["Carquefou (44470)", "Mauves-sur-Loire (44470)",
                                                       "Thouaré-sur-Loire (44470)"]
    reze = run_nearest("reze")["door"]
    assert reze["reason"] == "commune" and "Tél. 02 40 84 43 00" in reze["contact"]
    near = run_nearest("--lat", "47.2570", "--lon", "-1.5650")["door"]
    assert near["place"] == "accueil_nantes_nord"


def test_the_door_from_what_a_conversation_keeps(catalogue):
    from bot.places.doors import door_for_answers

    assert door_for_answers(catalogue, "44109", "Nantes Nord", 47.257, -1.576).place.id == "accueil_nantes_nord"
    assert door_for_answers(catalogue, "44143", None, 47.18, -1.55).reason == "commune"
    near = door_for_answers(catalogue, "44109", None, 47.2257, -1.5972)
    assert (near.reason, near.place.id) == ("nearest", "accueil_dervallieres")
    assert door_for_answers(catalogue, "44109", None, None, None).reason == "unknown"


def answer_where(talk, where: str):
    talk.say("manger")
    for _ in range(30):
        if talk.state["phase"] != "ask" or talk.question == "where":
            break
        talk.say("je ne sais pas")
    assert talk.question == "where"
    talk.say(where)
    for _ in range(30):  # the remaining questions, if any, until the results
        if talk.state["phase"] != "ask":
            break
        talk.say("je ne sais pas")
    return [r.text for _, replies in talk.transcript for r in replies]


def test_a_conversation_ends_at_the_door_of_the_quartier_and_says_why(talk):
    texts = answer_where(talk, "j'habite rue des Herses")
    door = next(text for text in texts if "C'est l'accueil de votre quartier, Nantes Sud." in text)
    assert "14 rue des Herses" in door
    assert any("02 40 99 27 00" in text and "pas confirmées" in text for text in texts)


def test_a_resident_of_reze_is_sent_to_the_ccas_of_reze(talk):
    texts = answer_where(talk, "Rezé")
    door = next(text for text in texts if "Vous habitez Rezé" in text)
    assert "CCAS" in door and "Tél. 02 40 84 43 00" in door

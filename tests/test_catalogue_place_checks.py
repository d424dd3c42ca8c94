"""`aiguillage check` finds the places whose facts disagree between files, or whose `verified` promises
what their own notes deny; the real catalogue has none. Each case edits a copy of knowledge/."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.catalogue import check_catalogue

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def knowledge(tmp_path):
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    return tmp_path / "knowledge"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def errors(knowledge: Path) -> set[tuple[str, str, str]]:
    _, problems = check_catalogue(knowledge)
    return {(p.file, p.entry, p.field) for p in problems if p.severity == "error"}


def test_the_real_catalogue_has_no_conflicting_place_facts():
    result = subprocess.run([sys.executable, "-m", "bot.cli", "check"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout
    assert "error:" not in result.stdout and " 0 errors" in result.stdout


def test_hours_an_aid_gives_for_its_place_must_be_the_places(knowledge):
    edit(knowledge / "places" / "espace_agnes_varda.yaml", "Douches de 8 h 30 à 16 h 30", "Douches de 8 h 30 à 17 h")
    assert ("aids/bains_douches_agnes_varda.yaml", "bains_douches_agnes_varda", "apply.how") in errors(knowledge)


def test_verified_cannot_say_yes_while_the_notes_say_to_confirm(knowledge):
    path = knowledge / "places" / "mairie_bellevue.yaml"
    edit(path, "verified: false", "verified: true")
    edit(path, "\nservices:", "\nopening_hours: Mo-Fr 09:00-12:00\nhours_text: Le matin.\nservices:")
    assert ("places/mairie_bellevue.yaml", "mairie_bellevue", "verified") in errors(knowledge)


def test_verified_needs_an_address_a_phone_and_hours(knowledge):
    edit(knowledge / "places" / "accueil_nantes_sud.yaml", "verified: false", "verified: true")
    assert ("places/accueil_nantes_sud.yaml", "accueil_nantes_sud", "verified") in errors(knowledge)


def test_a_warehouse_is_never_offered_for_food(knowledge):
    edit(knowledge / "emergencies.yaml", "places: [espace_agnes_varda, autre_cantine]",
         "places: [espace_agnes_varda, restos_du_coeur_44]")
    assert ("emergencies.yaml", "hungry", "places") in errors(knowledge)


def test_a_planned_place_is_never_offered_as_open(knowledge):
    edit(knowledge / "aids" / "rsa.yaml", "place: ccas_nantes", "place: accueil_bottiere")
    assert ("aids/rsa.yaml", "rsa", "apply.place") in errors(knowledge)


def test_one_quartier_has_one_door(knowledge):
    edit(knowledge / "places" / "accueil_nantes_nord.yaml", "serves: [Nantes Nord]", "serves: [Nantes Nord, Nantes Sud]")
    found = errors(knowledge)
    assert any(entry in ("accueil_nantes_nord", "accueil_nantes_sud") and field == "serves"
               for _, entry, field in found), found


def test_a_mairie_written_twice_must_be_at_the_same_point(knowledge):
    edit(knowledge / "places" / "mairie_chantenay.yaml", "lat: 47.20679", "lat: 47.21679")
    assert ("gazetteer/landmarks.yaml", "Mairie de quartier Chantenay", "lat") in errors(knowledge)


def test_the_territory_names_its_file_entry_and_field(knowledge):
    edit(knowledge / "territory.yaml", "default_accueil: ccas_nantes", "default_accueil: ccas_rennes")
    edit(knowledge / "territory.yaml", 'phone: "02 40 84 43 00"', 'phone: "02 40 84 43 00 poste 3"')
    found = errors(knowledge)
    assert ("territory.yaml", "territory", "default_accueil") in found
    assert ("territory.yaml", "communes.44143", "phone") in found


def test_no_roof_gives_the_115_first_then_day_centres_that_are_open():
    from bot.catalogue import load_catalogue

    catalogue = load_catalogue()
    no_roof = next(e for e in catalogue.emergencies if e.id == "no_roof")
    assert no_roof.numbers[0].number == "115"
    first, *others = [catalogue.places[p] for p in no_roof.places]
    assert first.phone == "115"
    assert others and all(p.kind == "emergency" and p.is_open for p in others)


def test_food_points_only_to_places_that_hand_out_food():
    from bot.catalogue import load_catalogue

    catalogue = load_catalogue()
    hungry = next(e for e in catalogue.emergencies if e.id == "hungry")
    assert hungry.places and all(catalogue.places[p].distributes for p in hungry.places)
    assert catalogue.places["restos_du_coeur_44"].distributes is False  # the head office and warehouse
    for aid in catalogue.aids.values():
        if "food" in aid.needs and aid.apply.place:
            assert catalogue.places[aid.apply.place].distributes is not False, aid.id

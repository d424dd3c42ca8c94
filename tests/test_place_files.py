"""The place and gazetteer files: every real file is valid and coherent, and broken ones are refused
with a problem naming the file, the entry and the field."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from bot.catalogue.errors import Problems
from bot.catalogue.gazetteer import load_gazetteer
from bot.catalogue.places import PLACE_KINDS, load_places
from bot.catalogue.territory import parse_territory
from bot.catalogue.vocabularies import parse_vocabularies
from bot.catalogue.yamlfile import read_yaml
from bot.places.search import locate_point

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
PLACE_FILES = sorted((KNOWLEDGE / "places").glob("*.yaml"))
TERRITORY = parse_territory(read_yaml(KNOWLEDGE / "territory.yaml", "territory.yaml", Problems())[1], Problems())
VOCABULARIES = parse_vocabularies(read_yaml(KNOWLEDGE / "data_inclusion.yaml", "", Problems())[1], Problems())


def places_in(folder: Path, problems: Problems):
    return load_places(folder, problems, TERRITORY.bounds, VOCABULARIES)


def gazetteer_in(folder: Path, problems: Problems):
    return load_gazetteer(folder, problems, TERRITORY.bounds, TERRITORY.default_commune)

# Other parts of the bot (aids, emergencies, the dialog) refer to these ids and kinds.
EXPECTED = {
    "ccas_nantes": "accueil_solidarite", "accueil_bellevue": "accueil_solidarite",
    "accueil_nantes_sud": "accueil_solidarite", "accueil_dervallieres": "accueil_solidarite",
    "accueil_nantes_nord": "accueil_solidarite", "accueil_bottiere": "accueil_solidarite",
    **{f"mairie_{q}": "mairie" for q in ("centrale", "chantenay", "bellevue", "dervallieres", "barberie",
                                         "nantes_nord", "ranzay", "bottiere", "doulon", "malakoff", "ile_de_nantes",
                                         "nantes_sud")},
    **dict.fromkeys(("espace_agnes_varda", "village_5ponts", "accueil_jour_familles", "accueil_jour_seligmann",
                     "maison_de_coluche", "solidair_ete"), "emergency"),
    **dict.fromkeys(("restos_du_coeur_44", "epicerie_1000_fleurs", "epicerie_au_5"), "association"),
    **dict.fromkeys(("maison_des_adolescents", "mission_locale_nantes"), "youth"),
    **dict.fromkeys(("caf_loire_atlantique", "cpam_loire_atlantique", "france_travail_nantes",
                     "departement_loire_atlantique", "eds_nantes", "mdph_loire_atlantique", "crous_nantes",
                     "nantes_metropole_habitat", "aisl", "siao_44"), "institution"),
}


@pytest.fixture(scope="module")
def loaded():
    problems = Problems()
    places = places_in(KNOWLEDGE / "places", problems)
    gazetteer = gazetteer_in(KNOWLEDGE / "gazetteer", problems)
    return places, gazetteer, problems


# ---------------------------------------------------------------------------------------------- real files


@pytest.mark.parametrize("path", PLACE_FILES, ids=[p.stem for p in PLACE_FILES])
def test_place_file_loads_without_problem(loaded, path):
    places, _, problems = loaded
    assert [str(p) for p in problems.items if p.file == f"places/{path.name}"] == []
    assert path.stem in places


@pytest.mark.parametrize("path", PLACE_FILES, ids=[p.stem for p in PLACE_FILES])
def test_place_is_inside_the_metropole_in_its_commune_and_quartier(loaded, path):
    places, gazetteer, _ = loaded
    place = places[path.stem]
    where = locate_point(place.lat, place.lon, gazetteer)
    assert where.kind in ("quartier", "commune"), f"{place.id} is outside Nantes Métropole"
    commune = gazetteer.commune(where.insee)
    assert commune.name == place.commune
    if place.insee:
        assert place.insee == where.insee
    if place.quartier:
        assert place.quartier == where.quartier


@pytest.mark.parametrize("path", PLACE_FILES, ids=[p.stem for p in PLACE_FILES])
def test_place_says_what_is_unverified(loaded, path):
    place = loaded[0][path.stem]
    assert place.verified or place.unverified
    assert place.sources and place.reviewed


def test_every_expected_place_exists_with_its_kind(loaded):
    places = loaded[0]
    assert {pid: places[pid].kind for pid in EXPECTED if pid in places} == EXPECTED
    assert {p.kind for p in places.values()} <= set(PLACE_KINDS)


def test_every_accueil_tells_a_person_how_to_reach_it(loaded):
    places = loaded[0]
    accueils = [p for p in places.values() if p.kind == "accueil_solidarite"]
    assert len(accueils) >= 6
    for place in accueils:
        # Without a sourced phone of its own, the reply gives the CCAS phone once, to confirm (bot.places.why).
        assert place.phone or not place.verified, place.id
        assert place.deep_link, place.id


def test_deep_links_for_the_accueils(loaded):
    places = loaded[0]
    assert places["ccas_nantes"].deep_link == "accueil_ccas"
    for pid in ("accueil_bellevue", "accueil_nantes_sud", "accueil_dervallieres", "accueil_nantes_nord",
                "accueil_bottiere"):
        assert places[pid].deep_link == pid


def test_the_barberie_mairie_has_its_2024_address(loaded):
    assert loaded[0]["mairie_barberie"].address == "111 rue Pierre-Yvernogeau"


def test_gazetteer_loads_without_problem(loaded):
    _, gazetteer, problems = loaded
    assert [str(p) for p in problems.items if p.file.startswith("gazetteer/")] == []
    assert len(gazetteer.quartiers) == 11
    assert len({c.insee for c in gazetteer.communes}) == 24
    assert len(gazetteer.streets) > 700
    assert all(len(a.polygon) <= 150 for a in gazetteer.quartiers + gazetteer.communes)


def test_every_landmark_is_inside_the_metropole(loaded):
    _, gazetteer, _ = loaded
    for landmark in gazetteer.landmarks:
        where = locate_point(landmark.lat, landmark.lon, gazetteer)
        assert where.kind in ("quartier", "commune"), landmark.name
        if landmark.insee:
            assert where.insee == landmark.insee, landmark.name


def test_each_mairie_place_has_a_gazetteer_entry_at_the_same_point(loaded):
    places, gazetteer, _ = loaded
    entries = {e.place: e for e in gazetteer.landmarks if e.kind == "mairie"}
    for place in places.values():
        if place.kind == "mairie":
            entry = entries[place.id]
            assert (entry.lat, entry.lon) == (place.lat, place.lon), place.id


def test_streets_file_keeps_the_source_columns():
    with open(KNOWLEDGE / "gazetteer" / "streets.csv", encoding="utf-8", newline="") as f:
        assert next(csv.reader(f)) == ["street", "postcode", "commune", "lat", "lon", "n_points"]


# ---------------------------------------------------------------------------------------------- broken files

GOOD = """\
id: {id}
name: Accueil test
kind: accueil_solidarite
address: 1 place Test
postcode: "44000"
commune: Nantes
lat: 47.2184
lon: -1.5536
phone: 02 40 00 00 00
opening_hours: "Mo-Fr 09:00-12:00; PH off"
hours_text: Du lundi au vendredi, de 9 h à 12 h.
sources: [{{url: "https://example.org/source", date: 2026-11-01}}]
verified: true
reviewed: 2026-11-22
"""


def load_dir(tmp_path: Path, files: dict[str, str]):
    folder = tmp_path / "places"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    problems = Problems()
    return places_in(folder, problems), problems


def where(problems: Problems) -> set[tuple[str, str, str]]:
    return {(p.file, p.entry, p.field) for p in problems.errors}


def test_a_good_file_is_accepted(tmp_path):
    places, problems = load_dir(tmp_path, {"test_place.yaml": GOOD.format(id="test_place")})
    assert problems.items == [] and list(places) == ["test_place"]


def test_missing_lat_is_refused(tmp_path):
    text = GOOD.format(id="x").replace("lat: 47.2184\n", "")
    places, problems = load_dir(tmp_path, {"x.yaml": text})
    assert places == {}
    assert where(problems) == {("places/x.yaml", "x", "lat")}
    assert "required" in problems.errors[0].message


def test_broken_opening_hours_are_refused(tmp_path):
    text = GOOD.format(id="x").replace("Mo-Fr 09:00-12:00; PH off", "Mo-Fr 9h-12h")
    places, problems = load_dir(tmp_path, {"x.yaml": text})
    assert places == {}
    assert where(problems) == {("places/x.yaml", "x", "opening_hours")}
    assert "9h-12h" in problems.errors[0].message


def test_a_duplicate_id_is_refused(tmp_path):
    places, problems = load_dir(tmp_path, {"a.yaml": GOOD.format(id="a"), "b.yaml": GOOD.format(id="a")})
    assert list(places) == ["a"]
    assert ("places/b.yaml", "a", "id") in where(problems)
    assert any("duplicate" in p.message for p in problems.errors)


def test_an_id_different_from_the_file_name_is_refused(tmp_path):
    places, problems = load_dir(tmp_path, {"b.yaml": GOOD.format(id="c")})
    assert where(problems) == {("places/b.yaml", "c", "id")}


@pytest.mark.parametrize("old, new, field", [
    ("lat: 47.2184", 'lat: "47.2184"', "lat"),
    ('postcode: "44000"', "postcode: 44000", "postcode"),
    ("verified: true", "verified: oui", "verified"),
    ("kind: accueil_solidarite", "kind: accueil", "kind"),
    ("kind: accueil_solidarite", "kind: [accueil_solidarite]", "kind"),
    ("reviewed: 2026-11-22", "reviewed: last week", "reviewed"),
    ("lat: 47.2184", "lat: -1.5536", "lat"),
    ("lat: 47.2184", "lat: 48.8566", "lat"),
    ("sources: [{url: \"https://example.org/source\", date: 2026-11-01}]", "sources: []", "sources"),
    ("sources: [{url: \"https://example.org/source\", date: 2026-11-01}]", "sources: [{url: example.org}]",
     "sources[0].url"),
    ("verified: true", "verified: false", "unverified"),
    ("commune: Nantes", "commune: Nantes\nopening_hour: Mo-Fr 09:00-12:00", "opening_hour"),
    ("commune: Nantes", "commune: Nantes\npublics: [tout-le-monde]", "publics[0]"),
    ("commune: Nantes", "commune: Nantes\ndeep_link: accueil test!", "deep_link"),
    ("phone: 02 40 00 00 00", "phone: 0240992700 poste 3", "phone"),
])
def test_a_wrong_field_is_refused_and_named(tmp_path, old, new, field):
    text = GOOD.format(id="x")
    assert old in text
    places, problems = load_dir(tmp_path, {"x.yaml": text.replace(old, new)})
    assert places == {}
    assert where(problems) == {("places/x.yaml", "x", field)}


def test_every_problem_is_reported_not_only_the_first(tmp_path):
    broken = GOOD.format(id="x").replace("lat: 47.2184\n", "").replace("verified: true", "verified: 1") \
        .replace("Mo-Fr 09:00-12:00; PH off", "tous les jours")
    places, problems = load_dir(tmp_path, {"x.yaml": broken, "y.yaml": "id: y\nname: [unclosed\n",
                                           "z.yaml": GOOD.format(id="z")})
    assert list(places) == ["z"]
    assert {("places/x.yaml", "x", "lat"), ("places/x.yaml", "x", "verified"),
            ("places/x.yaml", "x", "opening_hours")} <= where(problems)
    assert any(p.file == "places/y.yaml" and "YAML" in p.message for p in problems.errors)


def test_a_yaml_syntax_error_names_the_line(tmp_path):
    _, problems = load_dir(tmp_path, {"y.yaml": "id: y\nname: Test\n  lat: 47.2\n"})
    assert len(problems.errors) == 1
    assert problems.errors[0].file == "places/y.yaml" and "line 3" in problems.errors[0].message


def test_a_key_written_twice_is_refused(tmp_path):
    _, problems = load_dir(tmp_path, {"x.yaml": GOOD.format(id="x") + "lat: 47.3\n"})
    assert len(problems.errors) == 1 and "twice" in problems.errors[0].message


def test_a_deep_link_used_twice_is_refused(tmp_path):
    a = GOOD.format(id="a") + "deep_link: same\n"
    b = GOOD.format(id="b") + "deep_link: same\n"
    places, problems = load_dir(tmp_path, {"a.yaml": a, "b.yaml": b})
    assert list(places) == ["a"] and where(problems) == {("places/b.yaml", "b", "deep_link")}


def test_empty_and_yml_files_are_refused(tmp_path):
    _, problems = load_dir(tmp_path, {"e.yaml": "", "f.yml": GOOD.format(id="f")})
    assert {p.file for p in problems.errors} == {"places/e.yaml", "places/f.yml"}


def test_missing_places_folder_is_one_problem(tmp_path):
    problems = Problems()
    assert places_in(tmp_path / "places", problems) == {}
    assert len(problems.errors) == 1


@pytest.fixture
def gazetteer_copy(tmp_path):
    folder = tmp_path / "gazetteer"
    shutil.copytree(KNOWLEDGE / "gazetteer", folder, ignore=shutil.ignore_patterns("tools", "*.md"))
    return folder


def test_a_street_in_an_unknown_commune_is_refused(gazetteer_copy):
    with open(gazetteer_copy / "streets.csv", "a", encoding="utf-8") as f:
        f.write("Rue Imaginaire,44999,Atlantide,47.2,-1.55,1\n")
    problems = Problems()
    gazetteer = gazetteer_in(gazetteer_copy, problems)
    [problem] = problems.errors
    assert (problem.file, problem.field) == ("gazetteer/streets.csv", "commune")
    assert problem.entry.startswith("line ")
    assert len(gazetteer.streets) > 700  # the other streets are still there


def test_a_polygon_written_lon_lat_is_refused(gazetteer_copy):
    path = gazetteer_copy / "quartiers.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("- [47.22092, -1.55052]", "- [-1.55052, 47.22092]", 1),
                    encoding="utf-8")
    problems = Problems()
    gazetteer_in(gazetteer_copy, problems)
    [problem] = problems.errors
    assert (problem.file, problem.entry) == ("gazetteer/quartiers.yaml", "Centre Ville")
    assert problem.field.startswith("polygon[")


def test_a_landmark_alias_used_twice_is_refused(gazetteer_copy):
    with open(gazetteer_copy / "landmarks.yaml", "a", encoding="utf-8") as f:
        f.write("\n- name: Autre CHU\n  aliases: [chu]\n  lat: 47.21\n  lon: -1.55\n  source: test\n"
                "  verified: false\n  unverified: test\n")
    problems = Problems()
    gazetteer_in(gazetteer_copy, problems)
    assert [(p.file, p.entry, p.field) for p in problems.errors] == [("gazetteer/landmarks.yaml", "Autre CHU",
                                                                      "aliases")]


def test_a_street_of_2022_in_an_unknown_quartier_is_refused_and_named(gazetteer_copy):
    with open(gazetteer_copy / "nantes_streets.csv", "a", encoding="utf-8") as f:
        f.write("Rue Imaginaire,Quartier Inconnu,\n")
    problems = Problems()
    gazetteer = gazetteer_in(gazetteer_copy, problems)
    [problem] = problems.errors
    assert (problem.file, problem.field) == ("gazetteer/nantes_streets.csv", "quartier")
    assert problem.entry.startswith("line ") and "Quartier Inconnu" in problem.message
    assert not any(s.name == "Rue Imaginaire" for s in gazetteer.streets)


def test_a_street_written_twice_with_two_quartiers_is_refused(gazetteer_copy):
    with open(gazetteer_copy / "nantes_streets.csv", "a", encoding="utf-8") as f:
        f.write("Rue des Herses,Nantes Nord,\n")
    problems = Problems()
    gazetteer_in(gazetteer_copy, problems)
    assert [(p.file, p.field) for p in problems.errors] == [("gazetteer/nantes_streets.csv", "quartier")]


def test_a_shared_landmark_name_needs_two_different_quartiers(gazetteer_copy):
    with open(gazetteer_copy / "landmarks.yaml", "a", encoding="utf-8") as f:
        f.write("\n- name: Autre Procé\n  aliases: [Procé]\n  quartier: Dervallières - Zola\n  source: test\n"
                "  verified: false\n  unverified: test\n")
    problems = Problems()
    gazetteer_in(gazetteer_copy, problems)
    assert [(p.entry, p.field) for p in problems.errors] == [("Autre Procé", "aliases")]

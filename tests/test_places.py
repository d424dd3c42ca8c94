"""Where is the person, which accueil is nearest, is it open: what a user of the bot would notice."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.catalogue import load_catalogue
from bot.catalogue.errors import Problems
from bot.places.geo import distance_to_polygon_m, haversine_m, point_in_polygon
from bot.places.hours import open_status
from bot.places.search import locate, locate_point, nearest

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
PARIS = ZoneInfo("Europe/Paris")
BELLEVUE = "Bellevue - Chantenay - Sainte Anne"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(KNOWLEDGE)


@pytest.fixture(scope="module")
def gazetteer(catalogue):
    return catalogue.gazetteer


@pytest.fixture(scope="module")
def places(catalogue):
    return catalogue.places


def at(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


# ---------------------------------------------------------------------------------------------- locate


@pytest.mark.parametrize("text", ["Bellevue", "bellevue", "BELLEVUE", "bellevu", "j'habite à Bellevue",
                                  "J habite a bellevue", "Chantenay", "quartier Bellevue"])
def test_bellevue_in_any_spelling_is_the_bellevue_quartier(gazetteer, text):
    found = locate(text, gazetteer)
    assert found is not None
    assert (found.kind, found.quartier, found.insee) == ("quartier", BELLEVUE, "44109")


def test_a_typo_scores_below_an_exact_name(gazetteer):
    assert locate("bellevu", gazetteer).score < locate("Bellevue", gazetteer).score == 100


@pytest.mark.parametrize("code", ["44000", "44100", "44200", "44300", "j'habite au 44300"])
def test_a_nantes_postcode_finds_nantes(gazetteer, code):
    found = locate(code, gazetteer)
    assert found.insee == "44109"
    assert found.kind == "postcode"
    assert "Nantes" in found.label
    assert found.quartier is None  # a postcode spans several quartiers: never guess one


def test_a_postcode_shared_by_several_communes_claims_none(gazetteer):
    found = locate("44470", gazetteer)
    assert found is not None and found.insee is None
    assert "Carquefou" in found.label and "Thouaré-sur-Loire" in found.label


@pytest.mark.parametrize("text, insee", [("Rezé", "44143"), ("reze", "44143"), ("REZE", "44143"),
                                         ("j'habite à Rezé", "44143"), ("44400", "44143"),
                                         ("st herblain", "44162"), ("Saint-Herblain", "44162"),
                                         ("St-Herblain", "44162"), ("saint sebastien sur loire", "44190"),
                                         ("la chapelle sur erdre", "44035"), ("Coueron", "44047"),
                                         ("Nantes", "44109")])
def test_communes_of_the_metropole(gazetteer, text, insee):
    found = locate(text, gazetteer)
    assert found is not None and found.insee == insee
    assert found.quartier is None


@pytest.mark.parametrize("text, quartier", [("Nantes Nord", "Nantes Nord"), ("nantes nor", "Nantes Nord"),
                                            ("dervalieres", "Dervallières - Zola"), ("malakof",
                                                                                     "Malakoff - Saint-Donatien"),
                                            ("doulan", "Doulon - Bottière"), ("le breil", "Breil - Barberie"),
                                            ("l'île de Nantes", "Ile de Nantes"), ("Bout des Landes", "Nantes Nord")])
def test_quartiers_with_typos_and_local_names(gazetteer, text, quartier):
    found = locate(text, gazetteer)
    assert found is not None and found.quartier == quartier


def test_a_street_is_found_with_its_quartier(gazetteer):
    found = locate("rue de la bottiere", gazetteer)
    assert (found.kind, found.insee, found.quartier) == ("street", "44109", "Doulon - Bottière")
    assert found.label == "Rue de la Bottière (Nantes)"


def test_a_street_beats_the_quartier_it_is_named_after(gazetteer):
    assert locate("j'habite rue de la Bottière", gazetteer).kind == "street"
    assert locate("Bottière", gazetteer).kind == "quartier"


@pytest.mark.parametrize("text, label", [("pres du CHU", "CHU de Nantes (Hôtel-Dieu)"),
                                         ("je suis à la gare", "Gare de Nantes"),
                                         ("à côté de l'éléphant", "Les Machines de l'île"),
                                         ("vers la Beaujoire", "La Beaujoire"), ("Commerce", "Place du Commerce")])
def test_landmarks_people_name(gazetteer, text, label):
    found = locate(text, gazetteer)
    assert found is not None and found.label == label
    assert found.insee == "44109" and found.quartier


def test_a_mairie_name_gives_its_quartier(gazetteer):
    found = locate("mairie de chantenay", gazetteer)
    assert (found.kind, found.quartier) == ("mairie", BELLEVUE)


@pytest.mark.parametrize("text", ["bonjour", "je sais pas", "je ne sais pas", "oui", "non", "merci", "", "   ",
                                  "aide", "j'ai besoin d'aide", "je suis à la rue", "bains douches", "75011",
                                  "😀", "123"])
def test_no_false_place_for_ordinary_words(gazetteer, text):
    assert locate(text, gazetteer) is None


# ---------------------------------------------------------------------------------------------- points


def test_each_mairie_point_lies_in_its_quartier(gazetteer, places):
    for place in places.values():
        if place.kind == "mairie":
            assert locate_point(place.lat, place.lon, gazetteer).quartier == place.quartier, place.id


def test_a_point_in_reze_is_reze_without_quartier(gazetteer):
    found = locate_point(47.1767, -1.55006, gazetteer)
    assert (found.kind, found.label, found.insee, found.quartier) == ("commune", "Rezé", "44143", None)


def test_a_point_outside_the_metropole_names_the_nearest_commune_but_no_insee(gazetteer):
    found = locate_point(47.30, -1.20, gazetteer)  # east of Mauves-sur-Loire
    assert (found.kind, found.label, found.insee) == ("point", "Mauves-sur-Loire", None)
    assert (found.lat, found.lon) == (47.30, -1.20)  # the person's point, for the nearest accueil


def test_located_points_keep_the_persons_coordinates(gazetteer):
    found = locate_point(47.20426, -1.60539, gazetteer)
    assert (found.lat, found.lon) == (47.20426, -1.60539)


# ---------------------------------------------------------------------------------------------- nearest


def test_at_the_ccas_the_ccas_is_the_nearest_accueil(places):
    ccas = places["ccas_nantes"]
    found = nearest(places, ccas.lat, ccas.lon)
    assert found[0].place.id == "ccas_nantes" and found[0].distance_m == 0
    assert all(item.place.kind == "accueil_solidarite" for item in found)


def test_someone_in_bellevue_is_sent_to_the_bellevue_accueil(gazetteer, places):
    where = locate("j'habite à Bellevue", gazetteer)
    found = nearest(places.values(), where.lat, where.lon, limit=2)
    assert found[0].place.id == "accueil_bellevue"
    assert found[0].distance_m < found[1].distance_m


def test_nearest_is_sorted_limited_and_filtered(places):
    found = nearest(places, 47.2184, -1.5536, kinds=("mairie",), limit=4)
    assert len(found) == 4
    assert [f.distance_m for f in found] == sorted(f.distance_m for f in found)
    assert {f.place.kind for f in found} == {"mairie"}
    assert found[0].place.id == "mairie_centrale"
    # A place only planned (the Bottière pôle, 2028) is never offered.
    everything = nearest(places, 47.2184, -1.5536, kinds=None, limit=100)
    assert len(everything) == len([p for p in places.values() if p.status == "open"])
    assert "accueil_bottiere" not in {f.place.id for f in everything}


# ---------------------------------------------------------------------------------------------- geometry


def test_haversine_one_degree_of_latitude_is_about_111_km():
    assert haversine_m(47.0, -1.5, 48.0, -1.5) == pytest.approx(111_195, abs=10)
    assert haversine_m(47.2, -1.55, 47.2, -1.55) == 0


def test_point_in_polygon_and_distance_to_its_edge():
    square = [(47.0, -1.6), (47.0, -1.5), (47.1, -1.5), (47.1, -1.6)]
    assert point_in_polygon(47.05, -1.55, square)
    assert not point_in_polygon(47.15, -1.55, square)
    assert not point_in_polygon(47.05, -1.45, square)
    # 0.01 degree of latitude north of the top edge: about 1.1 km.
    assert distance_to_polygon_m(47.11, -1.55, square) == pytest.approx(1112, abs=5)


# ---------------------------------------------------------------------------------------------- hours


def test_the_ccas_is_open_on_monday_at_ten_until_noon(places):
    status = open_status(places["ccas_nantes"], at(2026, 11, 23, 10, 0))
    assert status.state == "open"
    assert status.change_at == at(2026, 11, 23, 12, 0)


def test_the_ccas_is_closed_at_lunch_and_reopens_at_one(places):
    status = open_status(places["ccas_nantes"], at(2026, 11, 23, 12, 30))
    assert (status.state, status.change_at) == ("closed", at(2026, 11, 23, 13, 0))


def test_the_ccas_is_closed_on_sunday_and_opens_monday_morning(places):
    status = open_status(places["ccas_nantes"], at(2026, 11, 22, 10, 0))
    assert (status.state, status.change_at) == ("closed", at(2026, 11, 23, 9, 0))


@pytest.mark.parametrize("holiday", [date(2026, 12, 25), date(2026, 7, 14), date(2026, 5, 14), date(2027, 1, 1)])
def test_the_ccas_is_closed_on_french_public_holidays(places, holiday):
    status = open_status(places["ccas_nantes"], datetime(holiday.year, holiday.month, holiday.day, 10, tzinfo=PARIS))
    assert status.state == "closed"


def test_after_christmas_the_ccas_reopens_on_monday(places):
    # 25 December 2026 is a Friday: next opening is Monday 28 at 9:00, not Saturday.
    status = open_status(places["ccas_nantes"], at(2026, 12, 25, 10, 0))
    assert status.change_at == at(2026, 12, 28, 9, 0)


def test_closed_until_wins_over_the_weekly_hours(places):
    summer = dataclasses.replace(places["ccas_nantes"], closed_until=date(2026, 8, 21))
    status = open_status(summer, at(2026, 8, 10, 10, 0))  # a Monday, normally open
    assert (status.state, status.change_at) == ("closed", at(2026, 8, 21, 9, 0))
    assert open_status(summer, at(2026, 8, 21, 10, 0)).state == "open"


def test_a_place_without_hours_is_unknown_not_closed(places):
    assert open_status(places["caf_loire_atlantique"], at(2026, 11, 23, 10, 0)).state == "unknown"


def test_the_115_is_always_open(places):
    status = open_status(places["siao_44"], at(2026, 12, 25, 3, 0))
    assert (status.state, status.change_at) == ("open", None)


def test_naive_and_utc_times_are_read_as_paris_time(places):
    ccas = places["ccas_nantes"]
    assert open_status(ccas, datetime(2026, 11, 23, 10, 0)).state == "open"
    # 08:30 UTC is 09:30 in Paris in November.
    assert open_status(ccas, datetime(2026, 11, 23, 8, 30, tzinfo=UTC)).state == "open"
    assert open_status(ccas, datetime(2026, 11, 23, 7, 30, tzinfo=UTC)).state == "closed"


def test_a_full_address_keeps_the_street_not_only_the_postcode(gazetteer):
    found = locate("12 rue de la Bottière, 44300 Nantes", gazetteer)
    assert (found.kind, found.quartier) == ("street", "Doulon - Bottière")
    # A postcode that contradicts the name wins: the person knows their postcode better than we spell.
    assert locate("Bellevue 44400", gazetteer).insee == "44143"

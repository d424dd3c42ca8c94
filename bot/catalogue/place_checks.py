"""Checks across the place files, the gazetteer and territory.yaml, run by every load and `aiguillage check`.

A place is what the bot offers as a door: its facts must agree between files, and `verified` must not
promise what its own notes say is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.catalogue.errors import Problems
from bot.catalogue.gazetteer import Gazetteer
from bot.catalogue.places import Place
from bot.catalogue.territory import Territory
from bot.catalogue.text import fold_words

# Words of an `unverified` note that say a fact is missing: a verified place cannot say them.
_UNKNOWN = re.compile(r"\b(a confirmer|a verifier|non trouve|non trouves|inconnu|inconnus|pas dans nos sources"
                      r"|n est pas confirme|ne confirme)\b")
ACCUEIL = "accueil_solidarite"


def check_places(places: Mapping[str, Place], gazetteer: Gazetteer, territory: Territory, problems: Problems) -> None:
    quartiers = {q.name for q in gazetteer.quartiers}
    default = places.get(territory.default_accueil)
    if territory.default_accueil and default is None:
        problems.error("territory.yaml", "territory", "default_accueil",
                       f"no place file for {territory.default_accueil!r}")
    elif default is not None and (default.kind != ACCUEIL or not default.is_open):
        problems.error("territory.yaml", "territory", "default_accueil",
                       f"{default.id!r} must be an open accueil_solidarite")
    for place in places.values():
        if quartiers and place.quartier and place.quartier not in quartiers:
            problems.error(place.file, place.id, "quartier", f"{place.quartier!r} is not a quartier of quartiers.yaml")
        for index, name in enumerate(place.serves):
            if quartiers and name not in quartiers:
                problems.error(place.file, place.id, f"serves[{index}]", f"{name!r} is not a quartier of quartiers.yaml")
        if place.serves and place.kind != ACCUEIL:
            problems.error(place.file, place.id, "serves", "only an accueil_solidarite serves quartiers")
        if place.verified and place.unverified and _UNKNOWN.search(fold_words(place.unverified)):
            problems.error(place.file, place.id, "verified",
                           "is true but the unverified note says a fact is still to confirm")
    _one_door_per_quartier(places, problems)
    _mairies_agree(places, gazetteer, problems)


def _one_door_per_quartier(places: Mapping[str, Place], problems: Problems) -> None:
    served: dict[str, str] = {}
    for place in places.values():
        for name in place.serves if place.is_open else ():
            if name in served:
                problems.error(place.file, place.id, "serves", f"{name!r} is already served by {served[name]}")
            served[name] = place.id


def _mairies_agree(places: Mapping[str, Place], gazetteer: Gazetteer, problems: Problems) -> None:
    """A mairie is written twice (its place file and a gazetteer entry): the two must be at the same point."""
    for entry in gazetteer.landmarks:
        if entry.kind != "mairie" or not entry.place:
            continue
        place = places.get(entry.place)
        if place is None:
            problems.error("gazetteer/landmarks.yaml", entry.name, "place", f"no place file for {entry.place!r}")
        elif abs(place.lat - entry.lat) > 0.0005 or abs(place.lon - entry.lon) > 0.0005:
            problems.error("gazetteer/landmarks.yaml", entry.name, "lat",
                           f"{entry.lat}, {entry.lon} differs from {place.file} ({place.lat}, {place.lon})")

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
    for insee in territory.communes:
        if gazetteer.communes and gazetteer.commune(insee) is None:
            problems.error("territory.yaml", f"communes.{insee}", "", "is not a commune of gazetteer/communes.yaml")
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


def check_offers(places: Mapping[str, Place], offers: list[tuple[str, str, str, str]], problems: Problems) -> None:
    """(file, entry, field, place id) for every place an aid or an emergency sends people to: it must be
    open, and a food place must hand out food there (never a warehouse or an office)."""
    for file, entry, field, place_id in offers:
        place = places.get(place_id)
        if place is None:
            continue
        if not place.is_open:
            problems.error(file, entry, field, f"{place_id!r} is not open yet (status: planned)")
        if place.distributes is False:
            problems.error(file, entry, field, f"{place_id!r} does not hand out food (distributes: false)")


_RANGE = re.compile(r"\bde (\d{1,2}) ?h ?(\d{2})? à (\d{1,2}) ?h ?(\d{2})?")


def _ranges(text: str) -> set[tuple[int, int]]:
    """The "de 8 h 30 à 16 h 30" of a French text, as (start, end) in minutes."""
    return {(int(a) * 60 + int(b or 0), int(c) * 60 + int(d or 0)) for a, b, c, d in _RANGE.findall(text)}


def check_hours_agree(places: Mapping[str, Place], texts: list[tuple[str, str, str, str, str]],
                      problems: Problems) -> None:
    """(file, entry, field, place id, text): hours an aid gives for its place must be the place's own.

    The same place written in two files drifts: "douches de 8 h 30 à 16 h 30" in the aid and
    "de 8 h 30 à 17 h" in the place. A range starting as one of the place's but ending otherwise is reported.
    """
    for file, entry, field, place_id, text in texts:
        place = places.get(place_id)
        if place is None or not place.hours_text:
            continue
        own = _ranges(place.hours_text)
        for start, end in sorted(_ranges(text) - own):
            if any(start == other_start for other_start, _ in own):
                problems.error(file, entry, field, f"gives {start // 60} h {start % 60:02d} to {end // 60} h "
                               f"{end % 60:02d}, but {place.file} says otherwise: {place.hours_text!r}")

"""Which door to send a person to, and why: the accueil of their quartier, the nearest one, or, for a
resident of another commune, that commune's CCAS (the door for its local aids).

Pure: a Location and the catalogue in, a Door out; `bot.places.why` puts the reason into words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.catalogue import Catalogue
from bot.catalogue.places import Place
from bot.catalogue.territory import CommuneDoor
from bot.places.location import Location
from bot.places.search import nearest

ACCUEIL = "accueil_solidarite"

# quartier: the accueil serving the person's quartier. home: the default accueil, which receives the
# residents of a quartier without its own. nearest: the closest accueil to the point given.
# commune: another commune's CCAS. ask: the words name several places, or a street across quartiers.
# outside: outside the métropole. unknown: no place given.
Reason = Literal["quartier", "home", "nearest", "commune", "ask", "outside", "unknown"]


@dataclass(frozen=True)
class Door:
    reason: Reason
    place: Place | None  # the accueil; None for another commune (its CCAS has no place file)
    quartier: str | None = None
    distance_m: int | None = None  # for "nearest"
    commune: str | None = None  # the commune's name, for "commune"
    contact: CommuneDoor | None = None  # the sourced contact of that commune's CCAS, if any

    @property
    def unconfirmed(self) -> bool:
        """Some fact of this door is not sourced: the reply says so once, with the phone to confirm."""
        if self.place is not None:
            return not self.place.verified
        return self.contact is None or not self.contact.verified


def _accueils(catalogue: Catalogue) -> list[Place]:
    return [p for p in catalogue.places.values() if p.kind == ACCUEIL and p.is_open]


def door_for(location: Location | None, catalogue: Catalogue) -> Door:
    home = catalogue.places.get(catalogue.territory.default_accueil)
    if location is None:
        return Door("unknown", home)
    gazetteer = catalogue.gazetteer
    if location.insee and location.insee != gazetteer.home_insee:
        town = gazetteer.commune(location.insee)
        return Door("commune", None, commune=town.name if town else location.label,
                    contact=catalogue.territory.communes.get(location.insee))
    if location.kind == "point" and location.insee is None:
        return Door("outside", home)
    if location.ambiguous and not (location.quartier and not location.spans):
        return Door("ask", home)
    if location.quartier:
        served = next((p for p in _accueils(catalogue) if location.quartier in p.serves), None)
        if served is not None:
            return Door("quartier", served, location.quartier)
        if home is not None:
            return Door("home", home, location.quartier)
    found = nearest(_accueils(catalogue), location.lat, location.lon, limit=1)
    if found and location.kind in ("point", "postcode", "street", "landmark", "mairie"):
        return Door("nearest", found[0].place, distance_m=found[0].distance_m)
    return Door("unknown", home)


def door_for_answers(catalogue: Catalogue, commune: str | None, quartier: str | None, lat: float | None,
                     lon: float | None) -> Door:
    """The door from what a conversation keeps (the commune's INSEE code, the quartier, a rounded point),
    for the results at the end of a conversation: the dialog stores these, not the Location."""
    home = catalogue.gazetteer.home_insee
    if commune and commune != home:
        return door_for(Location("", "commune", lat or 0.0, lon or 0.0, commune), catalogue)
    if quartier:
        return door_for(Location(quartier, "quartier", lat or 0.0, lon or 0.0, home, quartier), catalogue)
    if lat is not None and lon is not None:
        return door_for(Location("", "point", lat, lon, home), catalogue)
    return door_for(None, catalogue)

"""Which quartier (in the home commune) or commune contains a point: polygons with their boxes."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from bot.catalogue.gazetteer import Gazetteer, GazetteerEntry
from bot.places.geo import distance_to_polygon_m, point_in_polygon

# Simplified borders (tools/build_polygons.py) leave gaps of a few tens of metres between
# neighbours: a point that close to a commune is in it, not "outside the métropole".
BORDER_SLACK_M = 250.0


@dataclass(frozen=True)
class _Area:
    entry: GazetteerEntry
    south: float
    north: float
    west: float
    east: float

    def contains(self, lat: float, lon: float) -> bool:
        # The bounding box rules out most polygons before the exact test.
        return (self.south <= lat <= self.north and self.west <= lon <= self.east
                and point_in_polygon(lat, lon, self.entry.polygon))


_AREAS: weakref.WeakKeyDictionary[Gazetteer, tuple[tuple[_Area, ...], tuple[_Area, ...]]] = \
    weakref.WeakKeyDictionary()


def _boxed(entries: tuple[GazetteerEntry, ...]) -> tuple[_Area, ...]:
    return tuple(_Area(e, min(p[0] for p in e.polygon), max(p[0] for p in e.polygon),
                       min(p[1] for p in e.polygon), max(p[1] for p in e.polygon))
                 for e in entries if e.polygon)


def _areas(gazetteer: Gazetteer) -> tuple[tuple[_Area, ...], tuple[_Area, ...]]:
    """(quartiers, communes) with their bounding boxes, computed once per gazetteer."""
    areas = _AREAS.get(gazetteer)
    if areas is None:
        areas = _AREAS[gazetteer] = (_boxed(gazetteer.quartiers), _boxed(gazetteer.communes))
    return areas


def _deepest(lat: float, lon: float, areas: list[GazetteerEntry]) -> GazetteerEntry:
    # Where simplified neighbours overlap, the point belongs to the one it is deepest inside.
    if len(areas) == 1:
        return areas[0]
    return max(areas, key=lambda a: distance_to_polygon_m(lat, lon, a.polygon))


def area_at(lat: float, lon: float, gazetteer: Gazetteer) -> tuple[GazetteerEntry | None, GazetteerEntry | None]:
    """(commune, quartier) containing the point; quartier only in the home commune. (None, None) outside."""
    quartier_areas, commune_areas = _areas(gazetteer)
    quartiers = [a.entry for a in quartier_areas if a.contains(lat, lon)]
    if quartiers:
        return gazetteer.commune(gazetteer.home_insee), _deepest(lat, lon, quartiers)
    communes = [a.entry for a in commune_areas if a.contains(lat, lon)]
    commune: GazetteerEntry | None
    if communes:
        commune = _deepest(lat, lon, communes)
    else:
        near = [(distance_to_polygon_m(lat, lon, a.entry.polygon), a.entry) for a in commune_areas]
        near = [item for item in near if item[0] <= BORDER_SLACK_M]
        commune = min(near, key=lambda item: item[0])[1] if near else None
    if commune is None:
        return None, None
    quartier = None
    if commune.insee == gazetteer.home_insee and quartier_areas:
        # In a gap between two simplified quartier borders: the closest quartier.
        quartier = min((a.entry for a in quartier_areas), key=lambda q: distance_to_polygon_m(lat, lon, q.polygon))
    return commune, quartier

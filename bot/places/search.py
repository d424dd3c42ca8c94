"""Where is the person? Typed text or coordinates -> a Location; and the nearest places to it.

People write "j'habite à Bellevue", "rue de la bottiere", "44300", "pres du CHU", "Reze",
"st herblain", with typos, without accents. `locate` matches the words against the gazetteer
(quartiers, communes, postcodes, streets, landmarks, mairies) with rapidfuzz and answers None
rather than a wrong guess: a false "Bellevue" for "bonjour" would send someone across town.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import fmean

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.catalogue.gazetteer import Gazetteer, GazetteerEntry
from bot.catalogue.places import Place
from bot.catalogue.text import fold_words
from bot.places.geo import distance_to_polygon_m, haversine_m, point_in_polygon

# Ranking: at equal specificity and score, a quartier beats a commune, and so on: "Bellevue"
# is first the Nantes quartier, not a street called "rue de Bellevue" elsewhere.
KIND_PRIORITY = {"quartier": 0, "commune": 1, "mairie": 2, "landmark": 3, "street": 4}

# Words that carry no place: dropped from both the text and the names, so that
# "j'habite rue de la Bottière" and "Rue de la Bottière" meet on "rue bottiere".
STOPWORDS = frozenset("""
a au aux chez d de des du en et j l la le les sur vers dans quartier
je j suis habite habites habitons habitent vis vit reside moi on c est ici y ne pas sais sait connais
""".split())
# A name reduced to these words names no place: "je suis à la rue" must not find "Rue des Prés".
GENERIC = frozenset("""
rue avenue boulevard place allee impasse chemin route quai square cours mail passage sentier pont residence
rond point parc zone porte
""".split())
ABBREVIATIONS = {
    "st": "saint", "ste": "sainte", "bd": "boulevard", "bld": "boulevard", "boul": "boulevard",
    "av": "avenue", "ave": "avenue", "pl": "place", "r": "rue", "rte": "route", "imp": "impasse",
    "all": "allee", "chem": "chemin", "qu": "quai",
}
POSTCODE = re.compile(r"\b(\d{5})\b")

# Fuzzy thresholds (rapidfuzz ratio, 0-100). Names of 4 letters or fewer ("CHU", "Zola", "Reze")
# must match exactly once accents are gone: one typo there already makes another word.
MIN_FUZZY_KEY = 5
FUZZY_SCORE = 88
FUZZY_CUTOFF = 80  # candidates below this are not even looked at
MAX_TOKENS = 30  # a long message is not an address; its first words are enough

# Simplified borders (tools/build_polygons.py) leave gaps of a few tens of metres between
# neighbours: a point that close to a commune is in it, not "outside the métropole".
BORDER_SLACK_M = 250.0


@dataclass(frozen=True)
class Location:
    label: str  # what to show: "Bellevue - Chantenay - Sainte Anne", "Rezé", "Nantes (44300)"
    kind: str  # quartier | commune | street | landmark | mairie | postcode | point
    lat: float
    lon: float
    insee: str | None = None  # None when unknown (outside the métropole, or a postcode of several communes)
    quartier: str | None = None  # one of the 11 quartiers of Nantes, when known
    postcode: str | None = None
    score: float = 100.0  # how sure the match is, 0-100


@dataclass(frozen=True)
class Nearby:
    place: Place
    distance_m: int


def normalize(text: str) -> str:
    """Lower case, no accents, no punctuation, common abbreviations spelt out."""
    tokens = fold_words(text).split()
    return " ".join(ABBREVIATIONS.get(token, token) for token in tokens)


def _core(text: str) -> str:
    return " ".join(t for t in normalize(text).split() if t not in STOPWORDS)


# ---------------------------------------------------------------------------------------------- areas


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


def _areas(gazetteer: Gazetteer) -> tuple[tuple[_Area, ...], tuple[_Area, ...]]:
    """(quartiers, communes) with their bounding boxes, computed once per gazetteer."""
    areas = _AREAS.get(gazetteer)
    if areas is None:
        def boxed(entries: tuple[GazetteerEntry, ...]) -> tuple[_Area, ...]:
            return tuple(_Area(e, min(p[0] for p in e.polygon), max(p[0] for p in e.polygon),
                               min(p[1] for p in e.polygon), max(p[1] for p in e.polygon))
                         for e in entries if e.polygon)
        areas = _AREAS[gazetteer] = (boxed(gazetteer.quartiers), boxed(gazetteer.communes))
    return areas


def _deepest(lat: float, lon: float, areas: list[GazetteerEntry]) -> GazetteerEntry:
    # Where simplified neighbours overlap, the point belongs to the one it is deepest inside.
    if len(areas) == 1:
        return areas[0]
    return max(areas, key=lambda a: distance_to_polygon_m(lat, lon, a.polygon))


def _area_at(lat: float, lon: float, gazetteer: Gazetteer) -> tuple[GazetteerEntry | None, GazetteerEntry | None]:
    """(commune, quartier) containing the point; quartier only inside Nantes. (None, None) outside."""
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


def locate_point(lat: float, lon: float, gazetteer: Gazetteer) -> Location:
    """The quartier (in Nantes) or commune containing a point, e.g. a location shared on Telegram.

    Outside the métropole the label is the nearest commune (by centroid), with kind "point" and no
    INSEE code: the person does not live there. lat/lon are always the point itself.
    """
    commune, quartier = _area_at(lat, lon, gazetteer)
    if quartier is not None:
        return Location(quartier.name, "quartier", lat, lon, gazetteer.home_insee, quartier.name)
    if commune is not None:
        return Location(commune.name, "commune", lat, lon, commune.insee)
    if not gazetteer.communes:
        return Location("", "point", lat, lon)
    nearest_commune = min(gazetteer.communes, key=lambda c: haversine_m(lat, lon, c.lat, c.lon))
    return Location(nearest_commune.name, "point", lat, lon)


# ---------------------------------------------------------------------------------------------- index


@dataclass(frozen=True)
class _Candidate:
    key: str
    tokens: int
    priority: int
    location: Location


@dataclass(frozen=True)
class _Index:
    by_key: dict[str, tuple[_Candidate, ...]]
    keys: tuple[str, ...]
    max_tokens: int
    postcodes: dict[str, Location]
    home_insee: str


_INDEXES: weakref.WeakKeyDictionary[Gazetteer, _Index] = weakref.WeakKeyDictionary()


def _street_name(name: str) -> str:
    # "68 Rue des Alouettes" in the source data: a house number is not part of the name.
    return re.sub(r"^\d+\s*", "", name)


def _entry_location(entry: GazetteerEntry, gazetteer: Gazetteer) -> Location:
    if entry.kind == "quartier":
        postcode = entry.postcodes[0] if len(entry.postcodes) == 1 else None
        return Location(entry.name, "quartier", entry.lat, entry.lon, entry.insee or gazetteer.home_insee, entry.name, postcode)
    if entry.kind == "commune":
        postcode = entry.postcodes[0] if len(entry.postcodes) == 1 else None
        return Location(entry.name, "commune", entry.lat, entry.lon, entry.insee, None, postcode)
    commune, quartier = _area_at(entry.lat, entry.lon, gazetteer)
    insee = entry.insee or (commune.insee if commune else None)
    quartier_name = entry.quartier or (quartier.name if quartier and insee == gazetteer.home_insee else None)
    postcode = entry.postcodes[0] if entry.postcodes else None
    label = entry.name
    if entry.kind == "street":
        town = gazetteer.commune(insee) if insee else None
        street = _street_name(entry.name)
        label = f"{street} ({town.name})" if town else street
    return Location(label, entry.kind, entry.lat, entry.lon, insee, quartier_name, postcode)


def _postcode_locations(gazetteer: Gazetteer) -> dict[str, Location]:
    communes_by_code: dict[str, list[GazetteerEntry]] = {}
    for commune in gazetteer.communes:
        for code in commune.postcodes:
            communes_by_code.setdefault(code, []).append(commune)
    out = {}
    for code, communes in communes_by_code.items():
        if len(communes) == 1:
            commune = communes[0]
            # Within Nantes a postcode covers a part of town: its streets' mean position is a
            # better start for "the nearest accueil" than the centre of the whole commune.
            points = [(s.lat, s.lon) for s in gazetteer.streets if s.insee == commune.insee and code in s.postcodes]
            lat, lon = (fmean(p[0] for p in points), fmean(p[1] for p in points)) if points else (commune.lat,
                                                                                                commune.lon)
            label = f"{commune.name} ({code})" if len(commune.postcodes) > 1 else commune.name
            out[code] = Location(label, "postcode", lat, lon, commune.insee, None, code)
        else:
            # Several communes share it (44470: Carquefou, Mauves, Thouaré): say so, claim no commune.
            names = ", ".join(sorted(c.name for c in communes))
            out[code] = Location(f"{code} ({names})", "postcode", fmean(c.lat for c in communes),
                                 fmean(c.lon for c in communes), None, None, code)
    return out


def _build_index(gazetteer: Gazetteer) -> _Index:
    by_key: dict[str, list[_Candidate]] = {}
    for entry in gazetteer.entries:
        location = _entry_location(entry, gazetteer)
        names = (entry.name, *entry.aliases)
        if entry.kind == "street":
            names = (_street_name(entry.name),)
        for name in names:
            key = _core(name)
            if not key or all(token in GENERIC for token in key.split()):
                continue
            candidate = _Candidate(key, len(key.split()), KIND_PRIORITY[entry.kind], location)
            bucket = by_key.setdefault(key, [])
            if all(c.location != location for c in bucket):
                bucket.append(candidate)
    keys = tuple(by_key)
    return _Index({k: tuple(v) for k, v in by_key.items()}, keys,
                  max((len(k.split()) for k in keys), default=1), _postcode_locations(gazetteer),
                  gazetteer.home_insee)


def _index(gazetteer: Gazetteer) -> _Index:
    index = _INDEXES.get(gazetteer)
    if index is None:
        index = _INDEXES[gazetteer] = _build_index(gazetteer)
    return index


# ---------------------------------------------------------------------------------------------- locate


def _close_enough(gram: str, key: str, score: float) -> bool:
    if len(key) < MIN_FUZZY_KEY or len(gram) < MIN_FUZZY_KEY - 1:
        return False
    # Typos rarely hit the first two letters; requiring them keeps "bains" from becoming "Brains".
    if gram[:2] != key[:2]:
        return False
    if score >= FUZZY_SCORE:
        return True
    # One typo in a short name ("doulan") scores under FUZZY_SCORE but is still that name.
    return Levenshtein.distance(gram, key, score_cutoff=1) <= 1


def locate(text: str, gazetteer: Gazetteer) -> Location | None:
    """The place a person names in free text, or None when nothing matches convincingly."""
    if not text or not text.strip():
        return None
    index = _index(gazetteer)
    normalized = normalize(text)
    by_postcode = next((index.postcodes[c] for c in POSTCODE.findall(normalized) if c in index.postcodes), None)
    by_name = _match_words(normalized, index, by_postcode.insee if by_postcode else None)
    if by_postcode is None or by_name is None:
        return by_postcode or by_name
    # "12 rue de la Bottière 44300 Nantes": the street is more precise than its postcode, when they agree.
    if by_name.kind not in ("commune", "postcode") and by_postcode.insee in (None, by_name.insee):
        return by_name
    return by_postcode


def _match_words(normalized: str, index: _Index, postcode_insee: str | None) -> Location | None:
    tokens = [t for t in normalized.split() if t not in STOPWORDS and not POSTCODE.fullmatch(t)][:MAX_TOKENS]
    if not tokens:
        return None

    found: list[tuple[tuple[int, float, int], _Candidate, float]] = []
    for size in range(1, min(len(tokens), index.max_tokens + 1) + 1):
        for start in range(len(tokens) - size + 1):
            gram = " ".join(tokens[start:start + size])
            for candidate in index.by_key.get(gram, ()):
                found.append(((candidate.tokens, 100.0, -candidate.priority), candidate, 100.0))
            if len(gram) < MIN_FUZZY_KEY - 1:
                continue
            for key, score, _ in process.extract(gram, index.keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF,
                                                 limit=10):
                if key == gram or not _close_enough(gram, key, score):
                    continue
                for candidate in index.by_key[key]:
                    if abs(candidate.tokens - size) <= 1:
                        found.append(((candidate.tokens, round(score, 1), -candidate.priority), candidate, score))
    if not found:
        return None
    # Most specific first (more words matched), then the best score, then the kind priority.
    best_rank = max(rank for rank, _, _ in found)
    tied = [(candidate, score) for rank, candidate, score in found if rank == best_rank]
    # The same street name exists in several communes: prefer one the person also named, then Nantes.
    named = {c.location.insee for _, c, s in found if c.location.kind == "commune" and s == 100.0}
    named.add(postcode_insee)
    candidate, score = max(tied, key=lambda item: (item[0].location.insee in named,
                                                   item[0].location.insee == index.home_insee))
    location = candidate.location
    return Location(location.label, location.kind, location.lat, location.lon, location.insee,
                    location.quartier, location.postcode, round(float(score), 1))


# ---------------------------------------------------------------------------------------------- nearest


def nearest(places: Mapping[str, Place] | Iterable[Place], lat: float, lon: float,
            kinds: tuple[str, ...] | None = ("accueil_solidarite",), limit: int = 3) -> list[Nearby]:
    """The places of these kinds (all kinds if None), closest first, with their distance in metres."""
    items = places.values() if isinstance(places, Mapping) else places
    found = [Nearby(place, round(haversine_m(lat, lon, place.lat, place.lon)))
             for place in items if kinds is None or place.kind in kinds]
    found.sort(key=lambda item: (item.distance_m, item.place.id))
    return found[:limit]

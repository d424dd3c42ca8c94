"""Where is the person? Typed text or coordinates -> a Location; and the nearest places to it.

People write "j'habite à Bellevue", "rue de la bottiere", "44300", "pres du CHU", "Reze",
"st herblain", "12 bd des Poilus", with typos, without accents. `locate` matches the words against
the gazetteer (quartiers, communes, postcodes, streets, landmarks, mairies) with rapidfuzz and answers
None rather than a wrong guess: a false "Bellevue" for "bonjour" would send someone across town.
When the words name two places with different doors, the Location carries the others as
`alternatives`, for the person to choose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.catalogue.gazetteer import Gazetteer
from bot.catalogue.places import Place
from bot.places.areas import area_at
from bot.places.geo import haversine_m
from bot.places.index import GENERIC, STOPWORDS, Candidate, Index, index_for, normalize
from bot.places.location import Location

__all__ = ["Location", "Nearby", "locate", "locate_point", "nearest", "normalize"]

POSTCODE = re.compile(r"\b(\d{5})\b")
NUMBER = re.compile(r"^\d{1,4}$")

# Fuzzy thresholds (rapidfuzz ratio, 0-100). Names of 4 letters or fewer ("CHU", "Zola", "Reze")
# must match exactly once accents are gone: one typo there already makes another word.
MIN_FUZZY_KEY = 5
FUZZY_SCORE = 88
FUZZY_CUTOFF = 80  # candidates below this are not even looked at
MAX_TOKENS = 30  # a long message is not an address; its first words are enough
MAX_ALTERNATIVES = 4
LONG_NAME = 8  # letters from which two typos are still the same name


@dataclass(frozen=True)
class Nearby:
    place: Place
    distance_m: int


def locate_point(lat: float, lon: float, gazetteer: Gazetteer) -> Location:
    """The quartier (in the home commune) or commune containing a point, e.g. a location shared on Telegram.

    Outside the métropole the label is the nearest commune (by centroid), with kind "point" and no
    INSEE code: the person does not live there. lat/lon are always the point itself.
    """
    commune, quartier = area_at(lat, lon, gazetteer)
    if quartier is not None:
        return Location(quartier.name, "quartier", lat, lon, gazetteer.home_insee, quartier.name)
    if commune is not None:
        return Location(commune.name, "commune", lat, lon, commune.insee)
    if not gazetteer.communes:
        return Location("", "point", lat, lon)
    nearest_commune = min(gazetteer.communes, key=lambda c: haversine_m(lat, lon, c.lat, c.lon))
    return Location(nearest_commune.name, "point", lat, lon)


def _typos(gram: str, key: str, score: float) -> int | None:
    """How many typos separate the typed words from a name, or None when they are not that name."""
    if len(key) < MIN_FUZZY_KEY or len(gram) < MIN_FUZZY_KEY - 1:
        return None
    # Typos rarely hit the first two letters; requiring them keeps "bains" from becoming "Brains".
    if gram[:2] != key[:2]:
        return None
    # One typo in a short name ("doulan"), two in a long one ("belvue" for "bellevue").
    allowed = 2 if len(key) >= LONG_NAME else 1
    distance = Levenshtein.distance(gram, key, score_cutoff=allowed + 1)
    if distance <= allowed or score >= FUZZY_SCORE:
        return distance
    return None


def locate(text: str, gazetteer: Gazetteer) -> Location | None:
    """The place a person names in free text, or None when nothing matches convincingly."""
    if not text or not text.strip():
        return None
    index = index_for(gazetteer)
    normalized = normalize(text)
    by_postcode = next((index.postcodes[c] for c in POSTCODE.findall(normalized) if c in index.postcodes), None)
    by_name = _match_words(normalized, index, by_postcode.insee if by_postcode else None)
    if by_postcode is None or by_name is None:
        return by_postcode or by_name
    # "12 rue de la Bottière 44300 Nantes": the street is more precise than its postcode, when they agree.
    if by_name.kind not in ("commune", "postcode") and by_postcode.insee in (None, by_name.insee):
        return by_name
    if by_postcode.alternatives and by_name.insee:
        # "44470 Thouaré": the name settles which commune of a shared postcode.
        chosen = next((a for a in by_postcode.alternatives if a.insee == by_name.insee), None)
        return chosen or by_postcode
    return by_postcode


Found = tuple[tuple[int, float], Candidate, float]


def _grams(tokens: list[str], max_tokens: int) -> Iterable[tuple[int, int, str]]:
    for size in range(1, min(len(tokens), max_tokens + 1) + 1):
        for start in range(len(tokens) - size + 1):
            yield start, size, " ".join(tokens[start:start + size])


def _match_words(normalized: str, index: Index, postcode_insee: str | None) -> Location | None:
    tokens = [t for t in normalized.split() if t not in STOPWORDS and not POSTCODE.fullmatch(t)][:MAX_TOKENS]
    if not tokens:
        return None
    number = next((int(t) for t in tokens if NUMBER.match(t)), None)
    content = {i for i, t in enumerate(tokens) if t not in GENERIC and not t.isdigit()}
    found: list[Found] = []
    covered: set[int] = set()
    for start, size, gram in _grams(tokens, index.max_tokens):
        for candidate in index.by_key.get(gram, ()):
            found.append(((candidate.tokens, 100.0), candidate, 100.0))
            covered.update(range(start, start + size))
    if not content <= covered:
        # Some words matched nothing as written: look for them with typos, in their first-letters group.
        for start, size, gram in _grams(tokens, index.max_tokens):
            if len(gram) < MIN_FUZZY_KEY - 1 or not content.intersection(range(start, start + size)) - covered:
                continue
            for key, score, _ in process.extract(gram, index.by_prefix.get(gram[:2], ()), scorer=fuzz.ratio,
                                                 score_cutoff=FUZZY_CUTOFF, limit=10):
                typos = None if key == gram else _typos(gram, key, score)
                if typos is None:
                    continue
                for candidate in index.by_key[key]:
                    if abs(candidate.tokens - size) <= 1:
                        # Ranked by the number of typos: two names one typo away are equally likely.
                        found.append(((candidate.tokens, 100.0 - 10 * typos), candidate, score))
    if not found:
        return None
    return _choose(found, index, postcode_insee, number)


def _choose(found: list[Found], index: Index, postcode_insee: str | None, number: int | None) -> Location:
    # Most specific first (more words matched), then the best score; among those, the kind priority.
    best_rank = max(rank for rank, _, _ in found)
    tied = [(candidate, score) for rank, candidate, score in found if rank == best_rank]
    # The same name in several communes: prefer one the person also named, then the home commune.
    named = {c.location.insee for _, c, s in found if c.location.kind == "commune" and s == 100.0}
    if postcode_insee:
        named.add(postcode_insee)
    candidate, score = max(tied, key=lambda item: (item[0].location.insee in named, -item[0].priority,
                                                   item[0].location.insee == index.home_insee, item[1]))
    location = candidate.location
    if candidate.odd is not None and number is not None and number % 2 == 1:
        location = candidate.odd  # the source gives this quartier for the odd numbers
    streets = location.kind == "street"
    doors = {(location.insee, location.quartier)}
    others = []
    for other, _ in tied:
        where = other.location
        if ((where.kind == "street") != streets or (named and where.insee not in named)
                or (where.insee, where.quartier) in doors):
            continue
        doors.add((where.insee, where.quartier))
        others.append(where)
    alternatives = location.alternatives + tuple(others)
    return replace(location, score=round(float(score), 1), alternatives=alternatives[:MAX_ALTERNATIVES])


def nearest(places: Mapping[str, Place] | Iterable[Place], lat: float, lon: float,
            kinds: tuple[str, ...] | None = ("accueil_solidarite",), limit: int = 3) -> list[Nearby]:
    """The open places of these kinds (all kinds if None), closest first, with their distance in metres."""
    items = places.values() if isinstance(places, Mapping) else places
    found = [Nearby(place, round(haversine_m(lat, lon, place.lat, place.lon)))
             for place in items if (kinds is None or place.kind in kinds) and place.is_open]
    found.sort(key=lambda item: (item.distance_m, item.place.id))
    return found[:limit]
